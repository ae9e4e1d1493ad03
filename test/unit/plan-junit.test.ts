/**
 * JUnit XML of a rehearsal: escaping that keeps any text well-formed (checked on the function and on
 * whole documents with hostile names), a test case per step with the step's virtual seconds, a
 * failure carrying the measured value, the threshold and the lost records, skipped steps after the
 * stop, an invariants case, and counts that add up.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { escapeXml, parsePlan, rehearse, renderJUnit, type Plan, type RehearsalRun } from '../../src/harness/index.ts';
import { nodeSql } from '../support/node.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

async function example(name: string): Promise<Plan> {
  const v = parsePlan(await readFile(resolve(import.meta.dirname, '../../docs/examples/plans', name), 'utf8'));
  if (!v.ok) throw new Error(`${name} is invalid`);
  return v.plan;
}

async function runOf(scenario: string, plan: Plan, planName?: string, replay?: string): Promise<RehearsalRun> {
  const report = await rehearse(scenario, plan, { seed: 1, durability: 'strict', sql });
  return { report, plan, ...(planName ? { planName } : {}), ...(replay ? { replay } : {}) };
}

/** Text no XML 1.0 document may hold raw. */
const HOSTILE = 'a < b && c > d "q" \'s\' ]]> \u0001\u001f\u000b \uD800 \uFFFE';

/**
 * A small well-formedness check (Node has no XML parser): the declaration, then tags that nest and
 * close in order, attributes quoted and never holding `<` or a raw quote, every `&` an entity or a
 * character reference, and no character XML 1.0 forbids anywhere. Returns the elements in document
 * order with their attributes (decoded) and, for leaf text, the text.
 */
function parseXml(xml: string): { name: string; attrs: Record<string, string>; depth: number; text: string }[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  // eslint-disable-next-line no-control-regex -- these are what must not appear
  expect(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(xml)).toBe(false);
  expect(xml.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, '')).not.toContain('&');
  const decode = (s: string): string => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] as string);
  const body = xml.slice(xml.indexOf('\n') + 1);
  const stack: string[] = [];
  const out: { name: string; attrs: Record<string, string>; depth: number; text: string }[] = [];
  let rest = body;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    if (lt < 0) {
      expect(rest.trim()).toBe('');
      break;
    }
    const text = rest.slice(0, lt);
    expect(text).not.toContain('>');
    if (text.trim() !== '' && out.length > 0) (out.at(-1) as { text: string }).text += decode(text);
    const tag = /^<(\/?)([A-Za-z-]+)((?:\s+[A-Za-z-]+="[^"<]*")*)\s*(\/?)>/.exec(rest.slice(lt));
    expect(tag, `a tag at …${rest.slice(lt, lt + 80)}`).not.toBeNull();
    const [whole, closing, name, attrText, selfClosing] = tag as unknown as [string, string, string, string, string];
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else {
      const attrs: Record<string, string> = {};
      for (const m of attrText.matchAll(/([A-Za-z-]+)="([^"]*)"/g)) attrs[m[1] as string] = decode(m[2] as string);
      out.push({ name, attrs, depth: stack.length, text: '' });
      if (!selfClosing) stack.push(name);
    }
    rest = rest.slice(lt + whole.length);
  }
  expect(stack).toEqual([]);
  return out;
}

describe('escapeXml', () => {
  it('escapes markup, quotes and ]]> in attributes, and keeps line breaks and tabs as references there', () => {
    expect(escapeXml('<a href="x">&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('x]]>y')).toBe('x]]&gt;y');
    expect(escapeXml('one\ntwo\tthree\r')).toBe('one&#10;two&#9;three&#13;');
  });

  it('between tags leaves quotes, line breaks and tabs as they are, a carriage return as a reference', () => {
    expect(escapeXml('"q" \'s\' <b> & ]]>\n\tx\r', 'text')).toBe('"q" \'s\' &lt;b&gt; &amp; ]]&gt;\n\tx&#13;');
  });

  it('writes what XML 1.0 cannot carry visibly: control characters, lone surrogates, U+FFFE/U+FFFF; a pair stays', () => {
    expect(escapeXml('\u0000\u0001\u0008\u000b\u000c\u001f')).toBe('\\u0000\\u0001\\u0008\\u000B\\u000C\\u001F');
    expect(escapeXml('a\uD800b\uDC00c')).toBe('a\\uD800b\\uDC00c');
    expect(escapeXml('\uFFFE\uFFFF')).toBe('\\uFFFE\\uFFFF');
    expect(escapeXml('😀 é ≤', 'text')).toBe('😀 é ≤');
  });
});

