/**
 * `simulate --threads N`: the seeds run in N worker threads, each with its own sql.js and its own
 * copy of the scenario (plain JSON, cloned into the thread). A seed shares nothing with another
 * (simulate.ts), so the results, put back in seed order, give the report a single thread gives,
 * byte for byte. `onRun` is called in seed order as before: a seed that finishes early waits for
 * the seeds before it.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SqlEngine } from '../engine/sql.ts';
import { loadNodeSqlEngine } from './node-sql.ts';
import { reportOf, simulate, simulationReport, type SeedResult, type SimulateOptions, type SimulationReport, type SimulationWarning } from './simulate.ts';

/** What a worker is given once: the options a seed needs, without the engine or callbacks. */
export type WorkerSettings = Omit<SimulateOptions, 'sql' | 'onRun' | 'seeds' | 'seedStart'>;
export interface SeedRequest {
  readonly seed: number;
}
export type SeedResponse =
  | { readonly seed: number; readonly result: SeedResult }
  | { readonly seed: number; readonly error: { readonly name: string; readonly message: string; readonly stack: string } };

export interface ParallelOptions extends Omit<SimulateOptions, 'sql'> {
  /** Worker threads; 1 runs in this thread as `simulate` does. Default: `os.availableParallelism()`. */
  readonly threads?: number;
  /** The engine for an in-process run; loaded when absent. Workers load their own. */
  readonly sql?: SqlEngine;
}

/** The default `--threads`: one per core. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Runs the simulation on `threads` threads; the report is the one `simulate` gives. */
export async function simulateParallel(options: ParallelOptions): Promise<SimulationReport> {
  const threads = Math.min(options.threads ?? defaultThreads(), options.seeds);
  if (threads <= 1) return simulate({ ...options, sql: options.sql ?? (await loadNodeSqlEngine()) });

  const seedStart = options.seedStart ?? 1;
  const settings: WorkerSettings = {
    scenario: options.scenario,
    ops: options.ops,
    faultRate: options.faultRate,
    durability: options.durability,
    ...(options.careless !== undefined ? { careless: options.careless } : {}),
    ...(options.scenarioArg !== undefined ? { scenarioArg: options.scenarioArg } : {}),
    ...(options.startingRecords ? { startingRecords: options.startingRecords } : {}),
  };
  const results: (SeedResult | undefined)[] = new Array<SeedResult | undefined>(options.seeds).fill(undefined);
  const workers: Worker[] = [];
  let next = 0;
  let reported = 0;

  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      const send = (worker: Worker): void => {
        if (failed || next >= options.seeds) return;
        worker.postMessage({ seed: seedStart + next++ } satisfies SeedRequest);
      };
      for (let t = 0; t < threads; t++) {
        const worker = new Worker(new URL('./simulate-worker.mjs', import.meta.url), { workerData: settings });
        workers.push(worker);
        worker.on('message', (message: SeedResponse | 'ready') => {
          if (message === 'ready') return send(worker);
          if ('error' in message) {
            // The same error a single thread would have thrown, with the worker's stack.
            const e = new Error(message.error.message);
            e.name = message.error.name;
            e.stack = message.error.stack;
            return fail(e);
          }
          results[message.seed - seedStart] = message.result;
          // Progress in seed order: every seed before this one must be in.
          while (reported < options.seeds) {
            const done = results[reported];
            if (!done) break;
            reported++;
            options.onRun?.(done.run, reported);
          }
          if (reported === options.seeds) return resolve();
          send(worker);
        });
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (reported < options.seeds) fail(new Error(`simulate: a worker thread exited (code ${code}) before its seeds were done`));
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return simulationReport(options, results as SeedResult[]);
}

/**
 * Which seeds shard `index` of `count` runs (`--shard i/n`, 1-based): a contiguous block, the
 * blocks in order and as even as they can be (sizes differ by at most one). A shard's report is
 * then exactly the report of `--seeds <size> --seed-start <start>`, and `mergeReports` of the
 * shards in any order is the unsharded report, byte for byte.
 */
export function shardSeeds(seeds: number, seedStart: number, index: number, count: number): { seeds: number; seedStart: number } {
  const from = Math.floor(((index - 1) * seeds) / count);
  const to = Math.floor((index * seeds) / count);
  return { seeds: to - from, seedStart: seedStart + from };
}

/**
 * One report from the reports of contiguous blocks of seeds (shards, or runs of `--seed-start`
 * and `--seeds` that meet): same scenario and settings but for the seeds, no seed missing or
 * twice. Throws an Error saying why when they do not fit together.
 */
export function mergeReports(reports: readonly SimulationReport[]): SimulationReport {
  if (reports.length === 0) throw new Error('nothing to merge');
  for (const r of reports) {
    if (r.format !== 'cutover-lab/simulation' || r.version !== 1) throw new Error('not a cutover-lab simulation report (version 1): written by `simulate --json`?');
  }
  const sorted = [...reports].sort((a, b) => a.settings.seedStart - b.settings.seedStart);
  const first = sorted[0] as SimulationReport;
  const same = (r: SimulationReport): string => JSON.stringify([r.scenario, r.settings.ops, r.settings.faultRate, r.settings.durability, r.settings.careless, r.settings.startingRecords ?? null]);
  let end = first.settings.seedStart;
  for (const r of sorted) {
    if (same(r) !== same(first)) throw new Error(`reports of different simulations: ${r.scenario} ops ${r.settings.ops} fault rate ${r.settings.faultRate} ${r.settings.durability}${r.settings.careless ? ' careless' : ''} and ${first.scenario} ops ${first.settings.ops} fault rate ${first.settings.faultRate} ${first.settings.durability}${first.settings.careless ? ' careless' : ''}`);
    if (r.settings.seedStart !== end) {
      throw new Error(r.settings.seedStart < end ? `seed ${r.settings.seedStart} is in two reports` : `seeds ${end} to ${r.settings.seedStart - 1} are in no report`);
    }
    if (r.runs.length !== r.settings.seeds) throw new Error(`a report of ${r.settings.seeds} seeds from ${r.settings.seedStart} holds ${r.runs.length} runs`);
    end += r.settings.seeds;
  }
  // Warnings in the order first given: the blocks are in seed order, so a warning first given in
  // an earlier block comes first, as in one run over all the seeds.
  const warnings: { -readonly [K in keyof SimulationWarning]: SimulationWarning[K] }[] = [];
  for (const r of sorted) {
    for (const w of r.warnings ?? []) {
      const seen = warnings.find((x) => x.to === w.to && x.warning === w.warning);
      if (seen) seen.runs += w.runs;
      else warnings.push({ to: w.to, warning: w.warning, runs: w.runs });
    }
  }
  const settings = { ...first.settings, seeds: end - first.settings.seedStart };
  return reportOf(first.scenario, settings, sorted.flatMap((r) => r.runs), warnings);
}
