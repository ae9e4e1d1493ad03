/**
 * A database of one's own from the command line (issue 13): `cutover-lab starter` makes the
 * starter scenario of a file made by the sqlite3 tool, and `cutover-lab rehearse --database`
 * rehearses a plan on that file — its rows the starting records, every one carried through the
 * backfill and held to its first state. Bad files exit 2 with the import's messages.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/harness/cli.ts';
import { rehearse, InvalidOptionsError } from '../../src/harness/index.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';

let dir: string;
let shop: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutover-database-'));
  shop = join(dir, 'shop.sqlite');
  const series = (n: number): string => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`;
  execFileSync('sqlite3', [
    shop,
    [
      'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)',
      'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), status TEXT NOT NULL)',
      `${series(200)} INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com' FROM s`,
      `${series(600)} INSERT INTO orders SELECT i, 1 + i % 200, CASE i % 2 WHEN 0 THEN 'paid' ELSE 'new' END FROM s`,
    ].join(';\n'),
  ]);
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const PLAN = {
  format: 1,
  title: 'The shop, cut over',
  seedData: false,
  steps: [
    { kind: 'move', to: 'dual-write' },
    { kind: 'workload', operations: 60 },
    { kind: 'backfill' },
    { kind: 'verify', gate: { verifyClean: true } },
    { kind: 'move', to: 'shadow' },
    { kind: 'workload', operations: 80, gate: { mismatchRate: { max: 0, minReads: 20 } } },
    { kind: 'move', to: 'read-new' },
    { kind: 'workload', operations: 60, gate: { lostWrites: { max: 0 } } },
  ],
};

describe('a database of your own from the command line', () => {
  it('starter writes a valid scenario of the file; rehearse --database carries every row through the cut-over', async () => {
    const scenarioFile = join(dir, 'shop.json');
    const made = await cli(['starter', shop, '--out', scenarioFile]);
    expect(made.code, made.err).toBe(0);
    expect(made.out).toMatch(/wrote the starter scenario "shop" of shop\.sqlite to .*shop\.json: customers \(200 rows\), orders \(600 rows\)/);
    expect(made.out).toContain('--database');
    expect((await cli(['validate', scenarioFile])).code).toBe(0);
    const planFile = join(dir, 'plan.json');
    await writeFile(planFile, JSON.stringify(PLAN));
    const ran = await cli(['rehearse', '--scenario', scenarioFile, '--plan', planFile, '--database', shop, '--seed', '4', '--json', join(dir, 'report.json')]);
    expect(ran.code, ran.out + ran.err).toBe(0);
    expect(ran.out).toMatch(/PASSED/);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { invariants: { history: { lost: unknown[]; starting?: { records: number; missing: number; changed: number } } } };
    expect(report.invariants.history.lost).toEqual([]);
    expect(report.invariants.history.starting).toMatchObject({ records: 800, missing: 0, changed: 0 });
  });

  it('prints the starter on stdout and its notes on stderr', async () => {
    const noKey = join(dir, 'nokey.sqlite');
    execFileSync('sqlite3', [noKey, "CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE TABLE log (at TEXT); INSERT INTO log VALUES ('x')"]);
    const r = await cli(['starter', noKey]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Scenario).collections).toHaveProperty('t');
    expect(r.err).toMatch(/note: table "log" has no primary key/);
  });

  it('refuses a file that is not a sound SQLite database, and a scenario the file does not fit, with exit 2', async () => {
    const text = join(dir, 'notes.sqlite');
    await writeFile(text, 'CREATE TABLE t (x);\n');
    const starter = await cli(['starter', text]);
    expect(starter.code).toBe(2);
    expect(starter.err).toMatch(/notes\.sqlite cannot be imported: it is not a SQLite database: .*SQL text/);
    const bytes = await readFile(shop);
    const cut = join(dir, 'cut.sqlite');
    await writeFile(cut, bytes.subarray(0, bytes.length - 4096));
    const planFile = join(dir, 'plan.json');
    await writeFile(planFile, JSON.stringify(PLAN));
    const truncated = await cli(['rehearse', '--scenario', join(dir, 'shop.json'), '--plan', planFile, '--database', cut]);
    expect(truncated.code).toBe(2);
    expect(truncated.err).toMatch(/--database .*cut\.sqlite: cut\.sqlite cannot be imported: the file is truncated/);
    const other = await cli(['rehearse', '--scenario', 'docs/examples/inventory.json', '--plan', planFile, '--database', shop]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/shop\.sqlite does not hold what the scenario's old side reads and writes:\n {2}collections\.items\.rows\.old: .*no such table: items/);
    expect((await cli(['rehearse', '--scenario', join(dir, 'shop.json'), '--plan', planFile, '--database', shop, '--starting-records', '10'])).err).toMatch(/one or the other/);
  });

  it('rehearse() takes the file as options.database and refuses a bad one with InvalidOptionsError', async () => {
    const scenario = JSON.parse(await readFile(join(dir, 'shop.json'), 'utf8')) as Scenario;
    const bytes = new Uint8Array(await readFile(shop));
    const report = await rehearse(scenario, PLAN as never, { seed: 1, durability: 'strict', database: { name: 'shop.sqlite', bytes } });
    expect(report.ok).toBe(true);
    await expect(rehearse(scenario, PLAN as never, { seed: 1, durability: 'strict', database: { name: 'x', bytes: new Uint8Array([1, 2, 3]) } })).rejects.toThrow(InvalidOptionsError);
    await expect(rehearse(scenario, PLAN as never, { seed: 1, durability: 'strict', database: bytes as never })).rejects.toThrow(/give \{ name, bytes \}/);
  });
});
