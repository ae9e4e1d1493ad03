/**
 * A hand-built history for checker tests: a clock that ticks once per entry, so invocations and
 * completions are recorded in the order the test calls them.
 */
import { History, type HistoryOp } from '../../src/engine/checks/history.ts';
import type { OperationResult, Outcome } from '../../src/engine/results.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';
import type { Params, Row } from '../../src/engine/sql.ts';

export class HistoryBuilder {
  readonly h = new History();
  #t = 0;

  constructor(readonly scenario: Scenario) {}

  invoke(name: string, params: Params): HistoryOp {
    const kind = this.scenario.operations[name]?.kind as 'read' | 'write';
    return this.h.invoke(name, kind, params, 'old-only', this.#t++);
  }

  complete(op: HistoryOp, outcome: Outcome, rows?: readonly Row[]): void {
    const result: OperationResult = { id: op.index, name: op.name, kind: op.kind, phase: op.phase, params: op.params, outcome, observations: [], durationMs: 0, ...(rows ? { rows } : {}) };
    this.h.complete(op, result, this.#t++);
  }

  indeterminate(op: HistoryOp): void {
    this.h.indeterminate(op, this.#t++, 'crashed at between-writes');
  }

  /** Invokes and completes one operation. */
  run(name: string, params: Params, outcome: Outcome = 'ok', rows?: readonly Row[]): HistoryOp {
    const op = this.invoke(name, params);
    this.complete(op, outcome, rows);
    return op;
  }
}
