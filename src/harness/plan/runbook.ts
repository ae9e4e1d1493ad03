/**
 * A rehearsal rendered as a cut-over runbook in Markdown: each step of the plan in words, its gate
 * with the thresholds and what the run measured, and the rollback path from where the step leaves
 * the migration, with the hazards the engine's rollback plan names for it and the remedies to run
 * first. Something to paste into a pull request. Also the wording of steps, gates and figures the
 * CLI and the JUnit report share.
 */
import { assertNever } from '../../engine/assert-never.ts';
import type { ConsistencyReport } from '../../engine/checks/consistency.ts';
import type { FaultSpec } from '../../engine/faults.ts';
import { planRollback, type RollbackFacts } from '../../engine/guards.ts';
import { PHASES, phaseIndex, routeOf, type Phase } from '../../engine/phases.ts';
import type { Hazard } from '../../engine/results.ts';
import { resolveSettings, type Scenario, type Side } from '../../engine/scenario/format.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import type { Gate, Plan, Step } from './format.ts';
import { percent, type GateVerdict, type JsonValue, type RehearsalReport, type StepFigures, type StepReport } from './report.ts';

/** One rehearsal as the renderers take it: the report, and the plan it ran (the report has only its steps' kinds and names). */
export interface RehearsalRun {
  readonly report: RehearsalReport;
  readonly plan: Plan;
  /** What the plan is called (its file name); its title, or "plan", when absent. */
  readonly planName?: string;
  /** The command that replays the run, shown with a failure (`npx cutover-lab rehearse …`). */
  readonly replay?: string;
  /** The scenario it ran on, for the routes of its phases (`writeAuthorityInReadNew`); a built-in is found by the report's id. */
  readonly scenario?: Scenario;
}

/** The plan's name in reports: the given name, its title, or "plan". */
export function planNameOf(run: Pick<RehearsalRun, 'plan' | 'planName'>): string {
  return run.planName ?? run.plan.title ?? 'plan';
}

/** What a step does, in words: `move to read-new`, `workload: 60 operations`, `crash armed at between-writes`. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'move':
      return `move to ${step.to}${step.force ? ' (forced past the guards)' : ''}${step.acceptDataLoss ? ' (accepting the data loss)' : ''}`;
    case 'rollback':
      return `roll back to ${step.to}${step.remedies === false ? ' without remedies' : ''}${step.acceptHazards ? ' accepting the hazards' : ''}`;
    case 'workload': {
      const amount = step.operations !== undefined ? `${step.operations} operations` : `${seconds(step.durationMs ?? 0)} of virtual time`;
      const rate = step.rate !== undefined ? ` at ${step.rate}/s` : '';
      const mix = step.mix ? ` (mix ${Object.entries(step.mix).map(([name, weight]) => `${name} ${weight}`).join(', ')})` : '';
      return `workload: ${amount}${rate}${mix}`;
    }
    case 'arm-faults':
      return `arm faults: ${step.faults.map(describeFault).join('; ')}`;
    case 'clear-faults':
      return 'clear faults';
    case 'crash':
      return step.at ? `crash armed at ${step.at}` : 'crash now';
    case 'backfill':
    case 'reverse-sync': {
      const how = [
        ...(step.batchSize !== undefined ? [`batches of ${step.batchSize}`] : []),
        ...(step.delayMs ? [`${step.delayMs} ms apart`] : []),
        ...(step.operationsBetweenBatches ? [`${step.operationsBetweenBatches} operations between batches`] : []),
      ];
      return `${step.kind}${how.length > 0 ? ` (${how.join(', ')})` : ''}`;
    }
    case 'verify':
      return 'verify';
    case 'restore-backup':
      return 'restore the backup';
    default:
      return assertNever(step, 'step');
  }
}

/** A fault in words: `write-error on new, rate 0.1`. */
export function describeFault(f: FaultSpec): string {
  const parts = [
    ...(f.side ? [`on ${f.side}`] : []),
    ...(f.operation ? [`in ${f.operation}`] : []),
    ...(f.point ? [`at ${f.point}`] : []),
    ...(f.times !== undefined ? [`${f.times} times`] : []),
    ...(f.latencyMs !== undefined ? [`+${f.latencyMs} ms`] : []),
    ...(f.corruption ? [f.corruption] : []),
    ...(f.rate !== undefined ? [`rate ${f.rate}`] : []),
    ...(f.once ? ['once'] : []),
  ];
  return `${f.kind}${parts.length > 0 ? ` ${parts.join(', ')}` : ''}`;
}

