/**
 * Test support for the control components (phase stepper, rollback dialog, actions, workload,
 * faults): a hand-built EngineState and small helpers to mount an element and record its events.
 * Only tests import it.
 */
import { userEvent } from 'vitest/browser';
import { ROUTES, type ControlState, type CopyProgress, type Phase } from '../engine/vocabulary.ts';
import type { EngineState } from '../worker/protocol.ts';
import type { ClEventMap } from './events.ts';

/** Progress of a pass that never ran, with `overrides` applied. */
export function makeProgress(action: CopyProgress['action'], overrides: Partial<CopyProgress> = {}): CopyProgress {
  return {
    action,
    status: 'idle',
    pass: 0,
    processed: 0,
    total: 0,
    copied: 0,
    skipped: 0,
    removed: 0,
    batchSize: 50,
    rate: null,
    etaSeconds: null,
    startedInPhase: null,
    ...overrides,
  };
}

/** What a test may change of the state; `phase` also sets the route and the control's phase. */
export type StateOverrides = Partial<Omit<EngineState, 'control'>> & { readonly control?: Partial<ControlState> };

/** An EngineState of the job-keys scenario in `dual-write`, with `overrides` applied. */
export function makeState(overrides: StateOverrides = {}): EngineState {
  const phase: Phase = overrides.phase ?? 'dual-write';
  const control: ControlState = {
    format: 1,
    scenarioId: 'job-keys',
    phase,
    opens: 1,
    openNow: true,
    divergenceEvents: 0,
    lastVerify: overrides.lastVerify ?? null,
    backfillValid: false,
    backups: [],
    droppedAtVersion: null,
    forcedMoves: 0,
    ...overrides.control,
  };
  const { control: _control, ...rest } = overrides;
  return {
    rehearsalId: 'r-1',
    scenario: {
      id: 'job-keys',
      title: 'Job keys',
      summary: 'Flat keys to workspace-scoped keys.',
      sources: ['002'],
      topology: 'split',
      policy: 'compensate',
      labels: { old: 'flat keys', new: 'workspace keys' },
      operations: [
        { name: 'enqueue', kind: 'write', description: 'Stores a new job.' },
        { name: 'getJob', kind: 'read', description: 'Reads one job by id.' },
        { name: 'updateStatus', kind: 'write', description: 'Changes the status of an existing job.' },
      ],
      mix: { enqueue: 3, getJob: 5, updateStatus: 2 },
      routes: ROUTES,
      startingOperations: ['enqueue'],
    },
    durability: 'strict',
    phase,
    route: ROUTES[phase],
    readOnly: false,
    nextGuard: null,
    backfill: makeProgress('backfill'),
    reverseSync: makeProgress('reverse-sync'),
    faults: [],
    workload: { opsPerSecond: 20, concurrency: 4, mix: { enqueue: 3, getJob: 5, updateStatus: 2 }, running: false },
    lastVerify: null,
    control,
    recoveryProblems: [],
    incarnation: 1,
    ...rest,
  };
}

/** Creates `tag`, sets `props`, appends it to the body and waits for its first render. */
export async function mount<T extends HTMLElement & { updateComplete: Promise<boolean> }>(tag: string, props: Partial<T>): Promise<T> {
  const el = document.createElement(tag) as T;
  Object.assign(el, props);
  document.body.append(el);
  await el.updateComplete;
  return el;
}

/** Records the details of every `type` event that reaches the document. */
export function record<K extends keyof ClEventMap>(type: K): { readonly details: ClEventMap[K][]; stop(): void } {
  const details: ClEventMap[K][] = [];
  const listener = (e: Event): void => {
    details.push((e as CustomEvent<ClEventMap[K]>).detail);
  };
  document.addEventListener(type, listener);
  return { details, stop: () => document.removeEventListener(type, listener) };
}

/** The element in `root` matching `selector`, or a failed test. */
export function query<T extends Element = HTMLElement>(root: ParentNode | null | undefined, selector: string): T {
  const found = root?.querySelector<T>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
}

/** The button in `root` whose visible text is `text` (trimmed), or a failed test. */
export function button(root: ParentNode | null | undefined, text: string): HTMLButtonElement {
  const found = [...(root?.querySelectorAll('button') ?? [])].find((b) => b.textContent?.trim() === text);
  if (!found) throw new Error(`no button "${text}"`);
  return found;
}

/** Sets an input's or select's value and dispatches `change`, as a person would. */
export function change(control: HTMLInputElement | HTMLSelectElement, value: string): void {
  control.value = value;
  control.dispatchEvent(new Event('input', { bubbles: true }));
  control.dispatchEvent(new Event('change', { bubbles: true }));
}

/** Removes every element the tests appended to the body. */
export function cleanBody(): void {
  document.body.replaceChildren();
}

/** Presses Tab until `target` (inside `host`'s shadow root) has focus; fails after 40 presses. */
export async function tabTo(host: HTMLElement, target: Element): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (host.shadowRoot?.activeElement === target) return;
    await userEvent.tab();
  }
  throw new Error('Tab never reached the control');
}
