/** The SQL check of a scenario: every statement prepared against scratch databases holding the declared schemas. */
import { SqlError, type SqlDatabase, type SqlEngine } from '../sql.ts';
import { scanParams } from '../sql-params.ts';
import type { Collection, Scenario, Side, WriteOperation } from './format.ts';
import { closest, didYouMean, listNames, undeclaredParamMessage, type ParamSource, type Problem } from './shape-checker.ts';

/** Prefix of the tables and parameters the engine owns. */
export const RESERVED_PREFIX = '__cutover';


/** Opens scratch databases holding the declared schemas, as a rehearsal would. */
function openScratch(scenario: Scenario, sql: SqlEngine, problems: Problem[]): Record<Side, SqlDatabase> {
  const oldDb = sql.open();
  const newDb = scenario.topology === 'shared' ? oldDb : sql.open();
  const apply = (db: SqlDatabase, side: Side): void => {
    scenario.schema[side].forEach((ddl, i) => {
      const path = `schema.${side}[${i}]`;
      const keyword = firstKeyword(ddl);
      if (FORBIDDEN_STATEMENTS.has(keyword)) {
        problems.push({ path, message: `${keyword} is not allowed in a schema: the engine owns transactions, attached databases and pragmas; declare only tables, indexes, views and triggers here` });
        return;
      }
      try {
        db.describe(ddl);
      } catch (error) {
        // describe fails for statements on tables an earlier DDL creates only if they are not yet
        // created; DDL runs in order, so prepare failures here are real errors.
        problems.push({ path, message: (error as Error).message });
        return;
      }
      if (/__cutover/i.test(ddl)) {
        problems.push({ path, message: `names starting with "${RESERVED_PREFIX}" are reserved for the engine` });
        return;
      }
      try {
        db.exec(ddl);
      } catch (error) {
        problems.push({ path, message: (error as Error).message });
      }
    });
  };
  apply(oldDb, 'old');
  apply(newDb, 'new');
  return { old: oldDb, new: newDb };
}

/** Every statement prepared against the declared schemas, with its path. */
export function validateSql(scenario: Scenario, sql: SqlEngine): Problem[] {
  const problems: Problem[] = [];
  const dbs = openScratch(scenario, sql, problems);
  try {
    if (problems.length > 0) return problems;
    const check = (path: string, side: Side, text: string, allowedParams: readonly string[], source: ParamSource, expect?: { columns: readonly string[]; what: string; collection: string }): void => {
      const keyword = firstKeyword(text);
      if (FORBIDDEN_STATEMENTS.has(keyword)) {
        problems.push({ path, message: `${keyword} is not allowed here: the engine owns transactions, attached databases and pragmas` });
        return;
      }
      let shape;
      try {
        shape = dbs[side].describe(text);
      } catch (error) {
        problems.push({ path, message: error instanceof SqlError ? withSchemaRemedy(error.message, dbs[side], side, scenario.topology === 'shared') : String(error) });
        return;
      }
      const scan = scanParams(text);
      for (const other of scan.otherStyles) problems.push({ path, message: `parameter ${other}: use named parameters like :name` });
      for (const p of scan.named) {
        if (!allowedParams.includes(p)) problems.push({ path, message: undeclaredParamMessage(p, allowedParams, source) });
      }
      if (expect) {
        if (!shape.readonly) {
          problems.push({ path, message: `${expect.what} must only read, but this statement changes the database (an UPDATE, DELETE or INSERT … RETURNING returns rows and writes them): it would run on every read, verify and backfill batch; write it as a SELECT` });
          return;
        }
        if (shape.columns.length === 0) {
          problems.push({ path, message: 'must be a query that returns rows' });
          return;
        }
        const dup = shape.columns.find((col, i) => shape.columns.indexOf(col) !== i);
        if (dup) problems.push({ path, message: `returns column "${dup}" twice` });
        const missing = expect.columns.filter((col) => !shape.columns.includes(col));
        if (missing.length) problems.push({ path, message: missingColumnsMessage(missing, shape.columns, expect.columns, expect.collection) });
      }
    };

    for (const [name, coll] of Object.entries(scenario.collections)) {
      const p = `collections.${name}`;
      const columns = [...coll.key, ...coll.fields];
      const rowsSource = { none: 'a canonical rows query takes no parameters (it returns every record); remove it' };
      const record = { boundWith: `these statements are bound with the record's key and field columns of "${name}" only` };
      const keyOnly = { boundWith: `remove statements are bound with the key columns of "${name}" only`, instead: 'find the record by its key alone' };
      for (const side of ['old', 'new'] as const) {
        check(`${p}.rows.${side}`, side, coll.rows[side], [], rowsSource, { columns, what: 'a canonical rows query', collection: name });
        coll.upsert[side].forEach((s, i) => check(`${p}.upsert.${side}[${i}]`, side, s, columns, record));
        coll.remove[side].forEach((s, i) => check(`${p}.remove.${side}[${i}]`, side, s, coll.key, keyOnly));
      }
      coll.backfillMarksSource?.forEach((s, i) => check(`${p}.backfillMarksSource[${i}]`, 'old', s, columns, record));
    }
    for (const [name, op] of Object.entries(scenario.operations)) {
      const p = `operations.${name}`;
      const params = Object.keys(op.params);
      const declared = { declareIn: `${p}.params` };
      if (op.kind === 'read') {
        const coll = scenario.collections[op.collection] as Collection;
        const columns = [...coll.key, ...coll.fields];
        check(`${p}.old`, 'old', op.old, params, declared, { columns, what: 'a read', collection: op.collection });
        check(`${p}.new`, 'new', op.new, params, declared, { columns, what: 'a read', collection: op.collection });
        continue;
      }
      const write: WriteOperation = op;
      for (const side of ['old', 'new'] as const) {
        write[side].forEach((s, i) => check(`${p}.${side}[${i}]`, side, s, params, declared));
        write.compensate?.[side]?.forEach((s, i) => check(`${p}.compensate.${side}[${i}]`, side, s, params, declared));
      }
    }
    scenario.drop.forEach((s, i) => check(`drop[${i}]`, 'old', s, [], { none: 'drop statements take no parameters; remove it' }));
  } finally {
    dbs.old.close();
    if (dbs.new !== dbs.old) dbs.new.close();
  }
  return problems;
}

