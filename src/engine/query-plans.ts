/**
 * Query plans: whether SQLite reads a whole table for a lookup the engine makes on every write and
 * every backfilled record (a collection's key lookup, `keyLookupSql`) or for an application read,
 * and which index would turn that `SCAN` into a `SEARCH`. A scan makes each operation cost time in
 * proportion to the table, so a rehearsal with more data misreports the migration it rehearses.
 *
 * The index offered is tried, not guessed: it is created inside a transaction that is rolled back,
 * and offered only when the plan then no longer scans that table. The key lookup's candidates are
 * the expressions the canonical `rows` query gives the key columns (`json_extract(value,
 * '$.job_id') AS job_id` → an index on that expression); a read's are its WHERE terms comparing a
 * column or expression of one table with parameters (equalities first, then one range).
 *
 * The validator calls `scenarioPlanChecks` on its scratch databases (which hold the schemas) and
 * turns each check with scans into a warning with `planWarning`.
 */
import { keyLookupSql } from './records.ts';
import type { Collection, Scenario, Side } from './scenario/format.ts';
import { tokenize, type SqlToken } from './sql-params.ts';
import type { Params, SqlDatabase } from './sql.ts';

/** One line of `EXPLAIN QUERY PLAN`. */
export interface PlanStep {
  readonly id: number;
  readonly parent: number;
  readonly detail: string;
}

/** A step of a plan that reads every row of a table (or of an index, or of a table-valued function). */
export interface FullScan {
  /** The table as the plan names it: its alias when the query gives one. */
  readonly alias: string;
  /** The table (or table-valued function) the alias stands for, when the query's FROM says. */
  readonly table: string | undefined;
  /**
   * `table`: every row; `index`: every entry of an index (no term narrows it); `function`: every
   * row a table-valued function such as json_each gives for its argument, which no index can
   * serve. A function's scan reads what one row holds, so it is a full scan of stored data only
   * when the table it reads from is scanned too: `PlanCheck.scans` leaves it out.
   */
  readonly via: 'table' | 'index' | 'function';
  readonly detail: string;
}

/** An index that removes the scans, verified by planning the query with it. */
export interface IndexFix {
  /** `CREATE INDEX` statements, one per table. */
  readonly statements: readonly string[];
  /** The tables they index. */
  readonly tables: readonly string[];
  /** The plan with them. */
  readonly plan: readonly PlanStep[];
}

/** What one query's plan says. */
export interface PlanCheck {
  readonly sql: string;
  readonly plan: readonly PlanStep[];
  /** Empty when the plan reads no whole table or index (table-valued functions' scans left out). */
  readonly scans: readonly FullScan[];
  /** An index that turns the scans into searches, when one does. */
  readonly fix?: IndexFix;
  /** Why no index is offered, when there are scans and no fix. */
  readonly why?: string;
}

/** `EXPLAIN QUERY PLAN` of `sql`; unbound parameters are NULL, which does not change the plan. */
export function explainQueryPlan(db: SqlDatabase, sql: string, params: Params = {}): PlanStep[] {
  return db.query(`EXPLAIN QUERY PLAN ${sql}`, params).map((r) => ({ id: Number(r.id), parent: Number(r.parent), detail: String(r.detail) }));
}

/** The plan as one line: `SEARCH kv USING INDEX kv_job_id (<expr>=?)`, steps joined by `; `. */
export function planText(plan: readonly PlanStep[]): string {
  return plan.map((s) => s.detail).join('; ');
}

/**
 * The steps that read a whole table, index or table-valued function. A scan of a subquery's or
 * view's own result (`SCAN (subquery-1)`, or `SCAN m` after `CO-ROUTINE m`) is not one: the
 * steps inside it are judged themselves. `SCAN CONSTANT ROW` is not either.
 */
