// `npm run test:crash:store`: the durable store alone on its own crash page (crash-harness.ts), 20
// real SIGKILL crashes per durability mode, with the figures. Beside the app trial (`npm run
// test:crash`) it earns its place: an unthrottled write stream (hundreds of acknowledgements per
// kill, against the app workload's tens), PRAGMA integrity_check of every file after recovery, and
// losses in unsafe-ack-first within a couple of kills.
import { parseArgs } from 'node:util';
import { DURABILITY_MODES, type DurabilityMode } from '../../src/engine/durability/types.ts';
import { runCrashTrial } from './crash-harness.ts';

const { values } = parseArgs({ options: { crashes: { type: 'string', default: '20' }, modes: { type: 'string', default: DURABILITY_MODES.join(',') }, verbose: { type: 'boolean', default: false } } });
let failed = false;
for (const mode of values.modes.split(',') as DurabilityMode[]) {
  const r = await runCrashTrial({ mode, crashes: Number(values.crashes), log: values.verbose ? (l) => console.error(`  ${l}`) : undefined });
  const badIntegrity = r.integrity.filter((x) => x !== 'ok').length;
  console.log(`${mode}: crashes: ${r.crashes}, acknowledged: ${r.acknowledged}, lost: ${r.lost.length}, integrity ok: ${r.integrity.length - badIntegrity}/${r.integrity.length}${r.discardedByBrowser.length ? `, discarded by Chromium: ${r.discardedByBrowser.length}` : ''}`);
  if (r.lost.length > 0) console.log(`  lost: ${r.lost.slice(0, 20).join(', ')}${r.lost.length > 20 ? ` … (${r.lost.length})` : ''}`);
  if (r.recoveryProblems.length > 0) console.log(`  recovery reported: ${r.recoveryProblems.slice(0, 3).join(' | ')}`);
  if (r.browserDataLoss.length > 0) console.log(`  Chromium discarded its IndexedDB database after a SIGKILL (not counted as lost by the engine): ${r.browserDataLoss.join(' | ')}`);
  const expectLoss = mode === 'unsafe-ack-first';
  if (badIntegrity > 0 || (expectLoss ? r.lost.length === 0 : r.lost.length > 0)) failed = true;
}
process.exit(failed ? 1 : 0);
