/**
 * Starting records: a rehearsal that begins with many records already in the old schema, as a
 * real migration does (issue 11's 100,000- and 1,000,000-row rehearsals; an imported database
 * later). They are committed data like any acknowledged write — versioned, so backfill, verify
 * and repair treat them as such — but they come from no operation of the history. The history
 * checker learns their first state from an image of the old database taken when they were loaded,
 * kept beside the rehearsal's snapshots (`STARTING_IMAGE`).
 *
 * Loading is all or nothing. The records are written into a scratch copy of the old database
 * file, the copy is stored as the starting image, the control state records the load, and only
 * then does the copy replace the old file (one journal entry holding the image, as a restore
 * does). A crash before the control state records it leaves a rehearsal without starting
 * records (the next open loads them again, from the same seed); a crash after it finds the image
 * stored and installs it. Only a rehearsal that holds no record on either side loads them: the
 * seed data and the workload run after.
 */
import { sqlExpressions } from '../expressions.ts';
import type { EngineParts } from '../parts.ts';
import { effectKey, engineTablesDdl, pick, recordKey, versionTable } from '../records.ts';
import { applyEffect, stateId, type RecordState } from '../checks/model.ts';
import type { StartingKey, StartingRecordsCheck } from '../checks/history-checker.ts';
import { sideExists } from '../parts.ts';
import { routeOf } from '../phases.ts';
import { generateParams } from '../scenario/params.ts';
import type { Collection, Scenario, WriteOperation } from '../scenario/format.ts';
import { createRandom } from '../random.ts';
import { runInTransaction, type Row, type SqlDatabase, type SqlEngine, type SqlValue } from '../sql.ts';
import { sqliteFileProblem, withoutWal } from '../import-file.ts';
import type { StartingRecordsRequest, StartingRecordsState } from '../control-state.ts';
import { STARTING_SEQ_BASE, startingRecordsProblem } from '../scenario/starting.ts';

export { MAX_STARTING_RECORDS, STARTING_SEQ_BASE, startingOperations, startingRecordsProblem } from '../scenario/starting.ts';

export type { StartingRecordsRequest, StartingRecordsState };

/** The backup name the starting image is stored under (never offered for restore). */
export const STARTING_IMAGE = 'starting-records';

/** Progress of a load, for the page. */
export interface StartingRecordsProgress {
  readonly done: number;
  readonly total: number;
  readonly stage: 'generating' | 'importing' | 'storing' | 'installed';
}

/** Whether neither side holds a record yet (what a load needs). */
export function holdsNoRecords(parts: EngineParts): boolean {
  return parts.records.maxVersion(parts.files.db('old'), 'old') === 0 && parts.records.maxVersion(parts.files.db('new'), 'new') === 0;
}

/**
 * Loads the starting records the control state asks for (status `pending`), or installs the
 * image a crash left stored. Called by `Rehearsal.open` before anything else runs.
 */
