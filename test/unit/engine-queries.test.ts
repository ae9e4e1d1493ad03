/**
 * How many sql.js calls the engine makes for one write and one backfill batch: a count, not a
 * time (speed is measured by `npm run bench`). Each point query the write path or the copier
 * makes per record is CPU the rehearsal adds to the migration it rehearses, so these pin down
 * what issue 11 removed: version lookups that decide nothing, and per-record queries in a batch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { createRandom } from '../../src/engine/random.ts';
import { Rehearsal } from '../../src/engine/rehearsal.ts';
import type { Policy, Scenario } from '../../src/engine/scenario/format.ts';
import { validateScenario } from '../../src/engine/scenario/validate.ts';
import type { Params, Row, SqlDatabase, SqlEngine, StatementShape } from '../../src/engine/sql.ts';
import { Workload } from '../../src/engine/workload.ts';
import { SIMULATION_EPOCH_MS } from '../../src/harness/simulate.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { nodeSql } from '../support/node.ts';

interface Counts {
  query: number;
  run: number;
  exec: number;
}

let counting = false;
let counts: Counts = { query: 0, run: 0, exec: 0 };

class CountingDb implements SqlDatabase {
  constructor(readonly inner: SqlDatabase) {}
  run(sql: string, params?: Params): number {
    if (counting) counts.run++;
    return this.inner.run(sql, params);
  }
  query(sql: string, params?: Params, limit?: number): Row[] {
    if (counting) counts.query++;
    return this.inner.query(sql, params, limit);
  }
  exec(script: string): void {
    if (counting) counts.exec++;
    this.inner.exec(script);
  }
  describe(sql: string): StatementShape {
    return this.inner.describe(sql);
  }
  export(): Uint8Array {
    return this.inner.export();
  }
  get inTransaction(): boolean {
    return this.inner.inTransaction;
  }
  close(): void {
    this.inner.close();
  }
}

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; counts: Counts }> {
  counts = { query: 0, run: 0, exec: 0 };
  counting = true;
  try {
    const result = await fn();
    return { result, counts };
  } finally {
    counting = false;
  }
}

/** A rehearsal of a built-in scenario (policy overridden) on a counting SQL engine, in old-only, holding the seed data. */
async function rehearsal(id: string, policy?: Policy): Promise<{ r: Rehearsal; workload: Workload; scenario: Scenario }> {
  const base = BUILT_IN_SCENARIOS[id] as Scenario;
  const v = validateScenario(policy ? { ...base, policy } : base, sql);
  if (!v.ok) throw new Error(`${id} is not valid`);
  const engine: SqlEngine = { open: (bytes) => new CountingDb(sql.open(bytes)) };
  const r = await Rehearsal.open({ scenario: v.scenario, id: 'count', seed: 1, durability: 'strict', ports: { sql: engine, backend: new MemoryBackend(), digest: webCryptoSha256, clock: new VirtualClock(SIMULATION_EPOCH_MS) }, persistMetricsEvery: 0 });
  const workload = new Workload(v.scenario, createRandom(`count-${id}`), () => SIMULATION_EPOCH_MS);
  for (const step of v.scenario.seedData) {
    for (let i = 0; i < step.count; i++) {
      const inv = workload.invocation(step.operation);
      if ((await r.execute(inv.name, inv.params)).outcome === 'ok') workload.observeWrite(inv.name, inv.params);
    }
  }
  return { r, workload, scenario: v.scenario };
}

async function toDualWrite(r: Rehearsal): Promise<void> {
  expect((await r.movePhase('dual-write', { force: true })).ok).toBe(true);
}

describe('point queries of one write', () => {
  it('consensus-artifacts, storeArtifact (a whole-record upsert): none in old-only, none for a dual write under atomic or best-effort', async () => {
    for (const policy of ['atomic', 'best-effort'] as const) {
      const { r, workload } = await rehearsal('consensus-artifacts', policy);
      const single = await counted(() => r.execute('storeArtifact', workload.invocation('storeArtifact').params));
      expect(single.result.outcome).toBe('ok');
      expect(single.counts.query, `${policy} old-only`).toBe(0);
      await toDualWrite(r);
      const dual = await counted(() => r.execute('storeArtifact', workload.invocation('storeArtifact').params));
      expect(dual.result.outcome).toBe('ok');
      expect(dual.result.observations).toHaveLength(2);
      // No version is read: neither side's decides anything for a whole record (was 2 under atomic, 3 under best-effort).
      expect(dual.counts.query, `${policy} dual-write`).toBe(0);
    }
  });

  it('session-json, appendChatMessage (a partial change) under best-effort: existence on each side, the authoritative version before, the second side\'s version', async () => {
    const { r, workload } = await rehearsal('session-json');
    await toDualWrite(r);
    expect((await r.backfill.run()).status).toBe('done'); // new holds the record too, so its version decides
    const dual = await counted(() => r.execute('appendChatMessage', workload.invocation('appendChatMessage').params));
    expect(dual.result.outcome).toBe('ok');
    expect(dual.counts.query).toBe(4);
  });

  it('job-keys, enqueue (an insert) under compensate: the existence check on each side and the version a compensation restores', async () => {
    const { r, workload } = await rehearsal('job-keys');
    await toDualWrite(r);
    const dual = await counted(() => r.execute('enqueue', workload.invocation('enqueue').params));
    expect(dual.result.outcome).toBe('ok');
    expect(dual.counts.query).toBe(3);
  });
});

describe('queries of one backfill batch', () => {
  it('consensus-artifacts: the same six queries for a batch of 10 as for a batch of 100', async () => {
    const per: number[] = [];
    for (const batch of [10, 100]) {
      const { r, workload } = await rehearsal('consensus-artifacts');
      for (let i = 0; i < 120; i++) {
        const inv = workload.invocation('storeArtifact');
        if ((await r.execute(inv.name, inv.params)).outcome === 'ok') workload.observeWrite(inv.name, inv.params);
      }
      await toDualWrite(r);
      await r.backfill.start(batch);
      const step = await counted(() => r.backfill.step());
      expect(step.result.copied).toBe(batch);
      per.push(step.counts.query);
    }
    // The copy state (read before the batch and again under the locks), the page of keys, the
    // source range with its versions, the target's keys and its versions.
    expect(per).toEqual([6, 6]);
  });
});
