/**
 * Waiting for a condition, without Vitest: the driving helpers run inside Vitest tests and in the
 * `npm run test:crash` script alike, and `expect.poll` works only inside a test. Like
 * `expect.poll`, `poll` calls its function again and again (every `intervalMs`) until the value
 * satisfies the condition, and fails with the last value seen when time is up.
 */

export interface PollOptions {
  readonly timeout?: number;
  /** Time between two calls (50 ms, as expect.poll). */
  readonly intervalMs?: number;
  /** What is waited for, for the error. */
  readonly message?: string;
}

/** Resolves with the first value of `fn` that satisfies `condition`; rejects with the last one seen after `timeout` (5 s). */
export async function poll<T>(fn: () => Promise<T> | T, condition: (value: T) => boolean, options: PollOptions = {}): Promise<T> {
  const timeout = options.timeout ?? 5000;
  const interval = options.intervalMs ?? 50;
  const deadline = Date.now() + timeout;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await fn();
      if (condition(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) break;
    // The interval between two looks at the condition, not a wait for anything.
    await new Promise((ok) => setTimeout(ok, interval));
  }
  const seen = last === undefined ? 'nothing' : 'error' in last ? `an error: ${(last.error as Error)?.message ?? String(last.error)}` : JSON.stringify(last.value)?.slice(0, 500);
  throw new Error(`${options.message ?? 'condition'} not met within ${timeout} ms; last saw ${seen}`, { cause: last && 'error' in last ? last.error : undefined });
}