/**
 * SQLite's "no such table" and "no such column" with what to change: the name meant, or the tables
 * (the columns' tables) the side's database has. Other messages as SQLite gives them.
 */
function withSchemaRemedy(message: string, db: SqlDatabase, side: Side, shared: boolean): string {
  const table = /^no such table: (?:\w+\.)?(\w+)$/.exec(message);
  const column = /^no such column: (?:[\w.]+\.)?(\w+)$/.exec(message);
  if (!table && !column) return message;
  const schema = `schema.${side}`;
  const where = shared ? 'the database' : `the ${side} side`;
  const tables = db
    .query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_\\_cutover%' ESCAPE '\\' ORDER BY name")
    .map((r) => String(r.name));
  if (table) {
    const name = table[1] as string;
    return `${message} — ${didYouMean(name, tables) ?? (tables.length > 0 ? `${where}'s tables are ${listNames(tables)}: name one of those, or create "${name}" in ${schema}` : `create "${name}" in ${schema}`)}`;
  }
  const name = (column as RegExpExecArray)[1] as string;
  const owners = new Map<string, string[]>();
  for (const t of tables) {
    for (const r of db.query('SELECT name FROM pragma_table_info(:t)', { t })) owners.set(String(r.name), [...(owners.get(String(r.name)) ?? []), t]);
  }
  const exact = [...owners.keys()].find((c) => c.toLowerCase() === name.toLowerCase());
  if (exact !== undefined) {
    return `${message} — "${exact}" is a column of ${listNames(owners.get(exact) ?? [])}: read it from ${(owners.get(exact) ?? []).length === 1 ? 'that table' : 'one of those tables'} (check the table or alias before the dot), or add the column to the table that lacks it in ${schema}`;
  }
  const meant = didYouMean(name, [...owners.keys()], (c) => `"${c}" (${listNames(owners.get(c) ?? [])})`);
  return `${message} — ${meant ?? `no table of ${where} has a column "${name}": name a column the statement's tables have, or add it in ${schema}`}`;
}

/**
 * `returns no column "price_cents" (returns sku, name, stock, price): …` with what to change: alias
 * what holds it, naming a returned column the collection does not declare when one is close.
 */
function missingColumnsMessage(missing: readonly string[], returned: readonly string[], expected: readonly string[], collection: string): string {
  const wrong = `returns no column ${missing.map((m) => `"${m}"`).join(', ')} (returns ${returned.join(', ')})`;
  const spare = returned.filter((r) => !expected.includes(r));
  const perhaps = (m: string): string => {
    const source = closest(m, spare);
    return source !== undefined ? ` (perhaps "${source}", which is not a column of "${collection}")` : '';
  };
  if (missing.length === 1) {
    const m = missing[0] as string;
    return `${wrong}: return it under that name; alias the column that holds it: … AS ${m}${perhaps(m)}`;
  }
  return `${wrong}: return each of "${collection}"'s key and field columns under its name; alias the columns that hold them: ${listNames(missing.map((m) => `… AS ${m}${perhaps(m)}`), 12)}`;
}

const FORBIDDEN_STATEMENTS = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'ATTACH', 'DETACH', 'VACUUM', 'PRAGMA']);

/** The first keyword of a statement, upper-cased, skipping comments. */
export function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? '').toUpperCase();
}