describe('renderJUnit', () => {
  let broken: RehearsalRun;
  beforeAll(async () => {
    broken = await runOf('consensus-artifacts', await example('drop-before-backfill.json'), 'drop-before-backfill.json', 'npx cutover-lab rehearse --scenario consensus-artifacts --plan drop-before-backfill.json --seed 1 --durability strict');
  });

  it('the broken plan: a test case per step and one for the invariants; the drop fails with the measured value, the threshold and every lost record; the step after it is skipped', () => {
    const xml = renderJUnit(broken);
    const elements = parseXml(xml);
    const suite = elements.find((e) => e.name === 'testsuite');
    expect(suite?.attrs).toMatchObject({ name: 'consensus-artifacts / drop-before-backfill.json / seed 1', tests: '10', failures: '2', errors: '0', skipped: '1' });
    const cases = elements.filter((e) => e.name === 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual([
      'step 1: move to dual-write — day 3: dual-write',
      'step 2: workload: 60 operations — day 3: stress test',
      'step 3: move to shadow',
      'step 4: workload: 40 operations',
      'step 5: move to read-new (forced past the guards) — day 5: read-path migration, no backfill',
      'step 6: workload: 60 operations — reads prefer new, old on a miss',
      'step 7: move to new-only (forced past the guards) — day 6: write-path cut-over',
      'step 8: move to old-dropped (accepting the data loss) — week 3+: remove the old schema tables',
      'step 9: workload: 40 operations — never reached: the gate above stops the plan',
      'invariants',
    ]);
    expect(cases.every((c) => c.attrs.classname === 'drop-before-backfill')).toBe(true);
    // Time is the step's virtual seconds.
    expect(cases.slice(0, 8).map((c) => Number(c.attrs.time))).toEqual(broken.report.steps.map((s) => Number((s.figures.elapsedMs / 1000).toFixed(3))));

    const lost = broken.report.invariants.history.lost;
    const failures = elements.filter((e) => e.name === 'failure');
    expect(failures).toHaveLength(2);
    const [drop, invariants] = failures as [(typeof failures)[0], (typeof failures)[0]];
    expect(drop.attrs).toEqual({ message: `lostWrites: measured ${lost.length}, threshold ≤ 0`, type: 'gate-failed' });
    for (const l of lost) expect(drop.text).toContain(`  ${l.collection} ${l.key} (${l.operation.name} #${l.operation.index} in ${l.operation.phase}): expected ${JSON.stringify(l.expected)}, found null`);
    expect(drop.text).toContain('Replay: npx cutover-lab rehearse --scenario consensus-artifacts');
    expect(invariants.attrs).toEqual({ message: `lost ${lost.length}, unexpected 0, duplicates 0; each must be 0`, type: 'invariant' });
    expect(elements.filter((e) => e.name === 'skipped').map((e) => e.attrs.message)).toEqual(['not reached: the plan stopped at step 8 (gate-failed)']);
    // The failure sits in the drop's test case, the skip in the next one.
    const order = elements.filter((e) => ['testcase', 'failure', 'skipped'].includes(e.name)).map((e) => (e.name === 'testcase' ? (e.attrs.name ?? '').slice(0, 6) : e.name));
    expect(order.slice(7)).toEqual(['step 8', 'failure', 'step 9', 'skipped', 'invariants'.slice(0, 6), 'failure']);
  });

  it('stays well-formed with hostile plan names and step names, and carries them back exactly', async () => {
    const plan: Plan = { format: 1, title: HOSTILE, steps: [{ kind: 'workload', name: HOSTILE, operations: 5, gate: { errorRate: { max: 0 } } }] };
    const run = await runOf('job-keys', plan, `${HOSTILE}.json`, `npx cutover-lab rehearse --plan '${HOSTILE}'`);
    const elements = parseXml(renderJUnit(run));
    const visible = (s: string): string => s.replaceAll('\u0001', '\\u0001').replaceAll('\u001f', '\\u001F').replaceAll('\u000b', '\\u000B').replaceAll('\uD800', '\\uD800').replaceAll('\uFFFE', '\\uFFFE');
    expect(elements.find((e) => e.name === 'testcase')?.attrs.name).toBe(`step 1: workload: 5 operations — ${visible(HOSTILE)}`);
    expect(elements.find((e) => e.name === 'testsuite')?.attrs.name).toBe(`job-keys / ${visible(HOSTILE)}.json / seed 1`);
    expect(elements.find((e) => e.name === 'property' && e.attrs.name === 'replay')?.attrs.value).toBe(visible(`npx cutover-lab rehearse --plan '${HOSTILE}'`));
  });

  it('a gate that fails and runs its onFail rollback: the failure names the gate with its figures and the rollback, and the later steps are skipped', async () => {
    const plan: Plan = {
      format: 1,
      steps: [
        { kind: 'move', to: 'dual-write' },
        { kind: 'arm-faults', faults: [{ kind: 'write-error', side: 'new', rate: 1 }] },
        { kind: 'workload', name: 'canary', operations: 40, gate: { errorRate: { max: 0.01 }, onFail: { kind: 'rollback', to: 'old-only' } } },
        { kind: 'move', to: 'shadow' },
      ],
    };
    const run = await runOf('job-keys', plan);
    expect(run.report.outcome).toBe('rolled-back');
    const elements = parseXml(renderJUnit(run));
    const failure = elements.find((e) => e.name === 'failure');
    const measured = run.report.steps[2]?.gates[0]?.measured as number;
    expect(failure?.attrs.message).toBe(`errorRate: measured ${Number((measured * 100).toFixed(2))}%, threshold ≤ 1%`);
    expect(failure?.text).toContain('onFail: rolled back to old-only: done, now in old-only');
    expect(elements.filter((e) => e.name === 'skipped')).toHaveLength(1);
    expect(elements.find((e) => e.name === 'property' && e.attrs.name === 'outcome')?.attrs.value).toBe('rolled-back');
    // No plan name: the classname is the plan's title, or "plan".
    expect(elements.find((e) => e.name === 'testcase')?.attrs.classname).toBe('plan');
  });

  it('several rehearsals: a testsuite each, the totals of all on <testsuites>', async () => {
    const passing = await runOf('job-keys', await example('seed-002-job-keys.json'), 'seed-002-job-keys.json');
    const elements = parseXml(renderJUnit([passing, broken]));
    expect(elements[0]).toMatchObject({ name: 'testsuites', depth: 0, attrs: { tests: String(11 + 10), failures: '2', errors: '0' } });
    const suites = elements.filter((e) => e.name === 'testsuite');
    expect(suites.map((s) => [s.depth, s.attrs.name, s.attrs.failures])).toEqual([
      [1, 'job-keys / seed-002-job-keys.json / seed 1', '0'],
      [1, 'consensus-artifacts / drop-before-backfill.json / seed 1', '2'],
    ]);
    const seconds = (r: RehearsalRun): number => r.report.steps.reduce((ms, s) => ms + s.figures.elapsedMs, 0) / 1000;
    expect(Number(elements[0]?.attrs.time)).toBeCloseTo(seconds(passing) + seconds(broken), 3);
  });

  it('is the same bytes for another run of the same plan and seed (no timestamps, no host)', async () => {
    const again = await runOf('consensus-artifacts', broken.plan, 'drop-before-backfill.json', broken.replay);
    expect(renderJUnit(again)).toBe(renderJUnit(broken));
  });
});
