/** Styles of `<cl-actions>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const actionsStyles = css`
  :host {
    display: grid;
    gap: var(--cl-gap);
  }
  section {
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    background: var(--cl-surface);
    padding: 0.6rem 0.75rem;
  }
  section p {
    margin: 0.3rem 0;
  }
  .title {
    display: flex;
    flex-wrap: wrap;
    gap: 0.2rem 0.6rem;
    align-items: baseline;
  }
  .title h3 {
    margin: 0;
  }
  .bar {
    display: grid;
    grid-template-columns: auto 1fr auto;
    gap: 0.5rem;
    align-items: center;
    margin: 0.4rem 0;
  }
  progress {
    width: 100%;
    height: 0.8rem;
    appearance: none;
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    background: var(--cl-bg);
    overflow: hidden;
  }
  progress::-webkit-progress-bar {
    background: var(--cl-bg);
  }
  progress::-webkit-progress-value {
    background: var(--cl-accent);
  }
  progress::-moz-progress-bar {
    background: var(--cl-accent);
  }
  .figures {
    display: flex;
    flex-wrap: wrap;
    gap: 0.2rem 1rem;
    margin: 0.3rem 0;
    padding: 0;
    font-size: 0.875rem;
    font-variant-numeric: tabular-nums;
  }
  .figures div {
    display: flex;
    gap: 0.3rem;
  }
  .figures dt {
    color: var(--cl-muted);
  }
  .figures dd {
    margin: 0;
  }
  .buttons {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    align-items: center;
    margin-top: 0.4rem;
  }
  .batch {
    display: inline-flex;
    gap: 0.3rem;
    align-items: center;
  }
  .batch input {
    width: 6rem;
  }
  .warning,
  .stale {
    color: var(--cl-warn);
  }
  .error,
  .loss {
    color: var(--cl-bad);
  }
  button.link {
    border: 0;
    background: none;
    padding: 0;
    margin-left: 0.3rem;
    color: var(--cl-accent);
    text-decoration: underline;
    cursor: pointer;
  }
  .clean {
    color: var(--cl-ok);
    font-weight: 600;
  }
  .dirty {
    color: var(--cl-bad);
    font-weight: 600;
  }
  .note {
    margin: 0;
    color: var(--cl-warn);
  }
  ul {
    margin: 0.3rem 0;
    padding-inline-start: 1.2rem;
  }
`;