/** A step's label: `step 3: move to read-new — day 5: read-path migration` (numbered from 1; the plan's `steps[2]`). */
export function stepLabel(index: number, step: Step): string {
  return `step ${index + 1}: ${describeStep(step)}${step.name ? ` — ${step.name}` : ''}`;
}

/** A gate's thresholds in words, one per gate, as the plan writes them (for a step that did not run). */
export function describeGate(gate: Gate): string[] {
  const out: string[] = [];
  const over = (min: number | undefined, what: string): string => (min ? ` over at least ${min} ${what}` : '');
  if (gate.mismatchRate) out.push(`mismatchRate ≤ ${percent(gate.mismatchRate.max)}${over(gate.mismatchRate.minReads, 'shadow reads')}`);
  if (gate.fallbackRate) {
    const reason = gate.fallbackRate.reason === 'empty' ? ' (new had no rows)' : gate.fallbackRate.reason === 'error' ? ' (new failed)' : '';
    out.push(`fallbackRate${reason} ≤ ${percent(gate.fallbackRate.max)}${over(gate.fallbackRate.minReads, 'reads')}`);
  }
  if (gate.errorRate) out.push(`errorRate ≤ ${percent(gate.errorRate.max)}`);
  if (gate.lostWrites) out.push(`lostWrites ≤ ${gate.lostWrites.max}`);
  if (gate.unexpected) out.push(`unexpected ≤ ${gate.unexpected.max}`);
  if (gate.verifyClean) out.push('verifyClean');
  if (gate.p99Ms?.old !== undefined) out.push(`p99Ms.old ≤ ${gate.p99Ms.old} ms`);
  if (gate.p99Ms?.new !== undefined) out.push(`p99Ms.new ≤ ${gate.p99Ms.new} ms`);
  return out;
}

/** What a verdict measured, in its gate's unit: `1.2%`, `3`, `18.4 ms`, `clean`; `n/a` when nothing could be. */
export function formatMeasured(v: GateVerdict): string {
  if (v.measured === null) return 'n/a';
  if (typeof v.measured === 'boolean') return v.measured ? 'clean' : 'not clean';
  switch (v.gate) {
    case 'mismatchRate':
    case 'fallbackRate':
    case 'errorRate':
      return percent(v.measured);
    case 'p99Ms':
    case 'p99Ms.old':
    case 'p99Ms.new':
      return `${v.measured} ms`;
    case 'lostWrites':
    case 'unexpected':
    case 'verifyClean':
      return String(v.measured);
    default:
      return assertNever(v.gate, 'gate');
  }
}

/** What a verdict allows: `≤ 1%`, `≤ 0`, `clean`, `≤ 33 ms`. */
export function formatThreshold(v: GateVerdict): string {
  if (typeof v.threshold === 'boolean') return 'clean';
  switch (v.gate) {
    case 'mismatchRate':
    case 'fallbackRate':
    case 'errorRate':
      return `≤ ${percent(v.threshold)}`;
    case 'p99Ms':
    case 'p99Ms.old':
    case 'p99Ms.new':
      return `≤ ${v.threshold} ms`;
    case 'lostWrites':
    case 'unexpected':
    case 'verifyClean':
      return `≤ ${v.threshold}`;
    default:
      return assertNever(v.gate, 'gate');
  }
}

/**
 * A failed verdict in one line, for the CLI's last lines, the runbook's "What failed" and JUnit's
 * `<failure message>`: `measured 3.1%, threshold ≤ 1%`; a rate gate that failed for too few reads
 * says so first (`only 40 shadow reads; at least 100 needed (measured 0%, threshold ≤ 0%)`), as its
 * figures alone would read like a gate that held.
 */
