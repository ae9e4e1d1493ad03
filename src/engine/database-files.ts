/**
 * The database files of a rehearsal — one (`shared`) or two (`split`) — with the commit path of
 * DESIGN.md section 5: commit in sql.js, append the committed transaction to the journal, and
 * acknowledge when the durable store says so. Checkpoints and reloads from durable state live here.
 */
import { checkpointDue } from './checkpoints.ts';
import type { DurableStore, RecoveredFile } from './durability/durable-store.ts';
import { statementsBytes } from './durability/journal-size.ts';
import { ReadOnlyError, StorageError } from './durability/types.ts';
import type { CrashPoint } from './faults.ts';
import { engineTablesDdl } from './records.ts';
import type { Scenario, Side } from './scenario/format.ts';
import { runInTransaction, type BoundStatement, type SqlDatabase, type SqlEngine } from './sql.ts';

export type FileName = 'main' | 'old' | 'new';

interface OpenFile {
  db: SqlDatabase;
  seq: number;
  /** Journal entries since the last checkpoint. */
  sinceCheckpoint: number;
  /** Their size (`journalEntryBytes`). */
  journalBytes: number;
  /** Size of the last snapshot, 0 when there is none. */
  fileBytes: number;
}

function opened(r: RecoveredFile): OpenFile {
  return { db: r.db, seq: r.seq, sinceCheckpoint: r.replayed, journalBytes: r.replayedBytes, fileBytes: r.fileBytes };
}

/** A committed transaction and when it is safe to acknowledge. */
export interface Commit {
  readonly file: FileName;
  readonly seq: number;
  /** Resolves when the change may be acknowledged; rejects with StorageError if it was not stored. */
  readonly durable: Promise<void>;
}

export interface DatabaseFilesHooks {
  crashPoint(point: CrashPoint): void;
}

/** Opens, commits to, checkpoints and reloads the files of one rehearsal. */
export class DatabaseFiles {
  readonly #files = new Map<FileName, OpenFile>();
  #closed = false;

  constructor(
    private readonly scenario: Scenario,
    private readonly sql: SqlEngine,
    private readonly store: DurableStore,
    private readonly hooks: DatabaseFilesHooks,
    private readonly checkpointEvery: number,
  ) {}

  /** The files of this topology. */
  get names(): readonly FileName[] {
    return this.scenario.topology === 'shared' ? ['main'] : ['old', 'new'];
  }

  /** The file holding `side`. */
  fileOf(side: Side): FileName {
    return this.scenario.topology === 'shared' ? 'main' : side;
  }

  /** The open database holding `side`. */
  db(side: Side): SqlDatabase {
    return this.#open(this.fileOf(side)).db;
  }

  /** The open database of `file`. */
  dbOf(file: FileName): SqlDatabase {
    return this.#open(file).db;
  }

  /** Rebuilds every file from durable state; a fresh rehearsal gets its schemas as journal entry 1. */
  async recoverAll(): Promise<{ fresh: boolean; problems: string[] }> {
    const problems: string[] = [];
    let fresh = true;
    const recovered: [FileName, RecoveredFile][] = [];
    try {
      for (const name of this.names) recovered.push([name, await this.store.recover(name, this.sql)]);
    } catch (error) {
      for (const [, r] of recovered) r.db.close();
      throw error;
    }
    const freshFiles: FileName[] = [];
    for (const [name, r] of recovered) {
      problems.push(...r.problems);
      fresh &&= r.fresh;
      if (r.fresh) freshFiles.push(name);
      this.#files.set(name, opened(r));
    }
    // Each file that has nothing stored gets its schemas, whatever the others have: a crash while
    // a split rehearsal was being created can leave one file with its schemas and the other empty.
    for (const name of freshFiles) {
      const sides: Side[] = name === 'main' ? ['old', 'new'] : [name];
      const ddl = sides.flatMap((side) => [...this.scenario.schema[side], ...engineTablesDdl(side)]);
      // In a read-only tab (another tab is creating the rehearsal) they are shown, not stored.
      if (this.store.readOnly) for (const sql of ddl) this.#open(name).db.exec(sql);
      else await this.commit(name, ddl.map((sql): BoundStatement => ({ sql }))).durable;
    }
    return { fresh, problems };
  }

