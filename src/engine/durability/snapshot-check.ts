/** The checks a stored snapshot (or backup) must pass before anything trusts its bytes. */
import { hasSqliteHeader } from '../sql.ts';
import { SNAPSHOT_FORMAT, type Digest, type SnapshotRecord } from './types.ts';

/** What checking a snapshot found: nothing wrong, or what was wrong. */
export interface SnapshotVerdict {
  /** What is wrong, phrased to follow "snapshot generation <n> of <file>"; absent when it passed. */
  readonly problem?: string;
  /** It is of a format newer than this build reads: skipped, and never deleted. */
  readonly newerFormat?: boolean;
}

/**
 * Checks a stored record claimed to be snapshot `generation`: format, header, length and checksum.
 * Does not open the database. A record that passes holds exactly the bytes its writer exported and
 * hashed, which is all recovery needs to trust them: it opens the one it picks and reads its schema,
 * without a `PRAGMA integrity_check` (see `SnapshotGenerations.recover`).
 */
export async function checkSnapshot(record: unknown, generation: number, digest: Digest): Promise<SnapshotVerdict> {
  if (typeof record !== 'object' || record === null) return { problem: 'is missing or unreadable' };
  const r = record as Partial<SnapshotRecord>;
  if (typeof r.format !== 'number') return { problem: 'has no format version' };
  if (r.format > SNAPSHOT_FORMAT) {
    return { problem: `was written in snapshot format ${r.format}, newer than this build reads (${SNAPSHOT_FORMAT}); it is kept untouched`, newerFormat: true };
  }
  if (r.generation !== generation) return { problem: `says it is generation ${String(r.generation)}` };
  if (!(r.bytes instanceof Uint8Array)) return { problem: 'holds no bytes' };
  if (r.bytes.length === 0) return { problem: 'is empty (0 bytes)' };
  if (typeof r.byteLength === 'number' && r.bytes.length < r.byteLength) return { problem: `is truncated: ${r.bytes.length} of ${r.byteLength} bytes` };
  if (!hasSqliteHeader(r.bytes)) return { problem: 'is not a SQLite database (no SQLite header)' };
  if (typeof r.checksum !== 'string' || (await digest(r.bytes)) !== r.checksum) return { problem: 'failed its SHA-256 checksum (bits flipped)' };
  return {};
}