export function verdictSummary(v: GateVerdict): string {
  const figures = `measured ${formatMeasured(v)}, threshold ${formatThreshold(v)}`;
  return v.tooFew ? `only ${v.tooFew.count} ${v.tooFew.of}; at least ${v.tooFew.needed} needed (${figures})` : figures;
}

/** A step's operations in one line: `60 operations (40 reads, 20 writes: 20 acknowledged, 0 failed); …`; null when it ran none. */
export function describeFigures(f: StepFigures): string | null {
  if (f.operations === 0 && f.crashes === 0) return null;
  // A crash step runs no operation: its crash alone, not "0 operations (0 reads, …)".
  const parts = f.operations === 0 ? [] : [`${f.operations} operations (${f.reads} reads, ${f.writes} writes: ${f.acknowledged} acknowledged, ${f.failed} failed${f.indeterminate > 0 ? `, ${f.indeterminate} cut short by a crash` : ''})`];
  if (f.fallbacks > 0) parts.push(`${f.fallbacks} fallback${f.fallbacks === 1 ? '' : 's'} (${f.fallbacksOnEmpty} new had no rows, ${f.fallbacksOnError} new failed)`);
  if (f.shadowReads > 0) parts.push(`${f.shadowReads} shadow reads, ${f.mismatches} mismatched`);
  const p99 = (['old', 'new'] as const).filter((s) => f.p99Ms[s] !== null).map((s) => `${s} ${String(f.p99Ms[s])} ms`);
  if (p99.length > 0) parts.push(`p99 ${p99.join(', ')}`);
  if (f.crashes > 0) parts.push(`${f.crashes} crash${f.crashes === 1 ? '' : 'es'} (and recover${f.crashes === 1 ? 'y' : 'ies'} from durable state)`);
  return parts.join('; ');
}

/** What a step did beyond its operations, in words (the copy's totals, the verify's, the move's warnings), or null. */
export function describeDetail(s: StepReport): string | null {
  const d = s.detail;
  const n = (k: string): number => (typeof d[k] === 'number' ? d[k] : 0);
  switch (s.kind) {
    case 'backfill':
    case 'reverse-sync':
      return typeof d.status === 'string' ? `${d.status}: ${n('processed')} records processed, ${n('copied')} copied, ${n('skipped')} skipped, ${n('removed')} removed` : null;
    case 'verify':
      return typeof d.records === 'number' ? `${n('records')} records, ${n('consistent')} consistent, ${n('differing')} differing, ${n('appReadMismatches')} read differently by the application` : null;
    case 'move': {
      const warnings = Array.isArray(d.warnings) ? d.warnings.map(String) : [];
      const reasons = s.status === 'done' && Array.isArray(d.reasons) ? d.reasons.map(String) : [];
      return [...reasons.map((r) => `overrode: ${r}`), ...warnings.map((w) => `warning: ${w}`)].join('; ') || null;
    }
    case 'rollback':
      return Array.isArray(d.remediesRun) && d.remediesRun.length > 0 ? `remedies run first: ${d.remediesRun.map(String).join(', ')}` : null;
    case 'workload':
    case 'arm-faults':
    case 'clear-faults':
    case 'crash':
    case 'restore-backup':
      return null;
    default:
      return assertNever(s.kind, 'step');
  }
}

/** One thing a rollback from a phase runs into, as the engine's rollback plan names it. */
export interface RollbackHazard {
  readonly kind: Hazard['kind'];
  readonly severity: Hazard['severity'];
  readonly remedy: Hazard['remedy'];
  /** What goes wrong, in words for this route. */
  readonly what: string;
}

/** A rollback from one phase to an earlier one: the remedies to run first, in order, and the hazards. */
export interface RollbackRoute {
  readonly from: Phase;
  readonly to: Phase;
  /** Actions to run before the move (`restore-backup`, `reverse-sync`) so that no acknowledged write becomes unreadable. */
  readonly first: readonly ('restore-backup' | 'reverse-sync')[];
  readonly hazards: readonly RollbackHazard[];
}

