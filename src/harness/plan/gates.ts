/**
 * Judging a step's gates: pure functions of what the step measured (its figures, and when the gate
 * asks for them a history check or the step's verify). Each verdict says what was measured against
 * what threshold, and why it holds or not, in words a pull request can quote.
 */
import type { Side } from '../../engine/scenario/format.ts';
import type { Gate, RateGate } from './format.ts';
import { describeLost, percent, type GateVerdict, type LostRecord, type SideLatency, type StepFigures, type UnexpectedRecord } from './report.ts';

/** What the gates of one step are judged on. */
export interface GateMeasures {
  readonly figures: StepFigures;
  /** A history check after the step, when a gate asked for one. */
  readonly history?: { readonly lost: readonly LostRecord[]; readonly unexpected: readonly UnexpectedRecord[]; readonly unexpectedCount: number; readonly phase: string };
  /** The step's verify, for verifyClean: whether it was clean, and its first differences in words. */
  readonly verify?: { readonly clean: boolean; readonly differing: number; readonly appReadMismatches: number; readonly first: readonly string[] };
}

/** Lost records and unexpected values a verdict names before "and N more". */
const NAMED = 5;

/** Every gate of `gate`, in the order GATE_KINDS lists them. */
export function judgeGates(gate: Gate, m: GateMeasures): GateVerdict[] {
  const out: GateVerdict[] = [];
  const f = m.figures;
  if (gate.mismatchRate) out.push(rateVerdict('mismatchRate', gate.mismatchRate, f.mismatches, f.shadowReads, 'shadow reads', 'disagreed'));
  if (gate.fallbackRate) {
    const reason = gate.fallbackRate.reason;
    const part = reason === 'empty' ? f.fallbacksOnEmpty : reason === 'error' ? f.fallbacksOnError : f.fallbacks;
    out.push(rateVerdict('fallbackRate', gate.fallbackRate, part, f.reads, 'reads', reason === undefined ? 'fell back' : `fell back because new ${reason === 'empty' ? 'had no rows' : 'failed'}`));
  }
  if (gate.errorRate) out.push(rateVerdict('errorRate', gate.errorRate, f.failed, f.operations, 'operations', 'failed'));
  if (gate.lostWrites) {
    const lost = m.history?.lost ?? [];
    const max = gate.lostWrites.max;
    const held = m.history !== undefined && lost.length <= max;
    const named = lost.slice(0, NAMED).map(describeLost).join(', ');
    const why = !m.history
      ? 'no history check was made'
      : lost.length === 0
        ? `every acknowledged write reads back through the ${m.history.phase} read path`
        : `${lost.length} acknowledged ${lost.length === 1 ? 'write is' : 'writes are'} not readable through the ${m.history.phase} read path: ${named}${lost.length > NAMED ? ` and ${lost.length - NAMED} more` : ''}${held ? `; at most ${max} allowed` : ''}`;
    out.push({ gate: 'lostWrites', held, measured: m.history ? lost.length : null, threshold: max, why });
  }
  if (gate.unexpected) {
    const count = m.history?.unexpectedCount ?? 0;
    const max = gate.unexpected.max;
    const held = m.history !== undefined && count <= max;
    const first = (m.history?.unexpected ?? []).slice(0, NAMED).map((u) => `${u.collection} ${u.key} ${JSON.stringify(u.found)} (${u.where === 'final' ? 'read back after the step' : `read #${u.where}`})`);
    const why = !m.history ? 'no history check was made' : count === 0 ? 'every value read was one some write produced' : `${count} ${count === 1 ? 'value' : 'values'} no write produced: ${first.join(', ')}${count > NAMED ? ` and ${count - NAMED} more` : ''}`;
    out.push({ gate: 'unexpected', held, measured: m.history ? count : null, threshold: max, why });
  }
  if (gate.verifyClean) {
    const v = m.verify;
    const why = !v
      ? 'no verify was made'
      : v.clean
        ? 'both sides hold the same records, through the canonical queries and the application\'s reads'
        : `verify found ${v.differing} ${v.differing === 1 ? 'record' : 'records'} differing and ${v.appReadMismatches} the application reads differently${v.first.length > 0 ? `: ${v.first.join('; ')}` : ''}`;
    out.push({ gate: 'verifyClean', held: v?.clean === true, measured: v ? v.clean : null, threshold: true, why });
  }
  if (gate.p99Ms) {
    for (const side of ['old', 'new'] as const) {
      const max = gate.p99Ms[side];
      if (max !== undefined) out.push(latencyVerdict(side, max, f.p99Ms[side], f.latency?.[side] ?? null));
    }
  }
  return out;
}

function rateVerdict(gate: 'mismatchRate' | 'fallbackRate' | 'errorRate', g: RateGate, part: number, whole: number, what: string, did: string): GateVerdict {
  const rate = whole === 0 ? null : part / whole;
  const minReads = g.minReads ?? 0;
  const allowed = `at most ${percent(g.max)} allowed`;
  if (whole < minReads) {
    return { gate, held: false, measured: rate, threshold: g.max, why: `only ${whole} ${what} in the step, and the gate needs at least ${minReads} to judge: run more operations in it (or lower "minReads")`, tooFew: { count: whole, needed: minReads, of: what } };
  }
  if (rate === null) return { gate, held: true, measured: null, threshold: g.max, why: `no ${what} in the step, so none ${did}` };
  const held = rate <= g.max;
  return { gate, held, measured: rate, threshold: g.max, why: `${part} of ${whole} ${what} ${did} (${percent(rate)}); ${allowed}` };
}

function latencyVerdict(side: Side, max: number, measured: number | null, latency: SideLatency | null): GateVerdict {
  const gate = side === 'old' ? 'p99Ms.old' : 'p99Ms.new';
  if (measured === null) return { gate, held: true, measured: null, threshold: max, why: `no call on ${side} in the step` };
  const held = measured <= max;
  // A failing p99 says what it was taken over and which call was slowest: with few calls the p99 is
  // the slowest, and a busy fault's retries and backoff are in a call's latency.
  const s = latency?.slowest;
  const over = !held && latency && s ? ` over ${latency.calls} call${latency.calls === 1 ? '' : 's'}; the slowest: ${s.operation}, ${s.ms} ms${s.attempts > 1 ? ` in ${s.attempts} attempts (retries and their backoff count)` : ''}` : '';
  return { gate, held, measured, threshold: max, why: `p99 latency on ${side} ${measured} ms${over}; at most ${max} ms allowed` };
}
