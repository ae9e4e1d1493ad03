/**
 * The built-in scenarios' operations with fixed, ordinary parameters, for tests that care where a
 * write lands or what a read returns rather than what is written: one job workspace, one session
 * workspace, one spec and stage for artifacts.
 */
import type { MetricsSnapshot } from '../../src/engine/checks/metrics.ts';
import type { OperationResult } from '../../src/engine/results.ts';
import type { Rig } from './rig.ts';

/** The job-keys workspace every job here belongs to. */
export const WORKSPACE_ID = 'ws-acme';
/** The session-json workspace every session here belongs to. */
export const WORKSPACE_PATH = '/home/dev/acme-api';
/** The consensus-artifacts spec and stage every artifact here is stored under. */
export const SPEC = { spec_id: 'SPEC-KIT-101', stage: 'plan' } as const;

const AT = '2025-11-13 10:00:00';

/** job-keys: enqueues job `jobId`. */
export function enqueue(rig: Rig, jobId: string): Promise<OperationResult> {
  return rig.rehearsal.execute('enqueue', { job_id: jobId, workspace_id: WORKSPACE_ID, kind: 'embed', result: null, created_at: AT });
}

/** job-keys: reads job `jobId`. */
export function getJob(rig: Rig, jobId: string): Promise<OperationResult> {
  return rig.rehearsal.execute('getJob', { job_id: jobId, workspace_id: WORKSPACE_ID });
}

/** session-json: creates session `id` with one running instance. */
export function createSession(rig: Rig, id: string): Promise<OperationResult> {
  return rig.rehearsal.execute('createSession', {
    workspace_path: WORKSPACE_PATH,
    session_id: id,
    task: 'fix the login bug',
    runtime: 'claude',
    instances: JSON.stringify([{ agent: 'claude', status: 'running' }]),
    created_at: AT,
  });
}

/** session-json: sets session `id`'s status. */
export function updateSession(rig: Rig, id: string, status: string): Promise<OperationResult> {
  return rig.rehearsal.execute('updateSessionStatus', { session_id: id, workspace_path: WORKSPACE_PATH, status, updated_at: '2025-11-13 12:00:00' });
}

/** session-json: deletes session `id`. */
export function deleteSession(rig: Rig, id: string): Promise<OperationResult> {
  return rig.rehearsal.execute('deleteSession', { session_id: id, workspace_path: WORKSPACE_PATH });
}

/** session-json: reads session `id`. */
export function getSession(rig: Rig, id: string): Promise<OperationResult> {
  return rig.rehearsal.execute('getSession', { session_id: id, workspace_path: WORKSPACE_PATH });
}

/** consensus-artifacts: stores `agent`'s artifact for {@link SPEC}. */
export function storeArtifact(rig: Rig, agent: string, content = '{"verdict":"approve","confidence":90}'): Promise<OperationResult> {
  return rig.rehearsal.execute('storeArtifact', { ...SPEC, run_id: 'run-1', agent_name: agent, content_json: content, response_text: 'looks good', created_at: AT });
}

/** consensus-artifacts: reads every artifact of {@link SPEC}. */
export function queryArtifacts(rig: Rig): Promise<OperationResult> {
  return rig.rehearsal.execute('queryArtifacts', { ...SPEC });
}

/** The sum of counter `name` over the series whose labels include `labels`. */
export function counter(m: MetricsSnapshot, name: string, labels: Readonly<Record<string, string>> = {}): number {
  return m.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);
}
