/**
 * Issue 10, items 4 and 5: a failing seed says which record and field, and a divergence no
 * repair can fix ends the seed with a verdict instead of a loop of repairs.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConsistencyReport, Discrepancy } from '../../src/engine/checks/consistency.ts';
import { History, type HistoryOp } from '../../src/engine/checks/history.ts';
import { checkHistory } from '../../src/engine/checks/history-checker.ts';
import type { Scenario } from '../../src/engine/scenario/format.ts';
import { parseScenario } from '../../src/engine/scenario/validate.ts';
import { describeShadowNote } from '../../src/engine/guards.ts';
import type { Row, SqlEngine } from '../../src/engine/sql.ts';
import { main } from '../../src/harness/cli.ts';
import { CONVERGENCE_ROUNDS, ConvergenceWatch, STALLED_MOVES } from '../../src/harness/convergence.ts';
import { DIAGNOSTIC_LIMIT, historyDiagnostics } from '../../src/harness/diagnostics.ts';
import { simulate, type RunReport, type SimulationReport } from '../../src/harness/simulate.ts';
import { formatSummary } from '../../src/harness/summary.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';
import { mutated } from '../support/scenario-mutations.ts';
import { UNREPAIRABLE_SCENARIO, UNREPAIRABLE_SCENARIO_JSON, writeUnrepairableScenario } from '../support/unrepairable-scenario.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});

const VERDICT = /^(\d+) records? differs? and repair cannot converge: equal versions, different contents/;

describe('a divergence no repair can fix', () => {
  let report: SimulationReport;
  beforeAll(async () => {
    report = await simulate({ scenario: UNREPAIRABLE_SCENARIO, sql, seeds: 20, ops: 200, faultRate: 0.1, durability: 'strict' });
  }, 300_000);

  it('ends every seed with the verdict, as an invariant failure of that seed', () => {
    expect(report.runs).toHaveLength(20);
    for (const run of report.runs) {
      const verdict = run.failures.find((f) => f.invariant === 'unrepairable-divergence');
      expect(verdict?.detail, `seed ${run.seed}`).toMatch(VERDICT);
      expect(verdict?.seed).toBe(run.seed);
      expect(verdict?.command).toContain(`--seed-start ${run.seed}`);
      // The count is the final repair's records with equal versions, the ones the diffs list.
      expect(Number(VERDICT.exec(verdict?.detail ?? '')?.[1])).toBe(run.diagnostics?.differences?.equalVersions);
      expect(run.inconsistentRows).toBeGreaterThan(0);
      // The walk gave up on the move (the run never gets past the guard that wants a clean verify).
      expect(run.finalPhase).not.toBe('old-dropped');
      expect(run.endedIn?.stopped).toBe('unrepairable-divergence');
      expect(run.endedIn?.phase).toBe(run.finalPhase);
    }
    expect(report.failures.filter((f) => f.invariant === 'unrepairable-divergence')).toHaveLength(20);
  });

  it('lists the records that differ, field by field: the name the new side stored upper-cased', () => {
    for (const run of report.runs) {
      const differences = run.diagnostics?.differences;
      expect(differences?.step).toBe('final verify');
      expect(differences?.total).toBe(run.inconsistentRows);
      expect(differences?.byKind.inconsistent).toBeGreaterThanOrEqual(differences?.equalVersions ?? Infinity);
      expect(differences?.first.length).toBe(Math.min(DIAGNOSTIC_LIMIT, differences?.total ?? 0));
      for (const d of differences?.first ?? []) {
        expect(d).toMatchObject({ collection: 'users', kind: 'inconsistent', newer: 'unknown' });
        expect(d.fields).toHaveLength(1);
        const [f] = d.fields;
        expect(f?.field).toBe('name');
        expect(typeof f?.old).toBe('string');
        expect(f?.new).toBe((f?.old as string).toUpperCase());
        expect(f?.new).not.toBe(f?.old);
      }
    }
  });

  it('prints the verdict, the refused move and the diffs in the summary', () => {
    const text = formatSummary(report);
    const run = report.runs[0] as RunReport;
    const diff = run.diagnostics?.differences?.first[0];
    expect(text).toContain(`seed ${run.seed}, move `);
    expect(text).toMatch(/records? differs? and repair cannot converge: equal versions, different contents/);
    expect(text).toMatch(new RegExp(`^Seed ${run.seed} — ended in ${run.finalPhase}: the move to \\S+ was refused (once|\\d+ times); given up: \\d+ records? differs? and repair cannot converge`, 'm'));
    expect(text).toContain(`    users ${diff?.key} inconsistent, equal versions: name old ${JSON.stringify(diff?.fields[0]?.old)}, new ${JSON.stringify(diff?.fields[0]?.new)}`);
    expect(text).toMatch(/^ {2}records that differ after the final repair \(\d+: inconsistent \d+, with equal versions \d+\):$/m);
  });

  it('exits 1, the invariant-failure code, from the command line with a scenario file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'cutover-')), 'unrepairable.json');
    await writeUnrepairableScenario(file);
    const out: string[] = [];
    const code = await main(['simulate', '--scenario', file, '--seeds', '2', '--ops', '200', '--json'], (s) => out.push(s), () => undefined);
    expect(code).toBe(1);
    const json = JSON.parse(out.join('\n')) as SimulationReport;
    expect(json.scenario).toBe(UNREPAIRABLE_SCENARIO_JSON.id);
    expect(json.failures.map((f) => f.invariant)).toEqual(['unrepairable-divergence', 'unrepairable-divergence']);
    expect(json.runs[0]?.diagnostics?.differences?.first[0]?.fields[0]?.field).toBe('name');
  });

  it('gives the same bytes for the same seed', async () => {
    const again = await simulate({ scenario: UNREPAIRABLE_SCENARIO, sql, seeds: 2, ops: 200, faultRate: 0.1, durability: 'strict' });
    expect(JSON.stringify(again.runs)).toBe(JSON.stringify(report.runs.slice(0, 2)));
  });
});

describe('a move refused call after call for a reason repair does not touch', () => {
  it('stops the walk, names the phase the run ended in and lists the records that differ', async () => {
    // rows.new never returns u-1 and u-2: they stay "only in old" whatever backfill copies.
    const scenario = mutated(UNREPAIRABLE_SCENARIO, (s) => {
      const c = (s.collections as Record<string, { rows: { new: string }; upsert: { new: string[] } }>).users!;
      c.rows.new = `${c.rows.new} WHERE p.id NOT IN ('u-1', 'u-2')`;
      c.upsert.new[0] = c.upsert.new[0]!.replace('upper(:name)', ':name');
      s.id = 'user-emails-hidden';
    }) as unknown as Scenario;
    const report = await simulate({ scenario, sql, seeds: 1, ops: 200, faultRate: 0, durability: 'strict' });
    const run = report.runs[0] as RunReport;
    expect(run.endedIn?.stopped).toBe('stalled');
    expect(run.endedIn?.refused?.times).toBeGreaterThanOrEqual(STALLED_MOVES);
    expect(run.endedIn?.detail).toMatch(new RegExp(`^ended in ${run.finalPhase}: the move to \\S+ was refused \\d+ times; given up after ${STALLED_MOVES} tries`));
    expect(run.endedIn?.refused?.reasons.join('\n')).toMatch(/records that differ/);
    expect(run.failures.map((f) => f.invariant)).toEqual(['inconsistent-rows']);
    expect(run.diagnostics?.differences?.byKind).toEqual({ 'old-only': 2 });
    expect(run.diagnostics?.differences?.first.map((d) => [d.key, d.kind, d.newer])).toEqual([
      ['["u-1"]', 'old-only', 'old'],
      ['["u-2"]', 'old-only', 'old'],
    ]);
    const text = formatSummary(report);
    expect(text).toMatch(/^ {4}users \["u-1"\] old-only: \{"user_id":"u-1","name":/m);
    expect(text).toMatch(/^Seed 1 — ended in \S+: the move to \S+ was refused \d+ times; given up after 3 tries, each with its repairs$/m);
  });
});

describe('diagnostics of the history check', () => {
  it('lists unexpected values with the field, the value read and the values the history allows', async () => {
    // A careless operator forces the moves: reads from new return the names the new side upper-cased.
    const report = await simulate({ scenario: UNREPAIRABLE_SCENARIO, sql, seeds: 1, ops: 200, faultRate: 0.1, durability: 'strict', careless: true });
    const run = report.runs[0] as RunReport;
    expect(run.failures.map((f) => f.invariant)).toContain('unexpected-values');
    const unexpected = run.diagnostics?.unexpected;
    expect(unexpected?.total).toBeGreaterThan(0);
    expect(unexpected?.first.length).toBe(Math.min(DIAGNOSTIC_LIMIT, unexpected?.total ?? 0));
    for (const u of unexpected?.first ?? []) {
      expect(u.collection).toBe('users');
      expect(u.fields.map((f) => f.field)).toEqual(['name']);
      const [f] = u.fields;
      expect(f?.allowed.length).toBeGreaterThan(0);
      expect(f?.allowed.map((a) => (a as string).toUpperCase())).toContain(f?.read);
      expect(f?.allowed).not.toContain(f?.read);
      expect(u.read?.name).toBe(f?.read);
      if (u.where !== 'final') expect(u.where.operation).toBe('getUser');
    }
    const first = unexpected?.first[0];
    const text = formatSummary(report);
    expect(text).toContain(`unexpected values: ${unexpected?.total} read`);
    expect(text).toContain(`    users ${first?.key}, ${first?.where === 'final' ? 'final read' : `read #${first?.where.index} getUser in ${first?.where.phase}`}: name ${JSON.stringify(first?.fields[0]?.read)}, the history allows ${JSON.stringify(first?.fields[0]?.allowed[0])}`);
  });

  it('lists lost writes with what was read back and what the history allows', async () => {
    const report = await simulate({ scenario: BUILT_IN_SCENARIOS['job-keys']!, sql, seeds: 3, ops: 120, faultRate: 0.1, durability: 'unsafe-ack-first' });
    const failing = report.runs.filter((r) => r.lostWrites.length > 0);
    expect(failing.length).toBeGreaterThan(0);
    for (const run of failing) {
      const lost = run.diagnostics?.lost;
      expect(lost?.total).toBe(run.lostWrites.length);
      expect(lost?.first.map((l) => l.key)).toEqual(run.lostWrites.slice(0, DIAGNOSTIC_LIMIT).map((l) => l.key));
      for (const [i, l] of (lost?.first ?? []).entries()) {
        expect(l.operation.name).toBe(run.lostWrites[i]?.operation.name);
        expect(l.allowed.length).toBeGreaterThan(0);
        // Read back nothing, or a state whose differing fields are named with the values allowed.
        if (l.read === null) expect(l.fields).toEqual([]);
        else expect(l.fields.length).toBeGreaterThan(0);
      }
    }
    expect(formatSummary(report)).toMatch(/^ {2}lost acknowledged writes \(\d+\):\n {4}jobs \[/m);
  });

  it('adds nothing to the report of a seed that passes', async () => {
    const report = await simulate({ scenario: BUILT_IN_SCENARIOS['job-keys']!, sql, seeds: 1, ops: 80, faultRate: 0.1, durability: 'strict' });
    const run = report.runs[0] as RunReport;
    expect(run.failures).toEqual([]);
    expect(run.finalPhase).toBe('old-dropped');
    expect(Object.keys(run)).not.toContain('diagnostics');
    expect(Object.keys(run)).not.toContain('endedIn');
    expect(formatSummary(report)).not.toMatch(/^Seed /m);

    // A run that passes but stopped short of old-dropped is named, with the reasons of its last refusal.
    const reasons = ['shadow reads disagreed 3 times in 20', 'verify again: something may have changed since the last one'];
    const short: SimulationReport = { ...report, runs: [{ ...run, finalPhase: 'read-new', endedIn: { phase: 'read-new', refused: { to: 'new-only', times: 6, reasons }, detail: 'ended in read-new: the move to new-only was refused 6 times' } }] };
    expect(formatSummary(short)).toContain(['Runs that did not reach old-dropped (1):', `  seed ${run.seed} ended in read-new: the move to new-only was refused 6 times:`, ...reasons.map((r) => `    ${r}`)].join('\n'));
  });
});

describe('the newcomer\'s run of docs/examples/inventory-truncating.json', () => {
  let report: SimulationReport;
  let text: string;
  beforeAll(async () => {
    const v = parseScenario(await readFile(resolve(import.meta.dirname, '../../docs/examples/inventory-truncating.json'), 'utf8'), sql);
    if (!v.ok) throw new Error('the example does not validate');
    // Seed 3 is the one whose header said 8 while its failure and its list said 10.
    report = await simulate({ scenario: v.scenario, sql, seeds: 2, seedStart: 2, ops: 200, faultRate: 0.1, durability: 'strict', scenarioArg: 'docs/examples/inventory-truncating.json' });
    text = formatSummary(report);
  }, 120_000);

  /** The lines of one seed's block in the summary. */
  const block = (seed: number): string[] => {
    const lines = text.split('\n');
    const start = lines.indexOf(lines.find((l) => l.startsWith(`Seed ${seed} — `)) ?? '');
    const end = lines.indexOf('', start);
    return lines.slice(start, end);
  };

  it('prints every refusal reason whole, the remedy included, on wrapped lines', () => {
    for (const run of report.runs) {
      const reasons = run.endedIn?.refused?.reasons ?? [];
      expect(reasons.some((r) => r.length > 300)).toBe(true);
      const lines = block(run.seed);
      const from = lines.indexOf('  the last refusal said:') + 1;
      const to = lines.findIndex((l, i) => i >= from && !l.startsWith('    '));
      const printed = lines.slice(from, to);
      // Each reason starts at 4 spaces, continues at 6, and reads back exactly as the JSON has it.
      const joined: string[] = [];
      for (const l of printed) {
        if (l.startsWith('      ')) joined[joined.length - 1] += ` ${l.trim()}`;
        else joined.push(l.trim());
      }
      expect(joined).toEqual(reasons);
      expect(printed.every((l) => l.length <= 110 || !l.trim().includes(' '))).toBe(true);
      expect(joined.join('\n')).toContain("fix the scenario's SQL, repair, then verify again");
      expect(printed.join('\n')).not.toMatch(/…$/m);
    }
  });

  it('lists the records the application reads differently (the ones backfill damaged), with their total, in the text and the JSON', () => {
    for (const run of report.runs) {
      const a = run.diagnostics?.appReads;
      expect(a?.step).toBe('final verify');
      expect(a?.total).toBeGreaterThan(0);
      expect(a?.first.length).toBe(Math.min(DIAGNOSTIC_LIMIT, a?.total ?? 0));
      for (const m of a?.first ?? []) {
        // Backfilled through the truncating canonical query: new holds one cent less than old's application read rounds to.
        expect(m).toMatchObject({ collection: 'items', read: 'getItem', newer: 'unknown' });
        expect(m.fields.map((f) => f.field)).toEqual(['price_cents']);
        expect(Number(m.fields[0]?.old) - Number(m.fields[0]?.new)).toBe(1);
        expect(m.params).toEqual({ sku: JSON.parse(m.key)[0] });
      }
      const first = a?.first[0];
      const lines = block(run.seed);
      expect(lines).toContain(`  records the application reads differently after the final repair (${a?.total}, by verify's check reads):`);
      expect(lines).toContain(`    items ${first?.key} through getItem, equal versions: price_cents old ${Number(first?.fields[0]?.old)}, new ${Number(first?.fields[0]?.new)}`);
      if ((a?.total ?? 0) > DIAGNOSTIC_LIMIT) expect(lines).toContain(`    … and ${(a?.total ?? 0) - DIAGNOSTIC_LIMIT} more`);
    }
  });

  it('gives one count of the records no repair converges in the header, the failure and the list, and says when the move was given up on fewer', () => {
    for (const run of report.runs) {
      const failure = run.failures.find((f) => f.invariant === 'unrepairable-divergence');
      const count = Number(VERDICT.exec(failure?.detail ?? '')?.[1]);
      expect(count).toBe(run.diagnostics?.differences?.equalVersions);
      expect(run.endedIn?.detail).toContain(`given up: ${count} records differ and repair cannot converge`);
    }
    const seed3 = report.runs.find((r) => r.seed === 3);
    expect(seed3?.endedIn?.detail).toMatch(/; given up: 10 records differ and repair cannot converge: equal versions, different contents \(counted by the final repair; 8 when the move was given up\)$/);
    expect(block(3)).toContain('  records that differ after the final repair (10: inconsistent 10, with equal versions 10):');
    expect(text).toContain('  seed 3, move shadow -> read-new: 10 records differ and repair cannot converge');
  });
});

