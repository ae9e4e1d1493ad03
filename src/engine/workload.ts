/** The workload: operations drawn from the scenario's mix, with generated parameters. */
import { KnownRecords } from './checks/model.ts';
import type { Expressions } from './expressions.ts';
import type { Random } from './random.ts';
import { generateParams } from './scenario/params.ts';
import type { Scenario, WriteOperation } from './scenario/format.ts';
import type { Params } from './sql.ts';

/** One operation to invoke. */
export interface Invocation {
  readonly name: string;
  readonly kind: 'read' | 'write';
  readonly params: Params;
}

/** Draws invocations; knows which records exist from the writes it is told about. */
export class Workload {
  readonly known: KnownRecords;
  #seq: number;
  #mix: [string, number][];

  constructor(
    private readonly scenario: Scenario,
    private readonly random: Random,
    private readonly now: () => number,
    options: { mix?: Readonly<Record<string, number>>; seqStart?: number; expressions?: Expressions } = {},
  ) {
    this.known = new KnownRecords(scenario, options.expressions);
    this.#seq = options.seqStart ?? 1;
    this.#mix = Object.entries(options.mix ?? scenario.workload.mix);
  }

  /** Changes the operation mix (weights by operation name). */
  setMix(mix: Readonly<Record<string, number>>): void {
    const entries = Object.entries(mix).filter(([name, w]) => name in this.scenario.operations && w >= 0);
    if (!entries.some(([, w]) => w > 0)) throw new Error('the mix needs at least one operation with a positive weight');
    this.#mix = entries;
  }

  /** The current mix. */
  get mix(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#mix);
  }

  /** Next value of `{seq}` (to persist with the rehearsal). */
  get seq(): number {
    return this.#seq;
  }

  /** Continues `{seq}` from `next` (after a restart). */
  set seq(next: number) {
    this.#seq = Math.max(this.#seq, next);
  }

  /** The next invocation by the mix. */
  next(): Invocation {
    return this.invocation(this.random.weighted(this.#mix));
  }

  /** An invocation of `name` with generated parameters. */
  invocation(name: string): Invocation {
    const op = this.scenario.operations[name];
    if (!op) throw new Error(`no operation named "${name}"`);
    const params = generateParams(op, {
      random: this.random,
      now: this.now,
      nextSeq: () => this.#seq++,
      pickExisting: (collection) => this.known.pick(collection, this.random),
    });
    return { name, kind: op.kind, params };
  }

  /** Tells the workload a write succeeded or may have, so later operations can refer to its record. */
  observeWrite(name: string, params: Params): void {
    const op = this.scenario.operations[name];
    if (op?.kind === 'write') this.known.apply(op as WriteOperation, params);
  }
}
