/**
 * The body of a `simulate` worker thread: loads sql.js itself, takes the scenario and settings
 * from `workerData`, then runs the seeds the main thread sends, one at a time, and sends each
 * seed's result back. See parallel.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadNodeSqlEngine } from './node-sql.ts';
import type { SeedRequest, SeedResponse, WorkerSettings } from './parallel.ts';
import { simulateSeed } from './simulate.ts';

const port = parentPort;
if (!port) throw new Error('simulate-worker: not a worker thread');
const settings = workerData as WorkerSettings;
const sql = await loadNodeSqlEngine();
const options = { ...settings, sql, seeds: 1 };

port.on('message', (request: SeedRequest) => {
  simulateSeed(options, request.seed).then(
    (result) => port.postMessage({ seed: request.seed, result } satisfies SeedResponse),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ seed: request.seed, error: { name: e.name, message: e.message, stack: e.stack ?? '' } } satisfies SeedResponse);
    },
  );
});
port.postMessage('ready');
