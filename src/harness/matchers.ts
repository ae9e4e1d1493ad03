/**
 * Vitest matchers for rehearsal reports: register them once with `expect.extend(cutoverMatchers)`,
 * then `expect(report).toHaveNoLostWrites()`, `.toBeConsistent()`, `.toPassGates()`. A failure
 * names what broke: each lost write (collection, key, the write, expected against found, field by
 * field), each difference between the sides, each failing gate (step, measured against
 * threshold). Nothing here imports Vitest, so `cutover-lab/harness` does not need it; the types
 * reach `expect(…)` through an augmentation in the user's own setup file (Vitest's way, and the
 * one that works when this package is linked with its own copy of Vitest beside it):
 *
 *   import type { CutoverMatchers } from 'cutover-lab/harness';
 *   declare module 'vitest' {
 *     interface Matchers<T = any> extends CutoverMatchers<T> {}
 *   }
 */
import type { SimulationReport } from './simulate.ts';
import { formatMeasured, formatThreshold } from './plan/runbook.ts';
import { jsonSafe, REPORT_FORMAT, type JsonValue, type LostRecord, type RehearsalReport, type StepReport } from './plan/report.ts';

/** What a matcher returns to Vitest (its `SyncExpectationResult`). */
export interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
}

/** What Vitest gives a matcher as `this` that these use (a subset of its `MatcherState`). */
export interface MatcherContext {
  readonly isNot: boolean;
}

/** Lost writes, differences and gates a message lists before "and N more". */
const LISTED = 10;

