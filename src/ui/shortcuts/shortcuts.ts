/**
 * The keyboard shortcuts, in a dialog that `?` (or the header's ? button) opens. The app owns the
 * keys; this lists them and lets the user turn the single-key ones off (WCAG 2.1.4: a speech-input
 * user saying "crash" must not crash the engine).
 *
 * @fires cl-shortcuts-change - the user turned single-key shortcuts on or off; detail `{ enabled }`
 * @csspart dialog - the dialog
 */
import { html, LitElement } from 'lit';
import { dialogStyles } from '../shared-styles.ts';
import { shared } from '../theme.ts';
import { shortcutsStyles } from './shortcuts.styles.ts';

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

/** The keyboard shortcuts dialog, with the switch for single-key shortcuts. */
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

  static override styles = [shared, dialogStyles, shortcutsStyles];

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
