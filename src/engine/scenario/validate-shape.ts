/** The shape check of a scenario: every field, with its path, before any SQL is looked at. */
import { EFFECT_TYPES, POLICIES, SCENARIO_FORMAT, SCENARIO_VERSION, TOPOLOGIES, type Collection } from './format.ts';
import { describe, didYouMean, ID, listNames, MAX_SQL_CHARS, NAME, nameRemedy, ShapeChecker, type Json, type Problem } from './shape-checker.ts';
import { nullableKeyRef } from './validate-keys.ts';

const PARAM_GENERATORS = ['const', 'oneOf', 'int', 'template', 'text', 'now', 'existing', 'nullable', 'object', 'list'] as const;
const TEMPLATE_PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Checks one parameter generator. `collections` is undefined when the scenario's collections are
 * themselves missing or malformed (reported there): an `existing` is then not checked against them.
 */
function checkParamSpec(c: ShapeChecker, path: string, v: Json, collections: Record<string, Json> | undefined, depth = 0): void {
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
      if (c.string(`${path}.existing`, spec.existing, 64) && collections !== undefined) {
        const coll = Object.hasOwn(collections, spec.existing as string) ? collections[spec.existing as string] : undefined;
        if (!coll || typeof coll !== 'object') c.add(`${path}.existing`, unknownCollection(spec.existing as string, collections));
        else if (c.string(`${path}.field`, spec.field, 64) && columnsKnown(coll)) {
          const cc = coll as Partial<Collection>;
          const columns = [...(Array.isArray(cc.key) ? (cc.key as readonly unknown[]) : []), ...(Array.isArray(cc.fields) ? (cc.fields as readonly unknown[]) : [])].filter((x): x is string => typeof x === 'string');
          if (!columns.includes(spec.field as string)) {
            c.add(`${path}.field`, `collection "${String(spec.existing)}" has no column "${String(spec.field)}": ${nameRemedy(spec.field as string, columns, 'declare its key and fields first')}`);
          }
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

/** Whether a collection's key and fields are lists, so that a column can be looked up in them (otherwise that is reported at the collection). */
function columnsKnown(coll: Json): boolean {
  return typeof coll === 'object' && coll !== null && !Array.isArray(coll) && Array.isArray((coll as Record<string, Json>).key) && Array.isArray((coll as Record<string, Json>).fields);
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

/** Checks one value reference; `params` is undefined when the operation's params are missing or malformed (reported there). */
function checkValueRef(c: ShapeChecker, path: string, v: Json, params: Record<string, Json> | undefined, place: RefPlace = 'value'): void {
  if (typeof v === 'string') {
    if (params !== undefined && !Object.hasOwn(params, v)) c.add(path, unknownParamRef(v, params, place));
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
      if (typeof ref.param !== 'string') c.add(`${path}.param`, `expected a parameter name, found ${describe(ref.param)}`);
      else if (params !== undefined && !Object.hasOwn(params, ref.param)) c.add(`${path}.param`, unknownParamName(ref.param, params));
      c.sqlValue(`${path}.ifNull`, ref.ifNull);
    }
    return;
  }
  c.add(path, `expected a parameter name, {"param", "ifNull"}, {"value"} or {"expr"}, found ${describe(v)}`);
}

/** Text that reads as SQL rather than as a name: a leading sign, an operator, a colon, a parenthesis or a space. */
const LOOKS_LIKE_EXPRESSION = /^[-+]|[:()*/%+|<>=!\s]/;

/** Why a string value reference names no parameter, and what to write instead. */
function unknownParamRef(text: string, params: Record<string, Json>, place: RefPlace): string {
  const wrong = `no parameter named "${text}"`;
  const names = Object.keys(params);
  // "job-id" is a misspelt "job_id" when one is that close; otherwise a subtraction.
  const expression = LOOKS_LIKE_EXPRESSION.test(text) || (text.includes('-') && didYouMean(text, names) === undefined);
  if (!expression) return unknownParamName(text, params);
  if (place === 'key') {
    return `${wrong}: a string here names a parameter, and a key cannot be computed; compute the key in the parameter generator (e.g. {"template": "sku-{seq}"}) and name that parameter here`;
  }
  const lead = `${wrong}: a string here names a parameter; to compute a value from the parameters, write an expression with each parameter as :name`;
  // The expression as it would be written: every declared parameter named bare gets its colon.
  let named = /:[A-Za-z_]/.test(text);
  const expr = text.replace(/(^|[^:A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)/g, (m: string, before: string, word: string) => {
    if (!Object.hasOwn(params, word)) return m;
    named = true;
    return `${before}:${word}`;
  });
  if (named) return `${lead}: { "expr": ${JSON.stringify(expr)} }`;
  return `${lead} (${names.length > 0 ? `its parameters: ${listNames(names.map((n) => `:${n}`))}` : 'it declares none: declare them in the operation\'s "params"'}): { "expr": "…" }`;
}

/** No parameter of that name: which one was meant, or where to declare it. */
function unknownParamName(name: string, params: Record<string, Json>): string {
  const names = Object.keys(params);
  const remedy = nameRemedy(name, names, 'the operation declares no parameters: declare it in the operation\'s "params"');
  return `no parameter named "${name}": ${remedy}${didYouMean(name, names) === undefined && names.length > 0 ? ', or declare it in the operation\'s "params"' : ''}`;
}

/** No collection of that name: which one was meant. */
function unknownCollection(name: string, collections: Record<string, Json>): string {
  return `no collection named "${name}": ${nameRemedy(name, Object.keys(collections), 'declare it under "collections"')}`;
}

/** No operation of that name among `candidates` (the operations that would do there): which one was meant. */
function unknownOperation(name: string, candidates: readonly string[], what = 'operations'): string {
  return `no operation named "${name}": ${nameRemedy(name, candidates, `the scenario has no ${what}: declare one under "operations"`)}`;
}

/** `"stok" is not a field of "items" (its fields: name, stock, price_cents): did you mean "stock"?` */
function notAColumn(col: string, what: string, collection: string, columns: readonly string[], its: string): string {
  const wrong = `"${col}" is not ${what} of "${collection}"${columns.length > 0 ? ` (${its}: ${listNames(columns)})` : ''}`;
  const meant = didYouMean(col, columns);
  return meant !== undefined ? `${wrong}: ${meant}` : `${wrong}: use one of ${its}, or add "${col}" to the collection's ${what === 'a field' ? '"fields"' : '"key"'}`;
}

/** The names of the read operations of `collection`. */
function readsOf(collection: string, operations: Record<string, Json>): string[] {
  return Object.entries(operations)
    .filter(([, op]) => typeof op === 'object' && op !== null && (op as Record<string, Json>).kind === 'read' && (op as Record<string, Json>).collection === collection)
    .map(([name]) => name);
}

/** What to name as a collection's check read: its reads, or that it needs one. */
function checkReadRemedy(collection: string, operations: Record<string, Json>): string {
  const reads = readsOf(collection, operations);
  if (reads.length === 0) return `"${collection}" has no read: declare a read operation with "collection": "${collection}" (the application's read of one record by its key) and name it here`;
  return `name one of the reads of "${collection}": ${listNames(reads)}`;
}

/** The `check` a collection lacks, as it could be written. */
function checkHint(collection: string, columns: readonly unknown[], operations: Record<string, Json>): string {
  const read = readsOf(collection, operations)[0];
  const what = 'name the read the history checker finds a record with, and map each of its parameters to a record column';
  if (read === undefined) {
    return `${what}; "${collection}" has no read yet: declare one (the application's read of one record by its key), then add "check": { "read": "<its name>", "params": { "<its parameter>": "<column>" } }`;
  }
  const op = operations[read] as Record<string, Json>;
  const readParams = typeof op.params === 'object' && op.params !== null && !Array.isArray(op.params) ? Object.keys(op.params) : [];
  const mapping = readParams.map((rp) => `"${rp}": "${columns.includes(rp) ? rp : '<column>'}"`).join(', ');
  return `${what}, e.g. "check": { "read": "${read}", "params": { ${mapping} } }`;
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

  // Names are looked up in collections and operations only when they are maps: when one is missing
  // or malformed, that is its problem, and references to its names are not reported again.
  const collections: Record<string, Json> = {};
  const collectionsKnown = c.map('collections', s.collections, NAME, 'collections');
  if (collectionsKnown) {
    Object.assign(collections, s.collections);
    if (Object.keys(collections).length === 0) c.add('collections', 'declare at least one collection');
  }
  const operations: Record<string, Json> = {};
  const operationsKnown = c.map('operations', s.operations, NAME, 'operations');
  if (operationsKnown) {
    Object.assign(operations, s.operations);
    if (Object.keys(operations).length === 0) c.add('operations', 'declare at least one operation');
  }

  for (const [name, coll] of Object.entries(collections)) {
    const p = `collections.${name}`;
    const declared = typeof coll === 'object' && coll !== null && !Array.isArray(coll) ? [(coll as Record<string, Json>).key, (coll as Record<string, Json>).fields].flatMap((x) => (Array.isArray(x) ? (x as unknown[]) : [])) : [];
    if (!c.object(p, coll, ['key', 'fields', 'rows', 'upsert', 'remove', 'check'], ['backfillMarksSource'], { check: checkHint(name, declared, operations) })) continue;
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
      if (c.string(`${p}.check.read`, check.read, 64) && operationsKnown) {
        const readName = check.read as string;
        const read = Object.hasOwn(operations, readName) ? (operations[readName] as Record<string, Json> | undefined) : undefined;
        const reads = readsOf(name, operations);
        if (!read || typeof read !== 'object' || Array.isArray(read)) {
          c.add(`${p}.check.read`, `no operation named "${readName}": ${nameRemedy(readName, reads.length > 0 ? reads : Object.keys(operations), checkReadRemedy(name, operations))}`);
        } else if (read.kind !== 'read') {
          // A read with no kind, or a wrong one, is reported at its kind.
          if (read.kind === 'write') c.add(`${p}.check.read`, `"${readName}" is not a read (it is a write): ${checkReadRemedy(name, operations)}`);
        }
        else if (read.collection !== name) {
          // A read whose own collection is missing or names none is reported at the read: not again here.
          if (typeof read.collection === 'string' && Object.hasOwn(collections, read.collection)) c.add(`${p}.check.read`, `"${readName}" reads collection ${describe(read.collection)}, not "${name}": ${checkReadRemedy(name, operations)}`);
        }
        else if (c.map(`${p}.check.params`, check.params, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'parameters') && typeof read.params === 'object' && read.params !== null && !Array.isArray(read.params)) {
          const mapping = check.params as Record<string, Json>;
          const readParams = typeof read.params === 'object' && read.params !== null ? Object.keys(read.params) : [];
          const shownColumns = listNames(columns, 12, true);
          for (const rp of readParams) {
            if (!(rp in mapping)) c.add(`${p}.check.params`, `the read's parameter "${rp}" is not mapped to a record column: add "${rp}": ${columns.includes(rp) ? `"${rp}"` : `"<column>", naming one of ${shownColumns},`} to check.params`);
          }
          for (const [param, col] of Object.entries(mapping)) {
            if (!readParams.includes(param)) {
              const unmapped = readParams.filter((rp) => !(rp in mapping));
              // Only a parameter left unmapped can be the one meant; the only one is, however it is spelled.
              const meant = didYouMean(param, unmapped) ?? (unmapped.length === 1 ? `did you mean "${String(unmapped[0])}"?` : undefined);
              const its = readParams.length === 0 ? 'it takes no parameters' : `its parameters: ${listNames(readParams, 12, true)}${unmapped.length === 0 ? ', all mapped' : ''}`;
              const remedy = meant !== undefined ? meant : unmapped.length > 0 ? `map each of its parameters to a record column and remove "${param}"` : `remove "${param}"`;
              c.add(`${p}.check.params.${param}`, `"${readName}" has no parameter "${param}" (${its}): ${remedy}`);
            }
            if ((typeof col !== 'string' || !columns.includes(col)) && columnsKnown(coll)) {
              c.add(`${p}.check.params.${param}`, `${describe(col)} is not a column of "${name}": ${typeof col === 'string' ? nameRemedy(col, columns, 'declare the collection\'s key and fields first') : `name one of ${shownColumns}`}`);
            }
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
      const effectHint = 'declare what the write does to one record: "effect": { "collection": …, "type": "insert" | "upsert" | "update" | "delete", "key": { <key column>: <parameter> }, "set": { … } }';
      if (!c.object(p, op, ['kind', 'params', 'old', 'new', 'effect'], ['description', 'compensate'], { effect: effectHint })) continue;
    } else if (kind === 'read') {
      const names = Object.keys(collections);
      const hint = `name the collection whose records this read returns${names.length === 1 ? `: "collection": "${String(names[0])}"` : names.length > 1 ? ` (one of ${listNames(names, 12, true)})` : ''}`;
      if (!c.object(p, op, ['kind', 'params', 'old', 'new', 'collection'], ['description', 'ordered'], { collection: hint })) continue;
    } else {
      c.add(`${p}.kind`, kind === undefined ? 'is required: "kind": "write" (changes records) or "read" (returns records of a collection)' : `expected "write" or "read", found ${describe(kind)}`);
      continue;
    }
    const o = op as Record<string, Json>;
    if ('description' in o) c.string(`${p}.description`, o.description);
    const params: Record<string, Json> = {};
    const paramsKnown = c.map(`${p}.params`, o.params, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'parameters');
    if (paramsKnown) {
      Object.assign(params, o.params);
      for (const [param, spec] of Object.entries(params)) {
        if (param.startsWith('__')) c.add(`${p}.params.${param}`, 'parameter names starting with "__" are reserved for the engine');
        checkParamSpec(c, `${p}.params.${param}`, spec, collectionsKnown ? collections : undefined);
      }
    }
    const refParams = paramsKnown ? params : undefined;
    if (kind === 'read') {
      c.string(`${p}.old`, o.old, MAX_SQL_CHARS);
      c.string(`${p}.new`, o.new, MAX_SQL_CHARS);
      if (c.string(`${p}.collection`, o.collection, 64) && collectionsKnown && !Object.hasOwn(collections, o.collection as string)) c.add(`${p}.collection`, unknownCollection(o.collection as string, collections));
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
    const collectionNames = Object.keys(collections);
    const effectHints = {
      collection: `name the collection of the record this write changes${collectionNames.length === 1 ? `: "collection": "${String(collectionNames[0])}"` : collectionNames.length > 1 ? ` (one of ${listNames(collectionNames, 12, true)})` : ''}`,
      type: `what the write does to the record: one of ${EFFECT_TYPES.map((t) => `"${t}"`).join(', ')}`,
      key: 'map each key column of the collection to the parameter that holds it: "key": { <key column>: <parameter> }',
    };
    if (c.object(`${p}.effect`, o.effect, ['collection', 'type', 'key'], ['set', 'add', 'append'], effectHints)) {
      const effect = o.effect as Record<string, Json>;
      const type = effect.type;
      // A missing or unknown type is reported here; checks that depend on the type are skipped.
      const typeKnown = c.enumValue(`${p}.effect.type`, type, EFFECT_TYPES);
      const coll = typeof effect.collection === 'string' && Object.hasOwn(collections, effect.collection) ? (collections[effect.collection] as Record<string, Json> | undefined) : undefined;
      if (!coll || typeof coll !== 'object') {
        if (typeof effect.collection !== 'string') c.add(`${p}.effect.collection`, `expected the name of a collection, found ${describe(effect.collection)}`);
        else if (collectionsKnown) c.add(`${p}.effect.collection`, unknownCollection(effect.collection, collections));
        continue;
      }
      // A collection whose key or fields are not lists is reported there; its columns are not looked up here.
      if (!columnsKnown(coll)) continue;
      const keyCols = coll.key as string[];
      const fieldCols = coll.fields as string[];
      if (c.map(`${p}.effect.key`, effect.key, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'key columns')) {
        const keyMap = effect.key as Record<string, Json>;
        for (const col of keyCols) if (!(col in keyMap)) c.add(`${p}.effect.key`, `key column "${col}" of "${String(effect.collection)}" is not set`);
        for (const [col, ref] of Object.entries(keyMap)) {
          if (!keyCols.includes(col)) c.add(`${p}.effect.key.${col}`, notAColumn(col, 'a key column', String(effect.collection), keyCols, 'its key'));
          checkValueRef(c, `${p}.effect.key.${col}`, ref, refParams, 'key');
          // A computed key is refused above; whether its expression can be NULL adds nothing.
          const nullKey = typeof ref === 'object' && ref !== null && 'expr' in ref ? undefined : nullableKeyRef(ref, params, { collections, operations });
          if (nullKey) c.add(`${p}.effect.key.${col}`, `a key column cannot be NULL, but ${nullKey.why} (backfill orders and resumes by key, and NULL compares with nothing): ${nullKey.remedy}`);
        }
      }
      if ('append' in effect) {
        if (type !== 'update' && type !== 'upsert') {
          if (typeKnown) c.add(`${p}.effect.append`, 'only "update" and "upsert" can append');
        }
        else if (c.map(`${p}.effect.append`, effect.append, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'fields')) {
          for (const [col, item] of Object.entries(effect.append as Record<string, Json>)) {
            if (!fieldCols.includes(col)) c.add(`${p}.effect.append.${col}`, notAColumn(col, 'a field', String(effect.collection), fieldCols, 'its fields'));
            if (c.map(`${p}.effect.append.${col}`, item, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'JSON keys')) {
              for (const [k, ref] of Object.entries(item as Record<string, Json>)) checkValueRef(c, `${p}.effect.append.${col}.${k}`, ref, refParams);
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
          if (!fieldCols.includes(col)) c.add(`${p}.effect.set.${col}`, notAColumn(col, 'a field', String(effect.collection), fieldCols, 'its fields'));
          checkValueRef(c, `${p}.effect.set.${col}`, ref, refParams);
        }
        if (type === 'insert' || type === 'upsert') {
          for (const col of fieldCols) if (!(col in setMap)) c.add(`${p}.effect.set`, `"${String(type)}" must set every field; "${col}" is missing`);
        }
      }
      if ('add' in effect && c.map(`${p}.effect.add`, effect.add, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'fields')) {
        const addMap = effect.add as Record<string, Json>;
        const first = Object.keys(addMap)[0];
        if (type !== 'update') {
          if (typeKnown) c.add(`${p}.effect.add`, addTypeProblem(type, first ?? 'the field'));
        }
        else if (first === undefined) c.add(`${p}.effect.add`, 'names no field: add to at least one, or remove "add"');
        const setMap = typeof effect.set === 'object' && effect.set !== null ? (effect.set as Record<string, Json>) : {};
        const appendMap = typeof effect.append === 'object' && effect.append !== null ? (effect.append as Record<string, Json>) : {};
        for (const [col, ref] of Object.entries(addMap)) {
          const at = `${p}.effect.add.${col}`;
          if (keyCols.includes(col)) c.add(at, `"${col}" is a key column of "${String(effect.collection)}": a write cannot change a record's key; add to a field (${fieldCols.join(', ')})`);
          else if (!fieldCols.includes(col)) c.add(at, notAColumn(col, 'a field', String(effect.collection), fieldCols, 'its fields'));
          if (col in setMap) c.add(at, `"${col}" is both set and added: a write either replaces a field ("set") or changes it by a delta ("add"); keep it in one of them`);
          if (col in appendMap) c.add(at, `"${col}" is both appended to and added: a field holds either a JSON array ("append") or a number ("add"); keep it in one of them`);
          checkValueRef(c, at, ref, refParams);
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
      const writes = Object.keys(operations).filter((n) => (operations[n] as Record<string, Json> | null)?.kind === 'write');
      const op = typeof step.operation === 'string' && Object.hasOwn(operations, step.operation) ? (operations[step.operation] as Record<string, Json> | undefined) : undefined;
      if (typeof step.operation !== 'string') c.add(`${p}.operation`, `expected the name of a write, found ${describe(step.operation)}`);
      else if (!op) {
        if (operationsKnown) c.add(`${p}.operation`, unknownOperation(step.operation, writes, 'writes'));
      } else if (op.kind === 'read') c.add(`${p}.operation`, `"${step.operation}" is not a write: seed data runs writes; ${writes.length > 0 ? `name one of ${listNames(writes, 12, true)}` : 'declare a write under "operations"'}`);
      c.integer(`${p}.count`, step.count, 0, 100_000);
    });
  } else c.add('seedData', `expected an array, found ${describe(s.seedData)}`);

  if (c.object('workload', s.workload, ['mix'])) {
    const mix = (s.workload as Record<string, Json>).mix;
    if (c.map('workload.mix', mix, NAME, 'operation weights')) {
      let positive = 0;
      for (const [opName, weight] of Object.entries(mix as Record<string, Json>)) {
        if (operationsKnown && !Object.hasOwn(operations, opName)) c.add(`workload.mix.${opName}`, unknownOperation(opName, Object.keys(operations)));
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
