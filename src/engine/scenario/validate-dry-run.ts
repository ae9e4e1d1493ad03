/**
 * The dry run: the scenario's seed data and a few of each write, run on scratch databases holding
 * the declared schemas, find what preparing statements cannot — a value of the wrong type for its
 * column, a key that reads back with another type than it was written with (every such write would
 * be reported lost), a canonical query returning one record twice, a drop that touches the new
 * schema, a computed value (`{ "expr" }`) that fails, reads the clock or adds text with the
 * parameters a write really gets. Its parameters come from a fixed seed, so the same scenario always gets the same verdict.
 *
 * On the data it leaves, it also reads every record through the collection's canonical `rows`
 * query and through its `check` read on each side, and warns (without refusing the scenario) where
 * the two disagree: backfill and reverse-sync copy what the canonical query says, the application
 * and the history checker see what the read says.
 */
import { compareText } from '../compare.ts';
import { sqlExpressions } from '../expressions.ts';
import { createRandom } from '../random.ts';
import { effectKey, recordKey } from '../records.ts';
import { SqlError, sqlValuesEqual, sqlValueToText, type Params, type Row, type SqlDatabase, type SqlEngine, type SqlValue } from '../sql.ts';
import { Workload } from '../workload.ts';
import { paramsFor } from '../write/statements.ts';
import { SIDES, type Collection, type ReadOperation, type Scenario, type Side, type WriteOperation } from './format.ts';
import { describe as describeValue, type Problem } from './shape-checker.ts';
import { clockProblem, ExpressionProbe, expressionSites, type ExprSite } from './validate-expr.ts';
import { scanParams } from '../sql-params.ts';

/** Invocations of each seed data step the dry run makes at most. */
const SEED_RUNS_PER_STEP = 20;
/** Invocations of every write after the seed data. */
const RUNS_PER_WRITE = 3;
/** The dry run's clock: a fixed start, one second per reading. */
const DRY_RUN_EPOCH_MS = Date.UTC(2025, 0, 1);

/** SQLite's errors for a value of the wrong type (an INTEGER PRIMARY KEY, a STRICT table). */
const WRONG_TYPE = /datatype mismatch|cannot store \w+ value in \w+ column/i;

/** Scratch databases after the schemas, and what the new schema added to a shared database. */
interface Scratch {
  readonly dbs: Readonly<Record<Side, SqlDatabase>>;
  /** Objects (name → type) the new schema created in the database old shares; empty for `split`. */
  readonly newObjects: ReadonlyMap<string, string>;
  /** Tables the old schema created. */
  readonly oldTables: readonly string[];
}

