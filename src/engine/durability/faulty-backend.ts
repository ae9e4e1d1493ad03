import { StorageError, type BackendWrite, type KeyValueBackend } from './types.ts';

/**
 * Wraps a backend so that an armed `storage-quota` fault refuses writes the way a full quota
 * does: the transaction fails and nothing of it is stored.
 */
export class FaultyBackend implements KeyValueBackend {
  constructor(
    private readonly inner: KeyValueBackend,
    private readonly refuse: () => boolean,
  ) {}

  get(key: string): Promise<unknown> {
    return this.inner.get(key);
  }

  keys(prefix: string): Promise<string[]> {
    return this.inner.keys(prefix);
  }

  write(change: BackendWrite): Promise<void> {
    if (this.refuse()) return Promise.reject(new StorageError('QuotaExceededError: storage quota exceeded (injected); nothing of this write was stored'));
    return this.inner.write(change);
  }
}
