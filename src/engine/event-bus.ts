/**
 * Delivers engine events to listeners. A listener's error never reaches the engine and is never
 * swallowed either: it is counted and handed to `onRaised`, as GitHub Scientist's `raised` does.
 */
import type { EngineEvent, EngineListener } from './events.ts';

/** Where an error was raised outside the engine's own work. */
export type RaisedWhere = 'listener' | 'publisher';

/** An error a listener or a publisher threw, as reported. */
export interface RaisedError {
  readonly where: RaisedWhere;
  /** The event being delivered when it was thrown (`type` only). */
  readonly event: EngineEvent['type'] | null;
  readonly message: string;
}

/** How many raised errors are kept for `recentRaised`. */
const KEEP_RAISED = 20;

/** Listeners of one rehearsal, and what they raised. */
export class EventBus {
  readonly #listeners = new Set<EngineListener>();
  readonly #recent: RaisedError[] = [];
  #raisedCount = 0;

  /** @param onRaised told of every error a listener throws (after it is counted). */
  constructor(private readonly onRaised: (error: RaisedError) => void = () => undefined) {}

  /** Subscribes; returns the unsubscribe function. */
  on(listener: EngineListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers `event` to every listener; one listener's error does not stop the others. */
  emit(event: EngineEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.raise('listener', error, event.type);
      }
    }
  }

  /** Counts and reports an error thrown outside the engine's own work. */
  raise(where: RaisedWhere, error: unknown, event: EngineEvent['type'] | null = null): void {
    const raised: RaisedError = Object.freeze({ where, event, message: error instanceof Error ? error.message : String(error) });
    this.#raisedCount++;
    this.#recent.push(raised);
    if (this.#recent.length > KEEP_RAISED) this.#recent.shift();
    try {
      this.onRaised(raised);
    } catch {
      // The report of an error failed too: it is already counted and kept in `recentRaised`.
    }
  }

  /** How many errors listeners and publishers raised since this incarnation opened. */
  get raisedCount(): number {
    return this.#raisedCount;
  }

  /** The last few raised errors, oldest first. */
  recentRaised(): readonly RaisedError[] {
    return [...this.#recent];
  }
}
