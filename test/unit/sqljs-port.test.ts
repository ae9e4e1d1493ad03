/**
 * The sql.js port opens every database with `locking_mode=EXCLUSIVE` and `journal_mode=MEMORY`
 * (src/store/sqljs.ts): what the engine relies on must still hold — ROLLBACK undoes, a failed
 * statement inside a transaction undoes only itself, savepoints work, `export()` is a file any
 * SQLite opens with its defaults — and transaction control, now prepared once, must survive a
 * failed COMMIT.
 */
import initSqlJs from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInTransaction, SqlError, type SqlDatabase, type SqlEngine } from '../../src/engine/sql.ts';
import { CONNECTION_PRAGMAS } from '../../src/store/sqljs.ts';
import { refusal } from '../../src/worker/sql-console.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
let SQL: Awaited<ReturnType<typeof initSqlJs>>;

beforeAll(async () => {
  sql = await nodeSql();
  SQL = await initSqlJs();
});

const pragma = (db: SqlDatabase, name: string): unknown => Object.values(db.query(`PRAGMA ${name}`)[0] ?? {})[0];
const count = (db: SqlDatabase, table = 't'): number => Number(db.query(`SELECT count(*) AS n FROM ${table}`)[0]?.n);

function withTable(): SqlDatabase {
  const db = sql.open();
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  return db;
}

