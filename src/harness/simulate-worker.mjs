// A worker thread of `simulate --threads N`: the harness is TypeScript, so tsx compiles it on the
// fly here as bin/cutover-lab.mjs does for the CLI (a worker does not inherit the main thread's
// loader, and Vitest's transform does not reach worker threads).
import { register } from 'tsx/esm/api';

register();
await import('./simulate-worker.ts');
