/** What the faults panel says about fault kinds, crash points, corruptions and durability modes, and how it names an armed fault. */
import { assertNever, type ArmedFault, type Corruption, type CrashPoint, type DurabilityMode, type FaultKind, type FaultSpec, type Side } from '../../engine/vocabulary.ts';

/** What a fault kind does, in one line. */
export function faultKindHelp(kind: FaultKind): string {
  switch (kind) {
    case 'write-error':
      return 'A write to the side fails permanently (not retried).';
    case 'read-error':
      return 'A read from the side fails; in read-new and new-only the read falls back to old.';
    case 'busy':
      return 'The side reports "database is locked" k times in a row: a transient error the engine retries with backoff.';
    case 'latency':
      return 'Every call to the side takes longer by the given milliseconds.';
    case 'storage-quota':
      return 'IndexedDB refuses a write (quota exceeded): nothing of it is stored.';
    case 'crash':
      return 'The engine dies at the named point, losing everything in memory, and recovers from IndexedDB.';
    case 'snapshot-corrupt':
      return 'The next snapshot a checkpoint writes is stored damaged; recovery must notice and fall back a generation.';
    default:
      return assertNever(kind, 'fault kind');
  }
}

/** Where a crash point strikes, in one line. */
export function crashPointHelp(point: CrashPoint): string {
  switch (point) {
    case 'before-authoritative':
      return 'before the authoritative write: the operation never happened';
    case 'between-writes':
      return 'after the authoritative write, before the second side is written';
    case 'after-writes-before-ack':
      return 'after both writes, before the caller hears "ok"';
    case 'mid-backfill-batch':
      return 'in the middle of a backfill or reverse-sync batch';
    case 'before-persist':
      return 'after a commit in memory, before it reaches IndexedDB';
    case 'during-checkpoint':
      return 'after a snapshot is written, before the journal is trimmed';
    default:
      return assertNever(point, 'crash point');
  }
}

/** How a corruption damages a snapshot, in one line. */
export function corruptionHelp(corruption: Corruption): string {
  switch (corruption) {
    case 'bit-flip':
      return 'flip a few bits past the header (only the checksum notices)';
    case 'truncate':
      return 'cut the snapshot to a third of its length';
    case 'empty':
      return 'store zero bytes';
    case 'not-sqlite':
      return 'replace it with bytes that are not a SQLite database';
    case 'newer-format':
      return 'mark it as written by a newer format version';
    default:
      return assertNever(corruption, 'corruption');
  }
}

/** What a durability mode promises, in one line. */
export function durabilityHelp(mode: DurabilityMode): string {
  switch (mode) {
    case 'strict':
      return 'Each change is stored in IndexedDB before it is acknowledged: a crash loses no acknowledged write.';
    case 'group':
      return 'Changes are stored in batches (group commit); each is acknowledged once its batch is stored.';
    case 'unsafe-ack-first':
      return 'Acknowledged at once and stored a moment later: a crash in between loses acknowledged writes, and the checker must find them.';
    default:
      return assertNever(mode, 'durability mode');
  }
}

/** A fault as the engine takes it back: without its id and fired count. */
export function toSpec(fault: ArmedFault | FaultSpec): FaultSpec {
  const { id: _id, fired: _fired, ...spec } = fault as ArmedFault;
  return spec;
}

/** One line for an armed fault: "write-error on old (flat keys), enqueue only, rate 0.25". */
export function describeFault(f: FaultSpec, labels: Readonly<Record<Side, string>>): string {
  const side = f.side ? `on ${f.side} (${labels[f.side]})` : 'on both sides';
  const only = f.operation ? `, ${f.operation} only` : '';
  const trigger = f.once ? ', once' : f.rate !== undefined ? `, rate ${f.rate}` : ', every time';
  switch (f.kind) {
    case 'write-error':
    case 'read-error':
      return `${f.kind} ${side}${only}${trigger}`;
    case 'busy':
      return `busy ${side}${only}, ${f.times ?? 1} ${(f.times ?? 1) === 1 ? 'time' : 'times'}`;
    case 'latency':
      return `latency +${f.latencyMs ?? 100} ms ${side}${only}${trigger}`;
    case 'storage-quota':
      return `storage-quota${trigger}`;
    case 'crash':
      return `crash at ${f.point ?? 'any point'}${trigger}`;
    case 'snapshot-corrupt':
      return `snapshot-corrupt (${f.corruption ?? 'bit-flip'})${trigger}`;
    default:
      return assertNever(f.kind, 'fault kind');
  }
}
