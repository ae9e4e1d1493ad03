// The CLI as CI runs it: rehearse the plan, write JUnit XML, and fail unless the XML is there
// and reports every step with no failure (a CI system reading it would show the same).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const junit = 'reports/rehearsal.xml';
mkdirSync('reports', { recursive: true });
const args = ['rehearse', '--scenario', 'scenario/orders-status.json', '--plan', 'plans/orders-status.json', '--seed', '1', '--junit', junit, '--markdown', 'reports/runbook.md'];
try {
  execFileSync('npx', ['--no-install', 'cutover-lab', ...args], { stdio: 'inherit' });
} catch {
  console.error(`cutover-lab ${args.join(' ')} failed: see ${junit}`);
  process.exit(1);
}
const xml = readFileSync(junit, 'utf8');
const suite = /<testsuites\b[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"[^>]*\berrors="(\d+)"/.exec(xml);
if (!suite) {
  console.error(`${junit} has no <testsuites tests="…" failures="…" errors="…">`);
  process.exit(1);
}
const [, tests, failures, errors] = suite.map(Number);
const plan = JSON.parse(readFileSync('plans/orders-status.json', 'utf8'));
if (failures !== 0 || errors !== 0 || xml.includes('<failure') || tests < plan.steps.length) {
  console.error(`${junit}: ${tests} test cases (the plan has ${plan.steps.length} steps), ${failures} failures, ${errors} errors`);
  process.exit(1);
}
console.log(`${junit}: ${tests} test cases, no failure`);
