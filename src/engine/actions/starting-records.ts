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
import { effectKey, pick, recordKey, versionTable } from '../records.ts';
import { applyEffect, stateId, type RecordState } from '../checks/model.ts';
import type { StartingKey, StartingRecordsCheck } from '../checks/history-checker.ts';
import { sideExists } from '../parts.ts';
import { routeOf } from '../phases.ts';
import { generateParams } from '../scenario/params.ts';
import type { Collection, WriteOperation } from '../scenario/format.ts';
import { createRandom } from '../random.ts';
import { runInTransaction, type Row, type SqlDatabase, type SqlValue } from '../sql.ts';
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
  readonly stage: 'generating' | 'storing' | 'installed';
}

/** Whether neither side holds a record yet (what a load needs). */
export function holdsNoRecords(parts: EngineParts): boolean {
  return parts.records.maxVersion(parts.files.db('old'), 'old') === 0 && parts.records.maxVersion(parts.files.db('new'), 'new') === 0;
}

/**
 * Loads the starting records the control state asks for (status `pending`), or installs the
 * image a crash left stored. Called by `Rehearsal.open` before anything else runs.
 */
export async function loadStartingRecords(parts: EngineParts, onProgress: (p: StartingRecordsProgress) => void | Promise<void> = () => undefined): Promise<void> {
  const { control, files, store, sql, scenario, versions, clock } = parts;
  const state = control.state.startingRecords;
  if (!state || state.status === 'loaded') return;
  const file = files.fileOf('old');
  if (state.version !== undefined) {
    // The image was stored and the load recorded before a crash: install it unless it already was.
    if (holdsNoRecords(parts)) {
      const image = await store.readBackup(STARTING_IMAGE);
      await files.replace(file, sql.open(image.bytes));
    }
    await control.update({ startingRecords: { ...state, status: 'loaded' } });
    await onProgress({ done: state.count, total: state.count, stage: 'installed' });
    return;
  }
  const problem = startingRecordsProblem(parts, state);
  if (problem) throw new Error(`the starting records cannot be made: ${problem}`);
  if (!holdsNoRecords(parts)) throw new Error('starting records can only be loaded into a rehearsal that holds no record yet');

  const op = scenario.operations[state.operation] as WriteOperation;
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
    await store.writeBackup(STARTING_IMAGE, image, { operation: state.operation, count: state.count, records, version });
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
