/**
 * Seed 001 (SPEC-945B, write-path cutover): the eight integration tests of
 * `write_path_cutover.rs`, re-expressed on the built-in `consensus-artifacts` scenario in phase
 * `new-only`: writes go to the new schema alone, the old schema is read-only, and the
 * dual-schema reader (new first, old on an empty result) is unchanged. The seed had no backfill,
 * so the rig forces the guards, as the seed did.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/engine/random.ts';
import { versionTable } from '../../src/engine/records.ts';
import type { Row, SqlEngine } from '../../src/engine/sql.ts';
import { Workload } from '../../src/engine/workload.ts';
import { SIMULATION_EPOCH_MS } from '../../src/harness/simulate.ts';
import { AGENTS, artifact, artifactView, rowCount, sides, store, storeThreeStages, synthesis, synthesisView, type Artifact, type Synthesis } from '../support/consensus.ts';
import { nodeSql } from '../support/node.ts';
import { openRig, type Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

/** Everything in the old schema, to show it is untouched. */
function oldSchemaDump(rig: Rig): { artifacts: Row[]; synthesis: Row[] } {
  const db = rig.rehearsal.database('old');
  return {
    artifacts: db.query('SELECT * FROM consensus_artifacts ORDER BY id'),
    synthesis: db.query('SELECT * FROM consensus_synthesis ORDER BY id'),
  };
}

/** A fresh rehearsal cut over to new-only. */
async function cutOver(): Promise<Rig> {
  const rig = await openRig(sql, 'consensus-artifacts');
  await rig.forceTo('new-only');
  expect(rig.rehearsal.phase).toBe('new-only');
  return rig;
}

