/** The command line on input it cannot use: a directory, an unreadable path, text that is not JSON, an unknown scenario id. */
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/harness/cli.ts';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, o: (s: string) => out.push(s), e: (s: string) => err.push(s) };
};

describe('cutover-lab on input it cannot use exits 2 with a message, never a stack trace', () => {
  it('a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutover-'));
    await mkdir(join(dir, 'scenario.json'));
    for (const command of [['validate', join(dir, 'scenario.json')], ['simulate', '--scenario', join(dir, 'scenario.json')]]) {
      const c = capture();
      expect(await main(command, c.o, c.e)).toBe(2);
      expect(c.err).toEqual([`cannot read ${join(dir, 'scenario.json')}: it is a directory; give the path of a scenario file (.json)`]);
    }
  });

  it('a path that cannot be read (a symbolic link to itself, a file used as a directory)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutover-'));
    await symlink(join(dir, 'loop.json'), join(dir, 'loop.json'));
    await writeFile(join(dir, 'file.json'), '{}');
    const c = capture();
    expect(await main(['validate', join(dir, 'loop.json')], c.o, c.e)).toBe(2);
    expect(await main(['validate', join(dir, 'file.json', 'scenario.json')], c.o, c.e)).toBe(2);
    expect(c.err).toEqual([
      `cannot read ${join(dir, 'loop.json')}: too many levels of symbolic links`,
      `cannot read ${join(dir, 'file.json', 'scenario.json')}: a part of the path is not a directory`,
    ]);
  });

  it('text that is not JSON, as docs/cli.md says (2: the file cannot be read)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutover-'));
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"format": "cutover-lab/scenario",');
    for (const command of [['validate', file], ['simulate', '--scenario', file]]) {
      const c = capture();
      expect(await main(command, c.o, c.e)).toBe(2);
      expect(c.out).toEqual([]);
      expect(c.err.join('\n')).toMatch(new RegExp(`^cannot read ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(.+\\); a scenario is one JSON object, see docs/scenario-format\\.md$`));
    }
  });

  it('--scenario with neither a built-in id nor a file lists the built-in ids', async () => {
    const c = capture();
    expect(await main(['simulate', '--scenario', 'nope'], c.o, c.e)).toBe(2);
    expect(c.err).toEqual(['cannot read nope: no such file, and no built-in scenario has that id (built-in: consensus-artifacts, job-keys, session-json)']);
  });
});
