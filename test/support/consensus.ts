/**
 * consensus-artifacts records as seeds 000 and 001 wrote them (an agent's artifact, a stage's
 * synthesis), and the fields both schemas return for them, so a test can compare a read with what
 * was written whichever side served it.
 */
import { expect } from 'vitest';
import type { OperationResult } from '../../src/engine/results.ts';
import type { Params, Row } from '../../src/engine/sql.ts';
import type { Rig } from './rig.ts';

/** An agent's artifact, with the fields both schemas keep. */
export interface Artifact {
  spec_id: string;
  stage: string;
  run_id: string;
  agent_name: string;
  content_json: string;
  created_at: string;
}

/** An artifact of `agent_name` for `spec_id` and `stage`, approving, in run-1. */
export function artifact(overrides: Partial<Artifact> & Pick<Artifact, 'spec_id' | 'stage' | 'agent_name'>): Artifact {
  return {
    run_id: 'run-1',
    content_json: JSON.stringify({ verdict: 'approve', agent: overrides.agent_name, stage: overrides.stage, spec: overrides.spec_id }),
    created_at: '2025-11-13 10:00:00',
    ...overrides,
  };
}

/** The five agents of the seeds' consensus runs. */
export const AGENTS: readonly string[] = ['gemini', 'claude', 'gpt_pro', 'gpt_codex', 'code'];

/** A stage's synthesis, with the fields both schemas keep. */
export interface Synthesis {
  spec_id: string;
  stage: string;
  run_id: string;
  output_markdown: string;
  status: string;
  artifacts_count: number;
  degraded: number;
  created_at: string;
}

/** A synthesis of three agreeing artifacts for `spec_id` and `stage`, in run-1. */
export function synthesis(overrides: Partial<Synthesis> & Pick<Synthesis, 'spec_id' | 'stage'>): Synthesis {
  return {
    run_id: 'run-1',
    output_markdown: `# Consensus for ${overrides.spec_id} / ${overrides.stage}\n\nAll agents agree.`,
    status: 'ok',
    artifacts_count: 3,
    degraded: 0,
    created_at: '2025-11-13 10:05:00',
    ...overrides,
  };
}

/** Stores an artifact or a synthesis and expects it acknowledged (old's response_text comes along). */
export async function store(rig: Rig, op: 'storeArtifact' | 'storeSynthesis', params: Artifact | Synthesis): Promise<OperationResult> {
  const p: Params = op === 'storeArtifact' ? { response_text: 'raw response', ...params } : { ...params };
  const r = await rig.rehearsal.execute(op, p);
  expect(r.outcome, `${op} ${JSON.stringify(params)}: ${r.note ?? ''} ${r.error?.message ?? ''}`).toBe('ok');
  return r;
}

/**
 * Stores artifacts of one, two and three agents for stages plan, tasks and implement of `spec`,
 * then each stage's synthesis (its markdown `<stage> consensus`); returns the artifacts by stage.
 */
export async function storeThreeStages(rig: Rig, spec: string): Promise<Record<string, Artifact[]>> {
  const byStage: Record<string, Artifact[]> = {};
  for (const [n, stage] of ['plan', 'tasks', 'implement'].entries()) {
    byStage[stage] = AGENTS.slice(0, n + 1).map((agent_name, i) => artifact({ spec_id: spec, stage, agent_name, created_at: `2025-11-13 10:0${n}:0${i}` }));
  }
  for (const list of Object.values(byStage)) for (const a of list) await store(rig, 'storeArtifact', a);
  for (const [stage, list] of Object.entries(byStage)) {
    await store(rig, 'storeSynthesis', synthesis({ spec_id: spec, stage, artifacts_count: list.length, output_markdown: `${stage} consensus` }));
  }
  return byStage;
}

/** The sides an operation touched, in order. */
export const sides = (r: OperationResult): string[] => r.observations.map((o) => o.side);

/** The fields both schemas return for an artifact (old also has response_text). */
export const artifactView = (row: Row) => ({
  spec_id: row.spec_id,
  stage: row.stage,
  run_id: row.run_id,
  agent_name: row.agent_name,
  content_json: row.content_json,
  created_at: row.created_at,
});

/** The fields both schemas return for a synthesis. */
export const synthesisView = (row: Row) => ({
  spec_id: row.spec_id,
  stage: row.stage,
  run_id: row.run_id,
  output_markdown: row.output_markdown,
  status: row.status,
  artifacts_count: row.artifacts_count,
  degraded: row.degraded,
  created_at: row.created_at,
});

/** Rows in `table` of the (shared) database. */
export function rowCount(rig: Rig, table: string): number {
  const row = rig.rehearsal.database('old').query(`SELECT count(*) AS n FROM ${table}`)[0];
  return Number(row?.n);
}
