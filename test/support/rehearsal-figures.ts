/**
 * The figures of a rehearsal that must not depend on where it ran: per step what its operations
 * did and each gate's verdict, the final invariants, the outcome. A pure function of the report,
 * shared by the Node test that writes them down and the browser test that compares with them.
 */
import type { RehearsalReport } from '../../src/harness/plan/report.ts';

/** The invariant figures of one report, as plain JSON. */
export function invariantFigures(r: RehearsalReport) {
  return {
    scenario: r.scenario,
    settings: r.settings,
    outcome: r.outcome,
    finalPhase: r.finalPhase,
    stopped: r.stopped,
    steps: r.steps.map((s) => ({
      index: s.index,
      kind: s.kind,
      status: s.status,
      phaseAfter: s.phaseAfter,
      operations: s.figures.operations,
      reads: s.figures.reads,
      writes: s.figures.writes,
      acknowledged: s.figures.acknowledged,
      failed: s.figures.failed,
      indeterminate: s.figures.indeterminate,
      fallbacks: s.figures.fallbacks,
      shadowReads: s.figures.shadowReads,
      mismatches: s.figures.mismatches,
      crashes: s.figures.crashes,
      gates: s.gates.map((g) => ({ gate: g.gate, held: g.held })),
    })),
    invariants: {
      ok: r.invariants.ok,
      operations: r.invariants.history.operations,
      acknowledgedWrites: r.invariants.history.acknowledgedWrites,
      failedWrites: r.invariants.history.failedWrites,
      lost: r.invariants.history.lost.length,
      unexpected: r.invariants.history.unexpectedCount,
      duplicates: r.invariants.history.duplicates.length,
      verifyClean: r.invariants.verify?.clean ?? null,
      records: r.invariants.verify?.records ?? null,
    },
  };
}

/** What the Node run wrote down for the browser run to compare with. */
export interface NodeFigures {
  readonly figures: ReturnType<typeof invariantFigures>;
}
