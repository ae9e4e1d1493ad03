/** Styles of `<cl-figures>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css, unsafeCSS } from 'lit';
// Adopted as a constructed stylesheet (Lit's `static styles`): a CSP without 'unsafe-inline'
// blocks <style> elements but not adopted sheets.
import uplotCss from 'uplot/dist/uPlot.min.css?inline';

/** uPlot's own stylesheet. */
export const uplotStyles = unsafeCSS(uplotCss);

/** The component's own rules. */
export const figuresStyles = css`
  :host {
    display: block;
    container-type: inline-size;
  }
  .charts {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 17rem), 1fr));
    gap: var(--cl-gap);
    margin: 0;
  }
  figure {
    margin: 0;
    min-width: 0;
    padding: 0.5rem;
    background: var(--cl-surface);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
  }
  figcaption {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    gap: 0.25rem 0.75rem;
    margin-bottom: 0.35rem;
  }
  .chart-title {
    font-weight: 600;
  }
  .now {
    color: var(--cl-muted);
    font-variant-numeric: tabular-nums;
  }
  .plot {
    min-width: 0;
    height: var(--cl-figures-plot-height, 150px);
    overflow: hidden;
  }
  .plot .uplot {
    font-family: var(--cl-font);
  }
  .swatch {
    display: inline-block;
    width: 0.8em;
    height: 0.25em;
    vertical-align: middle;
    margin-right: 0.25em;
    border-radius: 1px;
  }
  .swatch.old {
    background: var(--cl-old);
  }
  .swatch.new {
    background: var(--cl-new);
  }
  .empty {
    margin: 0 0 0.5rem;
  }
  .marks {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0 0.5rem;
    margin-top: 0.4rem;
    font-size: 0.8rem;
  }
  .marks ol {
    display: flex;
    flex-wrap: wrap;
    gap: 0 0.25rem;
    flex: 1 1 0;
    min-width: min(100%, 15rem);
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .marks li {
    display: flex;
    min-width: 0;
    max-width: 100%;
  }
  .marks .earlier {
    align-self: center;
  }
  button.mark {
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
    min-width: 0;
    max-width: 100%;
    padding: 0.05rem 0.3rem 0.05rem 0.1rem;
    font: inherit;
    font-variant-numeric: tabular-nums;
    color: var(--cl-text);
    background: transparent;
    border: 1px solid transparent;
    border-radius: var(--cl-radius);
    cursor: pointer;
  }
  button.mark:hover,
  button.mark.pointed {
    border-color: var(--cl-border);
    background: var(--cl-surface-2);
  }
  button.mark[aria-pressed='true'] {
    border-color: var(--cl-text);
    background: var(--cl-surface-2);
  }
  .mark time {
    color: var(--cl-muted);
  }
  .mark .what {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .glyph {
    display: inline-block;
    min-width: 1.1em;
    padding: 0 0.15em;
    border-radius: 2px;
    font-weight: 600;
    text-align: center;
    color: var(--cl-surface);
    background: var(--cl-muted);
  }
  .mark[data-kind='phase'] .glyph {
    background: var(--cl-accent);
  }
  .mark[data-kind='rollback'] .glyph {
    background: var(--cl-old);
  }
  .mark[data-kind='fault'] .glyph {
    background: var(--cl-warn);
  }
  .mark[data-kind='crash'] .glyph,
  .mark[data-alert] .glyph {
    background: var(--cl-bad);
  }
  .mark[data-kind='copy'] .glyph {
    background: var(--cl-new);
  }
  .mark[data-kind='verify']:not([data-alert]) .glyph {
    background: var(--cl-ok);
  }
  .mark[data-kind='plan-step'] .glyph {
    background: var(--cl-text);
  }
  .tables {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr));
    gap: var(--cl-gap);
    margin-top: var(--cl-gap);
    align-items: start;
  }
  table {
    font-size: 0.9rem;
    font-variant-numeric: tabular-nums;
  }
  th,
  td {
    padding: 0.2rem 0.4rem;
  }
  th[scope='row'] {
    font-weight: normal;
    color: var(--cl-muted);
  }
  td.num,
  th.num {
    text-align: right;
  }
  ul.pairs {
    display: flex;
    flex-wrap: wrap;
    gap: 0 0.75rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .pairs .k {
    color: var(--cl-muted);
  }
`;
