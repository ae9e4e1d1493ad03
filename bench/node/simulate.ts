/**
 * `simulate` (what `cutover-lab simulate` runs): one seed of job-keys, strict, fault rate 0.1 (the
 * CLI's defaults), at --ops 200, 400, 800 and 1600, the four sizes interleaved in every round. CPU
 * time per operation at each size, the factor per doubling, and operations per second of CPU
 * (one thread: per core).
 */
import { simulate } from '../../src/harness/simulate.ts';
import { pick, type Config, type Spec } from '../lib/config.ts';
import { nodeSql, scenario } from '../lib/engine.ts';
import { measure, perSecond, stats, type Stats } from '../lib/measure.ts';
import type { Row } from '../lib/report.ts';

export const SIMULATE_SPEC: Spec = {
  id: 'simulate',
  run: async (config: Config): Promise<Row[]> => {
    const sql = await nodeSql();
    const s = scenario(sql, 'job-keys');
    const sizes = pick(config, [100, 200], [200, 400, 800, 1600]);
    const rounds = pick(config, 1, 3);
    const run = async (ops: number): Promise<number> => {
      const report = await simulate({ scenario: s, sql, seeds: 1, seedStart: 1, ops, faultRate: 0.1, durability: 'strict', scenarioArg: 'job-keys' });
      if (report.totals.runs !== 1 || report.totals.operations === 0) throw new Error(`simulate --ops ${ops} ran no operation`);
      return ops;
    };
    await run(sizes[0] as number); // warm-up
    const perOp = new Map<number, number[]>(sizes.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (const n of sizes) {
        const sample = await measure(() => run(n));
        perOp.get(n)?.push(sample.cpuUs / sample.units);
        config.log(`  simulate --ops ${n}: ${(sample.cpuUs / 1e6).toFixed(2)} s CPU`);
      }
    }
    const at = (n: number): Stats => stats(perOp.get(n) ?? []);
    const first = sizes[0] as number;
    const base = at(first);
    return sizes.map((n, i): Row => {
      const prev = i > 0 ? at(sizes[i - 1] as number) : undefined;
      const growth = at(n).median / base.median;
      const total = at(n).median * n;
      const prevTotal = prev ? prev.median * (sizes[i - 1] as number) : undefined;
      const isLast = i === sizes.length - 1;
      return {
        id: `simulate.ops${n}`,
        path: `simulate, job-keys, 1 seed, --ops ${n}: ${(total / 1e6).toFixed(2)} s CPU${prevTotal ? `, ${(total / prevTotal).toFixed(2)}× the run at --ops ${sizes[i - 1]}` : ''}; ${Math.round(perSecond(at(n)).median)} ops/s per core`,
        kind: 'cost',
        unit: 'µs/op',
        engine: at(n),
        raw: base,
        rawLabel: `the same at --ops ${first} (per operation)`,
        ratio: growth,
        target: isLast ? `linear: ≤ 1.1× per op from ${first} to ${n}` : '—',
        ...(isLast ? { met: growth <= 1.1 } : {}),
        rounds,
        extra: { ops: n, cpuSeconds: total / 1e6, perDoubling: prevTotal ? total / prevTotal : null, opsPerSecondPerCore: perSecond(at(n)) },
      };
    });
  },
};
