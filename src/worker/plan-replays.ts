/**
 * Plan replays in the worker (`EngineApi.planStart` … `planRunbook`): the plan runner
 * (src/harness/plan, which runs in the worker too) on a virtual clock and an in-memory store of
 * its own, apart from the open rehearsal.
 */
import type { Clock } from '../engine/clock.ts';
import type { Scenario } from '../engine/scenario/format.ts';
import type { SqlEngine } from '../engine/sql.ts';
import { PlanRun } from '../harness/plan/run.ts';
import { describeGate, renderRunbook, stepLabel, describeStep } from '../harness/plan/runbook.ts';
import { parsePlan } from '../harness/plan/validate.ts';
import type { EngineApi, Plan, PlanProgress, PlanReplayOptions, PlanSessionStart, RehearsalReport, WorkerEvent } from './protocol.ts';

/** What plan replays need from the host. */
interface PlanReplayPorts {
  readonly sql: SqlEngine;
  readonly clock: Clock;
  /** The scenario of that id: the open rehearsal's, or a built-in. */
  readonly scenario: (id: string) => Scenario | undefined;
  readonly emit: (event: WorkerEvent) => void;
  readonly flush: () => void;
}

/** One plan loaded for replay. */
interface PlanSession {
  readonly scenario: Scenario;
  readonly plan: Plan;
  readonly options: PlanReplayOptions;
  /** Opened by the first step. */
  run: PlanRun | undefined;
  /** Calls on the session, one after the other. */
  queue: Promise<unknown>;
  stopRequested: boolean;
  report: RehearsalReport | null;
}

/**
 * Plan replays: each a `PlanRun` (the runner `cutover-lab rehearse` uses) on a virtual clock and an
 * in-memory store of its own, so the open rehearsal is untouched and the same plan and seed give
 * the CLI's figures. The page steps it; every call on a session waits for the one before.
 */
export function planReplays(ports: PlanReplayPorts): Pick<EngineApi, 'planStart' | 'planStep' | 'planContinue' | 'planStop' | 'planDiscard' | 'planRunbook'> {
  const sessions = new Map<string, PlanSession>();
  let counter = 0;

  const sessionOf = (id: string): PlanSession => {
    const s = sessions.get(id);
    if (!s) throw new Error(`no plan replay "${id}" (the engine restarted, or it was discarded): load the plan again`);
    return s;
  };
  const queued = <T>(s: PlanSession, fn: () => Promise<T>): Promise<T> => {
    const result = s.queue.then(fn);
    s.queue = result.catch(() => undefined);
    return result;
  };
  const progress = (id: string, s: PlanSession): PlanProgress => ({ session: id, steps: s.run?.steps ?? [], next: s.report ? null : (s.run ? s.run.next : 0), report: s.report });
  /** Runs the next step, opening the run first; ends the run after the last. */
  const open = async (s: PlanSession): Promise<PlanRun> => (s.run ??= await PlanRun.open({ scenario: s.scenario, plan: s.plan, seed: s.options.seed, durability: s.options.durability, sql: ports.sql }));
  const stepOnce = async (s: PlanSession): Promise<void> => {
    if (s.report) return;
    await (await open(s)).step();
    if (!s.run) return;
    if (s.run.next === null) s.report = await s.run.finish();
  };
  const end = async (s: PlanSession): Promise<void> => {
    if (s.report) return;
    s.report = await (await open(s)).finish();
  };

  return {
    async planStart(scenarioId: string, text: string, options: PlanReplayOptions): Promise<PlanSessionStart> {
      const scenario = ports.scenario(scenarioId);
      if (!scenario) return { ok: false, problems: [{ path: '', message: `no scenario "${scenarioId}" to replay the plan on` }] };
      if (!Number.isSafeInteger(options.seed) || options.seed < 0) return { ok: false, problems: [{ path: '', message: `the seed must be a whole number from 0 (got ${String(options.seed)})` }] };
      const v = parsePlan(text, scenario);
      if (!v.ok) return { ok: false, problems: v.problems };
      const id = `plan-${++counter}`;
      sessions.set(id, { scenario, plan: v.plan, options, run: undefined, queue: Promise.resolve(), stopRequested: false, report: null });
      const steps = v.plan.steps.map((step, index) => ({ index, kind: step.kind, label: stepLabel(index, step), description: describeStep(step), gates: step.gate ? describeGate(step.gate) : [] }));
      return { ok: true, session: id, plan: v.plan, steps };
    },

    planStep: async (id) => {
      const s = sessionOf(id);
      return queued(s, async () => {
        await stepOnce(s);
        return progress(id, s);
      });
    },

    planContinue: async (id) => {
      const s = sessionOf(id);
      s.stopRequested = false;
      return queued(s, async () => {
        while (!s.report && !s.stopRequested) {
          await stepOnce(s);
          const step = s.run?.steps.at(-1);
          if (step) ports.emit({ type: 'plan-step', session: id, step, next: s.report ? null : (s.run?.next ?? null) });
          ports.flush();
          // A turn of the event loop between steps: the open rehearsal's calls get in.
          await ports.clock.sleep(0);
        }
        return progress(id, s);
      });
    },

    planStop: async (id) => {
      const s = sessionOf(id);
      s.stopRequested = true;
      return queued(s, async () => {
        await end(s);
        return progress(id, s);
      });
    },

    async planDiscard(id) {
      const s = sessions.get(id);
      if (!s) return;
      sessions.delete(id);
      s.stopRequested = true;
      // A run still open holds an in-memory rehearsal: close it once its calls are done.
      await s.queue;
      if (s.run && !s.report) await s.run.finish().catch(() => undefined);
    },

    planRunbook: async (id) => {
      const s = sessionOf(id);
      return queued(s, async () => {
        if (!s.report) throw new Error('the replay has not ended yet: Continue to the end, or Stop, first');
        return renderRunbook({ report: s.report, plan: s.plan, scenario: s.scenario });
      });
    },
  };
}
