/**
 * Backfill: a whole pass (`backfill.start(batch)` then `backfill.run()`) from dual-write, on a
 * fresh rehearsal each round whose old side holds N records with their version rows, against one
 * raw `INSERT … SELECT` copying the same rows into the new schema of a plain sql.js database. Rows
 * per second of CPU time.
 */
import { pick, type Config, type Spec } from '../lib/config.ts';
import { forceTo, nodeSql, open, scenario, seedArtifacts, seedJobs, type Opened } from '../lib/engine.ts';
import { interleave, perSecond } from '../lib/measure.ts';
import { RawDb } from '../lib/raw.ts';
import { row, type Row } from '../lib/report.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';

/** The seed investigation's backfill SQL (consensus-artifacts: runs first, then the agents' outputs), in one transaction. */
export const ARTIFACTS_INSERT_SELECT = [
  `INSERT INTO consensus_runs (spec_id, stage, run_tag, run_timestamp, consensus_ok, degraded)
   SELECT spec_id, stage, run_id, strftime('%s', min(created_at)) * 1000, 1, 0 FROM consensus_artifacts GROUP BY spec_id, stage, run_id`,
  `INSERT INTO agent_outputs (run_id, agent_name, content, output_timestamp)
   SELECT r.id, a.agent_name, a.content_json, strftime('%s', a.created_at) * 1000
   FROM consensus_artifacts a JOIN consensus_runs r ON r.spec_id = a.spec_id AND r.stage = a.stage AND r.run_tag = a.run_id`,
];

/** A plain database holding consensus-artifacts' two schemas and `count` artifacts. */
export async function rawArtifacts(s: Scenario, count: number): Promise<RawDb> {
  const raw = await RawDb.open([...s.schema.old, ...s.schema.new]);
  seedArtifacts(raw, count, 60, false);
  return raw;
}

/** Runs the raw backfill of consensus-artifacts; returns the rows copied. */
export function rawArtifactsBackfill(raw: RawDb): number {
  raw.db.exec('BEGIN');
  for (const sql of ARTIFACTS_INSERT_SELECT) raw.db.exec(sql);
  raw.db.exec('COMMIT');
  return Number(raw.db.exec('SELECT count(*) FROM agent_outputs')[0]?.values[0]?.[0] ?? 0);
}

/** A fresh consensus-artifacts rehearsal in dual-write with `count` artifacts on old. */
export async function artifactsRehearsal(s: Scenario, count: number): Promise<Opened> {
  const o = await open(s, 'strict');
  seedArtifacts(o.rehearsal.database('old'), count, 60, true);
  await forceTo(o.rehearsal, 'dual-write');
  return o;
}

/** Runs a whole backfill pass at `batch`; throws unless it finished having copied `count` records. */
export async function engineBackfill(o: Opened, batch: number, count: number, between?: () => void): Promise<number> {
  await o.rehearsal.backfill.start(batch);
  const done = await o.rehearsal.backfill.run(between);
  if (done.status !== 'done' || done.copied !== count) throw new Error(`backfill ended ${done.status} having copied ${done.copied} of ${count}${done.error ? `: ${done.error}` : ''}`);
  return done.copied;
}

function artifacts(batch: number): Spec {
  return {
    id: `backfill.consensus-artifacts.batch${batch}`,
    run: async (config: Config): Promise<Row[]> => {
      const s = scenario(await nodeSql(), 'consensus-artifacts');
      const count = pick(config, 1_000, 100_000);
      const rounds = pick(config, 1, 3);
      // The warm-up round (-1) copies a small table: it only has to warm the code up.
      const size = (round: number) => (round < 0 ? Math.min(count, 1_000) : count);
      let engine: Opened | undefined;
      let raw: RawDb | undefined;
      const m = await interleave(
        rounds,
        {
          setup: async (round) => {
            engine = await artifactsRehearsal(s, size(round));
          },
          block: (round) => engineBackfill(engine as Opened, batch, size(round)),
        },
        {
          setup: async (round) => {
            raw?.close();
            raw = await rawArtifacts(s, size(round));
          },
          block: () => rawArtifactsBackfill(raw as RawDb),
        },
      );
      raw?.close();
      return [
        row({
          id: `backfill.consensus-artifacts.batch${batch}`,
          path: `backfill of ${count.toLocaleString('en-US')} records, consensus-artifacts, batch ${batch}, from dual-write`,
          kind: 'throughput',
          unit: 'rows/s',
          engine: perSecond(m.a),
          raw: perSecond(m.b),
          rawLabel: 'one raw INSERT … SELECT (runs, then outputs) in one transaction',
          target: '≥ 0.5× raw rows/s',
          rounds,
          check: (ratio) => (ratio === undefined ? undefined : ratio >= 0.5),
          extra: { records: count, batch, cpuUsPerRow: { engine: m.a, raw: m.b } },
        }),
      ];
    },
  };
}

