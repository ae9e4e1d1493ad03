/**
 * The `cl-*` events components fire (bubbling, composed), with their details. The app listens to
 * them and calls the engine client; components never call it themselves.
 */
import type { Corruption, DurabilityMode, FaultSpec, MoveOptions, Phase, Scenario, Side, StartingRecordsRequest } from '../engine/vocabulary.ts';
import type { WorkloadSettings } from '../worker/protocol.ts';

/** Each `cl-*` event's detail, by event name. */
export interface ClEventMap {
  /** Move to a phase (forward: guards apply; backward: after the rollback dialog). */
  'cl-move-phase': { to: Phase; options: MoveOptions };
  /** Open the rollback dialog for `to` (the app fetches the plan). */
  'cl-plan-rollback': { to: Phase };
  /** Restore the backup taken before the drop. */
  'cl-restore-backup': Record<string, never>;
  /** Backfill or reverse-sync commands. */
  'cl-copy': { action: 'backfill' | 'reverse-sync'; command: 'start' | 'pause' | 'resume' | 'cancel' | { batchSize: number } };
  'cl-verify': Record<string, never>;
  /** Start or stop the workload, or change it. */
  'cl-workload': { settings: WorkloadSettings; running: boolean };
  /** The armed faults, replaced as a whole. */
  'cl-faults': { faults: FaultSpec[] };
  'cl-crash-now': Record<string, never>;
  'cl-corrupt-snapshot': { corruption: Corruption };
  'cl-durability': { durability: DurabilityMode };
  /** Run one statement in the SQL console. */
  'cl-run-query': { side: Side; sql: string };
  /** Check the history against the databases now. */
  'cl-check-history': Record<string, never>;
  /** Show these history entries (e.g. the lost writes). */
  'cl-show-history': { filter: string };
  /** Create a rehearsal (with a durability mode) of a built-in or a user scenario, or open a stored one (which keeps its own). */
  'cl-open-rehearsal': {
    scenarioId?: string;
    scenario?: Scenario;
    rehearsalId?: string;
    durability?: DurabilityMode;
    startingRecords?: StartingRecordsRequest;
    /** A database file checked by the worker, the new rehearsal's old database (issue 13). */
    startingImport?: { readonly name: string; readonly bytes: Uint8Array };
  };
}

/** Fires a typed `cl-*` event from `target` (bubbles, crosses shadow roots). */
export function fire<K extends keyof ClEventMap>(target: EventTarget, type: K, detail: ClEventMap[K]): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'cl-move-phase': CustomEvent<ClEventMap['cl-move-phase']>;
    'cl-plan-rollback': CustomEvent<ClEventMap['cl-plan-rollback']>;
    'cl-restore-backup': CustomEvent<ClEventMap['cl-restore-backup']>;
    'cl-copy': CustomEvent<ClEventMap['cl-copy']>;
    'cl-verify': CustomEvent<ClEventMap['cl-verify']>;
    'cl-workload': CustomEvent<ClEventMap['cl-workload']>;
    'cl-faults': CustomEvent<ClEventMap['cl-faults']>;
    'cl-crash-now': CustomEvent<ClEventMap['cl-crash-now']>;
    'cl-corrupt-snapshot': CustomEvent<ClEventMap['cl-corrupt-snapshot']>;
    'cl-durability': CustomEvent<ClEventMap['cl-durability']>;
    'cl-run-query': CustomEvent<ClEventMap['cl-run-query']>;
    'cl-check-history': CustomEvent<ClEventMap['cl-check-history']>;
    'cl-show-history': CustomEvent<ClEventMap['cl-show-history']>;
    'cl-open-rehearsal': CustomEvent<ClEventMap['cl-open-rehearsal']>;
  }
}
