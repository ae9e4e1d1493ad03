/**
 * What the page itself remembers between visits, apart from the history: which rehearsal it had
 * open, the settings the user chose for each rehearsal, and whether single-key shortcuts are on.
 * Everything goes through `PageStore`, so that where it is kept can change without the
 * controllers noticing: localStorage today, which a whole-browser kill can lose the last writes
 * of; IndexedDB next. Every method is async for that reason.
 */
import type { DurabilityMode, FaultSpec } from '../../engine/vocabulary.ts';
import type { WorkloadSettings } from '../../worker/protocol.ts';

/** What the page remembers per rehearsal, to open it again with the same settings after a crash or a reload. */
export interface PageSettings {
  readonly durability: DurabilityMode;
  /** Unset until the engine first reports the scenario's workload. */
  readonly workload?: WorkloadSettings;
  /** The user has the workload running. */
  readonly running: boolean;
  /** The armed faults, without ids and fired counts. */
  readonly faults: readonly FaultSpec[];
}

/** Where the page keeps what it remembers. A method rejects when storage refuses. */
export interface PageStore {
  /** The rehearsal the page had open last, or null (the picker shows). */
  currentRehearsal(): Promise<string | null>;
  /** Remembers the rehearsal the page has open; null: none. */
  setCurrentRehearsal(rehearsalId: string | null): Promise<void>;
  /** The settings saved for a rehearsal; null when there are none or they cannot be read (the defaults apply). */
  settings(rehearsalId: string): Promise<PageSettings | null>;
  /** Replaces a rehearsal's saved settings. The store keeps its own copy. */
  saveSettings(rehearsalId: string, settings: PageSettings): Promise<void>;
  /** Forgets a rehearsal's settings (the rehearsal is deleted). */
  forgetSettings(rehearsalId: string): Promise<void>;
  /** Whether single-key shortcuts are on (they are unless the user turned them off). */
  shortcutsEnabled(): Promise<boolean>;
  /** Remembers whether single-key shortcuts are on. */
  setShortcutsEnabled(enabled: boolean): Promise<void>;
}

const CURRENT = 'cutover-lab:rehearsal';
const SHORTCUTS = 'cutover-lab:shortcuts';
const settingsKey = (rehearsalId: string): string => `cutover-lab:settings:${rehearsalId}`;

/** The page's memory in `storage` (localStorage by default); each call does its work before it returns. */
export function localPageStore(storage: Storage = localStorage): PageStore {
  return {
    async currentRehearsal() {
      return storage.getItem(CURRENT);
    },
    async setCurrentRehearsal(rehearsalId) {
      if (rehearsalId === null) storage.removeItem(CURRENT);
      else storage.setItem(CURRENT, rehearsalId);
    },
    async settings(rehearsalId) {
      try {
        return JSON.parse(storage.getItem(settingsKey(rehearsalId)) ?? 'null') as PageSettings | null;
      } catch {
        return null; // unreadable settings: start from the defaults
      }
    },
    async saveSettings(rehearsalId, settings) {
      storage.setItem(settingsKey(rehearsalId), JSON.stringify(settings));
    },
    async forgetSettings(rehearsalId) {
      storage.removeItem(settingsKey(rehearsalId));
    },
    async shortcutsEnabled() {
      return storage.getItem(SHORTCUTS) !== 'off';
    },
    async setShortcutsEnabled(enabled) {
      storage.setItem(SHORTCUTS, enabled ? 'on' : 'off');
    },
  };
}
