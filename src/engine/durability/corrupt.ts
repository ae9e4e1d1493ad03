/**
 * The `snapshot-corrupt` fault: damages the newest stored snapshot of a file the way disks and
 * careless code do — flipped bits, a truncated or empty record, bytes that are not SQLite, or a
 * format version from the future. Recovery must notice each and fall back a generation.
 */
import { assertNever } from '../assert-never.ts';
import type { Corruption } from '../faults.ts';
import type { Random } from '../random.ts';
import type { KeyValueBackend, SnapshotRecord } from './types.ts';

/**
 * The bytes written over a snapshot by `not-sqlite`: a JSON document, as another program might
 * leave in the file. The text is ASCII, so a code unit is its UTF-8 byte; encoding it here keeps
 * the engine free of the host's `TextEncoder`.
 */
const NOT_SQLITE = Uint8Array.from('{"sessions": []}\n', (char) => char.charCodeAt(0));

/** What was damaged, or undefined when the file has no snapshot yet. */
export interface CorruptionDone {
  readonly key: string;
  readonly generation: number;
  readonly corruption: Corruption;
}

/** Damages the newest snapshot of `file` in the rehearsal `namespace`. */
export async function corruptNewestSnapshot(backend: KeyValueBackend, namespace: string, file: string, corruption: Corruption, random: Random): Promise<CorruptionDone | undefined> {
  const keys = await backend.keys(`${namespace}/f/${file}/s/`);
  const key = keys[keys.length - 1];
  if (key === undefined) return undefined;
  const record = (await backend.get(key)) as SnapshotRecord | undefined;
  if (!record) return undefined;
  const damaged = damageSnapshot(record, corruption, random);
  await backend.write({ set: [[key, damaged]] });
  return { key, generation: record.generation, corruption };
}

/** A copy of `record` damaged the way `corruption` says (its checksum still that of the good bytes). */
export function damageSnapshot(record: SnapshotRecord, corruption: Corruption, random: Random): SnapshotRecord {
  const bytes = new Uint8Array(record.bytes);
  switch (corruption) {
    case 'bit-flip': {
      // Flip bits past the 100-byte header, where a checksum is the only thing that notices.
      for (let i = 0; i < 8; i++) {
        const at = random.int(Math.min(100, bytes.length - 1), bytes.length - 1);
        bytes[at] = (bytes[at] as number) ^ (1 << random.int(0, 7));
      }
      return { ...record, bytes };
    }
    case 'truncate':
      return { ...record, bytes: bytes.slice(0, Math.max(1, Math.floor(bytes.length / 3))) };
    case 'empty':
      return { ...record, bytes: new Uint8Array(0) };
    case 'not-sqlite': {
      // Same length, so that only the missing SQLite header gives it away.
      return { ...record, bytes: bytes.map((_, i) => NOT_SQLITE[i % NOT_SQLITE.length] as number) };
    }
    case 'newer-format':
      return { ...record, format: record.format + 1 };
    default:
      return assertNever(corruption, 'corruption');
  }
}
