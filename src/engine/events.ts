/** Events the engine emits, for the event log, the UI and tests. */
import type { ConsistencyReport } from './checks/consistency.ts';
import type { Phase } from './phases.ts';
import type { CopyProgress, OperationResult } from './results.ts';

/** Something that happened in the engine. */
export type EngineEvent =
  | { readonly type: 'operation'; readonly result: OperationResult }
  | { readonly type: 'phase'; readonly from: Phase; readonly to: Phase; readonly how: 'forward' | 'rollback' | 'restore'; readonly forced: boolean }
  | { readonly type: 'copy'; readonly progress: CopyProgress }
  | { readonly type: 'verify'; readonly report: ConsistencyReport }
  | { readonly type: 'fault'; readonly kind: string; readonly detail: string }
  | { readonly type: 'storage-failure'; readonly message: string; readonly reloaded: readonly string[] }
  | { readonly type: 'lost-ack'; readonly file: string; readonly seqs: readonly number[]; readonly message: string }
  | { readonly type: 'checkpoint'; readonly file: string }
  | { readonly type: 'recovered'; readonly problems: readonly string[]; readonly fresh: boolean }
  | { readonly type: 'backup'; readonly name: string; readonly action: 'taken' | 'restored' };

/** Receives engine events. */
export type EngineListener = (event: EngineEvent) => void;
