/**
 * docs/harness.md, followed as written: load a scenario file with parseScenario, open it, look
 * inside a side with database(side), run a backfill with traffic between its batches, and see an
 * invalid scenario refused by Rehearsal.open with the validator's messages.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { createRandom } from '../../src/engine/random.ts';
import { Rehearsal } from '../../src/engine/rehearsal.ts';
import type { CopyProgress } from '../../src/engine/results.ts';
import { formatProblems, parseScenario } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { Driver } from '../../src/harness/driver.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
let exampleText: string;
beforeAll(async () => {
  sql = await nodeSql();
  const doc = await readFile(resolve(import.meta.dirname, '../../docs/scenario-format.md'), 'utf8');
  exampleText = /## A complete example[\s\S]*?```json\n([\s\S]*?)\n```/.exec(doc)?.[1] as string;
});

const portsFor = () => ({ sql, backend: new MemoryBackend(), digest: webCryptoSha256, clock: new VirtualClock(Date.UTC(2025, 10, 13)) });

describe('docs/harness.md', () => {
  it('loads a scenario file, opens it, queries a side and runs a backfill with traffic between batches', async () => {
    const v = parseScenario(exampleText, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
    const rehearsal = await Rehearsal.open({ scenario: v.scenario, id: 'docs', seed: 1, durability: 'strict', ports: portsFor() });
    for (let i = 1; i <= 5; i++) expect((await rehearsal.execute('signUp', { user_id: `u-${i}`, name: 'Ada', email: `ada${i}@example.com` })).outcome).toBe('ok');
    await rehearsal.movePhase('dual-write');

    // Shared topology: both sides are one database, holding both schemas.
    expect(rehearsal.database('old')).toBe(rehearsal.database('new'));
    expect(rehearsal.database('new').query('SELECT count(*) AS n FROM people')[0]?.n).toBe(0);

    const seen: CopyProgress[] = [];
    await rehearsal.backfill.setBatchSize(2);
    const done = await rehearsal.backfill.run(async (p) => {
      seen.push(p);
      // Traffic while the copy runs, as the docs suggest.
      await rehearsal.execute('changeEmail', { user_id: 'u-1', email: `moved${seen.length}@example.org` });
    });
    expect(done.status).toBe('done');
    expect(seen.length).toBeGreaterThanOrEqual(3); // five records, two per batch
    expect(done.processed).toBe(5);
    const db = rehearsal.database('new');
    expect(db.query('SELECT id FROM people ORDER BY id').map((r) => r.id)).toEqual(['u-1', 'u-2', 'u-3', 'u-4', 'u-5']);
    // The dual write after the copy wins over the copy of the older version.
    expect(db.query('SELECT address FROM user_emails WHERE user_id = :id', { id: 'u-1' })).toEqual([{ address: `moved${seen.length}@example.org` }]);
    await rehearsal.close();
  });

  it('Rehearsal.open refuses a scenario that does not pass, with the validator\'s messages', async () => {
    const broken = exampleText.replace('INSERT INTO users (id, name, email) VALUES (:user_id, :name, :email)"', 'INSERT INTO user (id, name, email) VALUES (:user_id, :name, :email)"');
    expect(broken).not.toBe(exampleText);
    const scenario = JSON.parse(broken) as unknown as Parameters<typeof Rehearsal.open>[0]['scenario'];
    await expect(Rehearsal.open({ scenario, id: 'docs', seed: 1, durability: 'strict', ports: portsFor() })).rejects.toThrow(
      /^scenario "user-emails" does not pass the validator \(1 problem\):\noperations\.signUp\.old\[0\]: no such table: user/,
    );
  });
});

describe('the driver and the rehearsal refuse an invocation the history would record wrongly', () => {
  it('refuses a wrong kind and a missing parameter before recording anything', async () => {
    const v = parseScenario(exampleText, sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
    const driver = new Driver({ scenario: v.scenario, seed: 1, durability: 'strict', ports: portsFor(), random: createRandom(1) });
    await driver.open();
    await expect(driver.invoke({ name: 'closeAccount', kind: 'read', params: { user_id: 'u-1' } })).rejects.toThrow(
      '"closeAccount" is a write, not a read: give the invocation kind "write" (workload.invocation("closeAccount") draws a whole one)',
    );
    await expect(driver.invoke({ name: 'changeEmail', kind: 'write', params: { user_id: 'u-1' } })).rejects.toThrow(/^"changeEmail" needs :email: pass every parameter/);
    expect(driver.history.ops).toEqual([]);
    await expect(driver.rehearsal.execute('changeEmail', { user_id: 'u-1' })).rejects.toThrow(
      '"changeEmail" needs :email (its parameters: :user_id, :email); pass null for a parameter meant to be NULL, or draw them all with workload.invocation("changeEmail")',
    );
    expect((await driver.invoke({ name: 'changeEmail', kind: 'write', params: { user_id: 'u-1', email: null } }))?.outcome).toBe('ok');
    await driver.rehearsal.close();
  });
});
