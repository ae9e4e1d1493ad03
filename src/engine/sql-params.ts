/**
 * Finds the named parameters a statement uses, skipping string literals, quoted identifiers and
 * comments. sql.js cannot list them, and the scenario validator needs them to report a parameter
 * the operation does not declare.
 */
export interface ParamScan {
  /** `:name` parameters, without the colon, in order of first use. */
  readonly named: readonly string[];
  /** Parameters in another style (`?`, `?1`, `$x`, `@x`): the format allows only `:name`. */
  readonly otherStyles: readonly string[];
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/** Lists the parameters in `sql`. */
export function scanParams(sql: string): ParamScan {
  const named: string[] = [];
  const otherStyles: string[] = [];
  let i = 0;
  const readIdent = (from: number): number => {
    let j = from;
    while (j < sql.length && IDENT_PART.test(sql[j] as string)) j++;
    return j;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      // Quoted text: a doubled quote is an escaped quote.
      i++;
      while (i < sql.length) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '[') {
      const end = sql.indexOf(']', i + 1);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === ':' && next !== undefined && IDENT_START.test(next)) {
      const end = readIdent(i + 1);
      const name = sql.slice(i + 1, end);
      if (!named.includes(name)) named.push(name);
      i = end;
    } else if ((c === '$' || c === '@') && next !== undefined && IDENT_START.test(next)) {
      const end = readIdent(i + 1);
      otherStyles.push(sql.slice(i, end));
      i = end;
    } else if (c === '?') {
      let end = i + 1;
      while (end < sql.length && /[0-9]/.test(sql[end] as string)) end++;
      otherStyles.push(sql.slice(i, end));
      i = end;
    } else if (IDENT_START.test(c)) {
      // Skip whole identifiers so that a ':' inside one can't be misread.
      i = readIdent(i);
    } else {
      i++;
    }
  }
  return { named, otherStyles };
}
