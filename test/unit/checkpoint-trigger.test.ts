/**
 * When a checkpoint is due (src/engine/checkpoints.ts): after `checkpointEvery` journal entries,
 * and for a file of 1 MiB or more only once those entries hold half its size — counted on
 * commit, and after a restart from the entries recovery replayed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { CHECKPOINT_JOURNAL_SHARE, CHECKPOINT_SIZE_FLOOR, checkpointDue, entriesPerCheckpoint } from '../../src/engine/checkpoints.ts';
import { DatabaseFiles } from '../../src/engine/database-files.ts';
import { DurableStore } from '../../src/engine/durability/durable-store.ts';
import { journalEntryBytes, statementsBytes } from '../../src/engine/durability/journal-size.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';
import type { BoundStatement, SqlEngine } from '../../src/engine/sql.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { nodeSql } from '../support/node.ts';
import { scenarioFor } from '../support/rig.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('checkpointDue', () => {
  it('under 1 MiB the entry count alone decides, whatever the journal holds', () => {
    expect(checkpointDue({ entries: 199, journalBytes: 10 * MiB, fileBytes: 0 }, 200)).toBe(false);
    expect(checkpointDue({ entries: 200, journalBytes: 0, fileBytes: 0 }, 200)).toBe(true);
    expect(checkpointDue({ entries: 25, journalBytes: 100, fileBytes: CHECKPOINT_SIZE_FLOOR - 1 }, 25)).toBe(true);
  });

  it('from 1 MiB it also waits for journal entries holding half the file', () => {
    expect(CHECKPOINT_SIZE_FLOOR).toBe(MiB);
    expect(CHECKPOINT_JOURNAL_SHARE).toBe(1 / 2);
    const file = 64 * MiB;
    expect(checkpointDue({ entries: 10_000, journalBytes: 32 * MiB - 1, fileBytes: file }, 200)).toBe(false);
    expect(checkpointDue({ entries: 10_000, journalBytes: 32 * MiB, fileBytes: file }, 200)).toBe(true);
    // Large entries (a backfill batch) still wait for the count.
    expect(checkpointDue({ entries: 199, journalBytes: 64 * MiB, fileBytes: file }, 200)).toBe(false);
  });

  it('entriesPerCheckpoint is the first count at which checkpointDue says yes', () => {
    for (const fileBytes of [0, 200 * KiB, MiB, 12 * MiB, 62 * MiB]) {
      for (const entryBytes of [40, 836, 5000, 2 * MiB]) {
        for (const every of [1, 25, 200]) {
          let n = 0;
          while (!checkpointDue({ entries: n, journalBytes: n * entryBytes, fileBytes }, every)) n++;
          expect(entriesPerCheckpoint(fileBytes, entryBytes, every), `${fileBytes} B file, ${entryBytes} B entries, every ${every}`).toBe(n);
        }
      }
    }
  });

  it('counts a journal entry by its SQL and its parameters, and a restore by its image', () => {
    const statements: BoundStatement[] = [{ sql: 'INSERT INTO t VALUES (:a, :b, :c, :d)', params: { a: 'xyz', b: 1.5, c: null, d: new Uint8Array(100) } }, { sql: 'DELETE FROM t' }];
    const text = 'INSERT INTO t VALUES (:a, :b, :c, :d)'.length + 'DELETE FROM t'.length;
    // Each parameter: its name, then 3 characters, a number's 8, NULL's 1, the blob's 100 bytes.
    expect(statementsBytes(statements)).toBe(text + (1 + 3) + (1 + 8) + (1 + 1) + (1 + 100));
    expect(journalEntryBytes({ statements: [], image: new Uint8Array(4096) })).toBe(4096);
  });
});

describe('DatabaseFiles: checkpoints by entries and journal bytes', () => {
  let sql: SqlEngine;
  let scenario: Scenario;
  beforeAll(async () => {
    sql = await nodeSql();
    scenario = scenarioFor('consensus-artifacts', sql);
    expect(scenario.topology).toBe('shared');
  });

  const storeOn = (backend: MemoryBackend) => new DurableStore({ backend, namespace: 'trigger', mode: 'strict', digest: webCryptoSha256, clock: new VirtualClock(0) });
  const filesOn = (store: DurableStore) => new DatabaseFiles(scenario, sql, store, { crashPoint: () => undefined }, 2);
  const blob = (bytes: number): BoundStatement => ({ sql: 'INSERT INTO blobs (b) VALUES (:b)', params: { b: new Uint8Array(bytes).fill(7) } });
  const small = (n: number): BoundStatement => ({ sql: 'INSERT INTO blobs (b) VALUES (:b)', params: { b: n } });

  async function commit(files: DatabaseFiles, statements: BoundStatement[]): Promise<number> {
    await files.commit('main', statements).durable;
    return files.maybeCheckpoint();
  }

  it('checkpoints a small file every checkpointEvery entries, and a file over 1 MiB once the journal holds half of it, also after a restart', async () => {
    const backend = new MemoryBackend();
    let store = storeOn(backend);
    let files = filesOn(store);
    await files.recoverAll(); // entry 1: the schemas
    const generations = async () => (await store.describeFile('main')).generations;

    // Small file: the second entry makes the checkpoint, as a fixed count always did.
    expect(await commit(files, [{ sql: 'CREATE TABLE blobs (b BLOB)' }])).toBe(1);
    expect(await generations()).toEqual([1]);
    // Grows past 1 MiB; checkpointed at the count, since the last snapshot was small.
    expect(await commit(files, [blob(1.2 * MiB)])).toBe(0);
    expect(await commit(files, [small(1)])).toBe(1);
    expect(await generations()).toEqual([2, 1]);
    const fileBytes = files.dbOf('main').export().length;
    expect(fileBytes).toBeGreaterThan(MiB);

    // Now the count is not enough: small entries wait for half the file.
    for (let i = 0; i < 3; i++) expect(await commit(files, [small(i)])).toBe(0);
    expect(await generations()).toEqual([2, 1]);
    expect(await commit(files, [blob(fileBytes / 2)])).toBe(1);
    expect(await generations()).toEqual([3, 2]);

    const third = files.dbOf('main').export().length;

    // A quarter of the file, then a restart: the replayed entries count, in number and in bytes.
    expect(await commit(files, [blob(third / 4)])).toBe(0);
    expect(await commit(files, [small(1)])).toBe(0);
    files.close();
    store.dispose();
    store = storeOn(backend);
    files = filesOn(store);
    await files.recoverAll();
    expect(await commit(files, [small(9)])).toBe(0);
    expect(await generations()).toEqual([3, 2]);
    // Another quarter reaches half only with the replayed quarter counted.
    expect(await commit(files, [blob(third / 4)])).toBe(1);
    expect(await generations()).toEqual([4, 3]);
    expect(Number(files.dbOf('main').query('SELECT count(*) AS n FROM blobs')[0]?.n)).toBe(10);
    files.close();
  });
});
