/** The details pane of the history: everything recorded about one operation or event. */
import { html, nothing, type TemplateResult } from 'lit';
import type { Observation, OperationResult } from '../../engine/vocabulary.ts';
import type { LogEvent, Operation } from '../types.ts';
import { countOf, describeError, formatDuration, formatTime, toJson } from './format.ts';

/** Rows returned by a read shown in the details pane. */
const ROWS_SHOWN = 20;

/** The details of an event. */
export function renderEventDetails(event: LogEvent): TemplateResult {
  return html`<dl>
    <dt>Time</dt>
    <dd class="mono">${formatTime(event.at)}</dd>
    <dt>Level</dt>
    <dd>${event.level}</dd>
    <dt>Message</dt>
    <dd>${event.message}</dd>
  </dl>`;
}

/** The details of an operation: its result, the observations on each side, rows read and the shadow comparison. */
export function renderOperationDetails(op: Operation): TemplateResult {
  const result = op.result;
  return html`<dl>
      <dt>Time</dt>
      <dd class="mono">${formatTime(op.at)}</dd>
      <dt>Phase</dt>
      <dd>${op.phase}</dd>
      <dt>Outcome</dt>
      <dd>${op.outcome ?? 'in flight'}</dd>
      ${result?.servedBy
        ? html`<dt>Served by</dt>
            <dd>${result.servedBy}${result.fallback ? ` (fallback: ${result.fallback})` : ''}</dd>`
        : nothing}
      ${result?.error
        ? html`<dt>Error</dt>
            <dd class="error-text">${describeError(result.error)}</dd>`
        : nothing}
      ${op.note !== undefined
        ? html`<dt>Note</dt>
            <dd>${op.note}</dd>`
        : nothing}
      ${result?.note !== undefined && result.note !== op.note
        ? html`<dt>Note</dt>
            <dd>${result.note}</dd>`
        : nothing}
      ${result
        ? html`<dt>Duration</dt>
            <dd>${formatDuration(result.durationMs)}</dd>`
        : nothing}
      ${result?.version !== undefined
        ? html`<dt>Version</dt>
            <dd>${result.version}</dd>`
        : nothing}
      ${result?.recordKey !== undefined
        ? html`<dt>Record</dt>
            <dd class="mono">${result.collection ? `${result.collection} ` : ''}${result.recordKey}</dd>`
        : nothing}
    </dl>
    <section>
      <h3>Params</h3>
      <pre>${toJson(op.params, 2)}</pre>
    </section>
    ${result ? renderObservations(result.observations) : nothing} ${result?.rows ? renderReturnedRows(result.rows) : nothing}
    ${result?.shadow ? renderShadow(result.shadow) : nothing}`;
}

/** What each side did for the operation. */
function renderObservations(observations: readonly Observation[]): TemplateResult {
  return html`<section>
    <h3>Observations</h3>
    ${observations.length === 0
      ? html`<p class="muted">None.</p>`
      : html`<div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Side</th>
                <th scope="col">Access</th>
                <th scope="col">OK</th>
                <th scope="col">Attempts</th>
                <th scope="col">Duration</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              ${observations.map(
                (o) => html`<tr>
                  <td><span class="side ${o.side}">${o.side}</span></td>
                  <td>${o.access}</td>
                  <td>${o.ok ? 'yes' : 'no'}</td>
                  <td>${o.attempts}</td>
                  <td>${formatDuration(o.durationMs)}</td>
                  <td class=${o.error ? 'error-text' : 'muted'}>${o.error ? describeError(o.error) : '—'}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`}
  </section>`;
}

/** The first rows a read returned. */
function renderReturnedRows(rows: NonNullable<OperationResult['rows']>): TemplateResult {
  const summary = `${countOf(rows.length, 'row', 'rows')} returned${rows.length > ROWS_SHOWN ? `, first ${ROWS_SHOWN} shown` : ''}`;
  return html`<section>
    <h3>Rows</h3>
    <p class="muted">${summary}</p>
    ${rows.length
      ? html`<ol class="returned mono">
          ${rows.slice(0, ROWS_SHOWN).map((row) => html`<li>${toJson(row)}</li>`)}
        </ol>`
      : nothing}
  </section>`;
}

/** The shadow read's comparison with the other side. */
function renderShadow(shadow: NonNullable<OperationResult['shadow']>): TemplateResult {
  return html`<section>
    <h3>Shadow read</h3>
    <p class=${shadow.matched ? '' : 'warn-text'}>
      Compared with ${shadow.side}: ${shadow.matched ? 'matched' : `mismatched, ${countOf(shadow.diffs.length, 'difference', 'differences')}`}
    </p>
    ${shadow.diffs.length
      ? html`<ul class="diffs mono">
          ${shadow.diffs.map(
            (d) =>
              html`<li>
                ${d.kind} ${d.key}${d.fields.map((f) => `; ${f.field}: ${toJson(f.primary)} → ${toJson(f.shadow)}`).join('')}
              </li>`,
          )}
        </ul>`
      : nothing}
  </section>`;
}
