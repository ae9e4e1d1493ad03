/**
 * The pieces a rehearsal is made of, composed once by `Rehearsal.open` and handed to the write
 * path, the read path and the actions. Each piece takes only what it uses; this is the whole set.
 */
import type { Checkpoints } from './checkpoints.ts';
import type { Metrics } from './checks/metrics.ts';
import type { Clock } from './clock.ts';
import type { EngineContext } from './context.ts';
import type { Control } from './control.ts';
import type { DatabaseFiles } from './database-files.ts';
import type { DurableStore } from './durability/durable-store.ts';
import type { DurabilityMode } from './durability/types.ts';
import type { EventBus } from './event-bus.ts';
import type { FaultInjector } from './faults.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Phase, Route } from './phases.ts';
import type { RecordAccess } from './records.ts';
import { versionTable } from './records.ts';
import type { Scenario, ScenarioSettings, Side } from './scenario/format.ts';
import type { SideCalls } from './side-calls.ts';
import type { Params, SqlEngine } from './sql.ts';
import type { KeyLocks } from './sync.ts';
import type { VersionClock } from './version-clock.ts';

/** Everything inside one incarnation of a rehearsal. */
export interface EngineParts {
  readonly scenario: Scenario;
  /** The rehearsal's seed: pieces that draw (verify's sample) fork their own streams from it. */
  readonly seed: string | number;
  readonly settings: Required<ScenarioSettings>;
  readonly durability: DurabilityMode;
  readonly sql: SqlEngine;
  readonly clock: Clock;
  readonly store: DurableStore;
  readonly files: DatabaseFiles;
  readonly records: RecordAccess;
  readonly faults: FaultInjector;
  readonly metrics: Metrics;
  readonly events: EventBus;
  readonly control: Control;
  readonly lifecycle: Lifecycle;
  readonly locks: KeyLocks;
  readonly versions: VersionClock;
  readonly checkpoints: Checkpoints;
  readonly sideCalls: SideCalls;
}

/** One logical operation as it is asked for, with the phase it runs in. */
export interface OperationRequest<Op> {
  readonly id: number;
  readonly name: string;
  readonly op: Op;
  readonly params: Params;
  readonly phase: Phase;
  readonly route: Route;
  /** The clock when the operation began. */
  readonly start: number;
}

/** The lock name of a record. */
export function lockKey(collection: string, recordKey: string): string {
  return `${collection}\u0000${recordKey}`;
}

/** Whether old's tables exist: the database, not the control state, is the truth about a drop. */
export function oldExistsIn(files: DatabaseFiles): boolean {
  return files.db('old').query(`SELECT 1 FROM sqlite_master WHERE name = :n`, { n: versionTable('old') }).length > 0;
}

/** Whether a side's tables exist now (new always does; old until it is dropped). */
export function sideExists(parts: Pick<EngineParts, 'control' | 'files'>, side: Side): boolean {
  if (side === 'new' || parts.control.phase !== 'old-dropped') return true;
  return oldExistsIn(parts.files);
}

/** The engine as the record copier sees it. */
export function copierContext(parts: EngineParts): EngineContext {
  return {
    scenario: parts.scenario,
    files: parts.files,
    records: parts.records,
    clock: parts.clock,
    crashPoint: (p) => parts.lifecycle.crashPoint(p),
    lockRecords: (collection, keys) => parts.locks.acquire(keys.map((k) => lockKey(collection, k))),
    metrics: parts.metrics,
    phase: () => parts.control.phase,
    reloadBrokenFiles: () => parts.lifecycle.reloadBrokenFiles(),
    emit: (e) => parts.events.emit(e),
  };
}
