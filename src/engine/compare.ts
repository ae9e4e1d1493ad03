/**
 * Orders strings by UTF-16 code units. Unlike `localeCompare`, the order does not depend on the
 * machine's locale, so reports made from the same seed are the same bytes everywhere.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
