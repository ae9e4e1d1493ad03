/** Styles of `<cl-history>`, and the row height its scroll math shares with them. */
import { css } from 'lit';

/** Height of one row in pixels: the CSS and the windowing arithmetic both use it. */
export const ROW_HEIGHT = 48;

/** The panel's own rules (`shared` comes first in the component). */
export const historyStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    height: 32rem;
    min-height: 16rem;
    container: history / inline-size;
    font-size: 0.875rem;
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem var(--cl-gap);
    align-items: end;
  }
  .toolbar label {
    display: flex;
    flex-direction: column;
    gap: 0.15rem;
    font-size: 0.8125rem;
    color: var(--cl-muted);
  }
  .toolbar .search {
    flex: 1 1 12rem;
  }
  .toolbar input,
  .toolbar select {
    min-height: 2rem;
    box-sizing: border-box;
  }
  .status {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    min-height: 2rem;
  }
  .count {
    margin: 0;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    padding: 0.1rem 0.2rem 0.1rem 0.6rem;
    border: 1px solid var(--cl-accent);
    border-radius: 999px;
    color: var(--cl-accent);
    font-weight: 600;
  }
  .chip button {
    min-height: 1.75rem;
    padding: 0.1rem 0.6rem;
    border-radius: 999px;
  }
  .body {
    flex: 1 1 0;
    min-height: 0;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
  }
  .list {
    position: relative;
    flex: 1 1 0;
    min-height: 8rem;
    overflow: auto;
    overscroll-behavior: contain;
    background: var(--cl-bg);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
  }
  .spacer {
    position: relative;
    /* height: set by the element (rows × ROW_HEIGHT) */
  }
  .window {
    position: absolute;
    inset: 0 0 auto 0;
    /* transform: set by the element (translateY of the first rendered row) */
  }
  .empty {
    position: absolute;
    inset: 0 0 auto 0;
    margin: 0;
    padding: 1rem;
    text-align: center;
  }
  .row {
    box-sizing: border-box;
    height: ${ROW_HEIGHT}px;
    padding: 4px 0.6rem;
    display: grid;
    grid-template-rows: 20px 20px;
    line-height: 20px;
    border-bottom: 1px solid var(--cl-border);
    overflow: hidden;
    cursor: pointer;
  }
  .row[aria-selected='true'] {
    background: var(--cl-surface-2);
    box-shadow: inset 3px 0 0 var(--cl-accent);
  }
  .list:focus-visible .row[aria-selected='true'] {
    outline: 2px solid var(--cl-focus);
    outline-offset: -2px;
  }
  .line {
    display: flex;
    gap: 0.5rem;
    align-items: baseline;
    min-width: 0;
    white-space: nowrap;
    overflow: hidden;
  }
  .time,
  .params,
  .mono {
    font-family: var(--cl-mono);
    font-size: 0.8125rem;
  }
  .time,
  .phase,
  .access {
    flex: none;
    color: var(--cl-muted);
  }
  .name {
    flex: 0 1 auto;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    font-weight: 600;
  }
  .message {
    flex: 0 1 auto;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .params {
    flex: 1 1 0;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    color: var(--cl-muted);
  }
  .badge {
    flex: none;
    margin-inline-start: auto;
    padding: 0 0.4rem;
    border: 1px solid currentColor;
    border-radius: var(--cl-radius);
    font-size: 0.75rem;
    line-height: 16px;
    font-weight: 600;
  }
  .badge.ok {
    color: var(--cl-ok);
  }
  .badge.fail,
  .badge.error,
  .error-text {
    color: var(--cl-bad);
  }
  .badge.info,
  .badge.warning,
  .warn-text {
    color: var(--cl-warn);
  }
  .badge.in-flight,
  .badge.event {
    color: var(--cl-muted);
    border-style: dashed;
  }
  .side {
    flex: none;
    font-weight: 600;
  }
  .side.old {
    color: var(--cl-old);
  }
  .side.new {
    color: var(--cl-new);
  }
  .fallback {
    flex: none;
    color: var(--cl-warn);
  }
  .details {
    flex: 0 1 45%;
    min-height: 0;
    overflow: auto;
    padding: 0.6rem 0.75rem;
    background: var(--cl-surface);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
  }
  .details header {
    display: flex;
    gap: 0.5rem;
    align-items: start;
    justify-content: space-between;
  }
  .details dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.2rem 0.75rem;
    margin: 0 0 0.75rem;
  }
  .details dt {
    color: var(--cl-muted);
  }
  .details dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .details section {
    margin-block-end: 0.75rem;
  }
  .details pre {
    margin: 0;
    padding: 0.4rem 0.5rem;
    background: var(--cl-bg);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    font-family: var(--cl-mono);
    font-size: 0.8125rem;
  }
  .table-scroll {
    overflow-x: auto;
  }
  th,
  td {
    padding: 0.2rem 0.5rem 0.2rem 0;
  }
  th {
    color: var(--cl-muted);
    font-weight: 600;
  }
  ol.returned,
  ul.diffs {
    margin: 0;
    padding-inline-start: 1.5rem;
  }
  ol.returned li,
  ul.diffs li {
    overflow-wrap: anywhere;
  }
  @container history (min-width: 56rem) {
    .body {
      flex-direction: row;
    }
    .details {
      flex: 0 0 24rem;
    }
  }
`;
