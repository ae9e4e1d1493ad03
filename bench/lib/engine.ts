/**
 * The engine side of the benchmarks, through its public API only: `Rehearsal.open` on a
 * `MemoryBackend` and a `VirtualClock`, `execute`, `movePhase(…, { force: true })`,
 * `backfill.run()`, `store` and `database(side)`.
 *
 * Large tables are built with one `INSERT … SELECT` on the old side's database
 * (`rehearsal.database('old')`), together with the version rows the engine would have written
 * for those records (`__cutover_versions_old`, keyed by the record key `json_array(key…)`, which
 * `checkSeededLikeEngine` compares with what the engine itself writes). Such rows are not in the
 * journal: they would be gone after a crash, so no benchmark crashes a rehearsal seeded this way.
 */
import { VirtualClock } from '../../src/engine/clock.ts';
import type { DurabilityMode } from '../../src/engine/durability/types.ts';
import { PHASES, phaseIndex, type Phase } from '../../src/engine/phases.ts';
import { Rehearsal } from '../../src/engine/rehearsal.ts';
import type { OperationResult } from '../../src/engine/results.ts';
import type { Policy, Scenario, ScenarioSettings } from '../../src/engine/scenario/format.ts';
import { formatProblems, validateScenario } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { loadNodeSqlEngine } from '../../src/harness/node-sql.ts';
import { SIMULATION_EPOCH_MS } from '../../src/harness/simulate.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { AGENTS, artifactParams, enqueueParams, STAGES } from './engine-params.ts';

export { artifactParams, enqueueParams, getJobParams, iso } from './engine-params.ts';

export type ScenarioId = 'job-keys' | 'consensus-artifacts';

/** A built-in scenario, validated, with the policy or settings overridden. */
export function scenario(sql: SqlEngine, id: ScenarioId, overrides: { policy?: Policy; settings?: ScenarioSettings } = {}): Scenario {
  const base = BUILT_IN_SCENARIOS[id];
  if (!base) throw new Error(`no built-in scenario "${id}"`);
  const candidate: Scenario = {
    ...base,
    ...(overrides.policy ? { policy: overrides.policy } : {}),
    ...(overrides.settings ? { settings: { ...base.settings, ...overrides.settings } } : {}),
  };
  const v = validateScenario(candidate, sql);
  if (!v.ok) throw new Error(formatProblems(v.problems));
  return v.scenario;
}

/** One open rehearsal and its ports. */
export interface Opened {
  readonly rehearsal: Rehearsal;
  readonly backend: MemoryBackend;
  readonly clock: VirtualClock;
  readonly sql: SqlEngine;
}

let rehearsals = 0;

/** Opens a fresh rehearsal of `scenario` on memory (never IndexedDB) and a virtual clock. */
export async function open(s: Scenario, durability: DurabilityMode = 'strict'): Promise<Opened> {
  const sql = await loadNodeSqlEngine();
  const backend = new MemoryBackend();
  const clock = new VirtualClock(SIMULATION_EPOCH_MS);
  const rehearsal = await Rehearsal.open({
    scenario: s,
    id: `bench-${++rehearsals}`,
    seed: 1,
    durability,
    ports: { sql, backend, digest: webCryptoSha256, clock },
    persistMetricsEvery: 0,
  });
  return { rehearsal, backend, clock, sql };
}

/** Moves forward to `to`, forcing the guards (a benchmark is not about guards). */
export async function forceTo(r: Rehearsal, to: Phase): Promise<void> {
  while (phaseIndex(r.phase) < phaseIndex(to)) {
    const next = PHASES[phaseIndex(r.phase) + 1] as Phase;
    const move = await r.movePhase(next, { force: true });
    if (!move.ok) throw new Error(`cannot move to ${next}: ${move.reasons.join('; ')}`);
  }
}

/** Throws unless the operation came back ok: a benchmark fails only when something did not run. */
export function expectOk(result: OperationResult): OperationResult {
  if (result.outcome !== 'ok') throw new Error(`${result.name} came back ${result.outcome}: ${result.error?.message ?? result.note ?? ''}`);
  return result;
}

/** Anything that runs a statement without parameters: the engine's SqlDatabase or a RawDb. */
export interface Exec {
  exec(sql: string): unknown;
}