export function fullScans(plan: readonly PlanStep[], sql?: string): FullScan[] {
  const derived = new Set<string>();
  for (const s of plan) {
    const m = /^(?:CO-ROUTINE|MATERIALIZE) (.+)$/.exec(s.detail);
    if (m) derived.add((m[1] as string).trim());
  }
  const from = sql === undefined ? new Map<string, FromItem>() : allFromItems(sql);
  const out: FullScan[] = [];
  for (const s of plan) {
    const m = /^SCAN (\([^)]*\)|\S+)(.*)$/.exec(s.detail);
    if (!m) continue;
    const alias = m[1] as string;
    const rest = m[2] as string;
    if (alias === 'CONSTANT' && rest.trim() === 'ROW') continue;
    if (alias.startsWith('(') || derived.has(alias)) continue;
    const item = from.get(alias.toLowerCase());
    if (item?.kind === 'subquery') continue;
    const via: FullScan['via'] = /VIRTUAL TABLE/.test(rest) || item?.kind === 'function' ? 'function' : /USING (COVERING )?INDEX/.test(rest) ? 'index' : 'table';
    out.push({ alias, table: item?.name ?? (item ? undefined : alias), via, detail: s.detail });
  }
  return out;
}

/**
 * The plan of a collection's key lookup on `side` (what `RecordAccess.readRecord` runs for every
 * write's existence check and every record a backfill or reverse-sync copies), and the index that
 * makes it a search when it scans.
 */
export function checkKeyLookup(db: SqlDatabase, collection: Collection, side: Side): PlanCheck {
  const sql = keyLookupSql(collection, side);
  const plan = explainQueryPlan(db, sql);
  const all = fullScans(plan, sql);
  const scans = all.filter((s) => s.via !== 'function');
  if (scans.length === 0) return { sql, plan, scans };
  const rows = collection.rows[side];
  const items = selectItems(rows);
  const from = fromItems(rows);
  if (!items || !from) return { sql, plan, scans, why: whyNoIndex(all, 'the canonical rows query is not one plain SELECT (a compound or WITH query), so which column holds the key could not be told') };
  const terms: IndexTerm[] = [];
  for (const k of collection.key) {
    const item = items.find((i) => i.name.toLowerCase() === k.toLowerCase());
    if (!item) continue;
    const term = indexTerm(item.tokens, from);
    if (term) terms.push({ ...term, label: k, range: false });
  }
  return withFix(db, sql, {}, plan, all, terms, `the key (${collection.key.join(', ')}) is not a column or an expression of one scanned table in the rows query`);
}

/** The plan of a read's SQL on one side, and the index that makes it a search when it scans. */
export function checkRead(db: SqlDatabase, sql: string): PlanCheck {
  const plan = explainQueryPlan(db, sql);
  const all = fullScans(plan, sql);
  const scans = all.filter((s) => s.via !== 'function');
  if (scans.length === 0) return { sql, plan, scans };
  const from = fromItems(sql);
  const where = whereTerms(sql);
  if (!from || !where) return { sql, plan, scans, why: whyNoIndex(all, 'its WHERE clause has no terms comparing a column with parameters (or joins them with OR)') };
  const terms: IndexTerm[] = [];
  for (const w of where) {
    const term = indexTerm(w.column, from);
    if (term) terms.push({ ...term, label: w.label, range: w.range });
  }
  return withFix(db, sql, {}, plan, all, terms, 'its WHERE clause compares no column of a scanned table with parameters');
}

/** Where a check belongs in a scenario: the path a warning is reported at, and what was checked. */
export interface ScenarioPlanCheck {
  /** `collections.<name>.rows.<side>` for a key lookup, `operations.<read>.<side>` for a read. */
  readonly path: string;
  readonly kind: 'key-lookup' | 'read';
  readonly side: Side;
  /** The collection (key lookups) or read operation (reads). */
  readonly name: string;
  readonly check: PlanCheck;
  /** The schema an offered index belongs to (`schema.old` or `schema.new`), by the side declaring the table. */
  readonly schemaPath?: string;
}

/**
 * Every key lookup and every read of a scenario, planned on `db(side)` (databases holding the
 * schemas; in `shared` topology the same one for both sides). Checks that fail to plan (a query
 * that does not prepare) are left out: the validator reports those already.
 */
