/**
 * One writer per rehearsal across tabs, with the Web Locks API. The first tab to open a rehearsal
 * holds its lock until it closes (or dies: the browser releases a dead tab's locks); a second tab
 * opens read-only and can ask to be told when the lock is free.
 */

/** A held writer lock. */
export interface WriterLock {
  /** Lets another tab become the writer; resolves once the lock is actually free. */
  release(): Promise<void>;
}

const lockName = (rehearsalId: string): string => `cutover-lab:rehearsal:${rehearsalId}`;

function request(rehearsalId: string, options: LockOptions, locks: LockManager): Promise<WriterLock | null> {
  return new Promise((resolve, reject) => {
    let letGo!: () => void;
    const held = new Promise<void>((r) => (letGo = r));
    // `request` settles only after the lock is released, which is what `release` waits for.
    const settled: Promise<unknown> = locks.request(lockName(rehearsalId), options, (lock) => {
      if (!lock) {
        resolve(null);
        return undefined;
      }
      resolve({
        release: async () => {
          letGo();
          await settled;
        },
      });
      return held;
    });
    settled.catch(reject);
  });
}

/** Takes the writer lock of a rehearsal if no other tab holds it; resolves null otherwise. */
export function tryWriterLock(rehearsalId: string, locks: LockManager = navigator.locks): Promise<WriterLock | null> {
  return request(rehearsalId, { ifAvailable: true }, locks);
}

/** Waits for the writer lock (for a read-only tab); `signal` gives up waiting. */
export async function waitForWriterLock(rehearsalId: string, signal?: AbortSignal, locks: LockManager = navigator.locks): Promise<WriterLock> {
  const lock = await request(rehearsalId, signal ? { signal } : {}, locks);
  if (!lock) throw new Error('the writer lock was not granted');
  return lock;
}
