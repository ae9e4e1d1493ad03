/**
 * Real crashes of the real app: the built playground, served as `npm start` serves it, in a
 * Chromium started by hand on a persistent profile. Through the UI the trial starts a rehearsal
 * (scenario and durability chosen in the picker), sets and starts the workload, moves phases, runs
 * backfills and arms faults, and SIGKILLs the whole browser — after a phase move, during a
 * backfill, with the workload running — at moments drawn from a seeded random. Then it relaunches
 * Chromium on the same profile, opens the app's address and checks from the page itself:
 *
 * - the page reopened the same rehearsal by itself (no picker), in the same phase and durability,
 *   with the workload settings and the armed faults it had;
 * - a history check run with the badge's "Check now" button: lost and unexpected counts, from the
 *   badge and from `engine.checkReport`;
 * - every acknowledged write the trial saw in the page before the kill is in the reloaded history,
 *   as `ok` or as indeterminate (`info`). Acknowledgements are seen by polling, read-only, the
 *   page's in-memory history (`engine.history.ops`).
 *
 * Chromium itself sometimes (about 1 kill in 150) finds its IndexedDB files damaged after a kill
 * and discards them, reporting `dataLoss` when the database is next opened. Such a round is
 * counted apart, never as the engine's loss: what the trial saw acknowledged before it is taken
 * out of what must survive, and a rehearsal that vanished with it is started anew.
 *
 * Nothing waits for time except the deliberate, seeded "where does the kill land" delays.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Worker } from 'playwright-core';
import type { DurabilityMode } from '../../src/engine/durability/types.ts';
import { PHASES, type Phase } from '../../src/engine/phases.ts';
import { createRandom, type Random } from '../../src/engine/random.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { button, currentPhase, engineNumber, headerText, nextPhase, savedPageValue } from './app-harness.ts';
import { kill, launch, type RunningBrowser } from './crash-harness.ts';
import { poll } from './wait.ts';

export interface AppCrashTrialOptions {
  /** The served app's address (`serveApp()` in app-harness.ts). */
  readonly url: string;
  readonly scenario: string;
  readonly mode: DurabilityMode;
  /** Whole-browser SIGKILLs; the trial relaunches after each and checks once more after the last. */
  readonly crashes: number;
  /** Seeds every choice: kill kinds and moments, workload settings, faults. */
  readonly seed?: number;
  readonly log?: (line: string) => void;
  /**
   * Runs on the profile after each kill, before the relaunch (the browser is dead). For checking
   * the trial itself: damaging Chromium's IndexedDB files there must be counted as browser data
   * loss, never as the engine's.
   */
  readonly afterKill?: (profile: string, round: number) => Promise<void>;
}

/** How a round ends: what the trial did last before the SIGKILL. */
export type KillKind = 'phase-move' | 'backfill' | 'workload';

/** One SIGKILL and the moment it landed on. */
export interface KillMoment {
  readonly round: number;
  readonly kind: KillKind;
  readonly phase: Phase;
  /** The seeded delay between the last action and the kill (ms). */
  readonly delayMs: number;
  /** What the page showed just before the kill: backfill status, operations in flight, engine incarnation. */
  readonly detail: string;
}

/** A finding, with what the page showed. */
export interface Finding {
  readonly round: number;
  readonly what: string;
  readonly evidence: string;
}

/** A history check run through the badge after a relaunch. */
export interface BadgeCheck {
  readonly round: number;
  readonly badge: string;
  readonly lost: number;
  readonly unexpected: number;
  readonly unexpectedReads: number;
  readonly acknowledgedWrites: number;
  readonly indeterminateWrites: number;
  readonly recovered: number;
}

export interface AppCrashTrialResult {
  readonly scenario: string;
  readonly mode: DurabilityMode;
  readonly kills: readonly KillMoment[];
  /** Relaunches (one per kill). */
  readonly relaunches: number;
  /** Relaunches where the page came back by itself on the same rehearsal, phase and durability. */
  readonly reopened: number;
  /** Relaunches that did not (with what the page showed instead); browser data loss rounds are not among them. */
  readonly reopenFailures: readonly Finding[];
  /** Workload settings or armed faults that did not come back. */
  readonly settingsMismatches: readonly Finding[];
  /** Distinct acknowledged writes the trial saw in the page. */
  readonly acknowledged: number;
  /** The badge after each relaunch. */
  readonly checks: readonly BadgeCheck[];
  /** Largest lost and unexpected counts any check showed (the history only grows, so they stay). */
  readonly lost: number;
  readonly unexpected: number;
  /** Checks that found lost or unexpected values, with the records. */
  readonly badgeFindings: readonly Finding[];
  /** Acknowledged writes the trial saw that were not in the reloaded history as ok or info. */
  readonly missing: readonly Finding[];
  /** Acknowledged writes the trial saw that came back indeterminate (distinct operations). */
  readonly okCameBackInfo: number;
  /** Rounds where Chromium reported discarding IndexedDB data (not the engine's loss). */
  readonly browserDataLoss: readonly Finding[];
  /** Acknowledged writes the trial saw that went with a browser data loss (not counted as missing). */
  readonly discardedByBrowser: number;
  /** Rounds that could not be driven or checked to their end (a wait that timed out, an error): failures, with the error. */
  readonly errors: readonly Finding[];
  /** Things the trial could not do (a phase move refused, a fault not confirmed): not failures of the app by themselves. */
  readonly notes: readonly Finding[];
  /** Uncaught errors in the page. */
  readonly pageErrors: readonly string[];
  readonly durationMs: number;
}

