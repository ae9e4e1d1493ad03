/**
 * The `snapshot-corrupt` fault: damages the newest stored snapshot of a file the way disks and
 * careless code do — flipped bits, a truncated or empty record, bytes that are not SQLite, or a
 * format version from the future. Recovery must notice each and fall back a generation.
 */
import type { Corruption } from '../faults.ts';
import type { Random } from '../random.ts';
import type { KeyValueBackend, SnapshotRecord } from './types.ts';

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
  const bytes = new Uint8Array(record.bytes);
  let damaged: SnapshotRecord;
  switch (corruption) {
    case 'bit-flip': {
      // Flip bits past the 100-byte header, where a checksum is the only thing that notices.
      for (let i = 0; i < 8; i++) {
        const at = random.int(Math.min(100, bytes.length - 1), bytes.length - 1);
        bytes[at] = (bytes[at] as number) ^ (1 << random.int(0, 7));
      }
      damaged = { ...record, bytes };
      break;
    }
    case 'truncate':
      damaged = { ...record, bytes: bytes.slice(0, Math.max(1, Math.floor(bytes.length / 3))) };
      break;
    case 'empty':
      damaged = { ...record, bytes: new Uint8Array(0) };
      break;
    case 'not-sqlite': {
      // Same length, so that only the missing SQLite header gives it away.
      const text = new TextEncoder().encode('{"sessions": []}\n');
      damaged = { ...record, bytes: bytes.map((_, i) => text[i % text.length] as number) };
      break;
    }
    case 'newer-format':
      damaged = { ...record, format: record.format + 1 };
      break;
  }
  await backend.write({ set: [[key, damaged]] });
  return { key, generation: record.generation, corruption };
}
