/**
 * Why a key of a write's effect could be NULL: a nullable generator, a null constant, a `oneOf`
 * listing null, an `existing` read of a field some write sets to NULL, or a null literal. Backfill
 * orders and resumes by key, and NULL compares with nothing, so a key must always have a value.
 */
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
  if ('ifNull' in ref && ref.ifNull === null) return { why: 'its ifNull is null', remedy: 'give ifNull a non-null value' };
  if ('param' in ref && typeof ref.param === 'string') return nullableParam(ref.param, params, scope, seen);
  return undefined;
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

/** Where a write sets `field` of `collection` to a value that can be NULL (`operations.x.effect.set.f: …`), or undefined. */
function nullableFieldSetter(collection: string, field: string, scope: KeyScope, seen: ReadonlySet<string>): string | undefined {
  const coll = scope.collections[collection];
  // Key columns are checked themselves: every write's key is refused when it can be NULL.
  if (!isObject(coll) || (Array.isArray(coll.key) && coll.key.includes(field))) return undefined;
  const visiting = `${collection}.${field}`;
  if (seen.has(visiting)) return undefined;
  const inner = new Set([...seen, visiting]);
  for (const [name, op] of Object.entries(scope.operations)) {
    if (!isObject(op) || op.kind !== 'write' || !isObject(op.effect) || op.effect.collection !== collection || !isObject(op.effect.set)) continue;
    if (!(field in op.effect.set)) continue;
    const nullable = nullableKeyRef(op.effect.set[field], isObject(op.params) ? op.params : {}, scope, inner);
    if (nullable) return `operations.${name}.effect.set.${field}: ${nullable.why}`;
  }
  return undefined;
}
