/**
 * Exporting a side as a `.sqlite` file: the bytes re-open in sql.js as a sound database with the
 * side's own tables and rows and nothing of the engine's (or, in a shared file, of the other side's).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Side } from '../../src/engine/scenario/format.ts';
import type { SqlDatabase, SqlEngine } from '../../src/engine/sql.ts';
import { exportDatabase, exportFileName } from '../../src/worker/export-database.ts';
import { nodeSql } from '../support/node.ts';
import { createSession, enqueue, storeArtifact } from '../support/operations.ts';
import { openRig, type Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const names = (db: SqlDatabase, type = 'table'): string[] =>
  db.query(`SELECT name FROM sqlite_master WHERE type = :t AND name NOT LIKE 'sqlite_%' ORDER BY name`, { t: type }).map((r) => String(r.name));

const count = (db: SqlDatabase, table: string): number => Number(db.query(`SELECT COUNT(*) AS n FROM "${table}"`)[0]?.n);

/** Exports `side` of the rig's rehearsal and opens the bytes again. */
function exported(rig: Rig, side: Side) {
  const file = exportDatabase(rig.rehearsal, sql, side);
  const db = sql.open(file.bytes);
  return { file, db };
}

describe('exportDatabase', () => {
  it('exports a split rehearsal’s old side: sound, without the engine’s tables, the same rows', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('dual-write');
    for (let i = 0; i < 12; i++) expect((await enqueue(rig, `job-${i}`)).outcome).toBe('ok');
    for (const side of ['old', 'new'] as const) {
      const { file, db } = exported(rig, side);
      try {
        expect(db.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
        const live = rig.rehearsal.database(side);
        expect(names(live).some((n) => n.startsWith('__cutover_'))).toBe(true);
        const userTables = names(live).filter((n) => !n.startsWith('__cutover_'));
        expect(names(db)).toEqual(userTables);
        expect(db.query(`SELECT name FROM sqlite_master WHERE name LIKE '%cutover%'`)).toEqual([]);
        for (const t of userTables) {
          expect(count(db, t)).toBe(count(live, t));
          expect(file.tables[t]).toBe(count(live, t));
        }
        expect(Object.keys(file.tables).sort()).toEqual(userTables);
        // The scenario's own triggers and indexes stay.
        expect(names(db, 'trigger')).toEqual(['kv_hash_rejects_null_insert', 'kv_hash_rejects_null_update']);
        expect(names(db, 'index')).toContain('kv_job_id');
      } finally {
        db.close();
      }
    }
    expect(count(rig.rehearsal.database('new'), 'kv')).toBe(12);
  });

  it('leaves the rehearsal’s own database as it was', async () => {
    const rig = await openRig(sql, 'session-json');
    expect((await createSession(rig, 's-1')).outcome).toBe('ok');
    const before = names(rig.rehearsal.database('old'));
    exportDatabase(rig.rehearsal, sql, 'old');
    expect(names(rig.rehearsal.database('old'))).toEqual(before);
    expect((await createSession(rig, 's-2')).outcome).toBe('ok');
    expect(count(rig.rehearsal.database('old'), 'session_files')).toBe(1);
  });

  it('drops the other side’s tables from a shared file', async () => {
    const rig = await openRig(sql, 'consensus-artifacts');
    expect(rig.scenario.topology).toBe('shared');
    await rig.forceTo('dual-write');
    for (const agent of ['claude', 'gemini', 'gpt']) expect((await storeArtifact(rig, agent)).outcome).toBe('ok');
    const old = exported(rig, 'old');
    const fresh = exported(rig, 'new');
    try {
      expect(old.db.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(fresh.db.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(names(old.db)).toEqual(['consensus_artifacts', 'consensus_synthesis']);
      expect(names(fresh.db)).toEqual(['agent_outputs', 'consensus_runs']);
      expect(old.file.tables).toEqual({ consensus_artifacts: 3, consensus_synthesis: 0 });
      expect(fresh.file.tables).toEqual({ agent_outputs: 3, consensus_runs: 1 });
      // AUTOINCREMENT counters of the other side's tables go with them.
      expect(old.db.query('SELECT name FROM sqlite_sequence ORDER BY name').map((r) => r.name)).toEqual(['consensus_artifacts']);
      expect(old.file.fileName).toBe('test-old.sqlite');
      expect(fresh.file.fileName).toBe('test-new.sqlite');
      // VACUUM: the other side's pages are not in the file.
      expect(fresh.file.bytes.length).toBeLessThan(rig.rehearsal.database('new').export().length);
    } finally {
      old.db.close();
      fresh.db.close();
    }
  });

  it('refuses old once it is dropped, and still exports new', async () => {
    const rig = await openRig(sql, 'job-keys');
    await rig.forceTo('old-dropped');
    expect(() => exportDatabase(rig.rehearsal, sql, 'old')).toThrow(/old database cannot be exported: its schema was dropped/);
    const { file, db } = exported(rig, 'new');
    db.close();
    expect(file.fileName).toBe('test-new.sqlite');
  });

  it('makes file names safe', () => {
    expect(exportFileName('r-1', 'old')).toBe('r-1-old.sqlite');
    expect(exportFileName('../../etc/a:b*?', 'new')).toBe('etc-a-b-new.sqlite');
    expect(exportFileName('Ünïcode ✓', 'new')).toBe('Unicode-new.sqlite');
    expect(exportFileName('…', 'new')).toBe('rehearsal-new.sqlite');
  });
});
