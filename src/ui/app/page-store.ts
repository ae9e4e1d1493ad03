/**
 * What the page itself remembers between visits, apart from the history: which rehearsal it had
 * open, the settings the user chose for each rehearsal, and whether single-key shortcuts are on.
 * Everything goes through `PageStore`. The page keeps it in IndexedDB beside the history, each
 * change one `strict` transaction: localStorage, where it lived first, is written to disk lazily
 * by Chromium, and a whole-browser kill within seconds of a change lost it (the page then opened
 * on the picker). What an older version left in localStorage is read once and moved over.
 */
import type { DurabilityMode, FaultSpec, Scenario } from '../../engine/vocabulary.ts';
import type { PageDb } from '../../store/page-db.ts';
import type { Problem, WorkloadSettings } from '../../worker/protocol.ts';

/** A scenario file the user opened and the worker found valid, kept to start rehearsals from. */
export interface UserScenario {
  readonly scenario: Scenario;
  /** The validator's warnings when it was checked. */
  readonly warnings: readonly Problem[];
}

/** What the page remembers per rehearsal, to open it again with the same settings after a crash or a reload. */
export interface PageSettings {
  readonly durability: DurabilityMode;
  /** Unset until the engine first reports the scenario's workload. */
  readonly workload?: WorkloadSettings;
  /** The user has the workload running. */
  readonly running: boolean;
  /** The armed faults, without ids and fired counts. */
  readonly faults: readonly FaultSpec[];
  /** The rehearsal's seed when it is not the default 1 (a share link's): a restart must open it with the same. */
  readonly seed?: number;
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
  /** The user's scenarios (checked valid when added), by id. */
  userScenarios(): Promise<UserScenario[]>;
  /** Keeps a user scenario (replacing one with its id). */
  saveUserScenario(entry: UserScenario): Promise<void>;
  /** Forgets a user scenario; rehearsals made from it keep their own stored copy. */
  removeUserScenario(id: string): Promise<void>;
}

/** A stored user scenario, or null when what was read is not one (ignored). */
function asUserScenario(value: unknown): UserScenario | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Partial<UserScenario>;
  return v.scenario && typeof v.scenario === 'object' && typeof v.scenario.id === 'string' && Array.isArray(v.warnings) ? (v as UserScenario) : null;
}

const CURRENT = 'cutover-lab:rehearsal';
const SHORTCUTS = 'cutover-lab:shortcuts';
const settingsKey = (rehearsalId: string): string => `cutover-lab:settings:${rehearsalId}`;
const SCENARIO_PREFIX = 'cutover-lab:scenario:';

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
    async userScenarios() {
      const out: UserScenario[] = [];
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (!key?.startsWith(SCENARIO_PREFIX)) continue;
        try {
          const entry = asUserScenario(JSON.parse(storage.getItem(key) ?? 'null'));
          if (entry) out.push(entry);
        } catch {
          // unreadable: not listed
        }
      }
      return out.sort((a, b) => a.scenario.id.localeCompare(b.scenario.id));
    },
    async saveUserScenario(entry) {
      storage.setItem(SCENARIO_PREFIX + entry.scenario.id, JSON.stringify(entry));
    },
    async removeUserScenario(id) {
      storage.removeItem(SCENARIO_PREFIX + id);
    },
  };
}

// The page's keys sort apart from the rehearsals' history keys (`<rehearsal id>/…`): ids start with a letter.
const PAGE_CURRENT = '~page/current';
const PAGE_SHORTCUTS = '~page/shortcuts';
const pageSettingsKey = (rehearsalId: string): string => `~page/settings/${rehearsalId}`;
const MOVED = '~page/moved-from-local-storage';
const PAGE_SCENARIOS = '~page/scenario/';

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
    async userScenarios() {
      const out: UserScenario[] = [];
      for (const key of await db.keys(PAGE_SCENARIOS)) {
        const entry = asUserScenario(await db.get(key));
        if (entry) out.push(entry);
      }
      return out;
    },
    saveUserScenario: (entry) => write(PAGE_SCENARIOS + entry.scenario.id, entry),
    removeUserScenario: (id) => write(PAGE_SCENARIOS + id, undefined),
  };
}
