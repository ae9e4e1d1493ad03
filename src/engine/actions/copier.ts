/**
 * Backfill (old → new) and reverse-sync (new → old): copy records in batches ordered by key,
 * newest version wins, deletes carried as tombstones. The cursor is stored in the target database
 * in the same transaction as the batch, so a crash never skips or repeats a committed batch.
 */
import type { EngineContext } from '../context.ts';
import { parseRecordKey, pick, recordKey, stateTable, versionTable } from '../records.ts';
import type { Phase } from '../phases.ts';
import type { CopyProgress } from '../results.ts';
import type { Collection, Side } from '../scenario/format.ts';
import type { BoundStatement, Row, SqlValue } from '../sql.ts';

export type CopyAction = 'backfill' | 'reverse-sync';

interface StoredCopyState {
  status: CopyProgress['status'];
  pass: number;
  collection: number;
  stage: 'rows' | 'tombstones';
  /** Key columns of the last record handled (rows) or the last tombstone key (tombstones). */
  after: Record<string, SqlValue> | string | null;
  processed: number;
  total: number;
  copied: number;
  skipped: number;
  removed: number;
  batchSize: number;
  startedInPhase: Phase | null;
}

/** Copies records from one side to the other. */
export class RecordCopier {
  readonly source: Side;
  readonly target: Side;
  #recent: { t: number; n: number }[] = [];
  #stepping = false;

  constructor(
    private readonly ctx: EngineContext,
    readonly action: CopyAction,
    private defaultBatchSize: number,
    /** Called when a pass completes, to update guards. */
    private readonly onPassDone: (startedInPhase: Phase | null) => Promise<void>,
  ) {
    this.source = action === 'backfill' ? 'old' : 'new';
    this.target = action === 'backfill' ? 'new' : 'old';
  }

