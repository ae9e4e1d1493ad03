import type { RehearsalReport } from 'cutover-lab/harness';

/** What the browser run is compared on: per step its operations, virtual p99s and gate verdicts, and the final invariants. */
export function figuresOf(r: RehearsalReport) {
  return {
    outcome: r.outcome,
    finalPhase: r.finalPhase,
    steps: r.steps.map((s) => ({
      step: s.index,
      operations: s.figures.operations,
      acknowledged: s.figures.acknowledged,
      failed: s.figures.failed,
      p99Ms: s.figures.p99Ms,
      gates: s.gates.map((g) => `${g.gate} ${g.held ? 'held' : 'failed'}`),
    })),
    lost: r.invariants.history.lost.length,
    unexpected: r.invariants.history.unexpectedCount,
  };
}

/** SHA-256 of the whole report as JSON: the same seed gives the same bytes, wherever it ran. */
export async function digestOf(r: RehearsalReport): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(r)));
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export type Figures = ReturnType<typeof figuresOf>;

declare module 'vitest' {
  interface ProvidedContext {
    /** The same plan and seed run in Node (test/node-figures.global.ts). */
    node: { figures: Figures; digest: string };
  }
}