/** What the dry run found: problems refuse the scenario, warnings do not. */
export interface DryRunFindings {
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** Problems and warnings only running the scenario's writes shows; call it once the shape and every statement are valid. */
export function dryRun(scenario: Scenario, sql: SqlEngine): DryRunFindings {
  const found = new Map<string, Problem>();
  const add = (path: string, message: string): void => {
    if (!found.has(path)) found.set(path, { path, message });
  };
  const warnings: Problem[] = [];
  const scratch = openScratch(scenario, sql);
  const sites = expressionSites(scenario);
  const probe = sites.length > 0 ? new ExpressionProbe(sql) : undefined;
  try {
    let clock = DRY_RUN_EPOCH_MS;
    const workload = new Workload(scenario, createRandom('validate/dry-run'), () => (clock += 1000), { expressions: sqlExpressions(sql) });
    const plan = [
      ...scenario.seedData.flatMap((step) => Array.from({ length: Math.min(step.count, SEED_RUNS_PER_STEP) }, () => step.operation)),
      ...Array.from({ length: RUNS_PER_WRITE }, () => Object.keys(scenario.operations).filter((name) => scenario.operations[name]?.kind === 'write')).flat(),
    ];
    const expressions = (name: string, params: Params): boolean => !probe || checkExpressions(scenario, probe, sites.filter((site) => site.operation === name), params, add);
    for (const name of plan) runWrite(scenario, scratch, name, workload, expressions, add);
    for (const [name, collection] of Object.entries(scenario.collections)) {
      for (const side of SIDES) checkDuplicateKeys(`collections.${name}.rows.${side}`, collection, side, scratch.dbs[side], add);
    }
    // Before the drop: it runs on these very databases.
    if (found.size === 0) {
      for (const [name, collection] of Object.entries(scenario.collections)) {
        for (const side of SIDES) warnings.push(...readsAgreeWithCanonical(scenario, name, collection, side, scratch.dbs[side]));
      }
    }
    if (scenario.topology === 'shared') checkDropSparesNew(scenario, scratch, add);
  } finally {
    probe?.close();
    scratch.dbs.old.close();
    if (scratch.dbs.new !== scratch.dbs.old) scratch.dbs.new.close();
  }
  return { problems: [...found.values()], warnings };
}

/** What each copy does with what a side's canonical query says, for the warning's remedy. */
const COPIES: Readonly<Record<Side, string>> = {
  old: 'backfill copies what the canonical query says, so a canonical query that normalises differently from the application copies the difference to new',
  new: 'reverse-sync copies what the canonical query says, so a canonical query that normalises differently from the application copies the difference to old',
};

/**
 * Every record `side`'s canonical query returns, read again through the collection's `check` read
 * (its SQL for that side, its parameters from the record's columns as `check.params` maps them), and
 * compared field by field: warnings where they disagree or the read does not return the record.
 * Records in key order, each group of parameters read once, so the same data gives the same words.
 */
function readsAgreeWithCanonical(scenario: Scenario, name: string, collection: Collection, side: Side, db: SqlDatabase): Problem[] {
  const rows = queryRows(db, collection, side);
  if (!rows || rows.length === 0) return [];
  const readName = collection.check.read;
  const read = scenario.operations[readName] as ReadOperation;
  const at = `collections.${name}.rows.${side}`;
  const readAt = `${readName}.${side}`;
  const records = [...rows].sort((a, b) => compareText(recordKey(collection, a), recordKey(collection, b)));
  const readRows = new Map<string, Row[]>();
  const differing: { key: string; fields: string[] }[] = [];
  const missing: { key: string; params: string }[] = [];
  for (const record of records) {
    const params: Record<string, SqlValue> = {};
    for (const [param, column] of Object.entries(collection.check.params)) params[param] = record[column] ?? null;
    const shownParams = JSON.stringify(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v instanceof Uint8Array ? sqlValueToText(v) : v])));
    let got = readRows.get(shownParams);
    if (!got) {
      try {
        got = db.query(read[side], paramsFor(read[side], params));
      } catch (error) {
        if (!(error instanceof SqlError)) throw error;
        return [
          {
            path: `operations.${readName}.${side}`,
            message:
              `fails on the dry run's data with ${shownParams} (the check read of "${name}", given the columns of a record ${at} returns): ${error.message}; ` +
              'the history checker and verify read every record through it: make it accept every record the canonical query returns',
          },
        ];
      }
      readRows.set(shownParams, got);
    }
    const key = recordKey(collection, record);
    const match = got.find((row) => recordKey(collection, row) === key);
    if (!match) {
      missing.push({ key, params: shownParams });
      continue;
    }
    const fields = collection.fields.filter((f) => !sqlValuesEqual(record[f] ?? null, match[f] ?? null)).map((f) => `${f} ${shown(record[f] ?? null)} (rows.${side}) vs ${shown(match[f] ?? null)} (${readAt})`);
    if (fields.length > 0) differing.push({ key, fields });
  }
  const out: Problem[] = [];
  // "on ["sku-3"]" for one record, "on 10 of 20 records; the first: ["sku-3"]" for more.
  const which = (n: number, key: string): string => (n === 1 ? `on ${key}` : `on ${n} of ${records.length} records; the first: ${key}`);
  const firstDiff = differing[0];
  if (firstDiff) {
    out.push({
      path: at,
      message:
        `on the dry run's data the canonical query and the application's read ${readName} disagree ${which(differing.length, firstDiff.key)} ${firstDiff.fields.join(', ')}; ` +
        `${COPIES[side]} — make the two compute the field the same way`,
    });
  }
  const firstMissing = missing[0];
  if (firstMissing) {
    out.push({
      path: at,
      message:
        `on the dry run's data the application's read ${readName} returns nothing for ` +
        (missing.length === 1 ? `${firstMissing.key}, which the canonical query returns` : `${missing.length} of the ${records.length} records the canonical query returns; the first: ${firstMissing.key}`) +
        ` (${readAt} with ${firstMissing.params}); ` +
        'the history checker and verify find records through this read, so they would miss it — make the read return every record the canonical query does, given the columns check.params maps',
    });
  }
  return out;
}

/**
 * A write's computed values with its generated parameters, as the model and the history checker
 * will compute them for every such write: an error or a clock read there, or text added to a
 * number, is reported at the expression. False when one was.
 */
