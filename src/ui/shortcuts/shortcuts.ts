/**
 * The keyboard shortcuts, in a dialog that `?` (or the header's ? button) opens. The app owns the
 * keys; this lists them and lets the user turn the single-key ones off (WCAG 2.1.4: a speech-input
 * user saying "crash" must not crash the engine).
 *
 * @fires cl-shortcuts-change - the user turned single-key shortcuts on or off; detail `{ enabled }`
 * @csspart dialog - the dialog
 */
import { css, html, LitElement } from 'lit';
import { shared } from '../theme.ts';

/** The shortcuts the app handles (key, what it does). */
export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['?', 'show these shortcuts'],
  ['n', 'next phase'],
  ['p', 'roll back one phase (opens the plan)'],
  ['w', 'start or stop the workload'],
  ['b', 'start, pause or resume the backfill'],
  ['v', 'verify'],
  ['h', 'check the history now'],
  ['c', 'crash now'],
  ['/', 'filter the history'],
  ['e', 'go to the SQL editor'],
  ['Ctrl+Enter', 'run the SQL statement (in the editor)'],
  ['Escape', 'close a dialog'],
];

/** Keys that are not single characters: they work even when single-key shortcuts are off. */
const ALWAYS = new Set(['Ctrl+Enter', 'Escape']);

export class ClShortcuts extends LitElement {
  static override properties = {
    enabled: { type: Boolean },
  };

  /** Whether single-key shortcuts are on. */
  declare enabled: boolean;

  constructor() {
    super();
    this.enabled = true;
  }

  /** True while the dialog is open. */
  get open(): boolean {
    return this.renderRoot.querySelector('dialog')?.open ?? false;
  }

  static override styles = [
    shared,
    css`
      dialog {
        background: var(--cl-bg);
        color: var(--cl-text);
        border: 1px solid var(--cl-border);
        border-radius: var(--cl-radius);
        max-width: min(32rem, 92vw);
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.3rem 1rem;
        margin: 0 0 1rem;
      }
      kbd {
        font-family: var(--cl-mono);
        border: 1px solid var(--cl-border);
        border-radius: 4px;
        padding: 0 0.35rem;
        background: var(--cl-surface);
      }
      dd {
        margin: 0;
      }
      .off dt:not(.always),
      .off dd:not(.always) {
        opacity: 0.55;
      }
      label {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin: 0 0 1rem;
      }
    `,
  ];

  /** Opens the dialog. */
  show(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
  }

  override render() {
    return html`<dialog part="dialog" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <p class="muted">They work when the focus is not in a text field and no dialog is open.</p>
      <label><input type="checkbox" .checked=${this.enabled} @change=${this.handleToggle} />Single-key shortcuts (off: only the keys with Ctrl or Escape work)</label>
      <dl class=${this.enabled ? '' : 'off'}>
        ${SHORTCUTS.map(([key, what]) => {
          const always = ALWAYS.has(key) ? 'always' : '';
          return html`<dt class=${always}><kbd>${key}</kbd></dt><dd class=${always}>${what}</dd>`;
        })}
      </dl>
      <form method="dialog"><button class="primary" autofocus>Close</button></form>
    </dialog>`;
  }

  private handleToggle(e: Event): void {
    this.enabled = (e.target as HTMLInputElement).checked;
    this.dispatchEvent(new CustomEvent('cl-shortcuts-change', { detail: { enabled: this.enabled }, bubbles: true, composed: true }));
  }
}

if (!customElements.get('cl-shortcuts')) customElements.define('cl-shortcuts', ClShortcuts);

declare global {
  interface HTMLElementTagNameMap {
    'cl-shortcuts': ClShortcuts;
  }
  interface HTMLElementEventMap {
    'cl-shortcuts-change': CustomEvent<{ enabled: boolean }>;
  }
}