describe('seed 001: write-path cutover on consensus-artifacts (phase new-only)', () => {
  it('store_artifact writes the new schema only; the old schema stays empty', async () => {
    // test_write_path_cutover_artifact_new_schema_only
    const rig = await cutOver();
    const a = artifact({ spec_id: 'SPEC-KIT-100', stage: 'plan', agent_name: 'gemini', created_at: '2025-11-13 16:20:05' });
    const w = await store(rig, 'storeArtifact', a);
    expect(sides(w)).toEqual(['new']);

    expect(rowCount(rig, 'consensus_artifacts')).toBe(0);
    expect(rowCount(rig, 'consensus_synthesis')).toBe(0);
    const db = rig.rehearsal.database('new');
    expect(db.query('SELECT r.spec_id, r.stage, r.run_tag, o.agent_name, o.content, o.output_timestamp FROM agent_outputs o JOIN consensus_runs r ON r.id = o.run_id')).toEqual([
      { spec_id: a.spec_id, stage: a.stage, run_tag: a.run_id, agent_name: a.agent_name, content: a.content_json, output_timestamp: Date.parse('2025-11-13T16:20:05Z') },
    ]);
  });

  it('store_synthesis writes the new schema only (on the run); the old schema stays empty', async () => {
    // test_write_path_cutover_synthesis_new_schema_only
    const rig = await cutOver();
    const s = synthesis({ spec_id: 'SPEC-KIT-101', stage: 'tasks', status: 'conflict', artifacts_count: 4 });
    const w = await store(rig, 'storeSynthesis', s);
    expect(sides(w)).toEqual(['new']);

    expect(rowCount(rig, 'consensus_synthesis')).toBe(0);
    expect(rowCount(rig, 'consensus_artifacts')).toBe(0);
    const runs = rig.rehearsal.database('new').query('SELECT spec_id, stage, run_tag, consensus_ok, synthesis_json FROM consensus_runs');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ spec_id: s.spec_id, stage: s.stage, run_tag: s.run_id, consensus_ok: 0 });
    expect(JSON.parse(String(runs[0]?.synthesis_json))).toMatchObject({ output_markdown: s.output_markdown, status: 'conflict', artifacts_count: 4 });
  });

  it('reads still work after the cutover: new data is served by new, old data written before it falls back to old, and old is not touched', async () => {
    // test_write_path_cutover_read_fallback_still_works
    const rig = await openRig(sql, 'consensus-artifacts');
    const legacy = artifact({ spec_id: 'SPEC-KIT-102', stage: 'plan', agent_name: 'claude', created_at: '2025-11-10 09:00:00' });
    await store(rig, 'storeArtifact', legacy);
    const before = oldSchemaDump(rig);
    await rig.forceTo('new-only');

    const fresh = artifact({ spec_id: 'SPEC-KIT-103', stage: 'plan', agent_name: 'gemini', created_at: '2025-11-13 09:00:00' });
    const w = await store(rig, 'storeArtifact', fresh);
    expect(sides(w)).toEqual(['new']);

    const newRead = await rig.rehearsal.execute('queryArtifacts', { spec_id: fresh.spec_id, stage: fresh.stage });
    expect(newRead.outcome).toBe('ok');
    expect(sides(newRead)).toEqual(['new']);
    expect(newRead.servedBy).toBe('new');
    expect(newRead.fallback).toBeUndefined();
    expect(newRead.rows?.map(artifactView)).toEqual([fresh]);

    const oldRead = await rig.rehearsal.execute('queryArtifacts', { spec_id: legacy.spec_id, stage: legacy.stage });
    expect(oldRead.outcome).toBe('ok');
    expect(sides(oldRead)).toEqual(['new', 'old']);
    expect(oldRead.servedBy).toBe('old');
    expect(oldRead.fallback).toBe('empty');
    expect(oldRead.rows?.map(artifactView)).toEqual([legacy]);

    // Old is read-only: the cutover wrote nothing to it.
    expect(oldSchemaDump(rig)).toEqual(before);
  });

  it('synthesis reads still work after the cutover: new synthesis from new, pre-cutover synthesis through the fallback', async () => {
    // test_write_path_cutover_synthesis_read_fallback
    const rig = await openRig(sql, 'consensus-artifacts');
    const legacy = synthesis({ spec_id: 'SPEC-KIT-104', stage: 'audit', created_at: '2025-11-10 09:30:00' });
    await store(rig, 'storeSynthesis', legacy);
    const before = oldSchemaDump(rig);
    await rig.forceTo('new-only');

    const fresh = synthesis({ spec_id: 'SPEC-KIT-105', stage: 'audit', status: 'degraded', degraded: 1, created_at: '2025-11-13 09:30:00' });
    const w = await store(rig, 'storeSynthesis', fresh);
    expect(sides(w)).toEqual(['new']);

    for (const op of ['queryLatestSynthesis', 'querySynthesis']) {
      const newRead = await rig.rehearsal.execute(op, { spec_id: fresh.spec_id, stage: fresh.stage });
      expect(newRead.servedBy, op).toBe('new');
      expect(newRead.fallback, op).toBeUndefined();
      expect(newRead.rows?.map(synthesisView), op).toEqual([fresh]);

      const oldRead = await rig.rehearsal.execute(op, { spec_id: legacy.spec_id, stage: legacy.stage });
      expect(oldRead.servedBy, op).toBe('old');
      expect(oldRead.fallback, op).toBe('empty');
      expect(oldRead.rows?.map(synthesisView), op).toEqual([legacy]);
    }
    expect(oldSchemaDump(rig)).toEqual(before);
  });

  it('five artifacts after the cutover all go to the new schema and read back from it', async () => {
    // test_write_path_cutover_multiple_artifacts_new_schema
    const rig = await cutOver();
    const written = AGENTS.map((agent_name, i) =>
      artifact({ spec_id: 'SPEC-KIT-106', stage: 'implement', agent_name, created_at: `2025-11-13 11:00:0${i}` }),
    );
    for (const a of written) {
      const w = await store(rig, 'storeArtifact', a);
      expect(sides(w)).toEqual(['new']);
    }
    expect(rowCount(rig, 'agent_outputs')).toBe(5);
    expect(rowCount(rig, 'consensus_runs')).toBe(1);
    expect(rowCount(rig, 'consensus_artifacts')).toBe(0);

    const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: 'SPEC-KIT-106', stage: 'implement' });
    expect(r.servedBy).toBe('new');
    expect(r.fallback).toBeUndefined();
    expect(r.rows?.map(artifactView)).toEqual(written);
  });

  it('zero data loss: every write is readable right after it is acknowledged, and still after a crash and recovery', async () => {
    // test_write_path_cutover_zero_data_loss
    const rig = await cutOver();
    const artifacts: Artifact[] = [];
    const syntheses: Synthesis[] = [];
    for (let i = 0; i < 4; i++) {
      const a = artifact({ spec_id: `SPEC-KIT-11${i}`, stage: 'validate', agent_name: 'gpt_codex', created_at: `2025-11-13 13:0${i}:00` });
      await store(rig, 'storeArtifact', a);
      artifacts.push(a);
      const ra = await rig.rehearsal.execute('queryArtifacts', { spec_id: a.spec_id, stage: a.stage });
      expect(ra.servedBy).toBe('new');
      expect(ra.rows?.map(artifactView)).toEqual([a]);

      const s = synthesis({ spec_id: a.spec_id, stage: a.stage, artifacts_count: 1, created_at: `2025-11-13 13:0${i}:30` });
      await store(rig, 'storeSynthesis', s);
      syntheses.push(s);
      const rs = await rig.rehearsal.execute('queryLatestSynthesis', { spec_id: s.spec_id, stage: s.stage });
      expect(rs.servedBy).toBe('new');
      expect(rs.rows?.map(synthesisView)).toEqual([s]);
    }

    // A killed tab: everything in memory is gone; the acknowledged writes come back from durable storage.
    rig.rehearsal.crash();
    await rig.open();
    expect(rig.rehearsal.phase).toBe('new-only');
    for (const [i, a] of artifacts.entries()) {
      const ra = await rig.rehearsal.execute('queryArtifacts', { spec_id: a.spec_id, stage: a.stage });
      expect(ra.servedBy).toBe('new');
      expect(ra.rows?.map(artifactView)).toEqual([a]);
      const rs = await rig.rehearsal.execute('queryLatestSynthesis', { spec_id: a.spec_id, stage: a.stage });
      expect(rs.rows?.map(synthesisView)).toEqual([syntheses[i]]);
    }
    expect(rowCount(rig, 'consensus_artifacts')).toBe(0);
    expect(rowCount(rig, 'consensus_synthesis')).toBe(0);
  });

  it('twenty writes after the cutover all read back identically (100% consistency) with the old schema still empty', async () => {
    // test_write_path_cutover_consistency_under_load
    const rig = await cutOver();
    const agents = AGENTS;
    const written: Artifact[] = [];
    for (let i = 0; i < 20; i++) {
      const a = artifact({
        spec_id: `SPEC-LOAD-${Math.floor(i / 5)}`,
        stage: 'implement',
        agent_name: agents[i % agents.length] as string,
        content_json: JSON.stringify({ verdict: i % 3 ? 'approve' : 'reject', confidence: 50 + i, notes: `write ${i}` }),
        created_at: `2025-11-13 15:${String(i).padStart(2, '0')}:00`,
      });
      const w = await store(rig, 'storeArtifact', a);
      expect(sides(w)).toEqual(['new']);
      written.push(a);
    }
    expect(rowCount(rig, 'agent_outputs')).toBe(20);
    expect(rowCount(rig, 'consensus_artifacts')).toBe(0);

    const readBack: Row[] = [];
    for (let spec = 0; spec < 4; spec++) {
      const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: `SPEC-LOAD-${spec}`, stage: 'implement' });
      expect(r.outcome).toBe('ok');
      expect(r.servedBy).toBe('new');
      expect(r.fallback).toBeUndefined();
      readBack.push(...(r.rows ?? []));
    }
    // Every one of the 20 writes, exactly as written, and nothing else.
    expect(readBack.map(artifactView)).toEqual(written);
  });

  it('stage-specific queries after the cutover return only their own stage', async () => {
    // test_write_path_cutover_stage_specific_isolation
    const rig = await cutOver();
    const spec = 'SPEC-KIT-107';
    const byStage = await storeThreeStages(rig, spec);
    expect(rowCount(rig, 'consensus_runs')).toBe(3);

    for (const [stage, list] of Object.entries(byStage)) {
      const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage });
      expect(r.servedBy, stage).toBe('new');
      expect(r.rows?.map(artifactView), stage).toEqual(list);

      const s = await rig.rehearsal.execute('queryLatestSynthesis', { spec_id: spec, stage });
      expect(s.servedBy, stage).toBe('new');
      expect(s.rows?.map((row) => [row.stage, row.output_markdown, row.artifacts_count]), stage).toEqual([[stage, `${stage} consensus`, list.length]]);
    }
    // A stage nobody wrote finds nothing on either side.
    const none = await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage: 'unlock' });
    expect(none.rows).toEqual([]);
    expect(none.fallback).toBe('empty');
  });
});

