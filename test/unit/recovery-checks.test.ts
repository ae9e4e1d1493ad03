/**
 * What recovery checks before it trusts a snapshot (src/engine/durability/snapshot-generations.ts,
 * snapshot-check.ts): format, generation, header, length and SHA-256 checksum, before the database
 * is opened; then it opens the one it uses and reads its schema, with no `PRAGMA integrity_check`.
 *
 * Why the checksum and not integrity_check: every corruption fault (and storage damage) happens
 * after the bytes were hashed, and the checksum catches each, including a flipped bit inside a
 * stored value, which integrity_check passes. A snapshot that cannot be read at all still sends
 * recovery back a generation, even with a checksum that matches (the sql.js port reads the file
 * when it sets its connection pragmas at open; the schema read makes sure of it for any port).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { corruptNewestSnapshot } from '../../src/engine/durability/corrupt.ts';
import { DurableStore } from '../../src/engine/durability/durable-store.ts';
import { checkSnapshot } from '../../src/engine/durability/snapshot-check.ts';
import type { JournalEntry, SnapshotRecord } from '../../src/engine/durability/types.ts';
import { CORRUPTIONS } from '../../src/engine/faults.ts';
import { createRandom } from '../../src/engine/random.ts';
import type { Params, SqlDatabase, SqlEngine } from '../../src/engine/sql.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { nodeSql } from '../support/node.ts';

const FILE = 'main';
const MARKER = 'needle-0123456789';

/** A SqlEngine that records what is opened and every query and statement run. */
class WatchedSql implements SqlEngine {
  readonly opened: (Uint8Array | undefined)[] = [];
  readonly statements: string[] = [];
  constructor(private readonly inner: SqlEngine) {}
  open(bytes?: Uint8Array): SqlDatabase {
    this.opened.push(bytes);
    const db = this.inner.open(bytes);
    const statements = this.statements;
    return {
      run: (sql: string, params?: Params) => (statements.push(sql), db.run(sql, params)),
      query: (sql: string, params?: Params, limit?: number) => (statements.push(sql), db.query(sql, params, limit)),
      exec: (script: string) => (statements.push(script), db.exec(script)),
      describe: (sql: string) => db.describe(sql),
      export: () => db.export(),
      get inTransaction() {
        return db.inTransaction;
      },
      close: () => db.close(),
    };
  }
}

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const entry = (seq: number): JournalEntry =>
  seq === 1
    ? { seq, statements: [{ sql: 'CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)' }] }
    : { seq, statements: [{ sql: 'INSERT INTO t (k, v) VALUES (:k, :v)', params: { k: seq, v: `${MARKER}-${seq}` } }] };

/**
 * A store with generation 1 at entry 3, generation 2 at entry 5 and entries up to 7 (the journal
 * kept from entry 4 on: one generation back). Returns the backend and generation 2's key.
 */
async function twoGenerations(): Promise<{ backend: MemoryBackend; newest: string; store: () => DurableStore }> {
  const backend = new MemoryBackend();
  const store = () => new DurableStore({ backend, namespace: 'rc', mode: 'strict', digest: webCryptoSha256, clock: new VirtualClock(0) });
  const s = store();
  const db = sql.open();
  for (let seq = 1; seq <= 7; seq++) {
    const e = entry(seq);
    db.exec('BEGIN');
    for (const st of e.statements) db.run(st.sql, st.params);
    db.exec('COMMIT');
    await s.append(FILE, e);
    if (seq === 3 || seq === 5) await s.checkpoint(FILE, db.export(), seq);
  }
  await s.durable(FILE);
  db.close();
  s.dispose();
  const keys = await backend.keys(`rc/f/${FILE}/s/`);
  expect(keys).toHaveLength(2);
  return { backend, newest: keys[keys.length - 1] as string, store };
}

const valuesOf = (db: SqlDatabase): string[] => db.query('SELECT v FROM t ORDER BY k').map((r) => String(r.v));
const ALL_VALUES = [2, 3, 4, 5, 6, 7].map((seq) => `${MARKER}-${seq}`);

