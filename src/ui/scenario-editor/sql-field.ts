/**
 * One SQL statement of the scenario editor: a label, a CodeMirror editor with SQLite highlighting
 * (loaded on first use) and the problems found at its path. Its own shadow root holds all three,
 * so the editable area's `aria-describedby` reaches the messages.
 *
 * @fires cl-sql-field-change - the statement was edited ({ value })
 * @csspart field - the editor's frame, outlined when a problem is at its path
 */
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import type { Problem } from '../../worker/protocol.ts';
import { shared } from '../theme.ts';
import type { SqlFieldEditor } from './sql-field-editor.ts';

let editorModule: Promise<typeof import('./sql-field-editor.ts')> | undefined;

/**
 * Mounts waiting their turn: a starter of a few tables has dozens of statements, and making all
 * their CodeMirror editors in one go held the main thread ~200 ms. They are made a few at a time,
 * ~8 ms of work, then the page gets its turn.
 */
const mountQueue: (() => void)[] = [];
let draining = false;
const SLICE_MS = 8;
function scheduleMount(mount: () => void): void {
  mountQueue.push(mount);
  if (draining) return;
  draining = true;
  setTimeout(drainMounts, 0);
}
function drainMounts(): void {
  const end = performance.now() + SLICE_MS;
  while (mountQueue.length > 0 && performance.now() < end) mountQueue.shift()?.();
  if (mountQueue.length > 0) setTimeout(drainMounts, 0);
  else draining = false;
}
let nextId = 0;

/** A statement editor with its label and problems. */
export class ClScenarioSqlField extends LitElement {
  static override properties = {
    value: { attribute: false },
    label: { attribute: false },
    problems: { attribute: false },
  };

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        min-width: 0;
        --cl-sql-console-editor-min-height: 2.2rem;
        /* The editor grows with its statement: a scrolling box inside the page's scroll has no keyboard access (axe: scrollable-region-focusable). */
        --cl-sql-console-editor-max-height: none;
      }
      .label {
        font-size: 0.85rem;
        line-height: 1.2;
        color: var(--cl-muted);
        /* Room for the editor's focus outline (3px, 2px out) below the label. */
        margin-bottom: 0.35rem;
      }
      .frame {
        border-radius: var(--cl-radius);
        min-height: 2.4rem;
      }
      /* A ring, not an outline: the editor's focus outline (2px out) stays visible around it. */
      .frame.invalid {
        box-shadow: 0 0 0 2px var(--cl-bad);
      }
      .problems {
        margin: 0.2rem 0 0;
        padding-left: 1.1rem;
        color: var(--cl-bad);
        font-size: 0.85rem;
        overflow-wrap: anywhere;
      }
    `,
  ];

  /** The statement. */
  declare value: string;
  /** The accessible name and visible label (`schema.new[0]`, "New schema, statement 1"). */
  declare label: string;
  /** Problems at this statement's path. */
  declare problems: readonly Problem[];

  readonly #id = `sql-field-${++nextId}`;
  #editor: SqlFieldEditor | null = null;
  #mounting: Promise<void> | null = null;

  constructor() {
    super();
    this.value = '';
    this.label = '';
    this.problems = [];
  }

  /** Resolves once the editor is mounted, too. */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    if (this.#mounting) await this.#mounting;
    return done;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#editor?.destroy();
    this.#editor = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Reconnected (moved in a list): mount again on the next update.
    if (this.hasUpdated) this.requestUpdate();
  }

  override focus(): void {
    this.#editor?.focus();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (this.#editor && changed.has('label') && changed.get('label') !== undefined) {
      // The accessible name is set when the editor is made: a statement that moved up a place is remade.
      this.#editor.destroy();
      this.#editor = null;
    }
    if (!this.#editor) this.#mount();
    else {
      if (changed.has('value')) this.#editor.setDoc(this.value);
      if (changed.has('problems')) this.#editor.setInvalid(this.problems.length > 0);
    }
  }

  #mount(): void {
    if (this.#mounting) return;
    editorModule ??= import('./sql-field-editor.ts');
    // The editor is made inside its turn of the queue (not in a microtask after it, which would
    // run every field's in the same task again).
    this.#mounting = editorModule
      .then((module) => new Promise<void>((resolve) => scheduleMount(() => (this.#make(module), resolve()))))
      .finally(() => (this.#mounting = null));
  }

  #make({ mountSqlField }: typeof import('./sql-field-editor.ts')): void {
    const parent = this.renderRoot.querySelector<HTMLElement>('.frame');
    if (this.#editor || !this.isConnected || !parent || !(this.renderRoot instanceof ShadowRoot)) return;
    this.#editor = mountSqlField({
      doc: this.value,
      root: this.renderRoot,
      parent,
      label: this.label,
      describedBy: `${this.#id}-problems`,
      onChange: (value) => {
        this.value = value;
        this.dispatchEvent(new CustomEvent('cl-sql-field-change', { detail: { value }, bubbles: true, composed: true }));
      },
    });
    this.#editor.setInvalid(this.problems.length > 0);
  }

  protected override render() {
    const invalid = this.problems.length > 0;
    return html`
      <div class="label" @click=${() => this.focus()}>${this.label}</div>
      <div class="frame ${invalid ? 'invalid' : ''}" part="field"></div>
      <ul class="problems" id="${this.#id}-problems" ?hidden=${!invalid}>
        ${invalid ? this.problems.map((p) => html`<li>${p.message}</li>`) : nothing}
      </ul>
    `;
  }
}

if (!customElements.get('cl-scenario-sql-field')) customElements.define('cl-scenario-sql-field', ClScenarioSqlField);

declare global {
  interface HTMLElementTagNameMap {
    'cl-scenario-sql-field': ClScenarioSqlField;
  }
  interface HTMLElementEventMap {
    'cl-sql-field-change': CustomEvent<{ value: string }>;
  }
}
