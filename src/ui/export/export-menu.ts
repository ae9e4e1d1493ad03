/**
 * The header's Export menu: the old and new databases as `.sqlite` files, the scenario as JSON and
 * the live rehearsal's report as JSON or Markdown. A disclosure (a button that shows a list of
 * buttons): Tab and Enter reach every item, Escape closes it and returns focus to the button, and
 * it closes when focus or a click goes elsewhere. An item that cannot be exported now stays in the
 * list, disabled, with the reason beside it. Plans, replay reports and runbooks are the Plan
 * panel's exports.
 *
 * @fires cl-export - `{ what }` when an item is chosen
 * @csspart toggle - the Export button
 * @csspart list - the list of items
 */
import { css, html, LitElement, nothing } from 'lit';
import { shared } from '../theme.ts';

/** What the menu exports. */
export const EXPORTS = ['old', 'new', 'scenario', 'report-json', 'report-md'] as const;
export type ExportKind = (typeof EXPORTS)[number];

/** The items' names, as the menu shows them. */
export const EXPORT_LABELS: Readonly<Record<ExportKind, string>> = {
  old: 'Old database (.sqlite)',
  new: 'New database (.sqlite)',
  scenario: 'Scenario (.json)',
  'report-json': 'Report (.json)',
  'report-md': 'Report (.md)',
};

/** The Export menu. */
export class ClExportMenu extends LitElement {
  static override properties = {
    unavailable: { attribute: false },
    busy: { attribute: false },
    _open: { state: true },
  };

  /** Why an item cannot be exported now (absent: it can), e.g. `{ old: 'the old schema is dropped' }`. */
  declare unavailable: Partial<Readonly<Record<ExportKind, string>>>;
  /** The export under way, if any (its item shows it; the others stay usable). */
  declare busy: ExportKind | null;
  declare private _open: boolean;

  static override styles = [
    shared,
    css`
      :host {
        position: relative;
        display: inline-block;
      }
      /* "Export ▾" on one line: the crowded header wrapped the arrow under the word. */
      button[part='toggle'] {
        white-space: nowrap;
      }
      ul {
        position: absolute;
        right: 0;
        top: calc(100% + 0.25rem);
        z-index: 4;
        list-style: none;
        margin: 0;
        padding: 0.25rem;
        min-width: 15rem;
        max-width: min(22rem, calc(100vw - 1rem));
        background: var(--cl-surface);
        border: 1px solid var(--cl-border);
        border-radius: var(--cl-radius);
        box-shadow: 0 4px 16px rgb(0 0 0 / 0.2);
      }
      li {
        display: flex;
        flex-direction: column;
      }
      li + li.group {
        border-top: 1px solid var(--cl-border);
        margin-top: 0.25rem;
        padding-top: 0.25rem;
      }
      /* Menu items, not a stack of framed buttons: a row lights up under the pointer; focus keeps the theme's outline. */
      li button {
        width: 100%;
        text-align: start;
        background: transparent;
        border-color: transparent;
      }
      li button:hover:not(:disabled) {
        background: var(--cl-surface-2);
        border-color: var(--cl-border);
      }
      li button:focus-visible {
        outline-offset: -3px;
      }
      .note {
        font-size: 0.8rem;
        color: var(--cl-muted);
        padding: 0.25rem 0.5rem 0;
      }
      .reason {
        font-size: 0.8rem;
        color: var(--cl-muted);
        padding: 0 0.5rem 0.25rem;
      }
      @media (max-width: 600px) {
        /* On a phone the header wraps: the list opens below the button at the left edge, within the screen. */
        ul {
          right: auto;
          left: 0;
          max-width: calc(100vw - 2rem);
        }
      }
    `,
  ];

  constructor() {
    super();
    this.unavailable = {};
    this.busy = null;
    this._open = false;
  }

  /** Whether the list is shown. */
  get open(): boolean {
    return this._open;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('pointerdown', this.#onOutside, true);
  }

  override disconnectedCallback(): void {
    document.removeEventListener('pointerdown', this.#onOutside, true);
    super.disconnectedCallback();
  }

  readonly #onOutside = (e: Event): void => {
    if (this._open && !e.composedPath().includes(this)) this._open = false;
  };

  #toggle(): void {
    this._open = !this._open;
    if (this._open) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('ul button:not([disabled])')?.focus());
  }

  #close(refocus: boolean): void {
    this._open = false;
    if (refocus) this.renderRoot.querySelector<HTMLButtonElement>('button[part="toggle"]')?.focus();
  }

  handleKeydown(e: KeyboardEvent): void {
    if (e.key === 'Escape' && this._open) {
      // Escape is the menu's here: the page's dialogs and shortcuts do not see it.
      e.stopPropagation();
      e.preventDefault();
      this.#close(true);
      return;
    }
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && this._open) {
      const items = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('ul button:not([disabled])')];
      if (items.length === 0) return;
      e.preventDefault();
      const at = items.indexOf(this.shadowRoot?.activeElement as HTMLButtonElement);
      const next = e.key === 'ArrowDown' ? (at + 1) % items.length : (at - 1 + items.length) % items.length;
      items[next]?.focus();
    }
  }

  handleFocusOut(e: FocusEvent): void {
    // Focus moving to something outside the menu (Tab past the last item) closes it.
    const to = e.relatedTarget as Node | null;
    if (this._open && to && !this.contains(to) && !this.renderRoot.contains(to)) this._open = false;
  }

  #choose(what: ExportKind): void {
    this.#close(true);
    this.dispatchEvent(new CustomEvent('cl-export', { detail: { what }, bubbles: true, composed: true }));
  }

  override render() {
    return html`<div @keydown=${(e: KeyboardEvent) => this.handleKeydown(e)} @focusout=${(e: FocusEvent) => this.handleFocusOut(e)}>
      <button part="toggle" aria-expanded=${this._open ? 'true' : 'false'} aria-controls="export-list" title="Export the databases, the scenario or a report of this rehearsal" @click=${() => this.#toggle()}>
        Export <span aria-hidden="true">▾</span>
      </button>
      ${this._open
        ? html`<ul id="export-list" part="list" aria-label="Export">
            ${EXPORTS.map((what) => {
              const reason = this.unavailable[what];
              const group = what === 'scenario' || what === 'report-json';
              return html`<li class=${group ? 'group' : ''}>
                <button data-export=${what} ?disabled=${reason !== undefined} aria-describedby=${reason !== undefined ? `why-${what}` : nothing} @click=${() => this.#choose(what)}>
                  ${EXPORT_LABELS[what]}${this.busy === what ? ' …' : ''}
                </button>
                ${reason !== undefined ? html`<span class="reason" id="why-${what}">${reason}</span>` : nothing}
              </li>`;
            })}
            <li class="group note">Plans, replay reports and runbooks: the Plan panel's Export buttons.</li>
          </ul>`
        : nothing}
    </div>`;
  }
}

if (!customElements.get('cl-export-menu')) customElements.define('cl-export-menu', ClExportMenu);

declare global {
  interface HTMLElementTagNameMap {
    'cl-export-menu': ClExportMenu;
  }
  interface HTMLElementEventMap {
    'cl-export': CustomEvent<{ what: ExportKind }>;
  }
}
