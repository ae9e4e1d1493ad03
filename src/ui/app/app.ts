/**
 * The playground: every panel of a rehearsal in one page. The app holds the engine controller and
 * passes data down; panels fire `cl-*` events up, which the controller turns into engine calls.
 * Keyboard shortcuts are handled here (`?` lists them).
 *
 * @csspart header - the top bar
 */
import { html, LitElement, nothing } from 'lit';
import { PHASES, phaseIndex } from '../../engine/vocabulary.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { scenarioInfo, type DatabaseInspection, type DryRunResult, type ScenarioCheck, type ScenarioInfo, type ShareCheck } from '../../worker/protocol.ts';
import type { ImportPorts } from '../database-import/database-import.ts';
import '../about/about-panel.ts';
import type { ClAbout } from '../about/about-panel.ts';
import '../actions/actions.ts';
import '../consistency/consistency.ts';
import type { ClEventMap } from '../events.ts';
import '../export/export-menu.ts';
import { LiveExport } from '../export/live-export.ts';
import '../faults/faults.ts';
import '../figures/figures.ts';
import '../history/history.ts';
import '../invariant-badge/invariant-badge.ts';
import '../phase-stepper/phase-stepper.ts';
import { downloadBytes, downloadText } from '../plan/download.ts';
import { PlanController } from '../plan/plan-controller.ts';
import '../plan/plan-panel.ts';
import '../rollback-dialog/rollback-dialog.ts';
import '../scenario-picker/scenario-picker.ts';
import { encodeShare, isShareFragment } from '../share/share-link.ts';
import '../share/share-preview.ts';
import type { ClSharePreview } from '../share/share-preview.ts';
import '../shortcuts/shortcuts.ts';
import type { ClShortcuts } from '../shortcuts/shortcuts.ts';
import '../sql-console/sql-console.ts';
import '../workload/workload.ts';
import { shared } from '../theme.ts';
import { appStyles } from './app.styles.ts';
import type { HistoryFilter } from '../types.ts';
import { ChartMarkersController } from './chart-markers.ts';
import { EngineController } from './engine-controller.ts';
import { openPageDb } from '../../store/page-db.ts';
import { indexedDbPageStore, type PageStore, type UserScenario } from './page-store.ts';

const BUILT_INS: ScenarioInfo[] = Object.values(BUILT_IN_SCENARIOS).map(scenarioInfo);

/** Events the app forwards to the controller. */
const FORWARDED: readonly (keyof ClEventMap)[] = [
  'cl-move-phase',
  'cl-plan-rollback',
  'cl-restore-backup',
  'cl-copy',
  'cl-verify',
  'cl-workload',
  'cl-faults',
  'cl-crash-now',
  'cl-corrupt-snapshot',
  'cl-durability',
  'cl-run-query',
  'cl-check-history',
  'cl-open-rehearsal',
];

/** The playground: the picker, or every panel of the open rehearsal, over the engine controller. */
export class ClApp extends LitElement {
  static override properties = {
    _historyFilter: { state: true },
    _highlight: { state: true },
    _picking: { state: true },
    _keys: { state: true },
    _userScenarios: { state: true },
  };

