/** Styles of `<cl-plan-panel>`; the component lists `shared` (theme.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const planPanelStyles = css`
  :host {
    display: block;
  }
  .drop {
    display: grid;
    gap: 0.6rem;
    border: 2px dashed transparent;
    border-radius: var(--cl-radius);
    padding: 0.25rem;
  }
  .drop.dragging {
    border-color: var(--cl-accent);
    background: var(--cl-surface);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem 0.6rem;
    align-items: center;
  }
  .row > .muted {
    font-size: 0.875rem;
  }
  .recording {
    color: var(--cl-bad);
    font-weight: 600;
  }
  .file {
    position: relative;
    display: inline-block;
  }
  .file input {
    position: absolute;
    inset: 0;
    opacity: 0;
    width: 100%;
    cursor: pointer;
  }
  .file span {
    display: inline-block;
    padding: 0.35rem 0.75rem;
    color: var(--cl-text);
    background: var(--cl-surface-2);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
  }
  .file:focus-within span {
    outline: 3px solid var(--cl-focus);
    outline-offset: 2px;
  }
  .seed input {
    width: 7rem;
    margin-left: 0.3rem;
  }
  .problems {
    border: 1px solid var(--cl-bad);
    border-radius: var(--cl-radius);
    padding: 0.4rem 0.75rem;
  }
  .problems p {
    margin: 0.2rem 0;
  }
  .problems ul {
    margin: 0.2rem 0;
    padding-left: 1.2rem;
    overflow-wrap: anywhere;
  }
  .title {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .message {
    margin: 0;
  }
  .message.bad,
  .problem {
    color: var(--cl-bad);
  }
  .steps {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.35rem;
    max-height: 32rem;
    overflow: auto;
  }
  .step {
    border: 1px solid var(--cl-border);
    border-left-width: 4px;
    border-radius: var(--cl-radius);
    background: var(--cl-surface);
    padding: 0.35rem 0.6rem;
    overflow-wrap: anywhere;
  }
  .step.ok {
    border-left-color: var(--cl-ok);
  }
  .step.bad {
    border-left-color: var(--cl-bad);
  }
  .step.current {
    border-color: var(--cl-accent);
    border-left-color: var(--cl-accent);
    box-shadow: 0 0 0 1px var(--cl-accent);
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    gap: 0.2rem 0.6rem;
  }
  .status {
    font-size: 0.8rem;
    color: var(--cl-muted);
  }
  .step.bad .status {
    color: var(--cl-bad);
    font-weight: 600;
  }
  .small {
    font-size: 0.8rem;
  }
  .gates {
    list-style: none;
    margin: 0.2rem 0 0;
    padding: 0;
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
  }
  .gates.pending {
    color: var(--cl-muted);
  }
  .verdict.held .mark {
    color: var(--cl-ok);
  }
  .verdict.failed {
    color: var(--cl-bad);
  }
  .mark {
    display: inline-block;
    width: 1.1em;
    font-weight: 700;
  }
`;
