/** The shape check of a scenario: every field, with its path, before any SQL is looked at. */
import { EFFECT_TYPES, POLICIES, SCENARIO_FORMAT, SCENARIO_VERSION, TOPOLOGIES, type Collection } from './format.ts';
import { describe, ID, MAX_SQL_CHARS, NAME, ShapeChecker, type Json, type Problem } from './shape-checker.ts';
import { nullableKeyRef } from './validate-keys.ts';

const PARAM_GENERATORS = ['const', 'oneOf', 'int', 'template', 'text', 'now', 'existing', 'nullable', 'object', 'list'] as const;
const TEMPLATE_PLACEHOLDER = /\{([^{}]*)\}/g;

function checkParamSpec(c: ShapeChecker, path: string, v: Json, collections: Record<string, Json>, depth = 0): void {
  if (depth > 4) {
    c.add(path, 'parameter generators nest too deeply (limit 4)');
    return;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    c.add(path, `expected a parameter generator such as {"oneOf": [...]}, found ${describe(v)}`);
    return;
  }
  const keys = Object.keys(v);
  const generator = keys.find((k) => (PARAM_GENERATORS as readonly string[]).includes(k));
  if (!generator) {
    c.add(path, `no generator: use one of ${PARAM_GENERATORS.join(', ')}`);
    return;
  }
  const spec = v as Record<string, Json>;
  switch (generator) {
    case 'const':
      c.object(path, v, ['const']);
      c.sqlValue(`${path}.const`, spec.const);
      return;
    case 'oneOf':
      c.object(path, v, ['oneOf']);
      if (!Array.isArray(spec.oneOf) || spec.oneOf.length === 0) c.add(`${path}.oneOf`, 'expected a non-empty array of values');
      else spec.oneOf.forEach((x, i) => c.sqlValue(`${path}.oneOf[${i}]`, x));
      return;
    case 'int':
    case 'text': {
      c.object(path, v, [generator]);
      const range = spec[generator];
      const limit = generator === 'text' ? 500 : Number.MAX_SAFE_INTEGER;
      const min = generator === 'text' ? 0 : Number.MIN_SAFE_INTEGER;
      if (!Array.isArray(range) || range.length !== 2) c.add(`${path}.${generator}`, 'expected [min, max]');
      else if (c.integer(`${path}.${generator}[0]`, range[0], min, limit) && c.integer(`${path}.${generator}[1]`, range[1], min, limit) && (range[0] as number) > (range[1] as number)) {
        c.add(`${path}.${generator}`, `min ${String(range[0])} is greater than max ${String(range[1])}`);
      }
      return;
    }
    case 'template':
      c.object(path, v, ['template']);
      if (c.string(`${path}.template`, spec.template, 500)) {
        for (const m of (spec.template as string).matchAll(TEMPLATE_PLACEHOLDER)) {
          const problem = templatePlaceholderProblem(m[1] as string);
          if (problem) c.add(`${path}.template`, problem);
        }
      }
      return;
    case 'now':
      c.object(path, v, ['now']);
      c.enumValue(`${path}.now`, spec.now, ['iso', 'iso-ms', 'ms'] as const);
      return;
    case 'existing': {
      c.object(path, v, ['existing', 'field'], ['missing']);
      if (c.string(`${path}.existing`, spec.existing, 64)) {
        const coll = collections[spec.existing as string];
        if (!coll || typeof coll !== 'object') c.add(`${path}.existing`, `no collection named "${String(spec.existing)}"`);
        else if (c.string(`${path}.field`, spec.field, 64)) {
          const cc = coll as Partial<Collection>;
          const columns: readonly unknown[] = [...(Array.isArray(cc.key) ? (cc.key as readonly unknown[]) : []), ...(Array.isArray(cc.fields) ? (cc.fields as readonly unknown[]) : [])];
          if (!columns.includes(spec.field as string)) c.add(`${path}.field`, `collection "${String(spec.existing)}" has no column "${String(spec.field)}"`);
        }
      }
      if ('missing' in spec) c.probability(`${path}.missing`, spec.missing);
      return;
    }
    case 'nullable':
      c.object(path, v, ['nullable', 'of']);
      c.probability(`${path}.nullable`, spec.nullable);
      checkParamSpec(c, `${path}.of`, spec.of, collections, depth + 1);
      return;
    case 'list': {
      c.object(path, v, ['list', 'length']);
      const range = spec.length;
      if (!Array.isArray(range) || range.length !== 2) c.add(`${path}.length`, 'expected [min, max]');
      else if (c.integer(`${path}.length[0]`, range[0], 0, 100) && c.integer(`${path}.length[1]`, range[1], 0, 100) && (range[0] as number) > (range[1] as number)) {
        c.add(`${path}.length`, `min ${String(range[0])} is greater than max ${String(range[1])}`);
      }
      checkParamSpec(c, `${path}.list`, spec.list, collections, depth + 1);
      return;
    }
    case 'object':
      if (c.object(path, v, ['object']) && c.map(`${path}.object`, spec.object, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'fields')) {
        for (const [k, sub] of Object.entries(spec.object as Record<string, Json>)) checkParamSpec(c, `${path}.object.${k}`, sub, collections, depth + 1);
      }
      return;
  }
}