/** What the trial saw acknowledged. */
interface Ack {
  readonly index: number;
  readonly name: string;
  readonly params: string;
  readonly phase: string;
  /** The round whose page acknowledged it. */
  readonly round: number;
}

/** The workload settings the trial set through the UI. */
interface WorkloadExpectation {
  readonly opsPerSecond: number;
  readonly concurrency: number;
  readonly mix: Readonly<Record<string, number>>;
}

/** A fault the trial arms through the Faults panel. */
interface FaultChoice {
  readonly kind: 'write-error' | 'read-error' | 'latency' | 'busy' | 'crash' | 'snapshot-corrupt' | 'storage-quota';
  readonly side?: 'old' | 'new' | 'both';
  readonly rate?: number;
  readonly latencyMs?: number;
  readonly times?: number;
  readonly point?: string;
  readonly corruption?: string;
}

/** What the page's `cl-app` exposes that the trial reads (read-only). */
interface AppElement extends HTMLElement {
  readonly engine: {
    readonly loading: boolean;
    readonly state: { readonly rehearsalId: string; readonly phase: string; readonly incarnation: number; readonly backfill: { readonly status: string; readonly pass: number } } | null;
    readonly history: {
      readonly rehearsalId: string;
      readonly ops: readonly { readonly index: number; readonly name: string; readonly kind: string; readonly params: unknown; readonly phase: string; readonly outcome?: string; readonly note?: string }[];
      readonly entries: readonly ({ readonly kind: 'event'; readonly level: string; readonly message: string } | { readonly kind: 'operation' })[];
      readonly inFlight: number;
    } | null;
    readonly notices: { readonly list: readonly { readonly level: string; readonly text: string }[] };
    readonly checkReport: {
      readonly lost: readonly { readonly collection: string; readonly key: string; readonly operation: { readonly index: number; readonly name: string; readonly params: unknown; readonly phase: string }; readonly expected: readonly unknown[]; readonly found: unknown }[];
      readonly unexpected: readonly { readonly collection: string; readonly key: string; readonly found: unknown; readonly where: number | string }[];
      readonly unexpectedReads: number;
      readonly acknowledgedWrites: number;
      readonly indeterminateWrites: number;
      readonly recovered: number;
    } | null;
  };
}

const WINDOW = ['--window-size=1280,900'];
/** Chromium's own words when it finds IndexedDB files damaged (stderr). */
const CHROMIUM_IDB_TROUBLE = /IndexedDB[^\n]*(corrupt|cleanup|failed|data ?loss)|checksum mismatch|Corruption:/i;
/** How the app words a browser data loss (the engine host's log line, a notice). */
const APP_DATA_LOSS = /discarded[^\n]*IndexedDB|data ?loss/i;

const lastOf = <T>(list: readonly T[]): T | undefined => list[list.length - 1];

/** Watches IndexedDB opens for Chromium's `dataLoss` (read-only; installed before the app's scripts run). */
function dataLossHook(): void {
  const scope = globalThis as unknown as { __cutoverDataLoss?: { name: string; kind: string; message: string }[] };
  if (scope.__cutoverDataLoss) return;
  const seen: { name: string; kind: string; message: string }[] = [];
  scope.__cutoverDataLoss = seen;
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (this: IDBFactory, name: string, version?: number): IDBOpenDBRequest {
    const request = version === undefined ? open.call(this, name) : open.call(this, name, version);
    request.addEventListener('upgradeneeded', (e) => {
      const event = e as IDBVersionChangeEvent & { dataLoss?: string; dataLossMessage?: string };
      if (event.dataLoss && event.dataLoss !== 'none') seen.push({ name, kind: event.dataLoss, message: event.dataLossMessage ?? '' });
    });
    return request;
  };
}

