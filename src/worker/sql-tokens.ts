/**
 * A small SQLite tokenizer for the console's rules. Regular expressions over the text can be
 * fooled by comments and quoting (`/* -- *\/ ATTACH …`, `PRAGMA "writable_schema"`); a tokenizer
 * that reads comments, strings and quoted identifiers the way SQLite does cannot.
 */

/** One token: a keyword or identifier (quotes removed, `quoted` set), a string, a number, a symbol. */
export interface SqlToken {
  readonly kind: 'word' | 'string' | 'number' | 'symbol' | 'blob';
  /** Words upper-cased unless quoted; strings without their quotes. */
  readonly text: string;
  readonly quoted: boolean;
}

/** The tokens of `sql`, comments and whitespace dropped. Unterminated quotes or comments run to the end. */
export function tokenize(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const n = sql.length;
  const readQuoted = (close: string): string => {
    let text = '';
    i++;
    while (i < n) {
      const c = sql[i] as string;
      if (c === close) {
        if (sql[i + 1] === close && close !== ']') {
          text += close;
          i += 2;
          continue;
        }
        i++;
        return text;
      }
      text += c;
      i++;
    }
    return text;
  };
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if ((c === 'x' || c === 'X') && next === "'") {
      i++;
      out.push({ kind: 'blob', text: readQuoted("'"), quoted: true });
    } else if (c === "'") {
      out.push({ kind: 'string', text: readQuoted("'"), quoted: true });
    } else if (c === '"' || c === '`') {
      out.push({ kind: 'word', text: readQuoted(c), quoted: true });
    } else if (c === '[') {
      out.push({ kind: 'word', text: readQuoted(']'), quoted: true });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j] as string)) j++;
      out.push({ kind: 'word', text: sql.slice(i, j).toUpperCase(), quoted: false });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(sql[j] as string)) j++;
      out.push({ kind: 'number', text: sql.slice(i, j), quoted: false });
      i = j;
    } else {
      out.push({ kind: 'symbol', text: c, quoted: false });
      i++;
    }
  }
  return out;
}

/** Identifiers as SQLite compares them: case-insensitively. */
export function identifier(token: SqlToken): string {
  return token.text.toLowerCase();
}
