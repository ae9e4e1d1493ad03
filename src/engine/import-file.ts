/**
 * What a database file must be before SQLite is asked to open it (the import, issue 13): under
 * the size cap, a SQLite 3 header, and as long as its header says (a copy or download cut short
 * is the most common damaged file). The layout is SQLite's (https://sqlite.org/fileformat.html,
 * 1.3): the magic string, the page size at offset 16, the read/write versions at 18 and 19 (2 =
 * WAL), the change counter at 24, the page count at 28, valid when the number at 92 equals the
 * change counter. Pure: the page checks the size before reading a file, the worker the rest.
 */

/** The largest file imported: the worker holds it, a scratch copy and the stored image at once (docs/limits.md). */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

const MAGIC = 'SQLite format 3\u0000';
const HEADER_BYTES = 100;

const mib = (n: number): string => `${Number.isInteger(n / 1024 / 1024) ? n / 1024 / 1024 : (n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MiB`;

/** Why a file of `size` bytes is too large to import, or undefined. */
export function importSizeProblem(size: number, cap = MAX_IMPORT_BYTES): string | undefined {
  if (size <= cap) return undefined;
  return `the file is ${mib(size)}, over the ${mib(cap)} an import can hold in a tab. Import a smaller copy (for example "sqlite3 big.db '.dump orders' | sqlite3 small.db" for the tables you migrate, or delete old rows from a copy and VACUUM it).`;
}

/** The first bytes of a file as printable text, to say what it looks like. */
function looksLike(bytes: Uint8Array): string {
  const head = [...bytes.subarray(0, 16)].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'is a ZIP archive (unzip it first)';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'is a gzip file (gunzip it first)';
  if (head.startsWith('CREATE') || head.startsWith('PRAGMA') || head.startsWith('BEGIN') || head.startsWith('--')) return 'is SQL text (load it into a database with "sqlite3 new.db < file.sql" and import that)';
  return `starts with "${head}"`;
}

/** Why a file starting with `head` (its first bytes) is not a SQLite 3 database, or undefined when it starts as one. */
export function sqliteHeaderProblem(head: Uint8Array): string | undefined {
  if (head.length === 0) return 'the file is empty: a SQLite database has at least a 100-byte header. Choose the database file itself.';
  const magic = String.fromCharCode(...head.subarray(0, MAGIC.length));
  if (magic === MAGIC) return undefined;
  return `it is not a SQLite database: a SQLite 3 file starts with "SQLite format 3", and this one ${looksLike(head)}. An encrypted database (SQLCipher) looks like this too: decrypt it first.`;
}

/** Why `bytes` is not a whole SQLite 3 database file, or undefined when it may be one. */
export function sqliteFileProblem(bytes: Uint8Array, cap = MAX_IMPORT_BYTES): string | undefined {
  const size = importSizeProblem(bytes.length, cap);
  if (size) return size;
  const header = sqliteHeaderProblem(bytes);
  if (header) return header;
  if (bytes.length < HEADER_BYTES) return `the file is truncated: ${bytes.length} bytes, less than the 100-byte header of a SQLite database. Copy it again.`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = view.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `the header is damaged: page size ${raw} is not a power of two from 512 to 65536. Copy the file again, or recover it with sqlite3's .recover.`;
  const pages = view.getUint32(28);
  const counterValid = view.getUint32(92) === view.getUint32(24);
  const expected = counterValid && pages > 0 ? pages * pageSize : undefined;
  if (expected !== undefined && bytes.length < expected) {
    return `the file is truncated: its header says ${pages.toLocaleString('en-US')} pages of ${pageSize} bytes (${expected.toLocaleString('en-US')} bytes), and it has ${bytes.length.toLocaleString('en-US')}. It was cut short in a copy or a download: copy it again.`;
  }
  if (bytes.length % pageSize !== 0) return `the file is truncated or damaged: ${bytes.length.toLocaleString('en-US')} bytes is not a whole number of ${pageSize}-byte pages. Copy it again.`;
  return undefined;
}

/**
 * A WAL-mode file (read/write versions 2) as a rollback-journal one, which a database held in
 * memory can open: a copy with bytes 18 and 19 set to 1. Changes still in its `-wal` file (not
 * given) are not in it, as the note says.
 */
export function withoutWal(bytes: Uint8Array): { readonly bytes: Uint8Array; readonly notes: readonly string[] } {
  if (bytes[18] !== 2 && bytes[19] !== 2) return { bytes, notes: [] };
  const copy = bytes.slice();
  copy[18] = 1;
  copy[19] = 1;
  return {
    bytes: copy,
    notes: ['the file is in WAL mode: changes still in its -wal file are not in this import. If the application was running, run "PRAGMA wal_checkpoint(TRUNCATE)" on it (or copy it with "sqlite3 app.db .backup copy.db") and import again.'],
  };
}
