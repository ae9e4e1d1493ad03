/** `checkScenario` through the engine host: a scenario file's text parsed and validated in the worker, nothing run or stored. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { jsonErrorOffset } from '../../src/worker/check-scenario.ts';
import { createEngineHost } from '../../src/worker/engine-host.ts';
import { nodeSql } from '../support/node.ts';

const lock = async () => ({ release: async () => undefined });
const example = (name: string): string => readFileSync(new URL(`../../docs/examples/${name}`, import.meta.url), 'utf8');
const host = async () => createEngineHost({ sql: await nodeSql(), backend: new MemoryBackend(), digest: webCryptoSha256, clock: new VirtualClock(0), lock });

describe('checkScenario', () => {
  it('accepts docs/examples/inventory.json with what the picker shows of it and no warnings', async () => {
    const check = await (await host()).checkScenario(example('inventory.json'));
    if (!check.ok) throw new Error(JSON.stringify(check.problems));
    expect(check.info.id).toBe('inventory');
    expect(check.info.title).toMatch(/^Inventory/);
    expect(check.info.topology).toBe('shared');
    expect(check.scenario.id).toBe('inventory');
    expect(check.warnings).toEqual([]);
  });

  it('accepts the truncating example with its warning at a path', async () => {
    const check = await (await host()).checkScenario(example('inventory-truncating.json'));
    if (!check.ok) throw new Error(JSON.stringify(check.problems));
    expect(check.warnings.length).toBeGreaterThan(0);
    for (const w of check.warnings) expect(w.path).not.toBe('');
  });

  it('lists a broken scenario\'s problems with their paths, and stores nothing', async () => {
    const h = await host();
    const broken = JSON.parse(example('inventory.json')) as Record<string, unknown>;
    broken.policy = 'sometimes';
    delete broken.title;
    const check = await h.checkScenario(JSON.stringify(broken));
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['policy', 'title']));
    expect(await h.list()).toEqual([]);
  });

  it('says where a file stops being JSON, by line and column', async () => {
    const check = await (await host()).checkScenario('{\n  "id": "x",\n  "title": oops\n}');
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]!.message).toMatch(/^not valid JSON \(at line 3, column 12\)/);
    const cut = await (await host()).checkScenario('{"id": "x", ');
    expect(!cut.ok && cut.problems[0]!.message).toMatch(/ends too soon/);
  });

  it('refuses a scenario with a built-in\'s id, at its path', async () => {
    const text = example('inventory.json').replace('"id": "inventory"', '"id": "job-keys"');
    const check = await (await host()).checkScenario(text);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toEqual([{ path: 'id', message: expect.stringMatching(/built-in scenario's id/) }]);
  });

  it('finds the first offending character of bad JSON', () => {
    for (const [text, at] of [['[1, 2,]', 6], ['{"a" 1}', 5], ['"\\x"', 2], ['tru', 3], ['{} x', 3], ['-', 0], ['{"a": "\\u12G4"}', 9]] as const) {
      expect([text, jsonErrorOffset(text)]).toEqual([text, at]);
    }
    expect(jsonErrorOffset('{"a": [1, -2.5e3, true, null, "\\u00e9"]}')).toBe(-1);
  });
});