describe('the sql.js port: connection pragmas', () => {
  it('opens a new database and one from bytes with the rollback journal in memory and the lock held', () => {
    expect(CONNECTION_PRAGMAS).toEqual(['PRAGMA locking_mode=EXCLUSIVE', 'PRAGMA journal_mode=MEMORY']);
    const fresh = withTable();
    expect(pragma(fresh, 'journal_mode')).toBe('memory');
    expect(pragma(fresh, 'locking_mode')).toBe('exclusive');
    fresh.run(`INSERT INTO t (v) VALUES ('a')`);
    const reopened = sql.open(fresh.export());
    expect(pragma(reopened, 'journal_mode')).toBe('memory');
    expect(pragma(reopened, 'locking_mode')).toBe('exclusive');
    expect(count(reopened)).toBe(1);
    fresh.close();
    reopened.close();
  });

  it('ROLLBACK of a failed transaction undoes every statement before the failure', () => {
    const db = withTable();
    db.run(`INSERT INTO t (v) VALUES ('kept')`);
    expect(() =>
      runInTransaction(db, [
        { sql: `INSERT INTO t (v) VALUES ('one')` },
        { sql: `UPDATE t SET v = 'changed' WHERE v = 'kept'` },
        { sql: `INSERT INTO t (v) VALUES ('one')` }, // UNIQUE fails: the whole transaction goes
      ]),
    ).toThrow(SqlError);
    expect(db.inTransaction).toBe(false);
    expect(db.query('SELECT v FROM t ORDER BY id')).toEqual([{ v: 'kept' }]);
    // The database takes the next transaction as usual.
    runInTransaction(db, [{ sql: `INSERT INTO t (v) VALUES ('next')` }]);
    expect(count(db)).toBe(2);
    db.close();
  });

  it('a statement failing inside a transaction undoes only its own rows; ROLLBACK then undoes the rest', () => {
    const db = withTable();
    db.exec('CREATE TABLE src (v TEXT)');
    db.exec(`INSERT INTO src VALUES ('x'), ('y'), ('x')`);
    db.exec('BEGIN');
    db.run(`INSERT INTO t (v) VALUES ('first')`);
    // Inserts 'x' and 'y', then fails on the second 'x': the statement journal takes back both.
    expect(() => db.run('INSERT INTO t (v) SELECT v FROM src ORDER BY rowid')).toThrow(/UNIQUE/);
    expect(db.inTransaction).toBe(true);
    expect(db.query('SELECT v FROM t ORDER BY id')).toEqual([{ v: 'first' }]);
    db.exec('ROLLBACK');
    expect(count(db)).toBe(0);
    db.close();
  });

  it('savepoints roll back to their mark inside a transaction', () => {
    const db = withTable();
    db.exec('BEGIN');
    db.run(`INSERT INTO t (v) VALUES ('a')`);
    db.exec('SAVEPOINT s1');
    db.run(`INSERT INTO t (v) VALUES ('b')`);
    db.exec('ROLLBACK TO s1');
    db.exec('RELEASE s1');
    db.exec('COMMIT');
    expect(db.inTransaction).toBe(false);
    expect(db.query('SELECT v FROM t')).toEqual([{ v: 'a' }]);
    db.close();
  });

  it('a COMMIT that fails (a deferred foreign key) leaves the transaction open to roll back, and the next one works', () => {
    const db = sql.open();
    db.exec('PRAGMA foreign_keys=ON');
    db.exec('CREATE TABLE p (id INTEGER PRIMARY KEY)');
    db.exec('CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)');
    expect(() => runInTransaction(db, [{ sql: 'INSERT INTO c (p) VALUES (42)' }])).toThrow(/FOREIGN KEY/);
    expect(db.inTransaction).toBe(false);
    expect(count(db, 'c')).toBe(0);
    for (let i = 0; i < 3; i++) runInTransaction(db, [{ sql: 'INSERT INTO p (id) VALUES (:id)', params: { id: i } }, { sql: 'INSERT INTO c (p) VALUES (:id)', params: { id: i } }]);
    expect(count(db, 'c')).toBe(3);
    db.close();
  });

  it('export() keeps the connection settings, and its bytes open in plain sql.js with the defaults, intact and writable', () => {
    const db = withTable();
    runInTransaction(db, [{ sql: `INSERT INTO t (v) VALUES ('a')` }, { sql: `INSERT INTO t (v) VALUES ('b')` }]);
    const bytes = db.export();
    // sql.js 1.16 exports through the backup API without reopening: the settings stay.
    expect(pragma(db, 'journal_mode')).toBe('memory');
    expect(pragma(db, 'locking_mode')).toBe('exclusive');
    // A rollback-journal file (header bytes 18 and 19 are 1, not WAL's 2).
    expect([bytes[18], bytes[19]]).toEqual([1, 1]);
    const plain = new SQL.Database(bytes);
    try {
      expect(plain.exec('PRAGMA integrity_check')[0]?.values).toEqual([['ok']]);
      expect(plain.exec('PRAGMA journal_mode')[0]?.values).toEqual([['delete']]);
      expect(plain.exec('PRAGMA locking_mode')[0]?.values).toEqual([['normal']]);
      plain.exec(`BEGIN; INSERT INTO t (v) VALUES ('c'); ROLLBACK; INSERT INTO t (v) VALUES ('d')`);
      expect(plain.exec('SELECT v FROM t ORDER BY id')[0]?.values).toEqual([['a'], ['b'], ['d']]);
    } finally {
      plain.close();
    }
    // Writing on after the export, and exporting again, gives a file with both.
    db.run(`INSERT INTO t (v) VALUES ('e')`);
    const again = sql.open(db.export());
    expect(pragma(again, 'integrity_check')).toBe('ok');
    expect(again.query('SELECT v FROM t ORDER BY id')).toEqual([{ v: 'a' }, { v: 'b' }, { v: 'e' }]);
    again.close();
    db.close();
  });

  it("opens a user's file written in WAL mode, and exports it as a rollback-journal file", () => {
    const db = withTable();
    db.run(`INSERT INTO t (v) VALUES ('a')`);
    const wal = db.export().slice();
    db.close();
    wal[18] = 2;
    wal[19] = 2;
    const opened = sql.open(wal);
    expect(pragma(opened, 'journal_mode')).toBe('memory');
    runInTransaction(opened, [{ sql: `INSERT INTO t (v) VALUES ('b')` }]);
    const bytes = opened.export();
    expect([bytes[18], bytes[19]]).toEqual([1, 1]);
    const plain = new SQL.Database(bytes);
    expect(plain.exec('SELECT v FROM t ORDER BY id')[0]?.values).toEqual([['a'], ['b']]);
    plain.close();
    opened.close();
  });

  it('still refuses bytes that are not a usable database, with the same messages', () => {
    expect(() => sql.open(new Uint8Array(200))).toThrow(/not a SQLite database/);
    const db = withTable();
    const bytes = db.export().slice();
    db.close();
    // A valid header over garbage pages.
    bytes.fill(0xab, 100);
    expect(() => sql.open(bytes)).toThrow(/not a usable SQLite database/);
  });

  it('the console still refuses to set (or name) either pragma', () => {
    for (const statement of ['PRAGMA locking_mode=NORMAL', 'PRAGMA journal_mode=DELETE', 'PRAGMA main.journal_mode = WAL', 'PRAGMA locking_mode']) {
      expect(refusal(statement), statement).toMatch(/is not allowed in the console/);
    }
  });
});
