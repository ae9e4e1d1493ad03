/**
 * Real crashes: Chromium runs the crash page on a persistent profile and is killed with SIGKILL at
 * random moments in the middle of a write stream, then restarted on the same profile. Every write
 * the page acknowledged before the kill must be there after recovery, and PRAGMA integrity_check
 * must say ok. In unsafe-ack-first the same procedure must find losses. This is the store alone
 * (`npm run test:crash:store`); app-crash-harness.ts kills the real app (`npm run test:crash`)
 * with `launch`, `kill` and `descendants` from here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import type { DurabilityMode } from '../../src/engine/durability/types.ts';
import { createRandom } from '../../src/engine/random.ts';

export interface CrashTrialOptions {
  readonly mode: DurabilityMode;
  readonly crashes: number;
  /** Seeds the kill moments. */
  readonly seed?: number;
  /** Writes in flight at once in the page. */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export interface CrashTrialResult {
  readonly mode: DurabilityMode;
  readonly crashes: number;
  readonly acknowledged: number;
  /** Acknowledged writes missing after a recovery in which the browser reported no data loss: the engine's losses. */
  readonly lost: readonly string[];
  /** Acknowledged writes gone because Chromium discarded its IndexedDB database (reported as data loss). */
  readonly discardedByBrowser: readonly string[];
  /** integrity_check of each file after each recovery ("ok" expected). */
  readonly integrity: readonly string[];
  /** What recovery reported (corrupt snapshots skipped and the like). */
  readonly recoveryProblems: readonly string[];
  /** Rounds where Chromium reported discarding the IndexedDB database it found damaged. */
  readonly browserDataLoss: readonly string[];
}

const root = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

/** A Chromium started by hand on a persistent profile (see `launch`), and playwright-core connected to it. */
export interface RunningBrowser {
  readonly process: ChildProcess;
  readonly browser: Browser;
  /** What Chromium printed on stderr (kept for diagnosing a failed round). */
  readonly stderr: string[];
}

/**
 * Starts Chromium on the persistent `profile` and connects playwright-core to it over CDP.
 * Chromium is started by hand, not by Playwright, so that the test owns the process (in a process
 * group of its own) and can kill it as a whole with {@link kill}. `extraArgs` go after the usual flags.
 */
export async function launch(profile: string, extraArgs: readonly string[] = []): Promise<RunningBrowser> {
  const child = spawn(chromiumPath, [...chromiumArgs, ...extraArgs, '--headless=new', `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wsUrl = await new Promise<string>((ok, fail) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error(`Chromium did not start: ${buffer.slice(-500)}`)), 30_000);
    child.stderr?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(buffer);
      if (m) {
        clearTimeout(timer);
        ok(m[1] as string);
      }
    });
    child.on('exit', (code) => fail(new Error(`Chromium exited (${code}) before listening: ${buffer.slice(-500)}`)));
  });
  child.stderr?.removeAllListeners('data');
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 200) stderr.push(d.toString());
  });
  const browser = await chromium.connectOverCDP(wsUrl);
  return { process: child, browser, stderr };
}

/** Every descendant of `pid` (Chromium's zygote and utility processes can leave its process group). */
export async function descendants(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid …"; comm may hold spaces, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGKILLs the browser and every process under it, and waits until all are gone. */
export async function kill(b: RunningBrowser): Promise<void> {
  const pid = b.process.pid;
  if (pid === undefined) return;
  // The whole tree at once — browser, renderers, storage service — as a crash takes them all. A
  // storage process left running would hold IndexedDB's files when the next browser starts.
  const tree = [pid, ...(await descendants(pid))];
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group may already be gone.
  }
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 15_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
  if (tree.some(alive)) throw new Error(`Chromium processes survived SIGKILL: ${tree.filter(alive).join(', ')}`);
}

/** Runs one trial: `crashes` SIGKILLs during a write stream, then a last recovery. */
export async function runCrashTrial(options: CrashTrialOptions): Promise<CrashTrialResult> {
  const log = options.log ?? (() => undefined);
  const random = createRandom(`crash:${options.mode}:${options.seed ?? 1}`);
  const port = await freePort();
  const server: ViteDevServer = await createServer({ root, logLevel: 'silent', server: { port, strictPort: true, host: '127.0.0.1' } });
  await server.listen();
  const profile = await mkdtemp(join(tmpdir(), 'cutover-crash-'));
  const url = `http://127.0.0.1:${port}/test/e2e/crash/index.html`;
  const acknowledged = new Set<string>();
  /** Acknowledged writes that must still be there (what the browser discarded is taken out). */
  const expected = new Set<string>();
  const lost = new Set<string>();
  const discarded = new Set<string>();
  const integrity: string[] = [];
  const recoveryProblems: string[] = [];
  const browserLoss: string[] = [];
  try {
    for (let round = 0; round <= options.crashes; round++) {
      const b = await launch(profile);
      try {
        const context = b.browser.contexts()[0] ?? (await b.browser.newContext());
        const page = await context.newPage();
        page.on('console', (m) => {
          const text = m.text();
          if (text.startsWith('ACK ')) {
            acknowledged.add(text.slice(4));
            expected.add(text.slice(4));
          }
        });
        await page.goto(url);
        await page.waitForFunction(() => window.harness?.ready === true, null, { timeout: 60_000 });
        const state = await page.evaluate((mode) => window.harness.open(mode), options.mode);
        const present = new Set(state.jobs);
        const missing = [...expected].filter((j) => !present.has(j));
        if (state.dataLoss) {
          // Chromium threw the database away on opening it: what is missing, the browser lost.
          for (const j of missing) {
            discarded.add(j);
            expected.delete(j);
          }
        } else for (const j of missing) lost.add(j);
        integrity.push(...state.integrity);
        recoveryProblems.push(...state.problems);
        if (state.dataLoss) browserLoss.push(`round ${round}: ${state.dataLoss}`);
        log(`round ${round}: recovered ${state.jobs.length} jobs, acknowledged so far ${acknowledged.size}, missing ${missing.length}, integrity ${state.integrity.join('/')}${state.dataLoss ? `, Chromium reported data loss (${state.dataLoss})` : ''}`);
        if (missing.length > 0) log(`round ${round}: Chromium said: ${b.stderr.join('').slice(-3000)}`);
        if (round === options.crashes) break;
        // Start the stream and kill the browser at a random moment in it, once it is under way.
        const run = `r${round}`;
        void page.evaluate(([r, c]) => window.harness.stream(r, c), [run, options.concurrency ?? 4] as [string, number]).catch(() => undefined);
        await page.waitForEvent('console', { predicate: (m) => m.text().startsWith(`ACK ${run}-`), timeout: 60_000 });
        // Not a wait for anything: where in the stream the kill lands is the trial's random choice.
        await new Promise((ok) => setTimeout(ok, random.int(300, 1500)));
      } finally {
        await kill(b);
      }
    }
  } finally {
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
  return {
    mode: options.mode,
    crashes: options.crashes,
    acknowledged: acknowledged.size,
    lost: [...lost].sort(),
    discardedByBrowser: [...discarded].sort(),
    integrity,
    recoveryProblems,
    browserDataLoss: browserLoss,
  };
}
