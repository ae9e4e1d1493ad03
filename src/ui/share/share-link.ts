/**
 * Share links in the page: `encodeShare` compresses a scenario (with an optional plan and seed,
 * never data) with the browser's CompressionStream into `#share=v1.<base64url>`; `decodeShare`
 * reads one back, refusing before anything is decoded a wrong version or an oversized link, and
 * stopping decompression the moment it passes its cap (a bomb never expands fully). Its JSON is
 * checked for unknown keys and `__proto__` (src/engine/share-format.ts, shared with the CLI's
 * encoder); the scenario and plan are validated afterwards by the engine (`EngineApi.validateScenario`).
 * Pure: browser APIs only, no DOM.
 */
import {
  fragmentBytes,
  MAX_SHARE_DECODED_BYTES,
  notDeflateReason,
  parseShareJson,
  shareFragment,
  shareJson,
  SHARE_PREFIX,
  tooLargeReason,
  type ShareDecoding,
  type SharePayload,
} from '../../worker/protocol.ts';

export type { ShareDecoding, SharePayload };
export { SHARE_PREFIX };

/** The fragment (`#share=v1.…`) of a scenario, with its plan and seed when given. */
export async function encodeShare(payload: SharePayload): Promise<string> {
  const json = new TextEncoder().encode(shareJson(payload));
  const compressed = await collect(streamOf(json).pipeThrough(new CompressionStream('deflate-raw')), Number.POSITIVE_INFINITY);
  if (!compressed.ok) throw new Error('compression failed');
  return shareFragment(compressed.value);
}

/** A fragment's payload, or why it is refused (a message saying what to do). Nothing in it runs. */
export async function decodeShare(fragment: string): Promise<ShareDecoding<SharePayload>> {
  const bytes = fragmentBytes(fragment);
  if (!bytes.ok) return bytes;
  const inflated = await collect(streamOf(bytes.value).pipeThrough(new DecompressionStream('deflate-raw')), MAX_SHARE_DECODED_BYTES);
  if (!inflated.ok) return inflated;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.value);
  } catch {
    return { ok: false, reason: 'the share link does not hold UTF-8 text: copy the whole link again' };
  }
  return parseShareJson(text);
}

/** Whether a location hash is a share link (any version: a wrong one gets its message). */
export function isShareFragment(hash: string): boolean {
  return hash.startsWith(SHARE_PREFIX);
}

/**
 * Compressed bytes fed in small pieces, one each time the reader pulls: deflate expands a byte
 * to at most about 1,032, so a piece expands to a few hundred KiB at worst before the cap stops
 * the stream — the rest of a bomb is never fed to the decompressor.
 */
const PIECE_BYTES = 256;

function streamOf(bytes: Uint8Array): ReadableStream<BufferSource> {
  let at = 0;
  return new ReadableStream<BufferSource>(
    {
      pull(controller) {
        if (at >= bytes.byteLength) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(at, at + PIECE_BYTES));
        at += PIECE_BYTES;
      },
    },
    { highWaterMark: 0 },
  );
}

/** Reads a stream to its end, counting bytes as they come; past `cap` it cancels the stream. */
async function collect(stream: ReadableStream<Uint8Array>, cap: number): Promise<ShareDecoding<Uint8Array>> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, reason: tooLargeReason() };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, reason: notDeflateReason() };
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, value: out };
}
