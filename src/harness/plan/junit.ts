/**
 * A rehearsal as JUnit XML, the report format CI systems read: a `<testsuite>` per rehearsal
 * (scenario, plan and seed in its name), a `<testcase>` per step of the plan (its time the step's
 * virtual seconds), a `<failure>` when the step failed or a gate did not hold — measured value and
 * threshold in the message, the diff (lost records, field differences) in the body — a `<skipped>`
 * for the steps after the plan stopped, and a last test case, "invariants", for the final history
 * check. Deterministic: no timestamps or host names, so the same report gives the same bytes.
 */
import type { Step } from './format.ts';
import { describeLost, type RehearsalReport, type StepReport } from './report.ts';
import { describeFigures, formatMeasured, formatThreshold, planNameOf, stepLabel, verdictSummary, type RehearsalRun } from './runbook.ts';

// eslint-disable-next-line no-control-regex -- the control characters XML 1.0 cannot carry are what this finds
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.source;
const UNSAFE_IN_ATTRIBUTE = new RegExp(`[&<>"'\\t\\n\\r]|${FORBIDDEN}`, 'g');
const UNSAFE_IN_TEXT = new RegExp(`[&<>\\r]|${FORBIDDEN}`, 'g');

/**
 * Text made safe for XML 1.0 in an attribute value (default) or between tags: the special
 * characters as entities (`&`, `<`, `>`; in an attribute the quotes too), line breaks and tabs in an
 * attribute as character references (it would fold them into spaces; between tags they stay), a
 * carriage return always (a parser turns it into a line feed), and what XML 1.0 cannot carry at
 * all — other control characters, lone surrogates, U+FFFE and U+FFFF — written visibly as `\uXXXX`.
 * `]]>` needs nothing more: its `>` is escaped.
 */
export function escapeXml(text: string, where: 'attribute' | 'text' = 'attribute'): string {
  return text.replace(where === 'attribute' ? UNSAFE_IN_ATTRIBUTE : UNSAFE_IN_TEXT, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      case '\r':
        return '&#13;';
      default:
        return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    }
  });
}

/** A JUnit classname: the plan's name without its file extension (viewers read dots as packages). */
function className(run: RehearsalRun): string {
  return planNameOf(run).replace(/\.json$/i, '');
}

/** Virtual milliseconds as JUnit's seconds. */
function time(ms: number): string {
  return (ms / 1000).toFixed(3);
}

const attrs = (values: Readonly<Record<string, string | number>>): string =>
  Object.entries(values)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');

/** The suite's name: scenario, plan and seed. */
export function suiteName(run: RehearsalRun): string {
  return `${run.report.scenario} / ${planNameOf(run)} / seed ${String(run.report.settings.seed)}`;
}

interface Case {
  readonly name: string;
  readonly time: string;
  readonly failure?: { readonly message: string; readonly type: string; readonly body: string };
  readonly skipped?: string;
  readonly out?: string;
}

/** Lost records in full, one a line: collection, key, the last acknowledged write, what was expected and found. */
function lostLines(report: RehearsalReport): string[] {
  return report.invariants.history.lost.map((l) => `  ${describeLost(l)}: expected ${JSON.stringify(l.expected)}, found ${JSON.stringify(l.found)}`);
}

function stepCase(run: RehearsalRun, index: number, step: Step, s: StepReport | undefined): Case {
  const name = stepLabel(index, step);
  if (!s) {
    const stopped = run.report.stopped;
    return { name, time: time(0), skipped: `not reached: the plan stopped at step ${(stopped?.step ?? 0) + 1}${stopped ? ` (${stopped.reason})` : ''}` };
  }
  const figures = describeFigures(s.figures);
  const out = [
    s.phaseBefore === s.phaseAfter ? `in ${s.phaseAfter}` : `phase ${s.phaseBefore} -> ${s.phaseAfter}`,
    ...(figures ? [figures] : []),
    ...s.gates.map((g) => `${g.held ? 'held' : 'FAILED'} ${g.gate}: measured ${formatMeasured(g)}, threshold ${formatThreshold(g)} — ${g.why}`),
  ].join('\n');
  const replay = run.replay ? [``, `Replay: ${run.replay}`] : [];
  if (s.status === 'failed') {
    return { name, time: time(s.figures.elapsedMs), failure: { type: 'step-failed', message: s.problem ?? `${s.kind} failed`, body: [`${name} could not do what it says: ${s.problem ?? ''}`, ...replay].join('\n') }, out };
  }
  const failed = s.gates.filter((g) => !g.held);
  if (failed.length === 0) return { name, time: time(s.figures.elapsedMs), out };
  const message = failed.map((g) => `${g.gate}: ${verdictSummary(g)}`).join('; ');
  const body: string[] = [];
  for (const g of failed) {
    body.push(`${g.gate} failed: ${verdictSummary(g)}`, `  ${g.why}`);
    if (g.gate === 'lostWrites' && run.report.invariants.history.lost.length > 0) {
      body.push(`Lost records (acknowledged, not readable through the ${run.report.finalPhase} read path at the end of the run):`, ...lostLines(run.report));
    }
    if (g.gate === 'unexpected' && run.report.invariants.history.unexpected.length > 0) {
      body.push('Values no write produced (the final history check):', ...run.report.invariants.history.unexpected.map((u) => `  ${u.collection} ${u.key}: ${JSON.stringify(u.found)}`));
    }
    if (g.gate === 'verifyClean' && Array.isArray(s.detail.first)) body.push('Differences (old vs new, field by field):', ...s.detail.first.map((d) => `  ${String(d)}`));
  }
  if (s.onFail) body.push(`onFail: rolled back to ${s.onFail.step.to}: ${s.onFail.status}${s.onFail.problem ? ` (${s.onFail.problem})` : ''}, now in ${s.onFail.phaseAfter}`);
  body.push(...replay);
  return { name, time: time(s.figures.elapsedMs), failure: { type: 'gate-failed', message, body: body.join('\n') }, out };
}

