/**
 * docs/cli.md shows the simulate summary as the command prints it: the figures of its job-keys
 * example (3 seeds × 100 operations) and the warnings block of session-json. A line the page elides
 * with "…" is compared up to it.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/harness/cli.ts';

const doc = (): Promise<string> => readFile(resolve(import.meta.dirname, '../../docs/cli.md'), 'utf8');

async function printed(args: string[]): Promise<string[]> {
  const out: string[] = [];
  await main(['simulate', ...args], (s) => out.push(s), () => undefined);
  return out.join('\n').split('\n');
}

/** The fenced block of the page that starts with `first`. */
function block(page: string, first: string): string[] {
  const lines = page.split('\n');
  const start = lines.indexOf(first);
  expect(start, `docs/cli.md has a block starting "${first}"`).toBeGreaterThanOrEqual(0);
  return lines.slice(start, lines.indexOf('```', start));
}

/** Each documented line is the printed one, or its start when the page cuts it with "…". */
function expectShown(documented: readonly string[], lines: readonly string[]): void {
  for (const [i, d] of documented.entries()) {
    const cut = d.indexOf('…');
    if (cut >= 0) expect(lines[i]?.startsWith(d.slice(0, cut)), `line ${i}: ${d}`).toBe(true);
    else expect(lines[i], `line ${i}`).toBe(d);
  }
}

describe('docs/cli.md, simulate', () => {
  it('shows the job-keys summary with the figures the command prints, operations explained', async () => {
    const lines = await printed(['--scenario', 'job-keys', '--seeds', '3', '--ops', '100']);
    const documented = block(await doc(), 'Cutover Lab simulation — job-keys: 3 seeds × 100 operations, fault rate 0.1, durability strict');
    expectShown(documented, lines);
    expect(documented.find((l) => l.trimStart().startsWith('operations'))).toMatch(/\(every one in the histories: seed data, the workload, the operator's reads for the shadow gate\)$/);
  }, 60_000);

  it("shows session-json's move warning as printed", async () => {
    const lines = await printed(['--scenario', 'session-json', '--seeds', '3', '--ops', '100']);
    const documented = block(await doc(), 'Warnings of the moves made (1, each once; the guards allowed the moves):');
    const start = lines.indexOf(documented[0] ?? '');
    expectShown(documented, lines.slice(start));
  }, 60_000);
});
