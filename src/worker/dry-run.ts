/**
 * The scenario editor's dry run (`EngineApi.dryRun`): the scenario checked as `checkScenario`
 * checks it, then per collection a sample of the old side's records — an imported database's rows,
 * or what the scenario's seed data writes — upserted into a scratch new schema with the
 * collection's `upsert.new` statements, both sides read back in canonical form and compared by key.
 * Scratch databases only; the caller's bytes are never written.
 */
import { quoteIdent } from '../engine/scenario/starter.ts';
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

/**
 * Records compared per collection, at most: when a collection holds more, the sample is spread over
 * all of it in key order (one record from each of this many equal runs of consecutive records).
 */
export const DRY_RUN_SAMPLE = 500;
/** Rows shown per side, and differences listed, at most. */
export const DRY_RUN_SHOWN = 20;
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
    const old = image ? scratch.open(image) : seededOld(valid, scratch);
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
  const oldRows = tableOf(columns, sample.slice(0, DRY_RUN_SHOWN));
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
    written = inKeyOrder(db, collection, collection.rows.new);
  } catch (error) {
    if (error instanceof SqlError) return failed(`${at}.rows.new`, error, oldRows, sample.length);
    throw error;
  }
  const { listed, differing } = differences(collection, sample, written);
  return { name, sampled: sample.length, old: oldRows, new: tableOf(columns, written.slice(0, DRY_RUN_SHOWN)), differences: listed, differing };
}


/**
 * At most `DRY_RUN_SAMPLE` records of a canonical `rows.old` query, in key order: all of them when
 * there are no more, else one from each of `DRY_RUN_SAMPLE` equal runs of consecutive records in
 * key order — the first record of the first run, the last of the last, and in each other run one
 * at a position drawn from a fixed seed. Spread over the whole collection, the same records each
 * time, and not in step with a pattern that repeats every so many records (a fixed stride of 80
 * never meets every 50th record). Numbered and picked by SQLite where the query can be wrapped;
 * else read whole, sorted and picked here.
 */
function sampleRows(db: SqlDatabase, collection: Collection): Row[] {
  const order = collection.key.map(quoteIdent).join(', ');
  const rn = '"__cutover_dry_run_rn"';
  try {
    const count = Number(db.query(`SELECT count(*) AS n FROM (${collection.rows.old}
)`)[0]?.n ?? 0);
    const positions = samplePositions(count);
    if (positions.length === 0) return [];
    return db.query(`SELECT * FROM (SELECT *, row_number() OVER (ORDER BY ${order}) AS ${rn} FROM (${collection.rows.old}
)) WHERE ${rn} IN (${positions.join(', ')}) ORDER BY ${rn}`);
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    // A query that cannot be wrapped (a WITH clause some SQLite versions refuse there) is read as it is: its own error is the one to report.
    const all = sortByKey(collection, db.query(collection.rows.old));
    return samplePositions(all.length).map((position) => all[position - 1]!);
  }
}

/** The 1-based positions, in key order, of the records sampled from `count`: see `sampleRows`. */
function samplePositions(count: number): number[] {
  if (count <= DRY_RUN_SAMPLE) return Array.from({ length: count }, (_, i) => i + 1);
  const random = createRandom('dry-run/sample');
  return Array.from({ length: DRY_RUN_SAMPLE }, (_, i) => {
    const first = Math.floor((i * count) / DRY_RUN_SAMPLE);
    const last = Math.floor(((i + 1) * count) / DRY_RUN_SAMPLE) - 1;
    // The first and last records always; in between, anywhere in the run.
    return i === 0 ? 1 : i === DRY_RUN_SAMPLE - 1 ? count : random.int(first, last) + 1;
  });
}

/** A canonical query's rows in key order: sorted by SQLite where the query can be wrapped, else here the way SQLite sorts. */
function inKeyOrder(db: SqlDatabase, collection: Collection, query: string): Row[] {
  try {
    return db.query(`SELECT * FROM (${query}
) ORDER BY ${collection.key.map(quoteIdent).join(', ')}`);
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    return sortByKey(collection, db.query(query));
  }
}

function sortByKey(collection: Collection, rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => compareKeys(collection, a, b));
}

/** Two records by key as SQLite's ORDER BY puts them: NULL, then numbers by value, text, blobs (both bytewise). */
function compareKeys(collection: Collection, a: Row, b: Row): number {
  for (const k of collection.key) {
    const c = compareSqlValues(a[k] ?? null, b[k] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

function compareSqlValues(a: SqlValue, b: SqlValue): number {
  const rank = (v: SqlValue): number => (v === null ? 0 : typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : 3);
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  }
  return 0;
}

function tableOf(columns: readonly string[], rows: readonly Row[]): DryRunRows {
  return { columns, rows: rows.map((row) => columns.map((c) => row[c] ?? null)) };
}

/**
 * Every record whose fields differ, or that only one side has, counted (`differing`); the first
 * `DRY_RUN_SHOWN` of them listed in key order (both sides come in key order, so the rows shown
 * that differ are among those listed).
 */
function differences(collection: Collection, oldRows: readonly Row[], newRows: readonly Row[]): { listed: Difference[]; differing: number } {
  const fieldsOf = (row: Row | undefined): Record<string, SqlValue> | null => (row ? pick(row, collection.fields) : null);
  const olds = new Map(oldRows.map((row) => [recordKey(collection, row), row]));
  const news = new Map(newRows.map((row) => [recordKey(collection, row), row]));
  const fromOld: { row: Row; difference: Difference }[] = [];
  for (const [key, o] of olds) {
    const n = news.get(key);
    const same = n && collection.fields.every((f) => sqlValuesEqual(o[f] ?? null, n[f] ?? null));
    if (!same) fromOld.push({ row: o, difference: { key, old: fieldsOf(o), new: fieldsOf(n) } });
  }
  const onlyNew = [...news].filter(([key]) => !olds.has(key)).map(([key, n]) => ({ row: n, difference: { key, old: null, new: fieldsOf(n) } }));
  // Both lists are in key order already: merged, not sorted again.
  const listed: Difference[] = [];
  let i = 0;
  let j = 0;
  while (listed.length < DRY_RUN_SHOWN && (i < fromOld.length || j < onlyNew.length)) {
    const takeOld = j >= onlyNew.length || (i < fromOld.length && compareKeys(collection, fromOld[i]!.row, onlyNew[j]!.row) <= 0);
    listed.push(takeOld ? fromOld[i++]!.difference : onlyNew[j++]!.difference);
  }
  return { listed, differing: fromOld.length + onlyNew.length };
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
