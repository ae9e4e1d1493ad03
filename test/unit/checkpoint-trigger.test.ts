/**
 * When a checkpoint is due (src/engine/checkpoints.ts): after `checkpointEvery` journal entries,
 * and only once those entries hold half the file's size (its last snapshot's), at every size —
 * counted on commit, and after a restart from the entries recovery replayed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { CHECKPOINT_JOURNAL_SHARE, checkpointDue, entriesPerCheckpoint } from '../../src/engine/checkpoints.ts';
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
  it('a file with no snapshot yet is due at the entry count, whatever the journal holds', () => {
    expect(checkpointDue({ entries: 199, journalBytes: 10 * MiB, fileBytes: 0 }, 200)).toBe(false);
    expect(checkpointDue({ entries: 200, journalBytes: 0, fileBytes: 0 }, 200)).toBe(true);
  });

  it('at every size it also waits for journal entries holding half the file', () => {
    expect(CHECKPOINT_JOURNAL_SHARE).toBe(1 / 2);
    for (const file of [40 * KiB, MiB - 1, MiB, 64 * MiB]) {
      const half = file * CHECKPOINT_JOURNAL_SHARE;
      expect(checkpointDue({ entries: 10_000, journalBytes: Math.ceil(half) - 1, fileBytes: file }, 25), `${file} B`).toBe(false);
      expect(checkpointDue({ entries: 10_000, journalBytes: Math.ceil(half), fileBytes: file }, 25), `${file} B`).toBe(true);
      // Large entries (a backfill batch) still wait for the count.
      expect(checkpointDue({ entries: 24, journalBytes: file, fileBytes: file }, 25), `${file} B`).toBe(false);
    }
    // Under 1 MiB the count used to decide alone: 25 small entries to a 40 KiB file no longer do.
    expect(checkpointDue({ entries: 25, journalBytes: 25 * 700, fileBytes: 40 * KiB }, 25)).toBe(false);
  });

  it('keeps the file bytes a checkpoint rewrites per journal byte written under 2, from 16 KiB to 62 MiB, unless the count decides', () => {
    for (const entryBytes of [40, 700, 5000]) {
      for (const fileBytes of [16 * KiB, 64 * KiB, 256 * KiB, MiB, 12 * MiB, 62 * MiB]) {
        const entries = entriesPerCheckpoint(fileBytes, entryBytes, 25);
        const rewrittenPerJournalByte = fileBytes / (entries * entryBytes);
        if (entries > 25) {
          // Bytes due by the share: between just under 2 (one entry over) and 2.
          expect(rewrittenPerJournalByte, `${fileBytes} B file, ${entryBytes} B entries`).toBeLessThanOrEqual(2);
          expect(rewrittenPerJournalByte, `${fileBytes} B file, ${entryBytes} B entries`).toBeGreaterThan(2 * (1 - entryBytes / (fileBytes / 2)) - 1e-9);
        } else {
          // The count decided: 25 entries already held half the file, so less is rewritten.
          expect(25 * entryBytes).toBeGreaterThanOrEqual(fileBytes / 2);
        }
      }
    }
  });

  it('entriesPerCheckpoint is the first count at which checkpointDue says yes', () => {
    for (const fileBytes of [0, 16 * KiB, 200 * KiB, MiB - 1, MiB, 12 * MiB, 62 * MiB]) {
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

  it('checkpoints a file once it has checkpointEvery entries holding half its size, also after a restart', async () => {
    const backend = new MemoryBackend();
    let store = storeOn(backend);
    let files = filesOn(store);
    await files.recoverAll(); // entry 1: the schemas
    const generations = async () => (await store.describeFile('main')).generations;

    // No snapshot yet: the second entry makes the checkpoint.
    expect(await commit(files, [{ sql: 'CREATE TABLE blobs (b BLOB)' }])).toBe(1);
    expect(await generations()).toEqual([1]);
    // Grows past 1 MiB; checkpointed at the count, the journal holding far more than half the last, small snapshot.
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

  it('checkpoints a file under 1 MiB once its journal holds half of it, not at the count, and recovery replays less than half of it plus one entry', async () => {
    const backend = new MemoryBackend();
    const store = storeOn(backend);
    const files = filesOn(store);
    await files.recoverAll();
    expect(await commit(files, [{ sql: 'CREATE TABLE blobs (b BLOB)' }])).toBe(1);
    expect(await commit(files, [blob(200 * KiB)])).toBe(0);
    expect(await commit(files, [small(0)])).toBe(1);
    const fileBytes = files.dbOf('main').export().length;
    expect(fileBytes).toBeGreaterThan(200 * KiB);
    expect(fileBytes).toBeLessThan(MiB);

    const text = (n: number): BoundStatement => ({ sql: 'INSERT INTO blobs (b) VALUES (:b)', params: { b: `${'x'.repeat(1000)}${String(n).padStart(4, '0')}` } });
    const entryBytes = statementsBytes([text(0)]);
    // Entries after the second (checkpointEvery 2) are not enough until they hold half the file.
    let entries = 0;
    for (;;) {
      entries++;
      if ((await commit(files, [text(entries)])) > 0) break;
      expect(entries).toBeLessThan(1000);
    }
    expect(entries).toBe(Math.ceil(fileBytes / 2 / entryBytes));
    expect(entries).toBeGreaterThan(50);
    expect((await store.describeFile('main')).generations).toEqual([3, 2]);

    // A crash just before the next checkpoint: recovery replays what the journal holds since the
    // newest snapshot, under half its size plus one entry.
    const third = files.dbOf('main').export().length;
    for (let i = 1; i * entryBytes < third / 2; i++) expect(await commit(files, [text(2000 + i)])).toBe(0);
    files.close();
    const r = await storeOn(backend).recover('main', sql);
    expect(r.generation).toBe(3);
    expect(r.replayedBytes).toBeGreaterThan(r.fileBytes / 2 - 2 * entryBytes);
    expect(r.replayedBytes).toBeLessThan(r.fileBytes / 2 + entryBytes);
    expect(Number(r.db.query('SELECT count(*) AS n FROM blobs')[0]?.n)).toBe(2 + entries + r.replayed);
    r.db.close();
  });
});