describe('a run held back by the application reads alone', () => {
  it('fails with application-reads, carries the records its last verify read differently, and the summary lists them under the run', async () => {
    // The new side's getItem adds a cent: the canonical queries agree, the application's read on new does not,
    // so the move to read-new is refused until the walk gives up; reads never reach new, so only that fails.
    const v = parseScenario(await readFile(resolve(import.meta.dirname, '../../docs/examples/inventory.json'), 'utf8'), sql);
    if (!v.ok) throw new Error('the example does not validate');
    const scenario = mutated(v.scenario, (s) => {
      const read = (s.operations as Record<string, { new: string }>).getItem!;
      read.new = read.new.replace('p.price_cents AS price_cents', 'p.price_cents + 1 AS price_cents');
      s.id = 'inventory-new-read-off';
    }) as unknown as Scenario;
    const report = await simulate({ scenario, sql, seeds: 1, ops: 200, faultRate: 0.1, durability: 'strict' });
    const run = report.runs[0] as RunReport;
    expect(run.failures.map((f) => f.invariant)).toEqual(['application-reads']);
    expect(run.endedIn?.phase).toBe('shadow');
    expect(Object.keys(run.diagnostics ?? {})).toEqual(['appReads']);
    const a = run.diagnostics?.appReads;
    expect(a?.total).toBeGreaterThan(DIAGNOSTIC_LIMIT);
    for (const m of a?.first ?? []) expect(Number(m.fields[0]?.new) - Number(m.fields[0]?.old)).toBe(1);
    const text = formatSummary(report);
    expect(text).toContain(`\n  records the application reads differently after the final repair (${a?.total}, by verify's check reads):\n    items ${a?.first[0]?.key} through getItem, equal versions: price_cents old `);
    expect(text).not.toContain('All invariants held.');
    expect(text).toContain("records the application's own read returns differently on old and new after backfill and reverse-sync");
  });
});

