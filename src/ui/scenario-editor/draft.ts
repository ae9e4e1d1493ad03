/**
 * The editor's draft: a scenario as plain JSON the fields edit in place (the JSON view can make it
 * anything, so every read is defensive), the paths of its fields, and problems placed at the field
 * their path points into.
 */
import type { Problem } from '../../worker/protocol.ts';

/** A JSON object of the draft. */
export type JsonObject = Record<string, unknown>;

/** `value` as an object, or an empty one (not attached) when it is not one. */
export function obj(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

/** `value` as an array, or an empty one (not attached). */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `value` as text for a field: strings as they are, anything else as empty text. */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The object at `parent[key]`, made (or replaced, when it is not an object) so that it can be edited. */
export function objAt(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  const made: JsonObject = {};
  parent[key] = made;
  return made;
}

/** The object at `list[index]`, made when it is not one. */
export function objIn(list: unknown[], index: number): JsonObject {
  const value = list[index];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  const made: JsonObject = {};
  list[index] = made;
  return made;
}

/** The array at `parent[key]`, made when it is not one. */
export function arrAt(parent: JsonObject, key: string): unknown[] {
  const value = parent[key];
  if (Array.isArray(value)) return value;
  const made: unknown[] = [];
  parent[key] = made;
  return made;
}

/** "a, b ,c" → ["a", "b", "c"]. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The paths the editor has a field for, in the order it shows them. */
export function fieldPaths(draft: JsonObject): string[] {
  const out = ['format', 'version', 'id', 'title', 'summary', 'topology', 'policy'];
  const schema = obj(draft.schema);
  for (const side of ['old', 'new']) out.push(`schema.${side}`, ...arr(schema[side]).map((_, i) => `schema.${side}[${i}]`));
  for (const [name, value] of Object.entries(obj(draft.collections))) {
    const c = obj(value);
    const at = `collections.${name}`;
    out.push(at, `${at}.key`, `${at}.fields`, `${at}.rows.old`, `${at}.rows.new`, `${at}.check`);
    for (const list of ['upsert', 'remove']) {
      for (const side of ['old', 'new']) out.push(`${at}.${list}.${side}`, ...arr(obj(c[list])[side]).map((_, i) => `${at}.${list}.${side}[${i}]`));
    }
  }
  for (const [name, value] of Object.entries(obj(draft.operations))) {
    const op = obj(value);
    const at = `operations.${name}`;
    out.push(at, `${at}.params`);
    if (op.kind === 'read') out.push(`${at}.old`, `${at}.new`, `${at}.collection`);
    else {
      out.push(`${at}.effect`);
      for (const side of ['old', 'new']) out.push(`${at}.${side}`, ...arr(op[side]).map((_, i) => `${at}.${side}[${i}]`));
    }
  }
  out.push('drop', ...arr(draft.drop).map((_, i) => `drop[${i}]`));
  out.push('seedData', ...arr(draft.seedData).flatMap((_, i) => [`seedData[${i}]`, `seedData[${i}].operation`, `seedData[${i}].count`]));
  out.push('workload.mix', ...Object.keys(obj(obj(draft.workload).mix)).map((name) => `workload.mix.${name}`));
  return out;
}

/** Whether `path` is `field` or inside it (`a.b` holds `a.b.c` and `a.b[0]`, not `a.bc`). */
function within(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

/** Problems by the field they belong to (the longest field path holding theirs); the rest under "". */
export function placeProblems(problems: readonly Problem[], fields: readonly string[]): Map<string, Problem[]> {
  const placed = new Map<string, Problem[]>();
  for (const problem of problems) {
    let best = '';
    for (const field of fields) if (field.length > best.length && within(problem.path, field)) best = field;
    placed.set(best, [...(placed.get(best) ?? []), problem]);
  }
  return placed;
}

/** A database value as text: NULL, blobs as x'…', everything else as it reads. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Uint8Array) return `x'${[...value].map((b) => b.toString(16).padStart(2, '0')).join('')}'`;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A record's key as the dry run names it: its key values as a JSON array (blobs as x'…'). */
export function keyOf(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => (v instanceof Uint8Array ? valueText(v) : v)));
}
