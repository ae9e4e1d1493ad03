/**
 * Share links (issue 13, item 6): the page's encoder and decoder (CompressionStream, run here in
 * Node, which has the same streams) and the CLI's (zlib) read and write the same format; hostile
 * links are refused with a message saying what to do, and none of them touches Object.prototype.
 */
import { deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { base64UrlDecode, base64UrlEncode, MAX_SHARE_ENCODED_CHARS, SHARE_PREFIX } from '../../src/engine/share-format.ts';
import { decodeShareNode, encodeShareNode, shareLink } from '../../src/harness/share.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { decodeShare, encodeShare } from '../../src/ui/share/share-link.ts';
import { validateScenario } from '../../src/engine/scenario/validate.ts';
import { nodeSql } from '../support/node.ts';

const scenario = BUILT_IN_SCENARIOS['job-keys']!;
const plan = { format: 1, scenario: 'job-keys', steps: [{ kind: 'move', to: 'dual-write' }] };

/** A fragment holding exactly this JSON text. */
const fragmentOf = (json: string): string => `${SHARE_PREFIX}v1.${base64UrlEncode(new Uint8Array(deflateRawSync(Buffer.from(json, 'utf8'))))}`;

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();
afterEach(() => {
  // No hostile link leaves anything on Object.prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});

describe('share links round-trip', () => {
  it('the page encodes and decodes a scenario with its plan and seed', async () => {
    const fragment = await encodeShare({ scenario, plan, seed: 42 });
    expect(fragment).toMatch(/^#share=v1\.[A-Za-z0-9_-]+$/);
    expect(await decodeShare(fragment)).toEqual({ ok: true, value: { scenario, plan, seed: 42 } });
    // Without plan and seed, they stay absent; the leading "#" is optional.
    expect(await decodeShare((await encodeShare({ scenario })).slice(1))).toEqual({ ok: true, value: { scenario } });
  });

  it('a link the CLI makes (zlib) decodes with the page decoder, and the other way round', async () => {
    const fromNode = encodeShareNode({ scenario, plan, seed: 7 });
    expect(await decodeShare(fromNode)).toEqual({ ok: true, value: { scenario, plan, seed: 7 } });
    expect(decodeShareNode(await encodeShare({ scenario, seed: 3 }))).toEqual({ ok: true, value: { scenario, seed: 3 } });
  });

  it('shareLink puts the fragment on CUTOVER_LAB_URL or the local preview address', () => {
    expect(shareLink({ scenario }, 'https://lab.example/play/')).toMatch(/^https:\/\/lab\.example\/play\/#share=v1\./);
    const saved = process.env.CUTOVER_LAB_URL;
    delete process.env.CUTOVER_LAB_URL;
    try {
      expect(shareLink({ scenario })).toMatch(/^http:\/\/localhost:4173\/#share=v1\./);
    } finally {
      if (saved !== undefined) process.env.CUTOVER_LAB_URL = saved;
    }
  });

  it('base64url survives every byte value and length', () => {
    for (let n = 0; n < 8; n++) {
      const bytes = Uint8Array.from({ length: 250 + n }, (_, i) => (i * 37 + n) & 255);
      expect(base64UrlDecode(base64UrlEncode(bytes))).toEqual(bytes);
    }
  });
});

describe('hostile share links are refused, nothing run', () => {
  const refused = async (fragment: string, reason: RegExp): Promise<void> => {
    const page = await decodeShare(fragment);
    expect(page).toEqual({ ok: false, reason: expect.stringMatching(reason) });
    expect(decodeShareNode(fragment)).toEqual(page);
  };

  it('an oversized link, before decoding it', async () => {
    await refused(`${SHARE_PREFIX}v1.${'A'.repeat(MAX_SHARE_ENCODED_CHARS + 1)}`, /too long \(65537 characters encoded, at most 65536\): share the scenario as a file/);
  });

  it('a decompression bomb (10 MB of zeros, compressed), stopped at the cap', async () => {
    const bomb = `${SHARE_PREFIX}v1.${base64UrlEncode(new Uint8Array(deflateRawSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 })))}`;
    expect(bomb.length).toBeLessThan(MAX_SHARE_ENCODED_CHARS);
    await refused(bomb, /expands to more than 256 KiB: it was refused before it expanded further/);
  });

  it('invalid JSON, bytes that do not decompress, text that is not base64url, a cut-off link', async () => {
    await refused(fragmentOf('{"format": "cutover-lab/share", "scenario": {'), /does not hold valid JSON/);
    await refused(`${SHARE_PREFIX}v1.${base64UrlEncode(new Uint8Array([255, 1, 2, 3, 4, 5]))}`, /damaged \(its bytes do not decompress\)/);
    await refused(`${SHARE_PREFIX}v1.abc<def`, /characters a link never has/);
    await refused(`${SHARE_PREFIX}v1.abcde`, /cut off or damaged/);
    await refused(`${SHARE_PREFIX}v1.`, /empty after its version/);
  });

  it('a wrong or missing version, and a fragment that is not a share link', async () => {
    await refused(`${SHARE_PREFIX}v2.${base64UrlEncode(new Uint8Array([1]))}`, /version "v2", and this playground reads "v1" only/);
    await refused(`${SHARE_PREFIX}abc`, /version "abc"/);
    await refused('#other=1', /not a share link/);
  });

  it('__proto__, constructor and prototype keys at any depth', async () => {
    const cases = [
      '{"__proto__": {"polluted": 1}, "format": "cutover-lab/share", "scenario": {}}',
      '{"format": "cutover-lab/share", "scenario": {"__proto__": {"polluted": 1}}}',
      '{"format": "cutover-lab/share", "scenario": {"operations": {"x": {"params": {"__proto__": {"polluted": 1}}}}}}',
      '{"format": "cutover-lab/share", "scenario": {"seedData": [{"operation": "a", "__proto__": {"polluted": 1}}]}}',
      '{"format": "cutover-lab/share", "scenario": {"constructor": {"prototype": {"polluted": 1}}}}',
      '{"format": "cutover-lab/share", "scenario": {}, "plan": {"steps": [{"prototype": {"polluted": 1}}]}}',
    ];
    for (const json of cases) await refused(fragmentOf(json), /holds a key "(__proto__|constructor|prototype)", which no scenario or plan has/);
  });

  it('unknown keys at the top, a wrong format, a missing scenario, a seed that is not a number', async () => {
    await refused(fragmentOf('{"format": "cutover-lab/share", "scenario": {}, "data": [[1, 2]]}'), /unknown key "data" \(a link has format, scenario, plan, seed only\)/);
    await refused(fragmentOf('{"format": "something-else", "scenario": {}}'), /format is not "cutover-lab\/share"/);
    await refused(fragmentOf('{"format": "cutover-lab/share"}'), /holds no scenario/);
    await refused(fragmentOf('[1, 2]'), /does not hold a JSON object/);
    await refused(fragmentOf('{"format": "cutover-lab/share", "scenario": {}, "seed": "1; DROP TABLE jobs"}'), /"seed" is not a whole number/);
    await refused(fragmentOf('{"format": "cutover-lab/share", "scenario": {}, "plan": "DELETE FROM jobs"}'), /"plan" is not an object/);
  });

  it('SQL and markup in unexpected fields: the link decodes as data, the scenario validator refuses what is not a scenario', async () => {
    const sql = await nodeSql();
    // Markup in the title is text: it decodes and validates (the page shows it as text).
    const markup = { ...scenario, title: '</script><img src=x onerror="globalThis.polluted=1">' };
    const decoded = await decodeShare(await encodeShare({ scenario: markup }));
    expect(decoded.ok && validateScenario(decoded.value.scenario, sql).ok).toBe(true);
    // SQL where an identifier or a setting belongs is refused by the validator, at its path.
    const hostile = { ...scenario, id: "x'; DROP TABLE jobs; --", settings: { checkpointEvery: 'ATTACH DATABASE x AS y' } };
    const back = await decodeShare(await encodeShare({ scenario: hostile }));
    expect(back.ok).toBe(true);
    const v = back.ok ? validateScenario(back.value.scenario, sql) : undefined;
    expect(v?.ok).toBe(false);
    const paths = v && !v.ok ? v.problems.map((p) => p.path) : [];
    expect(paths).toEqual(expect.arrayContaining(['id', 'settings.checkpointEvery']));
  });
});