/** Why a `{...}` placeholder in a template is not understood, or undefined when it is. */
export function templatePlaceholderProblem(body: string): string | undefined {
  const [name, ...args] = body.split(':');
  switch (name) {
    case 'seq':
      return args.length === 0 ? undefined : '{seq} takes no arguments';
    case 'int': {
      const [a, b] = args.map(Number);
      return args.length === 2 && Number.isInteger(a) && Number.isInteger(b) && (a as number) <= (b as number) ? undefined : `{${body}}: use {int:min:max}`;
    }
    case 'hex': {
      const n = Number(args[0]);
      return args.length === 1 && Number.isInteger(n) && n >= 1 && n <= 32 ? undefined : `{${body}}: use {hex:length} with length 1 to 32`;
    }
    case 'pick':
      return args.length === 1 && (args[0] as string).split('|').every((s) => s.length > 0) ? undefined : `{${body}}: use {pick:a|b|c}`;
    default:
      return `unknown placeholder {${body}}: use {seq}, {int:min:max}, {hex:n} or {pick:a|b}`;
  }
}

/** Longest `{ "expr": … }` accepted, in characters: one expression, not a program. */
export const MAX_EXPR_CHARS = 2_000;

/** Where a value reference stands: a key names the record, every other place gives a value. */
type RefPlace = 'key' | 'value';

function checkValueRef(c: ShapeChecker, path: string, v: Json, params: Record<string, Json>, place: RefPlace = 'value'): void {
  if (typeof v === 'string') {
    if (!(v in params)) c.add(path, `no parameter named "${v}"`);
    return;
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const kinds = ['value', 'expr', 'param'].filter((k) => k in v);
    if (kinds.length > 1) {
      c.add(path, `has ${kinds.map((k) => `"${k}"`).join(' and ')}: a value reference is one of a parameter name, {"param", "ifNull"}, {"value"} or {"expr"}; keep one`);
      return;
    }
    if ('value' in v) {
      if (c.object(path, v, ['value'])) c.sqlValue(`${path}.value`, (v as { value: Json }).value);
      return;
    }
    if ('expr' in v) {
      if (place === 'key') {
        c.add(
          path,
          'a key cannot be computed with "expr": keys identify records (the write\'s lock and version, the history, the workload\'s picks of existing records) and order backfill, so a key is a value the statements bind as it is; ' +
            'compute the key in the parameter generator (e.g. {"template": "sku-{seq}"}) and name that parameter here',
        );
        return;
      }
      if (c.object(path, v, ['expr'])) c.string(`${path}.expr`, (v as { expr: Json }).expr, MAX_EXPR_CHARS);
      return;
    }
    if (c.object(path, v, ['param', 'ifNull'])) {
      const ref = v as { param: Json; ifNull: Json };
      if (typeof ref.param !== 'string' || !(ref.param in params)) c.add(`${path}.param`, `no parameter named ${describe(ref.param)}`);
      c.sqlValue(`${path}.ifNull`, ref.ifNull);
    }
    return;
  }
  c.add(path, `expected a parameter name, {"param", "ifNull"}, {"value"} or {"expr"}, found ${describe(v)}`);
}

