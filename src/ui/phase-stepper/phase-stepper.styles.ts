/** Styles of `<cl-phase-stepper>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const phaseStepperStyles = css`
  :host {
    display: block;
  }
  ol.steps {
    list-style: none;
    margin: 0 0 var(--cl-gap);
    padding: 0;
    display: grid;
    gap: 0.4rem;
  }
  .steps > li {
    display: grid;
    grid-template-columns: 1.8rem 1fr;
    gap: 0 0.6rem;
    padding: 0.5rem 0.6rem;
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    background: var(--cl-surface);
  }
  .steps > li.done {
    color: var(--cl-muted);
  }
  .steps > li[aria-current='step'] {
    border-color: var(--cl-accent);
    box-shadow: inset 4px 0 0 var(--cl-accent);
    color: var(--cl-text);
  }
  .marker {
    grid-row: span 3;
    display: inline-grid;
    place-items: center;
    width: 1.6rem;
    height: 1.6rem;
    border-radius: 50%;
    border: 1px solid var(--cl-border);
    font-size: 0.85rem;
    background: var(--cl-bg);
  }
  .steps > li[aria-current='step'] .marker {
    background: var(--cl-accent);
    border-color: var(--cl-accent);
    color: var(--cl-accent-text);
  }
  .name {
    font-weight: 600;
  }
  .name code {
    font-family: var(--cl-mono);
    font-weight: 400;
    font-size: 0.85em;
    color: var(--cl-muted);
    margin-inline-start: 0.4rem;
  }
  .summary,
  .route {
    margin: 0.15rem 0 0;
    font-size: 0.875rem;
  }
  .route {
    color: var(--cl-muted);
  }
  .side-old {
    color: var(--cl-old);
    font-weight: 600;
  }
  .side-new {
    color: var(--cl-new);
    font-weight: 600;
  }
  .controls {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .rollback {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    align-items: center;
  }
  .panel {
    margin-top: var(--cl-gap);
    padding: 0.6rem 0.75rem;
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    background: var(--cl-surface);
  }
  .panel.refused {
    border-color: var(--cl-bad);
  }
  .panel ul {
    margin: 0.3rem 0 0.5rem;
    padding-inline-start: 1.2rem;
  }
  .panel p {
    margin: 0.3rem 0;
  }
  .warnings {
    color: var(--cl-warn);
  }
  .loss {
    color: var(--cl-bad);
    font-weight: 600;
  }
  label.accept {
    display: flex;
    gap: 0.4rem;
    align-items: flex-start;
    margin: 0.4rem 0;
  }
  .note {
    margin: 0 0 var(--cl-gap);
    color: var(--cl-warn);
  }
  .shadow-gate {
    margin-top: var(--cl-gap);
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    background: var(--cl-surface);
  }
  .shadow-gate.refused {
    border-color: var(--cl-bad);
  }
  .shadow-gate p {
    margin: 0.2rem 0;
  }
  .shadow-gate .met {
    color: var(--cl-ok);
  }
  .shadow-gate .unmet {
    color: var(--cl-bad);
  }
  .shadow-diffs {
    margin: 0.3rem 0 0;
    padding-inline-start: 1.4rem;
    font-size: 0.875rem;
  }
  .shadow-diffs > li + li {
    margin-top: 0.35rem;
  }
  .shadow-diffs p.read {
    margin: 0;
  }
  .shadow-diffs ul {
    margin: 0.1rem 0 0;
    padding-inline-start: 1rem;
  }
  .shadow-diffs .params,
  .shadow-diffs .key,
  .shadow-diffs .value {
    font-family: var(--cl-mono);
    overflow-wrap: anywhere;
  }
`;
