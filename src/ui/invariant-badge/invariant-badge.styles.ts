/** Styles of `<cl-invariant-badge>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const invariantBadgeStyles = css`
  :host {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem;
    max-width: 100%;
  }
  .badge {
    --badge-colour: var(--cl-muted);
    display: flex;
    flex-direction: column;
    gap: 0.1rem;
    padding: 0.3rem 0.7rem;
    border: 2px solid var(--badge-colour);
    border-radius: var(--cl-radius);
    background: var(--cl-surface);
    min-width: 0;
    /* Room for the buttons beside it before they wrap below. */
    flex: 1 1 16rem;
  }
  .badge.ok {
    --badge-colour: var(--cl-ok);
  }
  .badge.warn {
    --badge-colour: var(--cl-warn);
  }
  .badge.bad {
    --badge-colour: var(--cl-bad);
  }
  .headline {
    font-weight: 600;
    color: var(--badge-colour);
    font-variant-numeric: tabular-nums;
  }
  .badge.bad .headline {
    font-size: 1.05em;
  }
  .icon {
    display: inline-block;
    width: 1.1em;
    text-align: center;
  }
  .details {
    font-size: 0.85rem;
    color: var(--cl-muted);
    overflow-wrap: anywhere;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    flex: none;
  }
`;
