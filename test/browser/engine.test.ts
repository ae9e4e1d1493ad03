import { describe, expect, it } from 'vitest';
import { loadBrowserSqlEngine } from '../../src/store/browser-sql.ts';
import { openRig } from '../support/rig.ts';

describe('the engine in real Chromium', () => {
  it('runs a dual write through sql.js compiled to WebAssembly', async () => {
    const rig = await openRig(await loadBrowserSqlEngine(), 'consensus-artifacts');
    await rig.forceTo('dual-write');
    const w = await rig.rehearsal.execute('storeArtifact', {
      spec_id: 'SPEC-KIT-100',
      stage: 'plan',
      run_id: 'run-1',
      agent_name: 'claude',
      content_json: '{"verdict":"approve"}',
      response_text: 'ok',
      created_at: '2025-11-13 10:00:00',
    });
    expect(w.outcome).toBe('ok');
    expect(w.observations.map((o) => [o.side, o.ok])).toEqual([
      ['old', true],
      ['new', true],
    ]);
    const report = await rig.rehearsal.verify();
    expect(report.totals.consistent).toBe(1);
    expect(navigator.userAgent).toMatch(/Chrome/);
  });
});
