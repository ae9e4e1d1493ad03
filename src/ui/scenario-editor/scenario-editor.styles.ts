/** Styles of `<cl-scenario-editor>`: one column at 390 px, old and new side by side from about 45rem. */
import { css } from 'lit';

export const scenarioEditorStyles = css`
  :host {
    display: block;
    max-width: 80rem;
  }
  /* Headings start at h4: the editor sits under an h3 (the picker's editor area, "Your own database"). */
  h4,
  h5 {
    margin: 0 0 0.5rem;
    font-size: 1rem;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0.25rem 1rem;
  }
  .status {
    margin: 0;
    color: var(--cl-muted);
  }
  .status.bad,
  .bad {
    color: var(--cl-bad);
  }
  .ok {
    color: var(--cl-ok);
  }
  section {
    margin: 1rem 0;
    padding-top: 0.5rem;
    border-top: 1px solid var(--cl-border);
  }
  fieldset {
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    margin: 0 0 0.75rem;
    padding: 0.5rem 0.75rem 0.75rem;
    min-width: 0;
  }
  legend {
    font-weight: 600;
    padding: 0 0.25rem;
  }
  h6 {
    margin: 0.75rem 0 0.25rem;
    font-size: 0.95rem;
  }
  .grid,
  .sides {
    display: grid;
    gap: var(--cl-gap);
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr));
    margin-bottom: var(--cl-gap);
  }
  .grid.mix {
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 12rem), 1fr));
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.15rem;
    min-width: 0;
  }
  .field label,
  .list-label,
  .json-view label {
    font-size: 0.85rem;
    color: var(--cl-muted);
  }
  .list-label {
    font-weight: 600;
  }
  input,
  select,
  textarea {
    width: 100%;
    box-sizing: border-box;
  }
  textarea {
    font-family: var(--cl-mono);
    font-size: 0.85rem;
  }
  /* A ring, not an outline: the focus outline (theme) stays visible around a field with a problem. */
  [aria-invalid='true'] {
    border-color: var(--cl-bad);
    box-shadow: 0 0 0 1px var(--cl-bad);
  }
  .statements {
    display: flex;
    flex-direction: column;
    gap: 0.4rem;
    min-width: 0;
    container-type: inline-size;
  }
  /* Remove sits level with the top of its editor (below the field's label: sql-field.ts, 1.2 line-height and 0.35rem margin), not with the problems under it. */
  .statement {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    gap: 0.4rem;
    align-items: start;
  }
  .statement > .remove {
    margin-top: calc(0.85rem * 1.2 + 0.35rem);
  }
  /* A narrow list (a phone, a fieldset in a fieldset): the editor takes the whole width, Remove goes under it on the right. */
  @container (max-width: 26rem) {
    .statement {
      grid-template-columns: minmax(0, 1fr);
      gap: 0.2rem;
    }
    .statement > .remove {
      margin-top: 0;
      justify-self: end;
    }
  }
  .seed {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 12rem), 1fr));
    gap: 0.4rem var(--cl-gap);
    align-items: end;
    margin-bottom: 0.5rem;
  }
  .statements > button,
  .seed + button,
  section > button {
    align-self: flex-start;
  }
  .problems,
  .warnings {
    margin: 0.2rem 0;
    padding-left: 1.1rem;
    font-size: 0.85rem;
    overflow-wrap: anywhere;
  }
  .problems {
    color: var(--cl-bad);
  }
  .warnings {
    color: var(--cl-warn);
  }
  .problems.top {
    border: 1px solid var(--cl-bad);
    border-radius: var(--cl-radius);
    padding: 0.5rem 0.5rem 0.5rem 1.5rem;
  }
  .json-view {
    margin: 1rem 0;
  }
  .json-view summary {
    cursor: pointer;
    font-weight: 600;
  }
  .json-view label {
    display: block;
    margin: 0.3rem 0;
  }
  .table-wrap {
    overflow-x: auto;
    min-width: 0;
  }
  /* Columns as wide as their longest word (automatic layout; a value breaks between words, and
     inside a word only when one alone is wider than the table can be): an e-mail or a name stays
     whole, and a table wider than its place scrolls sideways inside its own frame (focusable), never
     the page. Equal fixed columns broke e-mails a letter from their end; breaking anywhere
     squeezed ids and names to a character or two a line. */
  table.rows {
    font-family: var(--cl-mono);
    font-size: 0.8rem;
    table-layout: auto;
    min-width: 100%;
  }
  table.rows th,
  table.rows td {
    padding: 0.15rem 0.4rem;
    white-space: pre-wrap;
    overflow-wrap: break-word;
    max-width: 24rem;
  }
  .table-wrap:focus-visible {
    outline: 3px solid var(--cl-focus);
    outline-offset: 2px;
  }
  /* The "differs" mark. */
  table.rows th:first-child,
  table.rows td:first-child {
    width: 1.2rem;
    padding-inline: 0.2rem;
  }
  tr.differs td {
    background: color-mix(in srgb, var(--cl-bad) 14%, transparent);
  }
  td.null {
    color: var(--cl-muted);
    font-style: italic;
  }
  .differences {
    font-family: var(--cl-mono);
    font-size: 0.8rem;
    overflow-wrap: anywhere;
  }
  /* Room for the sticky actions bar: whatever is scrolled into view (focus, find, a table's last rows)
     stops above the bar, not under it; the dry run ends with room before the bar. */
  * {
    scroll-margin-bottom: 5rem;
  }
  .actions,
  .actions * {
    scroll-margin-bottom: 0;
  }
  .dry-run {
    padding-bottom: 1rem;
  }
  @media (max-width: 30rem) {
    /* The three buttons wrap to two lines on a phone. */
    * {
      scroll-margin-bottom: 8rem;
    }
  }
  .actions {
    position: sticky;
    bottom: 0;
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    padding: 0.6rem 0;
    background: var(--cl-bg);
    border-top: 1px solid var(--cl-border);
  }
  code {
    font-family: var(--cl-mono);
    overflow-wrap: anywhere;
  }
`;
