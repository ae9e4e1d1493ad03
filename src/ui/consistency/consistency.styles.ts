/** Styles of `<cl-consistency>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const consistencyStyles = css`
  :host {
    display: block;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem;
    margin-bottom: var(--cl-gap);
  }
  .summary {
    margin: 0;
    flex: 1 1 16rem;
  }
  .summary.ok .verdict {
    color: var(--cl-ok);
    font-weight: 600;
  }
  .summary.bad .verdict {
    color: var(--cl-bad);
    font-weight: 600;
  }
  .scroll {
    overflow-x: auto;
    max-width: 100%;
  }
  table {
    font-variant-numeric: tabular-nums;
  }
  th,
  td {
    padding: 0.25rem 0.45rem;
  }
  .totals td,
  .totals th.num {
    text-align: right;
    white-space: nowrap;
  }
  .totals tfoot th,
  .totals tfoot td {
    font-weight: 600;
    border-top: 2px solid var(--cl-border);
  }
  .nonzero {
    color: var(--cl-bad);
    font-weight: 600;
  }
  .pending {
    color: var(--cl-warn);
    font-weight: 600;
  }
  .viewer {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 18rem), 1fr));
    gap: var(--cl-gap);
    margin-top: var(--cl-gap);
    align-items: start;
  }
  .pane {
    min-width: 0;
  }
  .count {
    margin: 0 0 0.35rem;
    font-size: 0.9rem;
  }
  [role='listbox'] {
    list-style: none;
    margin: 0;
    padding: 0;
    max-height: var(--cl-consistency-list-height, 20rem);
    overflow-y: auto;
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    background: var(--cl-bg);
  }
  [role='option'] {
    display: flex;
    flex-wrap: wrap;
    gap: 0 0.5rem;
    padding: 0.35rem 0.5rem;
    border-bottom: 1px solid var(--cl-border);
    cursor: pointer;
    overflow-wrap: anywhere;
  }
  [role='option']:last-child {
    border-bottom: none;
  }
  [role='option'][aria-selected='true'] {
    background: var(--cl-surface-2);
    box-shadow: inset 3px 0 0 var(--cl-accent);
  }
  [role='option']:focus-visible {
    outline-offset: -3px;
  }
  .kind {
    font-weight: 600;
  }
  .key {
    font-family: var(--cl-mono);
  }
  .newer {
    color: var(--cl-muted);
    font-size: 0.85rem;
  }
  .detail h3 {
    overflow-wrap: anywhere;
  }
  .detail .key {
    font-weight: normal;
  }
  .fields {
    table-layout: fixed;
  }
  .fields th:first-child {
    width: 28%;
  }
  .fields td {
    font-family: var(--cl-mono);
    font-size: 0.9rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .fields thead .old {
    color: var(--cl-old);
  }
  .fields thead .new {
    color: var(--cl-new);
  }
  .fields tr.differs th,
  .fields tr.differs td {
    background: var(--cl-surface-2);
  }
  .fields tr.differs th {
    box-shadow: inset 3px 0 0 var(--cl-bad);
    font-weight: 600;
  }
  .marker {
    color: var(--cl-bad);
    margin-left: 0.25rem;
  }
  .null,
  .absent,
  .type {
    color: var(--cl-muted);
    font-style: italic;
  }
  .type {
    font-family: var(--cl-font);
    font-size: 0.8rem;
    margin-left: 0.35rem;
  }
  .app-reads {
    margin-top: var(--cl-gap);
  }
  .app-reads h3 {
    margin: 0 0 0.25rem;
  }
  .app-reads p {
    margin: 0.25rem 0;
  }
  .app-verdict .verdict {
    font-weight: 600;
  }
  .app-verdict .ok {
    color: var(--cl-ok);
  }
  .app-verdict .bad {
    color: var(--cl-bad);
  }
  .app-diffs td.value {
    font-family: var(--cl-mono);
    font-size: 0.9rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .app-diffs .key {
    overflow-wrap: anywhere;
  }
  .app-diffs th[scope='row'] {
    font-weight: normal;
    overflow-wrap: anywhere;
  }
  .app-diffs thead .old {
    color: var(--cl-old);
  }
  .app-diffs thead .new {
    color: var(--cl-new);
  }
`;