const range = (count: number): string => `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1}) SELECT i FROM n`;

/**
 * `count` jobs `seed-0` … in job-keys' old schema (kv and the queue list), in one transaction;
 * with `versions`, the version rows the engine keeps for them too (versions 1…count, below any
 * the engine hands out, which follow the clock).
 */
export function seedJobs(db: Exec, count: number, versions: boolean): void {
  db.exec('BEGIN');
  db.exec(
    `INSERT INTO kv (key, value) SELECT 'ai:jobs:seed-' || i, json_object('job_id', 'seed-' || i, 'workspace_id', 'ws-acme', 'kind', 'embed', 'status', 'queued', 'result', '', 'created_at', '2025-11-12T00:00:00.000Z', 'updated_at', '2025-11-12T00:00:00.000Z') FROM (${range(count)})`,
  );
  db.exec(`INSERT INTO list (name, value) SELECT 'ai:jobs:queue', 'seed-' || i FROM (${range(count)})`);
  if (versions) db.exec(`INSERT INTO __cutover_versions_old (collection, record_key, version, deleted) SELECT 'jobs', json_array('seed-' || i), i + 1, 0 FROM (${range(count)})`);
  db.exec('COMMIT');
}

/**
 * `count` artifacts of consensus-artifacts' old schema, keys as `artifactParams('SEED', i)` makes
 * them, with `pad` characters of notes in each content_json (about `pad` + 60 bytes per row).
 */
export function seedArtifacts(db: Exec, count: number, pad: number, versions: boolean): void {
  const stage = `json_extract('${JSON.stringify(STAGES)}', '$[' || ((i / 5) % 6) || ']')`;
  const agent = `json_extract('${JSON.stringify(AGENTS)}', '$[' || (i % 5) || ']')`;
  db.exec('BEGIN');
  db.exec(
    `INSERT INTO consensus_artifacts (spec_id, stage, agent_name, content_json, response_text, run_id, created_at)
     SELECT 'SEED-' || (i / 90), ${stage}, ${agent},
            json_object('verdict', 'approve', 'confidence', 40 + i % 60, 'notes', substr(hex(zeroblob(${Math.ceil(pad / 2)})) || printf('%d', i), -${pad})),
            'looks right to me', 'run-' || ((i / 30) % 3 + 1), strftime('%Y-%m-%dT%H:%M:%fZ', ${SIMULATION_EPOCH_MS / 1000 - 86400} + i, 'unixepoch')
     FROM (${range(count)})`,
  );
  if (versions) {
    db.exec(
      `INSERT INTO __cutover_versions_old (collection, record_key, version, deleted)
       SELECT 'artifacts', json_array(spec_id, stage, run_id, agent_name), id, 0 FROM consensus_artifacts WHERE spec_id LIKE 'SEED-%'`,
    );
  }
  db.exec('COMMIT');
}

/**
 * Checks that rows seeded as above look like the engine's own: writes one record through the
 * engine and compares its version row's key with `json_array(…)` of the same values.
 */
export async function checkSeededLikeEngine(r: Rehearsal, id: ScenarioId): Promise<void> {
  const db = r.database('old');
  if (id === 'job-keys') {
    expectOk(await r.execute('enqueue', enqueueParams('probe-1', 1)));
    const row = db.query(`SELECT count(*) AS n FROM __cutover_versions_old WHERE collection = 'jobs' AND record_key = json_array('probe-1')`)[0];
    if (row?.n !== 1) throw new Error('job-keys: the seeded version rows would not match the engine’s record keys');
  } else {
    const p = artifactParams('PROBE', 7);
    expectOk(await r.execute('storeArtifact', p));
    const row = db.query(`SELECT count(*) AS n FROM __cutover_versions_old WHERE collection = 'artifacts' AND record_key = json_array(:s, :t, :r, :a)`, {
      s: p.spec_id ?? null,
      t: p.stage ?? null,
      r: p.run_id ?? null,
      a: p.agent_name ?? null,
    })[0];
    if (row?.n !== 1) throw new Error('consensus-artifacts: the seeded version rows would not match the engine’s record keys');
  }
}

/** The engine's SQL port (for opening databases the way the engine does). */
export function nodeSql(): Promise<SqlEngine> {
  return loadNodeSqlEngine();
}
