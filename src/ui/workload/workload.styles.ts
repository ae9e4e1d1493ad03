/** Styles of `<cl-workload>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const workloadStyles = css`
  :host {
    container: workload / inline-size;
  }
  :host {
    display: block;
  }
  .top {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: center;
    margin-bottom: var(--cl-gap);
  }
  .running {
    color: var(--cl-ok);
    font-weight: 600;
  }
  .fields {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
    gap: var(--cl-gap);
    margin-bottom: var(--cl-gap);
  }
  .field {
    display: grid;
    gap: 0.25rem;
  }
  .pair {
    display: flex;
    gap: 0.5rem;
    align-items: center;
  }
  .pair input[type='range'] {
    flex: 1;
    min-width: 6rem;
    accent-color: var(--cl-accent);
  }
  input[type='number'] {
    width: 5.5rem;
  }
  fieldset {
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    margin: 0;
    padding: 0.5rem 0.75rem;
  }
  legend {
    padding: 0 0.3rem;
    font-weight: 600;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.5rem;
  }
  li {
    display: grid;
    grid-template-columns: minmax(8rem, 12rem) auto 1fr;
    gap: 0.2rem 0.6rem;
    align-items: center;
  }
  li .help {
    grid-column: 1 / -1;
    margin: 0;
    font-size: 0.85rem;
  }
  /* The panel's own width decides, not the window's: in the wide layout it is a narrow column. */
  @container workload (min-width: 40rem) {
    li .help {
      grid-column: 3;
    }
  }
  .kind {
    font-size: 0.75rem;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--cl-muted);
  }
  .share {
    font-variant-numeric: tabular-nums;
    color: var(--cl-muted);
    font-size: 0.85rem;
  }
  .error {
    color: var(--cl-bad);
    margin: 0.5rem 0 0;
  }
  .note {
    margin: 0 0 var(--cl-gap);
    color: var(--cl-warn);
  }
`;
