/**
 * Why a key of a write's effect could be NULL: a nullable generator, a null constant, a `oneOf`
 * listing null, an `existing` read of a field some write sets (or adds) to NULL, or a null literal.
 * Backfill orders and resumes by key, and NULL compares with nothing, so a key must always have a
 * value.
 *
 * A computed value (`{ "expr" }`) is judged from its text, before any SQL runs, and counted as one
 * that can be NULL unless it obviously is not: it can when it reads a parameter that can be NULL,
 * or uses something that gives NULL from values that are not — the NULL keyword (not in `IS NULL`),
 * a CASE without ELSE, `->`/`->>`, a division or `%` by anything but a non-zero number, or a
 * function that returns NULL for input it cannot use (`nullif`, `json_extract`, the date and math
 * functions, …). An expression wrapped whole in `coalesce(…, <literal>)` or `ifnull(…, <literal>)`
 * cannot. An `add` whose delta can be NULL makes the field NULL (NULL plus a number is NULL).
 */
import { tokenize, type SqlToken } from '../sql-params.ts';
import type { Json } from './shape-checker.ts';

type JsonObject = Record<string, Json>;

/** A key reference that can be NULL: why, and what to change. */
export interface NullableKey {
  readonly why: string;
  readonly remedy: string;
}

/** The parsed scenario an `existing` parameter's nullability depends on (not yet validated). */
export interface KeyScope {
  readonly collections: Readonly<Record<string, Json>>;
  readonly operations: Readonly<Record<string, Json>>;
}

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why the value reference `ref` of an effect's key can be NULL, or undefined when it cannot. */
export function nullableKeyRef(ref: Json, params: JsonObject, scope: KeyScope, seen: ReadonlySet<string> = new Set()): NullableKey | undefined {
  if (typeof ref === 'string') return nullableParam(ref, params, scope, seen);
  if (!isObject(ref)) return undefined;
  if ('value' in ref && ref.value === null) return { why: 'its value is null', remedy: 'give it a non-null value' };
  if ('ifNull' in ref) {
    // A parameter with a substitute for NULL is NULL only when the substitute is.
    if (ref.ifNull === null) return { why: 'its ifNull is null', remedy: 'give ifNull a non-null value' };
    return undefined;
  }
  if ('param' in ref && typeof ref.param === 'string') return nullableParam(ref.param, params, scope, seen);
  if ('expr' in ref && typeof ref.expr === 'string') return nullableExpr(ref.expr, params, scope, seen);
  return undefined;
}

/** Functions that return NULL for input they cannot use (a path the JSON lacks, a date that is not one, the log of a negative number). */
const NULL_GIVING_FUNCTIONS = new Set([
  'nullif', 'json_extract', 'json_type', 'json_array_length', 'date', 'time', 'datetime', 'julianday', 'unixepoch', 'strftime', 'timediff',
  'sqrt', 'ln', 'log', 'log2', 'log10', 'acos', 'asin', 'acosh', 'atanh', 'pow', 'power', 'mod', 'unicode',
]);

/** Why the expression `expr` can give NULL, or undefined when it obviously cannot. */
function nullableExpr(expr: string, params: JsonObject, scope: KeyScope, seen: ReadonlySet<string>): NullableKey | undefined {
  const tokens = tokenize(expr).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  if (wrappedWithLiteralDefault(tokens)) return undefined;
  const remedy = 'wrap the expression in coalesce(…, <a value>) so that it always has one, or make every write set it to a value';
  const word = (t: SqlToken | undefined): string => (t?.kind === 'ident' ? t.text.toLowerCase() : '');
  for (const [i, t] of tokens.entries()) {
    if (t.kind === 'param') {
      const inner = nullableParam(t.text.slice(1), params, scope, seen);
      if (inner) return { why: `its expression uses ${t.text}, and ${inner.why}`, remedy };
      continue;
    }
    const w = word(t);
    if (w === 'null' && word(tokens[i - 1]) !== 'is' && !(word(tokens[i - 1]) === 'not' && word(tokens[i - 2]) === 'is')) return { why: 'its expression holds NULL', remedy };
    if (t.kind === 'ident' && tokens[i + 1]?.text === '(' && NULL_GIVING_FUNCTIONS.has(w)) return { why: `its expression calls ${w}(), which returns NULL for input it cannot use`, remedy };
    if (w === 'case' && !caseHasElse(tokens, i)) return { why: 'its expression has a CASE without ELSE, which is NULL when no branch matches', remedy };
    if (t.text === '-' && tokens[i + 1]?.text === '>') return { why: 'its expression extracts JSON with -> or ->>, which is NULL for a path the JSON lacks', remedy };
    if ((t.text === '/' || t.text === '%') && !/^(?:0*[1-9][0-9]*(?:\.[0-9]*)?|0*\.[0-9]*[1-9][0-9]*)$/.test(numberAfter(tokens, i + 1))) {
      return { why: `its expression divides (${t.text}) by what can be 0, and SQLite gives NULL for a division by zero`, remedy };
    }
  }
  return undefined;
}