/** Old's rows and old's version table: everything a write to old would change. */
function oldState(rig: Rig): { tables: ReturnType<typeof oldSchemaDump>; versions: Row[] } {
  return { tables: oldSchemaDump(rig), versions: rig.rehearsal.database('old').query(`SELECT * FROM ${versionTable('old')} ORDER BY collection, record_key`) };
}

/** A rehearsal with artifacts and syntheses written to old before the cutover, now in new-only. */
async function cutOverWithLegacyData(): Promise<Rig> {
  const rig = await openRig(sql, 'consensus-artifacts');
  await storeThreeStages(rig, 'SPEC-KIT-120');
  await rig.forceTo('new-only');
  expect(rowCount(rig, 'consensus_artifacts')).toBe(6);
  expect(oldState(rig).versions).toHaveLength(9);
  return rig;
}

const LEGACY_ARTIFACT = `INSERT INTO consensus_artifacts (spec_id, stage, run_id, agent_name, content_json, response_text, created_at)
  VALUES ('SPEC-KIT-121', 'plan', 'run-1', 'gemini', '{"verdict":"approve"}', 'typed by hand', '2025-11-13 17:00:00')`;

describe('seed 001: the old schema is read-only after the cutover, enforced', () => {
  it('refuses a console write to old in new-only with a message, and old keeps its rows and versions', async () => {
    const rig = await cutOverWithLegacyData();
    const before = oldState(rig);
    for (const statement of [LEGACY_ARTIFACT, `UPDATE consensus_artifacts SET content_json = '{}'`, 'DELETE FROM consensus_synthesis']) {
      await expect(rig.rehearsal.consoleWrite('old', statement), statement).rejects.toThrow(/old is read-only in new-only/);
    }
    expect(oldState(rig)).toEqual(before);
    // Refused, not merely lost in memory: old is the same after a crash and recovery.
    rig.rehearsal.crash();
    await rig.open();
    expect(oldState(rig)).toEqual(before);
  });

  it('runs every write operation of the scenario in new-only on new alone: no observation on old, old unchanged', async () => {
    const rig = await cutOverWithLegacyData();
    const before = oldState(rig);
    const workload = new Workload(rig.scenario, createRandom('seed-001-read-only'), () => SIMULATION_EPOCH_MS);
    for (const row of rig.rehearsal.database('old').query('SELECT spec_id, stage, run_id, agent_name FROM consensus_artifacts')) workload.observeWrite('storeArtifact', row);
    const writes = Object.entries(rig.scenario.operations).filter(([, op]) => op.kind === 'write').map(([name]) => name);
    expect(writes).toEqual(['storeArtifact', 'storeSynthesis']);
    for (const name of writes) {
      for (let i = 0; i < 5; i++) {
        const { params } = workload.invocation(name);
        const r = await rig.rehearsal.execute(name, params);
        expect(r.outcome, `${name} ${JSON.stringify(params)}: ${r.error?.message ?? ''}`).toBe('ok');
        expect(r.observations.map((o) => [o.side, o.access]), name).toEqual([['new', 'write']]);
        workload.observeWrite(name, params);
      }
    }
    expect(oldState(rig)).toEqual(before);
  });

  // In the shared topology one console statement can reach either side's tables, whichever side it names.
  it('refuses a console write addressed to new that would change old\'s tables in the shared database in new-only', async () => {
    const rig = await cutOverWithLegacyData();
    const before = oldState(rig);
    await expect(rig.rehearsal.consoleWrite('new', LEGACY_ARTIFACT)).rejects.toThrow(/old is read-only in new-only/);
    expect(oldState(rig)).toEqual(before);
  });
});
