/**
 * `simulate` (what `cutover-lab simulate` runs): one seed of job-keys, strict, fault rate 0.1 (the
 * CLI's defaults), at --ops 200, 400, 800 and 1600, the four sizes interleaved in every round. CPU
 * time per operation at each size, the factor per doubling, operations per second of CPU (one
 * thread: per core), and the marginal cost of an operation at the last doubling against the first.
 *
 * A warm-up round of every size, then five rounds: the first doubling's marginal cost is the
 * difference of two runs of 0.4–0.6 s CPU, and with a 200-op warm-up and three rounds the first
 * round's --ops 400 run cost up to 1.6× the others' and the linearity ratio moved between 1.0× and
 * 1.5× from one bench run to the next.
 */
import { simulate } from '../../src/harness/simulate.ts';
import { pick, type Config, type Spec } from '../lib/config.ts';
import { nodeSql, scenario } from '../lib/engine.ts';
import { measure, perSecond, stats, type Stats } from '../lib/measure.ts';
import { row, type Row } from '../lib/report.ts';

export const SIMULATE_SPEC: Spec = {
  id: 'simulate',
  run: async (config: Config): Promise<Row[]> => {
    const sql = await nodeSql();
    const s = scenario(sql, 'job-keys');
    const sizes = pick(config, [100, 200, 400], [200, 400, 800, 1600]);
    const rounds = pick(config, 1, 5);
    const run = async (ops: number): Promise<number> => {
      const report = await simulate({ scenario: s, sql, seeds: 1, seedStart: 1, ops, faultRate: 0.1, durability: 'strict', scenarioArg: 'job-keys' });
      if (report.totals.runs !== 1 || report.totals.operations === 0) throw new Error(`simulate --ops ${ops} ran no operation`);
      return ops;
    };
    // Warm-up: a round of every size, not measured. A longer run reaches code a shorter one does
    // not (later phases, more crashes), and the first round paid its compilation.
    for (const n of sizes) await run(n);
    const perOp = new Map<number, number[]>(sizes.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (const n of sizes) {
        const sample = await measure(() => run(n));
        perOp.get(n)?.push(sample.cpuUs / sample.units);
        config.log(`  simulate --ops ${n}: ${(sample.cpuUs / 1e6).toFixed(2)} s CPU`);
      }
    }
    const at = (n: number): Stats => stats(perOp.get(n) ?? []);
    const rows: Row[] = sizes.map((n, i): Row => {
      const total = at(n).median * n;
      const prev = i > 0 ? (sizes[i - 1] as number) : undefined;
      const prevTotal = prev ? at(prev).median * prev : undefined;
      return {
        id: `simulate.ops${n}`,
        path: `simulate, job-keys, 1 seed, strict, fault rate 0.1, --ops ${n}: ${(total / 1e6).toFixed(2)} s CPU${prevTotal ? `, ${(total / prevTotal).toFixed(2)}× the run at --ops ${prev}` : ''}; ${Math.round(perSecond(at(n)).median)} ops/s per core`,
        kind: 'info',
        unit: 'µs/op',
        engine: at(n),
        rawLabel: '',
        target: '',
        rounds,
        extra: { ops: n, cpuSeconds: total / 1e6, perDoubling: prevTotal ? total / prevTotal : null, opsPerSecondPerCore: perSecond(at(n)) },
      };
    });
    // Linearity: the cost of each operation added, at the last doubling against the first. The
    // average per operation falls as the run's fixed costs (seed data, phase walk, final check)
    // spread, so it would hide a growing term; the marginal cost does not.
    if (sizes.length >= 3) {
      const marginal = (from: number, to: number) =>
        stats((perOp.get(to) ?? []).map((perOpTo, r) => (perOpTo * to - (perOp.get(from)?.[r] ?? 0) * from) / (to - from)));
      const [a, b] = [sizes[0] as number, sizes[1] as number];
      const [c, d] = [sizes[sizes.length - 2] as number, sizes[sizes.length - 1] as number];
      const first = marginal(a, b);
      const last = marginal(c, d);
      const averageGrowth = at(d).median / at(a).median;
      // The doubling before the last: a difference of longer runs than the first, so less noisy.
      const middle = sizes.length >= 4 ? marginal(sizes[sizes.length - 3] as number, c) : undefined;
      rows.push(
        row({
          id: 'simulate.linearity',
          path: `simulate, job-keys: CPU per operation added from --ops ${c} to ${d}, against from ${a} to ${b} (the average per op at ${d} is ${averageGrowth.toFixed(2)}× the one at ${a}, fixed costs included)`,
          kind: 'cost',
          unit: 'µs/op',
          engine: last,
          raw: first,
          rawLabel: `CPU per operation added from --ops ${a} to ${b}`,
          target: `linear: ≤ 1.1× per op from ${a} to ${d}`,
          rounds,
          check: (ratio) => (ratio === undefined ? undefined : ratio <= 1.1),
          extra: {
            averagePerOpGrowth: averageGrowth,
            ...(middle ? { middleDoubling: `${sizes[sizes.length - 3]}→${c}`, middleMarginalUsPerOp: middle.median, lastOverMiddle: last.median / middle.median } : {}),
          },
        }),
      );
    }
    return rows;
  },
};