describe('NULL in the summary', () => {
  it('prints a database NULL as NULL in every list, as the shadow diffs and the guards do', () => {
    const note = describeShadowNote({ operation: 'getItem', params: { sku: null }, phase: 'shadow', diffCount: 1, diffs: [{ key: '["sku-1"]', kind: 'changed', fields: [{ field: 'name', old: null, new: 'x' }] }] });
    expect(note).toBe('getItem {"sku":NULL} ["sku-1"] name old NULL new "x"');
    const run: RunReport = {
      seed: 1, operations: 10, acknowledgedWrites: 1, failedWrites: 0, indeterminateWrites: 0, unexpectedReads: 1, staleReads: 0, inconsistentRows: 1, recovered: 0, undecided: 0, duplicates: 0,
      crashes: 0, crashPoints: {}, faultsArmed: 0, rollbacks: 0, phaseMoves: 0, finalPhase: 'shadow', snapshotsSkipped: 0, lostAcknowledgements: 0,
      lostWrites: [{ collection: 'users', key: '["u-1"]', operation: { index: 3, name: 'signUp', params: { user_id: 'u-1', email: null }, phase: 'dual-write' }, expected: [{ name: 'ada', email: null }], found: { name: 'ada', email: 'x' } }],
      failures: [{ seed: 1, step: 'final verify', invariant: 'inconsistent-rows', detail: '1 records differ', command: 'npx cutover-lab simulate' }],
      endedIn: { phase: 'shadow', refused: { to: 'read-new', times: 1, reasons: [note] }, detail: 'ended in shadow: the move to read-new was refused once' },
      diagnostics: {
        unexpected: { total: 1, first: [{ collection: 'users', key: '["u-2"]', where: 'final', read: { name: null, email: 'e' }, fields: [{ field: 'name', read: null, allowed: ['ada', null] }], allowed: [{ name: 'ada', email: 'e' }, { name: null, email: null }] }] },
        lost: { total: 1, first: [{ collection: 'users', key: '["u-1"]', where: 'final', read: null, fields: [], allowed: [{ name: 'ada', email: null }], operation: { index: 3, name: 'signUp', phase: 'dual-write' } }] },
        differences: { step: 'final verify', total: 2, byKind: { inconsistent: 1, 'old-only': 1 }, equalVersions: 1, first: [
          { collection: 'users', key: '["u-3"]', kind: 'inconsistent', newer: 'unknown', fields: [{ field: 'email', old: null, new: 'e' }] },
          { collection: 'users', key: '["u-4"]', kind: 'old-only', newer: 'old', fields: [], record: { user_id: 'u-4', name: 'bo', email: null } },
        ] },
        appReads: { step: 'final verify', total: 1, newerInNew: 0, first: [{ collection: 'users', key: '["u-5"]', read: 'getUser', params: { user_id: 'u-5' }, fields: [{ field: 'email', old: 'e', new: null }], newer: 'old' }] },
      },
    };
    const sim: SimulationReport = {
      format: 'cutover-lab/simulation', version: 1, scenario: 'users', settings: { seeds: 1, seedStart: 1, ops: 10, faultRate: 0, durability: 'strict', careless: false },
      totals: { runs: 1, operations: 10, acknowledgedWrites: 1, lostWrites: 1, unexpectedReads: 1, staleReads: 0, inconsistentRows: 1, recovered: 0, undecided: 0, duplicates: 0, crashes: 0, rollbacks: 0, snapshotsSkipped: 0 },
      crashPoints: {}, lost: run.lostWrites.map((l) => ({ seed: 1, ...l })), failures: run.failures, runs: [run],
    };
    const out = formatSummary(sim);
    expect(out).not.toMatch(/\bnull\b/);
    for (const line of [
      '  seed 1: users ["u-1"] — signUp #3 in dual-write {"user_id":"u-1","email":NULL}; read back {"name":"ada","email":"x"}',
      '    getItem {"sku":NULL} ["sku-1"] name old NULL new "x"',
      '    users ["u-2"], final read: name NULL, the history allows "ada" or NULL',
      '    users ["u-1"] (signUp #3 in dual-write): read back nothing; the history allows {"name":"ada","email":NULL}',
      '    users ["u-3"] inconsistent, equal versions: email old NULL, new "e"',
      '    users ["u-4"] old-only: {"user_id":"u-4","name":"bo","email":NULL}',
      '    users ["u-5"] through getUser, newer in old: email old "e", new NULL',
    ]) expect(out.split('\n')).toContain(line);
  });
});

