/** The SQL check of a scenario: every statement prepared against scratch databases holding the declared schemas. */
import { SqlError, type SqlDatabase, type SqlEngine } from '../sql.ts';
import { scanParams } from '../sql-params.ts';
import type { Collection, Scenario, Side, WriteOperation } from './format.ts';
import type { Problem } from './shape-checker.ts';

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
    const check = (path: string, side: Side, text: string, allowedParams: readonly string[], expect?: { columns: readonly string[]; what: string }): void => {
      const keyword = firstKeyword(text);
      if (FORBIDDEN_STATEMENTS.has(keyword)) {
        problems.push({ path, message: `${keyword} is not allowed here: the engine owns transactions, attached databases and pragmas` });
        return;
      }
      let shape;
      try {
        shape = dbs[side].describe(text);
      } catch (error) {
        problems.push({ path, message: error instanceof SqlError ? error.message : String(error) });
        return;
      }
      const scan = scanParams(text);
      for (const other of scan.otherStyles) problems.push({ path, message: `parameter ${other}: use named parameters like :name` });
      for (const p of scan.named) {
        if (!allowedParams.includes(p)) problems.push({ path, message: `uses :${p}, which is not ${allowedParams.length ? `one of ${allowedParams.map((a) => `:${a}`).join(', ')}` : 'declared'}` });
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
        if (missing.length) problems.push({ path, message: `returns no column ${missing.map((m) => `"${m}"`).join(', ')} (returns ${shape.columns.join(', ')})` });
      }
    };

    for (const [name, coll] of Object.entries(scenario.collections)) {
      const p = `collections.${name}`;
      const columns = [...coll.key, ...coll.fields];
      for (const side of ['old', 'new'] as const) {
        check(`${p}.rows.${side}`, side, coll.rows[side], [], { columns, what: 'a canonical rows query' });
        coll.upsert[side].forEach((s, i) => check(`${p}.upsert.${side}[${i}]`, side, s, columns));
        coll.remove[side].forEach((s, i) => check(`${p}.remove.${side}[${i}]`, side, s, coll.key));
      }
      coll.backfillMarksSource?.forEach((s, i) => check(`${p}.backfillMarksSource[${i}]`, 'old', s, columns));
    }
    for (const [name, op] of Object.entries(scenario.operations)) {
      const p = `operations.${name}`;
      const params = Object.keys(op.params);
      if (op.kind === 'read') {
        const coll = scenario.collections[op.collection] as Collection;
        const columns = [...coll.key, ...coll.fields];
        check(`${p}.old`, 'old', op.old, params, { columns, what: 'a read' });
        check(`${p}.new`, 'new', op.new, params, { columns, what: 'a read' });
        continue;
      }
      const write: WriteOperation = op;
      for (const side of ['old', 'new'] as const) {
        write[side].forEach((s, i) => check(`${p}.${side}[${i}]`, side, s, params));
        write.compensate?.[side]?.forEach((s, i) => check(`${p}.compensate.${side}[${i}]`, side, s, params));
      }
    }
    scenario.drop.forEach((s, i) => check(`drop[${i}]`, 'old', s, []));
  } finally {
    dbs.old.close();
    if (dbs.new !== dbs.old) dbs.new.close();
  }
  return problems;
}

const FORBIDDEN_STATEMENTS = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'ATTACH', 'DETACH', 'VACUUM', 'PRAGMA']);

/** The first keyword of a statement, upper-cased, skipping comments. */
export function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? '').toUpperCase();
}
