/**
 * The page's history is write-ahead: an operation's invocation is stored before the engine may
 * run it, completions follow in later batches, and a page killed at any moment comes back with
 * every operation it sent — acknowledged, or indeterminate — never with a hole.
 */
import { describe, expect, it } from 'vitest';
import type { OperationResult } from '../../src/engine/vocabulary.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import type { PageDb } from '../../src/store/page-db.ts';
import { runSeedData } from '../../src/ui/app/seeding.ts';
import { HistoryRecorder } from '../../src/ui/history-recorder.ts';
import type { PlannedOperation } from '../../src/worker/protocol.ts';

/** A page database whose writes can be held back, to look at what is stored in between. */
class HeldDb implements PageDb {
  readonly disk = new MemoryBackend();
  #held: (() => void)[] = [];
  hold = false;

  get(key: string) {
    return this.disk.get(key);
  }
  keys(prefix: string) {
    return this.disk.keys(prefix);
  }
  async write(change: Parameters<PageDb['write']>[0]) {
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
    return this.disk.write(change);
  }
  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

const ok = (params: Record<string, string>): OperationResult =>
  Object.freeze({ id: 1, name: 'enqueue', kind: 'write', phase: 'old-only', params, outcome: 'ok', observations: [], durationMs: 1 });

/** A page that goes away without saving anything more: a new recorder on the same database. */
async function reopen(db: PageDb): Promise<HistoryRecorder> {
  const next = new HistoryRecorder('r1', () => undefined, db);
  await next.load();
  return next;
}

describe('the write-ahead history', () => {
  it('says an invocation is stored only once the transaction holding it completed', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    db.hold = true;
    const token = history.invoke('enqueue', 'write', { job_id: 'a' }, 'old-only');
    let stored = false;
    const storing = history.stored(token).then(() => (stored = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stored).toBe(false);
    expect(await db.disk.keys('r1/log/')).toEqual([]);
    db.release();
    await storing;
    expect(await db.disk.keys('r1/log/')).toHaveLength(1);
  });

  it('stores the invocations of one turn together, in one transaction', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    const tokens = ['a', 'b', 'c'].map((job_id) => history.invoke('enqueue', 'write', { job_id }, 'old-only'));
    await Promise.all(tokens.map((t) => history.stored(t)));
    expect(db.disk.writes).toBe(1);
  });

  it('comes back after a kill with the acknowledged writes and, as indeterminate, what was in flight', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    const a = history.invoke('enqueue', 'write', { job_id: 'a' }, 'old-only');
    const b = history.invoke('enqueue', 'write', { job_id: 'b' }, 'old-only');
    await Promise.all([history.stored(a), history.stored(b)]);
    history.complete(a, ok({ job_id: 'a' }));
    await history.logged();
    // Killed here: b was sent and never answered; nothing was compacted.
    const after = await reopen(db);
    expect(after.ops.map((o) => [o.params['job_id'], o.outcome])).toEqual([
      ['a', 'ok'],
      ['b', 'info'],
    ]);
    expect(after.entries).toHaveLength(2);
  });

