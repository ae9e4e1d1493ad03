import { describe, expect, it } from 'vitest';
import { nodeSql } from '../support/node.ts';
import { openRig } from '../support/rig.ts';

describe('a rehearsal on job-keys', () => {
  it('writes to old only in old-only and reads it back', async () => {
    const rig = await openRig(await nodeSql(), 'job-keys');
    const r = rig.rehearsal;
    const w = await r.execute('enqueue', { job_id: 'job-1', workspace_id: 'ws-acme', kind: 'embed', result: null, created_at: '2025-11-13 10:00:00' });
    expect(w.outcome).toBe('ok');
    expect(w.observations.map((o) => o.side)).toEqual(['old']);
    const read = await r.execute('getJob', { job_id: 'job-1', workspace_id: 'ws-acme' });
    expect(read.rows).toHaveLength(1);
    expect(read.rows?.[0]?.result).toBe('');
  });
});