describe('guard warnings in the summary', () => {
  it('prints each distinct warning of the moves once per simulation, with the runs that were given it, in the text and the JSON', async () => {
    // session-json deletes sessions and does not set fallbackHidesDeleted: the move to new-only warns.
    const warned = await simulate({ scenario: BUILT_IN_SCENARIOS['session-json']!, sql, seeds: 2, ops: 120, faultRate: 0.1, durability: 'strict' });
    expect(warned.runs.every((r) => r.finalPhase === 'old-dropped')).toBe(true);
    expect(warned.warnings).toEqual([{ to: 'new-only', warning: expect.stringMatching(/^in new-only, reads fall back to read-only old when new has no rows: a record deleted from now on comes back from old/), runs: 2 }]);
    const out = formatSummary(warned);
    expect(out.match(/^Warnings of the moves made/gm)).toHaveLength(1);
    expect(out).toContain('Warnings of the moves made (1, each once; the guards allowed the moves):\n  to new-only, in 2 runs: in new-only, reads fall back to read-only old when new has no rows:');
    expect(out.match(/comes back from old/g)).toHaveLength(1);
    // job-keys has no deletes and is compensate: no move warns, and the report has no warnings at all.
    const quiet = await simulate({ scenario: BUILT_IN_SCENARIOS['job-keys']!, sql, seeds: 1, ops: 120, faultRate: 0.1, durability: 'strict' });
    expect(Object.keys(quiet)).not.toContain('warnings');
    expect(formatSummary(quiet)).not.toMatch(/^Warnings/m);
  });
});

