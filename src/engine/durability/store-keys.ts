/**
 * Where the durable store keeps things in its backend. Keys, under the rehearsal's namespace:
 *   f/<file>/j/<seq>            journal entry
 *   f/<file>/s/<gen>-<seq>      snapshot generation <gen>, covering the journal up to <seq>
 *   meta/<name>                 control state (phase, settings, cursors)
 *   backup/<name>               backups taken before dropping the old schema
 *
 * Numbers are zero-padded so that the backend's ascending key order is numeric order.
 * (`corrupt.ts` finds the newest snapshot by that order, with the same layout.)
 */
import type { KeyValueBackend } from './types.ts';

/** A stored snapshot generation, known from its key alone (its record not yet read). */
export interface SnapshotKey {
  readonly key: string;
  readonly generation: number;
  /** The last journal entry the snapshot covers. */
  readonly seq: number;
}

/** A stored journal entry, known from its key alone. */
export interface JournalKey {
  readonly key: string;
  readonly seq: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The key layout of one rehearsal's namespace. */
export class StoreKeys {
  constructor(readonly namespace: string) {}

  /** Prefix of every journal entry of `file`. */
  journalPrefix(file: string): string {
    return `${this.namespace}/f/${file}/j/`;
  }

  /** Key of journal entry `seq` of `file`. */
  journal(file: string, seq: number): string {
    return `${this.journalPrefix(file)}${pad(seq, 12)}`;
  }

  /** Prefix of every snapshot generation of `file`. */
  snapshotPrefix(file: string): string {
    return `${this.namespace}/f/${file}/s/`;
  }

  /** Key of snapshot `generation` of `file`, covering the journal up to `seq`. */
  snapshot(file: string, generation: number, seq: number): string {
    return `${this.snapshotPrefix(file)}${pad(generation, 8)}-${pad(seq, 12)}`;
  }

  /** Key of the control-state value `name`. */
  meta(name: string): string {
    return `${this.namespace}/meta/${name}`;
  }

  /** Prefix of every backup. */
  backupPrefix(): string {
    return `${this.namespace}/backup/`;
  }

  /** Key of the backup `name`. */
  backup(name: string): string {
    return `${this.backupPrefix()}${name}`;
  }
}

/** The snapshot generations stored for `file`, newest first; keys that do not parse are ignored. */
export async function listSnapshots(backend: KeyValueBackend, keys: StoreKeys, file: string): Promise<SnapshotKey[]> {
  const prefix = keys.snapshotPrefix(file);
  const found = await backend.keys(prefix);
  return found
    .map((key) => {
      const [g, s] = key.slice(prefix.length).split('-');
      return { key, generation: Number(g), seq: Number(s) };
    })
    .filter((x) => Number.isInteger(x.generation) && Number.isInteger(x.seq))
    .sort((a, b) => b.generation - a.generation);
}

/** The journal entries stored for `file`, oldest first; keys that do not parse are ignored. */
export async function listJournal(backend: KeyValueBackend, keys: StoreKeys, file: string): Promise<JournalKey[]> {
  const prefix = keys.journalPrefix(file);
  const found = await backend.keys(prefix);
  return found.map((key) => ({ key, seq: Number(key.slice(prefix.length)) })).filter((x) => Number.isInteger(x.seq)).sort((a, b) => a.seq - b.seq);
}
