/**
 * Seed 000 (SPEC-945B, read-path migration): the eight integration tests of
 * `read_path_migration.rs`, re-expressed on the built-in `consensus-artifacts` scenario.
 *
 * Phase mapping: the seed's dual-write = phase `dual-write`; its dual-schema reader ("try NEW,
 * fall back to OLD when NEW returns nothing") = phase `read-new`. The read-path change left
 * `store_artifact` as it was — old first, then new, a failed new-schema write only a warning (seed
 * 001 quotes that code as "Previous (Dual-Write)") — so the scenario sets
 * `writeAuthorityInReadNew: "old"` and every test here runs on that routing. The seed moved reads
 * without a backfill, so the rig forces the guards, as the seed did.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { AGENTS, artifact, artifactView, rowCount, sides, store, storeThreeStages, synthesis, synthesisView, type Artifact } from '../support/consensus.ts';
import { counter } from '../support/operations.ts';
import { nodeSql } from '../support/node.ts';
import { openRig, type Rig } from '../support/rig.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const open = (): Promise<Rig> => openRig(sql, 'consensus-artifacts');

describe('seed 000: read-path migration on consensus-artifacts', () => {
  it('query_artifacts for an unknown spec and stage returns no rows, gracefully, after trying new then falling back to old', async () => {
    // test_query_artifacts_not_found
    const rig = await open();
    await rig.forceTo('dual-write');
    await store(rig, 'storeArtifact', artifact({ spec_id: 'SPEC-KIT-100', stage: 'plan', agent_name: 'gemini' }));
    await rig.forceTo('read-new');

    const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: 'SPEC-KIT-999', stage: 'plan' });
    expect(r.outcome).toBe('ok');
    expect(r.rows).toEqual([]);
    expect(sides(r)).toEqual(['new', 'old']);
    expect(r.observations.every((o) => o.ok)).toBe(true);
    expect(r.fallback).toBe('empty');
    expect(r.servedBy).toBe('old');

    // The same spec in another stage is not found either: the stage is part of the lookup.
    const otherStage = await rig.rehearsal.execute('queryArtifacts', { spec_id: 'SPEC-KIT-100', stage: 'tasks' });
    expect(otherStage.outcome).toBe('ok');
    expect(otherStage.rows).toEqual([]);
  });

  it('query_latest_synthesis for an unknown spec and stage returns no rows, gracefully, after trying new then falling back to old', async () => {
    // test_query_synthesis_not_found
    const rig = await open();
    await rig.forceTo('dual-write');
    await store(rig, 'storeSynthesis', synthesis({ spec_id: 'SPEC-KIT-100', stage: 'plan' }));
    await rig.forceTo('read-new');

    for (const op of ['queryLatestSynthesis', 'querySynthesis']) {
      const r = await rig.rehearsal.execute(op, { spec_id: 'SPEC-KIT-999', stage: 'plan' });
      expect(r.outcome, op).toBe('ok');
      expect(r.rows, op).toEqual([]);
      expect(sides(r), op).toEqual(['new', 'old']);
      expect(r.fallback, op).toBe('empty');
      expect(r.servedBy, op).toBe('old');
    }
  });

  it('a dual-written artifact lands in both schemas and reads back unchanged from new, five reads in a row (zero data loss)', async () => {
    // test_dual_write_artifact_zero_data_loss
    const rig = await open();
    await rig.forceTo('dual-write');
    const a = artifact({ spec_id: 'SPEC-KIT-101', stage: 'plan', agent_name: 'claude', created_at: '2025-11-13 14:32:07' });
    const w = await store(rig, 'storeArtifact', a);
    expect(sides(w)).toEqual(['old', 'new']);
    expect(w.observations.every((o) => o.ok)).toBe(true);

    const db = rig.rehearsal.database('old');
    expect(db.query('SELECT spec_id, stage, run_id, agent_name, content_json, created_at FROM consensus_artifacts')).toEqual([
      { spec_id: a.spec_id, stage: a.stage, run_id: a.run_id, agent_name: a.agent_name, content_json: a.content_json, created_at: a.created_at },
    ]);
    expect(db.query('SELECT r.spec_id, r.stage, r.run_tag, o.agent_name, o.content, o.output_timestamp FROM agent_outputs o JOIN consensus_runs r ON r.id = o.run_id')).toEqual([
      // ISO-8601 text became Unix milliseconds in the new schema.
      { spec_id: a.spec_id, stage: a.stage, run_tag: a.run_id, agent_name: a.agent_name, content: a.content_json, output_timestamp: Date.parse('2025-11-13T14:32:07Z') },
    ]);

    await rig.forceTo('read-new');
    for (let i = 0; i < 5; i++) {
      const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: a.spec_id, stage: a.stage });
      expect(r.outcome).toBe('ok');
      expect(r.servedBy).toBe('new');
      expect(r.fallback).toBeUndefined();
      expect(sides(r)).toEqual(['new']);
      // format_timestamp(): the Unix milliseconds come back as the ISO text that was written.
      expect(r.rows?.map(artifactView)).toEqual([a]);
    }
  });

  it('a dual-written synthesis lands in both schemas and the latest synthesis reads back unchanged from new, five reads in a row', async () => {
    // test_dual_write_synthesis_zero_data_loss
    const rig = await open();
    await rig.forceTo('dual-write');
    const s = synthesis({ spec_id: 'SPEC-KIT-102', stage: 'tasks', status: 'degraded', degraded: 1, artifacts_count: 2, created_at: '2025-11-13 09:15:42' });
    const w = await store(rig, 'storeSynthesis', s);
    expect(sides(w)).toEqual(['old', 'new']);

    const db = rig.rehearsal.database('old');
    expect(db.query('SELECT spec_id, stage, run_id, output_markdown, status, artifacts_count, degraded, created_at FROM consensus_synthesis')).toEqual([s]);
    const runs = db.query('SELECT spec_id, stage, run_tag, degraded, consensus_ok, synthesis_json FROM consensus_runs');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ spec_id: s.spec_id, stage: s.stage, run_tag: s.run_id, degraded: 1, consensus_ok: 0 });
    expect(JSON.parse(String(runs[0]?.synthesis_json))).toEqual({
      output_markdown: s.output_markdown,
      status: s.status,
      artifacts_count: s.artifacts_count,
      created_ms: Date.parse('2025-11-13T09:15:42Z'),
    });

    await rig.forceTo('read-new');
    for (let i = 0; i < 5; i++) {
      const r = await rig.rehearsal.execute('queryLatestSynthesis', { spec_id: s.spec_id, stage: s.stage });
      expect(r.outcome).toBe('ok');
      expect(r.servedBy).toBe('new');
      expect(r.fallback).toBeUndefined();
      expect(sides(r)).toEqual(['new']);
      expect(r.rows?.map(synthesisView)).toEqual([s]);
    }
  });

  it('five agents dual-written for one stage are all in both schemas and all read back from new', async () => {
    // test_multiple_artifacts_dual_write
    const rig = await open();
    await rig.forceTo('dual-write');
    const agents = AGENTS;
    const written = agents.map((agent_name, i) => artifact({ spec_id: 'SPEC-KIT-103', stage: 'implement', agent_name, created_at: `2025-11-13 11:00:0${i}` }));
    for (const a of written) {
      const w = await store(rig, 'storeArtifact', a);
      expect(sides(w)).toEqual(['old', 'new']);
    }

    expect(rowCount(rig, 'consensus_artifacts')).toBe(5);
    expect(rowCount(rig, 'agent_outputs')).toBe(5);
    // One run holds all five agents' outputs in the normalized schema.
    expect(rowCount(rig, 'consensus_runs')).toBe(1);

    await rig.forceTo('read-new');
    const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: 'SPEC-KIT-103', stage: 'implement' });
    expect(r.servedBy).toBe('new');
    expect(r.fallback).toBeUndefined();
    expect(r.rows?.map(artifactView)).toEqual(written);
  });

  it('gradual cutover: data written before dual-write is served by old through the fallback, data written since is served by new', async () => {
    // test_read_path_migration_gradual_cutover
    const rig = await open();
    const before = artifact({ spec_id: 'SPEC-KIT-104', stage: 'plan', agent_name: 'gemini', created_at: '2025-11-12 08:00:00' });
    const beforeSynthesis = synthesis({ spec_id: 'SPEC-KIT-104', stage: 'plan', created_at: '2025-11-12 08:05:00' });
    const w0 = await store(rig, 'storeArtifact', before);
    expect(sides(w0)).toEqual(['old']);
    await store(rig, 'storeSynthesis', beforeSynthesis);

    await rig.forceTo('dual-write');
    const after = artifact({ spec_id: 'SPEC-KIT-105', stage: 'plan', agent_name: 'claude', created_at: '2025-11-13 08:00:00' });
    const afterSynthesis = synthesis({ spec_id: 'SPEC-KIT-105', stage: 'plan', created_at: '2025-11-13 08:05:00' });
    await store(rig, 'storeArtifact', after);
    await store(rig, 'storeSynthesis', afterSynthesis);

    // No backfill (the seed had none): the old record exists in old only.
    const db = rig.rehearsal.database('old');
    expect(db.query(`SELECT count(*) AS n FROM consensus_runs WHERE spec_id = 'SPEC-KIT-104'`)).toEqual([{ n: 0 }]);

    await rig.forceTo('read-new');
    const oldData = await rig.rehearsal.execute('queryArtifacts', { spec_id: before.spec_id, stage: before.stage });
    expect(sides(oldData)).toEqual(['new', 'old']);
    expect(oldData.fallback).toBe('empty');
    expect(oldData.servedBy).toBe('old');
    expect(oldData.rows?.map(artifactView)).toEqual([before]);

    const newData = await rig.rehearsal.execute('queryArtifacts', { spec_id: after.spec_id, stage: after.stage });
    expect(sides(newData)).toEqual(['new']);
    expect(newData.fallback).toBeUndefined();
    expect(newData.servedBy).toBe('new');
    expect(newData.rows?.map(artifactView)).toEqual([after]);

    const oldSyn = await rig.rehearsal.execute('queryLatestSynthesis', { spec_id: beforeSynthesis.spec_id, stage: beforeSynthesis.stage });
    expect(oldSyn.servedBy).toBe('old');
    expect(oldSyn.fallback).toBe('empty');
    expect(oldSyn.rows?.map(synthesisView)).toEqual([beforeSynthesis]);
    const newSyn = await rig.rehearsal.execute('queryLatestSynthesis', { spec_id: afterSynthesis.spec_id, stage: afterSynthesis.stage });
    expect(newSyn.servedBy).toBe('new');
    expect(newSyn.fallback).toBeUndefined();
    expect(newSyn.rows?.map(synthesisView)).toEqual([afterSynthesis]);

    // New writes in read-new still go to old (authoritative), then new, and read back from new.
    const late = artifact({ spec_id: 'SPEC-KIT-106', stage: 'plan', agent_name: 'code', created_at: '2025-11-14 08:00:00' });
    const w = await store(rig, 'storeArtifact', late);
    expect(sides(w)).toEqual(['old', 'new']);
    const lateRead = await rig.rehearsal.execute('queryArtifacts', { spec_id: late.spec_id, stage: late.stage });
    expect(lateRead.servedBy).toBe('new');
    expect(lateRead.rows?.map(artifactView)).toEqual([late]);
  });

  it('twenty dual-written artifacts all read back identically from new, and verify finds the schemas consistent', async () => {
    // test_dual_schema_reader_consistency
    const rig = await open();
    await rig.forceTo('dual-write');
    const agents = AGENTS;
    const stages = ['plan', 'tasks', 'implement', 'validate'];
    const written: Artifact[] = [];
    for (let i = 0; i < 20; i++) {
      const a = artifact({
        spec_id: `SPEC-LOAD-${String(i).padStart(2, '0')}`,
        stage: stages[i % stages.length] as string,
        agent_name: agents[i % agents.length] as string,
        run_id: `run-${(i % 3) + 1}`,
        content_json: JSON.stringify({ verdict: i % 2 ? 'revise' : 'approve', confidence: 40 + i, notes: `artifact ${i}` }),
        created_at: `2025-11-13 12:${String(i).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}`,
      });
      await store(rig, 'storeArtifact', a);
      written.push(a);
    }
    expect(rowCount(rig, 'consensus_artifacts')).toBe(20);
    expect(rowCount(rig, 'agent_outputs')).toBe(20);

    const report = await rig.rehearsal.verify();
    const artifacts = report.collections.find((c) => c.collection === 'artifacts');
    expect(artifacts).toMatchObject({ total: 20, consistent: 20, inconsistent: 0, oldOnly: 0, newOnly: 0 });
    expect(report.mismatchRate).toBe(0);

    await rig.forceTo('read-new');
    let servedByNew = 0;
    for (const a of written) {
      const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: a.spec_id, stage: a.stage });
      expect(r.outcome).toBe('ok');
      expect(r.rows?.map(artifactView)).toEqual([a]);
      if (r.servedBy === 'new' && r.fallback === undefined) servedByNew++;
    }
    expect(servedByNew).toBe(20);
  });

  it('stage-specific queries: each of three stages returns only its own artifacts and synthesis', async () => {
    // test_stage_specific_queries
    const rig = await open();
    await rig.forceTo('dual-write');
    const spec = 'SPEC-KIT-107';
    const byStage = await storeThreeStages(rig, spec);

    await rig.forceTo('read-new');
    for (const [stage, list] of Object.entries(byStage)) {
      const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage });
      expect(r.servedBy, stage).toBe('new');
      expect(r.rows?.map(artifactView), stage).toEqual(list);
      expect(new Set(r.rows?.map((row) => row.stage))).toEqual(new Set([stage]));

      const s = await rig.rehearsal.execute('queryLatestSynthesis', { spec_id: spec, stage });
      expect(s.servedBy, stage).toBe('new');
      expect(s.rows?.map((row) => [row.stage, row.output_markdown, row.artifacts_count]), stage).toEqual([[stage, `${stage} consensus`, list.length]]);
    }
  });

  it('hazard: a stage partly in new reads back incomplete in read-new (no fallback, new has some rows), and complete after a backfill', async () => {
    // What seed 000 hides: the fallback is all-or-nothing per (spec_id, stage).
    const rig = await open();
    const spec = 'SPEC-KIT-108';
    const early = ['gemini', 'claude'].map((agent_name, i) => artifact({ spec_id: spec, stage: 'validate', agent_name, created_at: `2025-11-12 10:00:0${i}` }));
    for (const a of early) await store(rig, 'storeArtifact', a);

    await rig.forceTo('dual-write');
    const late = artifact({ spec_id: spec, stage: 'validate', agent_name: 'gpt_pro', created_at: '2025-11-13 10:00:00' });
    await store(rig, 'storeArtifact', late);

    // The guard refuses read-new for exactly this reason; the seed went ahead anyway.
    await rig.forceTo('shadow');
    const guard = await rig.rehearsal.checkGuard('read-new');
    expect(guard.ok).toBe(false);
    expect(guard.reasons.join(' ')).toMatch(/backfill/);
    await rig.forceTo('read-new');

    const partial = await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage: 'validate' });
    expect(partial.outcome).toBe('ok');
    expect(partial.servedBy).toBe('new');
    expect(partial.fallback).toBeUndefined();
    expect(sides(partial)).toEqual(['new']);
    expect(partial.rows?.map(artifactView)).toEqual([late]);
    // Old still holds all three: two acknowledged artifacts are invisible through the read path.
    expect(rowCount(rig, 'consensus_artifacts')).toBe(3);

    const progress = await rig.rehearsal.backfill.run();
    expect(progress.status).toBe('done');
    expect(progress.copied).toBeGreaterThanOrEqual(2);

    const complete = await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage: 'validate' });
    expect(complete.servedBy).toBe('new');
    expect(complete.fallback).toBeUndefined();
    expect(complete.rows?.map(artifactView)).toEqual([...early, late]);
  });

  it('graceful degradation: when the new schema fails a read in read-new, old serves it (fallback on error)', async () => {
    // The seed's "old schema continues if new schema fails", on the read path.
    const rig = await open();
    await rig.forceTo('dual-write');
    const a = artifact({ spec_id: 'SPEC-KIT-109', stage: 'plan', agent_name: 'gemini' });
    await store(rig, 'storeArtifact', a);
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'read-error', side: 'new', operation: 'queryArtifacts', once: true });

    const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: a.spec_id, stage: a.stage });
    expect(r.outcome).toBe('ok');
    expect(r.observations.map((o) => [o.side, o.ok])).toEqual([
      ['new', false],
      ['old', true],
    ]);
    expect(r.fallback).toBe('error');
    expect(r.servedBy).toBe('old');
    expect(r.rows?.map(artifactView)).toEqual([a]);

    // The fault fired once: the next read is served by new again.
    const again = await rig.rehearsal.execute('queryArtifacts', { spec_id: a.spec_id, stage: a.stage });
    expect(again.servedBy).toBe('new');
    expect(again.rows?.map(artifactView)).toEqual([a]);
  });

  it('graceful degradation: a failed new-schema write in dual-write only warns (best-effort); verify finds the gap and backfill closes it', async () => {
    // The seed's dual write printed a warning when the new-schema write failed.
    const rig = await open();
    await rig.forceTo('dual-write');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', operation: 'storeArtifact', once: true });
    const a = artifact({ spec_id: 'SPEC-KIT-110', stage: 'plan', agent_name: 'claude' });
    const w = await store(rig, 'storeArtifact', a);
    expect(w.observations.map((o) => [o.side, o.ok])).toEqual([
      ['old', true],
      ['new', false],
    ]);
    expect(w.note).toMatch(/best-effort/);
    expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'failed' })).toBe(1);
    expect(rowCount(rig, 'consensus_artifacts')).toBe(1);
    expect(rowCount(rig, 'agent_outputs')).toBe(0);

    const report = await rig.rehearsal.verify();
    expect(report.collections.find((c) => c.collection === 'artifacts')).toMatchObject({ total: 1, oldOnly: 1, consistent: 0 });

    await rig.rehearsal.backfill.run();
    const after = await rig.rehearsal.verify();
    expect(after.collections.find((c) => c.collection === 'artifacts')).toMatchObject({ total: 1, oldOnly: 0, consistent: 1 });
    await rig.forceTo('read-new');
    const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: a.spec_id, stage: a.stage });
    expect(r.servedBy).toBe('new');
    expect(r.rows?.map(artifactView)).toEqual([a]);
  });

  it('the read-path migration moved reads only: store_artifact still writes old first, then new, in read-new', async () => {
    // The seed's Phase 2 changed query_artifacts() and query_latest_synthesis(); store_artifact() kept
    // its dual write ("1. Write to OLD schema ... 2. Write to NEW schema ... Return old_id").
    const rig = await open();
    expect(rig.scenario.settings?.writeAuthorityInReadNew).toBe('old');
    await rig.forceTo('read-new');
    expect(rig.rehearsal.route).toMatchObject({ writes: ['old', 'new'], reads: 'new', fallback: 'old', shadow: undefined });
    const a = artifact({ spec_id: 'SPEC-KIT-111', stage: 'plan', agent_name: 'gemini' });
    const w = await store(rig, 'storeArtifact', a);
    expect(w.observations.map((o) => [o.access, o.side, o.ok])).toEqual([
      ['write', 'old', true],
      ['write', 'new', true],
    ]);
    const s = synthesis({ spec_id: 'SPEC-KIT-111', stage: 'plan' });
    expect(sides(await store(rig, 'storeSynthesis', s))).toEqual(['old', 'new']);
    expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'succeeded', authoritative: 'old' })).toBe(2);

    // Reads prefer new: both come back from it, with no fallback.
    const r = await rig.rehearsal.execute('queryArtifacts', { spec_id: a.spec_id, stage: a.stage });
    expect(r).toMatchObject({ servedBy: 'new' });
    expect(r.fallback).toBeUndefined();
    expect(r.rows?.map(artifactView)).toEqual([a]);
    const latest = await rig.rehearsal.execute('queryLatestSynthesis', { spec_id: s.spec_id, stage: s.stage });
    expect(latest.servedBy).toBe('new');
    expect(latest.rows?.map(synthesisView)).toEqual([s]);
  });

  it('a failed old-schema write in read-new fails store_artifact and never reaches new (old is still authoritative)', async () => {
    // `conn.execute("INSERT INTO consensus_artifacts ...")?` returns the error before the new-schema write.
    const rig = await open();
    await rig.forceTo('read-new');
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'old', operation: 'storeArtifact', once: true });
    const a = artifact({ spec_id: 'SPEC-KIT-112', stage: 'plan', agent_name: 'claude' });
    const w = await rig.rehearsal.execute('storeArtifact', { response_text: 'raw response', ...a });
    expect(w.outcome).toBe('fail');
    expect(w.observations.map((o) => [o.side, o.ok])).toEqual([['old', false]]);
    expect(rowCount(rig, 'consensus_artifacts')).toBe(0);
    expect(rowCount(rig, 'agent_outputs')).toBe(0);
    expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total')).toBe(0);
  });

  it('hazard: a failed new-schema write in read-new only warns, and the acknowledged artifact is missing from its stage while new has other rows for it, until a backfill', async () => {
    // Old first, a warning when new fails, and a reader that falls back only when new returns no rows
    // at all: the seed's "RPO zero (dual-write ensures no data loss)" holds for old, not for reads.
    const rig = await open();
    await rig.forceTo('read-new');
    const spec = 'SPEC-KIT-113';
    const first = artifact({ spec_id: spec, stage: 'plan', agent_name: 'gemini', created_at: '2025-11-13 10:00:00' });
    await store(rig, 'storeArtifact', first);
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', operation: 'storeArtifact', times: 2 });
    const lost = artifact({ spec_id: spec, stage: 'plan', agent_name: 'claude', created_at: '2025-11-13 10:00:01' });
    const w = await store(rig, 'storeArtifact', lost);
    expect(w.observations.map((o) => [o.side, o.ok])).toEqual([
      ['old', true],
      ['new', false],
    ]);
    expect(w.note).toMatch(/best-effort.*new is behind until backfill repairs it; reads are served by new, so they miss this write until then/);
    expect(counter(rig.rehearsal.metrics(), 'cutover_dual_write_total', { result: 'failed', authoritative: 'old' })).toBe(1);

    // The stage has a row in new, so no fallback: the acknowledged artifact is not there.
    const partial = await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage: 'plan' });
    expect(partial.servedBy).toBe('new');
    expect(partial.fallback).toBeUndefined();
    expect(partial.rows?.map(artifactView)).toEqual([first]);

    // Alone in its stage, the same failure is hidden by the fallback: new returns nothing at all.
    const alone = artifact({ spec_id: spec, stage: 'tasks', agent_name: 'code' });
    await store(rig, 'storeArtifact', alone);
    const viaOld = await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage: 'tasks' });
    expect(viaOld).toMatchObject({ servedBy: 'old', fallback: 'empty' });
    expect(viaOld.rows?.map(artifactView)).toEqual([alone]);

    // Verify finds both in old only; backfill copies them, and new serves the whole stage.
    expect((await rig.rehearsal.verify()).collections.find((c) => c.collection === 'artifacts')).toMatchObject({ oldOnly: 2 });
    await rig.rehearsal.backfill.run();
    const complete = await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage: 'plan' });
    expect(complete.servedBy).toBe('new');
    expect(complete.rows?.map(artifactView)).toEqual([first, lost]);
    expect((await rig.rehearsal.execute('queryArtifacts', { spec_id: spec, stage: 'tasks' })).servedBy).toBe('new');
  });

  it('hazard: a re-stored artifact whose new-schema write failed in read-new reads back with its previous content from new, until a backfill', async () => {
    const rig = await open();
    await rig.forceTo('read-new');
    const v1 = artifact({ spec_id: 'SPEC-KIT-114', stage: 'plan', agent_name: 'gemini', content_json: '{"verdict":"revise"}' });
    await store(rig, 'storeArtifact', v1);
    rig.rehearsal.faults.add({ kind: 'write-error', side: 'new', operation: 'storeArtifact', once: true });
    const v2 = { ...v1, content_json: '{"verdict":"approve"}', created_at: '2025-11-13 10:30:00' };
    await store(rig, 'storeArtifact', v2);
    const stale = await rig.rehearsal.execute('queryArtifacts', { spec_id: v1.spec_id, stage: v1.stage });
    expect(stale.servedBy).toBe('new');
    expect(stale.rows?.map(artifactView)).toEqual([v1]);
    const report = await rig.rehearsal.verify();
    expect(report.collections.find((c) => c.collection === 'artifacts')).toMatchObject({ inconsistent: 1, newerInOld: 1 });
    await rig.rehearsal.backfill.run();
    expect((await rig.rehearsal.execute('queryArtifacts', { spec_id: v1.spec_id, stage: v1.stage })).rows?.map(artifactView)).toEqual([v2]);
  });
});
