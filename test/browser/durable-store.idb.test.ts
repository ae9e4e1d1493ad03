/** The durable-store contract on IndexedDB (idb-keyval, strict durability) in real Chromium: the same assertions as in Node. */
import { loadBrowserSqlEngine } from '../../src/store/browser-sql.ts';
import { webCryptoSha256 } from '../../src/store/digest.ts';
import { createStrictStore, IndexedDbBackend } from '../../src/store/idb-backend.ts';
import { durableStoreContract } from '../contract/durable-store.contract.ts';

// One database for the run; the contract gives every test its own namespace inside it.
const store = createStrictStore(`cutover-lab-contract-${Date.now()}`);
durableStoreContract('IndexedDbBackend', () => new IndexedDbBackend(store), loadBrowserSqlEngine, webCryptoSha256);
