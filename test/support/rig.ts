/**
 * A rehearsal on an in-memory durable store and a virtual clock, for tests in Node and in the
 * browser. Real sql.js underneath; only the disk is memory.
 */
import { VirtualClock } from '../../src/engine/clock.ts';
import type { DurabilityMode } from '../../src/engine/durability/types.ts';
import type { FaultSpec } from '../../src/engine/faults.ts';
import { PHASES, phaseIndex, type Phase } from '../../src/engine/phases.ts';
import { createRandom } from '../../src/engine/random.ts';
import { Rehearsal } from '../../src/engine/rehearsal.ts';
import type { Policy, Scenario, Topology } from '../../src/engine/scenario/format.ts';
import { validateScenario, formatProblems } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine, SqlValue } from '../../src/engine/sql.ts';
import { Driver } from '../../src/harness/driver.ts';
import { SIMULATION_EPOCH_MS } from '../../src/harness/simulate.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';

export interface RigOptions {
  readonly durability?: DurabilityMode;
  readonly seed?: number | string;
  readonly faults?: readonly FaultSpec[];
  /** Override the scenario's topology or policy (e.g. run consensus-artifacts atomically). */
  readonly topology?: Topology;
  readonly policy?: Policy;
  /** Override scenario settings. */
  readonly settings?: Scenario['settings'];
}

/** A scenario by built-in id, validated (throws with every problem otherwise). */
export function scenarioFor(id: string, sql: SqlEngine, overrides: Pick<RigOptions, 'topology' | 'policy' | 'settings'> = {}): Scenario {
  const base = BUILT_IN_SCENARIOS[id];
  if (!base) throw new Error(`no built-in scenario "${id}"`);
  const candidate: Scenario = {
    ...base,
    ...(overrides.topology ? { topology: overrides.topology } : {}),
    ...(overrides.policy ? { policy: overrides.policy } : {}),
    ...(overrides.settings ? { settings: { ...base.settings, ...overrides.settings } } : {}),
  };
  const v = validateScenario(candidate, sql);
  if (!v.ok) throw new Error(formatProblems(v.problems));
  return v.scenario;
}

/** Everything a test needs to open, crash and reopen one rehearsal. */
export class Rig {
  readonly clock = new VirtualClock(SIMULATION_EPOCH_MS);
  readonly backend = new MemoryBackend();
  readonly durability: DurabilityMode;
  readonly seed: number | string;
  rehearsal!: Rehearsal;

  constructor(
    readonly sql: SqlEngine,
    readonly scenario: Scenario,
    private readonly options: RigOptions = {},
  ) {
    this.durability = options.durability ?? 'strict';
    this.seed = options.seed ?? 1;
  }

  get ports() {
    return { sql: this.sql, backend: this.backend, digest: webCryptoSha256, clock: this.clock };
  }

  /** Opens (or reopens, after a crash) the rehearsal. */
  async open(faults: readonly FaultSpec[] = this.options.faults ?? []): Promise<Rehearsal> {
    this.rehearsal = await Rehearsal.open({ scenario: this.scenario, id: 'test', seed: this.seed, durability: this.durability, ports: this.ports, faults, persistMetricsEvery: 0 });
    return this.rehearsal;
  }

  /** A driver (history, workload, careful operator) over this rig's ports. */
  driver(): Driver {
    return new Driver({ scenario: this.scenario, seed: this.seed, durability: this.durability, ports: this.ports, random: createRandom(this.seed), id: 'test' });
  }

  /** Moves forward until `to`, forcing guards (tests that are not about guards). */
  async forceTo(to: Phase): Promise<void> {
    while (phaseIndex(this.rehearsal.phase) < phaseIndex(to)) {
      const next = PHASES[phaseIndex(this.rehearsal.phase) + 1] as Phase;
      if (next === 'old-dropped') await this.rehearsal.verify();
      const lost = next === 'old-dropped' ? ((await this.rehearsal.checkGuard(next)).recordsLost ?? 0) : 0;
      const move = await this.rehearsal.movePhase(next, { force: true, acceptDataLoss: lost });
      if (!move.ok) throw new Error(`cannot move to ${next}: ${move.reasons.join('; ')}`);
    }
  }

  /** Runs a backfill pass and a reverse-sync pass, then verify: what a careful operator does before moving. */
  async repair(): Promise<void> {
    await this.rehearsal.backfill.run();
    await this.rehearsal.reverseSync.run();
    await this.rehearsal.verify();
  }

  /**
   * In shadow, reads every record through its collection's check read (each group once, again and
   * again) until the shadow gate has `minShadowReads` comparisons: what an operator does before
   * moving reads to new.
   */
  async shadowReads(): Promise<void> {
    const r = this.rehearsal;
    const needed = (await r.checkGuard('read-new')).shadow?.minReads ?? 0;
    const reads: { read: string; params: Record<string, SqlValue> }[] = [];
    for (const c of Object.values(this.scenario.collections)) {
      const seen = new Set<string>();
      for (const row of r.database(r.route.reads).query(c.rows[r.route.reads])) {
        const params = Object.fromEntries(Object.entries(c.check.params).map(([param, column]) => [param, row[column] ?? null]));
        const id = JSON.stringify(params);
        if (!seen.has(id)) reads.push({ read: c.check.read, params });
        seen.add(id);
      }
      // No records yet: a read that finds nothing on either side still compares them.
      if (seen.size === 0) reads.push({ read: c.check.read, params: Object.fromEntries(Object.keys(c.check.params).map((p) => [p, null])) });
    }
    for (let i = 0; (r.control.shadowWindow?.reads ?? 0) < needed; i++) {
      if (i > needed * 3 + reads.length) throw new Error(`shadow reads are not counted: ${r.control.shadowWindow?.reads ?? 0} of ${needed}`);
      const next = reads[i % reads.length] as (typeof reads)[number];
      await r.execute(next.read, next.params);
    }
  }

  /** Moves forward until `to`, repairing (and making shadow reads) so that guards pass (no force). */
  async walkTo(to: Phase): Promise<void> {
    while (phaseIndex(this.rehearsal.phase) < phaseIndex(to)) {
      const next = PHASES[phaseIndex(this.rehearsal.phase) + 1] as Phase;
      let move = await this.rehearsal.movePhase(next);
      if (!move.ok) {
        await this.repair();
        if (this.rehearsal.phase === 'shadow') await this.shadowReads();
        move = await this.rehearsal.movePhase(next);
      }
      if (!move.ok) throw new Error(`cannot move to ${next}: ${move.reasons.join('; ')}`);
    }
  }
}

/** A rig for built-in scenario `id`, opened. */
export async function openRig(sql: SqlEngine, id: string, options: RigOptions = {}): Promise<Rig> {
  const rig = new Rig(sql, scenarioFor(id, sql, options), options);
  await rig.open();
  return rig;
}
