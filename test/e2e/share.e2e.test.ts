/**
 * Share links in the built app (issue 13, item 6): a link the CLI makes, opened in a fresh browser
 * context, shows its preview and stores nothing; Load opens a new rehearsal of that scenario in
 * old-only. Hostile links (a decompression bomb, `__proto__`, a wrong version) show their message,
 * offer no Load, and leave IndexedDB without a rehearsal and Object.prototype untouched.
 */
import { deflateRawSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64UrlEncode } from '../../src/engine/share-format.ts';
import { encodeShareNode } from '../../src/harness/share.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { button, currentPhase, expectClean, headerText, startApp, type App } from './app-harness.ts';
import { poll } from './wait.ts';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

/** Keys of rehearsals stored in this context's IndexedDB (none when the database was never made). */
function storedRehearsalKeys(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'cutover-lab')) return [];
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const req = indexedDB.open('cutover-lab');
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(new Error(String(req.error)));
    });
    try {
      if (!db.objectStoreNames.contains('rehearsals')) return [];
      const keys = await new Promise<IDBValidKey[]>((ok, fail) => {
        const req = db.transaction('rehearsals').objectStore('rehearsals').getAllKeys();
        req.onsuccess = () => ok(req.result);
        req.onerror = () => fail(new Error(String(req.error)));
      });
      return keys.map(String).filter((k) => k.startsWith('rehearsal/'));
    } finally {
      db.close();
    }
  });
}

const preview = (page: Page) => page.locator('cl-share-preview').locator('dialog');

describe('share links in the playground', () => {
  it('a link opens a preview in a fresh context, stores nothing until Load, and Load opens the rehearsal in old-only', async () => {
    const scenario = { ...BUILT_IN_SCENARIOS['job-keys']!, id: 'shared-job-keys', title: 'Shared: <b>job keys</b> from a link' };
    const { page, context, problems } = await app.newPage();
    await page.goto(`${app.url}${encodeShareNode({ scenario, seed: 3 })}`);
    await preview(page).locator('[data-share="title"]').waitFor({ timeout: 30_000 });
    expect(await preview(page).locator('[data-share="title"]').textContent()).toBe(scenario.title);
    expect(await preview(page).locator('b').count()).toBe(0);
    expect(await preview(page).locator('[data-share="new-schema"]').textContent()).toContain(scenario.schema.new[0]!.slice(0, 30));
    expect(await storedRehearsalKeys(page)).toEqual([]);
    await button(page, 'Load', 'cl-share-preview').click();
    await poll(() => currentPhase(page).textContent(), (t) => t?.includes('old-only') ?? false, { timeout: 60_000, message: 'the shared rehearsal in old-only' });
    expect(await headerText(page)).toContain(scenario.title);
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect((await storedRehearsalKeys(page)).some((k) => k.includes('shared-job-keys'))).toBe(true);
    expectClean(problems);
    await context.close();
  });

  it('hostile links show their message, offer no Load, store nothing and leave Object.prototype alone', async () => {
    const hostile: [string, RegExp][] = [
      [`#share=v1.${base64UrlEncode(new Uint8Array(deflateRawSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 })))}`, /expands to more than 256 KiB/],
      [`#share=v1.${base64UrlEncode(new Uint8Array(deflateRawSync(Buffer.from('{"format":"cutover-lab/share","scenario":{"__proto__":{"polluted":1}}}'))))}`, /key "__proto__"/],
      [`#share=v1.${base64UrlEncode(new Uint8Array(deflateRawSync(Buffer.from('{"format":"cutover-lab/share","scenario":{'))))}`, /not hold valid JSON/],
      ['#share=v7.AAAA', /version "v7"/],
      [`#share=v1.${'A'.repeat(70_000)}`, /too long/],
    ];
    for (const [fragment, reason] of hostile) {
      const { page, context, problems } = await app.newPage();
      await page.goto(`${app.url}${fragment}`);
      const refused = preview(page).locator('[data-share="refused"]');
      await refused.waitFor({ timeout: 30_000 });
      expect(await refused.textContent()).toMatch(reason);
      expect(await preview(page).getByRole('button', { name: 'Load', exact: true }).count()).toBe(0);
      expect(await page.evaluate(() => ({} as Record<string, unknown>)['polluted'])).toBeUndefined();
      expect(await storedRehearsalKeys(page)).toEqual([]);
      expectClean(problems);
      await context.close();
    }
  });
});
