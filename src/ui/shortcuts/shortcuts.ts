/**
 * The keyboard shortcuts, in a dialog that `?` opens. The app owns the keys; this lists them.
 *
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

export class ClShortcuts extends LitElement {
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
    `,
  ];

  /** Opens the dialog. */
  show(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
  }

  override render() {
    return html`<dialog part="dialog" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <p class="muted">They work when the focus is not in a text field.</p>
      <dl>${SHORTCUTS.map(([key, what]) => html`<dt><kbd>${key}</kbd></dt><dd>${what}</dd>`)}</dl>
      <form method="dialog"><button class="primary" autofocus>Close</button></form>
    </dialog>`;
  }
}

if (!customElements.get('cl-shortcuts')) customElements.define('cl-shortcuts', ClShortcuts);

declare global {
  interface HTMLElementTagNameMap {
    'cl-shortcuts': ClShortcuts;
  }
}