/**
 * The rollback from `from` to `to` as the engine plans it, for a migration where every hazard that
 * can arise has (the engine counts them on the data; a runbook is written before): the engine's
 * `planRollback` on facts with one record of each kind, so the kinds, severities and remedies are the
 * engine's own. From `old-dropped` the backup is restored first (the phase becomes `new-only`).
 */
export function rollbackRoute(from: Phase, to: Phase, settings: { readonly writeAuthorityInReadNew: Side }): RollbackRoute {
  if (phaseIndex(to) >= phaseIndex(from)) throw new Error(`cannot roll back from "${from}" to "${to}": it is not an earlier phase`);
  const first: ('restore-backup' | 'reverse-sync')[] = [];
  const hazards: RollbackHazard[] = [];
  let at = from;
  if (from === 'old-dropped') {
    for (const h of planRollback(from, to, { recordsSinceDrop: 1 }, settings).hazards) hazards.push(hazardOf(h, from, to, settings));
    first.push('restore-backup');
    at = 'new-only';
  }
  if (at !== to) {
    for (const h of planRollback(at, to, everyHazard, settings).hazards) {
      hazards.push(hazardOf(h, at, to, settings));
      if (h.severity === 'data' && h.remedy === 'reverse-sync' && !first.includes('reverse-sync')) first.push('reverse-sync');
    }
  }
  // Records written to new since the drop are only in new: reverse-sync them after restoring.
  if (from === 'old-dropped' && !first.includes('reverse-sync') && routeOf(to, settings).reads === 'old') first.push('reverse-sync');
  return { from, to, first, hazards };
}

/** Facts under which every rollback hazard from a phase before `old-dropped` shows: one record newer in new, one record in new. */
const everyHazard: RollbackFacts = {
  report: {
    labels: { old: 'old', new: 'new' },
    collections: [{ collection: '*', total: 1, consistent: 0, inconsistent: 1, oldOnly: 0, newOnly: 0, deletedInNew: 0, deletedInOld: 0, newerInOld: 0, newerInNew: 1 }],
    totals: { total: 1, consistent: 0, inconsistent: 1, oldOnly: 0, newOnly: 0, deletedInNew: 0, deletedInOld: 0, newerInOld: 0, newerInNew: 1 },
    mismatchRate: 1,
    discrepancies: [],
    discrepancyCount: 0,
  } satisfies ConsistencyReport,
};

function hazardOf(h: Hazard, from: Phase, to: Phase, settings: { readonly writeAuthorityInReadNew: Side }): RollbackHazard {
  const since =
    from === 'new-only'
      ? 'every write since the move to new-only went to new alone'
      : routeOf(from, settings).writes[0] === 'new'
        ? 'a write whose second write, to old, failed is in new alone'
        : 'records new holds that old lacks or holds older (old takes writes first here, so only those verify finds)';
  let what: string;
  switch (h.kind) {
    case 'old-dropped':
      what = 'the old schema is dropped: restore the backup taken before the drop (the phase becomes new-only); records written since the drop are only in new';
      break;
    case 'old-missing-writes':
      what =
        h.severity === 'warning'
          ? `${since}; new still serves reads in ${to}, so nothing is lost yet, but reverse-sync before rolling back further`
          : routeOf(to, settings).reads === 'old'
            ? `${since}: reads in ${to} are served by old and would miss those records`
            : `${since}, and old takes writes first again in ${to}: a partial update gives old's stale record the newest version, and the next backfill copies it over new's`;
      break;
    case 'new-goes-stale':
      what = 'new stops receiving writes and goes stale; the backfill must run again before moving forward';
      break;
    case 'backfill-invalidated':
      what = 'the backfill is invalidated and must run again before moving forward';
      break;
    default:
      return assertNever(h.kind, 'hazard');
  }
  return { kind: h.kind, severity: h.severity, remedy: h.remedy, what };
}

