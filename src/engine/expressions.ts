/**
 * Computed values: an effect may store `{ "expr": "CAST(ROUND(:amount * 100) AS INTEGER)" }`, a
 * deterministic SQL expression over the operation's parameters. SQLite evaluates it — the same
 * arithmetic, rounding and type conversion the application's statements get — on a scratch
 * database of its own. The model and the history checker ask this port; the validator refuses
 * expressions that are not deterministic, so an answer can be cached.
 */
import type { Params, SqlDatabase, SqlEngine, SqlValue } from './sql.ts';

/** Evaluates a scenario's SQL expressions over an operation's parameters. */
export interface Expressions {
  evaluate(expr: string, params: Params): SqlValue;
}

/** For callers that evaluate nothing: a scenario with an `expr` fails loudly instead of guessing. */
export const NO_EXPRESSIONS: Expressions = {
  evaluate(expr) {
    throw new Error(`this scenario computes a value with { "expr": "${expr}" }: pass an evaluator, sqlExpressions(sql), to the model and the history checker`);
  },
};

/** Answers kept per evaluator; an expression is deterministic, so a kept answer is the answer. */
const CACHE_LIMIT = 10_000;

/** Evaluates expressions on a scratch in-memory database, opened on first use. */
export function sqlExpressions(sql: SqlEngine): Expressions {
  let db: SqlDatabase | undefined;
  const cache = new Map<string, SqlValue>();
  return {
    evaluate(expr, params) {
      const id = `${expr}\u0000${JSON.stringify(params, (_k, v: unknown) => (v instanceof Uint8Array ? `x'${[...v].join(',')}'` : v))}`;
      const hit = cache.get(id);
      if (hit !== undefined || cache.has(id)) return hit ?? null;
      db ??= sql.open();
      const value = db.query(`SELECT (${expr}) AS v`, params)[0]?.v ?? null;
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(id, value);
      return value;
    },
  };
}

/** What SQLite's `+` is asked when an operand is not a number: `:current + :delta`. */
const SQL_ADD = ':current + :delta';

/**
 * `current + delta` as SQLite computes it (an effect's `add`): NULL when either is NULL, numbers
 * added (JavaScript's doubles are what sql.js returns for INTEGER and REAL alike), and text or a
 * blob converted to a number by SQLite itself, through `expressions`.
 */
export function sqlAdd(current: SqlValue, delta: SqlValue, expressions: Expressions): SqlValue {
  if (current === null || delta === null) return null;
  if (typeof current === 'number' && typeof delta === 'number') return current + delta;
  if (expressions === NO_EXPRESSIONS) {
    throw new Error(`this scenario adds ${typeof delta === 'number' ? String(delta) : 'a non-number'} to ${typeof current === 'string' ? 'text' : 'a non-number'}, which SQLite converts: pass an evaluator, sqlExpressions(sql), to the model and the history checker`);
  }
  return expressions.evaluate(SQL_ADD, { current, delta });
}
