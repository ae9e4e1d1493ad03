/** Words and figures of the Plan panel: gate verdicts as measured against threshold, step figures. */
import type { GateVerdict, StepReport } from '../../worker/protocol.ts';

/** A gate's value in its unit: a share as a percentage, a latency in ms, verify as clean or not, a count as is. */
function value(gate: GateVerdict['gate'], v: number | boolean | null): string {
  if (v === null) return 'n/a';
  if (typeof v === 'boolean') return v ? 'clean' : 'not clean';
  if (gate === 'mismatchRate' || gate === 'fallbackRate' || gate === 'errorRate') return `${Number((v * 100).toFixed(2))}%`;
  if (gate === 'p99Ms.old' || gate === 'p99Ms.new' || gate === 'p99Ms') return `${Number(v.toFixed(3))} ms`;
  return String(v);
}

/** `lostWrites 0 (≤ 0)`, `errorRate 1.5% (≤ 1%)`, `verifyClean clean`: what was measured against what the gate allows. */
export function verdictText(v: GateVerdict): string {
  if (v.gate === 'verifyClean') return `verifyClean: ${value(v.gate, v.measured)}`;
  return `${v.gate} ${value(v.gate, v.measured)} (≤ ${value(v.gate, v.threshold)})`;
}

/** A step's figures in a line: operations, acknowledged, failed, fallbacks, shadow reads, crashes; null when it ran no operation and nothing crashed. */
export function figuresText(s: StepReport): string | null {
  const f = s.figures;
  const parts: string[] = [];
  if (f.operations > 0) parts.push(`${f.operations} operations (${f.acknowledged} acknowledged, ${f.failed} failed${f.indeterminate ? `, ${f.indeterminate} indeterminate` : ''})`);
  if (f.fallbacks > 0) parts.push(`${f.fallbacks} fallbacks`);
  if (f.shadowReads > 0) parts.push(`${f.shadowReads} shadow reads, ${f.mismatches} mismatched`);
  if (f.crashes > 0) parts.push(`${f.crashes} ${f.crashes === 1 ? 'crash' : 'crashes'}`);
  return parts.length > 0 ? parts.join(' · ') : null;
}
