/**
 * The check of computed values (`{ "expr": "CAST(ROUND(:price * 100) AS INTEGER)" }`): each must
 * be one SQL expression over its operation's parameters, and deterministic, since the model and the
 * history checker evaluate it again long after the write and must get what the write stored.
 *
 * SQLite decides what is deterministic: it refuses non-deterministic functions in a generated
 * column when the table is created (random(), CURRENT_TIMESTAMP, changes(), sqlite_version(), …)
 * and a date function reading the clock or the time zone when a row computes it ('now', no time
 * value, 'localtime', 'utc'). So the expression becomes a generated column of a scratch table with
 * one column per parameter, and rows are inserted into it: probe values here, the dry run's
 * generated parameters later (`ExpressionProbe.evaluate`).
 */
import { SqlError, type Params, type SqlDatabase, type SqlEngine, type SqlValue } from '../sql.ts';
import { scanParams, tokenize } from '../sql-params.ts';
import type { Scenario, ValueRef, WriteOperation } from './format.ts';
import { undeclaredParamMessage, type Problem } from './shape-checker.ts';

/** One `{ "expr": … }` of a write's effect and where it stands. */
export interface ExprSite {
  /** `operations.reprice.effect.set.price_cents` */
  readonly path: string;
  readonly operation: string;
  readonly expr: string;
  /** Whether it is an `add` delta (which must be a number). */
  readonly delta: boolean;
}

/** Every expression of the scenario's writes (keys cannot be computed: the shape check refuses that). */
export function expressionSites(scenario: Scenario): ExprSite[] {
  const out: ExprSite[] = [];
  const visit = (operation: string, path: string, ref: ValueRef, delta = false): void => {
    if (typeof ref === 'object' && 'expr' in ref) out.push({ path, operation, expr: ref.expr, delta });
  };
  for (const [name, op] of Object.entries(scenario.operations)) {
    if (op.kind !== 'write') continue;
    const p = `operations.${name}.effect`;
    for (const [field, ref] of Object.entries(op.effect.set ?? {})) visit(name, `${p}.set.${field}`, ref);
    for (const [field, ref] of Object.entries(op.effect.add ?? {})) visit(name, `${p}.add.${field}`, ref, true);
    for (const [field, shape] of Object.entries(op.effect.append ?? {})) {
      for (const [k, ref] of Object.entries(shape)) visit(name, `${p}.append.${field}.${k}`, ref);
    }
  }
  return out;
}

/** Every problem with the scenario's expressions, each at its path. */
export function validateExpressions(scenario: Scenario, sql: SqlEngine): Problem[] {
  const sites = expressionSites(scenario);
  if (sites.length === 0) return [];
  const probe = new ExpressionProbe(sql);
  try {
    return sites.flatMap((site) =>
      probe.problems(site.expr, Object.keys((scenario.operations[site.operation] as WriteOperation).params), `operations.${site.operation}.params`).map((message) => ({ path: site.path, message })),
    );
  } finally {
    probe.close();
  }
}

/** Values each expression is computed with when it is checked: what a clock-reading function needs to show itself. */
const PROBE_VALUES: readonly SqlValue[] = [null, 0, 1.5, '2025-01-01 10:00:00', 'x'];

/** Functions SQLite refuses as non-deterministic, to name the one an expression calls. */
const NON_DETERMINISTIC = ['random', 'randomblob', 'changes', 'total_changes', 'last_insert_rowid', 'sqlite_version', 'sqlite_source_id', 'sqlite_compileoption_get', 'sqlite_compileoption_used', 'current_timestamp', 'current_date', 'current_time'];

const CLOCK_REMEDY = 'draw the time as a parameter ({ "now": "ms" } or { "now": "iso" }) and compute from it, e.g. datetime(:at / 1000, \'unixepoch\')';
const VALUE_REMEDY = 'draw the value as a parameter ({"int": [min, max]}, {"oneOf": [...]}) and compute from it';

/** A scratch database where expressions become generated columns, to check them and compute them as a write would. */
export class ExpressionProbe {
  readonly #db: SqlDatabase;
  /** Table of each (expression, parameters) prepared so far. */
  readonly #tables = new Map<string, { table: string; params: readonly string[] }>();

  constructor(sql: SqlEngine) {
    this.#db = sql.open();
  }

  /**
   * What is wrong with `expr` over parameters `declared` (declared in `declareIn`, such as
   * `operations.reprice.params`), each message with what to change; empty when nothing is.
   */
  problems(expr: string, declared: readonly string[], declareIn = "the operation's params"): string[] {
    const scan = scanParams(expr);
    const out: string[] = [];
    for (const other of scan.otherStyles) out.push(`uses the parameter ${other}: write the operation's parameters as :name`);
    for (const p of scan.named) {
      if (!declared.includes(p)) out.push(undeclaredParamMessage(p, declared, { declareIn, note: " (an expression computes from its operation's parameters)" }));
    }
    if (out.length > 0) return out;
    if (tokenize(expr).some((t) => t.text === ';')) return ['holds a ";": an expression is one value, not statements; write a single expression over the operation\'s parameters'];
    const select = `SELECT (${expr}) AS v`;
    try {
      const columns = this.#db.describe(select).columns;
      if (columns.length !== 1) return [`is not one expression: SELECT (<expr>) returns ${columns.length} columns; write a single expression (no commas outside parentheses)`];
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      return [`does not prepare as SELECT (<expr>): ${error.message}; ${prepareRemedy(error.message, declared)}`];
    }
    let table: string;
    try {
      table = this.#table(expr, declared);
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      return [definitionProblem(expr, error.message)];
    }
    for (const value of PROBE_VALUES) {
      try {
        this.#insert(table, declared, Object.fromEntries(declared.map((d) => [d, value])));
      } catch (error) {
        if (!(error instanceof SqlError)) throw error;
        // Other errors depend on the values (malformed JSON for 'x'): the dry run tries real ones.
        const clock = clockProblem(error.message, '');
        if (clock) return [clock];
      }
    }
    return [];
  }

