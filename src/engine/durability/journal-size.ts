/**
 * The size of a journal entry, for deciding when a checkpoint is due (`src/engine/checkpoints.ts`):
 * what replaying it reads and runs, counted cheaply on every commit. Text counts its UTF-16 code
 * units (a byte each for ASCII), a number 8, a blob its bytes; it approximates what storage holds,
 * it does not measure it.
 */
import type { BoundStatement, SqlValue } from '../sql.ts';
import type { JournalEntry } from './types.ts';

function valueBytes(value: SqlValue): number {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number') return 8;
  if (value === null) return 1;
  return value.byteLength;
}

/** Bytes of the statements of one committed transaction, with their parameters. */
export function statementsBytes(statements: readonly BoundStatement[]): number {
  let n = 0;
  for (const s of statements) {
    n += s.sql.length;
    if (s.params) for (const name in s.params) n += name.length + valueBytes(s.params[name] as SqlValue);
  }
  return n;
}

/** Bytes of a journal entry: its statements, or the whole image of a restore. */
export function journalEntryBytes(entry: Pick<JournalEntry, 'statements' | 'image'>): number {
  return statementsBytes(entry.statements) + (entry.image?.byteLength ?? 0);
}
