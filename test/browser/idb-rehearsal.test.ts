/**
 * A rehearsal on real IndexedDB in Chromium: reopening, refused and aborted transactions, one
 * writer across tabs.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { ReadOnlyError, StorageError } from '../../src/engine/durability/types.ts';
import { Rehearsal, type RehearsalOptions } from '../../src/engine/rehearsal.ts';
import { loadBrowserSqlEngine } from '../../src/store/browser-sql.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { createStrictStore, IndexedDbBackend, type IndexedDbHooks } from '../../src/store/idb-backend.ts';
import { tryWriterLock } from '../../src/store/writer-lock.ts';
import { scenarioFor } from '../support/rig.ts';

let n = 0;
const uniqueDb = () => `cutover-lab-test-${Date.now()}-${n++}`;

async function open(dbName: string, hooks: IndexedDbHooks = {}, extra: Partial<RehearsalOptions> = {}): Promise<Rehearsal> {
  const sql = await loadBrowserSqlEngine();
  return Rehearsal.open({
    scenario: scenarioFor('job-keys', sql),
    id: 'r1',
    seed: 1,
    durability: 'strict',
    ports: { sql, backend: new IndexedDbBackend(createStrictStore(dbName), hooks), digest: webCryptoSha256, clock: new VirtualClock(Date.UTC(2025, 10, 13)) },
    ...extra,
  });
}

const enqueue = (id: string) => ({ job_id: id, workspace_id: 'ws-acme', kind: 'embed', result: null, created_at: '2025-11-13 10:00:00' });
const jobIds = (r: Rehearsal) => r.database('old').query(`SELECT json_extract(value, '$.job_id') AS id FROM kv ORDER BY id`).map((x) => x.id);

describe('a rehearsal on IndexedDB', () => {
  it('reopens with every acknowledged write and its phase, across checkpoints', async () => {
    const db = uniqueDb();
    const first = await open(db);
    const ids = Array.from({ length: 30 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    for (const id of ids) expect((await first.execute('enqueue', enqueue(id))).outcome).toBe('ok');
    await first.movePhase('dual-write');
    await first.execute('enqueue', enqueue('job-after-move'));
    // Drop the engine without closing it, as a killed tab would.
    first.crash();
    const second = await open(db);
    expect(second.phase).toBe('dual-write');
    expect(jobIds(second)).toEqual([...ids, 'job-after-move']);
    expect(second.recoveryProblems).toEqual([]);
  });

  it('fails a write whose IndexedDB transaction aborts, and keeps the previous state', async () => {
    const db = uniqueDb();
    let abortNext = false;
    const r = await open(db, {
      beforeCommit: (tx) => {
        if (abortNext) {
          abortNext = false;
          tx.abort();
        }
      },
    });
    expect((await r.execute('enqueue', enqueue('kept'))).outcome).toBe('ok');
    abortNext = true;
    const refused = await r.execute('enqueue', enqueue('refused'));
    expect(refused.outcome).toBe('fail');
    expect(refused.error).toMatchObject({ kind: 'storage' });
    expect(refused.error?.message).toMatch(/IndexedDB refused the write: the transaction was aborted/);
    // Nothing of the refused write is visible, now or after a reopen.
    expect(jobIds(r)).toEqual(['kept']);
    r.crash();
    expect(jobIds(await open(db))).toEqual(['kept']);
  });

  it('stores nothing of a batch when one value cannot be stored', async () => {
    const backend = new IndexedDbBackend(createStrictStore(uniqueDb()));
    await expect(backend.write({ set: [['a', 1], ['b', () => 'a function cannot be cloned'], ['c', 3]] })).rejects.toBeInstanceOf(StorageError);
    expect(await backend.keys('')).toEqual([]);
  });
});

describe('one writer across tabs', () => {
  it('gives the writer lock to one holder at a time', async () => {
    const id = `lock-${Date.now()}`;
    const first = await tryWriterLock(id);
    expect(first).not.toBeNull();
    expect(await tryWriterLock(id)).toBeNull();
    await first?.release();
    const again = await tryWriterLock(id);
    expect(again).not.toBeNull();
    await again?.release();
  });

  it('opens a second copy read-only: it shows the data and refuses writes with a message', async () => {
    const db = uniqueDb();
    const writer = await open(db);
    await writer.execute('enqueue', enqueue('job-1'));
    const reader = await open(db, {}, { readOnly: true });
    expect(reader.readOnly).toBe(true);
    expect(jobIds(reader)).toEqual(['job-1']);
    const refused = await reader.execute('enqueue', enqueue('job-2'));
    expect(refused.outcome).toBe('fail');
    expect(refused.error?.message).toBe(new ReadOnlyError().message);
    const move = await reader.movePhase('dual-write');
    expect(move.ok).toBe(false);
    expect(move.reasons[0]).toMatch(/read-only: another tab holds the rehearsal/);
    // The writer is untouched by the reader.
    expect(writer.phase).toBe('old-only');
    expect(jobIds(writer)).toEqual(['job-1']);
  });
});