describe('the states an unexpected value is shown against', () => {
  /** A history of UNREPAIRABLE_SCENARIO: u-1 signed up, then two overlapping email changes, both acknowledged, then a read. */
  function overlapping(readEmail: string) {
    const h = new History();
    let t = 0;
    const complete = (op: HistoryOp, rows?: Row[]) => h.complete(op, { id: op.index, name: op.name, kind: op.kind, phase: op.phase, params: op.params, outcome: 'ok', observations: [], durationMs: 0, ...(rows ? { rows } : {}) }, t++);
    complete(h.invoke('signUp', 'write', { user_id: 'u-1', name: 'ada', email: 'first@example.com' }, 'old-only', t++));
    const a = h.invoke('changeEmail', 'write', { user_id: 'u-1', email: 'a@example.org' }, 'old-only', t++);
    const b = h.invoke('changeEmail', 'write', { user_id: 'u-1', email: 'b@example.org' }, 'old-only', t++);
    complete(a);
    complete(b);
    complete(h.invoke('getUser', 'read', { user_id: 'u-1' }, 'old-only', t++), [{ user_id: 'u-1', name: 'ada', email: readEmail }]);
    return h;
  }

  it('are the ones the history checker judged the value against: every order of overlapping writes, not invocation order only', () => {
    // Invoked a then b, overlapping: either may have taken effect last, so a's address is allowed too.
    expect(checkHistory(UNREPAIRABLE_SCENARIO, overlapping('a@example.org').ops, []).unexpected).toEqual([]);
    const h = overlapping('c@example.org');
    const check = checkHistory(UNREPAIRABLE_SCENARIO, h.ops, []);
    expect(check.unexpected).toHaveLength(1);
    const emails = (states: readonly ({ readonly email?: unknown } | null)[] | undefined) => states?.map((s) => s?.email);
    expect(emails(check.unexpected[0]?.allowed)).toEqual(['b@example.org', 'a@example.org']);
    const shown = historyDiagnostics(UNREPAIRABLE_SCENARIO, h.ops, check).unexpected?.first[0];
    expect(shown?.where).toEqual({ index: 3, operation: 'getUser', phase: 'old-only' });
    expect(emails(shown?.allowed)).toEqual(['b@example.org', 'a@example.org']);
    expect(shown?.fields).toEqual([{ field: 'email', read: 'c@example.org', allowed: ['b@example.org', 'a@example.org'] }]);
  });

  it('is no record for a record no write made', () => {
    const h = new History();
    const read = h.invoke('getUser', 'read', { user_id: 'u-9' }, 'old-only', 0);
    h.complete(read, { id: 0, name: 'getUser', kind: 'read', phase: 'old-only', params: read.params, outcome: 'ok', observations: [], durationMs: 0, rows: [{ user_id: 'u-9', name: 'ghost', email: null }] }, 1);
    const check = checkHistory(UNREPAIRABLE_SCENARIO, h.ops, []);
    expect(check.unexpected.map((u) => u.allowed)).toEqual([[null]]);
  });
});

