/**
 * The one SQL lexer of the engine (`tokenize` in src/engine/sql-params.ts), shared by `scanParams`
 * and the check of computed values: it scans parameters exactly as `scanParams` did before it was
 * shared (the old scanner is kept below as the oracle), and its tokens join back to the text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanParams, tokenize } from '../../src/engine/sql-params.ts';

/** `scanParams` as it was, with its own character loop (commit 995d649). */
function scanParamsBefore(sql: string): { named: string[]; otherStyles: string[] } {
  const IDENT_START = /[A-Za-z_]/;
  const IDENT_PART = /[A-Za-z0-9_]/;
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
      i = readIdent(i);
    } else {
      i++;
    }
  }
  return { named, otherStyles };
}

/** SQL-ish text built from the pieces the lexer treats specially, unterminated ones included. */
const piece = fc.constantFrom(
  ':a', ':price', ':x1', ':', '::b', '$v', '@w', '?', '?12', '$', '@', "'", "''", "'it''s :q'", '"', '"col :r"', '`', '`t`', '[', '[x :s]', ']',
  '--', '-- c :t\n', '/*', '/* :u */', '*/', '*', '-', '/', '\n', ' ', '\t', 'a', 'b_c', 'x:y', '1', '9z', 'SELECT', '(', ')', ';', ',', 'é', '_', '>',
);
const sqlText = fc.array(piece, { maxLength: 24 }).map((ps) => ps.join(''));

describe('the shared SQL tokenizer', () => {
  it('scans parameters exactly as scanParams did before it was shared', () => {
    fc.assert(
      fc.property(fc.oneof(sqlText, fc.string({ maxLength: 40 })), (sql) => {
        expect(scanParams(sql)).toEqual(scanParamsBefore(sql));
      }),
      { numRuns: 3000, seed: 20250101 },
    );
  });

  it('splits text into tokens that join back to it', () => {
    fc.assert(
      fc.property(fc.oneof(sqlText, fc.string({ maxLength: 40 })), (sql) => {
        expect(tokenize(sql).map((t) => t.text).join('')).toBe(sql);
      }),
      { numRuns: 3000, seed: 20250102 },
    );
  });

  it('names each kind of token', () => {
    expect(tokenize("SELECT :a, $b, ?2 FROM t -- :c\n/* :d */ WHERE x = 'e :f'").filter((t) => t.kind !== 'space')).toEqual([
      { kind: 'ident', text: 'SELECT' },
      { kind: 'param', text: ':a' },
      { kind: 'other', text: ',' },
      { kind: 'other-param', text: '$b' },
      { kind: 'other', text: ',' },
      { kind: 'other-param', text: '?2' },
      { kind: 'ident', text: 'FROM' },
      { kind: 'ident', text: 't' },
      { kind: 'comment', text: '-- :c\n' },
      { kind: 'comment', text: '/* :d */' },
      { kind: 'ident', text: 'WHERE' },
      { kind: 'ident', text: 'x' },
      { kind: 'other', text: '=' },
      { kind: 'quoted', text: "'e :f'" },
    ]);
  });
});
