/** The building blocks of the shape check: a problem at a path, and a checker that collects them. */

/** One thing wrong with a scenario, at a path such as `operations.storeArtifact.new[1]`. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** Longest statement accepted, in characters. */
export const MAX_SQL_CHARS = 20_000;
/** Longest text field accepted, in characters. */
export const MAX_TEXT_CHARS = 4_000;
/** Names of collections, operations, parameters and columns. */
export const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Scenario ids. */
export const ID = /^[a-z][a-z0-9-]{0,62}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A value parsed from JSON, not yet checked. */
export type Json = unknown;

/**
 * Collects problems while checking a value's shape, each at its path, with did-you-mean for unknown
 * keys. A key reported missing ("is required") is reported once: checks of the absent value at its
 * path, or under it, add nothing (they would only say "expected an object, found nothing").
 */
export class ShapeChecker {
  readonly problems: Problem[] = [];
  /** Paths reported missing. */
  readonly #missing = new Set<string>();

  add(path: string, message: string): void {
    if (this.#isMissing(path)) return;
    this.problems.push({ path, message });
  }

  #isMissing(path: string): boolean {
    for (const m of this.#missing) {
      if (path === m || path.startsWith(`${m}.`) || path.startsWith(`${m}[`)) return true;
    }
    return false;
  }

  /**
   * An object with these keys; a missing required key is reported once at its path, as "is
   * required", followed by `hints[key]` (what to write there) when given.
   */
  object(path: string, v: Json, required: readonly string[], optional: readonly string[] = [], hints: Readonly<Record<string, string>> = {}): v is Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(path, `expected an object, found ${describe(v)}`);
      return false;
    }
    const allowed = new Set([...required, ...optional]);
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) this.add(join(path, key), `the key "${key}" is not allowed`);
      else if (!allowed.has(key)) this.add(join(path, key), `unknown key "${key}"${suggest(key, [...allowed])}`);
    }
    for (const key of required) {
      if (!(key in v)) {
        const at = join(path, key);
        const hint = Object.hasOwn(hints, key) ? hints[key] : undefined;
        this.add(at, hint ? `is required: ${hint}` : 'is required');
        this.#missing.add(at);
      }
    }
    return true;
  }

  /** A record whose keys are names the scenario chooses (operations, collections). */
  map(path: string, v: Json, keyPattern: RegExp, what: string): v is Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(path, `expected an object of ${what}, found ${describe(v)}`);
      return false;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) this.add(join(path, key), `the key "${key}" is not allowed`);
      else if (!keyPattern.test(key)) this.add(join(path, key), `"${key}" is not a valid name (letters, digits and _, starting with a letter)`);
    }
    return true;
  }

  string(path: string, v: Json, max = MAX_TEXT_CHARS): v is string {
    if (typeof v !== 'string') {
      this.add(path, `expected a string, found ${describe(v)}`);
      return false;
    }
    if (v.trim() === '') {
      this.add(path, 'must not be empty');
      return false;
    }
    if (v.length > max) {
      this.add(path, `is ${v.length} characters; the limit is ${max}`);
      return false;
    }
    return true;
  }

  stringArray(path: string, v: Json, max = MAX_SQL_CHARS, allowEmpty = true): v is string[] {
    if (!Array.isArray(v)) {
      this.add(path, `expected an array of strings, found ${describe(v)}`);
      return false;
    }
    if (!allowEmpty && v.length === 0) this.add(path, 'must not be empty');
    let ok = true;
    v.forEach((item, i) => {
      ok = this.string(`${path}[${i}]`, item, max) && ok;
    });
    return ok;
  }

  enumValue<T extends string>(path: string, v: Json, values: readonly T[]): v is T {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      this.add(path, `expected one of ${values.map((x) => `"${x}"`).join(', ')}, found ${describe(v)}`);
      return false;
    }
    return true;
  }

  integer(path: string, v: Json, min: number, max: number): v is number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.add(path, `expected an integer from ${min} to ${max}, found ${describe(v)}`);
      return false;
    }
    return true;
  }

  probability(path: string, v: Json): v is number {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      this.add(path, `expected a probability from 0 to 1, found ${describe(v)}`);
      return false;
    }
    return true;
  }

  sqlValue(path: string, v: Json): boolean {
    if (v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return true;
    this.add(path, `expected a string, a finite number or null, found ${describe(v)}`);
    return false;
  }
}

