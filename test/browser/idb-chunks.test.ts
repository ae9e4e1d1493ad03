/**
 * Byte arrays larger than one IndexedDB value may be (Chromium refuses about 128 MiB) are stored
 * in chunks, in the same transaction, and read back whole: a snapshot of a 1,000,000-record
 * database is about 300 MiB. Here the chunk size is made small so the test stays quick.
 */
import { describe, expect, it } from 'vitest';
import { promisifyRequest } from 'idb-keyval';
import { VirtualClock } from '../../src/engine/clock.ts';
import { DurableStore } from '../../src/engine/durability/durable-store.ts';
import { StorageError } from '../../src/engine/durability/types.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { createStrictStore, IndexedDbBackend } from '../../src/store/idb-backend.ts';

let opened = 0;

function fresh(hooks: { chunkBytes?: number; beforeCommit?: (tx: IDBTransaction) => void } = {}) {
  const store = createStrictStore(`cutover-lab-chunks-${Date.now()}-${opened++}`);
  const backend = new IndexedDbBackend(store, { chunkBytes: 1_000, ...hooks });
  // Every key IndexedDB holds, chunks included.
  const rawKeys = (): Promise<string[]> => store('readonly', (s) => promisifyRequest(s.getAllKeys())).then((keys) => keys.map(String));
  return { backend, rawKeys };
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);

describe('IndexedDB backend: values in chunks', () => {
  it('stores a large byte array in chunks and reads it back whole; keys() lists only the value', async () => {
    const { backend, rawKeys } = fresh();
    const image = bytes(4_500, 1);
    await backend.write({ set: [['r/backup/start', { format: 1, checksum: 'x', bytes: image, info: { n: 1 } }], ['r/meta/control', { phase: 'old-only' }]] });
    expect((await rawKeys()).filter((k) => k.startsWith('r/backup/start')).length).toBe(1 + 5);
    expect(await backend.keys('r/')).toEqual(['r/backup/start', 'r/meta/control']);
    const back = (await backend.get('r/backup/start')) as { bytes: Uint8Array; info: unknown };
    expect(back.bytes).toEqual(image);
    expect(back.info).toEqual({ n: 1 });
    // Small values are stored as they are.
    expect(await backend.get('r/meta/control')).toEqual({ phase: 'old-only' });
  });

  it('replacing a chunked value leaves none of its old chunks, and deleting it deletes them all (one by one or as ranges)', async () => {
    const { backend, rawKeys } = fresh();
    await backend.write({ set: [['f/old/s/1', { bytes: bytes(5_000, 2) }]] });
    await backend.write({ set: [['f/old/s/1', { bytes: bytes(2_000, 3) }]] });
    expect((await rawKeys()).length).toBe(1 + 2);
    expect(((await backend.get('f/old/s/1')) as { bytes: Uint8Array }).bytes).toEqual(bytes(2_000, 3));
    await backend.write({ delete: ['f/old/s/1'] });
    expect(await rawKeys()).toEqual([]);
    // A journal trim of 10 entries, two of them images (a restore), goes through the range deletes.
    const entries: [string, unknown][] = Array.from({ length: 10 }, (_, i) => [`f/old/j/${String(i).padStart(12, '0')}`, { seq: i, statements: [], ...(i % 5 === 4 ? { image: bytes(3_500, i) } : {}) }]);
    await backend.write({ set: [...entries, ['f/old/j/000000000099', { seq: 99, statements: [] }]] });
    expect((await rawKeys()).length).toBe(11 + 2 * 4);
    await backend.write({ delete: entries.map(([k]) => k) });
    expect(await rawKeys()).toEqual(['f/old/j/000000000099']);
  });

  it('a write whose transaction aborts stores neither the value nor any chunk', async () => {
    const { backend, rawKeys } = fresh({ beforeCommit: (tx) => tx.abort() });
    await expect(backend.write({ set: [['k', { bytes: bytes(3_000, 4) }]] })).rejects.toBeInstanceOf(StorageError);
    expect(await rawKeys()).toEqual([]);
  });

  it('a durable store checkpoints and recovers a database larger than one chunk', async () => {
    const { backend } = fresh({ chunkBytes: 4_096 });
    const store = new DurableStore({ backend, namespace: 'rehearsal/r', mode: 'strict', digest: webCryptoSha256, clock: new VirtualClock(0) });
    const { loadBrowserSqlEngine } = await import('../../src/store/browser-sql.ts');
    const sql = await loadBrowserSqlEngine();
    const db = sql.open();
    db.exec(`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) INSERT INTO t SELECT x, printf('value %d', x) FROM c`);
    const image = db.export();
    expect(image.byteLength).toBeGreaterThan(4 * 4_096);
    await store.checkpoint('main', image, 0);
    const recovered = await store.recover('main', sql);
    expect(recovered.db.query('SELECT count(*) AS n, sum(k) AS s FROM t')[0]).toEqual({ n: 2000, s: 2001000 });
  });
});