/** Runs one trial: a rehearsal of `scenario` in `mode`, `crashes` whole-browser SIGKILLs. */
export async function runAppCrashTrial(options: AppCrashTrialOptions): Promise<AppCrashTrialResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const scenario = BUILT_IN_SCENARIOS[options.scenario];
  if (!scenario) throw new Error(`no built-in scenario ${options.scenario}`);
  const operations = Object.keys(scenario.operations);
  const random = createRandom(`app-crash:${options.scenario}:${options.mode}:${options.seed ?? 1}`);
  // Independent streams, so that a change in one kind of choice does not move the others.
  const kinds = random.fork('kinds');
  const delays = random.fork('delays');
  const faultsRandom = random.fork('faults');
  const settingsRandom = random.fork('settings');

  const profile = await mkdtemp(join(tmpdir(), 'cutover-app-crash-'));
  const kills: KillMoment[] = [];
  const reopenFailures: Finding[] = [];
  const settingsMismatches: Finding[] = [];
  const checks: BadgeCheck[] = [];
  const badgeFindings: Finding[] = [];
  const missing: Finding[] = [];
  const browserDataLoss: Finding[] = [];
  const notes: Finding[] = [];
  const errors: Finding[] = [];
  const pageErrors: string[] = [];
  let reopened = 0;
  let relaunches = 0;
  let discardedByBrowser = 0;

  /** Acknowledged writes seen in the page, by history index, for the current rehearsal. */
  let acks = new Map<number, Ack>();
  let acknowledged = 0;
  /** Seen acknowledged, then back as indeterminate or missing: `<rehearsal>#<index>`. */
  const cameBackInfo = new Set<string>();
  const missingIndexes = new Set<string>();

  let rehearsalId: string | null = null;
  let phase: Phase = 'old-only';
  let workload: WorkloadExpectation | null = null;
  /** Armed-list texts of the faults at a rate the trial armed and has not removed (they must come back). */
  let rateFaults: string[] = [];
  /** The app's data-loss lines in the history so far (the history keeps those of earlier rounds). */
  let appLossLines = 0;

  for (let round = 0; round <= options.crashes; round++) {
    const b: RunningBrowser = await launch(profile, WINDOW);
    let scanFrom = 0;
    let polling = true;
    let poller: Promise<void> = Promise.resolve();
    try {
      const context = b.browser.contexts()[0] ?? (await b.browser.newContext());
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(`round ${round}: ${String(e)}`));
      await page.addInitScript(dataLossHook);
      const workers: Worker[] = [];
      // Best effort in the engine's worker too (it may open its database before this lands).
      page.on('worker', (w) => {
        workers.push(w);
        void w.evaluate(dataLossHook).catch(() => undefined);
      });

      /** Takes in the acknowledged writes the page's history shows now. */
      const observe = async (): Promise<void> => {
        const seen = await page.evaluate((from) => {
          const history = (document.querySelector('cl-app') as AppElement | null)?.engine.history;
          if (!history) return null;
          const ops = history.ops;
          const out: [number, string, string, string][] = [];
          let next = ops.length;
          for (let i = from; i < ops.length; i++) {
            const op = ops[i];
            if (!op || op.outcome === undefined) {
              next = Math.min(next, i);
              continue;
            }
            if (op.kind === 'write' && op.outcome === 'ok') out.push([op.index, op.name, JSON.stringify(op.params), op.phase]);
          }
          return { rehearsalId: history.rehearsalId, acks: out, next };
        }, scanFrom);
        if (!seen || seen.rehearsalId !== rehearsalId) return;
        scanFrom = seen.next;
        for (const [index, name, params, opPhase] of seen.acks) {
          if (acks.has(index)) continue;
          acks.set(index, { index, name, params, phase: opPhase, round });
          acknowledged++;
        }
      };
      const startPolling = (): void => {
        poller = (async () => {
          while (polling) {
            await observe().catch(() => undefined);
            // The pace of a read-only look at the page, not a wait for anything.
            if (polling) await new Promise((ok) => setTimeout(ok, 100));
          }
        })();
      };

      await page.goto(options.url);
      const shown = await poll(
        () =>
          page.locator('cl-app').evaluate((el) => {
            const root = el.shadowRoot;
            if (root?.querySelector('cl-phase-stepper')) return 'rehearsal';
            if (root?.querySelector('cl-scenario-picker')) return 'picker';
            return 'loading';
          }),
        (v) => v !== 'loading',
        { timeout: 60_000, message: 'the page to show a rehearsal or the picker' },
      );

      // ------------------------------------------------------------------------------------
      // After a kill: did it come back?
      if (round > 0) {
        relaunches++;
        const loss = await browserLoss(page, workers, b, appLossLines);
        appLossLines = loss.appLines;
        const header = await headerText(page);
        const m = /rehearsal (\S+) · (\S+) · phase (\S+) · engine #(\d+)/.exec(header);
        const same = shown === 'rehearsal' && m?.[1] === rehearsalId && m?.[2] === options.mode && m?.[3] === phase;
        if (same) reopened++;
        if (loss.evidence) {
          // Not the engine's loss: what the trial saw before goes with it, and a new rehearsal starts.
          browserDataLoss.push({ round, what: `Chromium reported IndexedDB data loss (the page ${same ? 'reopened on the rehearsal' : `showed the ${shown}`})`, evidence: loss.evidence });
          log(`round ${round}: browser data loss: ${loss.evidence}`);
          discardedByBrowser += acks.size;
          acks = new Map();
          rehearsalId = null;
          if (shown === 'rehearsal') {
            await page.locator('cl-app').getByRole('button', { name: 'Rehearsals…', exact: true }).click();
            await button(page, `Start a rehearsal of ${options.scenario}`).waitFor();
          }
        } else {
          if (!same) {
            reopenFailures.push({ round, what: 'the page did not reopen on the rehearsal', evidence: await reopenEvidence(page, shown, header, rehearsalId, phase, options.mode) });
            log(`round ${round}: did not reopen: ${lastOf(reopenFailures)?.evidence}`);
          }
          if (shown === 'picker' && rehearsalId) {
            // Carry on with the same rehearsal if the picker still lists it, else with a new one.
            const open = page.locator('cl-app').getByRole('button', { name: `Open ${rehearsalId}`, exact: true });
            if ((await open.count()) > 0) {
              await open.click();
              await poll(() => page.locator('cl-app').evaluate((el) => Boolean(el.shadowRoot?.querySelector('cl-phase-stepper'))), Boolean, { timeout: 60_000, message: `the rehearsal ${rehearsalId} opened from the picker` });
            } else {
              missing.push({ round, what: `the rehearsal ${rehearsalId} is gone, with the ${acks.size} acknowledged writes the trial saw`, evidence: 'the picker does not list it' });
              acks = new Map();
              rehearsalId = null;
            }
          }
        }
        if (rehearsalId) {
          await expectHistoryLoaded(page, rehearsalId);
          const now = /phase (\S+)/.exec(await headerText(page))?.[1];
          if (now && now !== phase) phase = now as Phase;
          await verifyAcks(page, round, rehearsalId, acks, { cameBackInfo, missingIndexes, missing });
          await verifySettings(page, round, workload, rateFaults, settingsMismatches);
          const check = await checkThroughBadge(page, round, acks);
          checks.push(check.summary);
          if (check.finding) badgeFindings.push({ ...check.finding, evidence: `${check.finding.evidence}; killed ${describeKill(lastOf(kills))}` });
          log(`round ${round}: reopened ${same ? 'by itself' : 'from the picker'} in ${phase}; ${acks.size} acknowledged writes seen so far, ${cameBackInfo.size} came back indeterminate; badge: ${check.summary.badge}`);
        }
      }

      // ------------------------------------------------------------------------------------
      // A new rehearsal: through the picker, with the durability chosen there.
      if (!rehearsalId) {
        await page.locator('cl-scenario-picker').locator(`input[name="durability"][value="${options.mode}"]`).check();
        await button(page, `Start a rehearsal of ${options.scenario}`).click();
        await poll(() => currentPhase(page).textContent(), (t) => t?.includes('old-only') ?? false, { timeout: 60_000, message: 'the new rehearsal in old-only' });
        const m = /rehearsal (\S+) · (\S+) ·/.exec(await headerText(page));
        if (!m || m[2] !== options.mode) throw new Error(`the new rehearsal's header does not name it in ${options.mode}: ${await headerText(page)}`);
        rehearsalId = m[1] as string;
        phase = 'old-only';
        rateFaults = [];
        workload = await setWorkload(page, settingsRandom, operations);
        await button(page, 'Start workload', 'cl-workload').click();
        await waitSaved(page, rehearsalId, workload, true);
        log(`round ${round}: started ${rehearsalId} (${options.mode}), workload ${JSON.stringify(workload)}`);
      }
      if (round === options.crashes) break;

      startPolling();
      // ------------------------------------------------------------------------------------
      // The round: maybe new workload settings, a fault at a random step, then the kill.
      if (settingsRandom.chance(0.25)) {
        const engineBefore = await engineNumber(page);
        const wanted = await setWorkload(page, settingsRandom, operations);
        try {
          await waitSaved(page, rehearsalId, wanted, true);
          workload = wanted;
          log(`round ${round}: workload settings now ${JSON.stringify(workload)}`);
        } catch (e) {
          // The edit never took: say so once, with what the panel, the engine and the page's database hold, and expect what is stored from now on.
          const stored = ((await savedPageValue(page, `~page/settings/${rehearsalId}`)) as { workload?: WorkloadExpectation } | undefined)?.workload;
          const engine = await page.locator('cl-app').evaluate((el) => JSON.stringify((el as unknown as { engine: { state: { workload: unknown } | null } }).engine.state?.workload ?? null));
          settingsMismatches.push({
            round,
            what: 'a workload edit made in the panel was not stored (the panel shows it, the engine and the page database do not)',
            evidence: `edited to ${JSON.stringify(wanted)}; engine #${engineBefore} before the edit, #${await engineNumber(page)} after; the engine has ${engine}; the page database has ${JSON.stringify(stored)}; ${(e as Error).message.slice(0, 200)}`,
          });
          if (stored) workload = { opsPerSecond: stored.opsPerSecond, concurrency: stored.concurrency, mix: stored.mix };
        }
      }
      const available: KillKind[] = ['workload', ...(phase !== 'old-dropped' ? (['backfill', 'phase-move'] as const) : [])];
      const kind = kinds.pick(available);
      /** Where in the round the fault action lands: before the action, after it, or just before the kill. */
      const faultAt = faultsRandom.chance(0.5) ? faultsRandom.pick(['before', 'after', 'at-kill'] as const) : null;
      const faultStep = async (): Promise<void> => {
        try {
          const before = rateFaults.length;
          rateFaults = await faultAction(page, faultsRandom, rateFaults, rehearsalId as string, (what) => notes.push({ round, what, evidence: '' }), (what) => log(`round ${round}: ${what}`));
          if (rateFaults.length !== before) log(`round ${round}: faults at a rate armed now: ${JSON.stringify(rateFaults)}`);
        } catch (e) {
          notes.push({ round, what: 'a fault could not be armed or removed', evidence: (e as Error).message });
        }
      };
      if (faultAt === 'before') await faultStep();
      let kindDone: KillKind = kind;
      if (kind === 'phase-move') {
        const to = PHASES[PHASES.indexOf(phase) + 1] as Phase;
        try {
          await nextPhase(page, to);
          phase = to;
        } catch (e) {
          notes.push({ round, what: `the move to ${to} was refused or timed out`, evidence: `…${(e as Error).message.replace(/\s+/g, ' ').slice(-400)}` });
          kindDone = 'workload';
          // It may have happened all the same: the phase is what the page shows.
          const shownPhase = /phase (\S+)/.exec(await headerText(page))?.[1];
          if (shownPhase && (PHASES as readonly string[]).includes(shownPhase)) phase = shownPhase as Phase;
        }
      } else if (kind === 'backfill') {
        await startBackfill(page, kinds);
      }
      if (faultAt === 'after') await faultStep();
      // With the workload running: a few more acknowledgements (a seeded number) before the kill.
      const more = kindDone === 'workload' ? kinds.int(1, 40) : kinds.int(0, kindDone === 'backfill' ? 2 : 5);
      const target = acknowledged + more;
      await poll(() => acknowledged, (n) => n >= target, { timeout: 60_000, message: `${more} more acknowledged writes` }).catch((e: Error) => {
        notes.push({ round, what: 'the workload acknowledged fewer writes than the trial waited for', evidence: e.message });
      });
      if (faultAt === 'at-kill') await faultStep();
      const delayMs = delays.int(0, kindDone === 'workload' ? 1500 : kindDone === 'backfill' ? 300 : 800);
      // Not a wait for anything: where the kill lands is the trial's seeded choice.
      await new Promise((ok) => setTimeout(ok, delayMs));
      polling = false;
      await poller;
      await observe().catch(() => undefined);
      const detail = await page
        .locator('cl-app')
        .evaluate((el) => {
          const e = (el as AppElement).engine;
          return `backfill ${e.state?.backfill.status ?? '?'} (pass ${e.state?.backfill.pass ?? '?'}), ${e.history?.inFlight ?? '?'} in flight, engine #${e.state?.incarnation ?? '?'}, ${e.history?.ops.length ?? '?'} operations`;
        })
        .catch((e: Error) => `unreadable: ${e.message}`);
      kills.push({ round, kind: kindDone, phase, delayMs, detail });
      log(`round ${round}: SIGKILL ${describeKill(lastOf(kills))}; acknowledged so far ${acknowledged}`);
    } catch (e) {
      errors.push({ round, what: 'the round could not be driven or checked to its end', evidence: (e as Error).stack?.slice(0, 1500) ?? String(e) });
      log(`round ${round}: ${(e as Error).message}`);
      // A round that failed before its kill still ends in one.
      if (round < options.crashes && lastOf(kills)?.round !== round) kills.push({ round, kind: 'workload', phase, delayMs: 0, detail: `after an error: ${(e as Error).message.slice(0, 200)}` });
    } finally {
      polling = false;
      await poller.catch(() => undefined);
      await kill(b);
    }
    if (round < options.crashes) await options.afterKill?.(profile, round);
  }
  await rm(profile, { recursive: true, force: true });

  return {
    scenario: options.scenario,
    mode: options.mode,
    kills,
    relaunches,
    reopened,
    reopenFailures,
    settingsMismatches,
    acknowledged,
    checks,
    lost: Math.max(0, ...checks.map((c) => c.lost)),
    unexpected: Math.max(0, ...checks.map((c) => c.unexpected)),
    badgeFindings,
    missing,
    okCameBackInfo: cameBackInfo.size,
    browserDataLoss,
    discardedByBrowser,
    errors,
    notes,
    pageErrors,
    durationMs: Date.now() - started,
  };
}

