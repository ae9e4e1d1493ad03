/**
 * The sql.js port binds a statement's `:name` parameters by position, numbered once when the
 * statement is prepared, instead of by name through sql.js (which asks SQLite for each name's
 * index on every call). Whatever the SQL and the parameters, it must bind exactly what binding by
 * name binds: each case runs through the port and through plain sql.js with `{ ':name': value }`,
 * and both must give the same rows, or fail with the same message.
 */
import initSqlJs, { type BindParams, type Database, type SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqlError, type Params, type SqlDatabase, type SqlEngine } from '../../src/engine/sql.ts';
import { positionalNames } from '../../src/store/sqljs.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
let SQL: SqlJsStatic;

beforeAll(async () => {
  sql = await nodeSql();
  SQL = await initSqlJs();
});

const SCHEMA = 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL, n REAL, blob BLOB)';

type Outcome = { rows: unknown[] } | { error: string };

/** What binding by name gives (the port before positional binding), in plain sql.js: `text` run twice. */
function byName(db: Database, text: string, params: Params | undefined, how: 'query' | 'run'): Outcome {
  const once = (): unknown[] => {
    const st = db.prepare(text);
    try {
      st.bind((params ? Object.fromEntries(Object.entries(params).map(([k, v]) => [`:${k}`, v])) : null) as BindParams);
      const rows: unknown[] = [];
      while (st.step()) rows.push(st.getAsObject());
      return rows;
    } finally {
      st.free();
    }
  };
  try {
    once();
    const rows = once();
    return { rows: how === 'query' ? rows : db.exec('SELECT * FROM t ORDER BY id')[0]?.values ?? [] };
  } catch (error) {
    // Wrapped as the port wraps what sql.js throws.
    return { error: new SqlError((error as Error).message, text).message };
  }
}

/** The same through the port: the second call reuses the prepared statement and its array of values. */
function throughPort(db: SqlDatabase, text: string, params: Params | undefined, how: 'query' | 'run'): Outcome {
  try {
    if (how === 'run') {
      db.run(text, params);
      db.run(text, params);
      return { rows: db.query('SELECT * FROM t ORDER BY id').map((r) => Object.values(r)) };
    }
    db.query(text, params);
    return { rows: db.query(text, params) };
  } catch (error) {
    expect(error).toBeInstanceOf(SqlError);
    return { error: (error as SqlError).message };
  }
}

/** Runs `text` with `params` both ways and expects the same outcome; returns it. */
function same(text: string, params: Params | undefined, how: 'query' | 'run' = 'query'): Outcome {
  const port = sql.open();
  const plain = new SQL.Database();
  try {
    port.exec(SCHEMA);
    plain.exec(SCHEMA);
    const outcome = throughPort(port, text, params, how);
    expect(outcome, text).toEqual(byName(plain, text, params, how));
    return outcome;
  } finally {
    port.close();
    plain.close();
  }
}

