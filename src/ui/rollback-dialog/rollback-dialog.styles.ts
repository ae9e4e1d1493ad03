/** Styles of `<cl-rollback-dialog>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const rollbackDialogStyles = css`
  dialog {
    padding: 1rem 1.1rem;
    width: min(36rem, calc(100vw - 2rem));
    max-height: calc(100dvh - 2rem);
    box-sizing: border-box;
  }
  code {
    font-family: var(--cl-mono);
    font-size: 0.95em;
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 45%);
  }
  ul {
    list-style: none;
    margin: 0.5rem 0;
    padding: 0;
    display: grid;
    gap: 0.5rem;
  }
  li {
    border: 1px solid var(--cl-border);
    border-inline-start: 4px solid var(--cl-warn);
    border-radius: var(--cl-radius);
    padding: 0.5rem 0.6rem;
    background: var(--cl-surface);
  }
  li.data {
    border-inline-start-color: var(--cl-bad);
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    gap: 0.3rem 0.6rem;
    align-items: baseline;
  }
  .severity {
    font-weight: 600;
    color: var(--cl-warn);
  }
  li.data .severity {
    color: var(--cl-bad);
  }
  .count {
    font-variant-numeric: tabular-nums;
  }
  li p {
    margin: 0.3rem 0;
  }
  .blocked {
    color: var(--cl-bad);
  }
  label.accept {
    display: flex;
    gap: 0.4rem;
    align-items: flex-start;
    margin: 0.6rem 0;
  }
  .copying:empty,
  .working:empty,
  .message:empty {
    display: none;
  }
  .message {
    color: var(--cl-bad);
    border-left: 4px solid var(--cl-bad);
    padding-left: 0.5rem;
    overflow-wrap: anywhere;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    gap: 0.5rem;
    margin-top: 0.75rem;
  }
`;
