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

/** Collects problems while checking a value's shape, each at its path, with did-you-mean for unknown keys. */
export class ShapeChecker {
  readonly problems: Problem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  object(path: string, v: Json, required: readonly string[], optional: readonly string[] = []): v is Record<string, Json> {
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
      if (!(key in v)) this.add(join(path, key), 'is required');
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
  // What is left is a number, boolean, bigint or undefined: String() prints it as it is.
  return `${typeof v} ${String(v as number | boolean | bigint | undefined)}`;
}

function suggest(key: string, allowed: readonly string[]): string {
  const lower = key.toLowerCase();
  const close = allowed.find((a) => a.toLowerCase() === lower || editDistance(a.toLowerCase(), lower) <= 2);
  return close ? ` (did you mean "${close}"?)` : '';
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
