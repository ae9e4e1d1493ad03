/**
 * Rules several components share beyond `shared` (theme.ts): data tables, modal dialogs, file
 * buttons and problem lists. A
 * component lists the ones it uses after `shared` and before its own, which may refine them.
 */
import { css } from 'lit';

/** Data tables: collapsed rules, a caption on the left, cells aligned to the top. */
export const tableStyles = css`
  table {
    border-collapse: collapse;
    width: 100%;
  }
  caption {
    text-align: left;
    font-weight: 600;
    padding-bottom: 0.25rem;
  }
  th,
  td {
    text-align: left;
    vertical-align: top;
    border-bottom: 1px solid var(--cl-border);
  }
`;

/** Modal dialogs on the page's background, in the theme's colours. */
export const dialogStyles = css`
  dialog {
    background: var(--cl-bg);
    color: var(--cl-text);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
  }
`;

/** A file input whose label looks like a button (the picker's scenario file and database import). */
export const fileButtonStyles = css`
  /* The file input stays in the tab order (keyboard users open the file dialog with it); its label looks like a button. */
  .file-button {
    position: relative;
    display: inline-block;
    margin: 0;
  }
  .file-button input {
    position: absolute;
    inset: 0;
    opacity: 0;
    width: 100%;
    cursor: pointer;
  }
  .file-button span {
    display: inline-block;
    padding: 0.35rem 0.8rem;
    color: var(--cl-accent-text);
    background: var(--cl-accent);
    border: 1px solid var(--cl-accent);
    border-radius: var(--cl-radius);
  }
  .file-button:focus-within span {
    outline: 3px solid var(--cl-focus);
    outline-offset: 2px;
  }
  .file-button:has(input:disabled) span {
    opacity: 0.6;
  }
  .problems {
    margin-top: 0.5rem;
    border-left: 4px solid var(--cl-bad);
    padding: 0.25rem 0.75rem;
    background: var(--cl-surface);
  }
  .problems p {
    margin: 0.25rem 0;
  }
`;