  /**
   * Commits `statements` to `file` in one transaction and appends it to the journal. Synchronous
   * up to the append, so no other operation interleaves. Throws SqlError (rolled back) or
   * StorageError (the file lost a journal entry and must be reloaded first).
   */
  commit(file: FileName, statements: readonly BoundStatement[]): Commit {
    if (this.store.readOnly) throw new ReadOnlyError();
    if (this.store.isBroken(file)) throw new StorageError(`"${file}" is being reloaded after a storage failure`);
    const f = this.#open(file);
    runInTransaction(f.db, statements);
    this.hooks.crashPoint('before-persist');
    f.seq += 1;
    f.sinceCheckpoint += 1;
    f.journalBytes += statementsBytes(statements);
    const durable = this.store.append(file, { seq: f.seq, statements });
    return { file, seq: f.seq, durable };
  }

  /** Files that lost a journal entry and need a reload. */
  brokenFiles(): FileName[] {
    return this.names.filter((n) => this.store.isBroken(n));
  }

  /** Rebuilds broken files from durable state, discarding what was committed in memory but never stored. */
  async reloadBroken(): Promise<FileName[]> {
    const broken = this.brokenFiles();
    if (broken.length === 0) return [];
    await this.store.settled();
    for (const name of broken) {
      const old = this.#files.get(name);
      const r = await this.store.recover(name, this.sql);
      old?.db.close();
      this.#files.set(name, opened(r));
      this.store.clearBroken(name);
    }
    return broken;
  }

  /**
   * Replaces the whole database of `file` (restoring a backup): the image is appended to the
   * journal like any change, so the restore survives whatever happens to snapshots later, then
   * checkpointed so the journal can be trimmed past it.
   */
  async replace(file: FileName, db: SqlDatabase): Promise<void> {
    if (this.store.readOnly) throw new ReadOnlyError();
    if (this.store.isBroken(file)) throw new StorageError(`"${file}" is being reloaded after a storage failure`);
    const f = this.#open(file);
    await this.store.durable(file);
    const image = db.export();
    // Stored first, swapped second: if storage refuses, the open database is still the old one
    // (and the file is rebuilt from durable state, which never saw the restore).
    await this.store.append(file, { seq: f.seq + 1, statements: [], image });
    await this.store.durable(file);
    f.seq += 1;
    const old = f.db;
    f.db = db;
    old.close();
    f.sinceCheckpoint = 0;
    f.journalBytes = 0;
    f.fileBytes = image.length;
    await this.store.checkpoint(file, image, f.seq);
  }

  /** Checkpoints files whose journal grew past the threshold (`checkpointDue`). */
  async maybeCheckpoint(): Promise<number> {
    if (this.store.readOnly) return 0;
    let written = 0;
    for (const name of this.names) {
      const f = this.#open(name);
      if (checkpointDue({ entries: f.sinceCheckpoint, journalBytes: f.journalBytes, fileBytes: f.fileBytes }, this.checkpointEvery) && !this.store.isBroken(name)) {
        await this.checkpoint(name);
        written++;
      }
    }
    return written;
  }

  /** Checkpoints one file now. */
  async checkpoint(file: FileName): Promise<void> {
    const f = this.#open(file);
    const seq = f.seq;
    const bytes = f.db.export();
    f.sinceCheckpoint = 0;
    f.journalBytes = 0;
    f.fileBytes = bytes.length;
    await this.store.checkpoint(file, bytes, seq);
  }

  /** Closes every database (after a crash, or when done). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of this.#files.values()) f.db.close();
    this.#files.clear();
  }

  #open(file: FileName): OpenFile {
    const f = this.#files.get(file);
    if (!f) throw new Error(`file "${file}" is not open`);
    return f;
  }
}