  it('replays the log over the chunks of the last compaction, skipping batches the chunks supersede', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    const a = history.invoke('enqueue', 'write', { job_id: 'a' }, 'old-only');
    await history.stored(a);
    // A batch still being stored when the compaction runs: older than the chunks it writes.
    db.hold = true;
    history.complete(a, ok({ job_id: 'a' }));
    await new Promise((resolve) => setImmediate(resolve));
    db.hold = false;
    const compaction = history.flush();
    db.release();
    await compaction;
    await history.logged();
    const b = history.invoke('enqueue', 'write', { job_id: 'b' }, 'read-new');
    await history.stored(b);
    history.complete(b, ok({ job_id: 'b' }));
    await history.logged();
    const after = await reopen(db);
    expect(after.ops.map((o) => [o.params['job_id'], o.phase, o.outcome])).toEqual([
      ['a', 'old-only', 'ok'],
      ['b', 'read-new', 'ok'],
    ]);
  });

  it('refuses to let an operation run when its invocation cannot be stored, and records that it did not run', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    db.disk.refuseWrites(1);
    const token = history.invoke('enqueue', 'write', { job_id: 'a' }, 'old-only');
    await expect(history.stored(token)).rejects.toThrow(/quota/);
    history.notRun(token, 'not sent');
    expect(history.ops[0]).toMatchObject({ outcome: 'fail', note: 'not sent to the engine: not sent' });
    await history.logged();
    const after = await reopen(db);
    expect(after.ops.map((o) => o.outcome)).toEqual(['fail']);
  });

  it('numbers the batches after a reload past the ones the chunks supersede, so a kill right after keeps them', async () => {
    const db = new HeldDb();
    const first = new HistoryRecorder('r1', () => undefined, db);
    for (const job_id of ['a', 'b', 'c']) {
      const t = first.invoke('enqueue', 'write', { job_id }, 'old-only');
      await first.stored(t);
      first.complete(t, ok({ job_id }));
      await first.logged();
    }
    await first.flush();
    expect(await db.disk.keys('r1/log/')).toEqual([]);
    // Reloaded, two more acknowledged, then killed before any compaction.
    const second = await reopen(db);
    for (const job_id of ['d', 'e']) {
      const t = second.invoke('enqueue', 'write', { job_id }, 'old-only');
      await second.stored(t);
      second.complete(t, ok({ job_id }));
    }
    await second.logged();
    const third = await reopen(db);
    expect(third.ops.map((o) => [o.params['job_id'], o.outcome])).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
      ['c', 'ok'],
      ['d', 'ok'],
      ['e', 'ok'],
    ]);
  });

  it('never replays a batch the chunks supersede over them: an acknowledgement in the chunks stays acknowledged', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    // The batch holding a's invocation is still being stored when a completes and the compaction runs.
    db.hold = true;
    const a = history.invoke('enqueue', 'write', { job_id: 'a' }, 'old-only');
    await new Promise((resolve) => setImmediate(resolve));
    history.complete(a, ok({ job_id: 'a' }));
    db.hold = false;
    const compaction = history.flush();
    await compaction;
    db.hold = true;
    db.release(); // the old batch lands now; the batch with a's completion is held: killed before it lands
    await new Promise((resolve) => setImmediate(resolve));
    const after = await reopen(db);
    expect(after.ops.map((o) => o.outcome)).toEqual(['ok']);
  });

  it('runs compactions one at a time: a refused one leaves its chunks to the next, and nothing is lost', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    const tokens = Array.from({ length: 1001 }, (_, i) => history.invoke('enqueue', 'write', { job_id: `j${i}` }, 'old-only'));
    await Promise.all(tokens.map((t) => history.stored(t)));
    for (const [i, t] of tokens.entries()) history.complete(t, ok({ job_id: `j${i}` }));
    await history.logged();
    db.disk.refuseWrites(1);
    const refused = history.flush();
    const next = history.flush();
    await Promise.all([refused, next]);
    expect(history.saveError).toBeNull();
    expect(await db.disk.keys('r1/log/')).toEqual([]);
    const after = await reopen(db);
    expect(after.ops).toHaveLength(1001);
    expect(after.ops.every((o, i) => o.index === i && o.outcome === 'ok')).toBe(true);
    expect(after.entries.every((e, i) => e.index === i)).toBe(true);
  });

  it('stores invocations again once storage takes writes after refusing one', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    db.disk.refuseWrites(1);
    const refused = history.invoke('enqueue', 'write', { job_id: 'a' }, 'old-only');
    await expect(history.stored(refused)).rejects.toThrow();
    history.notRun(refused, 'refused');
    const next = history.invoke('enqueue', 'write', { job_id: 'b' }, 'old-only');
    await history.stored(next);
    history.complete(next, ok({ job_id: 'b' }));
    await history.logged();
    const after = await reopen(db);
    expect(after.ops.map((o) => [o.params['job_id'], o.outcome])).toEqual([
      ['a', 'fail'],
      ['b', 'ok'],
    ]);
  });

  it('a tab that is not the writer stores nothing and lets no invocation through', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    db.hold = true;
    const waiting = history.invoke('enqueue', 'write', { job_id: 'a' }, 'old-only');
    const stored = history.stored(waiting);
    history.terminated('crashed');
    history.readOnly = true;
    await expect(stored).rejects.toThrow(/not writing/);
    expect(history.pending(waiting)).toBe(false);
    db.release();
    await history.flush();
    history.event('info', 'seen while read-only');
    await new Promise((resolve) => setImmediate(resolve));
    const writes = db.disk.writes;
    await history.flush();
    expect(db.disk.writes).toBe(writes);
  });
});

describe('seed data through the history', () => {
  /** An engine with `steps` seed steps of `size` operations, which dies after `dieAfter` operations. */
  function engine(steps: number, size: number, dieAfter = Infinity, history?: HistoryRecorder) {
    const executed: string[] = [];
    let seq = 0;
    return {
      executed,
      ports: {
        async nextSeeds(done: number): Promise<PlannedOperation[]> {
          const step = Math.floor(done / size);
          if (step >= steps) return [];
          return Array.from({ length: size - (done % size) }, () => ({ name: `step${step}`, kind: 'write' as const, params: { n: `s${++seq}` }, phase: 'old-only' as const }));
        },
        async execute(name: string, params: Record<string, unknown>): Promise<OperationResult> {
          if (executed.length >= dieAfter) {
            history?.terminated('crashed');
            throw new Error('engine died');
          }
          executed.push(String(params['n']));
          return ok({ n: String(params['n']) });
        },
      },
    };
  }

  it('stores each step\'s invocations before the engine runs any of them', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    const e = engine(2, 3);
    expect(await runSeedData(history, e.ports)).toBe(6);
    expect(db.disk.writes).toBeGreaterThanOrEqual(2);
    expect(history.seedOps).toBe(6);
    expect(history.ops.every((o) => o.seed && o.outcome === 'ok')).toBe(true);
  });

  it('resumes after the seeds the engine answered, not after the ones cut short', async () => {
    const db = new HeldDb();
    const history = new HistoryRecorder('r1', () => undefined, db);
    const dying = engine(2, 4, 2, history);
    await expect(runSeedData(history, dying.ports)).rejects.toThrow('engine died');
    expect(history.seedOps).toBe(2);
    const resumed = engine(2, 4);
    // The new engine is asked from the third seed of the first step on.
    expect(await runSeedData(history, resumed.ports)).toBe(6);
    expect(history.seedOps).toBe(8);
  });
});
