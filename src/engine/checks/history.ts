/**
 * The history of a rehearsal, Jepsen-style: every operation as an invocation followed by its
 * completion — ok, fail (definitely no effect) or info (indeterminate: a crash or a lost reply).
 * It is kept by whoever drives the engine, outside it, so that it survives the engine's crashes.
 */
import type { Phase } from '../phases.ts';
import type { OperationResult, Outcome, SideError } from '../results.ts';
import type { Side } from '../scenario/format.ts';
import type { Params, Row } from '../sql.ts';

/** One operation, from invocation to completion. */
export interface HistoryOp {
  /** Position of the invocation in the history. */
  readonly index: number;
  readonly name: string;
  readonly kind: 'read' | 'write';
  readonly params: Params;
  readonly phase: Phase;
  readonly invokedAt: number;
  /** Position of the completion in the history (invocations and completions share one counter). */
  completedPos?: number;
  readonly invokedPos: number;
  outcome?: Outcome;
  completedAt?: number;
  rows?: readonly Row[];
  servedBy?: Side;
  fallback?: 'empty' | 'error';
  error?: SideError;
  note?: string;
  /** Written as seed data before the rehearsal started. */
  readonly seed: boolean;
}

/** Writes an operation's completion, from the engine's result, at history position `pos`. */
export function recordCompletion(op: HistoryOp, result: OperationResult, at: number, pos: number): void {
  op.outcome = result.outcome;
  op.completedAt = at;
  op.completedPos = pos;
  if (result.rows) op.rows = result.rows;
  if (result.servedBy) op.servedBy = result.servedBy;
  if (result.fallback) op.fallback = result.fallback;
  if (result.error) op.error = result.error;
  if (result.note) op.note = result.note;
}

/** The history of one rehearsal. */
export class History {
  readonly #ops: HistoryOp[] = [];
  #pos = 0;

  /** Records an invocation. */
  invoke(name: string, kind: 'read' | 'write', params: Params, phase: Phase, at: number, seed = false): HistoryOp {
    const op: HistoryOp = { index: this.#ops.length, name, kind, params, phase, invokedAt: at, invokedPos: this.#pos++, seed };
    this.#ops.push(op);
    return op;
  }

  /** Records a completion from the engine's result. */
  complete(op: HistoryOp, result: OperationResult, at: number): void {
    recordCompletion(op, result, at, this.#pos++);
  }

  /** Marks an operation indeterminate: the engine crashed (or the reply was lost) before it completed. */
  indeterminate(op: HistoryOp, at: number, why: string): void {
    if (op.outcome !== undefined) return;
    op.outcome = 'info';
    op.completedAt = at;
    op.completedPos = this.#pos++;
    op.note = why;
  }

  /** Every operation in invocation order. */
  get ops(): readonly HistoryOp[] {
    return this.#ops;
  }

  /** Operations not yet completed. */
  pending(): HistoryOp[] {
    return this.#ops.filter((o) => o.outcome === undefined);
  }

  /** The Jepsen-style list: invoke, then ok/fail/info entries, in history order. */
  entries(): { type: 'invoke' | Outcome; index: number; f: string; value: unknown; time: number }[] {
    const out: { pos: number; type: 'invoke' | Outcome; index: number; f: string; value: unknown; time: number }[] = [];
    for (const o of this.#ops) {
      out.push({ pos: o.invokedPos, type: 'invoke', index: o.index, f: o.name, value: o.params, time: o.invokedAt });
      if (o.outcome !== undefined) out.push({ pos: o.completedPos ?? 0, type: o.outcome, index: o.index, f: o.name, value: o.kind === 'read' ? (o.rows?.length ?? null) : (o.error?.message ?? null), time: o.completedAt ?? o.invokedAt });
    }
    return out.sort((a, b) => a.pos - b.pos).map(({ pos: _pos, ...e }) => e);
  }
}
