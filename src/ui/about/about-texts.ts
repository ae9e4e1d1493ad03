/** Words and figures of the About panel: byte sizes, the quota share, what a durability mode means. */
import type { DurabilityMode } from '../../worker/protocol.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** Bytes in MiB below 1 GiB, in GiB from there: `0.25 MiB`, `12.3 MiB`, `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  const mib = bytes / MIB;
  return `${mib.toFixed(mib < 10 ? 2 : 1)} MiB`;
}

/** `usage` as a share of `quota`: `12.5 %`, `< 0.1 %` for a small non-zero share, `0 %`. */
export function formatShare(usage: number, quota: number): string {
  if (quota <= 0) return 'unknown';
  const percent = (usage / quota) * 100;
  if (percent === 0) return '0 %';
  if (percent < 0.1) return '< 0.1 %';
  return `${percent.toFixed(1)} %`;
}

/** What each durability mode means for a write the playground acknowledges. */
export const DURABILITY_MEANING: Readonly<Record<DurabilityMode, string>> = {
  strict: 'each change is stored in IndexedDB before it is acknowledged: a crash loses nothing acknowledged',
  group: 'changes are stored in batches and each is acknowledged when its batch is stored: a crash loses nothing acknowledged, and writes wait for their batch',
  'unsafe-ack-first': 'each change is acknowledged at once and stored a moment later: a crash in between loses acknowledged writes, and the history checker finds them',
};

/** Where the limits and the storage-full messages are documented (the app is served alone: no link to follow). */
export const LIMITS_DOC = 'docs/limits.md in the Cutover Lab repository';
