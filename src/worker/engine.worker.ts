/// <reference lib="webworker" />
/**
 * The engine's Web Worker. It exposes the engine host through Comlink at once (messages sent
 * before sql.js finished loading wait for it) and holds the rehearsal's writer lock.
 */
import * as Comlink from 'comlink';
import { realClock } from '../store/real-clock.ts';
import { loadBrowserSqlEngine } from '../store/browser-sql.ts';
import { webCryptoSha256 } from '../store/digest.ts';
import { browserDataLoss, IDB_DATABASE, IDB_STORE, IndexedDbBackend } from '../store/idb-backend.ts';
import { tryWriterLock, waitForWriterLock } from '../store/writer-lock.ts';
import { createEngineHost } from './engine-host.ts';
import type { EngineApi } from './protocol.ts';

// The page names each worker "engine-<n>": n counts restarts (crash now, watchdog).
const incarnation = Number(/engine-(\d+)/.exec(self.name)?.[1] ?? 1);

const host: Promise<EngineApi> = loadBrowserSqlEngine().then((sql) =>
  createEngineHost({ sql, backend: new IndexedDbBackend(), digest: webCryptoSha256, clock: realClock, lock: (id, waitMs) => (waitMs > 0 ? waitForWriterLock(id, AbortSignal.timeout(waitMs)).catch(() => null) : tryWriterLock(id)), incarnation, dataLoss: () => browserDataLoss(), storage: `IndexedDB (database "${IDB_DATABASE}", store "${IDB_STORE}")` }),
);

const METHODS = [
  'open', 'list', 'remove', 'state', 'planWorkload', 'nextSeeds', 'execute', 'setWorkload', 'movePhase', 'planRollback', 'restoreBackup', 'copy',
  'verify', 'setFaults', 'corruptSnapshot', 'metrics', 'prometheus', 'query', 'schema', 'checkHistory', 'subscribe', 'close',
  'planStart', 'planStep', 'planContinue', 'planStop', 'planDiscard', 'planRunbook', 'about', 'checkScenario',
  'checkShare', 'shareable',
  'exportDatabase', 'inspectDatabase', 'dryRun',
] as const satisfies readonly (keyof EngineApi)[];
// Every method of EngineApi is forwarded: a method left out of METHODS fails the typecheck here
// (it used to fail only at run time, with "Cannot read properties of undefined").
type Unforwarded = Exclude<keyof EngineApi, (typeof METHODS)[number]>;
const everyMethod: [Unforwarded] extends [never] ? true : { missing: Unforwarded } = true;
void everyMethod;

const forwarding = Object.fromEntries(
  METHODS.map((name) => [name, async (...args: unknown[]) => ((await host)[name] as (...a: unknown[]) => Promise<unknown>)(...args)]),
) as unknown as EngineApi;

Comlink.expose(forwarding);
