/**
 * About this playground: the SQLite build (version, compile options), where rehearsals are
 * stored, this site's usage and quota (`navigator.storage.estimate()`), whether its storage is
 * persistent (and a button asking for it), and the open rehearsal's durability mode — what to
 * compare first when something behaves differently in another browser. A dialog, opened from the
 * header; everything in it is read afresh each time it opens, and rendered as text.
 *
 * @csspart dialog - the dialog
 */
import { html, LitElement, nothing } from 'lit';
import type { AboutInfo } from '../../worker/protocol.ts';
import { dialogStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { aboutStyles } from './about-panel.styles.ts';
import { DURABILITY_MEANING, formatBytes, formatShare, LIMITS_DOC } from './about-texts.ts';

/** What the panel uses of `navigator.storage`; any method may be missing in a browser. */
export interface StoragePort {
  estimate?(): Promise<StorageEstimate>;
  persisted?(): Promise<boolean>;
  persist?(): Promise<boolean>;
}

/** A read that may fail: its value, or why not. */
type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const read = async <T,>(fn: () => Promise<T>): Promise<Read<T>> => {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
};

/** The browser's storage manager, or null where there is none (an insecure context, an old browser). */
function browserStorage(): StoragePort | null {
  return typeof navigator !== 'undefined' && 'storage' in navigator && navigator.storage ? navigator.storage : null;
}

/** The About dialog. */
export class ClAbout extends LitElement {
  static override properties = {
    load: { attribute: false },
    storage: { attribute: false },
    _info: { state: true },
    _estimate: { state: true },
    _persisted: { state: true },
    _answer: { state: true },
    _asking: { state: true },
  };

  /** Asks the engine (`EngineApi.about` through the client). */
  declare load: (() => Promise<AboutInfo>) | undefined;
  /** `navigator.storage`, or null where the browser has none; tests give a stub. */
  declare storage: StoragePort | null;
  declare private _info: Read<AboutInfo> | undefined;
  declare private _estimate: Read<StorageEstimate> | undefined;
  declare private _persisted: Read<boolean> | undefined;
  /** What `persist()` answered, once asked. */
  declare private _answer: Read<boolean> | undefined;
  declare private _asking: boolean;

  static override styles = [shared, dialogStyles, aboutStyles];

  constructor() {
    super();
    this.load = undefined;
    this.storage = browserStorage();
    this._asking = false;
  }

  /** True while the dialog is open. */
  get open(): boolean {
    return this.renderRoot.querySelector('dialog')?.open ?? false;
  }

  /** Opens the dialog and reads everything afresh; resolves once every answer is shown. */
  async show(): Promise<void> {
    this.renderRoot.querySelector('dialog')?.showModal();
    this._info = this._estimate = this._persisted = this._answer = undefined;
    const storage = this.storage;
    const load = this.load;
    const [info, estimate, persisted] = await Promise.all([
      load ? read(load) : Promise.resolve<Read<AboutInfo>>({ ok: false, reason: 'the engine is not connected' }),
      storage?.estimate ? read(() => (storage.estimate as () => Promise<StorageEstimate>).call(storage)) : undefined,
      storage?.persisted ? read(() => (storage.persisted as () => Promise<boolean>).call(storage)) : undefined,
    ]);
    this._info = info;
    this._estimate = estimate;
    this._persisted = persisted;
    await this.updateComplete;
  }

  override render() {
    return html`<dialog part="dialog" aria-labelledby="about-title">
      <h2 id="about-title">About this playground</h2>
      <dl>
        ${this.#renderEngine()}
        ${this.#renderStorage()}
      </dl>
      <p class="muted">Limits, and what the playground says when storage is full: ${LIMITS_DOC}.</p>
      <form method="dialog"><button class="primary" autofocus>Close</button></form>
    </dialog>`;
  }

  #renderEngine() {
    const info = this._info;
    if (!info) return html`<dt>SQLite</dt><dd role="status">Asking the engine…</dd>`;
    if (!info.ok) return html`<dt>SQLite</dt><dd class="error">The engine did not answer: ${info.reason}</dd>`;
    const a = info.value;
    return html`<dt>SQLite</dt>
      <dd>
        <span data-about="sqlite-version">${a.sqliteVersion}</span>${a.sqlJsVersion ? ` (sql.js ${a.sqlJsVersion})` : ''}, in this tab (WebAssembly, in the engine's Web Worker)
        <details>
          <summary>${a.compileOptions.length} compile options</summary>
          <ul class="options">
            ${a.compileOptions.map((o) => html`<li>${o}</li>`)}
          </ul>
        </details>
      </dd>
      <dt>Storage</dt>
      <dd>${a.storage}</dd>
      <dt>Durability</dt>
      <dd>
        ${a.durability === null
          ? html`<span class="muted">no rehearsal is open</span>`
          : html`<code>${a.durability}</code> (rehearsal ${a.rehearsalId ?? ''}): ${DURABILITY_MEANING[a.durability]}`}
      </dd>
      ${a.rehearsalBytes === undefined
        ? nothing
        : html`<dt>This rehearsal</dt>
            <dd>${formatBytes(a.rehearsalBytes)} of database files (both sides); IndexedDB keeps up to about 4× that for it (snapshots, journal, backup)</dd>`}`;
  }

  #renderStorage() {
    const storage = this.storage;
    if (!storage) {
      return html`<dt>Usage</dt>
        <dd>This browser offers no <code>navigator.storage</code> (an insecure context or an old browser): usage, quota and persistence cannot be read here.</dd>`;
    }
    return html`<dt>Usage</dt>
      <dd>${this.#renderEstimate()}</dd>
      <dt>Persistent</dt>
      <dd>${this.#renderPersistence()}</dd>`;
  }

  #renderEstimate() {
    const e = this._estimate;
    if (!this.storage?.estimate) return html`Unknown: this browser offers no <code>navigator.storage.estimate()</code>.`;
    if (!e) return html`<span role="status">Asking the browser…</span>`;
    if (!e.ok) return html`<span class="error">The browser did not answer: ${e.reason}</span>`;
    const { usage, quota } = e.value;
    if (usage === undefined || quota === undefined) return html`Unknown: the browser's estimate gave no ${usage === undefined ? 'usage' : 'quota'}.`;
    return html`<span data-about="usage">${formatBytes(usage)} used of ${formatBytes(quota)} (${formatShare(usage, quota)})</span>, by everything this site stores`;
  }

  #renderPersistence() {
    const storage = this.storage;
    const p = this._persisted;
    const evictable = 'the browser may evict it (every rehearsal with it) when the disk runs short';
    let now;
    if (!storage?.persisted) now = html`Unknown: this browser offers no <code>navigator.storage.persisted()</code>.`;
    else if (!p) now = html`<span role="status">Asking the browser…</span>`;
    else if (!p.ok) now = html`<span class="error">The browser did not answer: ${p.reason}</span>`;
    else now = p.value ? html`Yes: the browser keeps it until you delete it.` : html`No (best effort): ${evictable}.`;
    const granted = (p?.ok === true && p.value) || (this._answer?.ok === true && this._answer.value);
    return html`${now}
      ${storage?.persist && !granted
        ? html`<div><button ?disabled=${this._asking} @click=${this.#persist}>Make storage persistent</button></div>`
        : nothing}
      ${this.#renderAnswer(evictable)}`;
  }

  #renderAnswer(evictable: string) {
    const a = this._answer;
    if (!a) return nothing;
    if (!a.ok) return html`<p class="answer error" role="status">The browser did not answer: ${a.reason}</p>`;
    return a.value
      ? html`<p class="answer granted" role="status">Granted: storage is persistent now; the browser will not evict it without asking you.</p>`
      : html`<p class="answer refused" role="status">Refused: storage stays best effort, and ${evictable}. Chromium grants it to sites you use often, bookmark or install; Firefox asks you.</p>`;
  }

  async #persist(): Promise<void> {
    const storage = this.storage;
    if (!storage?.persist) return;
    this._asking = true;
    this._answer = await read(() => (storage.persist as () => Promise<boolean>).call(storage));
    this._asking = false;
    // Granted, the button is gone: the focus goes to Close rather than to the page behind.
    if (this._answer.ok && this._answer.value) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLButtonElement>('form button')?.focus();
    }
  }
}

if (!customElements.get('cl-about')) customElements.define('cl-about', ClAbout);

declare global {
  interface HTMLElementTagNameMap {
    'cl-about': ClAbout;
  }
}
