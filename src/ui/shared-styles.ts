/**
 * Rules several components share beyond `shared` (theme.ts): data tables and modal dialogs. A
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