export async function loadStartingRecords(
  parts: EngineParts,
  onProgress: (p: StartingRecordsProgress) => void | Promise<void> = () => undefined,
  imported?: StartingImport,
): Promise<string | undefined> {
  const { control, files, store, sql, scenario, versions, clock } = parts;
  const state = control.state.startingRecords;
  if (!state || state.status === 'loaded') return undefined;
  const file = files.fileOf('old');
  if (state.version !== undefined) {
    // The image was stored and the load recorded before a crash: install it unless it already was.
    if (holdsNoRecords(parts)) {
      const image = await store.readBackup(STARTING_IMAGE);
      await files.replace(file, sql.open(image.bytes));
    }
    await control.update({ startingRecords: { ...state, status: 'loaded' } });
    await onProgress({ done: state.count, total: state.count, stage: 'installed' });
    return undefined;
  }
  if (state.import) return importStartingRecords(parts, state, imported, onProgress);
  if (state.operation === undefined) throw new Error('the starting records name neither a write nor an imported file');
  const request = { operation: state.operation, count: state.count };
  const problem = startingRecordsProblem(parts, request);
  if (problem) throw new Error(`the starting records cannot be made: ${problem}`);
  if (!holdsNoRecords(parts)) throw new Error('starting records can only be loaded into a rehearsal that holds no record yet');

  const op = scenario.operations[request.operation] as WriteOperation;
  const collection = scenario.collections[op.effect.collection] as Collection;
  const expressions = sqlExpressions(sql);
  const random = createRandom(parts.seed).fork('starting-records');
  let seq = STARTING_SEQ_BASE;
  const version = versions.next();
  const ctx = {
    random,
    now: () => clock.now(),
    nextSeq: () => ++seq,
    pickExisting: () => undefined,
  };
  const scratch = sql.open(files.db('old').export());
  let installed = false;
  try {
    for (let done = 0; done < state.count; ) {
      const n = Math.min(BATCH, state.count - done);
      const batch = new Map<string, Row>();
      for (let i = 0; i < n; i++) {
        const params = generateParams(op, ctx);
        const fields = applyEffect(collection, op, params, null, expressions) ?? {};
        const record: Record<string, SqlValue> = { ...effectKey(op, params, expressions), ...fields };
        const key = recordKey(collection, record);
        batch.delete(key); // a key made twice keeps its last record, in the order made
        batch.set(key, pick(record, [...collection.key, ...collection.fields]));
      }
      writeBatch(parts, scratch, op.effect.collection, [...batch.values()], [...batch.keys()], version);
      done += n;
      // The caller may yield here (the worker does, so its progress reaches the page).
      await onProgress({ done, total: state.count, stage: 'generating' });
    }
    await onProgress({ done: state.count, total: state.count, stage: 'storing' });
    // Keys made twice (a template over a small range) count once: the version rows say how many there are.
    const records = Number(scratch.query(`SELECT count(*) AS n FROM ${versionTable('old')} WHERE collection = :c`, { c: op.effect.collection })[0]?.n ?? 0);
    const image = scratch.export();
    await store.writeBackup(STARTING_IMAGE, image, { operation: request.operation, count: state.count, records, version });
    const loaded: StartingRecordsState = { ...state, status: 'pending', records: { [op.effect.collection]: records }, version };
    await control.update({ startingRecords: loaded });
    await files.replace(file, scratch);
    installed = true;
    await control.update({ startingRecords: { ...loaded, status: 'loaded' } });
  } catch (error) {
    // `replace` took the scratch database over only if it succeeded.
    if (!installed) closeQuietly(scratch);
    throw error;
  }
  await onProgress({ done: state.count, total: state.count, stage: 'installed' });
  return undefined;
}

