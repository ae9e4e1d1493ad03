/**
 * One writer per rehearsal across tabs, on the page's side. A tab writing a rehearsal holds its
 * page lock; a read-only tab waits for it. When the browser grants it, the writing tab is gone (a
 * restart of its engine does not release it), and this tab reopens the rehearsal to write it,
 * keeping the lock.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { pageLock, type WriterLock } from '../../store/writer-lock.ts';
import type { EngineState } from '../../worker/protocol.ts';
import type { NoticeLevel } from './notices.ts';

/** What the page lock needs from the page. */
export interface PageLockPorts {
  /** The rehearsal as the engine last reported it, or null. */
  state(): EngineState | null;
  /** Reopens `rehearsalId` for writing, in place of the tab that closed. */
  takeOver(rehearsalId: string): Promise<void>;
  notify(level: NoticeLevel, text: string): void;
}

/** The rehearsal's page lock, held or waited for. */
export class PageLockController implements ReactiveController {
  /** A read-only tab waits for the writing tab to close, then takes the rehearsal over. */
  #watch: AbortController | undefined;
  /** The page lock this page holds (or waits for) while it writes a rehearsal. */
  #page: { readonly id: string; readonly lock: Promise<WriterLock | null>; readonly abort: AbortController } | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly ports: PageLockPorts,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.letGo();
  }

  /** About to open `rehearsalId`: stops waiting, and lets go of a lock held for another rehearsal. */
  opening(rehearsalId: string): void {
    this.#stopWatch();
    if (this.#page?.id !== rehearsalId) this.#release();
  }

  /** After an open or a restart: a writing page holds the rehearsal's page lock; a read-only one lets go of it and waits for it. */
  opened(state: EngineState): void {
    this.#stopWatch();
    if (typeof navigator.locks === 'undefined') return;
    const id = state.rehearsalId;
    if (!state.readOnly) {
      if (this.#page?.id === id) return;
      this.#release();
      const abort = new AbortController();
      this.#page = { id, abort, lock: pageLock(id, abort.signal).catch(() => null) };
      return;
    }
    this.#release();
    const watch = new AbortController();
    this.#watch = watch;
    pageLock(id, watch.signal).then(
      async (lock) => {
        const current = this.ports.state();
        if (watch.signal.aborted || current?.rehearsalId !== id || !current.readOnly) {
          await lock.release();
          return;
        }
        this.#page = { id, abort: new AbortController(), lock: Promise.resolve(lock) };
        await this.ports.takeOver(id);
        const after = this.ports.state();
        if (after?.rehearsalId === id && !after.readOnly) this.ports.notify('info', 'The tab that was writing this rehearsal closed: this tab writes it now.');
        // The open failed (nothing adopted the page lock or started a new watch): let go of it.
        else if (after === current) this.#release();
      },
      () => undefined, // stopped waiting
    );
  }

  /** Neither waits for nor holds the rehearsal's page lock any more (the page leaves it). */
  letGo(): void {
    this.#stopWatch();
    this.#release();
  }

  #stopWatch(): void {
    this.#watch?.abort();
    this.#watch = undefined;
  }

  #release(): void {
    const page = this.#page;
    this.#page = undefined;
    if (!page) return;
    page.abort.abort();
    void page.lock.then((lock) => lock?.release());
  }
}
