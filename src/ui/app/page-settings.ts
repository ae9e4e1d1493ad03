/**
 * The settings the user chose for the open rehearsal — durability, workload, whether it runs, the
 * armed faults — kept by the page, not the engine, so that they survive an engine crash and a
 * reload: the engine is opened (and reopened after a restart) with them.
 */
import type { DurabilityMode, FaultSpec } from '../../engine/vocabulary.ts';
import type { EngineState, OpenOptions, WorkloadSettings } from '../../worker/protocol.ts';
import type { PageSettings, PageStore } from './page-store.ts';

/** What the settings need from the page. */
export interface PageSettingsPorts {
  /** The open rehearsal, whose settings are saved; undefined while none is. */
  rehearsalId(): string | undefined;
  /** A save that could not be made in the background. */
  problem(message: string): void;
}

/** The page's settings of the open rehearsal, and which rehearsal that is. */
export class PageSettingsController {
  #settings: PageSettings | null = null;
  /** Faults the user just set, until the engine has them: the engine's older list must not replace them. */
  #editedFaults: readonly FaultSpec[] | undefined;

  constructor(
    private readonly store: PageStore,
    private readonly ports: PageSettingsPorts,
  ) {}

  /** Settings have been read for a rehearsal. */
  get loaded(): boolean {
    return this.#settings !== null;
  }

  /**
   * Reads a rehearsal's saved settings (the defaults for a new one); `durability`, when given,
   * replaces the saved mode; `seed` is a new rehearsal's (a saved one keeps its own).
   */
  async load(rehearsalId: string, durability?: DurabilityMode, seed?: number): Promise<void> {
    const saved = await this.store.settings(rehearsalId).catch(() => null); // unreadable: the defaults
    const settings = saved ?? { durability: durability ?? 'strict', running: false, faults: [], ...(seed !== undefined ? { seed } : {}) };
    this.#settings = durability ? { ...settings, durability } : settings;
  }

  /** The settings as options for opening the engine. */
  openOptions(): Omit<OpenOptions, 'rehearsalId' | 'scenarioId'> {
    const s = this.#settings;
    if (!s) throw new Error('the page settings were used before a rehearsal was opened');
    return { durability: s.durability, faults: s.faults, workloadRunning: s.running, ...(s.workload ? { workload: s.workload } : {}), ...(s.seed !== undefined ? { seed: s.seed } : {}) };
  }

  /** The rehearsal the page had open last, or null. */
  lastOpened(): Promise<string | null> {
    return this.store.currentRehearsal();
  }

  /** Remembers that the page has `rehearsalId` open (null: none). */
  opened(rehearsalId: string | null): Promise<void> {
    return this.store.setCurrentRehearsal(rehearsalId);
  }

  /** Forgets a deleted rehearsal's settings. */
  forget(rehearsalId: string): Promise<void> {
    return this.store.forgetSettings(rehearsalId);
  }

  /** The engine reported the workload it opened with. */
  workloadReported(workload: WorkloadSettings): Promise<void> {
    return this.#update({ workload });
  }

  /** The user changed the workload or started or stopped it. */
  workloadChanged(workload: WorkloadSettings, running: boolean): Promise<void> {
    return this.#update({ workload, running });
  }

  /** The user chose a durability mode (the rehearsal is reopened with it). */
  durabilityChanged(durability: DurabilityMode): Promise<void> {
    return this.#update({ durability });
  }

  /**
   * The user set the armed faults. They are kept, and saved, before the engine hears of them, and
   * the engine's reports do not replace them until `done` is called (once the engine has them): if
   * a crash fault restarts the engine meanwhile, the new engine is armed with these, so a user
   * removing a crash fault at rate 1 is not locked out.
   */
  editFaults(faults: readonly FaultSpec[]): { readonly saved: Promise<void>; done(): void } {
    this.#editedFaults = faults;
    const saved = this.#update({ faults: [...faults] });
    return {
      saved,
      done: () => {
        if (this.#editedFaults === faults) this.#editedFaults = undefined;
      },
    };
  }

  /**
   * A crash fault fired; `faults` are those still armed (one that fires once is gone), so the
   * recovered engine does not crash again at once.
   */
  crashed(faults: readonly FaultSpec[]): void {
    if (this.#settings && !this.#editedFaults) this.#settings = { ...this.#settings, faults: faults.map((f) => ({ ...f })) };
    this.#saveInBackground();
  }

  /** Faults that fire once disarm themselves in the engine: the page's copy follows, so a reload does not arm them again. */
  adoptFaults(state: EngineState): void {
    if (!this.#settings || state.readOnly || this.#editedFaults) return;
    const faults = state.faults.map(({ id: _id, fired: _fired, ...spec }) => spec);
    if (JSON.stringify(faults) === JSON.stringify(this.#settings.faults)) return;
    this.#settings = { ...this.#settings, faults };
    this.#saveInBackground();
  }

  #update(change: Partial<PageSettings>): Promise<void> {
    if (this.#settings) this.#settings = { ...this.#settings, ...change };
    return this.#save();
  }

  #save(): Promise<void> {
    const rehearsalId = this.ports.rehearsalId();
    if (!rehearsalId || !this.#settings) return Promise.resolve();
    return this.store.saveSettings(rehearsalId, this.#settings);
  }

  #saveInBackground(): void {
    this.#save().catch((e: unknown) => this.ports.problem(`the page settings could not be saved: ${(e as Error).message}`));
  }
}
