// The long simulation of issue 2's "done when": every built-in scenario, 200 seeds × 200
// operations at fault rate 0.1, in strict and in unsafe-ack-first, and one seed run twice to
// compare bytes. Prints the figures; exits 1 if strict loses anything or unsafe loses nothing.
// Usage: npm run simulate:full [-- --seeds 200 --ops 200]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '200' }, ops: { type: 'string', default: '200' }, jobs: { type: 'string', default: '2' } } });
const scenarios = ['consensus-artifacts', 'job-keys', 'session-json'];
const modes = ['strict', 'unsafe-ack-first'];

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/cutover-lab.mjs', 'simulate', ...args, '--threads', '1', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

const tasks = [];
for (const scenario of scenarios) for (const mode of modes) tasks.push({ scenario, mode, args: ['--scenario', scenario, '--seeds', values.seeds, '--ops', values.ops, '--fault-rate', '0.1', '--durability', mode] });
const results = [];
let next = 0;
const started = Date.now();
await Promise.all(
  Array.from({ length: Number(values.jobs) }, async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      const t0 = Date.now();
      const report = JSON.parse(await run(task.args));
      results.push({ ...task, report, seconds: Math.round((Date.now() - t0) / 1000) });
      console.error(`${task.scenario} ${task.mode}: done in ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  }),
);

let ok = true;
console.log(`\n${values.seeds} seeds × ${values.ops} operations, fault rate 0.1\n`);
console.log('scenario              durability          runs  operations  acked writes  lost  unexpected reads  inconsistent rows  undecided  crashes  seconds');
for (const r of results.sort((a, b) => (a.scenario + a.mode).localeCompare(b.scenario + b.mode))) {
  const t = r.report.totals;
  console.log(
    `${r.scenario.padEnd(22)}${r.mode.padEnd(20)}${String(t.runs).padStart(4)}${String(t.operations).padStart(12)}${String(t.acknowledgedWrites).padStart(14)}${String(t.lostWrites).padStart(6)}${String(t.unexpectedReads).padStart(18)}${String(t.inconsistentRows).padStart(19)}${String(t.undecided ?? 0).padStart(11)}${String(t.crashes).padStart(9)}${String(r.seconds).padStart(9)}`,
  );
  if (r.mode === 'strict' && (t.lostWrites || t.unexpectedReads || t.inconsistentRows)) ok = false;
  if (r.mode === 'unsafe-ack-first' && t.lostWrites === 0) ok = false;
}

// Determinism: one seed twice, compared byte for byte.
const args = ['--scenario', 'session-json', '--seeds', '1', '--seed-start', '42', '--ops', values.ops, '--fault-rate', '0.1', '--durability', 'strict'];
const [a, b] = [await run(args), await run(args)];
const hash = (s) => createHash('sha256').update(s).digest('hex').slice(0, 16);
console.log(`\nsame seed twice: ${a === b ? 'byte-identical' : 'DIFFERENT'} (sha256 ${hash(a)} / ${hash(b)})`);
if (a !== b) ok = false;
console.log(`total ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(ok ? 0 : 1);