/** Generators that always give text, by name. */
const TEXT_GENERATORS = ['template', 'text', 'object', 'list'] as const;

/** Why an `add` delta is text where a number is needed, or undefined (an `expr` is checked by the dry run). */
function deltaProblem(ref: Json, params: Record<string, Json>): string | undefined {
  const remedy = '"add" changes a field by a number (SQLite would add the number the text starts with, or 0); draw it with {"int": [min, max]} or a {"oneOf"} of numbers';
  const textValue = (v: Json): boolean => typeof v === 'string';
  if (typeof ref === 'object' && ref !== null && !Array.isArray(ref)) {
    const r = ref as Record<string, Json>;
    if ('value' in r && textValue(r.value)) return `adds the text ${describe(r.value)}: ${remedy}`;
    if ('ifNull' in r && textValue(r.ifNull)) return `adds the text ${describe(r.ifNull)} when "${String(r.param)}" is NULL: ${remedy}`;
    if (typeof r.param === 'string') return paramDeltaProblem(r.param, params, remedy);
    return undefined;
  }
  return typeof ref === 'string' ? paramDeltaProblem(ref, params, remedy) : undefined;
}

function paramDeltaProblem(name: string, params: Record<string, Json>, remedy: string): string | undefined {
  let spec = params[name];
  // A nullable delta adds NULL (as SQL does); what matters is the inner generator.
  for (let depth = 0; depth < 5 && typeof spec === 'object' && spec !== null && 'nullable' in spec; depth++) spec = (spec as Record<string, Json>).of;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return undefined;
  const g = spec as Record<string, Json>;
  const generator = TEXT_GENERATORS.find((t) => t in g);
  if (generator) return `parameter "${name}" is text (a {"${generator}"} generator): ${remedy}`;
  if ('now' in g && g.now !== 'ms') return `parameter "${name}" is text ({"now": ${describe(g.now)}}): ${remedy}`;
  if ('const' in g && typeof g.const === 'string') return `parameter "${name}" is the text ${describe(g.const)}: ${remedy}`;
  if ('oneOf' in g && Array.isArray(g.oneOf) && g.oneOf.some((x) => typeof x === 'string')) return `parameter "${name}" draws text from its oneOf: ${remedy}`;
  return undefined;
}

/** Why a write of `type` cannot add, and what to write instead. */
function addTypeProblem(type: Json, field: string): string {
  const what = 'only an "update" can add (a relative change of a record that exists, as "UPDATE items SET stock = stock + :delta")';
  switch (type) {
    case 'insert':
      return `${what}; an insert creates the record: give "${field}" its starting value in "set"`;
    case 'upsert':
      return `${what}; an upsert that adds would count the delta on whatever each side holds, and a side lacking the record or holding an older one would end with another count under the same version: set the field instead, or split the write into an insert that sets "${field}" and an update that adds to it`;
    case 'delete':
      return `${what}; a delete changes no field`;
    default:
      return what;
  }
}

