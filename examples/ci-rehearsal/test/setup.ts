// toHaveNoLostWrites, toBeConsistent and toPassGates on every expect(…), in Node and in the browser.
import { cutoverMatchers, type CutoverMatchers } from 'cutover-lab/harness';
import { expect } from 'vitest';

expect.extend(cutoverMatchers);

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type -- Vitest's own declaration, repeated exactly
  interface Matchers<T = any> extends CutoverMatchers<T> {}
}
