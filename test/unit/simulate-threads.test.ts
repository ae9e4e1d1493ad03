/**
 * `simulate` on every core (issue 11, item 3): seeds in worker threads give the report one thread
 * gives, byte for byte; `--shard i/n` blocks merged with `cutover-lab merge` give the unsharded
 * report; bad `--threads`, `--shard` and merges exit 2 with a message.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/harness/cli.ts';
import { shardSeeds } from '../../src/harness/parallel.ts';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Runs the CLI; its exit code, stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err };
}

const SMALL = ['simulate', '--scenario', 'job-keys', '--seeds', '4', '--ops', '60', '--json'];

describe('simulate --threads', () => {
  it('1 and 2 threads print the same JSON, byte for byte (job-keys, 4 seeds × 60 ops)', async () => {
    const one = await cli([...SMALL, '--threads', '1']);
    const two = await cli([...SMALL, '--threads', '2']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(one.code);
    expect(JSON.parse(one.out)).toMatchObject({ settings: { seeds: 4, seedStart: 1 }, totals: { runs: 4 } });
    expect(sha256(two.out)).toBe(sha256(one.out));
  });

  it('a failing scenario fails the same way in threads (exit 1, same bytes)', async () => {
    const args = ['simulate', '--scenario', 'docs/examples/inventory-truncating.json', '--seeds', '2', '--ops', '60', '--json'];
    const one = await cli([...args, '--threads', '1']);
    const two = await cli([...args, '--threads', '2']);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect((JSON.parse(one.out) as { failures: unknown[] }).failures.length).toBeGreaterThan(0);
    expect(sha256(two.out)).toBe(sha256(one.out));
  });

  it('--threads 0 exits 2 with a message', async () => {
    for (const t of ['0', '1.5', '257', 'many']) {
      const r = await cli(['simulate', '--scenario', 'job-keys', '--threads', t]);
      expect(r.code).toBe(2);
      expect(r.err.join('\n')).toContain(`--threads ${t}: a whole number from 1 to 256`);
    }
  });
});

describe('simulate --shard and merge', () => {
  it('blocks are contiguous, in order, cover every seed once and differ in size by at most one', () => {
    for (const [seeds, n] of [[4, 2], [4, 3], [10, 4], [7, 7]] as const) {
      const blocks = Array.from({ length: n }, (_, i) => shardSeeds(seeds, 5, i + 1, n));
      let next = 5;
      for (const b of blocks) {
        expect(b.seedStart).toBe(next);
        next += b.seeds;
      }
      expect(next).toBe(5 + seeds);
      const sizes = blocks.map((b) => b.seeds);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('shard reports merged are the unsharded report, byte for byte, in whatever order given', async () => {
    const whole = await cli([...SMALL, '--threads', '1']);
    const dir = await mkdtemp(join(tmpdir(), 'cutover-shards-'));
    const files: string[] = [];
    for (const i of [1, 2, 3]) {
      const shard = await cli([...SMALL, '--shard', `${i}/3`, '--threads', '2']);
      expect(shard.code).toBe(0);
      const file = join(dir, `shard-${i}.json`);
      await writeFile(file, shard.out);
      files.push(file);
    }
    expect(JSON.parse(await cli([...SMALL, '--shard', '3/3', '--threads', '1']).then((r) => r.out))).toMatchObject({ settings: { seeds: 2, seedStart: 3 } });
    const merged = await cli(['merge', files[2] as string, files[0] as string, files[1] as string, '--json']);
    expect(merged.code).toBe(0);
    expect(sha256(merged.out)).toBe(sha256(whole.out));

    // Blocks that do not fit together: a gap, a seed twice.
    const gap = await cli(['merge', files[0] as string, files[2] as string, '--json']);
    expect(gap.code).toBe(2);
    expect(gap.err.join('\n')).toContain('seeds 2 to 2 are in no report');
    const twice = await cli(['merge', files[0] as string, files[0] as string]);
    expect(twice.code).toBe(2);
    expect(twice.err.join('\n')).toContain('seed 1 is in two reports');
  });

  it('--shard 3/2 and other bad shards exit 2 with a message', async () => {
    for (const [shard, message] of [
      ['3/2', '--shard 3/2: use i/n, a block i from 1 to n'],
      ['0/2', '--shard 0/2: use i/n'],
      ['1', '--shard 1: use i/n'],
      ['1/5', '--shard 1/5: 4 seeds cannot make 5 blocks'],
    ] as const) {
      const r = await cli(['simulate', '--scenario', 'job-keys', '--seeds', '4', '--shard', shard]);
      expect(r.code).toBe(2);
      expect(r.err.join('\n')).toContain(message);
    }
  });
});
