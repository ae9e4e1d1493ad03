/**
 * The CLI's failure output ends with a share link (issue 13, item 6): the scenario, the plan and
 * the seed of the failing run, which the playground's decoder reads back; CUTOVER_LAB_URL sets
 * where it points. A passing run prints none.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/harness/cli.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { decodeShare } from '../../src/ui/share/share-link.ts';

const plans = resolve(import.meta.dirname, '../../docs/examples/plans');
const saved = process.env.CUTOVER_LAB_URL;
afterEach(() => {
  if (saved === undefined) delete process.env.CUTOVER_LAB_URL;
  else process.env.CUTOVER_LAB_URL = saved;
});

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(args, (s) => out.push(s), () => undefined);
  return { code, out: out.join('\n') };
}

describe('share links in the CLI output', () => {
  it('a failing rehearse prints a link holding its scenario, plan and seed, on CUTOVER_LAB_URL', async () => {
    process.env.CUTOVER_LAB_URL = 'https://lab.example/';
    const planPath = resolve(plans, 'drop-before-backfill.json');
    const r = await cli(['rehearse', '--plan', planPath, '--seed', '7']);
    expect(r.code).toBe(1);
    const line = r.out.split('\n').at(-1) ?? '';
    const m = /^Open in the playground \(the scenario, plan, seed 7; no data, nothing runs until Load\): https:\/\/lab\.example\/(#share=v1\.[A-Za-z0-9_-]+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const decoded = await decodeShare(m![1]!);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.value.seed).toBe(7);
    expect(decoded.value.scenario).toEqual(BUILT_IN_SCENARIOS['consensus-artifacts']);
    const plan = JSON.parse(await readFile(planPath, 'utf8')) as { steps: unknown[] };
    expect((decoded.value.plan as { steps: unknown[] }).steps).toHaveLength(plan.steps.length);
  }, 60_000);

  it('a passing rehearse prints no link', async () => {
    const r = await cli(['rehearse', '--scenario', 'job-keys', '--plan', resolve(plans, 'seed-002-job-keys.json'), '--seed', '1']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('#share=');
  }, 60_000);
});
