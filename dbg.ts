import { loadNodeSqlEngine } from './src/harness/node-sql.ts';
import { simulate } from './src/harness/simulate.ts';
import { BUILT_IN_SCENARIOS } from './src/scenarios/index.ts';
import { Rehearsal } from './src/engine/rehearsal.ts';
const sql = await loadNodeSqlEngine();
// monkeypatch verify to print discrepancies
const orig = Rehearsal.prototype.verify;
let printed = 0;
Rehearsal.prototype.verify = async function () { const r = await orig.call(this); if (r.discrepancyCount && printed++ < 2) { console.log(JSON.stringify(r.discrepancies, null, 1)); for (const side of ['old','new'] as const) { const k = JSON.parse(r.discrepancies[0]!.key)[0]; console.log(side, JSON.stringify(this.database(side).query(`select * from __cutover_versions_${side} where record_key like '%${k}%'`))); } } return r; };
await simulate({ scenario: BUILT_IN_SCENARIOS['session-json']!, sql, seeds: 1, seedStart: 1, ops: 200, faultRate: 0.1, durability: 'strict' });