describe('the sql.js port binds by position what binding by name would bind', () => {
  it('numbers :name parameters in order of first appearance, a name used twice keeping its number', () => {
    expect(positionalNames('SELECT :b, :a, :b, :c, :a')).toEqual(['b', 'a', 'c']);
    expect(positionalNames(`SELECT ':x' AS s, ":y", [:z], \`:w\` -- :v\n, /* :u */ :t`)).toEqual(['t']);
    expect(same('SELECT :b AS b, :a AS a, :b AS b2, :c AS c, :a AS a2', { a: 'A', b: 2, c: 3.5 })).toEqual({ rows: [{ b: 2, a: 'A', b2: 2, c: 3.5, a2: 'A' }] });
  });

  it('binds in any order of the object, ignores names the statement does not use, and leaves a missing one NULL', () => {
    expect(same('SELECT :a AS a, :b AS b', { z: 'unused', b: 'B', a: 'A' })).toEqual({ rows: [{ a: 'A', b: 'B' }] });
    expect(same('SELECT :a AS a, :b AS b', { b: 'B' })).toEqual({ rows: [{ a: null, b: 'B' }] });
    expect(same('SELECT :a AS a', {})).toEqual({ rows: [{ a: null }] });
    expect(same('SELECT :a AS a', undefined)).toEqual({ rows: [{ a: null }] });
    // A name inherited from Object.prototype is missing too, not the prototype's function.
    expect(same('SELECT :constructor AS c, :toString AS s', {})).toEqual({ rows: [{ c: null, s: null }] });
  });

  it('a missing parameter fails a NOT NULL column with the same error, and the next call binds afresh', () => {
    const outcome = same('INSERT INTO t (a, b) VALUES (:a, :b)', { a: 'only a' }, 'run');
    expect(outcome).toEqual({ error: expect.stringMatching(/NOT NULL constraint failed: t\.b/) as unknown as string });
    const db = sql.open();
    db.exec(SCHEMA);
    expect(() => db.run('INSERT INTO t (a, b) VALUES (:a, :b)', { a: 'x' })).toThrow(/NOT NULL constraint failed: t\.b/);
    // The values of a previous call do not leak into one that lacks them.
    db.run('INSERT INTO t (a, b) VALUES (:a, :b)', { a: 'first', b: 'B1' });
    db.run('INSERT INTO t (a, b) VALUES (:a, :b)', { b: 'B2' });
    expect(db.query('SELECT a, b FROM t ORDER BY id')).toEqual([
      { a: 'first', b: 'B1' },
      { a: null, b: 'B2' },
    ]);
    db.close();
  });

  it('refuses a parameter whose value is undefined with the same error as sql.js binding by name', () => {
    const outcome = same('SELECT :a AS a, :b AS b', { a: 'A', b: undefined as unknown as null });
    // sql.js throws a string here ("Wrong API use : tried to bind a value of an unknown type
    // (undefined)."), which the port wraps with an empty message, as it did before.
    expect(outcome).toEqual({ error: '' });
    expect(same('SELECT :a AS a, :b AS b', { a: undefined as unknown as null, b: 'B' })).toEqual({ error: '' });
    // undefined under a name the statement does not use is ignored, as by name.
    expect(same('SELECT :a AS a', { a: 1, other: undefined as unknown as null })).toEqual({ rows: [{ a: 1 }] });
  });

  it('binds every kind of value the same: integers, reals, text, blobs, null, booleans, big integers', () => {
    const params = { i: 42, big: 2 ** 40, r: 0.5, neg: -7, s: 'tëxt', blob: new Uint8Array([1, 2, 3]), nul: null, yes: true as unknown as number, bi: 12345678901234567890n as unknown as number };
    const outcome = same('SELECT :i AS i, :big AS big, :r AS r, :neg AS neg, :s AS s, :blob AS blob, :nul AS nul, :yes AS yes, :bi AS bi', params);
    expect(outcome).toEqual({ rows: [{ i: 42, big: 2 ** 40, r: 0.5, neg: -7, s: 'tëxt', blob: new Uint8Array([1, 2, 3]), nul: null, yes: 1, bi: '12345678901234567890' }] });
    expect(same('INSERT INTO t (a, b, n, blob) VALUES (:a, :a, :n, :blob)', { a: 'same twice', n: 1.25, blob: new Uint8Array([9]) }, 'run')).toEqual({
      rows: [
        [1, 'same twice', 'same twice', 1.25, new Uint8Array([9])],
        [2, 'same twice', 'same twice', 1.25, new Uint8Array([9])],
      ],
    });
  });

  it('falls back to binding by name where SQLite might number the parameters differently, with the same results', () => {
    const odd: [string, Params][] = [
      ['SELECT ? AS q, :a AS a', { a: 'A' }],
      ['SELECT ?2 AS q, :a AS a', { a: 'A' }],
      ['SELECT @a AS at, :a AS a, $a AS d', { a: 'A' }],
      ['SELECT :a::b AS ab, :a AS a', { a: 'A', 'a::b': 'AB' }],
      ['SELECT :1 AS one, :a AS a', { 1: 'one', a: 'A' }],
      ['SELECT :a$ AS d, :a AS a', { a$: 'D', a: 'A' }],
      ['SELECT :aé AS e, :a AS a', { aé: 'E', a: 'A' }],
    ];
    for (const [text, params] of odd) {
      expect(positionalNames(text), text).toBeUndefined();
      same(text, params);
    }
    // The fallback still binds what a plain :name gets.
    expect(same('SELECT ? AS q, :a AS a', { a: 'A' })).toEqual({ rows: [{ q: null, a: 'A' }] });
  });

  it('a statement reused with other parameters binds each call its own values', () => {
    const db = sql.open();
    db.exec(SCHEMA);
    for (let i = 0; i < 5; i++) db.run('INSERT INTO t (a, b, n) VALUES (:a, :b, :n)', { n: i, b: `b${i}`, a: i % 2 === 0 ? `a${i}` : null });
    expect(db.query('SELECT a, b, n FROM t WHERE n >= :min AND b <> :skip ORDER BY n', { skip: 'b3', min: 1 })).toEqual([
      { a: null, b: 'b1', n: 1 },
      { a: 'a2', b: 'b2', n: 2 },
      { a: 'a4', b: 'b4', n: 4 },
    ]);
    expect(db.query('SELECT count(*) AS c FROM t WHERE n >= :min AND b <> :skip', { min: 0, skip: 'none' })).toEqual([{ c: 5 }]);
    db.close();
  });
});
