/**
 * The Markdown runbook of a rehearsal: every step of the plan with its gate (threshold, what the run
 * measured, the verdict), the steps after a stop marked not reached, the lost records listed, and
 * the rollback path from each phase with the hazards and remedies the engine's rollback plan names;
 * text from the plan cannot break the Markdown.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { parsePlan, rehearse, renderRunbook, rollbackRoute, type Plan, type RehearsalRun } from '../../src/harness/index.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

async function runOf(scenario: string, plan: Plan, planName?: string): Promise<RehearsalRun> {
  const report = await rehearse(scenario, plan, { seed: 1, durability: 'strict', sql });
  return { report, plan, ...(planName ? { planName } : {}) };
}

async function example(name: string): Promise<Plan> {
  const v = parsePlan(await readFile(resolve(import.meta.dirname, '../../docs/examples/plans', name), 'utf8'));
  if (!v.ok) throw new Error(`${name} is invalid`);
  return v.plan;
}

/** The section of the runbook under `### n.` (up to the next heading). */
function section(md: string, n: number): string {
  const start = md.indexOf(`\n### ${n}. `);
  expect(start, `step ${n} has a section`).toBeGreaterThanOrEqual(0);
  const end = md.indexOf('\n#', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

describe('rollbackRoute: the engine\'s rollback plan, for a runbook', () => {
  const settings = { writeAuthorityInReadNew: 'new' as const };

  it('from dual-write to old-only: nothing to run first; new goes stale (a warning, backfill again)', () => {
    expect(rollbackRoute('dual-write', 'old-only', settings)).toEqual({ from: 'dual-write', to: 'old-only', first: [], hazards: [expect.objectContaining({ kind: 'new-goes-stale', severity: 'warning', remedy: 'backfill' })] });
  });

  it('from read-new or new-only to a phase old serves: reverse-sync first, or reads on old miss what only new holds', () => {
    for (const from of ['read-new', 'new-only'] as const) {
      const r = rollbackRoute(from, 'shadow', settings);
      expect(r.first).toEqual(['reverse-sync']);
      expect(r.hazards).toEqual([expect.objectContaining({ kind: 'old-missing-writes', severity: 'data', remedy: 'reverse-sync' })]);
    }
  });

  it('from new-only to read-new: a warning while new takes writes first there, a data hazard when old does', () => {
    expect(rollbackRoute('new-only', 'read-new', settings)).toMatchObject({ first: [], hazards: [{ kind: 'old-missing-writes', severity: 'warning' }] });
    expect(rollbackRoute('new-only', 'read-new', { writeAuthorityInReadNew: 'old' })).toMatchObject({ first: ['reverse-sync'], hazards: [{ kind: 'old-missing-writes', severity: 'data' }] });
  });

  it('from old-dropped: restore the backup first, then reverse-sync before old serves reads again', () => {
    expect(rollbackRoute('old-dropped', 'new-only', settings)).toMatchObject({ first: ['restore-backup'], hazards: [{ kind: 'old-dropped', severity: 'data', remedy: 'restore-backup' }] });
    expect(rollbackRoute('old-dropped', 'old-only', settings).first).toEqual(['restore-backup', 'reverse-sync']);
  });

  it('refuses a "rollback" forward', () => {
    expect(() => rollbackRoute('shadow', 'read-new', settings)).toThrow('cannot roll back from "shadow" to "read-new": it is not an earlier phase');
  });
});

describe('renderRunbook', () => {
  let broken: RehearsalRun;
  beforeAll(async () => {
    broken = await runOf('consensus-artifacts', await example('drop-before-backfill.json'), 'drop-before-backfill.json');
  });

  it('a passing plan: every step, each gate with its threshold, the measured value and the verdict', async () => {
    const run = await runOf('job-keys', await example('seed-002-job-keys.json'), 'seed-002-job-keys.json');
    const md = renderRunbook(run);
    expect(md.startsWith('# Cut-over runbook: Seed 002: flat Redis job keys to workspace-scoped keys behind AI\\_JOBS\\_NEW\\_SCHEMA\n')).toBe(true);
    expect(md).toContain('| outcome | ✅ passed: every step ran, every gate held, no acknowledged write lost |');
    expect([...md.matchAll(/^### (\d+)\. /gm)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const [i, s] of run.report.steps.entries()) {
      const text = section(md, i + 1);
      for (const g of s.gates) expect(text).toMatch(new RegExp(`^\\| \`${g.gate.replace('.', '\\.')}\` \\| [^|]+ \\| [^|]+ \\| ✅ held: `, 'm'));
    }
    const baseline = run.report.steps[0];
    expect(section(md, 1)).toContain(`| \`p99Ms.old\` | ≤ 30 ms | ${String(baseline?.figures.p99Ms.old)} ms | ✅ held: `);
    expect(section(md, 3)).toContain('**Gate** (must hold before the next step; on failure roll back to `old-only`):');
    expect(section(md, 3)).toContain("- to `old-only` (this step's onFail): `move to old-only` — no acknowledged write at risk");
  });

  it('the broken plan: the failing gate measured against its threshold, the step after it not reached, the lost records listed, the way back from old-dropped', () => {
    const md = renderRunbook(broken);
    const lost = broken.report.invariants.history.lost;
    expect(md).toContain(`| outcome | ❌ failed at step 8, ${lost.length} acknowledged writes lost |`);
    expect(md).toContain(`- step 8, gate \`lostWrites\`: measured ${lost.length}, threshold ≤ 0`);
    const drop = section(md, 8);
    expect(drop).toContain('❌ gate failed');
    expect(drop).toMatch(new RegExp(`^\\| \`lostWrites\` \\| ≤ 0 \\| ${lost.length} \\| ❌ failed: ${lost.length} acknowledged writes are not readable`, 'm'));
    expect(drop).toContain('- to `old-only`: `restore-backup` → `reverse-sync` → `move to old-only`');
    expect(drop).toContain('- to `new-only`: `restore-backup`\n');
    expect(section(md, 9)).toContain('⏭️ not reached');
    for (const l of lost) expect(md).toContain(`| ${l.collection} | \`${l.key}\` | ${l.operation.name} \\#${l.operation.index} in old-only | `);
    // The forced moves say what they overrode.
    expect(section(md, 5)).toMatch(/\*\*Result:\*\* overrode: no backfill has completed/);
  });

  it('an onFail rollback: the hazards the engine found and the remedies it ran', async () => {
    const plan: Plan = {
      format: 1,
      steps: [
        { kind: 'move', to: 'dual-write' },
        { kind: 'arm-faults', faults: [{ kind: 'write-error', side: 'new', rate: 1 }] },
        { kind: 'workload', name: 'canary', operations: 40, gate: { errorRate: { max: 0.01 }, onFail: { kind: 'rollback', to: 'old-only' } } },
      ],
    };
    const run = await runOf('job-keys', plan);
    expect(run.report.outcome).toBe('rolled-back');
    const md = renderRunbook(run);
    expect(md).toContain('| outcome | ↩️ rolled back at step 3: a gate failed and its onFail rollback ran |');
    expect(section(md, 3)).toMatch(/\*\*onFail:\*\* rolled back to `old-only`: done, now in `old-only`; hazards new-goes-stale ×\d+ \(warning\)/);
  });

  it('text from the plan cannot break the Markdown: markup, pipes, backticks and line breaks are escaped', async () => {
    const hostile = 'a | b <script>x</script> `code` *bold* [link](u)\n# heading';
    const plan: Plan = { format: 1, title: hostile, description: hostile, steps: [{ kind: 'workload', name: hostile, operations: 5, gate: { errorRate: { max: 0 } } }] };
    const md = renderRunbook(await runOf('job-keys', plan, 'p|lan.json'));
    const escaped = 'a \\| b &lt;script&gt;x&lt;/script&gt; \\`code\\` \\*bold\\* \\[link\\](u) \\# heading';
    expect(md.split('\n')[0]).toBe(`# Cut-over runbook: ${escaped}`);
    expect(md).toContain(`> ${escaped}\n`);
    expect(md).toContain(`### 1. ${escaped}\n`);
    expect(md).toContain('| plan | p\\|lan.json, 1 step |');
    expect(md).not.toContain('<script>');
    // Every table row has its columns: no pipe from the plan split one.
    for (const line of md.split('\n').filter((l) => l.startsWith('| `errorRate`'))) expect(line.split(/(?<!\\)\|/).length).toBe(6);
  });
});