export function scenarioPlanChecks(scenario: Scenario, db: (side: Side) => SqlDatabase): ScenarioPlanCheck[] {
  const out: ScenarioPlanCheck[] = [];
  const sides: readonly Side[] = ['old', 'new'];
  const add = (entry: Omit<ScenarioPlanCheck, 'schemaPath'>): void => {
    const table = entry.check.fix?.tables[0];
    const declared = table === undefined ? undefined : declaringSide(scenario, table, entry.side);
    out.push({ ...entry, ...(declared ? { schemaPath: `schema.${declared}` } : {}) });
  };
  for (const [name, collection] of Object.entries(scenario.collections)) {
    for (const side of sides) {
      const check = tryPlan(() => checkKeyLookup(db(side), collection, side));
      if (check) add({ path: `collections.${name}.rows.${side}`, kind: 'key-lookup', side, name, check });
    }
  }
  for (const [name, op] of Object.entries(scenario.operations)) {
    if (op.kind !== 'read') continue;
    for (const side of sides) {
      const sql = op[side];
      if (!sql) continue;
      const check = tryPlan(() => checkRead(db(side), sql));
      if (check) add({ path: `operations.${name}.${side}`, kind: 'read', side, name, check });
    }
  }
  return out;
}

/**
 * A warning's text for a check whose plan scans and an index would fix (undefined otherwise): what
 * scans, what that costs, and the index to declare in which schema. With `unfixable`, a scan no
 * index removes is reported too, with why (session-json's old side keeps sessions in a JSON array
 * per file; a listing read by a range SQLite still plans as a scan).
 */
export function planWarning(entry: ScenarioPlanCheck, options: { readonly unfixable?: boolean } = {}): string | undefined {
  const { check } = entry;
  if (check.scans.length === 0) return undefined;
  if (!check.fix && !options.unfixable) return undefined;
  const scanned = check.scans.map((s) => s.detail).join(', ');
  const what =
    entry.kind === 'key-lookup'
      ? `the lookup of one ${entry.name} record by key on ${entry.side} reads the whole table (${scanned}): every write's existence check and every record backfill or reverse-sync copies costs time in proportion to the table`
      : `the read ${entry.name} on ${entry.side} reads the whole table (${scanned}): each call costs time in proportion to the table`;
  if (check.fix) {
    const where = entry.schemaPath ?? 'the schema declaring the table';
    return `${what}; declare ${check.fix.statements.map((s) => `"${s}"`).join(' and ')} in ${where}, which makes it ${planText(check.fix.plan)}`;
  }
  return `${what}; ${check.why ?? 'no index found that makes it a search'}`;
}

