/**
 * KnownRecords (src/engine/checks/model.ts) picks an existing record with one draw indexing the
 * records in a Map's insertion order. It no longer copies the records to do so; these tests hold
 * it to the copying version's choice, draw for draw, through inserts, updates in place, deletes,
 * re-inserts, `remember` and enough deletes to compact its slots and grow its index.
 */
import { describe, expect, it } from 'vitest';
import { KnownRecords } from '../../src/engine/checks/model.ts';
import { createRandom, type Random } from '../../src/engine/random.ts';
import type { Collection, Scenario, WriteOperation } from '../../src/engine/scenario/format.ts';
import type { SqlValue } from '../../src/engine/sql.ts';

const jobs = { key: ['id'], fields: ['n'] } as unknown as Collection;
const scenario = { collections: { jobs, other: jobs } } as unknown as Scenario;
const write = (type: 'upsert' | 'delete' | 'update', collection = 'jobs'): WriteOperation =>
  ({ kind: 'write', params: {}, old: [], new: [], effect: { collection, type, key: { id: 'id' }, ...(type === 'delete' ? {} : { set: { n: 'n' } }) } }) as WriteOperation;
const UPSERT = write('upsert');
const UPDATE = write('update');
const DELETE = write('delete');

/** The implementation this replaced: a Map per collection, copied on every pick. */
class CopyingKnownRecords {
  readonly records = new Map<string, Map<string, Record<string, SqlValue>>>();
  set(collection: string, id: number, n: number): void {
    const byKey = this.records.get(collection) ?? new Map<string, Record<string, SqlValue>>();
    this.records.set(collection, byKey);
    byKey.set(JSON.stringify([id]), { id, n });
  }
  update(collection: string, id: number, n: number): void {
    if (this.records.get(collection)?.has(JSON.stringify([id]))) this.set(collection, id, n);
  }
  delete(collection: string, id: number): void {
    this.records.get(collection)?.delete(JSON.stringify([id]));
  }
  pick(collection: string, random: Random): Record<string, SqlValue> | undefined {
    const byKey = this.records.get(collection);
    if (!byKey || byKey.size === 0) return undefined;
    const entries = [...byKey.values()];
    return entries[random.int(0, entries.length - 1)];
  }
  count(collection: string): number {
    return this.records.get(collection)?.size ?? 0;
  }
}

/** Runs `steps` random operations on both and compares every pick (and the draws consumed). */
function compare(seed: number, steps: number, keys: number, deleteShare: number): { picks: number; maxCount: number } {
  const ops = createRandom(`ops-${seed}`);
  const drawsNew = createRandom(`draws-${seed}`);
  const drawsOld = createRandom(`draws-${seed}`);
  const known = new KnownRecords(scenario);
  const reference = new CopyingKnownRecords();
  let picks = 0;
  let maxCount = 0;
  for (let step = 0; step < steps; step++) {
    const collection = ops.chance(0.8) ? 'jobs' : 'other';
    const id = ops.int(0, keys - 1);
    const n = ops.int(0, 1000);
    const roll = ops.next();
    if (roll < deleteShare) {
      known.apply(write('delete', collection), { id });
      reference.delete(collection, id);
    } else if (roll < deleteShare + 0.1) {
      known.apply(write('update', collection), { id, n });
      reference.update(collection, id, n);
    } else if (roll < deleteShare + 0.15) {
      known.remember(collection, JSON.stringify([id]), { id }, { n });
      reference.set(collection, id, n);
    } else if (roll < deleteShare + 0.5) {
      known.apply(write('upsert', collection), { id, n });
      reference.set(collection, id, n);
    } else {
      const got = known.pick(collection, drawsNew);
      const want = reference.pick(collection, drawsOld);
      expect(got, `seed ${seed}, step ${step}`).toEqual(want);
      picks++;
    }
    expect(known.count(collection)).toBe(reference.count(collection));
    maxCount = Math.max(maxCount, reference.count('jobs'));
  }
  // Both consumed the same draws.
  expect(drawsNew.next()).toBe(drawsOld.next());
  return { picks, maxCount };
}

describe('KnownRecords.pick', () => {
  it('picks what copying the records in insertion order picked, draw for draw', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { picks, maxCount } = compare(seed, 3000, 400, 0.15);
      expect(picks).toBeGreaterThan(800);
      expect(maxCount).toBeGreaterThan(100);
    }
  });

  it('keeps the order through many deletes (slots compacted) and growth past its first capacity', () => {
    // More deletes than inserts at times: holes outnumber the records and the slots are compacted.
    for (let seed = 1; seed <= 10; seed++) compare(seed, 4000, 300, 0.45);
    const known = new KnownRecords(scenario);
    const at = (index: number) =>
      known.pick('jobs', {
        int: (min, max) => {
          expect([min, max]).toEqual([0, known.count('jobs') - 1]);
          return index;
        },
      });
    const expectOrder = (ids: number[], n: (id: number) => number) => {
      expect(known.count('jobs')).toBe(ids.length);
      ids.forEach((id, index) => expect(at(index)).toEqual({ id, n: n(id) }));
    };
    for (let id = 0; id < 1000; id++) known.apply(UPSERT, { id, n: id });
    // 750 deleted: holes outnumber records from the 501st on, and the slots are compacted.
    for (let id = 0; id < 1000; id++) if (id % 4 !== 0) known.apply(DELETE, { id });
    let ids = Array.from({ length: 1000 }, (_, id) => id).filter((id) => id % 4 === 0);
    expectOrder(ids, (id) => id);
    // Deleted and written again: now the last. Updated in place: keeps its place.
    known.apply(UPSERT, { id: 1, n: -1 });
    known.apply(UPDATE, { id: 4, n: -4 });
    known.apply(UPDATE, { id: 5, n: -5 }); // does not exist: no record
    ids = [...ids, 1];
    expectOrder(ids, (id) => (id === 1 ? -1 : id === 4 ? -4 : id));
    // Past the capacity the compaction left, with holes in between.
    for (let id = 2000; id < 3000; id++) known.apply(UPSERT, { id, n: id });
    for (let id = 2000; id < 3000; id += 7) known.apply(DELETE, { id });
    ids = [...ids, ...Array.from({ length: 1000 }, (_, i) => 2000 + i).filter((id) => (id - 2000) % 7 !== 0)];
    expectOrder(ids, (id) => (id === 1 ? -1 : id === 4 ? -4 : id));
  });

  it('picks nothing from a collection with no records, drawing nothing', () => {
    const known = new KnownRecords(scenario);
    const random = createRandom(1);
    expect(known.pick('jobs', random)).toBeUndefined();
    known.apply(UPSERT, { id: 1, n: 1 });
    known.apply(DELETE, { id: 1 });
    expect(known.pick('jobs', random)).toBeUndefined();
    expect(random.next()).toBe(createRandom(1).next());
  });
});