  /**
   * `expr` computed with `params` as a write's effect computes it; throws SqlError when SQLite
   * refuses (a clock read with these values: "non-deterministic use of date() in a generated
   * column") or fails ("malformed JSON"). Call `problems` first: the expression must be valid.
   */
  evaluate(expr: string, declared: readonly string[], params: Params): SqlValue {
    return this.#insert(this.#table(expr, declared), declared, params);
  }

  close(): void {
    this.#db.close();
  }

  #table(expr: string, declared: readonly string[]): string {
    const id = `${expr}\u0000${declared.join(',')}`;
    const known = this.#tables.get(id);
    if (known) return known.table;
    const table = `__cutover_expr_${this.#tables.size}`;
    const columns = ['"__cutover_row"', ...declared.map(column)];
    this.#db.exec(`CREATE TABLE ${table} (${columns.join(', ')}, "__cutover_value" AS ((${renameParams(expr, column)})))`);
    this.#tables.set(id, { table, params: declared });
    return table;
  }

  #insert(table: string, declared: readonly string[], params: Params): SqlValue {
    const bound: Record<string, SqlValue> = {};
    declared.forEach((d, i) => (bound[`p${i}`] = params[d] ?? null));
    const values = declared.map((_d, i) => `:p${i}`);
    const rows = this.#db.query(`INSERT INTO ${table} (${['"__cutover_row"', ...declared.map(column)].join(', ')}) VALUES (${['NULL', ...values].join(', ')}) RETURNING "__cutover_value" AS v`, bound);
    return rows[0]?.v ?? null;
  }
}

/** A parameter's column in the probe table: a name the expression cannot write by accident. */
const column = (param: string): string => `"__cutover_p_${param}"`;

function prepareRemedy(message: string, declared: readonly string[]): string {
  const params = declared.length ? declared.map((d) => `:${d}`).join(', ') : 'none are declared';
  if (/^no such column/.test(message)) return `an expression sees only its operation's parameters, written with a colon (${params}), not columns or fields (to change a field by a delta, use "add")`;
  if (/^no such table/.test(message)) return 'an expression computes from its operation\'s parameters alone and cannot read tables';
  return `write one SQL expression over the operation's parameters (${params})`;
}

/** Why SQLite would not make `expr` a generated column, as a problem with what to change. */
function definitionProblem(expr: string, message: string): string {
  if (/non-deterministic functions prohibited/.test(message)) {
    const called = calledFunctions(expr).filter((f) => NON_DETERMINISTIC.includes(f));
    const which = called.length ? `it calls ${called.map((f) => (f.startsWith('current_') ? f.toUpperCase() : `${f}()`)).join(', ')}, whose answer` : 'it calls a function whose answer';
    return (
      `is not deterministic (SQLite: "${message}"): ${which} changes from call to call, or from one SQLite build to another, so the history checker, computing it again, would not get what the write stored; ` +
      (called.some((f) => f.startsWith('current_')) ? CLOCK_REMEDY : VALUE_REMEDY)
    );
  }
  if (/subqueries prohibited/.test(message)) return `contains a subquery (SQLite: "${message}"): an expression computes one value from its operation's parameters alone; write it without SELECT`;
  const misuse = /misuse of (aggregate|window) function (\w+)\(\)/.exec(message);
  if (misuse) return `calls the ${misuse[1]} function ${misuse[2]}(), which combines rows: an expression computes one value from one write's parameters; use a scalar function (max(a, b) with two or more arguments is one)`;
  if (/syntax error/.test(message)) return `is not one expression (SQLite: "${message}" once it stands alone): write a single expression, with no clause, comma or semicolon outside its parentheses`;
  return `cannot be checked as one deterministic expression: ${message}`;
}

/** The problem when SQLite refused a clock or time zone read as it computed a row (`context`: with which values), or undefined. */
export function clockProblem(message: string, context: string): string | undefined {
  const use = /non-deterministic use of (\w+)\(\)/.exec(message);
  if (!use) return undefined;
  return (
    `is not deterministic${context} (SQLite: "${message}"): ${use[1]}() reads the clock ('now', or no time value at all) or the machine's time zone ('localtime', 'utc'), so its answer depends on when and where it runs and the history checker, computing it again, would not get what the write stored; ` +
    CLOCK_REMEDY
  );
}

/** Lower-cased names of the functions an expression calls (and CURRENT_* keywords), outside literals. */
function calledFunctions(expr: string): string[] {
  const out = new Set<string>();
  const tokens = tokenize(expr).filter((t) => t.kind !== 'space');
  tokens.forEach((t, i) => {
    const lower = t.text.toLowerCase();
    if (t.kind === 'ident' && (tokens[i + 1]?.text === '(' || lower.startsWith('current_'))) out.add(lower);
  });
  return [...out];
}

/** `sql` with every `:name` parameter replaced by `rename(name)`; literals, quoted identifiers and comments untouched. */
export function renameParams(sql: string, rename: (name: string) => string): string {
  return tokenize(sql)
    .map((t) => (t.kind === 'param' ? rename(t.text.slice(1)) : t.text))
    .join('');
}
