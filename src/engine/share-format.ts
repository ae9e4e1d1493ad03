/**
 * The share link's format, its pure parts: the fragment `#share=v1.<base64url(deflate-raw(JSON))>`
 * carrying a scenario (with an optional plan and seed, never data). Compression stays at each edge
 * (the page's CompressionStream, Node's zlib); the caps, the base64url text and the JSON checks
 * live here so that both edges read a link the same way. A link is data: it is checked here for
 * its shape only, then the scenario goes through the scenario validator and the plan through the
 * plan validator before anything is shown as loadable. Nothing a link holds ever runs by itself.
 */

/** What a fragment starts with. */
export const SHARE_PREFIX = '#share=';
/** The version this build reads and writes. */
export const SHARE_VERSION = 'v1';
/** The `format` field of the JSON inside. */
export const SHARE_FORMAT = 'cutover-lab/share';
/** The longest encoded part accepted, in characters, checked before anything is decoded. */
export const MAX_SHARE_ENCODED_CHARS = 64 * 1024;
/** The most bytes decompression may produce: past it, decompression stops (a bomb never expands fully). */
export const MAX_SHARE_DECODED_BYTES = 256 * 1024;

/** What a link carries. */
export interface SharePayload {
  /** The scenario, as JSON data (validated by the scenario validator afterwards). */
  readonly scenario: unknown;
  /** A plan, as JSON data (validated by the plan validator afterwards). */
  readonly plan?: unknown;
  /** The seed of the rehearsal or run it came from. */
  readonly seed?: number;
}

export type ShareDecoding<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const TOP_KEYS = ['format', 'scenario', 'plan', 'seed'] as const;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The JSON a link carries (`format` first; absent plan and seed left out). */
export function shareJson(payload: SharePayload): string {
  return JSON.stringify({
    format: SHARE_FORMAT,
    scenario: payload.scenario,
    ...(payload.plan === undefined ? {} : { plan: payload.plan }),
    ...(payload.seed === undefined ? {} : { seed: payload.seed }),
  });
}

/** The fragment for compressed bytes. */
export function shareFragment(compressed: Uint8Array): string {
  return `${SHARE_PREFIX}${SHARE_VERSION}.${base64UrlEncode(compressed)}`;
}

/**
 * The compressed bytes of a fragment (with or without its `#`), or why it is refused: the prefix,
 * the version and the length are checked before a character is decoded.
 */
export function fragmentBytes(fragment: string): ShareDecoding<Uint8Array> {
  const text = fragment.startsWith('#') ? fragment : `#${fragment}`;
  if (!text.startsWith(SHARE_PREFIX)) return fail(`this is not a share link: its fragment should start with "${SHARE_PREFIX}"`);
  const rest = text.slice(SHARE_PREFIX.length);
  const dot = rest.indexOf('.');
  const version = dot < 0 ? rest.slice(0, 16) : rest.slice(0, Math.min(dot, 16));
  if (dot < 0 || version !== SHARE_VERSION) {
    return fail(`the share link is version "${version}", and this playground reads "${SHARE_VERSION}" only: make the link again with this version of Cutover Lab`);
  }
  const body = rest.slice(dot + 1);
  if (body.length > MAX_SHARE_ENCODED_CHARS) {
    return fail(`the share link is too long (${body.length} characters encoded, at most ${MAX_SHARE_ENCODED_CHARS}): share the scenario as a file instead`);
  }
  if (body.length === 0) return fail('the share link is empty after its version: copy the whole link');
  if (!BASE64URL.test(body)) return fail('the share link holds characters a link never has (it is base64url: A–Z, a–z, 0–9, "-" and "_"): copy the whole link again');
  const bytes = base64UrlDecode(body);
  if (!bytes) return fail('the share link is cut off or damaged (its base64url text has an impossible length): copy the whole link again');
  return { ok: true, value: bytes };
}

/** The message when decompression passes the cap. */
export function tooLargeReason(): string {
  return `the share link expands to more than ${MAX_SHARE_DECODED_BYTES / 1024} KiB: it was refused before it expanded further (a scenario in a link is smaller than that; share it as a file)`;
}

/** The message when the bytes do not decompress. */
export function notDeflateReason(): string {
  return 'the share link is damaged (its bytes do not decompress): copy the whole link again';
}

/**
 * The payload of a link's decompressed JSON text, or why it is refused: invalid JSON, a
 * `__proto__`, `constructor` or `prototype` key at any depth, a key at the top other than
 * `format`, `scenario`, `plan` and `seed`, the wrong format, a seed that is not a whole number.
 */
export function parseShareJson(text: string): ShareDecoding<SharePayload> {
  let forbidden: string | undefined;
  let value: unknown;
  try {
    // The reviver sees every key, at every depth (JSON.parse makes `__proto__` an own property,
    // so it pollutes nothing; it is refused all the same).
    value = JSON.parse(text, function (this: unknown, key: string, v: unknown) {
      if (FORBIDDEN_KEYS.has(key)) forbidden ??= key;
      return v;
    });
  } catch (e) {
    return fail(`the share link does not hold valid JSON (${(e as Error).message}): copy the whole link again`);
  }
  if (forbidden !== undefined) return fail(`the share link holds a key "${forbidden}", which no scenario or plan has: it was refused`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the share link does not hold a JSON object');
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(TOP_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) return fail(`the share link holds unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')} (a link has ${TOP_KEYS.join(', ')} only)`);
  if (record.format !== SHARE_FORMAT) return fail(`the share link's format is not "${SHARE_FORMAT}": it was not made by Cutover Lab`);
  if (typeof record.scenario !== 'object' || record.scenario === null || Array.isArray(record.scenario)) return fail('the share link holds no scenario (an object at "scenario")');
  if (record.plan !== undefined && (typeof record.plan !== 'object' || record.plan === null || Array.isArray(record.plan))) return fail('the share link\'s "plan" is not an object');
  if (record.seed !== undefined && (typeof record.seed !== 'number' || !Number.isSafeInteger(record.seed) || record.seed < 0)) return fail('the share link\'s "seed" is not a whole number from 0');
  return {
    ok: true,
    value: { scenario: record.scenario, ...(record.plan === undefined ? {} : { plan: record.plan }), ...(record.seed === undefined ? {} : { seed: record.seed }) },
  };
}

/** base64url without padding. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) out += ALPHABET[(n >> 6) & 63]!;
    if (i + 2 < bytes.length) out += ALPHABET[n & 63]!;
  }
  return out;
}

/** The bytes of base64url text (padding not expected), or null when its length is impossible. */
export function base64UrlDecode(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = (val(text, i) << 18) | (val(text, i + 1) << 12) | (val(text, i + 2) << 6) | val(text, i + 3);
    out[o++] = (n >> 16) & 255;
    if (i + 2 < text.length) out[o++] = (n >> 8) & 255;
    if (i + 3 < text.length) out[o++] = n & 255;
  }
  return out;
}

function val(text: string, i: number): number {
  return i < text.length ? ALPHABET.indexOf(text[i]!) : 0;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
