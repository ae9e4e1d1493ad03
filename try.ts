import { loadNodeSqlEngine } from './src/harness/node-sql.ts';
import { validateScenario, formatProblems } from './src/engine/scenario/validate.ts';
import { simulate } from './src/harness/simulate.ts';
import { BUILT_IN_SCENARIOS } from './src/scenarios/index.ts';
const sql = await loadNodeSqlEngine();
const v = validateScenario(BUILT_IN_SCENARIOS[process.argv[2]!], sql);
if (!v.ok) { console.log(formatProblems(v.problems)); process.exit(1); }
const t = Date.now();
const report = await simulate({ scenario: v.scenario, sql, seeds: Number(process.argv[3] ?? 3), seedStart: Number(process.argv[5] ?? 1), ops: 200, faultRate: 0.1, durability: (process.argv[4] ?? 'strict') as any });
console.log(JSON.stringify({ totals: report.totals, crashPoints: report.crashPoints, failures: report.failures.slice(0, 3), lost: report.lost.slice(0,2) }, null, 1));
for (const r of report.runs) if (r.log) { console.log(r.log.slice(-40).join('\n')); break; }
console.log('ms', Date.now() - t);
