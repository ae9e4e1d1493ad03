/**
 * The page's history is write-ahead: an operation's invocation is stored before the engine may
 * run it, completions follow in later batches, and a page killed at any moment comes back with
 * every operation it sent — acknowledged, or indeterminate — never with a hole.
 */
import { describe, expect, it } from 'vitest';
import type { OperationResult } from '../../src/engine/vocabulary.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import type { PageDb } from '../../src/store/page-db.ts';
import { HistoryRecorder } from '../../src/ui/history-recorder.ts';

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
    expect(history.ops[0]).toMatchObject({ outcome: 'fail', note: 'not sent' });
    await history.logged();
    const after = await reopen(db);
    expect(after.ops.map((o) => o.outcome)).toEqual(['fail']);
  });
});
