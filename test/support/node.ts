/** Node-only test support: real sql.js loaded from node_modules. */
export { loadNodeSqlEngine as nodeSql } from '../../src/harness/node-sql.ts';
