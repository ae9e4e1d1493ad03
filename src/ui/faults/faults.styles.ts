/** Styles of `<cl-faults>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const faultsStyles = css`
  :host {
    display: grid;
    gap: var(--cl-gap);
  }
  section,
  form {
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    background: var(--cl-surface);
    padding: 0.6rem 0.75rem;
    margin: 0;
  }
  p {
    margin: 0.3rem 0;
  }
  .crash {
    border-color: var(--cl-bad);
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: center;
  }
  .crash p {
    flex: 1 1 14rem;
  }
  button.crash-now {
    background: var(--cl-bad);
    border-color: var(--cl-bad);
    color: var(--cl-bg);
    font-weight: 700;
    padding: 0.5rem 1.1rem;
  }
  .fields {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr));
    gap: 0.6rem var(--cl-gap);
    margin: 0.4rem 0;
  }
  .field {
    display: grid;
    gap: 0.2rem;
    align-content: start;
  }
  fieldset {
    border: 0;
    margin: 0;
    padding: 0;
    display: flex;
    flex-wrap: wrap;
    gap: 0.2rem 0.8rem;
  }
  legend {
    padding: 0;
    margin-bottom: 0.2rem;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  ul {
    list-style: none;
    margin: 0.3rem 0;
    padding: 0;
    display: grid;
    gap: 0.3rem;
  }
  li {
    display: flex;
    flex-wrap: wrap;
    gap: 0.3rem 0.6rem;
    align-items: center;
    justify-content: space-between;
    padding: 0.3rem 0.5rem;
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    background: var(--cl-bg);
  }
  .fired {
    font-variant-numeric: tabular-nums;
  }
  code {
    font-family: var(--cl-mono);
    font-size: 0.9em;
  }
  .note {
    margin: 0;
    color: var(--cl-warn);
  }
  dl {
    margin: 0.4rem 0 0;
    font-size: 0.875rem;
  }
  dt {
    font-family: var(--cl-mono);
  }
  dd {
    margin: 0 0 0.3rem 1rem;
    color: var(--cl-muted);
  }
`;