/** The number literal at `i` (`100`, `100.0`, `.5`; digits lex one by one), or '' when there is none or it has an exponent. */
function numberAfter(tokens: readonly SqlToken[], i: number): string {
  let text = '';
  let j = i;
  for (; j < tokens.length && /^[0-9.]$/.test((tokens[j] as SqlToken).text); j++) text += (tokens[j] as SqlToken).text;
  return tokens[j]?.kind === 'ident' && /^[eE]/.test((tokens[j] as SqlToken).text) ? '' : text;
}

/** Whether the CASE at `start` has an ELSE of its own (nested CASEs skipped). */
function caseHasElse(tokens: readonly SqlToken[], start: number): boolean {
  let depth = 0;
  for (let j = start; j < tokens.length; j++) {
    const w = (tokens[j] as SqlToken).kind === 'ident' ? (tokens[j] as SqlToken).text.toLowerCase() : '';
    if (w === 'case') depth++;
    else if (w === 'end' && --depth === 0) return false;
    else if (w === 'else' && depth === 1) return true;
  }
  return false;
}

/** `coalesce(…, 0)` or `ifnull(…, 'x')` as the whole expression: never NULL. */
function wrappedWithLiteralDefault(tokens: readonly SqlToken[]): boolean {
  const fn = tokens[0]?.kind === 'ident' ? tokens[0].text.toLowerCase() : '';
  if ((fn !== 'coalesce' && fn !== 'ifnull') || tokens[1]?.text !== '(' || tokens[tokens.length - 1]?.text !== ')') return false;
  let depth = 0;
  let lastComma = -1;
  for (let j = 1; j < tokens.length; j++) {
    const text = (tokens[j] as SqlToken).text;
    if (text === '(') depth++;
    else if (text === ')') {
      depth--;
      if (depth === 0 && j !== tokens.length - 1) return false;
    } else if (text === ',' && depth === 1) lastComma = j;
  }
  if (lastComma < 0) return false;
  const last = tokens.slice(lastComma + 1, -1);
  const literal = last.map((t) => t.text).join('');
  return (last.length === 1 && last[0]?.kind === 'quoted' && literal.startsWith("'")) || /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(literal);
}

function nullableParam(name: string, params: JsonObject, scope: KeyScope, seen: ReadonlySet<string>): NullableKey | undefined {
  const spec = params[name];
  if (!isObject(spec)) return undefined;
  if ('nullable' in spec) return { why: `parameter "${name}" is nullable`, remedy: `drop "nullable" from "${name}"'s generator: a key always has a value` };
  if ('const' in spec && spec.const === null) return { why: `parameter "${name}" is {"const": null}`, remedy: `give "${name}" a non-null constant or another generator` };
  if ('oneOf' in spec && Array.isArray(spec.oneOf) && spec.oneOf.includes(null)) {
    return { why: `parameter "${name}" draws from a oneOf that lists null`, remedy: `remove null from "${name}"'s oneOf` };
  }
  if ('existing' in spec && typeof spec.existing === 'string' && typeof spec.field === 'string') {
    const setter = nullableFieldSetter(spec.existing, spec.field, scope, seen);
    if (setter) {
      return {
        why: `parameter "${name}" reads field "${spec.field}" of "${spec.existing}", which can be NULL (${setter})`,
        remedy: `read a key column of "${spec.existing}" instead, or make every write set "${spec.field}" to a value`,
      };
    }
  }
  return undefined;
}

/** Where a write sets (or adds) `field` of `collection` to a value that can be NULL (`operations.x.effect.set.f: …`), or undefined. */
function nullableFieldSetter(collection: string, field: string, scope: KeyScope, seen: ReadonlySet<string>): string | undefined {
  const coll = scope.collections[collection];
  // Key columns are checked themselves: every write's key is refused when it can be NULL.
  if (!isObject(coll) || (Array.isArray(coll.key) && coll.key.includes(field))) return undefined;
  const visiting = `${collection}.${field}`;
  if (seen.has(visiting)) return undefined;
  const inner = new Set([...seen, visiting]);
  for (const [name, op] of Object.entries(scope.operations)) {
    if (!isObject(op) || op.kind !== 'write' || !isObject(op.effect) || op.effect.collection !== collection) continue;
    const params = isObject(op.params) ? op.params : {};
    if (isObject(op.effect.set) && Object.hasOwn(op.effect.set, field)) {
      const nullable = nullableKeyRef(op.effect.set[field], params, scope, inner);
      if (nullable) return `operations.${name}.effect.set.${field}: ${nullable.why}`;
    }
    if (isObject(op.effect.add) && Object.hasOwn(op.effect.add, field)) {
      const nullable = nullableKeyRef(op.effect.add[field], params, scope, inner);
      if (nullable) return `operations.${name}.effect.add.${field}: a NULL delta makes the field NULL, and ${nullable.why}`;
    }
  }
  return undefined;
}
