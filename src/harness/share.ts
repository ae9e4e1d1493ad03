/**
 * Share links from Node (the CLI's failure output): the same `#share=v1.<base64url(deflate-raw(JSON))>`
 * the playground makes with CompressionStream, here with zlib. The format's checks are shared
 * (src/engine/share-format.ts); a link opens in the playground as a preview, and nothing runs
 * until Load there.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { fragmentBytes, MAX_SHARE_DECODED_BYTES, MAX_SHARE_ENCODED_CHARS, SHARE_PREFIX, SHARE_VERSION, notDeflateReason, parseShareJson, shareFragment, shareJson, tooLargeReason, type ShareDecoding, type SharePayload } from '../engine/share-format.ts';

/** Where links point when `CUTOVER_LAB_URL` is not set: `npm run preview`'s address. */
export const DEFAULT_SHARE_BASE = 'http://localhost:4173/';

/** The fragment (`#share=v1.…`) of a scenario, with its plan and seed when given. */
export function encodeShareNode(payload: SharePayload): string {
  return shareFragment(new Uint8Array(deflateRawSync(Buffer.from(shareJson(payload), 'utf8'), { level: 9 })));
}

/** A whole link: the base (`CUTOVER_LAB_URL`, or the local preview) and the fragment. */
export function shareLink(payload: SharePayload, base: string = process.env.CUTOVER_LAB_URL || DEFAULT_SHARE_BASE): string {
  return `${base.replace(/#.*$/, '')}${encodeShareNode(payload)}`;
}

/** Reads a fragment back in Node, with the page's caps (zlib stops at the output cap). */
export function decodeShareNode(fragment: string): ShareDecoding<SharePayload> {
  const bytes = fragmentBytes(fragment);
  if (!bytes.ok) return bytes;
  let text: string;
  try {
    text = inflateRawSync(bytes.value, { maxOutputLength: MAX_SHARE_DECODED_BYTES }).toString('utf8');
  } catch (e) {
    return { ok: false, reason: (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? tooLargeReason() : notDeflateReason() };
  }
  return parseShareJson(text);
}

/**
 * The line the CLI's failure output ends with: a link that opens this scenario (with its plan and
 * seed) in the playground as a preview, or why there is none (too large for a link).
 */
export function shareLine(payload: SharePayload, base: string = process.env.CUTOVER_LAB_URL || DEFAULT_SHARE_BASE): string {
  const fragment = encodeShareNode(payload);
  const encoded = fragment.length - `${SHARE_PREFIX}${SHARE_VERSION}.`.length;
  if (encoded > MAX_SHARE_ENCODED_CHARS) return `Share link: none, the scenario${payload.plan === undefined ? '' : ' and plan'} are too large for a link (${encoded} characters encoded, at most ${MAX_SHARE_ENCODED_CHARS}); share the files instead`;
  const what = ['the scenario', ...(payload.plan === undefined ? [] : ['plan']), ...(payload.seed === undefined ? [] : [`seed ${payload.seed}`])].join(', ');
  return `Open in the playground (${what}; no data, nothing runs until Load): ${base.replace(/#.*$/, '')}${fragment}`;
}
