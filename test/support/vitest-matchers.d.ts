// The harness's matchers on expect(…) in this repository's tests, as a user declares them in theirs.
import type { CutoverMatchers } from '../../src/harness/matchers.ts';

declare module 'vitest' {
  // The type parameter must repeat Vitest's declaration exactly, `any` included.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends CutoverMatchers<T> {}
}
