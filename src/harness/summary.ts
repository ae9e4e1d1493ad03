/** The readable summary of a simulation, for the CLI and the page. */
import type { SimulationReport } from './simulate.ts';

const n = (x: number): string => x.toLocaleString('en-US');

/** The summary `cutover-lab simulate` prints. */
export function formatSummary(r: SimulationReport): string {
  const s = r.settings;
  const t = r.totals;
  const ok = (x: number): string => (x === 0 ? '✓' : '✗');
  const lines = [
    `Cutover Lab simulation — ${r.scenario}: ${n(s.seeds)} seed${s.seeds === 1 ? '' : 's'} × ${n(s.ops)} operations, fault rate ${s.faultRate}, durability ${s.durability}${s.careless ? ', careless operator' : ''}`,
    '',
    `  runs                        ${n(t.runs).padStart(9)}`,
    `  operations                  ${n(t.operations).padStart(9)}`,
    `  acknowledged writes         ${n(t.acknowledgedWrites).padStart(9)}`,
    `  lost acknowledged writes    ${n(t.lostWrites).padStart(9)}  ${ok(t.lostWrites)}`,
    `  unexpected reads            ${n(t.unexpectedReads).padStart(9)}  ${ok(t.unexpectedReads)}`,
    `  inconsistent rows           ${n(t.inconsistentRows).padStart(9)}  ${ok(t.inconsistentRows)}  (after the final backfill, reverse-sync and verify)`,
    `  duplicates                  ${n(t.duplicates).padStart(9)}  ${ok(t.duplicates)}`,
    `  stale reads                 ${n(t.staleReads).padStart(9)}     (reads that missed a completed write; fallback reads may)`,
    `  recovered indeterminate     ${n(t.recovered).padStart(9)}     (writes cut short by a crash that turned up)`,
    ...(t.undecided > 0 ? [`  undecided records           ${n(t.undecided).padStart(9)}     (too many indeterminate writes to one record to tell a loss)`] : []),
    `  crashes                     ${n(t.crashes).padStart(9)}     (${Object.entries(r.crashPoints).filter(([, c]) => c > 0).map(([p, c]) => `${p} ${c}`).join(', ')})`,
    `  rollbacks                   ${n(t.rollbacks).padStart(9)}`,
    `  snapshots skipped           ${n(t.snapshotsSkipped).padStart(9)}     (damaged or of a newer format: recovery fell back a generation)`,
    '',
  ];
  if (r.lost.length > 0) {
    lines.push(`Lost acknowledged writes (${r.lost.length}):`);
    for (const l of r.lost.slice(0, 50)) {
      lines.push(`  seed ${l.seed}: ${l.collection} ${l.key} — ${l.operation.name} #${l.operation.index} in ${l.operation.phase} ${JSON.stringify(l.operation.params)}; read back ${l.found === null ? 'nothing' : JSON.stringify(l.found)}`);
    }
    if (r.lost.length > 50) lines.push(`  … and ${r.lost.length - 50} more (--json lists them all)`);
    lines.push('');
  }
  if (r.failures.length === 0) {
    lines.push('All invariants held.');
  } else {
    lines.push(`${r.failures.length} failure${r.failures.length === 1 ? '' : 's'}:`);
    for (const f of r.failures.slice(0, 20)) lines.push(`  seed ${f.seed}, ${f.step}: ${f.detail}`, `    replay: ${f.command}`);
    if (r.failures.length > 20) lines.push(`  … and ${r.failures.length - 20} more`);
  }
  return lines.join('\n');
}

