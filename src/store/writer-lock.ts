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

/**
 * The page lock of a rehearsal: held by the page (main thread) of the tab that writes it, for as
 * long as that page writes it. The writer lock lives in the engine's worker and is released for a
 * moment whenever the engine restarts (Crash now, a crash fault, the watchdog); the page lock is
 * released only when the page goes away or opens something else. A read-only tab waits on this
 * one, so it takes over when the writing tab closes, not when that tab's engine restarts.
 * Resolves once granted; `signal` gives up waiting.
 */
export async function pageLock(rehearsalId: string, signal?: AbortSignal, locks: LockManager = navigator.locks): Promise<WriterLock> {
  const lock = await request(`cutover-lab:page:${rehearsalId}`, signal ? { signal } : {}, locks);
  if (!lock) throw new Error('the page lock was not granted');
  return lock;
}

/** Waits for the writer lock (for a read-only tab); `signal` gives up waiting. */
export async function waitForWriterLock(rehearsalId: string, signal?: AbortSignal, locks: LockManager = navigator.locks): Promise<WriterLock> {
  const lock = await request(rehearsalId, signal ? { signal } : {}, locks);
  if (!lock) throw new Error('the writer lock was not granted');
  return lock;
}
