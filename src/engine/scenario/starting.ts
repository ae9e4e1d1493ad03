/**
 * Which writes can make a new rehearsal's starting records (`actions/starting-records.ts`), and
 * why a request cannot: kept apart from the loader so the page can ask without loading it.
 */
import type { StartingRecordsRequest } from '../control-state.ts';
import type { Operation, ParamSpec, Scenario } from './format.ts';

/** The largest load (a rehearsal this size fits a tab; see docs/limits.md). */
export const MAX_STARTING_RECORDS = 2_000_000;

/** Seq values of starting records begin here, above any the workload reaches, so `{seq}` keys never collide with theirs. */
export const STARTING_SEQ_BASE = 1_000_000_000;

/** Whether a parameter generator draws from records believed to exist, at any depth (`{ "existing": … }`). */
function readsExisting(spec: ParamSpec): boolean {
  if ('existing' in spec) return true;
  if ('nullable' in spec) return readsExisting(spec.of);
  if ('list' in spec) return readsExisting(spec.list);
  if ('object' in spec) return Object.values(spec.object).some(readsExisting);
  return false;
}

/** Why `op` cannot make starting records, or undefined when it can (the count aside). */
function operationProblem(name: string, op: Operation): string | undefined {
  if (op.kind !== 'write' || (op.effect.type !== 'insert' && op.effect.type !== 'upsert')) {
    return `"${name}" does not make a whole record (starting records come from an insert or upsert write)`;
  }
  const existing = Object.entries(op.params).find(([, spec]) => readsExisting(spec));
  return existing ? `"${name}" picks parameter "${existing[0]}" from existing records, which a rehearsal with no records yet does not have` : undefined;
}

/** The writes of `scenario` that can make starting records: insert or upsert effects whose parameters need no existing record. */
export function startingOperations(scenario: Scenario): string[] {
  return Object.entries(scenario.operations)
    .filter(([name, op]) => operationProblem(name, op) === undefined)
    .map(([name]) => name);
}

/** Why `request` cannot make starting records for this scenario, or undefined when it can. */
export function startingRecordsProblem(parts: { readonly scenario: Scenario }, request: StartingRecordsRequest): string | undefined {
  const writes = startingOperations(parts.scenario);
  const choose = writes.length > 0 ? `choose one of ${writes.join(', ')}` : 'this scenario has no write that makes a whole record';
  const op = parts.scenario.operations[request.operation];
  if (!op) return `the scenario has no operation "${request.operation}": ${choose}`;
  const problem = operationProblem(request.operation, op);
  if (problem) return `${problem}: ${choose}`;
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_STARTING_RECORDS) {
    return `the count must be a whole number from 1 to ${MAX_STARTING_RECORDS.toLocaleString('en-US')} (asked for ${String(request.count)})`;
  }
  return undefined;
}

