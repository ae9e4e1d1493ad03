/**
 * A starter scenario made from a database's own schema (issue 13, "start from my schema"): the
 * old schema is the database's, the new one a copy of it to edit, and each table with a primary
 * key becomes a collection keyed by it, with its upsert, remove and rows statements, a read and a
 * write operation, and a share of the workload. Pure: the caller reads the schema (the worker's
 * import does, with `PRAGMA table_list`, `table_xinfo` and `foreign_key_list`) and validates the
 * result like any scenario.
 */
import type { Collection, Operation, ParamSpec, Scenario } from './format.ts';
import { SCENARIO_FORMAT, SCENARIO_VERSION } from './format.ts';

/** One column as `PRAGMA table_xinfo` describes it, with what a sample of its values showed. */
export interface SchemaColumn {
  readonly name: string;
  /** The declared type, as written (`INTEGER`, `varchar(20)`, empty). */
  readonly type: string;
  readonly notNull: boolean;
  /** Position in the primary key from 1; 0 when not in it. */
  readonly pk: number;
  /** Generated (`GENERATED ALWAYS AS`): read, never written. */
  readonly generated?: boolean;
  /** A one-column UNIQUE constraint or index holds it: generated values must not repeat. */
  readonly unique?: boolean;
  /** What the first rows of the table held in it (absent for an empty table). */
  readonly sample?: ColumnSample;
}

/** What a sample of a column's values showed: the starter's generators follow it. */
export interface ColumnSample {
  /** Smallest and largest integer (absent when any value is not an integer). */
  readonly ints?: readonly [number, number];
  /** A few of its non-integer numbers (absent when it holds none, or anything else). */
  readonly reals?: readonly number[];
  /** Every distinct value, when there are only a few over many rows (a status, a flag). */
  readonly values?: readonly (string | number)[];
  /** Whether any value was NULL. */
  readonly nulls: boolean;
}

/** One table of the database, as the starter needs it. */
export interface SchemaTable {
  readonly name: string;
  readonly columns: readonly SchemaColumn[];
  readonly foreignKeys: readonly { readonly from: readonly string[]; readonly table: string; readonly to: readonly string[] }[];
  readonly rows: number;
  /** The smallest and largest value of a one-column integer primary key (absent when empty or not one). */
  readonly keyRange?: readonly [number, number];
  /** Why its rows cannot be told apart by its key (NULLs in it, integers beyond ±2^53): it gets no collection. */
  readonly unkeyable?: string;
}

/** What the starter is made from. */
export interface StarterInput {
  /** The file's name, for the id, title and labels. */
  readonly fileName: string;
  /** Every object's DDL in creation order (`sqlite_master.sql`): tables, indexes, views, triggers. */
  readonly ddl: readonly string[];
  /** The tables (not views, virtual or shadow tables). */
  readonly tables: readonly SchemaTable[];
  /** Views, by name, dropped with the old schema. */
  readonly views: readonly string[];
  /** Virtual tables kept in the schemas (FTS5, R*Tree), dropped with the old schema. */
  readonly virtualTables?: readonly string[];
}

/** The starter and what it could not turn into a collection. */
export interface Starter {
  readonly scenario: Scenario;
  /** Table name → its collection (null when it has none). */
  readonly collections: Readonly<Record<string, string | null>>;
  /** Why a table has no collection, by table. */
  readonly tableNotes: Readonly<Record<string, string>>;
  /** Everything said, in words (table notes included). */
  readonly notes: readonly string[];
}

/** `"name"` with quotes doubled: any table or column name is safe in SQL. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** SQLite's keywords (https://sqlite.org/lang_keywords.html): a name that is one is quoted. */
const KEYWORDS = new Set(
  (
    'ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE ' +
    'COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED ' +
    'DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN ' +
    'FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL ' +
    'JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER ' +
    'PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING ' +
    'RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING ' +
    'VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT'
  ).split(' '),
);

/**
 * A table or column name as the starter writes it: bare when it is a plain identifier and no
 * keyword, quoted otherwise. Bare names keep a rename honest: SQLite reads a double-quoted name it
 * cannot resolve as a string, so a `"full_name"` left behind would pass as a constant.
 */
export const ident = (name: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase()) ? name : quoteIdent(name));

