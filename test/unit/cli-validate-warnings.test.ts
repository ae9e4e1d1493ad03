/** `cutover-lab validate` prints the dry run's warnings after the valid line, and still exits 0. */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/harness/cli.ts';

const example = (name: string): string => resolve(import.meta.dirname, '../../docs/examples', name);

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, o: (s: string) => out.push(s), e: (s: string) => err.push(s) };
};

describe('cutover-lab validate with warnings', () => {
  it('prints the warning of inventory-truncating.json after "valid" and exits 0', async () => {
    const file = example('inventory-truncating.json');
    const c = capture();
    expect(await main(['validate', file], c.o, c.e)).toBe(0);
    expect(c.err).toEqual([]);
    expect(c.out.join('\n').split('\n')).toEqual([
      `${file}: valid — "inventory-truncating", shared topology, atomic policy, 1 collection(s), 5 writes, 2 reads`,
      '1 warning (not blocking: the scenario is valid):',
      'collections.items.rows.old: on the dry run\'s data the canonical query and the application\'s read getItem disagree on 10 of 20 records; the first: ["sku-12"] price_cents 114 (rows.old) vs 115 (getItem.old); backfill copies what the canonical query says, so a canonical query that normalises differently from the application copies the difference to new — make the two compute the field the same way',
    ]);
  });

  it("prints what docs/cli.md shows for it, given the path from the repository's root", async () => {
    const root = resolve(import.meta.dirname, '../..');
    const c = capture();
    await main(['validate', relative(process.cwd(), example('inventory-truncating.json'))], c.o, c.e);
    const printed = c.out.join('\n').replace(relative(process.cwd(), example('inventory-truncating.json')), 'docs/examples/inventory-truncating.json');
    const doc = await readFile(resolve(root, 'docs/cli.md'), 'utf8');
    expect(doc).toContain(`$ npx cutover-lab validate docs/examples/inventory-truncating.json\n${printed}\n\`\`\``);
  });

  it('prints only the valid line for inventory.json', async () => {
    const file = example('inventory.json');
    const c = capture();
    expect(await main(['validate', file], c.o, c.e)).toBe(0);
    expect(c.out).toEqual([`${file}: valid — "inventory", shared topology, atomic policy, 1 collection(s), 5 writes, 2 reads`]);
  });
});