  #stateName(): string {
    return `copy.${this.action}`;
  }

  #read(): StoredCopyState {
    const db = this.ctx.files.db(this.target);
    const row = db.query(`SELECT value FROM ${stateTable(this.target)} WHERE name = :n`, { n: this.#stateName() })[0];
    if (!row) {
      return { status: 'idle', pass: 0, collection: 0, stage: 'rows', after: null, processed: 0, total: 0, copied: 0, skipped: 0, removed: 0, batchSize: this.defaultBatchSize, startedInPhase: null };
    }
    return JSON.parse(String(row.value)) as StoredCopyState;
  }

  #stateStatement(state: StoredCopyState): BoundStatement {
    return {
      sql: `INSERT INTO ${stateTable(this.target)} (name, value) VALUES (:n, :v) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      params: { n: this.#stateName(), v: JSON.stringify(state) },
    };
  }

  async #save(state: StoredCopyState): Promise<void> {
    await this.ctx.reloadBrokenFiles();
    await this.ctx.files.commit(this.ctx.files.fileOf(this.target), [this.#stateStatement(state)]).durable;
  }

  /**
   * Reads the stored state, changes it and commits it with nothing in between (the commit is
   * synchronous up to the journal append): a batch committed meanwhile is never written back over.
   * `change` returns false to leave the state as it is.
   */
  async #update(change: (s: StoredCopyState) => boolean): Promise<CopyProgress> {
    this.#assertAvailable();
    await this.ctx.reloadBrokenFiles();
    const s = this.#read();
    if (!change(s)) return this.#progressOf(s);
    await this.ctx.files.commit(this.ctx.files.fileOf(this.target), [this.#stateStatement(s)]).durable;
    return this.#emit(s);
  }

  /** Whether both sides exist (old is gone after the drop). */
  available(): boolean {
    return this.ctx.phase() !== 'old-dropped';
  }

  /** Current progress. */
  progress(): CopyProgress {
    if (!this.available()) {
      return { action: this.action, status: 'idle', pass: 0, processed: 0, total: 0, copied: 0, skipped: 0, removed: 0, batchSize: this.defaultBatchSize, rate: null, etaSeconds: null, startedInPhase: null };
    }
    return this.#progressOf(this.#read());
  }

  #progressOf(s: StoredCopyState): CopyProgress {
    const rate = this.#rate();
    const left = Math.max(0, s.total - s.processed);
    const warning =
      this.action === 'backfill' && s.startedInPhase === 'old-only'
        ? 'started in old-only: records written to old after the cursor passes them are missed until writes reach new; run it again from dual-write on'
        : undefined;
    return Object.freeze({
      action: this.action,
      status: s.status,
      pass: s.pass,
      processed: s.processed,
      total: s.total,
      copied: s.copied,
      skipped: s.skipped,
      removed: s.removed,
      batchSize: s.batchSize,
      rate,
      etaSeconds: s.status === 'running' && rate ? Math.round((left / rate) * 10) / 10 : null,
      startedInPhase: s.startedInPhase,
      ...(warning ? { warning } : {}),
    });
  }

  #rate(): number | null {
    if (this.#recent.length < 2) return null;
    const first = this.#recent[0] as { t: number; n: number };
    const last = this.#recent[this.#recent.length - 1] as { t: number; n: number };
    const ms = last.t - first.t;
    if (ms <= 0) return null;
    const n = this.#recent.slice(1).reduce((sum, x) => sum + x.n, 0);
    return Math.round((n / ms) * 1000 * 10) / 10;
  }

  /** Starts a new pass from the first record (a finished or cancelled pass starts over). */
  async start(batchSize?: number): Promise<CopyProgress> {
    this.#assertAvailable();
    const prev = this.#read();
    const total = this.#estimateTotal();
    const state: StoredCopyState = {
      status: 'running',
      pass: prev.pass + 1,
      collection: 0,
      stage: 'rows',
      after: null,
      processed: 0,
      total,
      copied: 0,
      skipped: 0,
      removed: 0,
      batchSize: clampBatch(batchSize ?? prev.batchSize ?? this.defaultBatchSize),
      startedInPhase: this.ctx.phase(),
    };
    this.#recent = [{ t: this.ctx.clock.now(), n: 0 }];
    await this.#save(state);
    return this.#emit(state);
  }

  /** Pauses a running pass; `resume` continues from the cursor. */
  async pause(): Promise<CopyProgress> {
    return this.#setStatus('running', 'paused');
  }

  /** Resumes a paused pass. */
  async resume(): Promise<CopyProgress> {
    this.#recent = [{ t: this.ctx.clock.now(), n: 0 }];
    return this.#setStatus('paused', 'running');
  }

  /** Cancels a running or paused pass; what was copied stays copied. */
  async cancel(): Promise<CopyProgress> {
    return this.#update((s) => {
      if (s.status !== 'running' && s.status !== 'paused') return false;
      s.status = 'cancelled';
      return true;
    });
  }

  /** Changes the batch size, also in the middle of a pass. */
  async setBatchSize(size: number): Promise<CopyProgress> {
    this.defaultBatchSize = clampBatch(size);
    return this.#update((s) => {
      s.batchSize = this.defaultBatchSize;
      return true;
    });
  }

  async #setStatus(from: CopyProgress['status'], to: CopyProgress['status']): Promise<CopyProgress> {
    return this.#update((s) => {
      if (s.status !== from) return false;
      s.status = to;
      return true;
    });
  }

  #assertAvailable(): void {
    if (!this.available()) throw new Error(`${this.action} is not available: the old schema is dropped`);
  }

  #estimateTotal(): number {
    let total = 0;
    const db = this.ctx.files.db(this.source);
    for (const name of Object.keys(this.ctx.scenario.collections)) {
      const c = this.ctx.records.collection(name);
      total += Number(db.query(`SELECT count(*) AS n FROM (${c.rows[this.source]})`)[0]?.n ?? 0);
      total += Number(db.query(`SELECT count(*) AS n FROM ${versionTable(this.source)} WHERE collection = :c AND deleted = 1`, { c: name })[0]?.n ?? 0);
    }
    return total;
  }

  #emit(s: StoredCopyState): CopyProgress {
    const p = this.#progressOf(s);
    this.ctx.emit({ type: 'copy', progress: p });
    return p;
  }

  /** Runs one batch of a running pass; returns the progress after it (unchanged when not running). */
  async step(): Promise<CopyProgress> {
    if (this.#stepping) throw new Error(`${this.action}: a batch is already running`);
    this.#stepping = true;
    try {
      return await this.#step();
    } finally {
      this.#stepping = false;
    }
  }

  async #step(): Promise<CopyProgress> {
    if (!this.available()) return this.progress();
    await this.ctx.reloadBrokenFiles();
    const s = this.#read();
    if (s.status !== 'running') return this.#progressOf(s);
    const names = Object.keys(this.ctx.scenario.collections);
    const name = names[s.collection];
    if (name === undefined) return this.#finish(s);
    const c = this.ctx.records.collection(name);
    const limit = s.batchSize;
    const sourceDb = this.ctx.files.db(this.source);

    if (s.stage === 'rows') {
      // Read the batch from the source ...
      const batch = this.ctx.records.recordsAfter(sourceDb, this.source, name, (s.after as Record<string, SqlValue> | null) ?? undefined, limit, { keysOnly: true });
      // ... a crash or live writes may come between reading and writing, as with any real backfill.
      await Promise.resolve();
      this.ctx.crashPoint('mid-backfill-batch');
      // Writes in progress on these records finish first (both halves); none starts until the batch is written.
      const release = await this.ctx.lockRecords(name, batch.map((r) => recordKey(c, r)));
      try {
        await this.ctx.reloadBrokenFiles();
        const latest = this.#read();
        if (latest.status !== 'running' || latest.pass !== s.pass) return this.#progressOf(latest);
        const source = this.ctx.files.db(this.source);
        const targetDb = this.ctx.files.db(this.target);
        const statements: BoundStatement[] = [];
        const processed: Row[] = [];
        const versions: { key: string; version: number; deleted: boolean }[] = [];
        const copies: Row[] = [];
        let copied = 0;
        let skipped = 0;
        const lastRead = batch[batch.length - 1];
        if (lastRead) {
          // Read again under the lock, set-based: the batch's key range on the source joined with
          // its versions, the same range's keys on the target and the target's versions, three
          // queries a batch; the version decides at write time, against the target's. Only the
          // batch's own keys count: a record written into the range meanwhile is not locked, and
          // the next pass copies it.
          const after = (s.after as Record<string, SqlValue> | null) ?? undefined;
          const keys = batch.map((r) => recordKey(c, r));
          const lastKey = pick(lastRead, c.key);
          const joined = this.ctx.records.recordsThroughWithVersions(source, this.source, name, after, lastKey);
          const now = byKey(c, joined?.rows ?? this.ctx.records.recordsThrough(source, this.source, name, after, lastKey));
          const sourceVersions = joined?.versions ?? this.ctx.records.versionsOf(source, this.source, name, keys);
          const there = byKey(c, this.ctx.records.recordsThrough(targetDb, this.target, name, after, lastKey, { keysOnly: true }));
          const targetVersions = this.ctx.records.versionsOf(targetDb, this.target, name, keys);
          for (const key of keys) {
            const r = now.get(key);
            if (!r) {
              skipped++; // deleted meanwhile: the tombstone stage carries the delete
              continue;
            }
            processed.push(r);
            const sourceVersion = sourceVersions.get(key)?.version ?? 0;
            const targetInfo = targetVersions.get(key);
            const exists = there.has(key);
            // The fields decide only when neither side has a version (data written outside the engine): read them then.
            const differs = () => {
              const existing = this.ctx.records.readRecord(targetDb, this.target, name, pick(r, c.key));
              return existing !== undefined && !sameFields(c.fields, r, existing);
            };
            if (shouldCopy(sourceVersion, targetInfo, exists, differs)) {
              copies.push(r);
              versions.push({ key, version: sourceVersion, deleted: false });
              copied++;
            } else skipped++;
          }
        }
        if (copies.length > 0) {
          // One INSERT for the batch when the upserts allow it, else each record's statements.
          const batched = copies.length > 1 ? this.ctx.records.batchUpsertStatements(targetDb, this.target, name, copies) : undefined;
          if (batched) statements.push(...batched);
          else for (const r of copies) statements.push(...this.ctx.records.upsertStatements(this.target, name, r, 0, { withVersion: false }));
          statements.push(this.ctx.records.versionsStatement(this.target, name, versions));
        }
        const last = batch[batch.length - 1];
        const next: StoredCopyState = {
          ...latest,
          processed: latest.processed + batch.length,
          copied: latest.copied + copied,
          skipped: latest.skipped + skipped,
          ...(batch.length < limit ? { stage: 'tombstones' as const, after: null } : { after: last ? pick(last, c.key) : latest.after }),
        };
        statements.push(this.#stateStatement(next));
        await this.ctx.files.commit(this.ctx.files.fileOf(this.target), statements).durable;
        this.ctx.metrics.inc('cutover_backfill_rows_total', { action: this.action, result: 'copied' }, copied);
        this.ctx.metrics.inc('cutover_backfill_rows_total', { action: this.action, result: 'skipped' }, skipped);
        if (this.action === 'backfill' && c.backfillMarksSource && processed.length > 0) {
          // Seed 003's import tool marks each imported file as migrated. The marks go to the other
          // database, so they cannot share the batch's transaction; they are idempotent and made
          // for every record the batch saw, so a batch whose marks were lost is marked next pass.
          const marks = processed.flatMap((r) => (c.backfillMarksSource ?? []).map((sql) => ({ sql, params: pick(r, [...c.key, ...c.fields]) })));
          await this.ctx.reloadBrokenFiles();
          await this.ctx.files.commit(this.ctx.files.fileOf(this.source), marks).durable;
        }
        this.#recent.push({ t: this.ctx.clock.now(), n: batch.length });
        if (this.#recent.length > 20) this.#recent.shift();
        return this.#emit(next);
      } finally {
        release();
      }
    }

    // Tombstones: deletes on the source that the target has not seen.
    const tombstones = this.ctx.records.tombstonesAfter(sourceDb, this.source, name, (s.after as string | null) ?? undefined, limit);
    await Promise.resolve();
    this.ctx.crashPoint('mid-backfill-batch');
    const release = await this.ctx.lockRecords(name, tombstones.map((t) => t.key));
    try {
      await this.ctx.reloadBrokenFiles();
      const latest = this.#read();
      if (latest.status !== 'running' || latest.pass !== s.pass) return this.#progressOf(latest);
      const source = this.ctx.files.db(this.source);
      const targetDb = this.ctx.files.db(this.target);
      const statements: BoundStatement[] = [];
      const versions: { key: string; version: number; deleted: boolean }[] = [];
      let removed = 0;
      let skipped = 0;
      // Both sides' versions in one query each; the target record is looked up only for a delete
      // the target has not seen (after the first pass, hardly any).
      const keys = tombstones.map((t) => t.key);
      const sourceVersions = this.ctx.records.versionsOf(source, this.source, name, keys);
      const targetVersions = this.ctx.records.versionsOf(targetDb, this.target, name, keys);
      for (const t of tombstones) {
        const now = sourceVersions.get(t.key);
        if (!now?.deleted) {
          skipped++; // written again meanwhile: the next pass copies it
          continue;
        }
        const targetInfo = targetVersions.get(t.key);
        if ((targetInfo?.version ?? 0) >= now.version) {
          skipped++;
          continue;
        }
        const keyValues = parseRecordKey(c, t.key);
        const exists = this.ctx.records.readRecord(targetDb, this.target, name, keyValues) !== undefined;
        if (exists) {
          statements.push(...this.ctx.records.removeStatements(this.target, name, keyValues, now.version, { withVersion: false }));
          versions.push({ key: t.key, version: now.version, deleted: true });
          removed++;
        } else if (!targetInfo?.deleted) {
          // Remember the delete so a later copy of an older version is refused.
          versions.push({ key: t.key, version: now.version, deleted: true });
          skipped++;
        } else skipped++;
      }
      if (versions.length > 0) statements.push(this.ctx.records.versionsStatement(this.target, name, versions));
      const lastT = tombstones[tombstones.length - 1];
      const done = tombstones.length < limit;
      const next: StoredCopyState = {
        ...latest,
        processed: latest.processed + tombstones.length,
        removed: latest.removed + removed,
        skipped: latest.skipped + skipped,
        ...(done ? { collection: latest.collection + 1, stage: 'rows' as const, after: null } : { after: lastT ? lastT.key : latest.after }),
      };
      statements.push(this.#stateStatement(next));
      await this.ctx.files.commit(this.ctx.files.fileOf(this.target), statements).durable;
      this.ctx.metrics.inc('cutover_backfill_rows_total', { action: this.action, result: 'removed' }, removed);
      this.#recent.push({ t: this.ctx.clock.now(), n: tombstones.length });
      if (this.#recent.length > 20) this.#recent.shift();
      if (done && next.collection >= names.length) return this.#finish(next);
      return this.#emit(next);
    } finally {
      release();
    }
  }

  async #finish(s: StoredCopyState): Promise<CopyProgress> {
    const done: StoredCopyState = { ...s, status: 'done', total: Math.max(s.total, s.processed) };
    await this.#save(done);
    await this.onPassDone(s.startedInPhase);
    return this.#emit(done);
  }

}

/** Newest version wins; a tombstone newer than the source version wins too. */
function shouldCopy(sourceVersion: number, target: { version: number; deleted: boolean } | undefined, targetHasRecord: boolean, differs: () => boolean): boolean {
  const targetVersion = target?.version ?? 0;
  if (!targetHasRecord) {
    if (target?.deleted && targetVersion >= sourceVersion) return false;
    return sourceVersion >= targetVersion;
  }
  if (sourceVersion > targetVersion) return true;
  // Neither side has a version (data written outside the engine): the source wins when they differ.
  return sourceVersion === 0 && targetVersion === 0 && differs();
}

/** Rows by record key; the first row of a key a canonical query returns twice. */
function byKey(c: Collection, rows: readonly Row[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const r of rows) {
    const key = recordKey(c, r);
    if (!out.has(key)) out.set(key, r);
  }
  return out;
}

function sameFields(fields: readonly string[], a: Row, b: Row): boolean {
  return fields.every((f) => {
    const x = a[f] ?? null;
    const y = b[f] ?? null;
    if (x instanceof Uint8Array || y instanceof Uint8Array) return JSON.stringify(x) === JSON.stringify(y);
    return x === y;
  });
}

function clampBatch(n: number): number {
  if (!Number.isFinite(n)) return 50;
  return Math.max(1, Math.min(10_000, Math.floor(n)));
}

