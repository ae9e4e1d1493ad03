import { describe, expect, it } from 'vitest';
import { FaultInjector, isCrash } from '../../src/engine/faults.ts';
import { createRandom } from '../../src/engine/random.ts';

describe('FaultInjector.suspend', () => {
  it('holds every fault without using any of it up, and the faults fire again afterwards', () => {
    const faults = new FaultInjector(createRandom(7));
    faults.add({ kind: 'busy', side: 'new', times: 2 });
    faults.add({ kind: 'write-error', side: 'old', once: true });
    faults.add({ kind: 'crash', point: 'before-persist', once: true });
    faults.add({ kind: 'storage-quota', once: true });

    const resume = faults.suspend();
    for (let i = 0; i < 5; i++) {
      expect(faults.forSideCall('new', 'write', 'enqueue')).toEqual({ latencyMs: 0 });
      expect(faults.forSideCall('old', 'write', 'enqueue')).toEqual({ latencyMs: 0 });
      expect(() => faults.crashPoint('before-persist')).not.toThrow();
      expect(faults.refuseStorageWrite()).toBe(false);
    }
    expect(faults.list().map((f) => f.fired)).toEqual([0, 0, 0, 0]);
    resume();
    resume(); // a second call does not resume twice

    expect(faults.forSideCall('new', 'write', 'enqueue').error?.kind).toBe('busy');
    expect(faults.forSideCall('new', 'write', 'enqueue').error?.kind).toBe('busy');
    expect(faults.forSideCall('new', 'write', 'enqueue')).toEqual({ latencyMs: 0 }); // two times, then gone
    expect(faults.forSideCall('old', 'write', 'enqueue').error?.kind).toBe('write-error');
    let crashed: unknown;
    try {
      faults.crashPoint('before-persist');
    } catch (e) {
      crashed = e;
    }
    expect(isCrash(crashed)).toBe(true);
    expect(faults.refuseStorageWrite()).toBe(true);
  });

  it('nests: faults stay held until every suspension is resumed', () => {
    const faults = new FaultInjector(createRandom(1));
    faults.add({ kind: 'storage-quota' });
    const a = faults.suspend();
    const b = faults.suspend();
    a();
    expect(faults.refuseStorageWrite()).toBe(false);
    b();
    expect(faults.refuseStorageWrite()).toBe(true);
  });
});
