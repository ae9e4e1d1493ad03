/** Styles of `<cl-sql-console>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const sqlConsoleStyles = css`
  :host {
    display: block;
    container-type: inline-size;
  }
  :host([hidden]) {
    display: none;
  }
  .layout {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: var(--cl-gap);
  }
  @container (min-width: 48rem) {
    .layout {
      grid-template-columns: minmax(0, 1fr) var(--cl-sql-console-schema-width, 17rem);
      align-items: start;
    }
  }
  .workspace {
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    min-width: 0;
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 0.75rem;
  }
  fieldset.sides {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.25rem 0.75rem;
    margin: 0;
    padding: 0.15rem 0.5rem;
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
  }
  fieldset.sides legend {
    float: left;
    padding: 0;
    margin-right: 0.25rem;
    color: var(--cl-muted);
  }
  .side {
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
    min-height: 2rem;
    cursor: pointer;
  }
  .side-old input {
    accent-color: var(--cl-old);
  }
  .side-new input {
    accent-color: var(--cl-new);
  }
  .side.disabled {
    cursor: not-allowed;
    color: var(--cl-muted);
  }
  .hint {
    font-size: 0.85rem;
  }
  /* While CodeMirror loads: a box of the empty editor's height (its content's min-height and a 1px border), so nothing moves when it arrives. */
  .editor.loading {
    box-sizing: border-box;
    min-height: calc(var(--cl-sql-console-editor-min-height, 6rem) + 2px);
    border: 1px dashed var(--cl-border);
    border-radius: var(--cl-radius);
    padding: 0.5rem 0.7rem;
  }
  .editor-status {
    margin: 0;
  }
  .editor .cm-content:focus-visible {
    outline: none;
  }
  .error p {
    margin: 0;
    padding: 0.5rem 0.7rem;
    color: var(--cl-bad);
    border: 1px solid var(--cl-bad);
    border-left-width: 4px;
    border-radius: var(--cl-radius);
    background: color-mix(in srgb, var(--cl-bad) 8%, transparent);
    overflow-wrap: anywhere;
    white-space: pre-wrap;
  }
  .summary {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0.25rem 0.75rem;
  }
  .error:empty {
    display: none;
  }
  .count {
    font-weight: 600;
  }
  .notice {
    margin: 0;
  }
  .warn {
    color: var(--cl-warn);
  }
  .hand-edit {
    flex-basis: 100%;
    color: var(--cl-muted);
    font-size: 0.85rem;
  }
  .results {
    max-height: var(--cl-sql-console-results-max-height, 24rem);
    overflow: auto;
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
  }
  .results[aria-busy='true'] {
    opacity: 0.6;
  }
  /* Separate borders keep the sticky header's rule in place while the rows scroll under it. */
  table {
    border-collapse: separate;
    border-spacing: 0;
    width: auto;
    min-width: 100%;
    font-family: var(--cl-mono);
    font-size: 0.85rem;
  }
  th,
  td {
    padding: 0.25rem 0.6rem;
  }
  /* Table cells ignore max-width; a block inside caps the column and lets one long word break. */
  .cell {
    max-width: var(--cl-sql-console-cell-max-width, 40ch);
    white-space: pre-wrap;
    overflow-wrap: break-word;
  }
  th {
    position: sticky;
    top: 0;
    z-index: 1;
    background: var(--cl-surface-2);
    font-family: var(--cl-font);
    font-weight: 600;
    white-space: nowrap;
  }
  tbody tr:nth-child(even) td {
    background: var(--cl-surface);
  }
  td.number {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  td.null {
    color: var(--cl-muted);
    font-style: italic;
  }
  td.blob {
    color: var(--cl-old);
  }
  .schema {
    min-width: 0;
    max-height: var(--cl-sql-console-schema-max-height, 28rem);
    overflow: auto;
    padding: 0.5rem 0.75rem;
    background: var(--cl-surface);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
  }
  .schema-side + .schema-side {
    margin-top: 0.75rem;
  }
  .schema-side h4 {
    margin: 0 0 0.25rem;
    font-size: 0.95rem;
    padding-left: 0.4rem;
    border-left: 4px solid var(--cl-new);
  }
  .schema-side.side-old h4 {
    border-left-color: var(--cl-old);
  }
  .schema-side p {
    margin: 0.25rem 0;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .object {
    margin: 0.2rem 0 0.4rem;
  }
  .object-head {
    display: flex;
    align-items: baseline;
    gap: 0.4rem;
  }
  button.object-name {
    min-height: 1.75rem;
    padding: 0.1rem 0.4rem;
    font-family: var(--cl-mono);
    font-size: 0.85rem;
    background: var(--cl-bg);
    overflow-wrap: anywhere;
    text-align: left;
  }
  .object-type,
  .column-type {
    color: var(--cl-muted);
    font-size: 0.75rem;
  }
  .columns {
    margin: 0.15rem 0 0 1.1rem;
    font-family: var(--cl-mono);
    font-size: 0.8rem;
  }
  .columns li {
    display: flex;
    flex-wrap: wrap;
    gap: 0.2rem 0.4rem;
    align-items: baseline;
  }
  .pk {
    font-family: var(--cl-font);
    font-size: 0.7rem;
    font-weight: 700;
    text-decoration: none;
    color: var(--cl-accent);
    border: 1px solid currentColor;
    border-radius: 3px;
    padding: 0 0.2rem;
  }
  .engine-objects {
    margin-top: 0.4rem;
  }
  .engine-objects summary {
    cursor: pointer;
    color: var(--cl-muted);
    font-size: 0.85rem;
    min-height: 1.75rem;
  }
  /* Engine-owned objects are told apart by the muted colour and the dashed button, not by fading
     them: faded, their names and types fell below 4.5:1 contrast. */
  .object.engine button.object-name {
    color: var(--cl-muted);
    background: transparent;
    border-style: dashed;
  }
`;
