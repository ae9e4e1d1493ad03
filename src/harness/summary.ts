/**
 * The readable summary of a simulation, for the CLI and the page. A database NULL reads `NULL`
 * everywhere in it, as in the guards' messages (text quoted, blobs as hex); long reasons are
 * wrapped onto lines, never cut.
 */
import { valueWords } from '../engine/checks/consistency.ts';
import { sqlValueToJson, type SqlValue } from '../engine/sql.ts';
import type { AppReadDiagnostic, AppReadDiagnostics, DifferenceDiagnostic, FieldMismatch, JsonState, LostDiagnostic, ValueDiagnostic } from './diagnostics.ts';
import type { RunReport, SimulationReport } from './simulate.ts';

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
    `  operations                  ${n(t.operations).padStart(9)}     (every one in the histories: seed data, the workload, the operator's reads for the shadow gate)`,
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
  if (r.warnings && r.warnings.length > 0) {
    lines.push(`Warnings of the moves made (${r.warnings.length}, each once; the guards allowed the moves):`);
    for (const w of r.warnings) lines.push(...wrap(`to ${w.to}, in ${plural(w.runs, 'run')}: ${w.warning}`, '  '));
    lines.push('');
  }
  if (r.lost.length > 0) {
    lines.push(`Lost acknowledged writes (${r.lost.length}):`);
    for (const l of r.lost.slice(0, 50)) {
      lines.push(`  seed ${l.seed}: ${l.collection} ${l.key} — ${l.operation.name} #${l.operation.index} in ${l.operation.phase} ${sqlWords(l.operation.params)}; read back ${l.found === null ? 'nothing' : sqlWords(l.found)}`);
    }
    if (r.lost.length > 50) lines.push(`  … and ${r.lost.length - 50} more (--json lists them all)`);
    lines.push('');
  }
  const endedEarly = r.runs.filter((run) => run.endedIn && run.failures.length === 0);
  if (endedEarly.length > 0) {
    lines.push(`Runs that did not reach old-dropped (${endedEarly.length}):`);
    for (const run of endedEarly.slice(0, 20)) {
      lines.push(`  seed ${run.seed} ${run.endedIn?.detail ?? ''}${run.endedIn?.refused ? ':' : ''}`, ...reasonLines(run, '    '));
      if (run.diagnostics?.appReads) lines.push(...appReadLines(run.diagnostics.appReads, '    '));
    }
    if (endedEarly.length > 20) lines.push(`  … and ${endedEarly.length - 20} more`);
    lines.push('');
  }
  const failing = r.runs.filter((run) => run.failures.length > 0);
  for (const run of failing.slice(0, 20)) lines.push(...formatRunDiagnostics(run), '');
  if (failing.length > 20) lines.push(`… and ${failing.length - 20} more failing seeds (--json has each one's diagnostics)`, '');
  if (r.failures.length === 0) {
    lines.push('All invariants held.');
  } else {
    lines.push(`${r.failures.length} failure${r.failures.length === 1 ? '' : 's'}:`);
    for (const f of r.failures.slice(0, 20)) lines.push(`  seed ${f.seed}, ${f.step}: ${f.detail}`, `    replay: ${f.command}`);
    if (r.failures.length > 20) lines.push(`  … and ${r.failures.length - 20} more`);
  }
  return lines.join('\n');
}


/** A reported value in words (text quoted, NULL, a blob as hex): the same text for the same value everywhere. */
const v = valueWords;

/** A record or parameters as JSON with each value in words: `{"sku":"sku-1","note":NULL}`. */
function jsonWords(fields: Readonly<Record<string, ReturnType<typeof sqlValueToJson>>>): string {
  return `{${Object.entries(fields)
    .map(([k, x]) => `${JSON.stringify(k)}:${valueWords(x)}`)
    .join(',')}}`;
}

/** Database values (a record read back, an operation's parameters) in words. */
function sqlWords(fields: Readonly<Record<string, SqlValue>>): string {
  return jsonWords(Object.fromEntries(Object.entries(fields).map(([k, x]) => [k, sqlValueToJson(x)])));
}

const plural = (count: number, word: string): string => `${n(count)} ${word}${count === 1 ? '' : 's'}`;

function record(state: JsonState): string {
  return state === null ? 'no record' : jsonWords(state);
}

function fieldText(f: FieldMismatch): string {
  return `${f.field} ${v(f.read)}, the history allows ${f.allowed.length === 0 ? 'no value' : f.allowed.map(v).join(' or ')}`;
}

function valueLine(d: ValueDiagnostic): string {
  const where = d.where === 'final' ? 'final read' : `read #${d.where.index} ${d.where.operation} in ${d.where.phase}`;
  const what =
    d.fields.length > 0
      ? d.fields.map(fieldText).join('; ')
      : d.allowed.every((s) => s === null)
        ? `read ${record(d.read)}; no write made this record`
        : `read ${record(d.read)}; the history allows ${d.allowed.map(record).join(' or ')}`;
  return `${d.collection} ${d.key}, ${where}: ${what}`;
}

