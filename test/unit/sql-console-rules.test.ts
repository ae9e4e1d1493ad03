import { describe, expect, it } from 'vitest';
import { analyse, refusal } from '../../src/worker/sql-console.ts';
import { tokenize } from '../../src/worker/sql-tokens.ts';

describe('the console’s rules', () => {
  it.each([
    ["ATTACH DATABASE 'x.db' AS x", /ATTACH is not allowed/],
    ["/* -- */ ATTACH ':memory:' AS x", /ATTACH is not allowed/],
    ['detach x', /DETACH is not allowed/],
    ["VACUUM INTO 'copy.db'", /VACUUM INTO is not allowed/],
    ['PRAGMA writable_schema = ON', /writable_schema is not allowed/],
    ['PRAGMA "writable_schema" = 1', /writable_schema is not allowed/],
    ['/* -- */ PRAGMA writable_schema = 1', /writable_schema is not allowed/],
    ["PRAGMA main.'writable_schema'", /writable_schema is not allowed/],
    ['PRAGMA user_version = 5', /cannot be set/],
    ['PRAGMA journal_mode = off', /journal_mode is not allowed/],
    ['BEGIN', /transaction control/],
    ['  commit', /transaction control/],
  ])('refuses %s', (sql, message) => {
    expect(refusal(sql)).toMatch(message);
  });

  it.each([
    "SELECT 'ATTACH' AS word",
    'SELECT CASE WHEN 1 THEN 1 ELSE 2 END',
    'SELECT * FROM pragma_table_info(\'kv\')',
    'PRAGMA table_info(kv)',
    '-- ATTACH in a comment\nSELECT 1',
    'SELECT "detach" FROM t',
  ])('allows %s', (sql) => {
    expect(refusal(sql)).toBeUndefined();
  });

  it('notices the engine’s own tables however they are quoted', () => {
    for (const sql of ['DELETE FROM __cutover_versions_old', 'WITH x AS (SELECT 1) DELETE FROM "__cutover_state_old"', 'DELETE FROM [__CUTOVER_versions_new]']) {
      expect(analyse(sql).touchesEngineTables, sql).toBe(true);
    }
    expect(analyse('SELECT * FROM kv').touchesEngineTables).toBe(false);
  });

  it('reads comments, strings and quoted names as SQLite does', () => {
    const tokens = tokenize(`SELECT 'it''s' /* x */ , "a""b", [c d], x'00ff' -- end`);
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['word', 'SELECT'],
      ['string', "it's"],
      ['symbol', ','],
      ['word', 'a"b'],
      ['symbol', ','],
      ['word', 'c d'],
      ['symbol', ','],
      ['blob', '00ff'],
    ]);
  });
});