function checkExpressions(scenario: Scenario, probe: ExpressionProbe, sites: readonly ExprSite[], params: Params, add: (path: string, message: string) => void): boolean {
  let ok = true;
  for (const site of sites) {
    const used = JSON.stringify(Object.fromEntries(scanParams(site.expr).named.map((n) => [n, params[n] ?? null])));
    let value: SqlValue;
    try {
      value = probe.evaluate(site.expr, Object.keys((scenario.operations[site.operation] as WriteOperation).params), params);
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      ok = false;
      add(
        site.path,
        clockProblem(error.message, ` with the dry run's parameters ${used}`) ??
          `failed in a dry run with generated parameters ${used}: ${error.message} — the model and the history checker compute it for every such write, and an error there stops the history check; make it accept every value the operation's generators draw (guard with CASE, or json_valid() for JSON)`,
      );
      continue;
    }
    if (site.delta && (typeof value === 'string' || value instanceof Uint8Array)) {
      ok = false;
      add(
        site.path,
        `gave ${typeof value === 'string' ? `the text ${describeValue(value)}` : 'a blob'} in a dry run with generated parameters ${used}: "add" changes a field by a number (SQLite would add the number the text starts with, or 0); make the expression compute a number (e.g. CAST(… AS INTEGER))`,
      );
    }
  }
  return ok;
}

function openScratch(scenario: Scenario, sql: SqlEngine): Scratch {
  const oldDb = sql.open();
  for (const ddl of scenario.schema.old) oldDb.exec(ddl);
  const oldObjects = schemaObjects(oldDb);
  const newDb = scenario.topology === 'shared' ? oldDb : sql.open();
  for (const ddl of scenario.schema.new) newDb.exec(ddl);
  const newObjects = new Map(scenario.topology === 'shared' ? [...schemaObjects(newDb)].filter(([name]) => !oldObjects.has(name)) : []);
  const oldTables = [...oldObjects].filter(([, type]) => type === 'table').map(([name]) => name);
  return { dbs: { old: oldDb, new: newDb }, newObjects, oldTables };
}

/** The tables, indexes, views and triggers of a database, name → type (SQLite's own excluded). */
function schemaObjects(db: SqlDatabase): Map<string, string> {
  const rows = db.query("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  return new Map(rows.map((r) => [String(r.name), String(r.type)]));
}

/** One invocation of a write on both sides; a wrong-typed value is reported at its statement, a key's type at the effect. */
function runWrite(
  scenario: Scenario,
  scratch: Scratch,
  name: string,
  workload: Workload,
  expressions: (name: string, params: Params) => boolean,
  add: (path: string, message: string) => void,
): void {
  const op = scenario.operations[name] as WriteOperation;
  const { params } = workload.invocation(name);
  // The workload computes the effect too (to know which records exist): not with a failing expression.
  let succeeded = expressions(name, params);
  for (const side of SIDES) {
    const failure = runStatements(scratch.dbs[side], op[side], params);
    if (!failure) continue;
    succeeded = false;
    if (WRONG_TYPE.test(failure.message)) {
      add(
        `operations.${name}.${side}[${failure.index}]`,
        `failed in a dry run with generated parameters: ${failure.message} — a value does not fit its column's type, so every such write would fail; ` +
          'generate values of the column\'s type (an INTEGER PRIMARY KEY takes only integers: {"int": [1, 1000000]}, not a template; an "existing" parameter gives the text "missing-N" for a record that does not exist) or change the column\'s type',
      );
    }
  }
  if (!succeeded) return;
  workload.observeWrite(name, params);
  if (op.effect.type === 'insert' || op.effect.type === 'upsert') checkKeyReadsBack(scenario, scratch, name, op, params, add);
}

/** Runs statements in one transaction; the index and message of the one that failed, if any. */
function runStatements(db: SqlDatabase, statements: readonly string[], params: Params): { index: number; message: string } | undefined {
  if (statements.length === 0) return undefined;
  db.exec('BEGIN');
  for (const [index, statement] of statements.entries()) {
    try {
      db.run(statement, paramsFor(statement, params));
    } catch (error) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // A RAISE(ROLLBACK) in a trigger has ended the transaction already.
      }
      if (error instanceof SqlError) return { index, message: error.message };
      throw error;
    }
  }
  db.exec('COMMIT');
  return undefined;
}

/** After an insert or upsert: the record must read back through the rows query under the very key the write declared. */
function checkKeyReadsBack(scenario: Scenario, scratch: Scratch, name: string, op: WriteOperation, params: Params, add: (path: string, message: string) => void): void {
  const collection = scenario.collections[op.effect.collection] as Collection;
  const key = effectKey(op, params);
  const wanted = recordKey(collection, key);
  for (const side of SIDES) {
    if (op[side].length === 0) continue;
    const rows = queryRows(scratch.dbs[side], collection, side);
    if (!rows || rows.some((row) => recordKey(collection, row) === wanted)) continue;
    // Not found as written: the same record under converted values is SQLite's type affinity at work.
    const converted = rows.find((row) => collection.key.every((k) => sameAfterConversion(key[k] ?? null, row[k] ?? null)));
    if (!converted) continue;
    for (const column of collection.key) {
      const written = key[column] ?? null;
      const read = converted[column] ?? null;
      if (sqlValuesEqual(written, read)) continue;
      add(
        `operations.${name}.effect.key.${column}`,
        `the key ${shown(written)} (${typeName(written)}) reads back from collections.${op.effect.collection}.rows.${side} as ${shown(read)} (${typeName(read)}): ` +
          'SQLite converted it to its column\'s type, so the record is never found under the key the history holds and every such write is reported lost ("read back nothing"); ' +
          keyTypeRemedy(written, read),
      );
    }
  }
}

