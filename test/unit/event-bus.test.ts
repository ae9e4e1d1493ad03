/** An error thrown by a listener or a publisher is counted and reported, never swallowed, and never reaches the engine. */
import { describe, expect, it } from 'vitest';
import { EventBus, type RaisedError } from '../../src/engine/event-bus.ts';
import { nodeSql } from '../support/node.ts';
import { openRig } from '../support/rig.ts';

describe('EventBus', () => {
  it('delivers to every listener even when one throws, and reports the error with the event it was handling', () => {
    const reported: RaisedError[] = [];
    const bus = new EventBus((e) => reported.push(e));
    const seen: string[] = [];
    bus.on(() => {
      throw new Error('listener bug');
    });
    bus.on((e) => seen.push(e.type));
    bus.emit({ type: 'checkpoint', file: 'main' });
    expect(seen).toEqual(['checkpoint']);
    expect(bus.raisedCount).toBe(1);
    expect(reported).toEqual([{ where: 'listener', event: 'checkpoint', message: 'listener bug' }]);
    expect(bus.recentRaised()).toEqual(reported);
  });

  it('keeps counting when the report itself fails', () => {
    const bus = new EventBus(() => {
      throw new Error('reporter down');
    });
    bus.raise('publisher', 'not even an Error');
    expect(bus.raisedCount).toBe(1);
    expect(bus.recentRaised()[0]).toMatchObject({ where: 'publisher', event: null, message: 'not even an Error' });
  });
});

describe('a rehearsal whose listener throws', () => {
  it('keeps running operations, and counts the error in raised() and in the metrics', async () => {
    const rig = await openRig(await nodeSql(), 'job-keys');
    const r = rig.rehearsal;
    r.on((e) => {
      if (e.type === 'operation') throw new Error('chart exploded');
    });
    const result = await r.execute('enqueue', { job_id: 'job-1', workspace_id: 'w1', kind: 'embed', result: null, created_at: 1 });
    expect(result.outcome).toBe('ok');
    expect(r.raised().count).toBe(1);
    expect(r.raised().recent[0]).toMatchObject({ where: 'listener', event: 'operation', message: 'chart exploded' });
    expect(r.metrics().counters.some((c) => c.name === 'cutover_raised_total' && c.labels['where'] === 'listener' && c.value === 1)).toBe(true);
  });
});
