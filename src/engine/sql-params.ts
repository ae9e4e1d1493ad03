/**
 * The lexer of SQL text the engine needs: it finds the named parameters a statement uses,
 * skipping string literals, quoted identifiers and comments. sql.js cannot list them, and the
 * scenario validator needs them to report a parameter the operation does not declare; the check
 * of computed values (`{ "expr" }`) uses the same tokens to rename parameters and find calls.
 */
export interface ParamScan {
  /** `:name` parameters, without the colon, in order of first use. */
  readonly named: readonly string[];
  /** Parameters in another style (`?`, `?1`, `$x`, `@x`): the format allows only `:name`. */
  readonly otherStyles: readonly string[];
}

/**
 * One piece of SQL text: a `:name` parameter, a parameter in another style (`?`, `?1`, `$x`,
 * `@x`), a bare identifier (or keyword), quoted text (a string literal or a quoted identifier), a
 * comment, white space, or one other character. The texts of a statement's tokens, joined, are the
 * statement.
 */
export interface SqlToken {
  readonly kind: 'param' | 'other-param' | 'ident' | 'quoted' | 'comment' | 'space' | 'other';
  readonly text: string;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/** Splits SQL text into tokens (a doubled quote inside quoted text escapes the quote). */
export function tokenize(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const identEnd = (from: number): number => {
    let j = from;
    while (j < sql.length && IDENT_PART.test(sql[j] as string)) j++;
    return j;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    let end = i + 1;
    let kind: SqlToken['kind'] = 'other';
    if (c === "'" || c === '"' || c === '`') {
      kind = 'quoted';
      while (end < sql.length) {
        if (sql[end] === c) {
          if (sql[end + 1] === c) end += 2;
          else break;
        } else end++;
      }
      end = Math.min(end + 1, sql.length);
    } else if (c === '[') {
      kind = 'quoted';
      const close = sql.indexOf(']', i + 1);
      end = close < 0 ? sql.length : close + 1;
    } else if (c === '-' && next === '-') {
      kind = 'comment';
      const close = sql.indexOf('\n', i);
      end = close < 0 ? sql.length : close + 1;
    } else if (c === '/' && next === '*') {
      kind = 'comment';
      const close = sql.indexOf('*/', i + 2);
      end = close < 0 ? sql.length : close + 2;
    } else if (c === ':' && next !== undefined && IDENT_START.test(next)) {
      kind = 'param';
      end = identEnd(i + 1);
    } else if ((c === '$' || c === '@') && next !== undefined && IDENT_START.test(next)) {
      kind = 'other-param';
      end = identEnd(i + 1);
    } else if (c === '?') {
      kind = 'other-param';
      while (end < sql.length && /[0-9]/.test(sql[end] as string)) end++;
    } else if (IDENT_START.test(c)) {
      // A whole identifier, so that a ':' inside one can't be misread.
      kind = 'ident';
      end = identEnd(i);
    } else if (/\s/.test(c)) kind = 'space';
    out.push({ kind, text: sql.slice(i, end) });
    i = end;
  }
  return out;
}

/** Lists the parameters in `sql`. */
export function scanParams(sql: string): ParamScan {
  const named: string[] = [];
  const otherStyles: string[] = [];
  for (const t of tokenize(sql)) {
    if (t.kind === 'param') {
      const name = t.text.slice(1);
      if (!named.includes(name)) named.push(name);
    } else if (t.kind === 'other-param') otherStyles.push(t.text);
  }
  return { named, otherStyles };
}