/** The phases worth rolling back to from `phase`: the step's onFail target, the phase before, and old-only. */
function rollbackTargets(phase: Phase, onFail: Phase | undefined): Phase[] {
  const before = PHASES[phaseIndex(phase) - 1];
  const out: Phase[] = [];
  for (const p of [onFail, phase === 'old-dropped' ? 'new-only' : before, 'old-only'] as const) {
    if (p !== undefined && phaseIndex(p) < phaseIndex(phase) && !out.includes(p)) out.push(p);
  }
  return out;
}

/** Markdown text that renders as written: Markdown's and HTML's special characters escaped, line breaks as spaces. */
export function markdownText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|#~&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

/** Inline code in a table cell: a pipe, even inside a code span, ends the cell unless escaped. */
function cellCode(text: string): string {
  return markdownCode(text).replace(/\|/g, '\\|');
}

/** Inline code that renders as written, whatever backticks it holds. */
export function markdownCode(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Why verify can be clean while writes were lost: it compares the sides with each other, not with what was acknowledged. */
export const bothLost = 'Clean although writes were lost: verify compares old with new, and both sides lack the lost writes, so they agree; the history check compares them with what was acknowledged';

/** Lost records the runbook lists in its table (a pull request is no place for thousands). */
const LOST_LISTED = 100;

const VERDICT = { held: '✅ held', failed: '❌ failed' } as const;

/** The rehearsal as a Markdown cut-over runbook. */
export function renderRunbook(run: RehearsalRun): string {
  const { report, plan } = run;
  const scenario = run.scenario ?? (Object.hasOwn(BUILT_IN_SCENARIOS, report.scenario) ? BUILT_IN_SCENARIOS[report.scenario] : undefined);
  const settings = scenario ? resolveSettings(scenario) : { writeAuthorityInReadNew: 'new' as const };
  const md = markdownText;
  const out: string[] = [];

  out.push(`# Cut-over runbook: ${md(plan.title ?? planNameOf(run))}`, '');
  if (plan.description) out.push(...plan.description.split(/\n\s*\n/).map((p) => `> ${md(p)}`), '');
  const lost = report.invariants.history.lost.length;
  const outcome =
    report.outcome === 'passed'
      ? `✅ passed: every step ran, every gate held, no acknowledged write lost`
      : report.outcome === 'rolled-back'
        ? `↩️ rolled back at step ${(report.stopped?.step ?? 0) + 1}: a gate failed and its onFail rollback ran`
        : `❌ failed${report.stopped ? ` at step ${report.stopped.step + 1}` : ''}${lost > 0 ? `, ${lost} acknowledged write${lost === 1 ? '' : 's'} lost` : ''}`;
  out.push(
    '| | |',
    '|---|---|',
    `| scenario | ${markdownCode(report.scenario)} |`,
    `| plan | ${md(planNameOf(run))}, ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'} |`,
    `| rehearsed | seed ${md(String(report.settings.seed))}, durability ${report.settings.durability}, on a virtual clock with Cutover Lab's cost model |`,
    `| outcome | ${outcome} |`,
    ...(run.replay ? [`| replay | ${markdownCode(run.replay)} |`] : []),
    '',
  );
  if (report.failures.length > 0) {
    out.push('**What failed:**', '');
    for (const f of report.failures) {
      // A gate's verdict is in full at its step; here its figures.
      const verdict = f.what === 'gate' && f.step !== null ? report.steps[f.step]?.gates.find((g) => g.gate === f.name && !g.held) : undefined;
      const detail = verdict ? verdictSummary(verdict) : f.detail;
      out.push(`- ${f.step === null ? 'final check' : `step ${f.step + 1}`}, ${f.what} ${markdownCode(f.name)}: ${md(detail)}`);
    }
    out.push('');
  }

  out.push('## Steps', '');
  let rollbackShownAt: { step: number; phase: Phase; onFail: Phase | undefined } | undefined;
  for (const [index, step] of plan.steps.entries()) {
    const s = report.steps[index];
    out.push(`### ${index + 1}. ${md(step.name ?? describeStep(step))}`, '');
    const status = !s ? '⏭️ not reached' : s.status === 'failed' ? '❌ failed' : s.gates.some((g) => !g.held) ? '❌ gate failed' : '✅ done';
    const phases = s ? (s.phaseBefore === s.phaseAfter ? `in ${markdownCode(s.phaseAfter)}` : `${markdownCode(s.phaseBefore)} → ${markdownCode(s.phaseAfter)}`) : '';
    out.push(`${step.name ? `${md(describeStep(step))} · ` : ''}${phases ? `${phases} · ` : ''}${status}${s ? ` · ${seconds(s.figures.elapsedMs)} virtual` : ''}`, '');
    if (!s) {
      if (step.gate) out.push(`**Gate:** ${describeGate(step.gate).map((g) => markdownCode(g)).join(', ')}${step.gate.onFail ? `; on failure roll back to ${markdownCode(step.gate.onFail.to)}` : ''}`, '');
      continue;
    }
    if (s.problem) out.push(`**Problem:** ${md(s.problem)}`, '');
    const figures = describeFigures(s.figures);
    if (figures) out.push(`**Measured:** ${md(figures)}`, '');
    const detail = describeDetail(s);
    if (detail) out.push(`**Result:** ${md(detail)}`, '');
    if (s.gates.length > 0) {
      out.push(`**Gate** (must hold ${index === plan.steps.length - 1 ? 'at the end' : 'before the next step'}${step.gate?.onFail ? `; on failure roll back to ${markdownCode(step.gate.onFail.to)}` : ''}):`, '');
      out.push('| gate | threshold | measured | verdict |', '|---|---|---|---|');
      for (const g of s.gates) out.push(`| ${cellCode(g.gate)} | ${md(formatThreshold(g))} | ${md(formatMeasured(g))} | ${g.held ? VERDICT.held : VERDICT.failed}: ${md(g.why)} |`);
      out.push('');
    } else if (step.gate && s.status === 'failed') {
      out.push(`**Gate:** not judged (the step failed): ${describeGate(step.gate).map((g) => markdownCode(g)).join(', ')}`, '');
    }
    const hazardsRun = rolledBackHazards(s);
    if (s.onFail) out.push(`**onFail:** rolled back to ${markdownCode(s.onFail.step.to)}: ${s.onFail.status}${s.onFail.problem ? ` (${md(s.onFail.problem)})` : ''}, now in ${markdownCode(s.onFail.phaseAfter)}${hazardsRun ? `; ${hazardsRun}` : s.onFail.status === 'done' ? '; no hazards, no remedies needed' : ''}`, '');
    else if (s.kind === 'rollback' && hazardsRun) out.push(`**Hazards the engine found:** ${hazardsRun}`, '');

    const phase = s.phaseAfter;
    const onFail = step.gate?.onFail?.to;
    if (rollbackShownAt && rollbackShownAt.phase === phase && rollbackShownAt.onFail === onFail) {
      out.push(`**Rollback from here:** as from step ${rollbackShownAt.step + 1} (still in ${markdownCode(phase)}).`, '');
    } else {
      out.push(...renderRollback(phase, onFail, settings));
      rollbackShownAt = { step: index, phase, onFail };
    }
  }

  out.push('## Final checks', '');
  const h = report.invariants.history;
  out.push(
    `- History: ${h.operations} operations, ${h.acknowledgedWrites} acknowledged writes, ${h.failedWrites} failed, ${h.indeterminateWrites} indeterminate (${h.recovered} of them took effect), ${h.reads} reads`,
    `- Lost acknowledged writes: **${h.lost.length}**${h.lost.length > 0 ? '' : ' ✅'}`,
    `- Values no write produced: **${h.unexpectedCount}**${h.unexpectedCount > 0 ? '' : ' ✅'}`,
    `- Records returned twice by one read: **${h.duplicates.length}**${h.duplicates.length > 0 ? '' : ' ✅'}`,
  );
  const v = report.invariants.verify;
  out.push(v ? `- Verify in ${markdownCode(report.finalPhase)}: ${v.clean ? 'clean ✅' : 'not clean'} — ${v.records} records, ${v.consistent} consistent, ${v.differing} differing, ${v.appReadMismatches} read differently by the application${v.clean && h.lost.length > 0 ? `. ${bothLost}` : ''}` : `- Verify: not run (old is dropped in ${markdownCode(report.finalPhase)})`, '');
  if (h.lost.length > 0) {
    out.push('**Lost records** (acknowledged, not readable through the final read path):', '', '| collection | key | last acknowledged write | expected | found |', '|---|---|---|---|---|');
    for (const l of h.lost.slice(0, LOST_LISTED)) out.push(`| ${md(l.collection)} | ${cellCode(l.key)} | ${md(`${l.operation.name} #${l.operation.index} in ${l.operation.phase}`)} | ${cellCode(JSON.stringify(l.expected))} | ${cellCode(JSON.stringify(l.found))} |`);
    if (h.lost.length > LOST_LISTED) out.push('', `and ${h.lost.length - LOST_LISTED} more (the JSON report lists them all).`);
    out.push('');
  }
  if (h.unexpected.length > 0) {
    out.push('**Values no write produced:**', '');
    for (const u of h.unexpected) out.push(`- ${md(u.collection)} ${markdownCode(u.key)}: ${markdownCode(JSON.stringify(u.found))} (${u.where === 'final' ? 'read back at the end' : `read #${u.where}`})`);
    out.push('');
  }
  if (v && v.first.length > 0) {
    out.push('**Differences verify found:**', '');
    for (const d of v.first) out.push(`- ${md(d)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The hazards a rollback of the run found, with their counts, in words; null when none ran or none were found. */
function rolledBackHazards(s: StepReport): string | null {
  const detail = s.onFail ? s.onFail.detail : s.kind === 'rollback' ? s.detail : undefined;
  const hazards = detail && Array.isArray(detail.hazards) ? detail.hazards : [];
  const remedies = detail && Array.isArray(detail.remediesRun) ? detail.remediesRun.map(String) : [];
  const words = hazards.flatMap((h) => {
    if (h === null || typeof h !== 'object' || Array.isArray(h) || 'blob' in h) return [];
    const { kind, count, severity } = h as { readonly [key: string]: JsonValue };
    return typeof kind === 'string' && typeof count === 'number' && typeof severity === 'string' ? [`${kind} ×${count} (${severity})`] : [];
  });
  if (words.length === 0 && remedies.length === 0) return null;
  return [...(words.length > 0 ? [`hazards ${words.join(', ')}`] : []), ...(remedies.length > 0 ? [`remedies run: ${remedies.join(', ')}`] : [])].join('; ');
}

function renderRollback(phase: Phase, onFail: Phase | undefined, settings: { readonly writeAuthorityInReadNew: Side }): string[] {
  const route = routeOf(phase, settings);
  const where = `${markdownCode(phase)}: writes ${route.writes.join(' then ')}, reads ${route.reads}${route.fallback ? ` (falling back to ${route.fallback})` : ''}`;
  const targets = rollbackTargets(phase, onFail);
  if (targets.length === 0) return [`**Rollback from here** (${where}): nothing to roll back; old holds every write.`, ''];
  const out = [`**Rollback from here** (${where}):`, ''];
  for (const to of targets) {
    const r = rollbackRoute(phase, to, settings);
    // Restoring the backup leaves the phase new-only: no move after it.
    const steps = [...r.first, ...(phase === 'old-dropped' && to === 'new-only' ? [] : [`move to ${to}`])];
    const blocking = r.hazards.filter((h) => h.severity === 'data');
    out.push(`- to ${markdownCode(to)}${to === onFail ? ' (this step\'s onFail)' : ''}: ${steps.map((x) => markdownCode(x)).join(' → ')}${blocking.length === 0 ? ' — no acknowledged write at risk' : ''}`);
    for (const h of r.hazards) out.push(`  - ${h.severity === 'data' ? '⚠️ data' : 'warning'}, ${markdownCode(h.kind)}: ${markdownText(h.what)}${h.remedy ? ` (remedy: ${markdownCode(h.remedy)})` : ''}`);
  }
  out.push('');
  return out;
}
