/**
 * The validator catches what used to fail only at run time, or silently (issue 10, item 2): each
 * case is reported at its path with a remedy, and each test here fails without its check.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareCollections, isConsistent } from '../../src/engine/checks/consistency.ts';
import type { Collection, Scenario } from '../../src/engine/scenario/format.ts';
import { formatProblems, validateScenario, type Problem } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';
import { mutated, rejection, type Json } from '../support/scenario-mutations.ts';
import { Rig } from '../support/rig.ts';

let sql: SqlEngine;
let userEmails: Json;
beforeAll(async () => {
  sql = await nodeSql();
  const doc = await readFile(resolve(import.meta.dirname, '../../docs/scenario-format.md'), 'utf8');
  userEmails = JSON.parse(/## A complete example[\s\S]*?```json\n([\s\S]*?)\n```/.exec(doc)?.[1] as string) as Json;
});


/** A deep copy of a built-in scenario, changed by `mutate`. */
const broken = (id: string, mutate: (s: Json) => void): Json => mutated(id === 'user-emails' ? userEmails : BUILT_IN_SCENARIOS[id], mutate);
const problemsOf = (value: unknown): Problem[] => rejection(value, sql);

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

describe('a key whose type does not match its column (found by a dry run of each write)', () => {
  /** The docs' example with users.id and people.id declared INTEGER PRIMARY KEY. */
  const integerIds = (x: Json) => {
    schema(x).old[0] = schema(x).old[0]!.replace('id TEXT PRIMARY KEY', 'id INTEGER PRIMARY KEY');
    schema(x).new[0] = schema(x).new[0]!.replace('id TEXT PRIMARY KEY', 'id INTEGER PRIMARY KEY');
  };

  it('finds a template key that an INTEGER PRIMARY KEY reads back as a number (every such write was reported lost)', () => {
    const s = broken('user-emails', (x) => {
      integerIds(x);
      ((ops(x).signUp as Json).params as Json).user_id = { template: '{seq}' };
    });
    expect(messageAt(problemsOf(s), 'operations.signUp.effect.key.user_id')).toBe(
      'the key "1" (text) reads back from collections.users.rows.old as 1 (an integer): SQLite converted it to its column\'s type, so the record is never found under the key the history holds ' +
        'and every such write is reported lost ("read back nothing"); generate it as a number (e.g. {"int": [1, 1000000]} instead of a template), or declare the column TEXT',
    );
  });

  it('finds an integer key that a TEXT column reads back as text', () => {
    const s = broken('user-emails', (x) => {
      ((ops(x).signUp as Json).params as Json).user_id = { int: [1, 1_000_000] };
    });
    expect(messageAt(problemsOf(s), 'operations.signUp.effect.key.user_id')).toMatch(
      /^the key \d+ \(an integer\) reads back from collections\.users\.rows\.old as "\d+" \(text\): .*generate it as text \(e\.g\. \{"template": "id-\{seq\}"\}\), or declare the column INTEGER$/,
    );
  });

  it('finds text an INTEGER PRIMARY KEY refuses outright, at the statement that fails', () => {
    const s = broken('user-emails', integerIds);
    expect(messageAt(problemsOf(s), 'operations.signUp.old[0]')).toBe(
      'failed in a dry run with generated parameters: datatype mismatch — a value does not fit its column\'s type, so every such write would fail; ' +
        'generate values of the column\'s type (an INTEGER PRIMARY KEY takes only integers: {"int": [1, 1000000]}, not a template; an "existing" parameter gives the text "missing-N" for a record that does not exist) or change the column\'s type',
    );
  });

  it('accepts an integer key generated as an integer', () => {
    const s = broken('user-emails', (x) => {
      integerIds(x);
      ((ops(x).signUp as Json).params as Json).user_id = { int: [1, 1_000_000] };
    });
    const v = validateScenario(s, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
  });
});

describe('a canonical rows query that returns one key twice', () => {
  /** The docs' example with a second, non-primary address per user and a rows query that joins every address. */
  const fanningOut = (x: Json) => {
    (ops(x).signUp as Json).new = [
      ...((ops(x).signUp as Json).new as string[]),
      "INSERT INTO user_emails (user_id, address, is_primary) SELECT :user_id, 'backup-' || :email, 0 WHERE :email IS NOT NULL",
    ];
    ((colls(x).users as Json).rows as Json).new = 'SELECT p.id AS user_id, p.name AS name, e.address AS email FROM people p LEFT JOIN user_emails e ON e.user_id = p.id';
  };

  it('is found on the dry run\'s data, at the query\'s path', () => {
    const message = messageAt(problemsOf(broken('user-emails', fanningOut)), 'collections.users.rows.new');
    expect(message).toMatch(/^returned the key \["u-\d+"\] 2 times on the dry run's data \(the seed data and a few of each write\), and \d+ other key\(s\) more than once: /);
    expect(message).toMatch(
      /a canonical query must return one row per record, and a join that fans out \(several rows of the joined table for one record\) makes verify, backfill and reads see it twice; join at most one row per record \(filter the joined table, or read the value in a subquery\) or GROUP BY the key$/,
    );
  });

  it('is reported by verify at run time, and verify is not clean', async () => {
    // The join alone passes the dry run (each user has one address there); a second address,
    // added by hand, fans it out at run time.
    const joinsEveryAddress = (x: Json) => {
      ((colls(x).users as Json).rows as Json).new = 'SELECT p.id AS user_id, p.name AS name, e.address AS email FROM people p LEFT JOIN user_emails e ON e.user_id = p.id';
    };
    const rig = new Rig(sql, broken('user-emails', joinsEveryAddress) as unknown as Scenario);
    await rig.open();
    await rig.forceTo('dual-write');
    for (const id of ['u-1', 'u-2']) {
      const r = await rig.rehearsal.execute('signUp', { user_id: id, name: 'Ada', email: `${id}@example.com` });
      expect(r.outcome).toBe('ok');
      await rig.rehearsal.consoleWrite('new', `INSERT INTO user_emails (user_id, address, is_primary) VALUES ('${id}', 'backup-${id}@example.com', 0)`);
    }
    const report = await rig.rehearsal.verify();
    expect(report.duplicateKeys).toEqual([
      { collection: 'users', side: 'new', key: '["u-1"]', count: 2 },
      { collection: 'users', side: 'new', key: '["u-2"]', count: 2 },
    ]);
    expect(isConsistent(report)).toBe(false);
    await rig.rehearsal.close();
  });

  it('leaves the report as it was when no key repeats', () => {
    const collection: Collection = {
      key: ['id'],
      fields: ['v'],
      rows: { old: '', new: '' },
      upsert: { old: [], new: [] },
      remove: { old: [], new: [] },
      check: { read: 'get', params: { id: 'id' } },
    };
    const state = { name: 'c', collection, oldVersions: new Map(), newVersions: new Map() };
    const clean = compareCollections([{ ...state, oldRows: [{ id: 1, v: 'a' }], newRows: [{ id: 1, v: 'a' }] }], { old: 'old', new: 'new' });
    expect('duplicateKeys' in clean).toBe(false);
    expect(isConsistent(clean)).toBe(true);
    const twice = compareCollections([{ ...state, oldRows: [{ id: 1, v: 'a' }, { id: 1, v: 'b' }], newRows: [{ id: 1, v: 'a' }] }], { old: 'old', new: 'new' });
    expect(twice.duplicateKeys).toEqual([{ collection: 'c', side: 'old', key: '[1]', count: 2 }]);
  });
});

describe('drop statements must spare the new schema (shared topology)', () => {
  it('refuses a drop of a table the new schema created', () => {
    const s = broken('user-emails', (x) => {
      x.drop = ['DROP TABLE users', 'DROP TABLE user_emails'];
    });
    expect(messageAt(problemsOf(s), 'drop[1]')).toBe(
      'drops table "user_emails" of the new schema: both schemas share one database, so moving to old-dropped would take the new side\'s data with it; drop only the old schema\'s objects (users)',
    );
  });

  it('refuses a drop statement that deletes the new side\'s rows', () => {
    const s = broken('user-emails', (x) => {
      x.drop = ['DELETE FROM people', 'DROP TABLE users'];
    });
    expect(messageAt(problemsOf(s), 'drop[0]')).toMatch(/^changes table "people" of the new schema: /);
  });

  it('refuses dropping an index of the new schema', () => {
    const s = broken('user-emails', (x) => {
      schema(x).new = [...schema(x).new, 'CREATE INDEX user_emails_by_address ON user_emails (address)'];
      x.drop = ['DROP TABLE users', 'DROP INDEX user_emails_by_address'];
    });
    expect(messageAt(problemsOf(s), 'drop[1]')).toMatch(/^drops index "user_emails_by_address" of the new schema: /);
  });
});

describe('Rehearsal.open', () => {
  it('refuses a scenario that does not pass the validator, with its messages, and stores nothing', async () => {
    const rig = new Rig(sql, broken('user-emails', (x) => ((ops(x).signUp as Json).old = ['INSERT INTO user (id) VALUES (:user_id)'])) as unknown as Scenario);
    const error = await rig.open().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('InvalidScenarioError');
    expect(error?.message).toMatch(/^scenario "user-emails" does not pass the validator \(1 problem\):\noperations\.signUp\.old\[0\]: no such table: user/);
    expect(await rig.backend.keys('')).toEqual([]);
  });

  it('opens a valid scenario given as a plain copy of the text', async () => {
    const once = validateScenario(structuredClone(userEmails), sql);
    expect(once.ok).toBe(true);
    const rig = new Rig(sql, structuredClone(userEmails) as unknown as Scenario);
    await rig.open();
    expect(rig.rehearsal.phase).toBe('old-only');
    await rig.rehearsal.close();
  });
});
