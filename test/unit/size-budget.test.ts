import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkBudget, initialChunks, readBudgetKb, type BundleEntry } from '../../scripts/size-budget.mjs';

/** `bytes` characters gzip cannot shrink much (base64 of chained hashes, about 3/4 of their size). */
function incompressible(bytes: number, seed: number): string {
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += createHash('sha256').update(`${seed}:${i}`).digest('base64');
  return out.slice(0, bytes);
}

const chunk = (fileName: string, code: string, imports: string[] = [], isEntry = false): BundleEntry => ({ type: 'chunk', fileName, code, imports, isEntry });

/** An entry importing a shared chunk statically and an editor dynamically, beside a worker and a wasm asset. */
function fakeBundle(editorBytes: number): Record<string, BundleEntry> {
  const entries = [
    chunk('assets/index.js', incompressible(40_000, 1), ['assets/lit.js'], true),
    chunk('assets/lit.js', incompressible(20_000, 2)),
    chunk('assets/sql-editor.js', incompressible(editorBytes, 3), ['assets/lit.js']),
    { type: 'asset', fileName: 'assets/engine.worker.js' } as const,
    { type: 'asset', fileName: 'assets/sql-wasm.wasm' } as const,
  ];
  return Object.fromEntries(entries.map((e) => [e.fileName, e]));
}

describe('size budget', () => {
  it('counts the entry and its static imports, not what is imported on demand or the assets', () => {
    const chunks = initialChunks(fakeBundle(300_000));
    expect(chunks.map((c) => c.fileName)).toEqual(['assets/index.js', 'assets/lit.js']);
    expect(chunks[0]!.bytes).toBe(40_000);
    expect(chunks[0]!.gzipBytes).toBeGreaterThan(28_000);
  });

  it('passes under the budget and names the total', () => {
    const result = checkBudget(fakeBundle(300_000), 150);
    expect(result.ok).toBe(true);
    expect(result.totalGzipBytes).toBeLessThan(150_000);
    expect(result.message).toMatch(/within the budget of 150 kB/);
  });

  it('fails over the budget, naming the budget, where it is set and the biggest chunks', () => {
    const bundle = fakeBundle(300_000);
    // The editor made static: it is now part of what the page loads first.
    bundle['assets/index.js'] = chunk('assets/index.js', incompressible(40_000, 1), ['assets/lit.js', 'assets/sql-editor.js'], true);
    const result = checkBudget(bundle, 150);
    expect(result.ok).toBe(false);
    expect(result.totalGzipBytes).toBeGreaterThan(150_000);
    expect(result.message).toMatch(/^Size budget exceeded: .* over the budget of 150 kB set in package\.json "sizeBudget\.initialJsGzipKb"/);
    const listed = result.message.split('Biggest initial chunks:\n')[1]!.split('\n').map((l) => l.trim().split(/\s+/)[0]);
    expect(listed).toEqual(['assets/sql-editor.js', 'assets/index.js', 'assets/lit.js']);
  });

  it('reads the one budget figure from package.json, and refuses a missing one', () => {
    expect(readBudgetKb(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))).toBe(150);
    expect(() => readBudgetKb('{"name":"x"}')).toThrow(/sizeBudget\.initialJsGzipKb/);
  });
});