/** SQLite's type affinity of a declared type (https://sqlite.org/datatype3.html, 3.1). */
export function affinity(type: string): 'integer' | 'text' | 'blob' | 'real' | 'numeric' {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('BLOB') || t === '') return 'blob';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'real';
  return 'numeric';
}

/** A name the scenario format accepts (`NAME`), unique among `taken`, close to `raw`. */
function safeName(raw: string, taken: Set<string>, fallback: string): string {
  let base = raw.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[A-Za-z]/.test(base)) base = `${fallback}${base ? `_${base}` : ''}`;
  base = base.slice(0, 60);
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base.slice(0, 58)}_${i}`;
  taken.add(name.toLowerCase());
  return name;
}

/** `orders` → `Orders`, `order_items` → `OrderItems`: for operation names. */
function pascal(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** A scenario id from a file name: `shop.sqlite` → `shop`. */
function scenarioId(fileName: string): string {
  const base = fileName
    .replace(/\.(sqlite3?|db3?|s3db|sl3)$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const id = /^[a-z]/.test(base) ? base : `db-${base}`;
  return id.slice(0, 56).replace(/-+$/, '') || 'imported';
}

const TIME_NAME = /(^|_)(at|date|time|timestamp|day|created|updated)$|_at$|date|time/i;

/**
 * A generator for values of `column` (not a key, not a foreign key), following what its sample
 * held: the few values of a status or a flag, the range of its integers, some of its numbers; a
 * unique column gets values that cannot repeat. Without a sample, by its declared type.
 */
function valueSpec(column: SchemaColumn, name: string): ParamSpec {
  const sample = column.sample;
  const kind = affinity(column.type);
  const base = ((): ParamSpec => {
    if (column.unique) {
      if (kind === 'integer' || kind === 'numeric' || sample?.ints) {
        const top = sample?.ints?.[1] ?? 0;
        return { int: [top + 1, top + 1_000_000_000] };
      }
      return /mail/i.test(column.name) ? { template: `${name}-{seq}@example.com` } : { template: `${name}-{seq}` };
    }
    if (sample?.values) return { oneOf: [...sample.values] };
    if (sample?.ints) return { int: [sample.ints[0], sample.ints[1]] };
    if (sample?.reals && sample.reals.length > 0) return { oneOf: [...sample.reals] };
    switch (kind) {
      case 'integer':
        return { int: [0, 1000] };
      case 'real':
        return { oneOf: [0.5, 1.25, 9.99, 19.95, 100] };
      case 'numeric':
        return TIME_NAME.test(column.name) ? { now: 'iso' } : { int: [0, 1000] };
      case 'text':
        return TIME_NAME.test(column.name) ? { now: 'iso' } : { text: [1, 4] };
      case 'blob':
        return { text: [1, 3] };
    }
  })();
  // NULL as often as the sample shows it (a tenth of the time when it held one), never in a NOT NULL column.
  return column.notNull || sample?.nulls === false ? base : { nullable: 0.1, of: base };
}

interface Column {
  /** The column's name in the database. */
  readonly column: SchemaColumn;
  /** Its name in the scenario (collection key or field, parameter). */
  readonly name: string;
}

/** Makes the starter scenario of `input`. */
export function starterScenario(input: StarterInput): Starter {
  const notes: string[] = [];
  const tableNotes: Record<string, string> = {};
  const byTable: Record<string, string | null> = {};
  const collections: Record<string, Collection> = {};
  const operations: Record<string, Operation> = {};
  const mix: Record<string, number> = {};
  const collectionNames = new Set<string>();
  const operationNames = new Set<string>();
  // A table's collection name, decided first: foreign keys name their parent's.
  const keyed = input.tables.filter((t) => t.columns.some((c) => c.pk > 0) && t.unkeyable === undefined);
  for (const t of input.tables) {
    if (t.unkeyable !== undefined) {
      byTable[t.name] = null;
      tableNotes[t.name] =
        `table "${t.name}" has no collection: ${t.unkeyable}. Its rows stay in the old database but are not copied, compared or checked; ` +
        'declare a collection for it by hand, keyed by columns that identify a row, to rehearse its migration.';
    } else if (t.columns.some((c) => c.pk > 0)) byTable[t.name] = safeName(t.name, collectionNames, 'table');
    else {
      byTable[t.name] = null;
      tableNotes[t.name] =
        `table "${t.name}" has no primary key, so it has no collection: its rows stay in the old database but are not copied, compared or checked. ` +
        'Give it a PRIMARY KEY (or declare a collection for it by hand, keyed by columns that identify a row) to rehearse its migration.';
    }
  }
  for (const t of keyed) {
    const collection = byTable[t.name] as string;
    const taken = new Set<string>();
    const columns: Column[] = t.columns.filter((c) => !c.generated).map((c) => ({ column: c, name: safeName(c.name, taken, 'col') }));
    const key = columns.filter((c) => c.column.pk > 0).sort((a, b) => a.column.pk - b.column.pk);
    const fields = columns.filter((c) => c.column.pk === 0);
    const renamed = columns.filter((c) => c.name !== c.column.name);
    if (renamed.length > 0) notes.push(`table "${t.name}": ${renamed.map((c) => `column "${c.column.name}" is "${c.name}" in the scenario`).join(', ')} (parameters need plain names)`);
    const table = ident(t.name);
    const list = (cs: readonly Column[]): string => cs.map((c) => ident(c.column.name)).join(', ');
    const select = `SELECT ${columns.map((c) => (c.name === c.column.name ? ident(c.name) : `${ident(c.column.name)} AS ${ident(c.name)}`)).join(', ')} FROM ${table}`;
    const where = key.map((c) => `${ident(c.column.name)} = :${c.name}`).join(' AND ');
    const upsert =
      `INSERT INTO ${table} (${list(columns)}) VALUES (${columns.map((c) => `:${c.name}`).join(', ')}) ON CONFLICT (${list(key)}) ` +
      (fields.length > 0 ? `DO UPDATE SET ${fields.map((c) => `${ident(c.column.name)} = excluded.${ident(c.column.name)}`).join(', ')}` : 'DO NOTHING');
    const remove = `DELETE FROM ${table} WHERE ${where}`;
    const readName = safeName(`get${pascal(collection)}`, operationNames, 'op');
    const writeName = safeName(`put${pascal(collection)}`, operationNames, 'op');

    // Parameters: a foreign key draws from its parent's records; a key draws existing records (or a new one).
    const parentOf = (c: Column): ParamSpec | undefined => {
      const fk = t.foreignKeys.find((f) => f.from.length === 1 && f.from[0] === c.column.name);
      const parent = fk ? byTable[fk.table] : undefined;
      const parentTable = fk ? input.tables.find((x) => x.name === fk.table) : undefined;
      if (!fk || !parent || !parentTable) return undefined;
      // A foreign key without a column list refers to the parent's primary key.
      const target = fk.to[0] ?? parentTable.columns.find((x) => x.pk === 1)?.name;
      const parentTaken = new Set<string>();
      const parentColumn = parentTable.columns.filter((x) => !x.generated).map((x) => ({ raw: x.name, name: safeName(x.name, parentTaken, 'col') })).find((x) => x.raw === target);
      if (!parentColumn) return undefined;
      const spec: ParamSpec = { existing: parent, field: parentColumn.name };
      return c.column.notNull || c.column.pk > 0 ? spec : { nullable: 0.1, of: spec };
    };
    const single = key.length === 1 ? key[0] : undefined;
    const integerKey = single !== undefined && affinity(single.column.type) === 'integer' && parentOf(single) === undefined;
    const keySpec = (c: Column): ParamSpec => {
      const parent = parentOf(c);
      if (parent) return parent;
      if (integerKey) {
        // An integer key: drawn over the keys the table holds and as many again past them, so
        // about half the writes update a record and half make a new one.
        const [lo, hi] = t.keyRange ?? [1, 0];
        const top = Math.max(hi, lo) + Math.max(100, t.rows);
        return { int: [Math.min(lo, 1), top] };
      }
      if (affinity(c.column.type) !== 'integer') return { existing: collection, field: c.name, missing: 0.25 };
      // An integer column of a composite key (a line number beside an order id): its range and as
      // many again, so some writes add a row beside the existing ones.
      const ints = c.column.sample?.ints;
      return ints ? { int: [ints[0], ints[1] + Math.max(1, ints[1] - ints[0] + 1)] } : { existing: collection, field: c.name };
    };
    if (!integerKey && key.some((c) => affinity(c.column.type) === 'integer' && parentOf(c) === undefined && !c.column.sample?.ints)) {
      notes.push(`table "${t.name}": its key has integer columns, so ${writeName} only updates records that exist (a new key would need a value for each); add an insert operation for new ones`);
    }
    const writeParams: Record<string, ParamSpec> = {};
    for (const c of key) writeParams[c.name] = keySpec(c);
    for (const c of fields) writeParams[c.name] = parentOf(c) ?? valueSpec(c.column, c.name);
    const readParams: Record<string, ParamSpec> = {};
    // An integer key reads over the same range the write draws from (a missing record is one the
    // range holds and the table does not); other keys read records the workload knows, now and then one that is not there.
    for (const c of key) readParams[c.name] = integerKey ? keySpec(c) : { existing: collection, field: c.name, missing: 0.1 };

    collections[collection] = {
      key: key.map((c) => c.name),
      fields: fields.map((c) => c.name),
      rows: { old: select, new: select },
      upsert: { old: [upsert], new: [upsert] },
      remove: { old: [remove], new: [remove] },
      check: { read: readName, params: Object.fromEntries(key.map((c) => [c.name, c.name])) },
    };
    operations[readName] = {
      kind: 'read',
      description: `Reads one row of ${t.name} by its primary key.`,
      params: readParams,
      old: `${select} WHERE ${where}`,
      new: `${select} WHERE ${where}`,
      collection,
    };
    operations[writeName] = {
      kind: 'write',
      description: `Writes one row of ${t.name}: inserts it, or updates every column of the row with its key.`,
      params: writeParams,
      old: [upsert],
      new: [upsert],
      effect: {
        collection,
        type: 'upsert',
        key: Object.fromEntries(key.map((c) => [c.name, c.name])),
        ...(fields.length > 0 ? { set: Object.fromEntries(fields.map((c) => [c.name, c.name])) } : {}),
      },
    };
    mix[readName] = 3;
    mix[writeName] = 1;
  }
  notes.push(...Object.values(tableNotes));
  if (keyed.length === 0) notes.push('no table has a primary key: the starter has no collection and no operation to rehearse. Add a PRIMARY KEY to a table, or write the scenario by hand (docs/scenario-format.md).');

  // Views first, then tables, children before the tables they refer to.
  const dropOrder = [...input.tables].sort((a, b) => dependents(a, input.tables) - dependents(b, input.tables));
  const drop = [
    ...input.views.map((v) => `DROP VIEW IF EXISTS ${ident(v)}`),
    ...(input.virtualTables ?? []).map((v) => `DROP TABLE IF EXISTS ${ident(v)}`),
    ...dropOrder.map((t) => `DROP TABLE IF EXISTS ${ident(t.name)}`),
  ];
  const id = scenarioId(input.fileName);
  const scenario: Scenario = {
    format: SCENARIO_FORMAT,
    version: SCENARIO_VERSION,
    id,
    // A title may be 200 characters: a long file name is cut.
    title: `${input.fileName.length > 150 ? `${input.fileName.slice(0, 149)}…` : input.fileName}: its schema, a copy to migrate`,
    summary:
      `A starter made from ${input.fileName}: the old schema is the file's, the new one an unchanged copy in a database of its own. ` +
      'Edit the new schema and each collection\'s new-side statements (upsert, remove, rows) to describe the migration, then the operations\' new-side SQL.',
    sources: [`imported from ${input.fileName}`],
    topology: 'split',
    policy: 'compensate',
    // By code point, so a name is never cut inside a character.
    labels: { old: Array.from(input.fileName).slice(0, 40).join('') || 'old', new: 'new schema' },
    schema: { old: [...input.ddl], new: [...input.ddl] },
    collections,
    operations,
    drop,
    seedData: [],
    workload: { mix: Object.keys(mix).length > 0 ? mix : {} },
  };
  return { scenario, collections: byTable, tableNotes, notes };
}

/** How many tables refer to `t` (directly): those are dropped first. */
function dependents(t: SchemaTable, all: readonly SchemaTable[]): number {
  return all.filter((x) => x !== t && x.foreignKeys.some((f) => f.table === t.name)).length;
}
