/**
 * The scenario editor's dry run (`EngineApi.dryRun`): the scenario checked as `checkScenario`
 * checks it, then per collection a sample of the old side's records — an imported database's rows,
 * or what the scenario's seed data writes — upserted into a scratch new schema with the
 * collection's `upsert.new` statements, both sides read back in canonical form and compared by key.
 * Scratch databases only; the caller's bytes are never written.
 */
import { compareText } from '../engine/compare.ts';
import { sqlExpressions } from '../engine/expressions.ts';
import { createRandom } from '../engine/random.ts';
import { pick, recordKey } from '../engine/records.ts';
import type { Collection, Scenario } from '../engine/scenario/format.ts';
import { validateScenario } from '../engine/scenario/validate.ts';
import { SqlError, sqlValuesEqual, type Params, type Row, type SqlDatabase, type SqlEngine, type SqlValue } from '../engine/sql.ts';
import { Workload } from '../engine/workload.ts';
import { paramsFor } from '../engine/write/statements.ts';
import type { DryRunResult, DryRunRows } from './protocol.ts';

/** Records sampled per collection, rows shown per side and differences listed, at most. */
export const DRY_RUN_SAMPLE = 20;
/** Invocations of each seed data step run to make the old side's records when nothing was imported. */
const SEED_RUNS_PER_STEP = 100;
/** The seed data's clock: a fixed start, one second per reading, as the validator's dry run. */
const DRY_RUN_EPOCH_MS = Date.UTC(2025, 0, 1);

type CollectionResult = Extract<DryRunResult, { ok: true }>['collections'][number];
type Difference = CollectionResult['differences'][number];

/** Dry-runs `scenario` on a sample of `image` (an imported database), or on its seed data. */
export function dryRun(sql: SqlEngine, scenario: unknown, image: Uint8Array | undefined): DryRunResult {
  const validation = validateScenario(scenario, sql);
  if (!validation.ok) return { ok: false, problems: validation.problems };
  const valid = validation.scenario;
  const scratch = closingEngine(sql);
  try {
    const old = image ? scratch.open(image.slice()) : seededOld(valid, scratch);
    const collections = Object.entries(valid.collections).map(([name, collection]) => dryRunCollection(valid, scratch, old, name, collection));
    return { ok: true, source: image ? 'import' : 'seed data', collections };
  } finally {
    scratch.closeAll();
  }
}

/** An engine whose databases (the expression evaluator's included) are all closed by `closeAll`. */
function closingEngine(sql: SqlEngine): SqlEngine & { closeAll(): void } {
  const opened: SqlDatabase[] = [];
  return {
    open(bytes) {
      const db = sql.open(bytes);
      opened.push(db);
      return db;
    },
    closeAll() {
      for (const db of opened.splice(0)) db.close();
    },
  };
}

/** A scratch database after `schema.old` (and `schema.new` too in `shared`, as the validator's dry run), holding what the seed data writes on old. */
function seededOld(scenario: Scenario, sql: SqlEngine): SqlDatabase {
  const db = sql.open();
  for (const ddl of scenario.schema.old) db.exec(ddl);
  if (scenario.topology === 'shared') for (const ddl of scenario.schema.new) db.exec(ddl);
  let clock = DRY_RUN_EPOCH_MS;
  const workload = new Workload(scenario, createRandom('dry-run/seed-data'), () => (clock += 1000), { expressions: sqlExpressions(sql) });
  for (const step of scenario.seedData) {
    const op = scenario.operations[step.operation];
    if (op?.kind !== 'write') continue;
    for (let i = 0; i < Math.min(step.count, SEED_RUNS_PER_STEP); i++) {
      const { params } = workload.invocation(step.operation);
      // A seed write that fails here (an update of a record drawn as missing) leaves nothing, as in a rehearsal.
      if (runStatements(db, op.old, (statement) => paramsFor(statement, params)) === undefined) workload.observeWrite(step.operation, params);
    }
  }
  return db;
}

