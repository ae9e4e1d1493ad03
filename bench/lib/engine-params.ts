/** Parameters of the operations the benchmarks run: pure, so the page part can use them too. */
import type { Params } from '../../src/engine/sql.ts';

/** 2025-11-13 00:00:00 UTC: SIMULATION_EPOCH_MS of src/harness/simulate.ts, where simulated time starts. */
export const EPOCH_MS = Date.UTC(2025, 10, 13);

/** An ISO timestamp for operation `i` (what `{ "now": "iso" }` generates). */
export function iso(i: number): string {
  return new Date(EPOCH_MS + i * 1000).toISOString();
}

const WORKSPACES = ['ws-acme', 'ws-globex', 'ws-initech', 'ws-umbrella'];
const KINDS = ['summarize', 'embed', 'classify', 'translate'];

/** Parameters of job-keys `enqueue` for job `id`. */
export function enqueueParams(id: string, i: number): Params {
  return { job_id: id, workspace_id: WORKSPACES[i % 4] as string, kind: KINDS[i % 4] as string, result: null, created_at: iso(i) };
}

/** Parameters of job-keys `getJob` for job `id` (enqueued with `enqueueParams(id, i)`). */
export function getJobParams(id: string, i: number): Params {
  return { job_id: id, workspace_id: WORKSPACES[i % 4] as string };
}

export const STAGES = ['plan', 'tasks', 'implement', 'validate', 'audit', 'unlock'];
export const AGENTS = ['gemini', 'claude', 'gpt_pro', 'gpt_codex', 'code'];

/** Parameters of consensus-artifacts `storeArtifact` number `i` under spec prefix `spec` (a new record for each i). */
export function artifactParams(spec: string, i: number): Params {
  return {
    spec_id: `${spec}-${Math.floor(i / 90)}`,
    stage: STAGES[Math.floor(i / 5) % 6] as string,
    run_id: `run-${(Math.floor(i / 30) % 3) + 1}`,
    agent_name: AGENTS[i % 5] as string,
    content_json: JSON.stringify({ verdict: 'approve', confidence: 40 + (i % 60), notes: 'lorem ipsum dolor' }),
    response_text: 'looks right to me',
    created_at: iso(i),
  };
}
