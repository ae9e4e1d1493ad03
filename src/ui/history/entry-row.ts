/** One row of the history list: what an operation or an event shows in its two lines. */
import { html, nothing, type TemplateResult } from 'lit';
import type { LogEvent, Operation } from '../types.ts';
import { compactParams, formatTime } from './format.ts';

/** The two lines of an operation's row. */
export function renderOperationRow(op: Operation): TemplateResult {
  const result = op.result;
  const message = result?.error?.message ?? op.note ?? result?.note;
  return html`<div class="line">
      <span class="time">${formatTime(op.at)}</span>
      <span class="phase">${op.phase}</span>
      <span class="name">${op.name}</span>
      <span class="access">${op.access}</span>
      ${renderOutcomeBadge(op.outcome)}
    </div>
    <div class="line">
      ${result?.servedBy ? html`<span class="side ${result.servedBy}">${result.servedBy}</span>` : nothing}
      ${result?.fallback ? html`<span class="fallback" title="The fallback side served the read (${result.fallback})">fallback</span>` : nothing}
      ${message !== undefined ? html`<span class="message ${result?.error ? 'error-text' : ''}">${message}</span>` : nothing}
      <span class="params">${compactParams(op.params)}</span>
    </div>`;
}

/** The two lines of an event's row. */
export function renderEventRow(event: LogEvent): TemplateResult {
  return html`<div class="line">
      <span class="time">${formatTime(event.at)}</span>
      <span class="phase">event</span>
      <span class="badge ${event.level}">${event.level}</span>
    </div>
    <div class="line"><span class="message">${event.message}</span></div>`;
}

/** An operation's outcome as a badge (dashed while in flight). */
function renderOutcomeBadge(outcome: Operation['outcome']): TemplateResult {
  return outcome === undefined ? html`<span class="badge in-flight">in flight</span>` : html`<span class="badge ${outcome}">${outcome}</span>`;
}
