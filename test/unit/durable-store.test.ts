/** The durable-store contract on the in-memory backend, in Node (IndexedDB runs the same suite in Chromium). */
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { MemoryBackend } from '../../src/store/memory-backend.ts';
import { durableStoreContract } from '../contract/durable-store.contract.ts';
import { nodeSql } from '../support/node.ts';

durableStoreContract('MemoryBackend', () => new MemoryBackend(), nodeSql, webCryptoSha256);
