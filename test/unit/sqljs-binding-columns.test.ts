/**
 * The sql.js port builds each row from the statement's column names, read once and kept until
 * something may have changed the schema (instead of asking sql.js for every name on every row).
 * Rows must be what sql.js's `getAsObject` gives, and a statement prepared before a schema change
 * must return the new columns after it, however the change ran: `exec`, `run`, `query`, inside a
 * transaction that is then rolled back, or to a savepoint.
 */
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase, SqlEngine } from '../../src/engine/sql.ts';
import { mayChangeSchema } from '../../src/store/sqljs.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
let SQL: SqlJsStatic;

beforeAll(async () => {
  sql = await nodeSql();
  SQL = await initSqlJs();
});

const ALL = 'SELECT * FROM t ORDER BY id';

function withRows(): SqlDatabase {
  const db = sql.open();
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)');
  db.run(`INSERT INTO t (a) VALUES ('x'), ('y')`);
  // Prepared and its names read before any of the changes below.
  expect(db.query(ALL)).toEqual([
    { id: 1, a: 'x' },
    { id: 2, a: 'y' },
  ]);
  return db;
}

describe('the sql.js port: column names of a prepared statement', () => {
  it('builds the same objects as getAsObject, duplicate names and __proto__ included', () => {
    const db = sql.open();
    const plain = new SQL.Database();
    const text = `SELECT 1 AS a, 2 AS b, 3 AS a, 'p' AS __proto__, x'00ff' AS "1", NULL AS "" UNION ALL SELECT 4, 5, 6, 'q', x'', 7`;
    const st = plain.prepare(text);
    const expected: unknown[] = [];
    while (st.step()) expected.push(st.getAsObject());
    st.free();
    plain.close();
    for (let i = 0; i < 2; i++) {
      const rows = db.query(text);
      expect(rows).toEqual(expected);
      expect(rows.map((r) => Object.keys(r))).toEqual(expected.map((r) => Object.keys(r as object)));
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      expect(Object.hasOwn(rows[0] as object, '__proto__')).toBe(true);
    }
    db.close();
  });

  it('sees a column renamed through exec, run or query', () => {
    const db = withRows();
    db.exec('ALTER TABLE t RENAME COLUMN a TO b');
    expect(db.query(ALL)).toEqual([
      { id: 1, b: 'x' },
      { id: 2, b: 'y' },
    ]);
    db.run('ALTER TABLE t RENAME COLUMN b TO c');
    expect(db.query(ALL)[0]).toEqual({ id: 1, c: 'x' });
    db.query('ALTER TABLE t RENAME COLUMN c TO d');
    expect(db.query(ALL)[0]).toEqual({ id: 1, d: 'x' });
    db.run('ALTER TABLE t ADD COLUMN e INTEGER DEFAULT 5');
    expect(db.query(ALL)[0]).toEqual({ id: 1, d: 'x', e: 5 });
    db.close();
  });

  it('sees a table dropped and created again with other columns', () => {
    const db = withRows();
    db.run('DROP TABLE t');
    db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, other TEXT, more REAL)');
    db.run(`INSERT INTO t (other, more) VALUES ('o', 1.5)`);
    expect(db.query(ALL)).toEqual([{ id: 1, other: 'o', more: 1.5 }]);
    db.close();
  });

  it('sees the old columns again when the transaction or savepoint that renamed them is rolled back', () => {
    const db = withRows();
    db.exec('BEGIN');
    db.run('ALTER TABLE t RENAME COLUMN a TO b');
    expect(db.query(ALL)[0]).toEqual({ id: 1, b: 'x' });
    db.exec('ROLLBACK');
    expect(db.query(ALL)[0]).toEqual({ id: 1, a: 'x' });

    db.exec('BEGIN');
    db.exec('SAVEPOINT s');
    db.run('ALTER TABLE t RENAME COLUMN a TO b');
    expect(db.query(ALL)[0]).toEqual({ id: 1, b: 'x' });
    db.exec('ROLLBACK TO s');
    expect(db.query(ALL)[0]).toEqual({ id: 1, a: 'x' });
    db.exec('RELEASE s');
    db.exec('COMMIT');
    expect(db.query(ALL)[0]).toEqual({ id: 1, a: 'x' });
    db.close();
  });

  it('counts only plain row statements as leaving the schema alone', () => {
    for (const text of ['SELECT 1', '  -- note\n select * from t', 'INSERT INTO t VALUES (1)', 'update t set a = 1', 'DELETE FROM t', 'REPLACE INTO t VALUES (1)', 'WITH x AS (SELECT 1) SELECT * FROM x', 'VALUES (1)']) {
      expect(mayChangeSchema(text), text).toBe(false);
    }
    for (const text of ['CREATE TABLE x (a)', 'ALTER TABLE t ADD b', 'DROP TABLE t', 'PRAGMA table_info(t)', 'ATTACH ? AS x', 'BEGIN', 'ROLLBACK', 'SAVEPOINT s', 'VACUUM', "UPDATE sqlite_schema SET sql = '' WHERE 0", 'SELECT * FROM sqlite_master', '']) {
      expect(mayChangeSchema(text), text).toBe(true);
    }
  });
});
