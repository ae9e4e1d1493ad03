/**
 * Faults (DESIGN.md section 4): declarative and seeded, so a run replays from its seed. An injected
 * error comes back as data in an observation; only a crash unwinds the engine, by design.
 */
import { assertNever } from './assert-never.ts';
import type { Random } from './random.ts';
import type { Side } from './scenario/format.ts';

export const FAULT_KINDS = ['write-error', 'read-error', 'busy', 'latency', 'crash', 'storage-quota', 'snapshot-corrupt'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Named places where a crash can strike. */
export const CRASH_POINTS = [
  'before-authoritative',
  'between-writes',
  'after-writes-before-ack',
  'mid-backfill-batch',
  'before-persist',
  'during-checkpoint',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Ways a stored snapshot can be damaged. */
export const CORRUPTIONS = ['bit-flip', 'truncate', 'empty', 'not-sqlite', 'newer-format'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

/** One armed fault. Faults with neither `rate` nor `once` fire every time they apply. */
export interface FaultSpec {
  readonly kind: FaultKind;
  /** The side it hits (errors, busy, latency); both when absent. */
  readonly side?: Side;
  /** Only this operation. */
  readonly operation?: string;
  /** Probability per chance to fire. */
  readonly rate?: number;
  /** Fire once, then disarm. */
  readonly once?: boolean;
  /** `busy`: how many consecutive calls report busy. */
  readonly times?: number;
  /** `latency`: added milliseconds. */
  readonly latencyMs?: number;
  /** `crash`: where. */
  readonly point?: CrashPoint;
  /** `snapshot-corrupt`: how the next snapshot a checkpoint writes is damaged (default bit-flip). */
  readonly corruption?: Corruption;
}

/** A fault with its identity and how often it fired. */
export interface ArmedFault extends FaultSpec {
  readonly id: number;
  fired: number;
}

/** What the injector decided for one call on one side. */
export interface SideFault {
  /** Added latency in ms (0 for none). */
  readonly latencyMs: number;
  /** An injected error, if any. */
  readonly error?: { readonly kind: 'write-error' | 'read-error' | 'busy'; readonly transient: boolean; readonly message: string };
}

/** Thrown at a crash point: the engine and everything in its memory are gone. Never caught inside the engine. */
export class CrashSignal extends Error {
  override readonly name = 'CrashSignal';
  constructor(readonly point: CrashPoint | 'now' | 'storage') {
    super(`crashed at ${point}`);
  }
}

/** Whether an error is a crash unwinding the engine. */
export function isCrash(error: unknown): error is CrashSignal {
  return error instanceof CrashSignal;
}

/** Holds the armed faults and decides, from its seeded stream, when each fires. */
export class FaultInjector {
  readonly #random: Random;
  #faults: ArmedFault[] = [];
  #nextId = 1;
  #busyLeft = new Map<number, number>();
  #suspended = 0;
  /** Called when a fault fires, for metrics and the event log. */
  onFire: ((fault: ArmedFault, detail: string) => void) | undefined;

  constructor(random: Random) {
    this.#random = random;
  }

  /** Arms a fault; returns its id. */
  add(spec: FaultSpec): number {
    const fault: ArmedFault = { ...spec, id: this.#nextId++, fired: 0 };
    this.#faults.push(fault);
    if (spec.kind === 'busy') this.#busyLeft.set(fault.id, spec.times ?? 1);
    return fault.id;
  }

  /** Disarms one fault. */
  remove(id: number): void {
    this.#faults = this.#faults.filter((f) => f.id !== id);
    this.#busyLeft.delete(id);
  }

  /** Disarms every fault. */
  clear(): void {
    this.#faults = [];
    this.#busyLeft.clear();
  }

  /**
   * Holds every fault (none fires, none is used up) until the returned function is called; the
   * armed faults keep their counts. For reads that check the rehearsal, not the workload.
   */
  suspend(): () => void {
    this.#suspended++;
    let resumed = false;
    return () => {
      if (!resumed) this.#suspended--;
      resumed = true;
    };
  }

  /** Armed faults, oldest first. */
  list(): readonly ArmedFault[] {
    return this.#faults;
  }

  /** Decides the faults for one call of `operation` on `side`. */
  forSideCall(side: Side, access: 'read' | 'write', operation: string): SideFault {
    let latencyMs = 0;
    let error: SideFault['error'];
    for (const f of [...this.#faults]) {
      if (f.side !== undefined && f.side !== side) continue;
      if (f.operation !== undefined && f.operation !== operation) continue;
      switch (f.kind) {
        case 'latency':
          if (this.#fires(f)) {
            latencyMs += f.latencyMs ?? 100;
            this.#fired(f, `+${f.latencyMs ?? 100} ms on ${side}`);
          }
          break;
        case 'write-error':
          if (access === 'write' && !error && this.#fires(f)) {
            error = { kind: 'write-error', transient: false, message: `injected write error on ${side}` };
            this.#fired(f, `write error on ${side} (${operation})`);
          }
          break;
        case 'read-error':
          if (access === 'read' && !error && this.#fires(f)) {
            error = { kind: 'read-error', transient: false, message: `injected read error on ${side}` };
            this.#fired(f, `read error on ${side} (${operation})`);
          }
          break;
        case 'busy': {
          const left = this.#busyLeft.get(f.id) ?? 0;
          if (!error && left > 0 && this.#suspended === 0) {
            this.#busyLeft.set(f.id, left - 1);
            error = { kind: 'busy', transient: true, message: `database is locked (injected busy on ${side})` };
            this.#fired(f, `busy on ${side} (${operation}), ${left - 1} left`);
            if (left - 1 === 0) this.remove(f.id);
          }
          break;
        }
        case 'crash':
        case 'storage-quota':
        case 'snapshot-corrupt':
          break;
        default:
          assertNever(f.kind, 'fault kind');
      }
    }
    return error ? { latencyMs, error } : { latencyMs };
  }

  /** Throws CrashSignal when an armed crash fault fires at `point`. */
  crashPoint(point: CrashPoint): void {
    for (const f of this.#faults) {
      if (f.kind !== 'crash' || (f.point !== undefined && f.point !== point)) continue;
      if (this.#fires(f)) {
        this.#fired(f, `crash at ${point}`);
        throw new CrashSignal(point);
      }
    }
  }

  /** How to damage the snapshot a checkpoint writes now, when an armed `snapshot-corrupt` fires. */
  snapshotCorruption(): Corruption | undefined {
    for (const f of this.#faults) {
      if (f.kind === 'snapshot-corrupt' && this.#fires(f)) {
        const corruption = f.corruption ?? 'bit-flip';
        this.#fired(f, `snapshot written damaged (${corruption})`);
        return corruption;
      }
    }
    return undefined;
  }

  /** Whether a storage write should be refused now (an armed `storage-quota` fires). */
  refuseStorageWrite(): boolean {
    for (const f of this.#faults) {
      if (f.kind === 'storage-quota' && this.#fires(f)) {
        this.#fired(f, 'storage quota exceeded');
        return true;
      }
    }
    return false;
  }

  #fires(f: ArmedFault): boolean {
    if (this.#suspended > 0) return false;
    if (f.once && f.fired > 0) return false;
    return f.rate === undefined ? true : this.#random.chance(f.rate);
  }

  #fired(f: ArmedFault, detail: string): void {
    f.fired++;
    this.onFire?.(f, detail);
    if (f.once) this.remove(f.id);
  }
}