function describeKill(k: KillMoment | undefined): string {
  return k ? `in round ${k.round} ${k.kind === 'phase-move' ? 'after the move to' : k.kind === 'backfill' ? 'during a backfill in' : 'with the workload running in'} ${k.phase}, ${k.delayMs} ms after the last action (${k.detail})` : '(no kill yet)';
}

/**
 * What the page and Chromium say about IndexedDB data the browser discarded in this session:
 * `dataLoss` seen on opening a database (page, and best effort engine worker), the app's own
 * report (the engine's log line in the history, newer than `appLinesBefore`, or a notice), and
 * Chromium's stderr. `evidence` is null when nothing says so.
 */
async function browserLoss(page: Page, workers: readonly Worker[], b: RunningBrowser, appLinesBefore: number): Promise<{ evidence: string | null; appLines: number }> {
  const found: string[] = [];
  type Seen = { name: string; kind: string; message: string }[];
  const hooked = await page.evaluate(() => (globalThis as unknown as { __cutoverDataLoss?: Seen }).__cutoverDataLoss ?? []);
  for (const l of hooked) found.push(`the page opened ${l.name}: dataLoss ${l.kind} (${l.message})`);
  for (const w of workers) {
    const inWorker = await w.evaluate(() => (globalThis as unknown as { __cutoverDataLoss?: Seen }).__cutoverDataLoss ?? []).catch((): Seen => []);
    for (const l of inWorker) found.push(`the engine's worker opened ${l.name}: dataLoss ${l.kind} (${l.message})`);
  }
  const app = await page.locator('cl-app').evaluate((el, pattern) => {
    const e = (el as AppElement).engine;
    const re = new RegExp(pattern, 'i');
    const lines = (e.history?.entries ?? []).filter((x): x is { kind: 'event'; level: string; message: string } => x.kind === 'event' && x.level === 'error' && re.test(x.message)).map((x) => x.message);
    return { lines, notices: e.notices.list.filter((n) => re.test(n.text)).map((n) => n.text) };
  }, APP_DATA_LOSS.source);
  for (const line of app.lines.slice(appLinesBefore)) found.push(`the app's history says: ${line}`);
  for (const notice of app.notices) found.push(`the app's notice says: ${notice}`);
  for (const line of b.stderr.join('').split('\n').filter((l) => CHROMIUM_IDB_TROUBLE.test(l)).slice(0, 3)) found.push(`Chromium: ${line.trim()}`);
  return { evidence: found.length > 0 ? found.join(' | ') : null, appLines: app.lines.length };
}

