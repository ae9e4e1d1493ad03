/** Exhaustiveness check for closed unions: a `switch` that forgets a member fails to compile, and throws if reached at run time. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
