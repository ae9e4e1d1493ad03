/** What actions (backfill, reverse-sync, verify, drop) may use of the engine that runs them. */
import type { Metrics } from './checks/metrics.ts';
import type { Clock } from './clock.ts';
import type { DatabaseFiles } from './database-files.ts';
import type { EngineEvent } from './events.ts';
import type { CrashPoint } from './faults.ts';
import type { Phase } from './phases.ts';
import type { RecordAccess } from './records.ts';
import type { Scenario } from './scenario/format.ts';

/** The engine as an action sees it. */
export interface EngineContext {
  readonly scenario: Scenario;
  readonly files: DatabaseFiles;
  readonly records: RecordAccess;
  readonly clock: Clock;
  /** Throws CrashSignal when an armed crash fault fires at `point`. */
  crashPoint(point: CrashPoint): void;
  /** Takes the locks of these records (keys as JSON), waiting for writes in progress on them; resolves with the release. */
  lockRecords(collection: string, keys: readonly string[]): Promise<() => void>;
  readonly metrics: Metrics;
  /** Current phase. */
  phase(): Phase;
  /** Waits until broken files are reloaded; throws CrashSignal when the engine is gone. */
  reloadBrokenFiles(): Promise<void>;
  emit(event: EngineEvent): void;
}