async function reopenEvidence(page: Page, shown: string, header: string, rehearsalId: string | null, phase: string, mode: string): Promise<string> {
  const pageText = await page.locator('cl-app').evaluate((el) => {
    const e = (el as AppElement).engine;
    return { notices: e.notices.list.map((n) => `${n.level}: ${n.text}`), picker: el.shadowRoot?.querySelector('cl-scenario-picker')?.shadowRoot?.textContent?.replace(/\s+/g, ' ').slice(-400) ?? null };
  });
  const current = await savedPageValue(page, '~page/current').catch((e: Error) => `unreadable: ${e.message}`);
  return `expected rehearsal ${rehearsalId} in ${phase} (${mode}); the page showed the ${shown}; header "${header.replace(/\s+/g, ' ').trim()}"; page database ~page/current = ${JSON.stringify(current)}; notices ${JSON.stringify(pageText.notices)}${pageText.picker ? `; picker: …${pageText.picker}` : ''}`;
}

/** Waits until the page's history is that of `rehearsalId`. */
async function expectHistoryLoaded(page: Page, rehearsalId: string): Promise<void> {
  await poll(() => page.locator('cl-app').evaluate((el) => (el as AppElement).engine.history?.rehearsalId ?? null), (id) => id === rehearsalId, { timeout: 30_000, message: `the history of ${rehearsalId}` });
}

