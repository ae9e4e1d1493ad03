/**
 * The real app killed as a whole browser (the short version; `npm run test:crash` runs every
 * built-in scenario in every durability mode, 20 kills each): the built playground on a persistent
 * profile, a rehearsal started and driven through the UI, Chromium SIGKILLed at seeded moments
 * and relaunched. The page must come back by itself on the same rehearsal, phase and settings,
 * its badge must say 0 lost and 0 unexpected, and every acknowledgement seen before a kill must be
 * in the reloaded history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damageIndexedDb, runAppCrashTrial, type AppCrashTrialResult } from './app-crash-harness.ts';
import { serveApp, type ServedApp } from './app-harness.ts';

let app: ServedApp;
beforeAll(async () => {
  app = await serveApp();
});
afterAll(async () => {
  await app?.close();
});

/** The trial's findings, for a failure message. */
const findings = (r: AppCrashTrialResult): string =>
  JSON.stringify({ errors: r.errors, reopenFailures: r.reopenFailures, settings: r.settingsMismatches, badge: r.badgeFindings, missing: r.missing.slice(0, 10), browserDataLoss: r.browserDataLoss, notes: r.notes, kills: r.kills }, null, 1);

describe('the app, its whole browser killed', () => {
  it('reopens on the rehearsal after every SIGKILL in strict mode, and loses no acknowledged write', async () => {
    const r = await runAppCrashTrial({ url: app.url, scenario: 'job-keys', mode: 'strict', crashes: 3, seed: 20 });
    expect(r.kills).toHaveLength(3);
    // Chromium discarding its own IndexedDB files (about 1 kill in 150) is not the app's doing.
    const browserLoss = r.browserDataLoss.length;
    expect(r.reopened + browserLoss, findings(r)).toBe(3);
    expect(r.reopenFailures, findings(r)).toEqual([]);
    expect(r.errors, findings(r)).toEqual([]);
    expect(r.settingsMismatches, findings(r)).toEqual([]);
    expect(r.acknowledged).toBeGreaterThan(50);
    expect(r.checks.length + browserLoss).toBe(3);
    expect(r.lost, findings(r)).toBe(0);
    expect(r.unexpected, findings(r)).toBe(0);
    expect(r.missing, findings(r)).toEqual([]);
  });

  it('counts Chromium discarding its IndexedDB files as the browser\'s loss, not the engine\'s', async () => {
    let damaged: string[] = [];
    const r = await runAppCrashTrial({
      url: app.url,
      scenario: 'job-keys',
      mode: 'strict',
      crashes: 2,
      seed: 12,
      afterKill: async (profile, round) => {
        if (round === 0) damaged = await damageIndexedDb(profile);
      },
    });
    expect(damaged.length).toBeGreaterThan(0);
    expect(r.browserDataLoss.map((l) => l.round), findings(r)).toEqual([1]);
    expect(r.browserDataLoss[0]?.evidence).toMatch(/checksum mismatch/);
    // The page tells the user, apart from the engine's figures: the page's database is the one whose open hears of it.
    expect(r.browserDataLoss[0]?.evidence).toMatch(/the app's notice says: The browser discarded this site's stored data/);
    expect(r.discardedByBrowser).toBeGreaterThan(0);
    // After it the trial starts a new rehearsal, which the next kill must not lose.
    expect(r.reopened, findings(r)).toBe(1);
    expect(r.reopenFailures, findings(r)).toEqual([]);
    expect(r.errors, findings(r)).toEqual([]);
    expect(r.missing, findings(r)).toEqual([]);
    expect(r.lost).toBe(0);
    expect(r.unexpected).toBe(0);
  });
});