  declare private _historyFilter: HistoryFilter;
  declare private _highlight: string;
  declare private _picking: boolean;
  /** Single-key shortcuts on (the user can turn them off in the shortcuts dialog). */
  declare private _keys: boolean;
  /** The user's scenario files (checked valid when added), listed in the picker. */
  declare private _userScenarios: readonly UserScenario[];
  /** The picker checks a scenario file in the worker. */
  readonly #checkScenario = (text: string): Promise<ScenarioCheck> => this.engine.client.call<ScenarioCheck>((api) => api.checkScenario(text));
  /** A database import: the worker checks the file, describes it and dry-runs scenarios on it. */
  readonly #importPorts: ImportPorts = {
    // A large file takes the worker a while (integrity check of every page): the open's time limit.
    inspect: (bytes, fileName) => this.engine.client.call<DatabaseInspection>((api) => api.inspectDatabase(bytes, fileName), { timeoutMs: 10 * 60_000 }),
    check: this.#checkScenario,
    dryRun: (scenario, importId) => this.engine.client.call<DryRunResult>((api) => api.dryRun(scenario, importId), { timeoutMs: 5 * 60_000 }),
  };

  /** What the page remembers between visits: the open rehearsal, its settings, the shortcuts switch. */
  readonly #store: PageStore = indexedDbPageStore(openPageDb());
  readonly engine = new EngineController(this, (name) => new Worker(new URL('../../worker/engine.worker.ts', import.meta.url), { type: 'module', name }), this.#store);
  /** Marks on the charts' time axis: phase moves, faults, crashes, verifies and copy passes (`add` puts a plan step's). */
  readonly chartMarkers = new ChartMarkersController(this, { history: () => this.engine.history, state: () => this.engine.state });
  /** The Plan panel: recording into a plan, loading one, replaying it in the worker, exports. */
  readonly plan = new PlanController(this, {
    client: this.engine.client,
    recorder: this.engine.planRecorder,
    rehearsal: () => {
      const s = this.engine.state;
      return s ? { scenarioId: s.scenario.id, phase: s.phase, scenarioMix: s.scenario.mix, workload: s.workload, faults: s.faults } : null;
    },
    download: downloadText,
  });
  /** The header's Export menu: the databases as `.sqlite` files, the scenario, the live report. */
  readonly exports = new LiveExport(this, {
    client: this.engine.client,
    state: () => this.engine.state,
    historyCheck: () => this.engine.check.report,
    downloadText,
    downloadBytes,
    notify: (level, text) => this.engine.notify(level, text),
  });

  constructor() {
    super();
    this._historyFilter = { text: '', show: 'all', outcome: 'any' };
    this._highlight = '';
    this._picking = false;
    this._keys = true;
    this._userScenarios = [];
    this.#store.userScenarios().then(
      (list) => (this._userScenarios = list),
      (error: unknown) => this.engine.notify('warning', `your scenarios could not be read: ${(error as Error).message}`),
    );
    this.addEventListener('cl-add-scenario', (e) => void this.#keepScenario(e.detail));
    this.addEventListener('cl-remove-scenario', (e) => void this.#forgetScenario(e.detail.id));
    this.#store.shortcutsEnabled().then(
      (enabled) => (this._keys = enabled),
      () => undefined, // unreadable: they stay on
    );
    for (const type of FORWARDED) {
      this.addEventListener(type, (e: Event) => {
        const detail = (e as CustomEvent).detail as never;
        if (type === 'cl-open-rehearsal') this._picking = false;
        void (this.engine.handlers[type] as (d: never) => Promise<void> | void)(detail);
      });
    }
    this.addEventListener('cl-show-history', (e) => {
      // A filter left in place could hide exactly the entries asked for.
      this._historyFilter = { text: '', show: 'all', outcome: 'any' };
      this._highlight = e.detail.filter;
      this.#reveal('#history', 'cl-history', '.list');
    });
    this.addEventListener('cl-delete-rehearsal', (e: Event) => void this.engine.remove((e as CustomEvent<{ rehearsalId: string }>).detail.rehearsalId));
    this.addEventListener('cl-shortcuts-change', (e) => {
      this._keys = e.detail.enabled;
      this.#store.setShortcutsEnabled(e.detail.enabled).catch((error: unknown) => this.engine.notify('warning', `the shortcuts setting could not be saved: ${(error as Error).message}`));
    });
    this.addEventListener('cl-dialog-close', () => this.engine.rollback.close());
    this.engine.workerEvents.add((events) => this.plan.events(events));
    this.addEventListener('cl-plan', (e) => void this.plan.handle(e.detail));
    this.addEventListener('cl-export', (e) => void this.exports.run(e.detail.what));
    this.addEventListener('cl-show-consistency', () => this.#reveal('#consistency', 'cl-consistency', '[role="listbox"], button'));
  }

  static override styles = [shared, appStyles];

  async #keepScenario(entry: UserScenario): Promise<void> {
    try {
      await this.#store.saveUserScenario(entry);
      this._userScenarios = [...this._userScenarios.filter((u) => u.scenario.id !== entry.scenario.id), entry].sort((a, b) => a.scenario.id.localeCompare(b.scenario.id));
    } catch (error) {
      this.engine.notify('warning', `your scenario "${entry.scenario.id}" could not be kept: ${(error as Error).message}`);
    }
  }

  async #forgetScenario(id: string): Promise<void> {
    try {
      await this.#store.removeUserScenario(id);
      this._userScenarios = this._userScenarios.filter((u) => u.scenario.id !== id);
    } catch (error) {
      this.engine.notify('warning', `your scenario "${id}" could not be removed: ${(error as Error).message}`);
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.#handleKey);
    // A share link's preview lives outside the app's template, so that switching views keeps it.
    document.body.append(this.#sharePreview);
    window.addEventListener('hashchange', this.#onHash);
    this.#onHash();
  }

  override disconnectedCallback(): void {
    document.removeEventListener('keydown', this.#handleKey);
    window.removeEventListener('hashchange', this.#onHash);
    this.#sharePreview.remove();
    super.disconnectedCallback();
  }

  /** The share link's preview: the engine validates the link, Load opens a new rehearsal, nothing runs before. */
  readonly #sharePreview: ClSharePreview = (() => {
    const el = document.createElement('cl-share-preview');
    el.check = (scenario, plan) => this.engine.client.call((api): Promise<ShareCheck> => api.checkShare(scenario, plan));
    el.load = async (scenario, seed, plan) => {
      this._picking = false;
      await this.engine.open({ scenario, ...(seed !== undefined ? { seed } : {}) });
      if (plan === undefined || this.engine.state?.scenario.id !== scenario.id) return;
      // The link's plan, with its seed, is in the Plan panel ready to Step or Continue.
      await this.plan.loadShared(`${scenario.id}.shared-plan.json`, JSON.stringify(plan, null, 2), seed);
      this.#reveal('#plan', 'cl-plan-panel', 'button.primary:not([disabled])');
    };
    el.keep = async (scenario) => {
      // As a scenario file is kept: checked by the worker (a built-in's id is refused), then listed on the picker.
      const checked = await this.#checkScenario(JSON.stringify(scenario));
      if (!checked.ok) {
        this.engine.notify('warning', `the shared scenario was not kept: ${checked.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`).join('; ')}`);
        return;
      }
      // A link never replaces a scenario of yours: one with the same id is kept under a new one.
      const taken = new Set(this._userScenarios.map((u) => u.scenario.id));
      let id = checked.scenario.id;
      for (let n = 2; taken.has(id); n++) id = `${checked.scenario.id.slice(0, 56)}-${n}`;
      await this.#keepScenario({ scenario: { ...checked.scenario, id }, warnings: checked.warnings });
      this.engine.notify('info', `"${id}" is kept on the picker with your scenarios${id === checked.scenario.id ? '' : ` (you already had a "${checked.scenario.id}")`}.`);
      this._picking = true;
    };
    el.dismiss = () => {
      if (isShareFragment(location.hash)) history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    };
    return el;
  })();

  /** A `#share=…` fragment (on load, or pasted into the address bar) opens its preview. */
  readonly #onHash = (): void => {
    if (isShareFragment(location.hash)) void this.#sharePreview.show(location.hash);
  };

  /**
   * Copies a share link of the open rehearsal's scenario and seed; with a plan in the Plan panel,
   * the link carries the plan and the seed its replay uses, so that the same figures come back
   * where the link is loaded. Where the clipboard refuses, shows the link to copy.
   */
  async #copyShareLink(): Promise<void> {
    let url: string;
    let what: string;
    try {
      const shareable = await this.engine.client.call((api) => api.shareable());
      const loaded = this.plan.view.loaded;
      const payload = loaded ? { scenario: shareable.scenario, plan: loaded.plan, seed: this.plan.view.seed } : shareable;
      what = loaded ? `the scenario, the plan "${loaded.name}" and its seed ${this.plan.view.seed}` : `the scenario and its seed ${shareable.seed}`;
      url = `${location.origin}${location.pathname}${location.search}${await encodeShare(payload)}`;
    } catch (e) {
      this.engine.notify('error', `could not make a share link: ${(e as Error).message}`);
      return;
    }
    try {
      await navigator.clipboard.writeText(url);
      this.engine.notify('info', `Share link copied: it holds ${what}, never the data.`);
    } catch {
      await this.#sharePreview.showLink(url);
    }
  }

  /** Shortcuts, unless the user is typing. */
  readonly #handleKey = (e: KeyboardEvent): void => {
    // A held key repeats: one phase move per press, not one per repeat.
    if (!this._keys || e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
    const path = e.composedPath();
    const target = path[0] as HTMLElement | undefined;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    // Nothing runs behind a modal dialog (the dialogs live in the components' shadow roots).
    if (path.some((n) => n instanceof HTMLDialogElement) || this.#modalOpen()) return;
    const state = this.engine.state;
    const run = (action: () => void): void => {
      e.preventDefault();
      action();
    };
    switch (e.key) {
      case '?':
        return run(() => this.renderRoot.querySelector<ClShortcuts>('cl-shortcuts')?.show());
      case '/':
        return run(() => this.#focusIn('cl-history', 'input'));
      case 'e':
        return run(() => this.#focusIn('cl-sql-console', '.cm-content'));
    }
    if (!state || state.readOnly) return;
    switch (e.key) {
      case 'n': {
        const next = PHASES[phaseIndex(state.phase) + 1];
        if (next) run(() => void this.engine.handlers['cl-move-phase']({ to: next, options: {} }));
        return;
      }
      case 'p': {
        const previous = PHASES[phaseIndex(state.phase) - 1];
        if (previous) run(() => void this.engine.handlers['cl-plan-rollback']({ to: previous }));
        return;
      }
      case 'w':
        return run(() => void this.engine.handlers['cl-workload']({ settings: state.workload, running: !state.workload.running }));
      case 'b': {
        const status = state.backfill.status;
        const command = status === 'running' ? 'pause' : status === 'paused' ? 'resume' : 'start';
        return run(() => void this.engine.handlers['cl-copy']({ action: 'backfill', command }));
      }
      case 'v':
        return run(() => void this.engine.handlers['cl-verify']({}));
      case 'h':
        return run(() => void this.engine.check.run());
      case 'c':
        return run(() => void this.engine.handlers['cl-crash-now']({}));
    }
  };

  /** Scrolls a section into view below the header and focuses `focus` inside its component. */
  #reveal(sectionSelector: string, component: string, focus: string): void {
    void this.updateComplete.then(() => {
      const section = this.renderRoot.querySelector<HTMLElement>(sectionSelector);
      if (!section) return;
      // Below the header, which stays on top on wide screens.
      const header = this.renderRoot.querySelector('header');
      section.style.scrollMarginTop = header && getComputedStyle(header).position === 'sticky' ? `${header.getBoundingClientRect().height + 8}px` : '';
      section.scrollIntoView({ block: 'start' });
      section.querySelector(component)?.shadowRoot?.querySelector<HTMLElement>(focus)?.focus({ preventScroll: true });
    });
  }

  /** The About dialog's question to the engine. */
  readonly #about = () => this.engine.client.call((api) => api.about());

  #modalOpen(): boolean {
    return [...this.renderRoot.querySelectorAll('cl-rollback-dialog, cl-shortcuts, cl-about')].some((el) => el.shadowRoot?.querySelector('dialog[open]'));
  }

  #focusIn(tag: string, selector: string): void {
    const el = this.renderRoot.querySelector(tag);
    const inner = el?.shadowRoot?.querySelector<HTMLElement>(selector);
    (inner ?? (el as HTMLElement | null))?.focus();
    el?.scrollIntoView({ block: 'nearest' });
  }

  #renderNotices() {
    return html`<div class="notices" role="log" aria-live="polite" aria-label="Messages">
      ${this.engine.notices.list.map(
        (n) => html`<div class="notice ${n.level}">
          <p>${n.text}</p>
          <button aria-label="Dismiss" @click=${() => this.engine.notices.dismiss(n.id)}>×</button>
        </div>`,
      )}
    </div>`;
  }

  /** The engine starting, or a new rehearsal's starting records loading (with how far). */
  #renderLoading() {
    const p = this.engine.startingProgress;
    if (!p) return html`<main><p class="loading" role="status">Starting the engine…</p></main>`;
    const counted = `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}`;
    const what =
      p.stage === 'generating'
        ? `Making starting records: ${counted}`
        : p.stage === 'importing'
          ? `Importing the database's rows (a version for each record): ${counted}`
          : 'Storing the starting records in IndexedDB…';
    const working = p.stage === 'generating' || p.stage === 'importing';
    return html`<main>
      <p class="loading" role="status">${what}</p>
      <progress max=${p.total} value=${working ? p.done : p.total} aria-label="Starting records made"></progress>
    </main>`;
  }

  #renderPicker() {
    return html`<main class="picker">
      <h2>Rehearse a migration</h2>
      <p class="muted">Pick a migration to rehearse. Old and new schemas run side by side on SQLite in this tab, and everything is kept in IndexedDB: reload, crash, come back.</p>
      <cl-scenario-picker
        .scenarios=${BUILT_INS}
        .userScenarios=${this._userScenarios}
        .checkScenario=${this.#checkScenario}
        .importPorts=${this.#importPorts}
        .rehearsals=${this.engine.rehearsals}
        ?busy=${this.engine.loading}
      ></cl-scenario-picker>
    </main>`;
  }

  override render() {
    const e = this.engine;
    const state = e.state;
    const header = html`<header part="header">
      <h1>Cutover Lab</h1>
      <div class="title">
        ${state
          ? html`<div title=${state.scenario.title}>${state.scenario.title}</div>
              <div class="badge-line muted">rehearsal ${state.rehearsalId} · ${state.durability} · phase ${state.phase} · engine #${state.incarnation}</div>`
          : html`<div class="muted">zero-downtime migration rehearsals</div>`}
      </div>
      ${state ? html`<cl-invariant-badge .report=${e.check.report} ?checking=${e.check.checking}></cl-invariant-badge>` : nothing}
      ${state && !this._picking ? html`<button @click=${() => (this._picking = true)}>Rehearsals…</button>` : nothing}
      ${this._picking && state ? html`<button @click=${() => (this._picking = false)}>Back to the rehearsal</button>` : nothing}
      ${state ? html`<button title="Copy a link to this rehearsal's scenario and seed, and the Plan panel's plan (never its data)" @click=${() => void this.#copyShareLink()}>Copy share link</button>` : nothing}
      ${state && !this._picking ? html`<cl-export-menu .unavailable=${this.exports.unavailable()} .busy=${this.exports.busy}></cl-export-menu>` : nothing}
      <button title="About this playground: SQLite build, storage, durability" @click=${() => void this.renderRoot.querySelector<ClAbout>('cl-about')?.show()}>About</button>
      <button aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" @click=${() => this.renderRoot.querySelector<ClShortcuts>('cl-shortcuts')?.show()}>?</button>
    </header>`;
    if (!state || this._picking) {
      return html`${header}${e.loading && (!state || e.startingProgress) ? this.#renderLoading() : this.#renderPicker()}${this.#renderNotices()}<cl-shortcuts .enabled=${this._keys}></cl-shortcuts><cl-about .load=${this.#about}></cl-about>`;
    }
    const labels = state.scenario.labels;
    return html`
      ${header}
      ${state.readOnly ? html`<div class="readonly" role="status">Read-only: this rehearsal is open in another tab, which holds it for writing. When that tab closes, this one takes over.</div>` : nothing}
      <main class="panels" aria-busy=${e.loading ? 'true' : 'false'}>
        <div class="column">
          <section id="phases" aria-labelledby="h-phases"><h2 id="h-phases">Phases</h2><cl-phase-stepper .state=${state}></cl-phase-stepper></section>
          <section id="actions" aria-labelledby="h-actions"><h2 id="h-actions">Actions</h2><cl-actions .state=${state}></cl-actions></section>
          <section id="workload" aria-labelledby="h-workload"><h2 id="h-workload">Workload</h2><cl-workload .state=${state}></cl-workload></section>
          <section id="faults" aria-labelledby="h-faults"><h2 id="h-faults">Faults</h2><cl-faults .state=${state}></cl-faults></section>
          <section id="plan" aria-labelledby="h-plan"><h2 id="h-plan">Plan</h2><cl-plan-panel .view=${this.plan.view} ?read-only=${state.readOnly}></cl-plan-panel></section>
        </div>
        <div class="column">
          <section id="metrics" aria-labelledby="h-metrics"><h2 id="h-metrics">Metrics</h2><cl-figures .metrics=${e.figures.metrics} .labels=${labels} .markers=${this.chartMarkers.markers}></cl-figures></section>
          <section id="consistency" aria-labelledby="h-consistency"><h2 id="h-consistency">Consistency</h2><cl-consistency .report=${e.consistency} .verifiedAt=${e.consistencyAt} .labels=${labels} ?verifying=${e.verifying}></cl-consistency></section>
          <section id="history" aria-labelledby="h-history">
            <h2 id="h-history">History</h2>
            <cl-history
              .entries=${e.history?.entries ?? []}
              .revision=${e.history?.revision ?? 0}
              .filter=${this._historyFilter}
              .highlight=${this._highlight}
              .lostIndexes=${e.check.lostEntryIndexes}
              @cl-history-filter=${(ev: CustomEvent<HistoryFilter>) => (this._historyFilter = ev.detail)}
              @cl-clear-highlight=${() => (this._highlight = '')}
            ></cl-history>
          </section>
        </div>
        <section id="console" aria-labelledby="h-console">
          <h2 id="h-console">SQL console</h2>
          <cl-sql-console .labels=${labels} .schema=${e.figures.schema} .result=${e.sqlConsole.result} .error=${e.sqlConsole.error} ?running=${e.sqlConsole.running}></cl-sql-console>
        </section>
      </main>
      <cl-rollback-dialog
        .plan=${e.rollback.plan}
        .message=${e.rollback.message}
        .copying=${[state.backfill, state.reverseSync].find((p) => p.status === 'running') ?? null}
        ?busy=${e.rollback.busy}
        ?read-only=${state.readOnly}
      ></cl-rollback-dialog>
      <cl-shortcuts .enabled=${this._keys}></cl-shortcuts>
      <cl-about .load=${this.#about}></cl-about>
      ${this.#renderNotices()}
    `;
  }
}

if (!customElements.get('cl-app')) customElements.define('cl-app', ClApp);

declare global {
  interface HTMLElementTagNameMap {
    'cl-app': ClApp;
  }
  interface HTMLElementEventMap {
    'cl-delete-rehearsal': CustomEvent<{ rehearsalId: string }>;
  }
}