/** Checks that every acknowledged write seen before the kill is in the reloaded history as ok or info. */
async function verifyAcks(page: Page, round: number, rehearsalId: string, acks: ReadonlyMap<number, Ack>, out: { cameBackInfo: Set<string>; missingIndexes: Set<string>; missing: Finding[] }): Promise<void> {
  const key = (index: number): string => `${rehearsalId}#${index}`;
  const indexes = [...acks.keys()].filter((i) => !out.missingIndexes.has(key(i)));
  const found = await page.locator('cl-app').evaluate((el, list) => {
    const ops = (el as AppElement).engine.history?.ops ?? [];
    return list.map((i) => {
      const op = ops[i];
      return op ? ([op.name, JSON.stringify(op.params), op.outcome ?? null, op.note ?? null] as const) : null;
    });
  }, indexes);
  indexes.forEach((index, n) => {
    const ack = acks.get(index) as Ack;
    const op = found[n];
    if (op && op[0] === ack.name && op[1] === ack.params && (op[2] === 'ok' || op[2] === 'info')) {
      if (op[2] === 'info') out.cameBackInfo.add(key(index));
      return;
    }
    out.missingIndexes.add(key(index));
    out.missing.push({
      round,
      what: `acknowledged write #${index} ${ack.name} (seen ok in round ${ack.round}, phase ${ack.phase}) is not in the reloaded history as ok or info`,
      evidence: `seen ${ack.params}; reloaded ${op ? `${op[0]} ${op[1]} outcome ${op[2]}${op[3] ? ` (${op[3]})` : ''}` : 'nothing at that index'}`,
    });
  });
}

/** Checks the workload settings and the faults at a rate after a reopen. */
async function verifySettings(page: Page, round: number, expected: WorkloadExpectation | null, rateFaults: readonly string[], out: Finding[]): Promise<void> {
  if (!expected) return;
  const shown = await page.locator('cl-workload').evaluate((el) => {
    const root = el.shadowRoot;
    const mix: Record<string, number> = {};
    for (const input of root?.querySelectorAll<HTMLInputElement>('input[data-operation]') ?? []) mix[input.dataset.operation ?? ''] = Number(input.value);
    return {
      status: root?.querySelector('[role="status"]')?.textContent?.trim() ?? '',
      opsPerSecond: Number(root?.querySelector<HTMLInputElement>('#ops')?.value),
      concurrency: Number(root?.querySelector<HTMLInputElement>('#concurrency')?.value),
      mix,
    };
  });
  const wrong: string[] = [];
  if (!shown.status.startsWith('Running')) wrong.push(`status "${shown.status}" (expected running)`);
  if (shown.opsPerSecond !== expected.opsPerSecond) wrong.push(`operations/s ${shown.opsPerSecond} (expected ${expected.opsPerSecond})`);
  if (shown.concurrency !== expected.concurrency) wrong.push(`concurrency ${shown.concurrency} (expected ${expected.concurrency})`);
  for (const [op, w] of Object.entries(expected.mix)) if (shown.mix[op] !== w) wrong.push(`weight of ${op} ${shown.mix[op]} (expected ${w})`);
  if (wrong.length > 0) out.push({ round, what: 'the workload settings did not come back', evidence: wrong.join('; ') });
  const armed = await armedFaults(page);
  // Each fault the trial armed must be listed (the same one armed twice, twice).
  const left = [...armed];
  const gone: string[] = [];
  for (const f of rateFaults) {
    const at = left.indexOf(f);
    if (at < 0) gone.push(f);
    else left.splice(at, 1);
  }
  if (gone.length > 0) out.push({ round, what: 'armed faults did not come back', evidence: `missing ${JSON.stringify(gone)}; armed now ${JSON.stringify(armed)}` });
}

