/**
 * MemoryBackend copies values on the way in and out as IndexedDB's structured clone does, with
 * `copyValue` (one `slice` for a byte array instead of structuredClone's serialise-and-read-back).
 */
import { describe, expect, it } from 'vitest';
import { copyValue, MemoryBackend } from '../../src/store/memory-backend.ts';

describe('copyValue', () => {
  it('copies what the durable store keeps into values equal to structuredClone’s and sharing nothing with the original', () => {
    const bytes = Uint8Array.from([1, 2, 3, 4]);
    const value = {
      seq: 3,
      statements: [{ sql: 'INSERT INTO t VALUES (:a, :b, :c)', params: { a: 'x', b: 2.5, c: null, d: Uint8Array.from([9]) } }],
      image: bytes,
      nested: { deep: [[1, 'two', { three: true }]], missing: undefined },
    };
    const copy = copyValue(value) as typeof value;
    expect(copy).toEqual(structuredClone(value));
    expect(copy.image).toBeInstanceOf(Uint8Array);
    expect(copy.image).not.toBe(bytes);
    expect('missing' in copy.nested).toBe(true);
    bytes[0] = 99;
    (value.statements[0]?.params as Record<string, unknown>).a = 'changed';
    expect(copy.image[0]).toBe(1);
    expect(copy.statements[0]?.params.a).toBe('x');
  });

  it('copies only the bytes a view shows, and keeps shared references and cycles as structuredClone does', () => {
    const view = Uint8Array.from([0, 1, 2, 3, 4, 5]).subarray(2, 4);
    expect(Array.from(copyValue(view) as Uint8Array)).toEqual([2, 3]);
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { a: shared, b: shared };
    cyclic.self = cyclic;
    const copy = copyValue(cyclic) as Record<string, unknown>;
    expect(copy.a).toBe(copy.b);
    expect(copy.a).not.toBe(shared);
    expect(copy.self).toBe(copy);
  });

  it('hands anything else to structuredClone: dates and maps come back as such, class instances as plain data, functions throw', () => {
    const when = new Date(0);
    const map = new Map([['k', Uint8Array.from([1])]]);
    class Point {
      constructor(readonly x: number) {}
    }
    const copy = copyValue({ when, map, point: new Point(2) }) as { when: Date; map: Map<string, Uint8Array>; point: unknown };
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when.getTime()).toBe(0);
    expect(copy.map.get('k')).toEqual(Uint8Array.from([1]));
    expect(copy.point).toEqual({ x: 2 });
    expect(copy.point).not.toBeInstanceOf(Point);
    expect(() => copyValue({ f: () => 1 })).toThrow(/could not be cloned/);
    expect(() => copyValue([Symbol('s')])).toThrow(/could not be cloned/);
  });
});

describe('MemoryBackend', () => {
  it('stores a copy: changing the bytes written, or the value read, leaves what is stored', async () => {
    const backend = new MemoryBackend();
    const record = { format: 1, bytes: Uint8Array.from([1, 2, 3]) };
    const write = backend.write({ set: [['k', record]] });
    record.bytes[0] = 7; // after write() was called, before it completed
    await write;
    const read = (await backend.get('k')) as typeof record;
    expect(Array.from(read.bytes)).toEqual([1, 2, 3]);
    read.bytes[1] = 8;
    expect(Array.from(((await backend.get('k')) as typeof record).bytes)).toEqual([1, 2, 3]);
  });

  it('refuses a value that cannot be cloned, storing nothing of the write', async () => {
    const backend = new MemoryBackend();
    await expect(backend.write({ set: [['a', 1], ['b', { f: () => 1 }]] })).rejects.toThrow(/could not be cloned/);
    expect(backend.allKeys()).toEqual([]);
  });
});
