/**
 * The preview of a share link (`#share=v1.…`): what the link holds — the scenario's title and
 * summary, its old and new schema, its operations, the plan's steps — or why it was refused, in a
 * dialog. Nothing runs and nothing is stored until Load, which opens a new rehearsal of that
 * scenario; Dismiss forgets the link. Every value from the link is rendered as text.
 *
 * @csspart dialog - the dialog
 */
import { css, html, LitElement, nothing } from 'lit';
import type { Scenario } from '../../engine/vocabulary.ts';
import type { ShareCheck } from '../../worker/protocol.ts';
import { dialogStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { decodeShare } from './share-link.ts';

/** What the preview shows. */
type View =
  | { readonly kind: 'reading' }
  | { readonly kind: 'refused'; readonly reason: string; readonly problems: readonly { readonly path: string; readonly message: string }[] }
  | { readonly kind: 'ready'; readonly check: Extract<ShareCheck, { ok: true }>; readonly seed: number | undefined; readonly plan: unknown }
  /** A link made here that the clipboard refused: shown to be copied by hand. */
  | { readonly kind: 'link'; readonly url: string };

/** The share link's preview dialog. */
export class ClSharePreview extends LitElement {
  static override properties = {
    check: { attribute: false },
    load: { attribute: false },
    keep: { attribute: false },
    dismiss: { attribute: false },
    _view: { state: true },
    _loading: { state: true },
  };

  /** Validates the link's scenario and plan in the worker (`EngineApi.checkShare`). */
  declare check: ((scenario: unknown, plan?: unknown) => Promise<ShareCheck>) | undefined;
  /** Opens a new rehearsal of the scenario (Load) and puts the link's plan, when it has one (checked by `check`), into the Plan panel. */
  declare load: ((scenario: Scenario, seed: number | undefined, plan: unknown) => Promise<void>) | undefined;
  /** Keeps the scenario among the user's own (Keep in my scenarios), to rehearse later, on an imported database too. */
  declare keep: ((scenario: Scenario) => Promise<void>) | undefined;
  /** Forgets the link (Dismiss, Escape, and after Load). */
  declare dismiss: (() => void) | undefined;
  declare private _view: View | undefined;
  declare private _loading: boolean;

  static override styles = [
    shared,
    dialogStyles,
    css`
      dialog {
        max-width: min(52rem, 94vw);
      }
      pre {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        max-height: 14rem;
        overflow: auto;
        font-family: var(--cl-mono, monospace);
        font-size: 0.85em;
        border: 1px solid var(--cl-border);
        padding: 0.5rem;
      }
      .error {
        color: var(--cl-bad, #b00020);
      }
      .buttons {
        display: flex;
        gap: 0.5rem;
        justify-content: flex-end;
      }
    `,
  ];

  constructor() {
    super();
    this.check = undefined;
    this.load = undefined;
    this.keep = undefined;
    this.dismiss = undefined;
    this._loading = false;
  }

  /** True while the dialog is open. */
  get open(): boolean {
    return this.renderRoot.querySelector('dialog')?.open ?? false;
  }

  /** Reads a fragment and shows what it holds, or why it was refused; resolves once shown. Runs nothing. */
  async show(fragment: string): Promise<void> {
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && !dialog.open) dialog.showModal();
    this._view = { kind: 'reading' };
    const decoded = await decodeShare(fragment);
    if (!decoded.ok) {
      this._view = { kind: 'refused', reason: decoded.reason, problems: [] };
    } else if (!this.check) {
      this._view = { kind: 'refused', reason: 'the engine is not connected: reload the page', problems: [] };
    } else {
      try {
        const check = await this.check(decoded.value.scenario, decoded.value.plan);
        this._view = check.ok
          ? { kind: 'ready', check, seed: decoded.value.seed, plan: decoded.value.plan }
          : { kind: 'refused', reason: 'the scenario or plan in the share link is not valid: ask for a link made with a valid scenario', problems: check.problems };
      } catch (e) {
        this._view = { kind: 'refused', reason: `the engine could not check the share link: ${(e as Error).message}`, problems: [] };
      }
    }
    await this.updateComplete;
  }

  /** Shows a share link as selectable text (where the clipboard is not available). */
  async showLink(url: string): Promise<void> {
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && !dialog.open) dialog.showModal();
    this._view = { kind: 'link', url };
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('input[data-share="link"]')?.select();
  }

  #close(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  async #load(): Promise<void> {
    const view = this._view;
    if (view?.kind !== 'ready' || !this.load) return;
    this._loading = true;
    try {
      this.#close();
      await this.load(view.check.scenario, view.seed, view.plan);
    } finally {
      this._loading = false;
    }
  }

  async #keep(): Promise<void> {
    const view = this._view;
    if (view?.kind !== 'ready' || !this.keep) return;
    this._loading = true;
    try {
      this.#close();
      await this.keep(view.check.scenario);
    } finally {
      this._loading = false;
    }
  }

  override render() {
    return html`<dialog part="dialog" aria-labelledby="share-title" @close=${() => this.dismiss?.()}>
      <h2 id="share-title">${this._view?.kind === 'link' ? 'Share link' : 'Shared scenario'}</h2>
      ${this.#renderBody()}
      <div class="buttons">
        ${this._view?.kind === 'ready'
          ? html`<button class="primary" ?disabled=${this._loading} @click=${() => void this.#load()}>Load</button>
              ${this.keep ? html`<button ?disabled=${this._loading} @click=${() => void this.#keep()}>Keep in my scenarios</button>` : nothing}`
          : nothing}
        <button @click=${() => this.#close()}>Dismiss</button>
      </div>
    </dialog>`;
  }

  #renderBody() {
    const view = this._view;
    if (!view || view.kind === 'reading') return html`<p role="status">Reading the share link…</p>`;
    if (view.kind === 'link') {
      return html`<p>The clipboard is not available here: copy this link (it holds the scenario and seed, never the data).</p>
        <input data-share="link" readonly aria-label="Share link" .value=${view.url} style="width: 100%" @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />`;
    }
    if (view.kind === 'refused') {
      return html`<p class="error" role="alert" data-share="refused">This share link was refused: ${view.reason}. Nothing was run or stored.</p>
        ${view.problems.length > 0 ? html`<ul data-share="problems">${view.problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}</ul>` : nothing}`;
    }
    const s = view.check.scenario;
    const info = view.check.info;
    return html`<p class="muted">A link holds a scenario (and maybe a plan and seed), never data. Nothing runs until you press Load, which opens a new rehearsal of it in this browser.</p>
      <h3 data-share="title">${s.title}</h3>
      ${madeFrom(s)
        ? html`<p class="note" data-share="database">
            This scenario was made from the database <strong>${madeFrom(s)}</strong>, and a link carries none of its data: Load opens a rehearsal
            ${s.seedData.length === 0 ? 'with no records at all' : 'with its seed data only'}. To rehearse it on the data, press Keep in my scenarios, then
            import your copy of ${madeFrom(s)} on the picker and choose this scenario there.
          </p>`
        : nothing}
      <p>${s.summary}</p>
      <p class="muted">Scenario <code>${s.id}</code>, ${info.topology} topology, ${info.policy} dual-write${view.seed === undefined ? '' : `, seed ${view.seed}`}</p>
      <h4>Old schema (${info.labels.old})</h4>
      <pre data-share="old-schema">${s.schema.old.join(';\n\n')}</pre>
      <h4>New schema (${info.labels.new})</h4>
      <pre data-share="new-schema">${s.schema.new.join(';\n\n')}</pre>
      <h4>Operations</h4>
      <ul data-share="operations">
        ${info.operations.map((o) => html`<li><code>${o.name}</code> (${o.kind})${o.description ? `: ${o.description}` : ''}</li>`)}
      </ul>
      ${view.check.steps.length > 0
        ? html`<h4>Plan</h4>
            <p class="muted">Load puts this plan in the Plan panel${view.seed === undefined ? '' : ` with seed ${view.seed}`}, ready to Step or Continue: its replay gives the figures it gave where the link was made.</p>
            <ol data-share="plan">
              ${view.check.steps.map((st) => html`<li>${st.description}${st.gates.length > 0 ? ` (gates: ${st.gates.join(', ')})` : ''}</li>`)}
            </ol>`
        : nothing}`;
  }
}

/** The database file a scenario's starter was made from (its sources say `imported from <file>`), or undefined. */
function madeFrom(s: Scenario): string | undefined {
  for (const source of s.sources ?? []) {
    const m = /^imported from (.+)$/.exec(source);
    if (m) return m[1];
  }
  return undefined;
}

if (!customElements.get('cl-share-preview')) customElements.define('cl-share-preview', ClSharePreview);

declare global {
  interface HTMLElementTagNameMap {
    'cl-share-preview': ClSharePreview;
  }
}