/** A database file to import as the old database (`OpenOptions.startingImport`). */
export interface StartingImport {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * Installs an imported database file as the old database: its rows are the starting records. The
 * image is the file itself (every table, index, view and trigger the application had, byte for
 * byte) with the engine's tables added, and a version row for each record the collections' `rows`
 * find, so backfill, verify and the history checker treat them as committed. The file must hold
 * what the scenario's old side reads and writes (each statement is compiled against it first).
 * As with generated records, the image is stored before the control state records it.
 */
async function importStartingRecords(
  parts: EngineParts,
  state: StartingRecordsState,
  imported: StartingImport | undefined,
  onProgress: (p: StartingRecordsProgress) => void | Promise<void>,
): Promise<string | undefined> {
  const { control, files, store, sql, scenario, versions, records } = parts;
  if (!imported) {
    // The page stopped during the import. If the image was stored (the control state had not
    // recorded it yet), it is whole: install it. If not, the file is gone with the page.
    const stored = await store.readBackup(STARTING_IMAGE).catch(() => undefined);
    const info = stored?.info;
    if (stored && typeof info?.import === 'string' && typeof info.version === 'number' && typeof info.recordsJson === 'string' && holdsNoRecords(parts)) {
      const counts = JSON.parse(info.recordsJson) as Record<string, number>;
      const loaded: StartingRecordsState = { ...state, count: Number(info.records ?? 0), records: counts, version: info.version, status: 'pending' };
      await control.update({ startingRecords: loaded });
      await files.replace(files.fileOf('old'), sql.open(stored.bytes));
      await control.update({ startingRecords: { ...loaded, status: 'loaded' } });
      await onProgress({ done: loaded.count, total: loaded.count, stage: 'installed' });
      return undefined;
    }
    await control.update({ startingRecords: null });
    return `the import of ${state.import?.name ?? 'a database file'} was interrupted before it was stored, so this rehearsal starts without its rows: delete the rehearsal and import the file again`;
  }
  if (!holdsNoRecords(parts)) throw new Error('a database can only be imported into a rehearsal that holds no record yet');
  // Checked before the rehearsal was made (Rehearsal.open calls importProblem first); again here, cheaply, for any other caller.
  const fileProblem = sqliteFileProblem(imported.bytes);
  if (fileProblem) throw new Error(`${imported.name} cannot be imported: ${fileProblem}`);
  const file = files.fileOf('old');
  const scratch = sql.open(withoutWal(imported.bytes).bytes);
  let installed = false;
  try {
    // The other side's schema when both live in one file (topology "shared"), then the engine's tables.
    const sides = (['old', 'new'] as const).filter((side) => files.fileOf(side) === file);
    try {
      for (const side of sides) for (const ddl of [...(side === 'new' ? scenario.schema.new : []), ...engineTablesDdl(side)]) scratch.exec(ddl);
    } catch (error) {
      throw new Error(`the new schema cannot be created beside ${imported.name}'s tables (the scenario's topology is "shared": one file holds both): ${(error as Error).message}`, { cause: error });
    }
    const version = versions.next();
    const counts: Record<string, number> = {};
    const totals = Object.fromEntries(Object.entries(scenario.collections).map(([name, c]) => [name, Number(scratch.query(`SELECT count(*) AS n FROM (${c.rows.old})`)[0]?.n ?? 0)]));
    const total = Object.values(totals).reduce((a, b) => a + b, 0);
    let done = 0;
    for (const name of Object.keys(scenario.collections)) {
      const c = records.collection(name);
      let after: Row | undefined;
      let n = 0;
      for (;;) {
        const page = records.recordsAfter(scratch, 'old', name, after, BATCH, { keysOnly: true });
        const last = page[page.length - 1];
        if (!last) break;
        // A key the page cannot move past (values JavaScript reads rounded) would loop for ever.
        if (after && recordKey(c, last) === recordKey(c, after)) throw new Error(`${imported.name}: the records of "${name}" cannot be told apart by their key (${recordKey(c, last)} twice): give the collection a key that identifies a row`);
        runInTransaction(scratch, [records.versionsStatement('old', name, page.map((row) => ({ key: recordKey(c, row), version, deleted: false })))]);
        n += page.length;
        done += page.length;
        after = last;
        await onProgress({ done, total, stage: 'importing' });
      }
      counts[name] = n;
    }
    await onProgress({ done: total, total, stage: 'storing' });
    await store.writeBackup(STARTING_IMAGE, scratch.export(), { import: imported.name, records: total, recordsJson: JSON.stringify(counts), version });
    const loaded: StartingRecordsState = { ...state, count: total, status: 'pending', records: counts, version };
    await control.update({ startingRecords: loaded });
    await files.replace(file, scratch);
    installed = true;
    await control.update({ startingRecords: { ...loaded, status: 'loaded' } });
    await onProgress({ done: total, total, stage: 'installed' });
  } finally {
    if (!installed) closeQuietly(scratch);
  }
  return undefined;
}

/**
 * Why `imported` cannot become the old database of a new rehearsal of `scenario`, or undefined:
 * the file's checks (`import-file.ts`), then every old-side statement of the scenario compiled
 * against it. Opens a scratch copy and closes it; stores nothing.
 */
export function importProblem(scenario: Scenario, sql: SqlEngine, imported: StartingImport): string | undefined {
  const fileProblem = sqliteFileProblem(imported.bytes);
  if (fileProblem) return `${imported.name} cannot be imported: ${fileProblem}`;
  let db: SqlDatabase;
  try {
    db = sql.open(withoutWal(imported.bytes).bytes);
  } catch (error) {
    return `${imported.name} cannot be imported: SQLite cannot open it (${(error as Error).message})`;
  }
  try {
    const missing = oldSideProblems(scenario, db);
    // Topology "shared": the new schema is made beside the file's tables, in this scratch copy first.
    if (missing.length === 0 && scenario.topology === 'shared') {
      try {
        for (const ddl of scenario.schema.new) db.exec(ddl);
      } catch (error) {
        return `the new schema cannot be created beside ${imported.name}'s tables (the scenario's topology is "shared": one file holds both): ${(error as Error).message}`;
      }
    }
    if (missing.length === 0) return undefined;
    return `${imported.name} does not hold what the scenario's old side reads and writes:\n${missing.map((m) => `  ${m}`).join('\n')}\nImport the database the scenario was written for, or start from this file's own schema (the starter scenario).`;
  } finally {
    db.close();
  }
}

/** The scenario's old-side statements that do not compile against `db` (a missing table or column), each with its path. */
function oldSideProblems(scenario: Scenario, db: SqlDatabase): string[] {
  const statements: [string, string][] = [];
  for (const [name, c] of Object.entries(scenario.collections)) {
    statements.push([`collections.${name}.rows.old`, c.rows.old]);
    c.upsert.old.forEach((s, i) => statements.push([`collections.${name}.upsert.old[${i}]`, s]));
    c.remove.old.forEach((s, i) => statements.push([`collections.${name}.remove.old[${i}]`, s]));
  }
  for (const [name, op] of Object.entries(scenario.operations)) {
    if (op.kind === 'read') statements.push([`operations.${name}.old`, op.old]);
    else op.old.forEach((s, i) => statements.push([`operations.${name}.old[${i}]`, s]));
  }
  const problems: string[] = [];
  for (const [path, statement] of statements) {
    try {
      // EXPLAIN compiles the statement (every table and column resolved) without running it.
      db.query(`EXPLAIN ${statement}`);
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function writeBatch(parts: EngineParts, db: SqlDatabase, collectionName: string, rows: readonly Row[], keys: readonly string[], version: number): void {
  const { records } = parts;
  const upserts = records.batchUpsertStatements(db, 'old', collectionName, rows) ?? rows.flatMap((r) => records.upsertStatements('old', collectionName, r, version, { withVersion: false }));
  const versionRows = records.versionsStatement('old', collectionName, keys.map((key) => ({ key, version, deleted: false })));
  runInTransaction(db, [...upserts, versionRows]);
}

function closeQuietly(db: SqlDatabase): void {
  try {
    db.close();
  } catch {
    // already closed
  }
}

const BATCH = 2_000;
const EXAMPLES = 10;
const PAGE = 5_000;

/** Opens the starting image for `use`, or returns `none` when the rehearsal has no starting records. */
async function withImage<T>(parts: EngineParts, none: T, use: (image: SqlDatabase, state: StartingRecordsState) => T): Promise<T> {
  const state = parts.control.state.startingRecords;
  if (!state || state.status !== 'loaded') return none;
  const image = parts.sql.open((await parts.store.readBackup(STARTING_IMAGE)).bytes);
  try {
    return use(image, state);
  } finally {
    image.close();
  }
}

/** The first states of the starting records among `keys` (by `collection \u0000 key`; other keys absent). */
export function startingStates(parts: EngineParts, keys: readonly StartingKey[]): Promise<Map<string, RecordState>> {
  return withImage(parts, new Map<string, RecordState>(), (image, state) => {
    const out = new Map<string, RecordState>();
    for (const k of keys) {
      if (!state.records?.[k.collection]) continue;
      const row = parts.records.readRecord(image, 'old', k.collection, k.keyValues);
      if (row) out.set(`${k.collection}\u0000${k.key}`, pick(row, parts.records.collection(k.collection).fields));
    }
    return out;
  });
}

/**
 * Holds every starting record the history never touched (`touched`: `collection \u0000 key`) to
 * its first state, read through the current phase's route: the read side, and the fallback side
 * for records the read side lacks. Pages through the image and the route's sides in key order.
 */
export function checkUntouchedStartingRecords(parts: EngineParts, touched: ReadonlySet<string>): Promise<StartingRecordsCheck | undefined> {
  return withImage(parts, undefined, (image, state) => {
    const { records, files, control, settings } = parts;
    const route = routeOf(control.phase, settings);
    const sides = [route.reads, ...(route.fallback ? [route.fallback] : [])].filter((side) => sideExists(parts, side));
    let total = 0;
    let untouched = 0;
    let missing = 0;
    let changed = 0;
    const examples: StartingRecordsCheck['examples'][number][] = [];
    for (const collectionName of Object.keys(state.records ?? {})) {
      const c = records.collection(collectionName);
      let after: Row | undefined;
      for (;;) {
        const page = records.recordsAfter(image, 'old', collectionName, after, PAGE);
        const last = page[page.length - 1];
        if (!last) break;
        const now = sides.map((side) => byKey(c, records.recordsThrough(files.db(side), side, collectionName, after && pick(after, c.key), pick(last, c.key))));
        for (const row of page) {
          total++;
          const key = recordKey(c, row);
          if (touched.has(`${collectionName}\u0000${key}`)) continue;
          untouched++;
          const expected = pick(row, c.fields);
          const current = now.map((m) => m.get(key)).find((r) => r !== undefined);
          const found = current ? pick(current, c.fields) : null;
          if (found !== null && stateId(found) === stateId(expected)) continue;
          if (found === null) missing++;
          else changed++;
          if (examples.length < EXAMPLES) examples.push({ collection: collectionName, key, expected, found });
        }
        after = last;
      }
    }
    return Object.freeze({ records: total, untouched, missing, changed, examples: Object.freeze(examples) });
  });
}

function byKey(c: Collection, rows: readonly Row[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const r of rows) out.set(recordKey(c, r), r);
  return out;
}