/** A path with one more key. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** A short description of a value for messages ("a number", "null"). */
export function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 37)}..."` : `"${v}"`;
  if (typeof v === 'object') return 'an object';
  if (v === undefined) return 'nothing';
  // What is left is a number, boolean, bigint or undefined: String() prints it as it is.
  return `${typeof v} ${String(v as number | boolean | bigint | undefined)}`;
}

function suggest(key: string, allowed: readonly string[]): string {
  const meant = didYouMean(key, allowed);
  return meant ? ` (${meant})` : '';
}

/**
 * The names of `candidates` that `name` most likely meant, likeliest first: the same name in
 * another case; else up to three within two edits (one for names of three characters or fewer),
 * the fewest edits first; else the only one of which `name` is a whole `_`-separated part (`price` for
 * `price_cents`) or the other way round. Empty when none is close.
 */
export function closeNames(name: string, candidates: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same !== undefined) return [same];
  const limit = lower.length <= 3 ? 1 : 2;
  const distances = candidates.map((c) => editDistance(c.toLowerCase(), lower));
  const within = candidates.map((c, i) => ({ c, d: distances[i] as number })).filter((x) => x.d <= limit);
  if (within.length > 0) return within.sort((a, b) => a.d - b.d).slice(0, 3).map((x) => x.c);
  const parts = (s: string): string[] => s.toLowerCase().split('_').filter((p) => p !== '');
  const partOf = candidates.filter((c) => parts(c).includes(lower) || parts(name).includes(c.toLowerCase()));
  return partOf.length === 1 ? partOf : [];
}

/** The one name of `candidates` that `name` most likely meant, or undefined when none, or more than one, is. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const close = closeNames(name, candidates);
  return close.length === 1 ? close[0] : undefined;
}

/** `did you mean "a"?`, `did you mean "a" or "b"?` (each written by `show`), or undefined when no name is close. */
export function didYouMean(name: string, candidates: readonly string[], show: (n: string) => string = (n) => `"${n}"`): string | undefined {
  const close = closeNames(name, candidates).map(show);
  if (close.length === 0) return undefined;
  return `did you mean ${close.length === 1 ? close[0] : `${close.slice(0, -1).join(', ')} or ${String(close[close.length - 1])}`}?`;
}

/** Names for a message: `a, b, c`, the first `max` and how many more. */
export function listNames(names: readonly string[], max = 12, quote = false): string {
  const shown = names.slice(0, max).map((n) => (quote ? `"${n}"` : n));
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ');
}

/**
 * What to write instead of a name that names nothing: `did you mean "x"?` when one of `candidates`
 * is close, else `name one of a, b, c` (or `none`'s words when there are no candidates).
 */
export function nameRemedy(name: string, candidates: readonly string[], none: string, quote = true): string {
  const meant = didYouMean(name, candidates, quote ? undefined : (n) => n);
  if (meant !== undefined) return meant;
  if (candidates.length === 0) return none;
  return `name one of ${listNames(candidates, 12, quote)}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

/** Where a statement's or an expression's parameters come from, for the remedy of one it does not have. */
export type ParamSource =
  /** An operation's statement or expression: declared in `operations.<name>.params`. */
  | { readonly declareIn: string; readonly note?: string }
  /** A collection's statements: bound with the record's columns, which `boundWith` says; `instead`: what to do when none is close. */
  | { readonly boundWith: string; readonly instead?: string }
  /** Statements that take no parameters; `none` says so, with what to do. */
  | { readonly none: string };

/**
 * `uses :price, which is not one of :sku, :qty: …` and what to change: did you mean one that is
 * close, declare it (an operation's), or use those it may (a collection's statements).
 */
export function undeclaredParamMessage(name: string, allowed: readonly string[], source: ParamSource): string {
  const listed = allowed.length > 0 ? `one of ${listNames(allowed.map((a) => `:${a}`))}` : 'declared';
  const note = 'note' in source && source.note ? source.note : '';
  const wrong = `uses :${name}, which is not ${listed}${note}`;
  const meant = didYouMean(name, allowed, (n) => `:${n}`);
  if ('declareIn' in source) {
    if (meant !== undefined) return `${wrong}: ${meant} Otherwise declare "${name}" in ${source.declareIn}`;
    return allowed.length > 0 ? `${wrong}: declare "${name}" in ${source.declareIn}, or use one of those` : `${wrong}: declare "${name}" in ${source.declareIn}`;
  }
  if ('boundWith' in source) {
    if (meant !== undefined) return `${wrong}: ${source.boundWith}; ${meant}`;
    return `${wrong}: ${source.boundWith}; ${source.instead ?? 'use one of those, computing what this side stores from them in SQL'}`;
  }
  return `${wrong}: ${source.none}`;
}
