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
  .tables {
    margin: 0.5rem 0;
    font-size: 0.9rem;
  }
  .tables th,
  .tables td {
    padding: 0.2rem 0.5rem 0.2rem 0;
    overflow-wrap: anywhere;
  }
  .num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .warn {
    color: var(--cl-warn);
  }
  .notes {
    font-size: 0.85rem;
    border-left: 4px solid var(--cl-warn);
    padding: 0.25rem 0.6rem 0.25rem 1.6rem;
    white-space: pre-line;
    overflow-wrap: anywhere;
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
`;
