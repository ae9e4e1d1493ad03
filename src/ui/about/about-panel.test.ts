import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { AboutInfo } from '../../worker/protocol.ts';
import { button, cleanBody, mount, query, tabTo } from '../test-support.ts';
import './about-panel.ts';
import type { ClAbout, StoragePort } from './about-panel.ts';
import { formatBytes, formatShare } from './about-texts.ts';

afterEach(cleanBody);

const MIB = 1024 * 1024;

const INFO: AboutInfo = {
  sqliteVersion: '3.49.1',
  compileOptions: ['ENABLE_FTS5', 'THREADSAFE=0', 'TEMP_STORE=2'],
  storage: 'IndexedDB (database "cutover-lab", store "rehearsals")',
  rehearsalId: 'r-1',
  durability: 'group',
  rehearsalBytes: 3 * MIB,
};

/** A stubbed `navigator.storage`: `persist()` answers `grant`, and counts its calls. */
function storageStub(grant: boolean, persisted = false): StoragePort & { asked: number } {
  const stub = {
    asked: 0,
    estimate: async (): Promise<StorageEstimate> => ({ usage: 150 * MIB, quota: 1.5 * 1024 * MIB }),
    persisted: async () => persisted,
    persist: async () => {
      stub.asked++;
      return grant;
    },
  };
  return stub;
}

async function open(props: Partial<ClAbout>): Promise<{ el: ClAbout; text: () => string }> {
  const el = await mount<ClAbout>('cl-about', { load: async () => INFO, ...props });
  await el.show();
  const dialog = query<HTMLDialogElement>(el.shadowRoot, 'dialog');
  return { el, text: () => (dialog.textContent ?? '').replace(/\s+/g, ' ') };
}

describe('cl-about', () => {
  it('shows the SQLite build, the storage, the durability mode, usage and quota, and points to the limits', async () => {
    const { el, text } = await open({ storage: storageStub(true) });
    expect(el.open).toBe(true);
    expect(text()).toContain('3.49.1');
    expect(text()).toContain('3 compile options');
    // The options are collapsed until asked for.
    const details = query<HTMLDetailsElement>(el.shadowRoot, 'details');
    expect(details.open).toBe(false);
    expect([...details.querySelectorAll('li')].map((li) => li.textContent)).toEqual(INFO.compileOptions);
    expect(text()).toContain('IndexedDB (database "cutover-lab", store "rehearsals")');
    expect(text()).toContain('group (rehearsal r-1): changes are stored in batches');
    expect(text()).toContain('3.00 MiB of database files');
    expect(text()).toContain('150.0 MiB used of 1.50 GiB (9.8 %)');
    expect(text()).toContain('No (best effort): the browser may evict it');
    expect(text()).toContain('docs/limits.md');
  });

  it('asks for persistent storage and says it was granted; the button goes and the focus stays in the dialog', async () => {
    const storage = storageStub(true);
    const { el, text } = await open({ storage });
    const persist = button(el.shadowRoot, 'Make storage persistent');
    await tabTo(el, persist);
    await userEvent.keyboard('{Enter}');
    await expect.poll(text).toContain('Granted: storage is persistent now');
    expect(storage.asked).toBe(1);
    expect(() => button(el.shadowRoot, 'Make storage persistent')).toThrow();
    expect(el.shadowRoot?.activeElement?.textContent?.trim()).toBe('Close');
  });

  it('says a refused request leaves storage best effort and evictable, and offers to ask again', async () => {
    const storage = storageStub(false);
    const { el, text } = await open({ storage });
    button(el.shadowRoot, 'Make storage persistent').click();
    await expect.poll(text).toContain('Refused: storage stays best effort, and the browser may evict it');
    expect(storage.asked).toBe(1);
    expect(button(el.shadowRoot, 'Make storage persistent').disabled).toBe(false);
  });

  it('offers no button when storage is already persistent', async () => {
    const { el, text } = await open({ storage: storageStub(true, true) });
    expect(text()).toContain('Yes: the browser keeps it until you delete it.');
    expect(() => button(el.shadowRoot, 'Make storage persistent')).toThrow();
  });

  it('says so when the browser has no estimate(), or no navigator.storage at all', async () => {
    const { estimate: _estimate, ...noEstimate } = storageStub(true);
    const first = await open({ storage: noEstimate });
    expect(first.text()).toContain('Unknown: this browser offers no navigator.storage.estimate()');
    // The rest still works.
    expect(first.text()).toContain('3.49.1');
    expect(() => button(first.el.shadowRoot, 'Make storage persistent')).not.toThrow();
    cleanBody();
    const none = await open({ storage: null });
    expect(none.text()).toContain('This browser offers no navigator.storage');
    expect(none.text()).not.toContain('Make storage persistent');
  });

  it('says the engine did not answer, and no rehearsal is open when there is none', async () => {
    const failed = await open({ load: async () => Promise.reject(new Error('the engine crashed before answering')), storage: storageStub(true) });
    expect(failed.text()).toContain('The engine did not answer: the engine crashed before answering');
    cleanBody();
    const { rehearsalBytes: _bytes, ...rest } = INFO;
    const idle = await open({ load: async () => ({ ...rest, rehearsalId: null, durability: null }), storage: storageStub(true) });
    expect(idle.text()).toContain('no rehearsal is open');
    expect(idle.text()).not.toContain('database files');
  });

  it('closes with Escape', async () => {
    const { el } = await open({ storage: storageStub(true) });
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => el.open).toBe(false);
  });
});

describe('the About panel\'s figures', () => {
  it('gives MiB below a GiB and GiB above, and a share of the quota', () => {
    expect(formatBytes(256 * 1024)).toBe('0.25 MiB');
    expect(formatBytes(12.34 * MIB)).toBe('12.3 MiB');
    expect(formatBytes(1.5 * 1024 * MIB)).toBe('1.50 GiB');
    expect(formatShare(1, 1_000_000)).toBe('< 0.1 %');
    expect(formatShare(0, 100)).toBe('0 %');
    expect(formatShare(25, 100)).toBe('25.0 %');
    expect(formatShare(1, 0)).toBe('unknown');
  });
});