function keyTypeRemedy(written: SqlValue, read: SqlValue): string {
  if (typeof written === 'string' && typeof read === 'number') return 'generate it as a number (e.g. {"int": [1, 1000000]} instead of a template), or declare the column TEXT';
  if (typeof written === 'number' && typeof read === 'string') return 'generate it as text (e.g. {"template": "id-{seq}"}), or declare the column INTEGER';
  return "give it the column's type, or change the column's type to the parameter's";
}

/** Equal once SQLite's affinity has converted text to a number or a number to text. */
function sameAfterConversion(written: SqlValue, read: SqlValue): boolean {
  if (sqlValuesEqual(written, read)) return true;
  if (typeof written === 'string' && typeof read === 'number') return written.trim() !== '' && Number(written) === read;
  if (typeof written === 'number' && typeof read === 'string') return read.trim() !== '' && Number(read) === written;
  return false;
}

const shown = (v: SqlValue): string => (typeof v === 'string' ? JSON.stringify(v) : sqlValueToText(v));

function typeName(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a real number';
  return 'a blob';
}

/** Every row of a collection's rows query on `side`; undefined when it fails on this data (reported by the duplicate check). */
function queryRows(db: SqlDatabase, collection: Collection, side: Side): Row[] | undefined {
  try {
    return db.query(collection.rows[side]);
  } catch (error) {
    if (error instanceof SqlError) return undefined;
    throw error;
  }
}

/** A canonical query must return one row per record: a join that fans out returns some twice. */
function checkDuplicateKeys(path: string, collection: Collection, side: Side, db: SqlDatabase, add: (path: string, message: string) => void): void {
  let rows: Row[];
  try {
    rows = db.query(collection.rows[side]);
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    add(path, `fails on the dry run's data (the seed data and a few of each write): ${error.message}; make it read every row those writes leave`);
    return;
  }
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = recordKey(collection, row);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const repeated = [...counts].filter(([, n]) => n > 1);
  const first = repeated[0];
  if (!first) return;
  add(
    path,
    `returned the key ${first[0]} ${first[1]} times on the dry run's data (the seed data and a few of each write)${repeated.length > 1 ? `, and ${repeated.length - 1} other key(s) more than once` : ''}: ` +
      'a canonical query must return one row per record, and a join that fans out (several rows of the joined table for one record) makes verify, backfill and reads see it twice; ' +
      'join at most one row per record (filter the joined table, or read the value in a subquery) or GROUP BY the key',
  );
}

/** In a shared database the drop runs beside the new schema: it must not drop or change any of its objects. */
function checkDropSparesNew(scenario: Scenario, scratch: Scratch, add: (path: string, message: string) => void): void {
  const db = scratch.dbs.old;
  for (const [i, statement] of scenario.drop.entries()) {
    const before = fingerprints(db, scratch.newObjects);
    try {
      db.exec(statement);
    } catch (error) {
      if (error instanceof SqlError) continue;
      throw error;
    }
    const after = fingerprints(db, scratch.newObjects);
    const touched = [...scratch.newObjects].filter(([name]) => before.get(name) !== after.get(name));
    if (touched.length === 0) continue;
    const what = touched.map(([name, type]) => `${after.get(name) === undefined ? 'drops' : 'changes'} ${type} "${name}"`).join(', ');
    add(
      `drop[${i}]`,
      `${what} of the new schema: both schemas share one database, so moving to old-dropped would take the new side's data with it; ` +
        `drop only the old schema's objects${scratch.oldTables.length > 0 ? ` (${scratch.oldTables.join(', ')})` : ''}`,
    );
  }
}

/** Each object's definition, and a table's rows too, as text; absent when it no longer exists. */
function fingerprints(db: SqlDatabase, objects: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, type] of objects) {
    const definition = db.query('SELECT sql FROM sqlite_master WHERE name = :name', { name })[0];
    if (!definition) continue;
    const rows = type === 'table' ? db.query(`SELECT * FROM "${name.replace(/"/g, '""')}"`).map((row) => Object.values(row).map(sqlValueToText)) : [];
    out.set(name, JSON.stringify([definition.sql, rows]));
  }
  return out;
}
