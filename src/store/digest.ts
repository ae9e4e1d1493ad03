import type { Digest } from '../engine/durability/types.ts';

/** SHA-256 through WebCrypto, available in browsers, workers and Node 20. */
export const webCryptoSha256: Digest = async (bytes) => {
  const hash = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
};