describe('recovery checks', () => {
  it('catches a flipped bit inside a stored value by its checksum, where PRAGMA integrity_check says ok', async () => {
    const { backend, newest, store } = await twoGenerations();
    const record = (await backend.get(newest)) as SnapshotRecord;
    // Flip a letter's case bit in the last value stored (entry 5's), in the table's page.
    const text = [...record.bytes].map((b) => String.fromCharCode(b)).join('');
    const at = text.lastIndexOf(`${MARKER}-5`);
    expect(at).toBeGreaterThan(100);
    const bytes = new Uint8Array(record.bytes);
    bytes[at] = (bytes[at] as number) ^ 0x20;
    const damaged: SnapshotRecord = { ...record, bytes };

    // integrity_check finds a sound file: nothing else in it holds the value to compare with.
    const opened = sql.open(bytes);
    expect(opened.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(valuesOf(opened)).toContain(`N${MARKER.slice(1)}-5`);
    opened.close();
    // The checksum does not.
    expect((await checkSnapshot(damaged, 2, webCryptoSha256)).problem).toMatch(/checksum/);

    // Recovery passes it over and rebuilds from generation 1 and the journal, with the value as written.
    await backend.write({ set: [[newest, damaged]] });
    const r = await store().recover(FILE, sql);
    expect(r.generation).toBe(1);
    expect(r.replayed).toBe(4);
    expect(valuesOf(r.db)).toEqual(ALL_VALUES);
    expect(r.problems[0]).toMatch(/generation 2 .* failed its SHA-256 checksum/);
    r.db.close();
  });

  for (const corruption of CORRUPTIONS) {
    it(`passes over a snapshot damaged ${corruption} without opening it, and opens the one it uses without PRAGMA integrity_check`, async () => {
      const { backend, store } = await twoGenerations();
      const good = (await backend.get((await backend.keys(`rc/f/${FILE}/s/`))[0] as string)) as SnapshotRecord;
      const done = await corruptNewestSnapshot(backend, 'rc', FILE, corruption, createRandom(`rc-${corruption}`));
      expect(done?.generation).toBe(2);
      const watched = new WatchedSql(sql);
      const r = await store().recover(FILE, watched);
      expect(r.generation).toBe(1);
      expect(valuesOf(r.db)).toEqual(ALL_VALUES);
      expect(r.problems[0]).toMatch(/^snapshot generation 2 of "main" /);
      // One database opened: generation 1's bytes. The damaged one was judged on its record alone.
      expect(watched.opened).toHaveLength(1);
      expect(watched.opened[0]).toEqual(good.bytes);
      expect(watched.statements[0]).toBe('SELECT count(*) AS n FROM sqlite_master');
      expect(watched.statements.filter((s) => /integrity_check|quick_check/i.test(s))).toEqual([]);
      r.db.close();
    });
  }

  it('uses the newest snapshot when it passes, opening only that one and reading nothing but its schema before the journal', async () => {
    const { store } = await twoGenerations();
    const watched = new WatchedSql(sql);
    const r = await store().recover(FILE, watched);
    expect(r.generation).toBe(2);
    expect(r.replayed).toBe(2);
    expect(r.problems).toEqual([]);
    expect(valuesOf(r.db)).toEqual(ALL_VALUES);
    expect(watched.opened).toHaveLength(1);
    expect(watched.statements.filter((s) => !/^(BEGIN|COMMIT|INSERT)/.test(s))).toEqual(['SELECT count(*) AS n FROM sqlite_master', 'SELECT v FROM t ORDER BY k']);
    r.db.close();
  });

  it('falls back a generation from a snapshot whose checksum matches but that cannot be read (its schema page is garbage)', async () => {
    const { backend, newest, store } = await twoGenerations();
    const record = (await backend.get(newest)) as SnapshotRecord;
    // The SQLite header stays; the rest of page 1 (the schema's b-tree) is overwritten, and the
    // checksum is computed over the result, as if the damage had come before hashing.
    const bytes = new Uint8Array(record.bytes);
    bytes.fill(0xa5, 100, 4096);
    await backend.write({ set: [[newest, { ...record, bytes, checksum: await webCryptoSha256(bytes) }]] });
    expect(await checkSnapshot(await backend.get(newest), 2, webCryptoSha256)).toEqual({});

    const r = await store().recover(FILE, sql);
    expect(r.generation).toBe(1);
    expect(valuesOf(r.db)).toEqual(ALL_VALUES);
    expect(r.problems[0]).toMatch(/^snapshot generation 2 of "main" could not be opened: /);
    r.db.close();
  });
});
