/** Styles of `<cl-database-import>`; the component lists `shared`, `fileButtonStyles` and `tableStyles` before them. */
import { css } from 'lit';

/** The component's own rules. */
export const databaseImportStyles = css`
  :host {
    display: block;
  }
  section {
    border: 2px dashed var(--cl-border);
    border-radius: var(--cl-radius);
    padding: 0.75rem 1rem;
    margin: 0 0 var(--cl-gap);
  }
  h3 {
    margin: 0 0 0.3rem;
  }
  section > p {
    margin: 0 0 0.5rem;
  }
  progress {
    vertical-align: middle;
    width: min(16rem, 50%);
  }
  .ok {
    color: var(--cl-ok);
    margin: 0.5rem 0;
  }
  /* As wide as its columns need (a full-width table set the row counts far from their names). */
  .tables {
    width: auto;
    max-width: 100%;
    margin: 0.5rem 0;
    font-size: 0.9rem;
  }
  .tables th,
  .tables td {
    padding: 0.2rem 1rem 0.2rem 0;
  }
  .tables th:last-child,
  .tables td:last-child {
    padding-right: 0;
  }
  /* A table's name and its key's columns may break anywhere (long names at 390 px: a key column of 27 letters pushed the table through the section's border); counts and words stay whole. */
  .tables tbody th,
  .tables td:nth-child(3) {
    overflow-wrap: anywhere;
  }
  /* On a phone, shares of the width instead of the automatic layout's: that one gave the names a few letters a line (custo|mers, order_|items) to keep the Key and In the starter columns whole. */
  @media (max-width: 30rem) {
    .tables {
      width: 100%;
      font-size: 0.8rem;
    }
    .tables th,
    .tables td {
      padding-right: 0.5rem;
    }
    .tables tr > :first-child {
      width: 31%;
    }
    .tables tr > :nth-child(3) {
      width: 21%;
    }
    .tables tr > :last-child {
      width: 30%;
    }
  }
  .tables code {
    overflow-wrap: anywhere;
  }
  .num,
  .tables thead th:nth-child(2) {
    text-align: right;
    white-space: nowrap;
  }
  .num {
    font-variant-numeric: tabular-nums;
  }
  .warn {
    color: var(--cl-warn);
  }
  .notes {
    font-size: 0.85rem;
    border-left: 4px solid var(--cl-warn);
    margin: 0.5rem 0;
    padding: 0.25rem 0.6rem 0.25rem 1.6rem;
    overflow-wrap: anywhere;
  }
  /* pre-line on the list itself showed the template's line breaks as blank lines above and below the notes. */
  .notes li {
    white-space: pre-line;
  }
  .notes li + li {
    margin-top: 0.2rem;
  }
  .buttons {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin: 0.5rem 0;
  }
  code {
    font-family: var(--cl-mono);
  }
  /* The editor opens under the buttons: a rule and some room, so its heading does not read as part of the button row. */
  cl-scenario-editor {
    margin-top: 1rem;
    padding-top: 0.75rem;
    border-top: 1px solid var(--cl-border);
  }
  .use {
    margin: 0.5rem 0;
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 0.5rem;
    align-items: center;
  }
  .use select {
    max-width: 100%;
  }
`;
