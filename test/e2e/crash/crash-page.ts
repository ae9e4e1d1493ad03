/**
 * The page the real-crash test drives: it opens a rehearsal on IndexedDB (recovering whatever the
 * last killed browser left), reports what it finds, and runs a stream of writes, printing
 * `ACK <job>` for every acknowledged one so the driver knows what must survive the next SIGKILL.
 */
import { realClock } from '../../../src/store/real-clock.ts';
import type { DurabilityMode } from '../../../src/engine/durability/types.ts';
import { Rehearsal } from '../../../src/engine/rehearsal.ts';
import { validateScenario } from '../../../src/engine/scenario/validate.ts';
import { BUILT_IN_SCENARIOS } from '../../../src/scenarios/index.ts';
import { loadBrowserSqlEngine } from '../../../src/store/browser-sql.ts';
import { webCryptoSha256 } from '../../../src/store/digest.ts';
import { browserDataLoss, createStrictStore, IndexedDbBackend } from '../../../src/store/idb-backend.ts';

interface RecoveredState {
  readonly dataLoss: string | null;
  readonly jobs: string[];
  readonly integrity: string[];
  readonly problems: readonly string[];
  readonly phase: string;
}

let rehearsal: Rehearsal | undefined;

async function open(mode: DurabilityMode): Promise<RecoveredState> {
  const sql = await loadBrowserSqlEngine();
  const v = validateScenario(BUILT_IN_SCENARIOS['job-keys'], sql);
  if (!v.ok) throw new Error('job-keys does not validate');
  rehearsal = await Rehearsal.open({
    scenario: { ...v.scenario, settings: { ...v.scenario.settings, checkpointEvery: 40 } },
    id: `crash-${mode}`,
    seed: 1,
    durability: mode,
    ports: { sql, backend: new IndexedDbBackend(createStrictStore('cutover-lab-crash')), digest: webCryptoSha256, clock: realClock },
  });
  const db = rehearsal.database('old');
  const jobs = db.query(`SELECT json_extract(value, '$.job_id') AS id FROM kv`).map((r) => String(r.id));
  const integrity = [rehearsal.database('old'), rehearsal.database('new')].map((d) => String(Object.values(d.query('PRAGMA integrity_check')[0] ?? {})[0]));
  const loss = browserDataLoss('cutover-lab-crash');
  return { dataLoss: loss ? `${loss.kind}: ${loss.message}` : null, jobs, integrity, problems: rehearsal.recoveryProblems, phase: rehearsal.phase };
}

/** Writes jobs `${run}-0`, `${run}-1`, … with `concurrency` in flight, until the page dies. */
async function stream(run: string, concurrency: number): Promise<void> {
  const r = rehearsal;
  if (!r) throw new Error('open first');
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const job = `${run}-${next++}`;
      const result = await r.execute('enqueue', { job_id: job, workspace_id: 'ws-crash', kind: 'embed', result: null, created_at: new Date().toISOString().slice(0, 19).replace('T', ' ') });
      if (result.outcome === 'ok') console.log(`ACK ${job}`);
      else console.log(`FAIL ${job} ${result.error?.message ?? ''}`);
      // Yield to the event loop between requests, as an application serving events does; in
      // unsafe-ack-first nothing else would, and its deferred flush would never run.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

declare global {
  interface Window {
    harness: { open: typeof open; stream: typeof stream; ready: boolean };
  }
}

window.harness = { open, stream, ready: true };