/** Runs a history check with the badge's "Check now" button and reads the badge and the report. */
async function checkThroughBadge(page: Page, round: number, acks: ReadonlyMap<number, Ack>): Promise<{ summary: BadgeCheck; finding: Finding | null }> {
  const badge = page.locator('cl-invariant-badge');
  const checking = (): Promise<boolean> => badge.evaluate((el) => el.hasAttribute('checking'));
  // The page checks by itself when it reopens: let that one finish, then ask for one.
  await poll(checking, (c) => !c, { timeout: 10 * 60_000, message: 'the check the page started on reopening' });
  await page.locator('cl-app').evaluate((el) => ((window as unknown as { __crashTrialReport?: unknown }).__crashTrialReport = (el as AppElement).engine.checkReport));
  /** 'done' with a new report; 'cut short' when a check ran and ended without one (a crash fault restarted the engine, the check failed). */
  const outcome = (): Promise<'done' | 'checking' | 'idle'> =>
    page.locator('cl-app').evaluate((el) => {
      const report = (el as AppElement).engine.checkReport;
      if (el.shadowRoot?.querySelector('cl-invariant-badge')?.hasAttribute('checking')) return 'checking';
      return report !== null && report !== (window as unknown as { __crashTrialReport?: unknown }).__crashTrialReport ? 'done' : 'idle';
    });
  for (let attempt = 1; ; attempt++) {
    await badge.getByRole('button', { name: 'Check now', exact: true }).click();
    let ran = false;
    const seen = await poll(
      async () => {
        const now = await outcome();
        ran ||= now === 'checking';
        return now;
      },
      (now) => now === 'done' || (ran && now === 'idle'),
      { timeout: 5 * 60_000, message: 'a new history check' },
    );
    if (seen === 'done') break;
    if (attempt >= 3) {
      const notices = await page.locator('cl-app').evaluate((el) => (el as AppElement).engine.notices.list.map((n) => `${n.level}: ${n.text}`));
      throw new Error(`three history checks ended without a report; notices ${JSON.stringify(notices)}`);
    }
  }
  const text = (await badge.evaluate((el) => el.shadowRoot?.querySelector('[part="badge"]')?.textContent ?? '')).replace(/\s+/g, ' ').trim();
  const number = (re: RegExp): number => Number(re.exec(text)?.[1]?.replaceAll(',', '') ?? Number.NaN);
  // Plain data out of the page, worded here (a helper function inside `evaluate` would not survive tsx's transform).
  const raw = await page.locator('cl-app').evaluate((el) => {
    const r = (el as AppElement).engine.checkReport;
    return r
      ? {
          lost: r.lost.map((l) => ({ collection: l.collection, key: l.key, index: l.operation.index, name: l.operation.name, phase: l.operation.phase, params: JSON.stringify(l.operation.params), expected: l.expected.map((x) => JSON.stringify(x)), found: JSON.stringify(l.found) })),
          unexpected: r.unexpected.map((u) => ({ collection: u.collection, key: u.key, where: String(u.where), found: JSON.stringify(u.found) })),
          unexpectedReads: r.unexpectedReads,
          acknowledgedWrites: r.acknowledgedWrites,
          indeterminateWrites: r.indeterminateWrites,
          recovered: r.recovered,
        }
      : null;
  });
  const cut = (text: string | undefined): string => (text === undefined ? 'null' : text.length > 240 ? `${text.slice(0, 240)}…` : text);
  const report = raw && {
    ...raw,
    lost: raw.lost.map((l) => ({ index: l.index, text: `${l.collection} ${l.key}: #${l.index} ${l.name} in ${l.phase} ${cut(l.params)}; expected ${cut(l.expected[0])}${l.expected.length > 1 ? ` or ${l.expected.length - 1} more` : ''}, found ${cut(l.found)}` })),
    unexpected: raw.unexpected.map((u) => `${u.collection} ${u.key} at ${u.where}: ${cut(u.found)}`),
  };
  if (!report) throw new Error(`no history check report; the badge says "${text}"`);
  const summary: BadgeCheck = {
    round,
    badge: text,
    lost: number(/Lost acknowledged writes: ([\d,]+)/),
    unexpected: number(/unexpected values: ([\d,]+)/),
    unexpectedReads: report.unexpectedReads,
    acknowledgedWrites: report.acknowledgedWrites,
    indeterminateWrites: report.indeterminateWrites,
    recovered: report.recovered,
  };
  const disagree = summary.lost !== report.lost.length || summary.unexpected !== report.unexpected.length ? ` (the report says lost ${report.lost.length}, unexpected ${report.unexpected.length})` : '';
  const finding =
    summary.lost > 0 || summary.unexpected > 0 || disagree
      ? {
          round,
          what: `the badge says lost ${summary.lost}, unexpected ${summary.unexpected}${disagree}`,
          evidence: `badge "${text}"; lost: ${
            report.lost
              .slice(0, 10)
              .map((l) => `${l.text} (${acks.has(l.index) ? `the trial saw it acknowledged in round ${acks.get(l.index)?.round}` : 'not seen acknowledged by the trial'})`)
              .join(' | ') || 'none'
          }${report.lost.length > 10 ? ` … (${report.lost.length})` : ''}; unexpected: ${report.unexpected.slice(0, 10).join(' | ') || 'none'}${report.unexpected.length > 10 ? ` … (${report.unexpected.length})` : ''}`,
        }
      : null;
  return { summary, finding };
}

/** The texts of the armed faults the Faults panel lists. */
function armedFaults(page: Page): Promise<string[]> {
  return page.locator('cl-faults').evaluate((el) => [...(el.shadowRoot?.querySelectorAll('[part="armed"] li code') ?? [])].map((c) => c.textContent?.trim() ?? ''));
}

/** Sets the workload's rate, concurrency and one weight through the Workload panel (seeded); returns the settings the panel shows then. */
async function setWorkload(page: Page, random: Random, operations: readonly string[]): Promise<WorkloadExpectation> {
  const panel = page.locator('cl-workload');
  const opsPerSecond = random.int(10, 50);
  const concurrency = random.int(2, 6);
  const operation = random.pick(operations);
  const weight = random.int(1, 20);
  const set = async (selector: string, value: number): Promise<void> => {
    const input = panel.locator(selector);
    await input.fill(String(value));
    await input.blur();
  };
  await set('#ops', opsPerSecond);
  await set('#concurrency', concurrency);
  await set(`input[data-operation="${operation}"]`, weight);
  const mix = await panel.evaluate((el) => {
    const out: Record<string, number> = {};
    for (const input of el.shadowRoot?.querySelectorAll<HTMLInputElement>('input[data-operation]') ?? []) out[input.dataset.operation ?? ''] = Number(input.value);
    return out;
  });
  return { opsPerSecond, concurrency, mix };
}

/** Waits until the page's database holds these workload settings (and running), so that a kill after it must keep them. */
async function waitSaved(page: Page, rehearsalId: string, expected: WorkloadExpectation, running: boolean): Promise<void> {
  await poll(
    () => savedPageValue(page, `~page/settings/${rehearsalId}`) as Promise<{ running?: boolean; workload?: { opsPerSecond: number; concurrency: number; mix: Record<string, number> } } | undefined>,
    (s) => s?.running === running && s.workload?.opsPerSecond === expected.opsPerSecond && s.workload.concurrency === expected.concurrency && Object.entries(expected.mix).every(([k, v]) => s.workload?.mix[k] === v),
    { timeout: 30_000, message: 'the workload settings stored by the page' },
  );
}

