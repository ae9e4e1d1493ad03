#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so that `npx cutover-lab` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/harness/cli.ts');
process.exitCode = await main(process.argv.slice(2));
