/** Styles of `<cl-shortcuts>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const shortcutsStyles = css`
  dialog {
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
  /* Keys that are off read as struck through in the muted colour; faded by opacity they fell
     below 4.5:1 contrast. */
  .off dt:not(.always),
  .off dd:not(.always) {
    color: var(--cl-muted);
    text-decoration: line-through;
  }
  label {
    display: flex;
    gap: 0.5rem;
    align-items: center;
    margin: 0 0 1rem;
  }
`;
