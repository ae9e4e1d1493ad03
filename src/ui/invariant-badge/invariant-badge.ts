/**
 * `cl-invariant-badge`: the one figure a migration must keep at zero, lost acknowledged writes,
 * from the last history check, with the check's other findings as secondary text.
 *
 * The badge is a `role="status"` region, so screen readers hear it change; the buttons sit
 * outside it so that they are not read out with every change.
 *
 * @fires cl-check-history - "Check now" was pressed; detail `{}`
 * @fires cl-show-history - "Show the writes" was pressed; detail `{ filter: 'lost' }`
 *
 * @csspart badge - the status region (headline and details)
 * @csspart headline - "Lost acknowledged writes: N"
 * @csspart details - unexpected values, recovered writes, duplicates
 * @csspart check-button - the "Check now" button
 * @csspart show-button - the "Show the writes" button (only when writes were lost)
 *
 * @cssproperty --cl-ok - colour of a clean check
 * @cssproperty --cl-warn - colour when values were unexpected or duplicated but none lost
 * @cssproperty --cl-bad - colour when acknowledged writes were lost
 * @cssproperty --cl-muted - colour while checking or not checked yet
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { HistoryReport } from '../../engine/vocabulary.ts';
import { fire } from '../events.ts';
import { shared } from '../theme.ts';
import { invariantBadgeStyles } from './invariant-badge.styles.ts';

/** What the badge says, from the report and whether a check runs. */
type Verdict = 'pending' | 'checking' | 'ok' | 'warn' | 'bad';

const count = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const plural = (n: number, one: string, many: string): string => `${count.format(n)} ${n === 1 ? one : many}`;

/** Acknowledged writes lost, counting starting records the read path no longer finds (committed data too). */
function lostCount(r: HistoryReport): number {
  return r.lost.length + (r.starting?.missing ?? 0);
}

/** The history checker's verdict on lost acknowledged writes. */
export class ClInvariantBadge extends LitElement {
  static override properties = {
    report: { attribute: false },
    checking: { type: Boolean, reflect: true },
  };

  static override styles = [shared, invariantBadgeStyles];

  /** The last history check (null: never checked in this session). */
  declare report: HistoryReport | null;
  /** A check is running (attribute `checking`). */
  declare checking: boolean;

  constructor() {
    super();
    this.report = null;
    this.checking = false;
  }

  protected override render(): TemplateResult {
    const verdict = this.verdict();
    const lost = this.report?.lost.length ?? 0;
    const showWrites = verdict === 'bad' && !this.checking && lost > 0;
    return html`
      <div class="badge ${verdict}" part="badge" role="status" aria-live="polite" data-verdict=${verdict}>
        <span class="headline" part="headline"><span class="icon" aria-hidden="true">${ICONS[verdict]}</span>${this.renderHeadline(verdict)}</span>
        ${this.renderDetails()}
      </div>
      <div class="actions">
        ${showWrites
          ? html`<button type="button" class="danger" part="show-button" @click=${this.handleShow}>Show the writes<span class="visually-hidden"> (${count.format(lost)} lost)</span></button>`
          : nothing}
        <button type="button" part="check-button" ?disabled=${this.checking} @click=${this.handleCheck}>Check now</button>
      </div>
    `;
  }

  private verdict(): Verdict {
    if (this.checking) return 'checking';
    const r = this.report;
    if (!r) return 'pending';
    if (lostCount(r) > 0) return 'bad';
    return r.unexpected.length > 0 || r.unexpectedReads > 0 || r.duplicates.length > 0 || (r.starting?.changed ?? 0) > 0 ? 'warn' : 'ok';
  }

  private renderHeadline(verdict: Verdict): string {
    switch (verdict) {
      case 'checking':
        return 'Lost acknowledged writes: checking…';
      case 'pending':
        return 'Lost acknowledged writes: not checked yet';
      case 'ok':
      case 'warn':
      case 'bad':
        return `Lost acknowledged writes: ${count.format(this.report ? lostCount(this.report) : 0)}`;
      default:
        throw new Error(`unknown verdict '${verdict as string}'`);
    }
  }

  private renderDetails(): TemplateResult | typeof nothing {
    const r = this.report;
    if (!r) return nothing;
    const parts = [
      `${plural(r.acknowledgedWrites, 'acknowledged write', 'acknowledged writes')} checked`,
      `unexpected values: ${count.format(r.unexpected.length)}${r.unexpectedReads > 0 ? ` (in ${plural(r.unexpectedReads, 'read', 'reads')})` : ''}`,
      `recovered: ${count.format(r.recovered)} of ${plural(r.indeterminateWrites, 'indeterminate write', 'indeterminate writes')}`,
    ];
    if (r.duplicates.length > 0) parts.push(`duplicates: ${count.format(r.duplicates.length)}`);
    const s = r.starting;
    if (s) {
      const wrong = [s.missing > 0 ? `${count.format(s.missing)} missing` : '', s.changed > 0 ? `${count.format(s.changed)} changed` : ''].filter(Boolean).join(', ');
      const first = s.examples[0];
      parts.push(
        `starting records: ${count.format(s.records)}, ${count.format(s.untouched)} untouched held to their first state${wrong ? ` — ${wrong} (first: ${first?.collection ?? ''} ${first?.key ?? ''} ${first?.found === null ? 'not found' : 'changed'})` : ', all there'}`,
      );
    }
    if (r.undecided > 0) parts.push(`undecided: ${plural(r.undecided, 'record', 'records')} with too many indeterminate writes to tell`);
    return html`<span class="details" part="details">${this.checking ? 'Last check: ' : ''}${parts.join(' · ')}</span>`;
  }

  private handleCheck(): void {
    fire(this, 'cl-check-history', {});
  }

  private handleShow(): void {
    fire(this, 'cl-show-history', { filter: 'lost' });
  }
}

const ICONS: Readonly<Record<Verdict, string>> = { pending: '○', checking: '…', ok: '✓', warn: '!', bad: '✕' };

if (!customElements.get('cl-invariant-badge')) customElements.define('cl-invariant-badge', ClInvariantBadge);

declare global {
  interface HTMLElementTagNameMap {
    'cl-invariant-badge': ClInvariantBadge;
  }
}
