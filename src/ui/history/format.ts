/**
 * Text forms of what the history panel shows: times, params, rows, errors. Every function returns a
 * plain string that the panel binds as text, so values from the databases never become markup.
 */
import type { SideError } from '../../engine/vocabulary.ts';

/** Epoch milliseconds from this value on (1973); smaller times count from the clock's origin. */
const EPOCH_THRESHOLD = 1e11;

/** Longest blob shown, in bytes, before it is cut. */
const BLOB_BYTES_SHOWN = 32;

/** Longest compact params string; the row cuts it further with an ellipsis. */
const COMPACT_PARAMS_LENGTH = 240;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * `HH:MM:SS.mmm`: wall-clock local time for epoch milliseconds, time since the origin for the
 * small values a virtual or monotonic clock gives.
 */
export function formatTime(at: number): string {
  if (!Number.isFinite(at)) return '--:--:--.---';
  if (at >= EPOCH_THRESHOLD) {
    const d = new Date(at);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }
  const ms = Math.max(0, Math.floor(at));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** Milliseconds with a precision that suits their size ("0.42 ms", "12 ms"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}

// Blobs (Uint8Array) would serialise as {"0":..,"1":..} and bigints would throw.
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const hex = Array.from(value.subarray(0, BLOB_BYTES_SHOWN), (b) => b.toString(16).padStart(2, '0')).join('');
    return { blob: value.length > BLOB_BYTES_SHOWN ? `${hex}… (${value.length} bytes)` : hex };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** JSON of any value, never throwing (cycles and other unserialisable values give a marker). */
export function toJson(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value, jsonReplacer, indent) ?? String(value);
  } catch {
    return '[unserialisable value]';
  }
}

/** Params on one line, `name="value" n=3`, cut to a length a row can hold. */
export function compactParams(params: Readonly<Record<string, unknown>>): string {
  let text = '';
  for (const [name, value] of Object.entries(params)) {
    text += `${text ? ' ' : ''}${name}=${toJson(value)}`;
    if (text.length > COMPACT_PARAMS_LENGTH) return `${text.slice(0, COMPACT_PARAMS_LENGTH)}…`;
  }
  return text;
}

/** A side's error as one line ("injected: disk full"). */
export function describeError(error: SideError): string {
  return `${error.kind}: ${error.message}${error.transient ? ' (transient)' : ''}`;
}

/** "1 entry", "2,345 entries". */
export function countOf(n: number, singular: string, plural: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}