/** One collection: the sample from old, upserted into a scratch new schema, both read back and compared. */
function dryRunCollection(scenario: Scenario, sql: SqlEngine, old: SqlDatabase, name: string, collection: Collection): CollectionResult {
  const at = `collections.${name}`;
  const columns = [...collection.key, ...collection.fields];
  const empty: DryRunRows = { columns, rows: [] };
  const failed = (path: string, error: SqlError, oldRows: DryRunRows = empty, sampled = 0): CollectionResult => ({
    name,
    sampled,
    old: oldRows,
    new: empty,
    differences: [],
    error: { path, message: error.message },
  });
  let sample: Row[];
  try {
    sample = sampleRows(old, collection);
  } catch (error) {
    if (error instanceof SqlError) return failed(`${at}.rows.old`, error);
    throw error;
  }
  const oldRows = tableOf(columns, sample);
  const db = sql.open();
  if (scenario.topology === 'shared') for (const ddl of scenario.schema.old) db.exec(ddl);
  for (const ddl of scenario.schema.new) db.exec(ddl);
  for (const record of sample) {
    // Bound as backfill binds them (RecordAccess.upsertStatements): every key and field column by name.
    const params = pick(record, columns);
    const failure = runStatements(db, collection.upsert.new, (statement) => paramsFor(statement, params));
    if (failure) return failed(`${at}.upsert.new[${failure.index}]`, failure.error, oldRows, sample.length);
  }
  let written: Row[];
  try {
    written = sortByKey(collection, db.query(collection.rows.new));
  } catch (error) {
    if (error instanceof SqlError) return failed(`${at}.rows.new`, error, oldRows, sample.length);
    throw error;
  }
  return { name, sampled: sample.length, old: oldRows, new: tableOf(columns, written.slice(0, DRY_RUN_SAMPLE)), differences: differences(collection, sample, written) };
}

/** The first records of a canonical `rows.old` query in key order: sorted by SQLite where the query can be wrapped, else read whole and sorted here. */
function sampleRows(db: SqlDatabase, collection: Collection): Row[] {
  const order = collection.key.map((k) => `"${k.replaceAll('"', '""')}"`).join(', ');
  try {
    return db.query(`SELECT * FROM (${collection.rows.old}
) ORDER BY ${order} LIMIT ${DRY_RUN_SAMPLE}`);
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    // A query that cannot be wrapped (a WITH clause some SQLite versions refuse there) is read as it is: its own error is the one to report.
    return sortByKey(collection, db.query(collection.rows.old)).slice(0, DRY_RUN_SAMPLE);
  }
}

function sortByKey(collection: Collection, rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => compareText(recordKey(collection, a), recordKey(collection, b)));
}

function tableOf(columns: readonly string[], rows: readonly Row[]): DryRunRows {
  return { columns, rows: rows.map((row) => columns.map((c) => row[c] ?? null)) };
}

/** Records whose fields differ, or that only one side has, in key order; at most `DRY_RUN_SAMPLE`. */
function differences(collection: Collection, oldRows: readonly Row[], newRows: readonly Row[]): Difference[] {
  const fieldsOf = (row: Row | undefined): Record<string, SqlValue> | null => (row ? pick(row, collection.fields) : null);
  const olds = new Map(oldRows.map((row) => [recordKey(collection, row), row]));
  const news = new Map(newRows.map((row) => [recordKey(collection, row), row]));
  const keys = [...new Set([...olds.keys(), ...news.keys()])].sort(compareText);
  const out: Difference[] = [];
  for (const key of keys) {
    const o = olds.get(key);
    const n = news.get(key);
    const same = o && n && collection.fields.every((f) => sqlValuesEqual(o[f] ?? null, n[f] ?? null));
    if (!same) out.push({ key, old: fieldsOf(o), new: fieldsOf(n) });
    if (out.length === DRY_RUN_SAMPLE) break;
  }
  return out;
}

/** Runs statements in one transaction; the index and error of the one that failed (all rolled back), if any. */
function runStatements(db: SqlDatabase, statements: readonly string[], bind: (statement: string) => Params): { index: number; error: SqlError } | undefined {
  if (statements.length === 0) return undefined;
  db.exec('BEGIN');
  for (const [index, statement] of statements.entries()) {
    try {
      db.run(statement, bind(statement));
    } catch (error) {
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } catch {
        // A RAISE(ROLLBACK) in a trigger has ended the transaction already.
      }
      if (error instanceof SqlError) return { index, error };
      throw error;
    }
  }
  db.exec('COMMIT');
  return undefined;
}