/** The matchers, for `expect.extend(cutoverMatchers)`. */
export const cutoverMatchers = {
  /** Every acknowledged write reads back at the end: a rehearsal's final history check, or every run of a simulation. */
  toHaveNoLostWrites(this: MatcherContext, received: unknown): MatcherResult {
    if (isSimulation(received)) return simulationLostWrites(received);
    const report = rehearsalReport(received, 'toHaveNoLostWrites');
    const { lost, acknowledgedWrites } = report.invariants.history;
    const pass = lost.length === 0;
    return {
      pass,
      message: () =>
        pass
          ? `expected lost writes, but all ${acknowledgedWrites} acknowledged writes read back through the ${report.finalPhase} read path (${runOf(report)})`
          : `expected no lost writes, but ${lost.length} of ${acknowledgedWrites} acknowledged ${plural(lost.length, 'write is', 'writes are')} not readable through the ${report.finalPhase} read path (${runOf(report)}):\n${listed(lost.map(describeLostWrite))}`,
    };
  },

  /**
   * The sides agree and the reads held only what writes produced: the final verify is clean (when
   * old is still there to compare: after `old-dropped` there is no verify), no value no write
   * produced, no record returned twice by one read. Lost writes are `toHaveNoLostWrites`'s.
   */
  toBeConsistent(this: MatcherContext, received: unknown): MatcherResult {
    const report = rehearsalReport(received, 'toBeConsistent');
    const { verify, history } = report.invariants;
    const problems: string[] = [];
    if (verify && !verify.clean) {
      problems.push(
        `the final verify found ${verify.differing} of ${verify.records} ${plural(verify.records, 'record', 'records')} differing between old and new and ${verify.appReadMismatches} the application reads differently:\n${listed(verify.first, verify.differing + verify.appReadMismatches)}`,
      );
    }
    if (history.unexpectedCount > 0) {
      const values = history.unexpected.map((u) => `${u.collection} ${u.key}: found ${show(u.found)} (${u.where === 'final' ? 'read back at the end' : `read #${u.where}`})`);
      problems.push(`${history.unexpectedCount} ${plural(history.unexpectedCount, 'value', 'values')} no write produced:\n${listed(values, history.unexpectedCount)}`);
    }
    if (history.duplicates.length > 0) {
      problems.push(`${history.duplicates.length} ${plural(history.duplicates.length, 'record', 'records')} returned more than once by one read:\n${listed(history.duplicates.map((d) => `${d.collection} ${d.key} (${d.count} times)`))}`);
    }
    const pass = problems.length === 0;
    const checked = verify ? `a clean verify of ${verify.records} records` : `no verify (${report.finalPhase}: old is gone)`;
    return {
      pass,
      message: () => (pass ? `expected the report to be inconsistent, but it has ${checked} and every value read was one some write produced (${runOf(report)})` : `expected the report to be consistent (${runOf(report)}), but ${problems.join('\nand ')}`),
    };
  },

  /** Every step of the plan ran and every gate held (an onFail rollback that ran is still a failed gate). */
  toPassGates(this: MatcherContext, received: unknown): MatcherResult {
    const report = rehearsalReport(received, 'toPassGates');
    // In the gate's unit, as the CLI prints it: 6.67% against at most 5%, 450 ms against at most 50 ms.
    const failing = report.steps.flatMap((s) => s.gates.filter((g) => !g.held).map((g) => `${stepName(s)}: ${g.gate} measured ${formatMeasured(g)} against ${g.gate === 'verifyClean' ? 'required' : 'at most'} ${formatThreshold(g).replace(/^≤ /, '')}: ${g.why}${onFailOf(s)}`));
    const failedSteps = report.steps.filter((s) => s.status === 'failed').map((s) => `${stepName(s)} failed: ${s.problem ?? 'no reason given'}`);
    const gates = report.steps.reduce((n, s) => n + s.gates.length, 0);
    const ran = report.steps.length;
    const pass = failing.length === 0 && failedSteps.length === 0 && ran === report.plan.steps;
    const notRun = ran < report.plan.steps ? [`${report.plan.steps - ran === 1 ? `step ${ran + 1} (steps[${ran}])` : `steps ${ran + 1} to ${report.plan.steps} (steps[${ran}] to steps[${report.plan.steps - 1}])`} did not run: the plan stopped at step ${ran}`] : [];
    return {
      pass,
      message: () =>
        pass
          ? `expected a gate to fail, but all ${gates} gates of the ${ran} steps held (${runOf(report)})`
          : `expected every gate to hold (${runOf(report)}), but:\n${listed([...failing, ...failedSteps, ...notRun], failing.length + failedSteps.length + notRun.length)}`,
    };
  },
};

/** The types `expect(…)` gains once `cutoverMatchers` is registered. */
export interface CutoverMatchers<R = unknown> {
  /** Every acknowledged write reads back (a rehearsal report or a simulation report). */
  toHaveNoLostWrites(): R;
  /** The final verify is clean, no value no write produced, no record returned twice (a rehearsal report). */
  toBeConsistent(): R;
  /** Every step ran and every gate held (a rehearsal report). */
  toPassGates(): R;
}

function isSimulation(value: unknown): value is SimulationReport {
  return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === 'cutover-lab/simulation';
}

/** The received value as a rehearsal report, or a TypeError naming what was received. */
function rehearsalReport(value: unknown, matcher: string): RehearsalReport {
  if (typeof value === 'object' && value !== null && (value as { format?: unknown }).format === REPORT_FORMAT) return value as RehearsalReport;
  const format = typeof value === 'object' && value !== null ? (value as { format?: unknown }).format : undefined;
  const got = format !== undefined ? `a report of format ${JSON.stringify(format)}` : value === null ? 'null' : typeof value === 'object' ? 'an object with no "format"' : `a ${typeof value}`;
  throw new TypeError(`${matcher}() expects the report rehearse() returns${matcher === 'toHaveNoLostWrites' ? ' or the one simulate() returns' : ''}; it was given ${got}${value instanceof Promise ? ' (a promise: await rehearse(…) first)' : ''}`);
}

function simulationLostWrites(report: SimulationReport): MatcherResult {
  const { lost, totals } = report;
  const pass = lost.length === 0;
  const replay = (seed: number): string => {
    const command = report.failures.find((f) => f.seed === seed && f.invariant === 'lost-writes')?.command;
    return command ? `; replay: ${command}` : '';
  };
  const seeds = [...new Set(lost.map((l) => l.seed))];
  return {
    pass,
    message: () =>
      pass
        ? `expected lost writes, but all ${totals.acknowledgedWrites} acknowledged writes of ${totals.runs} ${plural(totals.runs, 'run', 'runs')} of ${report.scenario} read back`
        : `expected no lost writes, but ${lost.length} of ${totals.acknowledgedWrites} acknowledged writes of ${report.scenario} were lost in ${plural(seeds.length, 'seed', 'seeds')} ${seeds.join(', ')}:\n${listed(
            lost.map((l) => `seed ${l.seed}${replay(l.seed)}\n    ${describeLostWrite({ collection: l.collection, key: l.key, operation: { ...l.operation, params: jsonSafe(l.operation.params) as { readonly [key: string]: JsonValue } }, expected: jsonSafe(l.expected[0] ?? null), found: jsonSafe(l.found) })}`),
          )}`,
  };
}

/** A lost write in lines: the record, the write, and expected against found field by field. */
function describeLostWrite(l: LostRecord): string {
  const write = `${l.operation.name} #${l.operation.index} in ${l.operation.phase} ${show(l.operation.params)}`;
  return `${l.collection} ${l.key}: written by ${write}\n      ${fieldDiff(l.expected, l.found).join('\n      ')}`;
}

/** Where `found` differs from `expected`: per field when both are records, else as wholes. */
export function fieldDiff(expected: JsonValue, found: JsonValue): string[] {
  if (found === null) return [`expected ${show(expected)}`, 'found    nothing'];
  const e = fieldsOf(expected);
  const f = fieldsOf(found);
  if (!e || !f) return [`expected ${show(expected)}`, `found    ${show(found)}`];
  const fields = [...new Set([...Object.keys(e), ...Object.keys(f)])];
  const differing = fields.filter((k) => show(e[k] ?? null) !== show(f[k] ?? null));
  if (differing.length === 0) return [`expected ${show(expected)}`, `found    ${show(found)} (the same fields: the record was expected in another state)`];
  return differing.map((k) => `${k}: expected ${k in e ? show(e[k] ?? null) : '(no field)'}, found ${k in f ? show(f[k] ?? null) : '(no field)'}`);
}

/** A record's fields, or undefined for a value that is not a record (a scalar, a list, a blob). */
function fieldsOf(v: JsonValue): Readonly<Record<string, JsonValue>> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const fields = v as Readonly<Record<string, JsonValue>>;
  return Object.keys(fields).length === 1 && typeof fields.blob === 'string' ? undefined : fields;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** A step as the CLI and the JUnit report name it: counted from 1, with its index in the plan's steps. */
function stepName(s: StepReport): string {
  return `step ${s.index + 1} (steps[${s.index}], ${s.kind}${s.name ? ` "${s.name}"` : ''})`;
}

function onFailOf(s: StepReport): string {
  if (!s.onFail) return '';
  return s.onFail.status === 'done' ? `; onFail rolled back to ${s.onFail.step.to}` : `; onFail rollback to ${s.onFail.step.to} failed: ${s.onFail.problem ?? ''}`;
}

function runOf(r: RehearsalReport): string {
  return `${r.scenario}, seed ${r.settings.seed}, ${r.settings.durability}, ${r.outcome}`;
}

function listed(lines: readonly string[], total = lines.length): string {
  const shown = lines.slice(0, LISTED).map((l) => `  - ${l}`);
  if (total > shown.length) shown.push(`  … and ${total - shown.length} more`);
  return shown.join('\n');
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
