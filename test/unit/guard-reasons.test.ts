/**
 * What verify remembers for the guards, read from real databases: records that differ at equal
 * versions (no repair copies them) and keys a canonical query returned twice, each with an example,
 * so the refusal of the next move names them instead of asking for a repair that cannot help.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/engine/scenario/format.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { nodeSql } from '../support/node.ts';
import { Rig } from '../support/rig.ts';
import { mutated } from '../support/scenario-mutations.ts';
import { UNREPAIRABLE_SCENARIO } from '../support/unrepairable-scenario.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const signUp = (rig: Rig, id: string, name: string) => rig.rehearsal.execute('signUp', { user_id: id, name, email: `${id}@example.com` });

describe('the guard after a verify that repair cannot make clean', () => {
  it('says the records differ with equal versions, quotes one, and points at the scenario\'s SQL rather than at backfill', async () => {
    // The new side's canonical upsert upper-cases names: every record backfilled from old differs at equal versions.
    const rig = new Rig(sql, UNREPAIRABLE_SCENARIO);
    await rig.open();
    for (const id of ['u-1', 'u-2']) expect((await signUp(rig, id, 'ada')).outcome).toBe('ok');
    await rig.forceTo('shadow');
    await rig.repair();
    const v = rig.rehearsal.control.lastVerify;
    expect(v).toMatchObject({ clean: false, diverged: 2, divergedEqualVersions: 2, equalVersionExample: 'users ["u-1"] name old "ada" new "ADA"' });
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.reasons[0]).toMatch(/^the last verify found 2 records that differ with equal versions \(users \["u-1"\] name old "ada" new "ADA"\): backfill and reverse-sync copy a record only from the side with the newer version, so repair cannot change them/);
    expect(guard.reasons.join('\n')).not.toMatch(/run backfill/);
    await rig.rehearsal.close();
  });

  it('names a key the canonical query returned twice (a join fanning out) and how many times', async () => {
    // rows.new joins every address: a user with two rows in user_emails comes back twice.
    const scenario = mutated(UNREPAIRABLE_SCENARIO, (s) => {
      const c = (s.collections as Record<string, { rows: { new: string }; upsert: { new: string[] } }>).users!;
      c.rows.new = 'SELECT p.id AS user_id, p.name AS name, e.address AS email FROM people p LEFT JOIN user_emails e ON e.user_id = p.id';
      c.upsert.new[0] = c.upsert.new[0]!.replace('upper(:name)', ':name');
      s.id = 'user-emails-fanning-out';
    }) as unknown as Scenario;
    const rig = new Rig(sql, scenario);
    await rig.open();
    await rig.forceTo('dual-write');
    expect((await signUp(rig, 'u-1', 'ada')).outcome).toBe('ok');
    await rig.rehearsal.consoleWrite('new', "INSERT INTO user_emails (user_id, address, is_primary) VALUES ('u-1', 'second@example.com', 0)");
    await rig.forceTo('shadow');
    await rig.repair();
    const v = rig.rehearsal.control.lastVerify;
    expect(v).toMatchObject({ clean: false, duplicateKeys: 1, duplicateKeyExample: 'users ["u-1"] 2 times in new\'s rows' });
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.reasons).toContain('the last verify found 1 key a canonical rows query returned more than once (users ["u-1"] 2 times in new\'s rows): one record seen as several, as a join fanning out does; fix the query, then verify again');
    expect(guard.reasons.join('\n')).not.toMatch(/found 0 records/);
    await rig.rehearsal.close();
  });
});