/** job-keys' new schema in an attached database `new`, for the raw INSERT … SELECT across the two key spaces. */
function attachNew(raw: RawDb, s: Scenario): void {
  raw.db.exec(`ATTACH ':memory:' AS new`);
  for (const sql of s.schema.new) raw.db.exec(sql.replace(/^CREATE (TABLE|TRIGGER|INDEX|UNIQUE INDEX) (\w+)/, 'CREATE $1 new.$2'));
}

function jobsInsertSelect(s: Scenario): string {
  const rows = s.collections.jobs?.rows.old;
  if (!rows) throw new Error('job-keys: no canonical rows query for jobs');
  return `INSERT INTO new.kv (key, value) SELECT 'ai:job:' || workspace_id || ':' || job_id, json_object('job_id', job_id, 'workspace_id', workspace_id, 'kind', kind, 'status', status, 'result', result, 'created_at', created_at, 'updated_at', updated_at) FROM (${rows})`;
}

const JOB_SIZES: readonly [string, number][] = [
  ['1k', 1_000],
  ['2k', 2_000],
  ['4k', 4_000],
];

function jobs(label: string, count: number): Spec {
  return {
    id: `backfill.job-keys.${label}`,
    full: count > 1_000,
    run: async (config: Config): Promise<Row[]> => {
      const s = scenario(await nodeSql(), 'job-keys');
      const rounds = pick(config, 1, 3);
      const size = (round: number) => (round < 0 ? Math.min(count, pick(config, 200, 500)) : count);
      let engine: Opened | undefined;
      let raw: RawDb | undefined;
      const m = await interleave(
        rounds,
        {
          setup: async (round) => {
            engine = await open(s, 'strict');
            seedJobs(engine.rehearsal.database('old'), size(round), true);
            await forceTo(engine.rehearsal, 'dual-write');
          },
          block: (round) => engineBackfill(engine as Opened, 50, size(round)),
        },
        {
          setup: async (round) => {
            raw?.close();
            raw = await RawDb.open(s.schema.old);
            seedJobs(raw, size(round), false);
            attachNew(raw, s);
          },
          block: () => {
            const r = raw as RawDb;
            r.db.exec('BEGIN');
            r.db.exec(jobsInsertSelect(s));
            r.db.exec('COMMIT');
            return Number(r.db.exec('SELECT count(*) FROM new.kv')[0]?.values[0]?.[0] ?? 0);
          },
        },
      );
      raw?.close();
      return [
        row({
          id: `backfill.job-keys.${label}`,
          path: `backfill of ${count.toLocaleString('en-US')} records, job-keys, batch 50, from dual-write`,
          kind: 'throughput',
          unit: 'rows/s',
          engine: perSecond(m.a),
          raw: perSecond(m.b),
          rawLabel: 'one raw INSERT … SELECT into the new key space (attached database)',
          target: 'linear; ≥ 0.5× raw rows/s',
          rounds,
          check: (ratio) => (ratio === undefined ? undefined : ratio >= 0.5),
          extra: { records: count, batch: 50, cpuUsPerRow: { engine: m.a, raw: m.b } },
        }),
      ];
    },
  };
}

export const BACKFILL_SPECS: readonly Spec[] = [artifacts(50), artifacts(5000), ...JOB_SIZES.map(([label, n]) => jobs(label, n))];
