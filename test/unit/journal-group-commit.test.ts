/**
 * Group commit (`group` durability) on the in-memory backend: the appends of operations under way
 * together go to storage in one backend write, each is acknowledged only after that write is
 * stored, and a write storage refuses fails every operation of its group.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { DurableStore } from '../../src/engine/durability/durable-store.ts';
import { StorageError, type BackendWrite, type DurabilityMode, type JournalEntry, type KeyValueBackend } from '../../src/engine/durability/types.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';

/** Records each write, can hold writes until released and refuse the next ones. */
class WatchedBackend implements KeyValueBackend {
  readonly inner = new MemoryBackend();
  readonly started: BackendWrite[] = [];
  /** Journal keys of writes that completed. */
  readonly stored = new Set<string>();
  #held: (() => void)[] | undefined;
  #refuse = 0;

  get(key: string): Promise<unknown> {
    return this.inner.get(key);
  }

  keys(prefix: string): Promise<string[]> {
    return this.inner.keys(prefix);
  }

  async write(change: BackendWrite): Promise<void> {
    this.started.push(change);
    const held = this.#held;
    if (held) await new Promise<void>((resolve) => held.push(resolve));
    if (this.#refuse > 0) {
      this.#refuse--;
      throw new StorageError('QuotaExceededError: the quota has been exceeded');
    }
    await this.inner.write(change);
    for (const [k] of change.set ?? []) this.stored.add(k);
  }

  hold(): void {
    this.#held = [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const r of held) r();
  }

  refuseNext(n: number): void {
    this.#refuse = n;
  }

  /** Journal keys each write carried, in call order. */
  journalWrites(): string[][] {
    return this.started.map((w) => (w.set ?? []).map(([k]) => k).filter((k) => k.includes('/j/'))).filter((ks) => ks.length > 0);
  }
}

const entry = (seq: number): JournalEntry => ({ seq, statements: [{ sql: 'INSERT INTO t (k) VALUES (:k)', params: { k: seq } }] });

function storeOver(backend: KeyValueBackend, mode: DurabilityMode = 'group', groupMaxEntries?: number): DurableStore {
  return new DurableStore({ backend, namespace: 'gc', mode, digest: webCryptoSha256, clock: new VirtualClock(), groupMaxEntries });
}

/**
 * `n` operations started in one synchronous loop, as 64 `execute` calls are: each reaches its
 * commit after a few microtasks of its own work (0 to 3, by its index) and appends there.
 */
function operationsTogether(n: number, append: (i: number) => Promise<void>): Promise<void>[] {
  return Array.from({ length: n }, async (_, i) => {
    for (let hop = 0; hop < i % 4; hop++) await Promise.resolve();
    await append(i);
  });
}

/** Which of `promises` have settled, after every microtask queued so far has run. */
async function settledFlags(promises: readonly Promise<unknown>[]): Promise<boolean[]> {
  const flags = promises.map(() => false);
  promises.forEach((p, i) => {
    p.then(
      () => (flags[i] = true),
      () => (flags[i] = true),
    );
  });
  await new Promise((resolve) => setImmediate(resolve));
  return flags;
}

describe('group commit', () => {
  it('stores the appends of operations started together in one backend write, and acknowledges none before it is stored', async () => {
    const backend = new WatchedBackend();
    const store = storeOver(backend);
    backend.hold();
    const acked: number[] = [];
    const ops = operationsTogether(16, async (i) => {
      await store.append('main', entry(i + 1));
      expect(backend.stored.has(`gc/f/main/j/${String(i + 1).padStart(12, '0')}`)).toBe(true);
      acked.push(i + 1);
    });

    expect(await settledFlags(ops)).toEqual(ops.map(() => false));
    expect(backend.journalWrites().map((w) => w.length)).toEqual([16]);
    expect(acked).toEqual([]);

    backend.release();
    await Promise.all(ops);
    expect(acked.sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(backend.started).toHaveLength(1);
    expect(await store.describeFile('main')).toMatchObject({ journal: Array.from({ length: 16 }, (_, i) => i + 1) });
  });

  it('puts appends that arrive while a group is being stored into the next group, not one write each', async () => {
    const backend = new WatchedBackend();
    const store = storeOver(backend);
    backend.hold();
    const first = operationsTogether(4, (i) => store.append('main', entry(i + 1)));
    await settledFlags(first);
    const second = operationsTogether(6, (i) => store.append('main', entry(i + 5)));
    await settledFlags(second);
    expect(backend.journalWrites().map((w) => w.length)).toEqual([4]);

    backend.release();
    await Promise.all([...first, ...second]);
    expect(backend.journalWrites().map((w) => w.length)).toEqual([4, 6]);
  });

  it('gathers no more than the group limit into one write', async () => {
    const backend = new WatchedBackend();
    const store = storeOver(backend, 'group', 4);
    await Promise.all(operationsTogether(10, (i) => store.append('main', entry(i + 1))));
    const sizes = backend.journalWrites().map((w) => w.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.length).toBeLessThanOrEqual(4);
  });

  it('fails every operation of a group storage refuses, of every file in it, and acknowledges none', async () => {
    const backend = new WatchedBackend();
    const store = storeOver(backend);
    backend.refuseNext(1);
    const results = await Promise.allSettled(operationsTogether(12, (i) => store.append(i % 2 === 0 ? 'main' : 'other', entry(Math.floor(i / 2) + 1))));

    expect(backend.journalWrites().map((w) => w.length)).toEqual([12]);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'rejected'));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StorageError);
    expect(store.isBroken('main')).toBe(true);
    expect(store.isBroken('other')).toBe(true);
    expect(await store.describeFile('main')).toMatchObject({ journal: [] });
    expect(await store.describeFile('other')).toMatchObject({ journal: [] });
  });

  it('a crash while a group is gathering hands nothing of it to storage and acknowledges none of it', async () => {
    const backend = new WatchedBackend();
    const store = storeOver(backend);
    const appends = [1, 2, 3].map((seq) => store.append('main', entry(seq)));
    store.dispose();
    const results = await Promise.allSettled(appends);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(backend.started).toEqual([]);
  });

  it('strict still stores one entry per write, the first as soon as it is appended', async () => {
    const backend = new WatchedBackend();
    const store = storeOver(backend, 'strict');
    const appends = [1, 2, 3].map((seq) => store.append('main', entry(seq)));
    expect(backend.started).toHaveLength(1);
    await Promise.all(appends);
    expect(backend.journalWrites().map((w) => w.length)).toEqual([1, 1, 1]);
  });
});