describe('ConvergenceWatch', () => {
  const discrepancy = (key: string, newer: Discrepancy['newer'], value: string): Discrepancy => ({
    collection: 'users',
    key,
    kind: 'inconsistent',
    fields: [{ field: 'name', old: value, new: value.toUpperCase() }],
    newer,
    old: null,
    new: null,
  });
  const reportOf = (...discrepancies: Discrepancy[]): ConsistencyReport =>
    ({
      labels: { old: 'old', new: 'new' },
      collections: [],
      totals: { total: 10, consistent: 10 - discrepancies.length, inconsistent: discrepancies.length, oldOnly: 0, newOnly: 0, deletedInNew: 0, deletedInOld: 0, newerInOld: discrepancies.filter((d) => d.newer === 'old').length, newerInNew: discrepancies.filter((d) => d.newer === 'new').length },
      mismatchRate: discrepancies.length / 10,
      discrepancies,
      discrepancyCount: discrepancies.length,
    }) as ConsistencyReport;

  it(`calls a record stuck once ${CONVERGENCE_ROUNDS} repair rounds in a row found it differing the same way with equal versions`, () => {
    const watch = new ConvergenceWatch();
    for (let round = 1; round < CONVERGENCE_ROUNDS; round++) {
      watch.observe(reportOf(discrepancy('["u-1"]', 'unknown', 'ada')));
      expect(watch.stuckRounds()).toBeUndefined();
    }
    watch.observe(reportOf(discrepancy('["u-1"]', 'unknown', 'ada')));
    expect(watch.stuckRounds()).toBe(CONVERGENCE_ROUNDS);
  });

  it('starts counting again when the record changes, is repaired, or has a newer side', () => {
    const watch = new ConvergenceWatch();
    for (let round = 1; round < CONVERGENCE_ROUNDS; round++) watch.observe(reportOf(discrepancy('["u-1"]', 'unknown', 'ada')));
    watch.observe(reportOf(discrepancy('["u-1"]', 'unknown', 'grace')));
    expect(watch.stuckRounds()).toBeUndefined();
    for (let round = 1; round < CONVERGENCE_ROUNDS; round++) watch.observe(reportOf(discrepancy('["u-1"]', 'unknown', 'grace')));
    watch.observe(reportOf());
    watch.observe(reportOf(discrepancy('["u-1"]', 'unknown', 'grace')));
    expect(watch.stuckRounds()).toBeUndefined();
    const newer = new ConvergenceWatch();
    for (let round = 0; round < CONVERGENCE_ROUNDS + 2; round++) newer.observe(reportOf(discrepancy('["u-1"]', 'old', 'ada')));
    expect(newer.stuckRounds()).toBeUndefined();
  });
});
