/**
 * The read path: one logical read through the current phase's routing — the serving side, the
 * fallback when it has no rows or fails, and the shadow comparison whose mismatches are counted
 * and kept.
 */
import { diffReadResults, type RowDiff } from './checks/consistency.ts';
import type { ShadowNote, ShadowNoteDiff } from './control-state.ts';
import type { EngineParts, OperationRequest } from './parts.ts';
import type { Phase } from './phases.ts';
import { recordKey } from './records.ts';
import { freezeResult, type Observation, type OperationResult, type SideError } from './results.ts';
import type { ReadOperation, Side } from './scenario/format.ts';
import { sqlValueToJson, type Params, type Row } from './sql.ts';
import { paramsFor } from './write/statements.ts';

/** How many shadow mismatches are kept for `shadowDiffs`. */
const MAX_SHADOW_DIFFS = 200;

/** A shadow read that did not match, as kept. */
export interface ShadowMismatch {
  readonly operation: string;
  readonly phase: Phase;
  readonly diffs: readonly RowDiff[];
}

/** How many differences of one read the cut-over gate remembers. */
const NOTE_DIFFS = 3;

/** A shadow mismatch as the cut-over gate remembers it: JSON-safe, values by side rather than by role. */
export function shadowNote(operation: string, params: Params, phase: Phase, shadow: { readonly side: Side; readonly diffs: readonly RowDiff[] }): ShadowNote {
  const compared = shadow.side;
  const primary: Side = compared === 'new' ? 'old' : 'new';
  const diffs = shadow.diffs.slice(0, NOTE_DIFFS).map((d): ShadowNoteDiff => {
    switch (d.kind) {
      case 'missing-in-shadow':
        return { key: d.key, kind: 'only-in', side: primary, fields: [] };
      case 'extra-in-shadow':
        return { key: d.key, kind: 'only-in', side: compared, fields: [] };
      case 'order':
        return { key: d.key, kind: 'order', fields: [] };
      case 'changed':
        return { key: d.key, kind: 'changed', fields: d.fields.map((f) => (compared === 'new' ? { field: f.field, old: f.primary, new: f.shadow } : { field: f.field, old: f.shadow, new: f.primary })) };
    }
  });
  return { operation, params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, sqlValueToJson(v)])), phase, diffCount: shadow.diffs.length, diffs };
}

/** Runs reads and keeps the recent shadow mismatches. */
export class ReadPath {
  readonly #shadowDiffs: ShadowMismatch[] = [];

  constructor(private readonly parts: EngineParts) {}

  /** The most recent shadow-read mismatches, newest last. */
  shadowDiffs(): readonly ShadowMismatch[] {
    return [...this.#shadowDiffs];
  }

  /** Runs one read; faults come back as data in the result, a crash throws CrashSignal. */
  async read(request: OperationRequest<ReadOperation>): Promise<OperationResult> {
    const { parts } = this;
    const { id, name, op, params, phase, route, start } = request;
    const collection = parts.records.collection(op.collection);
    for (let attempt = 0; ; attempt++) {
      const observations: Observation[] = [];
      const readSide = async (side: Side): Promise<{ obs: Observation; rows: Row[] }> => {
        let rows: Row[] = [];
        const obs = await parts.sideCalls.call(side, 'read', name, 'read', async () => {
          rows = parts.files.db(side).query(op[side], paramsFor(op[side], params));
          return rows.length;
        });
        observations.push(obs);
        return { obs, rows };
      };
      let served = await readSide(route.reads);
      let servedBy: Side = route.reads;
      let fallback: 'empty' | 'error' | undefined;
      if (route.fallback && (!served.obs.ok || served.rows.length === 0)) {
        fallback = served.obs.ok ? 'empty' : 'error';
        const primary = route.reads;
        served = await readSide(route.fallback);
        servedBy = route.fallback;
        if (parts.settings.fallbackHidesDeleted && served.obs.ok) {
          // An application keeping tombstones: what the serving side deleted later stays deleted.
          const db = parts.files.db(primary);
          const fb = parts.files.db(servedBy);
          served = {
            ...served,
            rows: served.rows.filter((row) => {
              const key = recordKey(collection, row);
              const gone = parts.records.readVersion(db, primary, op.collection, key);
              return !(gone?.deleted && gone.version >= (parts.records.readVersion(fb, servedBy, op.collection, key)?.version ?? 0));
            }),
          };
        }
      }
      const compareWith = route.shadow ?? (phase === 'read-new' && parts.settings.compareInReadNew ? 'old' : undefined);
      let shadow: OperationResult['shadow'];
      if (compareWith && served.obs.ok && servedBy !== compareWith) {
        const other = await readSide(compareWith);
        if (other.obs.ok) {
          const diffs = diffReadResults(collection, served.rows, other.rows, op.ordered ?? false);
          shadow = Object.freeze({ side: compareWith, matched: diffs.length === 0, diffs: Object.freeze(diffs) });
        }
      }
      // A read must not return a change that is about to be refused by storage: wait for what
      // was committed before it, and read again if a file lost an entry meanwhile.
      if (parts.durability !== 'unsafe-ack-first') await parts.store.settled();
      parts.lifecycle.assertAlive();
      if (parts.files.brokenFiles().length > 0) {
        await parts.lifecycle.reloadBrokenFiles();
        if (attempt < 3) continue;
        // Storage keeps refusing: rather than return rows that may hold a refused change, fail.
        return freezeResult({ id, name, kind: 'read', phase, params, outcome: 'fail', error: { kind: 'storage', message: 'storage refused writes while this read ran; read again', transient: true }, observations, durationMs: parts.clock.now() - start });
      }
      // Counted on the attempt that answers only (a read again after a refused write is one read).
      this.#count(name, phase, servedBy, served.obs.ok, fallback, shadow);
      // The cut-over gate's count is stored before the read answers: a crash cannot forget a
      // disagreement its caller saw.
      if (shadow) await parts.control.recordShadowRead(shadow.matched ? null : shadowNote(name, params, phase, shadow));
      return freezeResult({
        id,
        name,
        kind: 'read',
        phase,
        params,
        outcome: served.obs.ok ? 'ok' : 'fail',
        // The rows are the query's own fresh objects, handed to nobody else: frozen where they are.
        ...(served.obs.ok ? { rows: Object.freeze(served.rows.map((r) => Object.freeze(r))) } : { error: served.obs.error as SideError }),
        servedBy,
        ...(fallback ? { fallback } : {}),
        ...(shadow ? { shadow } : {}),
        collection: op.collection,
        observations,
        durationMs: parts.clock.now() - start,
      });
    }
  }

  #count(name: string, phase: Phase, servedBy: Side, ok: boolean, fallback: 'empty' | 'error' | undefined, shadow: OperationResult['shadow']): void {
    const { metrics, clock } = this.parts;
    if (fallback) metrics.inc('cutover_fallbacks_total', { reason: fallback });
    if (shadow) {
      metrics.inc('cutover_shadow_reads_total', { result: shadow.matched ? 'match' : 'mismatch' });
      metrics.tick(clock.now(), { shadowRead: true, mismatch: !shadow.matched });
      if (!shadow.matched) {
        this.#shadowDiffs.push({ operation: name, phase, diffs: shadow.diffs });
        if (this.#shadowDiffs.length > MAX_SHADOW_DIFFS) this.#shadowDiffs.shift();
      }
    }
    if (ok) {
      metrics.inc('cutover_reads_total', { served_by: servedBy });
      if (fallback) metrics.tick(clock.now(), { fallback: true });
    }
  }
}
