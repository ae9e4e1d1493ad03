// A first page over the engine: pick a built-in scenario and run its simulation in this tab.
// The full playground (phases, workload, faults, live figures) builds on the same engine.
import { simulate } from './harness/simulate.ts';
import { formatSummary } from './harness/summary.ts';
import { BUILT_IN_SCENARIOS } from './scenarios/index.ts';
import { loadBrowserSqlEngine } from './store/browser-sql.ts';
import type { DurabilityMode } from './engine/durability/types.ts';

const select = document.querySelector<HTMLSelectElement>('#scenario');
const durability = document.querySelector<HTMLSelectElement>('#durability');
const form = document.querySelector<HTMLFormElement>('#simulate');
const output = document.querySelector<HTMLPreElement>('#output');
const about = document.querySelector<HTMLParagraphElement>('#about');
if (!select || !durability || !form || !output || !about) throw new Error('page markup is missing');

for (const s of Object.values(BUILT_IN_SCENARIOS)) select.append(new Option(s.title, s.id));
const describe = () => (about.textContent = BUILT_IN_SCENARIOS[select.value]?.summary ?? '');
select.addEventListener('change', describe);
describe();

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const scenario = BUILT_IN_SCENARIOS[select.value];
  if (!scenario) return;
  output.textContent = 'Running…';
  void (async () => {
    const sql = await loadBrowserSqlEngine();
    const report = await simulate({ scenario, sql, seeds: 3, ops: 150, faultRate: 0.1, durability: durability.value as DurabilityMode, onRun: (_run, done) => (output.textContent = `Running… seed ${done} of 3`) });
    // textContent, never innerHTML: everything shown comes from data.
    output.textContent = formatSummary(report);
  })().catch((error: unknown) => {
    output.textContent = `The simulation failed: ${error instanceof Error ? error.message : String(error)}`;
  });
});
