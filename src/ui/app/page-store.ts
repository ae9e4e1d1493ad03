/**
 * What the page itself remembers between visits, apart from the history: which rehearsal it had
 * open, the settings the user chose for each rehearsal, and whether single-key shortcuts are on.
 * Everything goes through `PageStore`. The page keeps it in IndexedDB beside the history, each
 * change one `strict` transaction: localStorage, where it lived first, is written to disk lazily
 * by Chromium, and a whole-browser kill within seconds of a change lost it (the page then opened
 * on the picker). What an older version left in localStorage is read once and moved over.
 */
import type { DurabilityMode, FaultSpec } from '../../engine/vocabulary.ts';
import type { PageDb } from '../../store/page-db.ts';
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

/** The page's memory in `storage`; each call does its work before it returns (tests, and the legacy store). */
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

// The page's keys sort apart from the rehearsals' history keys (`<rehearsal id>/…`): ids start with a letter.
const PAGE_CURRENT = '~page/current';
const PAGE_SHORTCUTS = '~page/shortcuts';
const pageSettingsKey = (rehearsalId: string): string => `~page/settings/${rehearsalId}`;
const MOVED = '~page/moved-from-local-storage';

/**
 * The page's memory in its IndexedDB database: it resolves once the change is durable, so a kill
 * after that cannot lose it. On first use it moves over what `legacy` (localStorage) holds.
 */
export function indexedDbPageStore(db: PageDb, legacy: Storage | null = globalThis.localStorage ?? null): PageStore {
  let moving: Promise<void> | undefined;
  const moved = (): Promise<void> => {
    moving ??= (async () => {
      if (!legacy || (await db.get(MOVED)) !== undefined) return;
      const set: (readonly [string, unknown])[] = [[MOVED, true]];
      const old = localPageStore(legacy);
      const current = await old.currentRehearsal();
      if (current !== null) set.push([PAGE_CURRENT, current]);
      if (!(await old.shortcutsEnabled())) set.push([PAGE_SHORTCUTS, false]);
      for (let i = 0; i < legacy.length; i++) {
        const key = legacy.key(i);
        const id = key?.startsWith('cutover-lab:settings:') ? key.slice('cutover-lab:settings:'.length) : undefined;
        const settings = id ? await old.settings(id) : null;
        if (id && settings) set.push([pageSettingsKey(id), settings]);
      }
      await db.write({ set });
    })().catch((e: unknown) => {
      moving = undefined;
      throw e;
    });
    return moving;
  };
  const read = async (key: string): Promise<unknown> => {
    await moved().catch(() => undefined); // not moved: read what IndexedDB has, move next time
    return db.get(key);
  };
  const write = async (key: string, value: unknown): Promise<void> => {
    await moved().catch(() => undefined);
    await db.write(value === undefined ? { delete: [key] } : { set: [[key, value]] });
  };
  return {
    async currentRehearsal() {
      const current = await read(PAGE_CURRENT);
      return typeof current === 'string' ? current : null;
    },
    setCurrentRehearsal: (rehearsalId) => write(PAGE_CURRENT, rehearsalId ?? undefined),
    async settings(rehearsalId) {
      const saved = await read(pageSettingsKey(rehearsalId)).catch(() => undefined);
      return saved && typeof saved === 'object' ? (saved as PageSettings) : null;
    },
    saveSettings: (rehearsalId, settings) => write(pageSettingsKey(rehearsalId), settings),
    forgetSettings: (rehearsalId) => write(pageSettingsKey(rehearsalId), undefined),
    async shortcutsEnabled() {
      return (await read(PAGE_SHORTCUTS).catch(() => undefined)) !== false;
    },
    setShortcutsEnabled: (enabled) => write(PAGE_SHORTCUTS, enabled),
  };
}
