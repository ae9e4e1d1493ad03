/**
 * The write path: one logical write through the current phase's routing (`routeOf`, so
 * `writeAuthorityInReadNew` decides which side is written first in read-new). It takes the
 * record's lock and a version, writes the authoritative side, and hands a write routed to both
 * sides to the scenario's dual-write policy.
 */
import { assertNever } from '../assert-never.ts';
import { lockKey, type EngineParts, type OperationRequest } from '../parts.ts';
import { effectKey, recordKey as recordKeyOf } from '../records.ts';
import { freezeResult, type Observation, type OperationResult, type Outcome, type SideError } from '../results.ts';
import type { Policy, Side, WriteOperation } from '../scenario/format.ts';
import { atomic } from './atomic.ts';
import { bestEffort } from './best-effort.ts';
import { compensate } from './compensate.ts';
import type { DualWrite, DualWritePolicy, ResultExtra, WriteSideOptions } from './dual-write.ts';
import { sideStatements, type SideWrite } from './statements.ts';

/** The policy that handles a write routed to both sides. */
export function dualWritePolicy(policy: Policy): DualWritePolicy {
  switch (policy) {
    case 'atomic':
      return atomic;
    case 'compensate':
      return compensate;
    case 'best-effort':
      return bestEffort;
    default:
      return assertNever(policy, 'policy');
  }
}

/** Runs writes. */
export class WritePath {
  readonly #policy: DualWritePolicy;

  constructor(private readonly parts: EngineParts) {
    this.#policy = dualWritePolicy(parts.scenario.policy);
  }

  /** Runs one write; faults come back as data in the result, a crash throws CrashSignal. */
  async write(request: OperationRequest<WriteOperation>): Promise<OperationResult> {
    const { op, params } = request;
    const collection = this.parts.records.collection(op.effect.collection);
    const key = effectKey(op, params);
    const recordKey = recordKeyOf(collection, key);
    // The record is ours from its version to its last write: versions then follow the order in
    // which writes take effect, and no other write or backfill batch comes between the two halves.
    const release = await this.parts.locks.acquire([lockKey(op.effect.collection, recordKey)]);
    try {
      this.parts.lifecycle.assertAlive();
      return await this.#writeLocked(request, { op, params, key, recordKey, version: this.parts.versions.next() });
    } finally {
      release();
    }
  }

  async #writeLocked(request: OperationRequest<WriteOperation>, write: SideWrite): Promise<OperationResult> {
    const { parts } = this;
    const { id, name, phase, route, start } = request;
    const base = { id, name, kind: 'write' as const, phase, params: write.params, version: write.version, collection: write.op.effect.collection, recordKey: write.recordKey };
    const finish = (outcome: Outcome, observations: Observation[], extra: ResultExtra = {}): OperationResult =>
      freezeResult({ ...base, outcome, observations, durationMs: parts.clock.now() - start, ...extra });
    const acknowledge = async (observations: Observation[], extra: ResultExtra = {}): Promise<OperationResult> => {
      parts.lifecycle.crashPoint('after-writes-before-ack');
      await parts.checkpoints.checkpointIfDue();
      return finish('ok', observations, extra);
    };
    const writeSide = (side: Side, access: 'write' | 'compensate', options: WriteSideOptions): Promise<Observation> =>
      parts.sideCalls.call(side, 'write', name, access, async () => {
        const db = parts.files.db(side);
        const capture = options.capture;
        if (capture) {
          const record = capture.record ? parts.records.readRecord(db, side, write.op.effect.collection, write.key) : undefined;
          const version = capture.version ? parts.records.readVersion(db, side, write.op.effect.collection, write.recordKey) : undefined;
          capture.to({ record, recordRead: capture.record, version, versionRead: capture.version });
        }
        const statements = options.statements ?? sideStatements(parts.records, side, db, write.op[side], write, 'base' in options ? options.base : 'self');
        await parts.files.commit(parts.files.fileOf(side), statements).durable;
        return undefined;
      });

    parts.lifecycle.crashPoint('before-authoritative');
    const [authoritative, second] = route.writes as [Side, Side | undefined];
    if (write.op[authoritative].length === 0) {
      return finish('fail', [], { error: { kind: 'not-defined', message: `"${name}" has no statements for ${authoritative}, the authoritative side in ${phase}`, transient: false } });
    }
    if (second === undefined || write.op[second].length === 0) {
      const only = await writeSide(authoritative, 'write', { base: 'self' });
      if (!only.ok) return finish('fail', [only], { error: only.error as SideError });
      return acknowledge([only]);
    }
    const dual: DualWrite = { ...write, name, authoritative, second, readsFrom: route.reads, parts, writeSide, acknowledge, finish };
    return this.#policy.write(dual);
  }
}