function lostLine(d: LostDiagnostic): string {
  const what = d.fields.length > 0 ? d.fields.map(fieldText).join('; ') : `read back ${d.read === null ? 'nothing' : record(d.read)}; the history allows ${d.allowed.map(record).join(' or ')}`;
  return `${d.collection} ${d.key} (${d.operation.name} #${d.operation.index} in ${d.operation.phase}): ${what}`;
}

function differenceLine(d: DifferenceDiagnostic): string {
  if (d.kind !== 'inconsistent') return `${d.collection} ${d.key} ${d.kind}: ${record(d.record ?? null)}`;
  const versions = d.newer === 'unknown' ? 'equal versions' : `newer in ${d.newer}`;
  return `${d.collection} ${d.key} inconsistent, ${versions}: ${d.fields.map((f) => `${f.field} old ${v(f.old)}, new ${v(f.new)}`).join('; ')}`;
}

function appReadLine(d: AppReadDiagnostic): string {
  const versions = d.newer === 'unknown' ? 'equal versions' : `newer in ${d.newer}`;
  const what = d.onlyIn ? `only ${d.onlyIn}'s read returns it` : d.fields.map((f) => `${f.field} old ${v(f.old)}, new ${v(f.new)}`).join('; ');
  return `${d.collection} ${d.key} through ${d.read}, ${versions}: ${what}`;
}

/** Where a verify's report comes from, as a reader says it. */
const stepWords = (step: string): string => (step === 'final verify' ? 'the final repair' : step);

/** The records the application's own reads return differently, with their total. */
function appReadLines(x: AppReadDiagnostics, indent: string): string[] {
  const newer = x.newerInNew > 0 ? `, ${n(x.newerInNew)} of them newer in new` : '';
  return [
    `${indent}records the application reads differently after ${stepWords(x.step)} (${n(x.total)}${newer}, by verify's check reads):`,
    ...x.first.map((f) => `${indent}  ${appReadLine(f)}`),
    ...(x.total > x.first.length ? [`${indent}  … and ${n(x.total - x.first.length)} more`] : []),
  ];
}

/** Width the text wraps long lines at. */
const WRAP_COLUMNS = 110;

/** `text` on lines of at most `WRAP_COLUMNS` (a longer word stays whole), the first at `indent`, the rest 2 further in. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > WRAP_COLUMNS) {
      lines.push(line);
      line = `${indent}  ${word}`;
    } else {
      line += empty ? word : ` ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** The reasons of a run's last refused move, each whole, wrapped. */
function reasonLines(run: RunReport, indent: string): string[] {
  return (run.endedIn?.refused?.reasons ?? []).flatMap((reason) => wrap(reason, indent));
}

/** What one failing seed lists: where it ended, its unexpected values, its lost writes, the records that differ. */
export function formatRunDiagnostics(run: RunReport): string[] {
  const lines = [`Seed ${run.seed}${run.endedIn ? ` — ${run.endedIn.detail}` : ''}`];
  if (run.endedIn?.refused) lines.push('  the last refusal said:', ...reasonLines(run, '    '));
  const d = run.diagnostics;
  const more = (total: number, shown: number): string[] => (total > shown ? [`    … and ${n(total - shown)} more`] : []);
  if (d?.unexpected) {
    // The list shows each record and value once; the count is every read that returned one.
    lines.push(`  unexpected values: ${plural(d.unexpected.total, 'read')} returned a value no write produced${d.unexpected.total > d.unexpected.first.length ? `; the first ${d.unexpected.first.length === 1 ? '' : `${d.unexpected.first.length} `}records` : ''}:`, ...d.unexpected.first.map((u) => `    ${valueLine(u)}`));
  }
  if (d?.lost) lines.push(`  lost acknowledged writes (${n(d.lost.total)}):`, ...d.lost.first.map((l) => `    ${lostLine(l)}`), ...more(d.lost.total, d.lost.first.length));
  if (d?.differences) {
    const x = d.differences;
    const kinds = Object.entries(x.byKind).map(([kind, count]) => `${kind} ${n(count)}`);
    if (x.equalVersions > 0) kinds.push(`with equal versions ${n(x.equalVersions)}`);
    if (x.duplicateKeys) kinds.push(`duplicate keys ${n(x.duplicateKeys)}`);
    lines.push(`  records that differ after ${stepWords(x.step)} (${n(x.total)}: ${kinds.join(', ')}):`, ...x.first.map((f) => `    ${differenceLine(f)}`), ...more(x.total, x.first.length));
  }
  if (d?.appReads) lines.push(...appReadLines(d.appReads, '  '));
  if (!d) lines.push(...run.failures.map((f) => `  ${f.step}: ${f.detail}`));
  return lines;
}
