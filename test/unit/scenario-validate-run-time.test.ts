/**
 * The validator catches what used to fail only at run time, or silently (issue 10, item 2): each
 * case is reported at its path with a remedy, and each test here fails without its check.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblems, validateScenario, type Problem } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
let userEmails: Json;
beforeAll(async () => {
  sql = await nodeSql();
  const doc = await readFile(resolve(import.meta.dirname, '../../docs/scenario-format.md'), 'utf8');
  userEmails = JSON.parse(/## A complete example[\s\S]*?```json\n([\s\S]*?)\n```/.exec(doc)?.[1] as string) as Json;
});

type Json = Record<string, unknown>;

/** A deep copy of a built-in scenario (or of the docs' example, "user-emails"), changed by `mutate`. */
function broken(id: string, mutate: (s: Json) => void): Json {
  const copy = structuredClone(id === 'user-emails' ? userEmails : BUILT_IN_SCENARIOS[id]) as unknown as Json;
  mutate(copy);
  return copy;
}

function problemsOf(value: unknown): Problem[] {
  const v = validateScenario(value, sql);
  if (v.ok) throw new Error('expected the scenario to be rejected');
  return [...v.problems];
}

/** The message at `path`, failing with every problem found when there is none there. */
function messageAt(problems: readonly Problem[], path: string): string {
  const found = problems.find((p) => p.path === path);
  if (!found) throw new Error(`no problem at ${path}; found:\n${formatProblems(problems)}`);
  return found.message;
}

const ops = (s: Json) => s.operations as Record<string, Json>;
const colls = (s: Json) => s.collections as Record<string, Json>;
const schema = (s: Json) => s.schema as { old: string[]; new: string[] };

describe('the scenarios that must stay valid', () => {
  it.each(Object.keys(BUILT_IN_SCENARIOS))('built-in %s passes every new check', (id) => {
    const v = validateScenario(BUILT_IN_SCENARIOS[id], sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
  });

  it("the docs' example passes every new check", () => {
    const v = validateScenario(userEmails, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
  });
});

describe('reads and canonical rows queries must be read-only', () => {
  it('refuses a canonical rows query that is an UPDATE … RETURNING', () => {
    const s = broken('user-emails', (x) => {
      ((colls(x).users as Json).rows as Json).old = 'UPDATE users SET name = name RETURNING id AS user_id, name, email';
    });
    expect(messageAt(problemsOf(s), 'collections.users.rows.old')).toBe(
      'a canonical rows query must only read, but this statement changes the database (an UPDATE, DELETE or INSERT … RETURNING returns rows and writes them): it would run on every read, verify and backfill batch; write it as a SELECT',
    );
  });

  it('refuses a read that is a DELETE … RETURNING', () => {
    const s = broken('user-emails', (x) => {
      (ops(x).getUser as Json).old = 'DELETE FROM users WHERE id = :user_id RETURNING id AS user_id, name, email';
    });
    expect(messageAt(problemsOf(s), 'operations.getUser.old')).toMatch(/^a read must only read, but this statement changes the database .*write it as a SELECT$/);
  });
});

describe('schema statements are screened like operations', () => {
  it.each([
    ['PRAGMA', 'PRAGMA foreign_keys = OFF'],
    ['BEGIN', 'BEGIN'],
    ['COMMIT', 'COMMIT'],
    ['ATTACH', "ATTACH DATABASE 'other.db' AS other"],
  ])('refuses %s in a schema', (keyword, statement) => {
    const s = broken('user-emails', (x) => {
      schema(x).new = [statement, ...schema(x).new];
    });
    expect(messageAt(problemsOf(s), 'schema.new[0]')).toBe(
      `${keyword} is not allowed in a schema: the engine owns transactions, attached databases and pragmas; declare only tables, indexes, views and triggers here`,
    );
  });

  it('still accepts a trigger whose body has BEGIN … END', () => {
    const s = broken('user-emails', (x) => {
      schema(x).old = [...schema(x).old, "CREATE TRIGGER users_named BEFORE INSERT ON users WHEN NEW.name = '' BEGIN SELECT RAISE(ABORT, 'empty name'); END"];
    });
    const v = validateScenario(s, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
  });
});

describe('a key that can be NULL', () => {
  const nullKeyMessage = (why: string, remedy: string) =>
    `a key column cannot be NULL, but ${why} (backfill orders and resumes by key, and NULL compares with nothing): ${remedy}`;

  it('refuses a key parameter that is {"const": null}', () => {
    const s = broken('user-emails', (x) => {
      ((ops(x).closeAccount as Json).params as Json).user_id = { const: null };
    });
    expect(messageAt(problemsOf(s), 'operations.closeAccount.effect.key.user_id')).toBe(
      nullKeyMessage('parameter "user_id" is {"const": null}', 'give "user_id" a non-null constant or another generator'),
    );
  });

  it('refuses a key parameter drawn from a oneOf that lists null', () => {
    const s = broken('user-emails', (x) => {
      ((ops(x).closeAccount as Json).params as Json).user_id = { oneOf: ['u-1', null, 'u-2'] };
    });
    expect(messageAt(problemsOf(s), 'operations.closeAccount.effect.key.user_id')).toBe(
      nullKeyMessage('parameter "user_id" draws from a oneOf that lists null', 'remove null from "user_id"\'s oneOf'),
    );
  });

  it('refuses a key read with existing from a field some write sets to NULL', () => {
    const s = broken('user-emails', (x) => {
      ((ops(x).closeAccount as Json).params as Json).user_id = { existing: 'users', field: 'email' };
    });
    expect(messageAt(problemsOf(s), 'operations.closeAccount.effect.key.user_id')).toBe(
      nullKeyMessage(
        'parameter "user_id" reads field "email" of "users", which can be NULL (operations.signUp.effect.set.email: parameter "email" is nullable)',
        'read a key column of "users" instead, or make every write set "email" to a value',
      ),
    );
  });

  it('accepts a key read with existing from a field no write sets to NULL', () => {
    const s = broken('user-emails', (x) => {
      ((ops(x).closeAccount as Json).params as Json).user_id = { existing: 'users', field: 'name' };
    });
    const v = validateScenario(s, sql);
    expect(v.ok ? [] : v.problems.filter((p) => /cannot be NULL/.test(p.message))).toEqual([]);
  });

  it('keeps the remedy for a nullable generator', () => {
    const s = broken('user-emails', (x) => {
      ((ops(x).closeAccount as Json).params as Json).user_id = { nullable: 0.1, of: { existing: 'users', field: 'user_id' } };
    });
    expect(messageAt(problemsOf(s), 'operations.closeAccount.effect.key.user_id')).toBe(
      nullKeyMessage('parameter "user_id" is nullable', 'drop "nullable" from "user_id"\'s generator: a key always has a value'),
    );
  });
});