/** The side whose schema creates `table`: `preferred` when its schema does (in `split` topology both may), else the other. */
export function declaringSide(scenario: Scenario, table: string, preferred: Side = 'old'): Side | undefined {
  for (const side of preferred === 'old' ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
    for (const ddl of scenario.schema[side]) {
      const t = significant(tokenize(ddl));
      let i = 0;
      if (!isWord(t[i], 'CREATE')) continue;
      i++;
      if (isWord(t[i], 'TEMP') || isWord(t[i], 'TEMPORARY')) i++;
      if (!isWord(t[i], 'TABLE') && !isWord(t[i], 'VIEW')) continue;
      i++;
      if (isWord(t[i], 'IF')) i += 3;
      if (t[i + 1]?.text === '.') i += 2;
      const name = t[i];
      if (name && unquote(name.text).toLowerCase() === table.toLowerCase()) return side;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Finding and trying the index

interface IndexTerm {
  /** The table indexed (a real table of the query's FROM). */
  readonly table: string;
  /** The column or expression, qualifiers removed. */
  readonly expression: string;
  /** A column name when the term is a plain column, for the index's name. */
  readonly column: string | undefined;
  readonly label: string;
  readonly range: boolean;
}

function tryPlan(plan: () => PlanCheck): PlanCheck | undefined {
  try {
    return plan();
  } catch {
    return undefined;
  }
}

function whyNoIndex(all: readonly FullScan[], fallback: string): string {
  const fn = all.find((s) => s.via === 'function');
  const table = all.find((s) => s.via !== 'function');
  if (fn && table) {
    return `no index can serve it: what it looks for is read out of each ${table.table ?? table.alias} row by the table-valued function ${fn.table ?? 'json_each'} (${fn.alias}), so every row and its whole JSON are read; only a schema holding the value in a column of its own, or as one JSON path of a row (an expression index on json_extract), makes it a search`;
  }
  return `no index is offered: ${fallback}`;
}

/** Tries indexes built from `terms` (per scanned table: equalities, then one range); the first that removes that table's scans is the fix. */
function withFix(db: SqlDatabase, sql: string, params: Params, plan: PlanStep[], all: FullScan[], terms: readonly IndexTerm[], noTerms: string): PlanCheck {
  const scans = all.filter((s) => s.via !== 'function');
  const scannedTables = new Set(scans.filter((s) => s.via !== 'function' && s.table !== undefined).map((s) => (s.table as string).toLowerCase()));
  const byTable = new Map<string, IndexTerm[]>();
  for (const t of terms) {
    if (!scannedTables.has(t.table.toLowerCase())) continue;
    const list = byTable.get(t.table) ?? [];
    if (!list.some((x) => x.expression === t.expression)) list.push(t);
    byTable.set(t.table, list);
  }
  if (byTable.size === 0) return { sql, plan, scans, why: whyNoIndex(all, noTerms) };
  const statements: string[] = [];
  const tables: string[] = [];
  for (const [table, list] of byTable) {
    const eq = list.filter((t) => !t.range);
    const range = list.find((t) => t.range);
    const cols = [...eq, ...(range ? [range] : [])];
    const name = identifier(`${table}_${cols.map((c) => c.column ?? c.label).join('_')}`);
    statements.push(`CREATE INDEX ${name} ON ${quoteIfNeeded(table)} (${cols.map((c) => c.expression).join(', ')})`);
    tables.push(table);
  }
  const after = planWith(db, statements, sql, params);
  if (!after) return { sql, plan, scans, why: whyNoIndex(all, `${statements.join('; ')} could not be tried here`) };
  const left = fullScans(after, sql).filter((s) => s.table !== undefined && tables.some((t) => t.toLowerCase() === (s.table as string).toLowerCase()));
  if (left.length > 0) return { sql, plan, scans, why: whyNoIndex(all, `${statements.join('; ')} did not change the plan (${planText(after)})`) };
  return { sql, plan, scans, fix: { statements, tables, plan: after } };
}

/** The plan of `sql` with `statements` run first, all rolled back; undefined when they cannot be tried. */
function planWith(db: SqlDatabase, statements: readonly string[], sql: string, params: Params): PlanStep[] | undefined {
  if (db.inTransaction) return undefined;
  db.exec('BEGIN');
  try {
    for (const s of statements) db.exec(s);
    return explainQueryPlan(db, sql, params);
  } catch {
    return undefined;
  } finally {
    db.exec('ROLLBACK');
  }
}

/** The index term a column operand gives: one table's column or expression, qualifiers removed. */
function indexTerm(operand: readonly SqlToken[], from: Map<string, FromItem>): Omit<IndexTerm, 'label' | 'range'> | undefined {
  const tokens = trim(operand);
  const sig = significant(tokens);
  if (sig.length === 0) return undefined;
  const qualifiers = new Set<string>();
  for (let i = 0; i + 2 < sig.length; i++) {
    if (sig[i + 1]?.text === '.' && isName(sig[i]) && isName(sig[i + 2])) qualifiers.add(unquote((sig[i] as SqlToken).text).toLowerCase());
  }
  let item: FromItem | undefined;
  if (qualifiers.size === 1) item = from.get([...qualifiers][0] as string);
  else if (qualifiers.size === 0) {
    const tables = new Map([...from.values()].map((f) => [`${f.kind} ${f.name}`, f]));
    if (tables.size === 1) item = [...tables.values()][0];
  }
  if (!item || item.kind !== 'table') return undefined;
  if (!hasColumnRef(sig)) return undefined;
  // Drop "alias." (and "table.") before each column: an index names its table's columns bare.
  const out: SqlToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as SqlToken;
    const next = nextSignificant(tokens, i);
    if (isName(t) && next !== undefined && tokens[next]?.text === '.' && qualifiers.has(unquote(t.text).toLowerCase())) {
      i = next;
      continue;
    }
    out.push(t);
  }
  const expression = out.map((t) => t.text).join('').trim();
  const bare = significant(out);
  const column = bare.length === 1 && isName(bare[0]) ? unquote((bare[0] as SqlToken).text) : undefined;
  return { table: item.name, expression: column !== undefined ? quoteIfNeeded(column) : expression, column };
}

// ---------------------------------------------------------------------------------------------
// A little SQL structure from tokens: the top-level select list, FROM items and WHERE terms of
// one plain SELECT. Anything it does not follow (compounds, WITH) gives undefined.

interface FromItem {
  readonly kind: 'table' | 'function' | 'subquery';
  readonly name: string;
}

interface SelectItem {
  readonly name: string;
  readonly tokens: readonly SqlToken[];
}

interface WhereTerm {
  readonly column: readonly SqlToken[];
  readonly label: string;
  readonly range: boolean;
}

const KEYWORDS = new Set(
  'ABORT ACTION ALL AND AS ASC BETWEEN BY CASE CAST COLLATE CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DESC DISTINCT ELSE END ESCAPE EXCEPT EXISTS FALSE FILTER FROM FULL GLOB GROUP HAVING IN INNER INTERSECT IS ISNULL JOIN LEFT LIKE LIMIT MATCH NATURAL NOT NOTNULL NULL OFFSET ON OR ORDER OUTER OVER REGEXP RIGHT SELECT THEN TRUE UNION USING VALUES WHEN WHERE WINDOW WITH INTEGER TEXT REAL BLOB NUMERIC'.split(' '),
);

const CLAUSE_END = new Set(['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'INTERSECT', 'EXCEPT']);
const JOIN_WORDS = new Set(['JOIN', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'CROSS', 'NATURAL']);

interface Located {
  readonly token: SqlToken;
  readonly index: number;
  readonly depth: number;
}

function locate(tokens: readonly SqlToken[]): Located[] {
  const out: Located[] = [];
  let depth = 0;
  tokens.forEach((token, index) => {
    if (token.kind === 'space' || token.kind === 'comment') return;
    if (token.text === ')') depth--;
    out.push({ token, index, depth });
    if (token.text === '(') depth++;
  });
  return out;
}

const word = (l: Located | undefined): string => (l && l.token.kind === 'ident' ? l.token.text.toUpperCase() : '');

/** The top-level tokens of a plain SELECT, or undefined for a compound or WITH query. */
function topLevel(sql: string): { tokens: SqlToken[]; located: Located[] } | undefined {
  const tokens = tokenize(sql);
  const located = locate(tokens);
  if (word(located[0]) !== 'SELECT') return undefined;
  if (located.some((l) => l.depth === 0 && ['UNION', 'INTERSECT', 'EXCEPT'].includes(word(l)))) return undefined;
  return { tokens, located };
}

function clause(located: readonly Located[], start: string): { from: number; to: number } | undefined {
  const at = located.findIndex((l) => l.depth === 0 && word(l) === start);
  if (at < 0) return undefined;
  let to = at + 1;
  while (to < located.length) {
    const l = located[to] as Located;
    if (l.depth === 0 && (CLAUSE_END.has(word(l)) || (start === 'SELECT' && word(l) === 'FROM'))) break;
    to++;
  }
  return { from: at + 1, to };
}

function selectItems(sql: string): SelectItem[] | undefined {
  const top = topLevel(sql);
  if (!top) return undefined;
  const { tokens, located } = top;
  const c = clause(located, 'SELECT');
  if (!c) return undefined;
  let from = c.from;
  if (['DISTINCT', 'ALL'].includes(word(located[from]))) from++;
  const items: SelectItem[] = [];
  for (const part of splitAt(located, from, c.to, (l) => l.token.text === ',')) {
    const last = part[part.length - 1];
    const beforeLast = part[part.length - 2];
    if (!last) continue;
    let expr = part;
    let name: string | undefined;
    if (beforeLast && last.depth === 0 && isName(last.token) && word(beforeLast) === 'AS') {
      name = unquote(last.token.text);
      expr = part.slice(0, -2);
    } else if (beforeLast && last.depth === 0 && isName(last.token) && !KEYWORDS.has(last.token.text.toUpperCase()) && (beforeLast.token.text === ')' || isName(beforeLast.token))) {
      // An alias without AS: "count(*) n", "f.path path".
      name = unquote(last.token.text);
      expr = part.slice(0, -1);
    } else if (isName(last.token) && (part.length === 1 || (part.length === 3 && beforeLast?.token.text === '.'))) {
      // A column keeps its own name.
      name = unquote(last.token.text);
    }
    const first = expr[0];
    const end = expr[expr.length - 1];
    if (name === undefined || !first || !end) continue;
    items.push({ name, tokens: tokens.slice(first.index, end.index + 1) });
  }
  return items;
}

function fromItems(sql: string): Map<string, FromItem> | undefined {
  const top = topLevel(sql);
  if (!top) return undefined;
  return fromOf(top.located, 0);
}

/** Every FROM item of every SELECT in `sql`, subqueries' included, by alias (for naming plan steps). */
function allFromItems(sql: string): Map<string, FromItem> {
  const located = locate(tokenize(sql));
  const out = new Map<string, FromItem>();
  located.forEach((l, i) => {
    if (word(l) !== 'FROM') return;
    for (const [k, v] of fromOf(located, i, l.depth)) if (!out.has(k)) out.set(k, v);
  });
  return out;
}

/** The FROM items after the first FROM at `depth` from `start`, by lower-case alias (the name itself without one). */
function fromOf(located: readonly Located[], start: number, depth = 0): Map<string, FromItem> {
  const out = new Map<string, FromItem>();
  const at = located.findIndex((l, i) => i >= start && l.depth === depth && word(l) === 'FROM');
  if (at < 0) return out;
  let i = at + 1;
  while (i < located.length) {
    const l = located[i] as Located;
    if (l.depth < depth || (l.depth === depth && (CLAUSE_END.has(word(l)) || l.token.text === ')'))) break;
    if (l.depth === depth && (l.token.text === ',' || JOIN_WORDS.has(word(l)))) {
      i++;
      continue;
    }
    if (l.depth === depth && (word(l) === 'ON' || word(l) === 'USING')) {
      // The join constraint: skip to the next item.
      i++;
      while (i < located.length) {
        const n = located[i] as Located;
        if (n.depth < depth || (n.depth === depth && (n.token.text === ',' || JOIN_WORDS.has(word(n)) || CLAUSE_END.has(word(n))))) break;
        i++;
      }
      continue;
    }
    let kind: FromItem['kind'];
    let name: string;
    if (l.token.text === '(') {
      kind = 'subquery';
      name = '(subquery)';
      i = closing(located, i) + 1;
    } else if (isName(l.token)) {
      name = unquote(l.token.text);
      i++;
      if (located[i]?.token.text === '.' && located[i + 1] && isName((located[i + 1] as Located).token)) {
        name = unquote((located[i + 1] as Located).token.text);
        i += 2;
      }
      kind = 'table';
      if (located[i]?.token.text === '(') {
        kind = 'function';
        i = closing(located, i) + 1;
      }
    } else {
      i++;
      continue;
    }
    let alias = name;
    if (word(located[i]) === 'AS') i++;
    const a = located[i];
    if (a && a.depth === depth && isName(a.token) && !KEYWORDS.has(a.token.text.toUpperCase())) {
      alias = unquote(a.token.text);
      i++;
    }
    out.set(alias.toLowerCase(), { kind, name });
    if (alias !== name && kind !== 'subquery' && !out.has(name.toLowerCase())) out.set(name.toLowerCase(), { kind, name });
  }
  return out;
}

function closing(located: readonly Located[], open: number): number {
  const depth = (located[open] as Located).depth;
  for (let j = open + 1; j < located.length; j++) {
    const l = located[j] as Located;
    if (l.token.text === ')' && l.depth === depth) return j;
  }
  return located.length - 1;
}

/** The WHERE clause's terms `operand op constant` (= == IS < <= > >=), joined by AND; undefined with a top-level OR. */
function whereTerms(sql: string): WhereTerm[] | undefined {
  const top = topLevel(sql);
  if (!top) return undefined;
  const { tokens, located } = top;
  const c = clause(located, 'WHERE');
  if (!c) return undefined;
  if (located.slice(c.from, c.to).some((l) => l.depth === 0 && word(l) === 'OR')) return undefined;
  const out: WhereTerm[] = [];
  let between = false;
  const parts = splitAt(located, c.from, c.to, (l) => {
    if (word(l) === 'BETWEEN') between = true;
    if (word(l) !== 'AND') return false;
    if (between) {
      between = false;
      return false;
    }
    return true;
  });
  for (const part of parts) {
    const term = comparison(tokens, part);
    if (term) out.push(term);
  }
  return out;
}

function comparison(tokens: readonly SqlToken[], part: readonly Located[]): WhereTerm | undefined {
  for (let i = 0; i < part.length; i++) {
    const l = part[i] as Located;
    if (l.depth !== 0) continue;
    const text = l.token.text;
    let opEnd = i + 1;
    let range = false;
    if (text === '=') {
      if (part[i + 1]?.token.text === '=') opEnd = i + 2;
    } else if (text === '<' || text === '>') {
      const next = part[i + 1]?.token.text;
      if (next === '>') return undefined; // <>: no index serves "not equal"
      if (next === '=') opEnd = i + 2;
      range = true;
    } else if (word(l) === 'IS') {
      if (word(part[i + 1]) === 'NOT') return undefined;
    } else if (word(l) === 'BETWEEN') {
      range = true;
    } else if (text === '!') return undefined;
    else continue;
    const lhs = part.slice(0, i);
    const rhs = part.slice(opEnd);
    const lhsColumn = hasColumnRef(lhs.map((x) => x.token));
    const rhsColumn = hasColumnRef(rhs.map((x) => x.token));
    if (lhsColumn === rhsColumn) return undefined; // a join term, or two constants
    const column = lhsColumn ? lhs : rhs;
    const constant = lhsColumn ? rhs : lhs;
    const first = column[0];
    const last = column[column.length - 1];
    if (!first || !last) return undefined;
    const param = constant.find((x) => x.token.kind === 'param');
    return { column: tokens.slice(first.index, last.index + 1), label: param ? param.token.text.slice(1) : 'value', range };
  }
  return undefined;
}

function splitAt(located: readonly Located[], from: number, to: number, isSeparator: (l: Located) => boolean): Located[][] {
  const parts: Located[][] = [[]];
  for (let i = from; i < to; i++) {
    const l = located[i] as Located;
    if (l.depth === 0 && isSeparator(l)) parts.push([]);
    else (parts[parts.length - 1] as Located[]).push(l);
  }
  return parts;
}

/** Whether tokens name a column: an identifier that is neither a keyword nor a function's name. */
function hasColumnRef(tokens: readonly SqlToken[]): boolean {
  const sig = significant(tokens);
  return sig.some((t, i) => {
    if (t.kind === 'quoted') return t.text.startsWith('"') || t.text.startsWith('`') || t.text.startsWith('[');
    if (t.kind !== 'ident') return false;
    if (KEYWORDS.has(t.text.toUpperCase())) return false;
    if (sig[i + 1]?.text === '(') return false;
    return true;
  });
}

function significant(tokens: readonly SqlToken[]): SqlToken[] {
  return tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

function trim(tokens: readonly SqlToken[]): SqlToken[] {
  let a = 0;
  let b = tokens.length;
  while (a < b && (tokens[a]?.kind === 'space' || tokens[a]?.kind === 'comment')) a++;
  while (b > a && (tokens[b - 1]?.kind === 'space' || tokens[b - 1]?.kind === 'comment')) b--;
  return tokens.slice(a, b);
}

function nextSignificant(tokens: readonly SqlToken[], i: number): number | undefined {
  for (let j = i + 1; j < tokens.length; j++) if (tokens[j]?.kind !== 'space' && tokens[j]?.kind !== 'comment') return j;
  return undefined;
}

function isName(t: SqlToken | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'ident') return true;
  return t.kind === 'quoted' && (t.text.startsWith('"') || t.text.startsWith('`') || t.text.startsWith('['));
}

function isWord(t: SqlToken | undefined, w: string): boolean {
  return t?.kind === 'ident' && t.text.toUpperCase() === w;
}

function unquote(text: string): string {
  const c = text[0];
  if (c === '"' || c === '`') return text.slice(1, -1).replaceAll(`${c}${c}`, c);
  if (c === '[') return text.slice(1, -1);
  return text;
}

function quoteIfNeeded(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase()) ? name : `"${name.replaceAll('"', '""')}"`;
}

function identifier(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return /^[A-Za-z_]/.test(s) ? s : `i_${s}`;
}