function invariantsCase(run: RehearsalRun): Case {
  const { report } = run;
  const h = report.invariants.history;
  const v = report.invariants.verify;
  const summary = [
    `history: ${h.operations} operations, ${h.acknowledgedWrites} acknowledged writes, ${h.failedWrites} failed, ${h.indeterminateWrites} indeterminate (${h.recovered} took effect), ${h.reads} reads`,
    `lost ${h.lost.length}, unexpected ${h.unexpectedCount}, duplicates ${h.duplicates.length}`,
    v ? `verify in ${report.finalPhase}: ${v.clean ? 'clean' : 'not clean'} (${v.records} records, ${v.consistent} consistent, ${v.differing} differing, ${v.appReadMismatches} read differently)` : `verify: not run (old is dropped)`,
    ...(v && v.first.length > 0 ? ['differences:', ...v.first.map((d) => `  ${d}`)] : []),
  ].join('\n');
  const failures = report.failures.filter((f) => f.what === 'invariant');
  if (failures.length === 0) return { name: 'invariants', time: time(0), out: summary };
  const body = [
    ...failures.map((f) => `${f.name}: ${f.detail}`),
    ...(h.lost.length > 0 ? ['Lost records:', ...lostLines(report)] : []),
    ...(h.unexpected.length > 0 ? ['Values no write produced:', ...h.unexpected.map((u) => `  ${u.collection} ${u.key}: ${JSON.stringify(u.found)} (${u.where === 'final' ? 'read back at the end' : `read #${u.where}`})`)] : []),
    ...(h.duplicates.length > 0 ? ['Records returned twice by one read:', ...h.duplicates.map((d) => `  ${d.collection} ${d.key} ×${d.count}`)] : []),
    ...(run.replay ? ['', `Replay: ${run.replay}`] : []),
  ];
  const message = `lost ${h.lost.length}, unexpected ${h.unexpectedCount}, duplicates ${h.duplicates.length}; each must be 0`;
  return { name: 'invariants', time: time(0), failure: { type: 'invariant', message, body: body.join('\n') }, out: summary };
}

function renderSuite(run: RehearsalRun): string {
  const { report, plan } = run;
  const cases = [...plan.steps.map((step, i) => stepCase(run, i, step, report.steps[i])), invariantsCase(run)];
  const total = report.steps.reduce((ms, s) => ms + s.figures.elapsedMs, 0);
  const lines = [
    `  <testsuite${attrs({ name: suiteName(run), tests: cases.length, failures: cases.filter((c) => c.failure).length, errors: 0, skipped: cases.filter((c) => c.skipped !== undefined).length, time: time(total) })}>`,
    '    <properties>',
    ...Object.entries({ scenario: report.scenario, plan: planNameOf(run), seed: String(report.settings.seed), durability: report.settings.durability, outcome: report.outcome, ...(run.replay ? { replay: run.replay } : {}) }).map(
      ([name, value]) => `      <property${attrs({ name, value })}/>`,
    ),
    '    </properties>',
  ];
  for (const c of cases) {
    const open = `    <testcase${attrs({ classname: className(run), name: c.name, time: c.time })}`;
    const inner = [
      ...(c.failure ? [`      <failure${attrs({ message: c.failure.message, type: c.failure.type })}>${escapeXml(c.failure.body, 'text')}</failure>`] : []),
      ...(c.skipped !== undefined ? [`      <skipped${attrs({ message: c.skipped })}/>`] : []),
      ...(c.out ? [`      <system-out>${escapeXml(c.out, 'text')}</system-out>`] : []),
    ];
    lines.push(inner.length === 0 ? `${open}/>` : `${open}>`, ...inner, ...(inner.length === 0 ? [] : ['    </testcase>']));
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

/** One or more rehearsals as a JUnit XML document: `<testsuites>` holding a `<testsuite>` per rehearsal. */
export function renderJUnit(runs: RehearsalRun | readonly RehearsalRun[]): string {
  const list: readonly RehearsalRun[] = Array.isArray(runs) ? runs : [runs as RehearsalRun];
  const suites = list.map(renderSuite);
  const count = (pick: (r: RehearsalRun) => number): number => list.reduce((n, r) => n + pick(r), 0);
  const tests = count((r) => r.plan.steps.length + 1);
  const failures = count((r) => r.report.steps.filter((s) => s.status === 'failed' || s.gates.some((g) => !g.held)).length + (r.report.failures.some((f) => f.what === 'invariant') ? 1 : 0));
  const time = count((r) => r.report.steps.reduce((ms, s) => ms + s.figures.elapsedMs, 0));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs({ name: 'cutover-lab rehearse', tests, failures, errors: 0, time: (time / 1000).toFixed(3) })}>\n${suites.join('\n')}\n</testsuites>\n`;
}
