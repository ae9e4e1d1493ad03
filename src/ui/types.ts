/** Data the UI's components share. Components take it as properties and fire `cl-*` events; none of them talks to the engine. */
import type { OperationResult, Phase } from '../engine/vocabulary.ts';

/** One line of the history panel: an operation or something that happened to the rehearsal. */
export type HistoryEntry =
  | {
      readonly kind: 'operation';
      /** Position in the history (invocation order). */
      readonly index: number;
      readonly name: string;
      readonly access: 'read' | 'write';
      readonly phase: Phase;
      readonly params: Readonly<Record<string, unknown>>;
      readonly at: number;
      /** Undefined while in flight. */
      readonly outcome: 'ok' | 'fail' | 'info' | undefined;
      readonly result?: OperationResult;
      /** Why an indeterminate operation is indeterminate ("crashed at now"). */
      readonly note?: string;
    }
  | {
      readonly kind: 'event';
      readonly index: number;
      readonly at: number;
      readonly level: 'info' | 'warning' | 'error';
      readonly message: string;
    };

/** A history entry that is an operation. */
export type Operation = Extract<HistoryEntry, { kind: 'operation' }>;

/** A history entry that is an event (a notice, a restart). */
export type LogEvent = Extract<HistoryEntry, { kind: 'event' }>;

/** Filters of the history panel. */
export interface HistoryFilter {
  readonly text: string;
  readonly show: 'all' | 'operations' | 'events';
  readonly outcome: 'any' | 'ok' | 'fail' | 'info';
}