/** Starts a backfill pass through the Actions panel (a seeded batch size first) and waits until it runs or is done. */
async function startBackfill(page: Page, random: Random): Promise<void> {
  const actions = page.locator('cl-actions');
  const status = (): Promise<string> => actions.evaluate((el) => el.shadowRoot?.querySelector('[data-action="backfill"] .status')?.textContent?.trim() ?? '');
  const before = await status();
  if (/running/.test(before)) return; // a pass resumed after the relaunch: the kill lands in it
  const batch = random.pick([1, 2, 5, 10]);
  const input = actions.locator('#backfill-batch');
  await input.fill(String(batch));
  await input.blur();
  await button(page, 'Start backfill', 'cl-actions').click();
  const pass = Number(/Pass (\d+)/.exec(before)?.[1] ?? 0);
  await poll(status, (s) => Number(/Pass (\d+)/.exec(s)?.[1] ?? 0) > pass, { timeout: 30_000, message: `backfill pass ${pass + 1} started` });
}

/** Arms a seeded fault through the Faults panel, or removes the armed ones when two or more are; returns the faults at a rate armed now. */
async function faultAction(page: Page, random: Random, rateFaults: readonly string[], rehearsalId: string, note: (what: string) => void, log: (what: string) => void): Promise<string[]> {
  const panel = page.locator('cl-faults');
  const armedBefore = await armedFaults(page);
  if (armedBefore.length >= 2) {
    await button(page, 'Remove all', 'cl-faults').click();
    await poll(() => armedFaults(page), (a) => a.length === 0, { timeout: 15_000, message: 'the armed faults removed' });
    log(`removed the armed faults ${JSON.stringify(armedBefore)}`);
    return [];
  }
  const choice: FaultChoice = random.weighted<FaultChoice>([
    [{ kind: 'write-error', side: random.pick(['old', 'new', 'both'] as const), rate: random.pick([0.05, 0.1, 0.2]) }, 3],
    [{ kind: 'read-error', side: 'both', rate: 0.1 }, 1],
    [{ kind: 'latency', side: random.pick(['old', 'new'] as const), latencyMs: random.int(20, 150), rate: 0.3 }, 2],
    [{ kind: 'busy', side: 'new', times: random.int(1, 3) }, 1],
    [{ kind: 'crash', point: random.pick(['', 'before-authoritative', 'between-writes', 'after-writes-before-ack']) }, 2],
    [{ kind: 'snapshot-corrupt', corruption: random.pick(['bit-flip', 'truncate', 'empty', 'not-sqlite']) }, 1],
    [{ kind: 'storage-quota' }, 1],
  ]);
  const savedFaults = async (): Promise<number> => (((await savedPageValue(page, `~page/settings/${rehearsalId}`)) as { faults?: { kind: string }[] } | undefined)?.faults ?? []).filter((f) => f.kind === choice.kind).length;
  const savedBefore = await savedFaults();
  await panel.locator('#kind').selectOption(choice.kind);
  if (choice.side) await panel.locator('#side').selectOption(choice.side);
  if (choice.point !== undefined) await panel.locator('#point').selectOption(choice.point);
  if (choice.corruption) await panel.locator('#armed-corruption').selectOption(choice.corruption);
  if (choice.times !== undefined) {
    await panel.locator('#times').fill(String(choice.times));
    await panel.locator('#times').blur();
  }
  if (choice.latencyMs !== undefined) {
    await panel.locator('#latency').fill(String(choice.latencyMs));
    await panel.locator('#latency').blur();
  }
  const atRate = choice.rate !== undefined;
  if (atRate) {
    await panel.locator('input[name="trigger"][value="rate"]').check();
    await panel.locator('#rate').fill(String(choice.rate));
    await panel.locator('#rate').blur();
  } else if (choice.kind !== 'busy') await panel.locator('input[name="trigger"][value="once"]').check();
  await button(page, 'Arm fault', 'cl-faults').click();
  log(`armed ${JSON.stringify(choice)}`);
  if (atRate) {
    // A fault at a rate stays armed: the list shows it once the engine has it.
    const armed = await poll(() => armedFaults(page), (a) => a.length > armedBefore.length, { timeout: 15_000, message: `the ${choice.kind} fault in the armed list` });
    // The new entry (the same fault may be armed twice, so count, not set membership).
    const added = [...armed];
    for (const f of armedBefore) {
      const at = added.indexOf(f);
      if (at >= 0) added.splice(at, 1);
    }
    return [...rateFaults, ...added];
  }
  // One that fires once (or busy) may be gone again at once: the page stores the list before the engine hears of it.
  await poll(savedFaults, (n) => n > savedBefore, { timeout: 15_000, message: `the ${choice.kind} fault stored by the page` }).catch(() => note(`the ${choice.kind} fault was not seen stored (it may have fired at once)`));
  return [...rateFaults];
}

/**
 * Damages Chromium's IndexedDB files in `profile` (the browser must be dead) as a crash sometimes
 * does: bytes flipped in every LevelDB table and log, so that the next open reports `dataLoss`
 * ("checksum mismatch") and starts empty. Returns the files damaged.
 */
export async function damageIndexedDb(profile: string): Promise<string[]> {
  const root = join(profile, 'Default', 'IndexedDB');
  const damaged: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.(ldb|log)$/.test(entry.name) && dir.endsWith('.leveldb')) {
        const bytes = await readFile(path);
        for (let i = 64; i < bytes.length; i += 97) bytes[i] = (bytes[i] as number) ^ 0xff;
        await writeFile(path, bytes);
        damaged.push(path);
      }
    }
  };
  await walk(root);
  return damaged;
}
