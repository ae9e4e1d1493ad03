/**
 * Group commit over IndexedDB in real Chromium: the entries of one group land in one strict
 * transaction, a group whose transaction aborts fails every operation of it, and the range deletes
 * a large delete list turns into (a checkpoint's journal trim) remove exactly the listed keys.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { DurableStore } from '../../src/engine/durability/durable-store.ts';
import { StorageError, type JournalEntry } from '../../src/engine/durability/types.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { createStrictStore, IndexedDbBackend, type IndexedDbHooks } from '../../src/store/idb-backend.ts';

let opened = 0;
const freshStore = () => createStrictStore(`cutover-lab-group-commit-${Date.now()}-${opened++}`);

const entry = (seq: number): JournalEntry => ({ seq, statements: [{ sql: 'INSERT INTO t (k) VALUES (:k)', params: { k: seq } }] });

/** Counts the write transactions and the journal puts in each, aborting the next ones on demand. */
function watch(): IndexedDbHooks & { transactions: number; abortNext: number } {
  const hooks = {
    transactions: 0,
    abortNext: 0,
    beforeCommit(tx: IDBTransaction) {
      hooks.transactions++;
      if (hooks.abortNext > 0) {
        hooks.abortNext--;
        tx.abort();
      }
    },
  };
  return hooks;
}

/** `n` operations started together, each appending after 0 to 3 microtasks of its own work. */
function operationsTogether(n: number, append: (i: number) => Promise<void>): Promise<void>[] {
  return Array.from({ length: n }, async (_, i) => {
    for (let hop = 0; hop < i % 4; hop++) await Promise.resolve();
    await append(i);
  });
}

const storeOver = (backend: IndexedDbBackend) => new DurableStore({ backend, namespace: 'gc', mode: 'group', digest: webCryptoSha256, clock: new VirtualClock() });

describe('group commit on IndexedDB', () => {
  it('stores the entries of operations started together in one transaction and acknowledges each after it', async () => {
    const hooks = watch();
    const backend = new IndexedDbBackend(freshStore(), hooks);
    const store = storeOver(backend);
    const journal = (seq: number) => `gc/f/main/j/${String(seq).padStart(12, '0')}`;
    const storedWhenAcked: boolean[] = [];
    await Promise.all(
      operationsTogether(32, async (i) => {
        await store.append('main', entry(i + 1));
        storedWhenAcked.push((await backend.get(journal(i + 1))) !== undefined);
      }),
    );
    expect(hooks.transactions).toBe(1);
    expect(storedWhenAcked).toEqual(storedWhenAcked.map(() => true));
    expect((await store.describeFile('main')).journal).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it('fails every operation of a group whose transaction aborts, acknowledges none and stores none', async () => {
    const hooks = watch();
    const backend = new IndexedDbBackend(freshStore(), hooks);
    const store = storeOver(backend);
    hooks.abortNext = 1;
    const results = await Promise.allSettled(operationsTogether(16, (i) => store.append('main', entry(i + 1))));
    expect(hooks.transactions).toBe(1);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'rejected'));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StorageError);
    expect(await store.describeFile('main')).toEqual({ generations: [], journal: [] });
  });
});

describe('IndexedDbBackend deletes of many keys', () => {
  const key = (n: number) => `ns/f/main/j/${String(n).padStart(4, '0')}`;

  it('removes exactly the listed keys, keeping stored keys between them and keys put by the same write', async () => {
    const backend = new IndexedDbBackend(freshStore());
    await backend.write({ set: [...Array.from({ length: 20 }, (_, i) => [key(i + 1), i + 1] as const), ['ns/f/main/s/1', 's'], ['ns/meta/x', 'm']] });

    const listed = [1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 99].map(key);
    await backend.write({ set: [[key(12), 'kept'], [key(30), 'new']], delete: [...listed, 'ns/f/main/s/1', key(30)] });

    expect(await backend.keys('ns/')).toEqual([6, 11, 12, 13, 14, 16, 17, 18, 19, 20].map(key).concat(['ns/meta/x']));
    expect(await backend.get(key(12))).toBe('kept');
  });

  it('deletes nothing and puts nothing when the transaction aborts after the deletes were issued', async () => {
    const hooks = watch();
    const backend = new IndexedDbBackend(freshStore(), hooks);
    await backend.write({ set: Array.from({ length: 12 }, (_, i) => [key(i + 1), i + 1] as const) });
    hooks.abortNext = 1;
    await expect(backend.write({ set: [[key(50), 'x']], delete: Array.from({ length: 10 }, (_, i) => key(i + 1)) })).rejects.toBeInstanceOf(StorageError);
    expect(await backend.keys('ns/')).toEqual(Array.from({ length: 12 }, (_, i) => key(i + 1)));
  });
});
