/**
 * Which writes can make a new rehearsal's starting records (`actions/starting-records.ts`), and
 * why a request cannot: kept apart from the loader so the page can ask without loading it.
 */
import type { StartingRecordsRequest } from '../control-state.ts';
import type { Scenario } from './format.ts';

/** The largest load (a rehearsal this size fits a tab; see docs/limits.md). */
export const MAX_STARTING_RECORDS = 2_000_000;

/** Seq values of starting records begin here, above any the workload reaches, so `{seq}` keys never collide with theirs. */
export const STARTING_SEQ_BASE = 1_000_000_000;

/** The writes of `scenario` that can make starting records: insert or upsert effects whose parameters need no existing record. */
export function startingOperations(scenario: Scenario): string[] {
  return Object.keys(scenario.operations).filter((operation) => startingRecordsProblem({ scenario }, { operation, count: 1 }) === undefined);
}

/** Why `request` cannot make starting records for this scenario, or undefined when it can. */
export function startingRecordsProblem(parts: { readonly scenario: Scenario }, request: StartingRecordsRequest): string | undefined {
  const op = parts.scenario.operations[request.operation];
  const writes = Object.entries(parts.scenario.operations)
    .filter(([, o]) => o.kind === 'write' && (o.effect.type === 'insert' || o.effect.type === 'upsert') && !JSON.stringify(o.params).includes('"existing"'))
    .map(([name]) => name);
  const choose = writes.length > 0 ? `choose one of ${writes.join(', ')}` : 'this scenario has no write that makes a whole record';
  if (!op) return `the scenario has no operation "${request.operation}": ${choose}`;
  if (op.kind !== 'write' || (op.effect.type !== 'insert' && op.effect.type !== 'upsert')) {
    return `"${request.operation}" does not make a whole record (starting records come from an insert or upsert write): ${choose}`;
  }
  const existing = Object.entries(op.params).find(([, spec]) => JSON.stringify(spec).includes('"existing"'));
  if (existing) return `"${request.operation}" picks parameter "${existing[0]}" from existing records, which a rehearsal with no records yet does not have: ${choose}`;
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_STARTING_RECORDS) {
    return `the count must be a whole number from 1 to ${MAX_STARTING_RECORDS.toLocaleString('en-US')} (asked for ${String(request.count)})`;
  }
  return undefined;
}