/** Every problem with the scenario's shape, each at its path (the SQL is checked only once the shape is valid). */
export function validateShape(value: Json): Problem[] {
  const c = new ShapeChecker();
  if (
    !c.object('', value, ['format', 'version', 'id', 'title', 'summary', 'topology', 'policy', 'schema', 'collections', 'operations', 'drop', 'seedData', 'workload'], ['sources', 'labels', 'settings'])
  ) {
    return c.problems;
  }
  const s = value;
  if (s.format !== SCENARIO_FORMAT) c.add('format', `expected "${SCENARIO_FORMAT}", found ${describe(s.format)}`);
  if (typeof s.version === 'number' && s.version > SCENARIO_VERSION) {
    c.add('version', `format version ${s.version} is newer than this build reads (${SCENARIO_VERSION}); update Cutover Lab`);
  } else if (s.version !== SCENARIO_VERSION) c.add('version', `expected ${SCENARIO_VERSION}, found ${describe(s.version)}`);
  if (c.string('id', s.id, 63) && !ID.test(s.id as string)) c.add('id', 'use lower-case letters, digits and dashes, starting with a letter');
  c.string('title', s.title, 200);
  c.string('summary', s.summary);
  if ('sources' in s) c.stringArray('sources', s.sources, 500);
  const topologyOk = c.enumValue('topology', s.topology, TOPOLOGIES);
  if (c.enumValue('policy', s.policy, POLICIES) && topologyOk && s.policy === 'atomic' && s.topology !== 'shared') {
    c.add('policy', `"atomic" needs topology "shared": one transaction cannot span two databases`);
  }
  if ('labels' in s && c.object('labels', s.labels, [], ['old', 'new'])) {
    const labels = s.labels as Record<string, Json>;
    if ('old' in labels) c.string('labels.old', labels.old, 40);
    if ('new' in labels) c.string('labels.new', labels.new, 40);
  }
  if (c.object('schema', s.schema, ['old', 'new'])) {
    const schema = s.schema as Record<string, Json>;
    c.stringArray('schema.old', schema.old, MAX_SQL_CHARS, false);
    c.stringArray('schema.new', schema.new, MAX_SQL_CHARS, false);
  }

  const collections: Record<string, Json> = {};
  if (c.map('collections', s.collections, NAME, 'collections')) {
    Object.assign(collections, s.collections);
    if (Object.keys(collections).length === 0) c.add('collections', 'declare at least one collection');
  }
  const operations: Record<string, Json> = {};
  if (c.map('operations', s.operations, NAME, 'operations')) {
    Object.assign(operations, s.operations);
    if (Object.keys(operations).length === 0) c.add('operations', 'declare at least one operation');
  }

  for (const [name, coll] of Object.entries(collections)) {
    const p = `collections.${name}`;
    if (!c.object(p, coll, ['key', 'fields', 'rows', 'upsert', 'remove', 'check'], ['backfillMarksSource'])) continue;
    const key = coll.key;
    const fields = coll.fields;
    const columns: string[] = [];
    if (c.stringArray(`${p}.key`, key, 64, false)) columns.push(...(key as string[]));
    if (c.stringArray(`${p}.fields`, fields, 64)) columns.push(...(fields as string[]));
    const dup = columns.find((col, i) => columns.indexOf(col) !== i);
    if (dup) c.add(`${p}.fields`, `column "${dup}" is listed twice`);
    for (const col of columns) if (!NAME.test(col)) c.add(`${p}`, `"${col}" is not a valid column name`);
    if (c.object(`${p}.rows`, coll.rows, ['old', 'new'])) {
      const rows = coll.rows as Record<string, Json>;
      c.string(`${p}.rows.old`, rows.old, MAX_SQL_CHARS);
      c.string(`${p}.rows.new`, rows.new, MAX_SQL_CHARS);
    }
    for (const part of ['upsert', 'remove'] as const) {
      if (c.object(`${p}.${part}`, coll[part], ['old', 'new'])) {
        const stmts = coll[part] as Record<string, Json>;
        c.stringArray(`${p}.${part}.old`, stmts.old, MAX_SQL_CHARS, false);
        c.stringArray(`${p}.${part}.new`, stmts.new, MAX_SQL_CHARS, false);
      }
    }
    if ('backfillMarksSource' in coll) c.stringArray(`${p}.backfillMarksSource`, coll.backfillMarksSource);
    if (c.object(`${p}.check`, coll.check, ['read', 'params'])) {
      const check = coll.check as Record<string, Json>;
      if (c.string(`${p}.check.read`, check.read, 64)) {
        const read = operations[check.read as string] as Record<string, Json> | undefined;
        if (!read || typeof read !== 'object') c.add(`${p}.check.read`, `no operation named "${String(check.read)}"`);
        else if (read.kind !== 'read') c.add(`${p}.check.read`, `"${String(check.read)}" is not a read`);
        else if (read.collection !== name) c.add(`${p}.check.read`, `"${String(check.read)}" reads collection ${describe(read.collection)}, not "${name}"`);
        else if (c.map(`${p}.check.params`, check.params, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'parameters')) {
          const mapping = check.params as Record<string, Json>;
          const readParams = typeof read.params === 'object' && read.params !== null ? Object.keys(read.params) : [];
          for (const rp of readParams) if (!(rp in mapping)) c.add(`${p}.check.params`, `the read's parameter "${rp}" is not mapped to a record column`);
          for (const [param, col] of Object.entries(mapping)) {
            if (!readParams.includes(param)) c.add(`${p}.check.params.${param}`, `"${String(check.read)}" has no parameter "${param}"`);
            if (typeof col !== 'string' || !columns.includes(col)) c.add(`${p}.check.params.${param}`, `${describe(col)} is not a column of "${name}"`);
          }
        }
      }
    }
  }

  for (const [name, op] of Object.entries(operations)) {
    const p = `operations.${name}`;
    if (typeof op !== 'object' || op === null || Array.isArray(op)) {
      c.add(p, `expected an object, found ${describe(op)}`);
      continue;
    }
    const kind = (op as Record<string, Json>).kind;
    if (kind === 'write') {
      if (!c.object(p, op, ['kind', 'params', 'old', 'new', 'effect'], ['description', 'compensate'])) continue;
    } else if (kind === 'read') {
      if (!c.object(p, op, ['kind', 'params', 'old', 'new', 'collection'], ['description', 'ordered'])) continue;
    } else {
      c.add(`${p}.kind`, `expected "write" or "read", found ${describe(kind)}`);
      continue;
    }
    const o = op as Record<string, Json>;
    if ('description' in o) c.string(`${p}.description`, o.description);
    const params: Record<string, Json> = {};
    if (c.map(`${p}.params`, o.params, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'parameters')) {
      Object.assign(params, o.params);
      for (const [param, spec] of Object.entries(params)) {
        if (param.startsWith('__')) c.add(`${p}.params.${param}`, 'parameter names starting with "__" are reserved for the engine');
        checkParamSpec(c, `${p}.params.${param}`, spec, collections);
      }
    }
    if (kind === 'read') {
      c.string(`${p}.old`, o.old, MAX_SQL_CHARS);
      c.string(`${p}.new`, o.new, MAX_SQL_CHARS);
      if (c.string(`${p}.collection`, o.collection, 64) && !(o.collection as string in collections)) c.add(`${p}.collection`, `no collection named "${String(o.collection)}"`);
      if ('ordered' in o && typeof o.ordered !== 'boolean') c.add(`${p}.ordered`, `expected true or false, found ${describe(o.ordered)}`);
      continue;
    }
    c.stringArray(`${p}.old`, o.old);
    c.stringArray(`${p}.new`, o.new);
    if (Array.isArray(o.old) && Array.isArray(o.new) && o.old.length === 0 && o.new.length === 0) c.add(p, 'a write needs statements on at least one side');
    if ('compensate' in o && c.object(`${p}.compensate`, o.compensate, [], ['old', 'new'])) {
      const comp = o.compensate as Record<string, Json>;
      if ('old' in comp) c.stringArray(`${p}.compensate.old`, comp.old);
      if ('new' in comp) c.stringArray(`${p}.compensate.new`, comp.new);
    }
    if (c.object(`${p}.effect`, o.effect, ['collection', 'type', 'key'], ['set', 'add', 'append'])) {
      const effect = o.effect as Record<string, Json>;
      const type = effect.type;
      c.enumValue(`${p}.effect.type`, type, EFFECT_TYPES);
      const coll = typeof effect.collection === 'string' ? (collections[effect.collection] as Record<string, Json> | undefined) : undefined;
      if (!coll || typeof coll !== 'object') {
        c.add(`${p}.effect.collection`, `no collection named ${describe(effect.collection)}`);
        continue;
      }
      const keyCols = Array.isArray(coll.key) ? (coll.key as string[]) : [];
      const fieldCols = Array.isArray(coll.fields) ? (coll.fields as string[]) : [];
      if (c.map(`${p}.effect.key`, effect.key, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'key columns')) {
        const keyMap = effect.key as Record<string, Json>;
        for (const col of keyCols) if (!(col in keyMap)) c.add(`${p}.effect.key`, `key column "${col}" of "${String(effect.collection)}" is not set`);
        for (const [col, ref] of Object.entries(keyMap)) {
          if (!keyCols.includes(col)) c.add(`${p}.effect.key.${col}`, `"${col}" is not a key column of "${String(effect.collection)}"`);
          checkValueRef(c, `${p}.effect.key.${col}`, ref, params, 'key');
          const nullKey = nullableKeyRef(ref, params, { collections, operations });
          if (nullKey) c.add(`${p}.effect.key.${col}`, `a key column cannot be NULL, but ${nullKey.why} (backfill orders and resumes by key, and NULL compares with nothing): ${nullKey.remedy}`);
        }
      }
      if ('append' in effect) {
        if (type !== 'update' && type !== 'upsert') c.add(`${p}.effect.append`, 'only "update" and "upsert" can append');
        else if (c.map(`${p}.effect.append`, effect.append, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'fields')) {
          for (const [col, item] of Object.entries(effect.append as Record<string, Json>)) {
            if (!fieldCols.includes(col)) c.add(`${p}.effect.append.${col}`, `"${col}" is not a field of "${String(effect.collection)}"`);
            if (c.map(`${p}.effect.append.${col}`, item, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'JSON keys')) {
              for (const [k, ref] of Object.entries(item as Record<string, Json>)) checkValueRef(c, `${p}.effect.append.${col}.${k}`, ref, params);
            }
          }
        }
      }
      if (type === 'delete') {
        if ('set' in effect) c.add(`${p}.effect.set`, 'a delete sets no fields');
      } else if (!('set' in effect)) {
        if ((type === 'insert' || type === 'upsert') && fieldCols.length > 0) c.add(`${p}.effect.set`, `is required for "${String(type)}"`);
        if (type === 'update' && !('append' in effect) && !('add' in effect)) c.add(`${p}.effect`, 'an update must set, add or append at least one field');
      } else if (c.map(`${p}.effect.set`, effect.set, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'fields')) {
        const setMap = effect.set as Record<string, Json>;
        for (const [col, ref] of Object.entries(setMap)) {
          if (!fieldCols.includes(col)) c.add(`${p}.effect.set.${col}`, `"${col}" is not a field of "${String(effect.collection)}"`);
          checkValueRef(c, `${p}.effect.set.${col}`, ref, params);
        }
        if (type === 'insert' || type === 'upsert') {
          for (const col of fieldCols) if (!(col in setMap)) c.add(`${p}.effect.set`, `"${String(type)}" must set every field; "${col}" is missing`);
        }
      }
      if ('add' in effect && c.map(`${p}.effect.add`, effect.add, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'fields')) {
        const addMap = effect.add as Record<string, Json>;
        const first = Object.keys(addMap)[0];
        if (type !== 'update') c.add(`${p}.effect.add`, addTypeProblem(type, first ?? 'the field'));
        else if (first === undefined) c.add(`${p}.effect.add`, 'names no field: add to at least one, or remove "add"');
        const setMap = typeof effect.set === 'object' && effect.set !== null ? (effect.set as Record<string, Json>) : {};
        const appendMap = typeof effect.append === 'object' && effect.append !== null ? (effect.append as Record<string, Json>) : {};
        for (const [col, ref] of Object.entries(addMap)) {
          const at = `${p}.effect.add.${col}`;
          if (keyCols.includes(col)) c.add(at, `"${col}" is a key column of "${String(effect.collection)}": a write cannot change a record's key; add to a field (${fieldCols.join(', ')})`);
          else if (!fieldCols.includes(col)) c.add(at, `"${col}" is not a field of "${String(effect.collection)}"${fieldCols.length ? ` (its fields: ${fieldCols.join(', ')})` : ''}`);
          if (col in setMap) c.add(at, `"${col}" is both set and added: a write either replaces a field ("set") or changes it by a delta ("add"); keep it in one of them`);
          if (col in appendMap) c.add(at, `"${col}" is both appended to and added: a field holds either a JSON array ("append") or a number ("add"); keep it in one of them`);
          checkValueRef(c, at, ref, params);
          const delta = deltaProblem(ref, params);
          if (delta) c.add(at, delta);
        }
      }
    }
  }

  c.stringArray('drop', s.drop, MAX_SQL_CHARS, false);

  if (Array.isArray(s.seedData)) {
    s.seedData.forEach((step, i) => {
      const p = `seedData[${i}]`;
      if (!c.object(p, step, ['operation', 'count'])) return;
      const op = operations[step.operation as string] as Record<string, Json> | undefined;
      if (typeof step.operation !== 'string' || !op) c.add(`${p}.operation`, `no operation named ${describe(step.operation)}`);
      else if (op.kind !== 'write') c.add(`${p}.operation`, `"${step.operation}" is not a write`);
      c.integer(`${p}.count`, step.count, 0, 100_000);
    });
  } else c.add('seedData', `expected an array, found ${describe(s.seedData)}`);

  if (c.object('workload', s.workload, ['mix'])) {
    const mix = (s.workload as Record<string, Json>).mix;
    if (c.map('workload.mix', mix, NAME, 'operation weights')) {
      let positive = 0;
      for (const [opName, weight] of Object.entries(mix as Record<string, Json>)) {
        if (!(opName in operations)) c.add(`workload.mix.${opName}`, `no operation named "${opName}"`);
        if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) c.add(`workload.mix.${opName}`, `expected a weight of 0 or more, found ${describe(weight)}`);
        else if (weight > 0) positive++;
      }
      if (positive === 0) c.add('workload.mix', 'give at least one operation a positive weight');
    }
  }

  if ('settings' in s && c.object('settings', s.settings, [], ['checkpointEvery', 'backfillBatchSize', 'compareInReadNew', 'retryAttempts', 'fallbackHidesDeleted', 'writeAuthorityInReadNew', 'shadowMismatchLimit', 'minShadowReads', 'verifySample'])) {
    const st = s.settings as Record<string, Json>;
    if ('checkpointEvery' in st) c.integer('settings.checkpointEvery', st.checkpointEvery, 1, 100_000);
    if ('backfillBatchSize' in st) c.integer('settings.backfillBatchSize', st.backfillBatchSize, 1, 10_000);
    if ('retryAttempts' in st) c.integer('settings.retryAttempts', st.retryAttempts, 1, 10);
    if ('minShadowReads' in st) c.integer('settings.minShadowReads', st.minShadowReads, 0, 1_000_000);
    if ('verifySample' in st) c.integer('settings.verifySample', st.verifySample, 0, 1_000_000);
    if ('shadowMismatchLimit' in st) {
      const v = st.shadowMismatchLimit;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) c.add('settings.shadowMismatchLimit', `expected a share from 0 to 1 (0.01 is 1%), found ${describe(v)}`);
    }
    if ('writeAuthorityInReadNew' in st && st.writeAuthorityInReadNew !== 'old' && st.writeAuthorityInReadNew !== 'new') {
      c.add('settings.writeAuthorityInReadNew', `expected "new" (writes go new-first from read-new on) or "old" (writes stay old-first until new-only, as seeds 000 and 002 ran), found ${describe(st.writeAuthorityInReadNew)}`);
    }
    for (const flag of ['compareInReadNew', 'fallbackHidesDeleted'] as const) {
      if (flag in st && typeof st[flag] !== 'boolean') c.add(`settings.${flag}`, `expected true or false, found ${describe(st[flag])}`);
    }
  }
  return c.problems;
}
