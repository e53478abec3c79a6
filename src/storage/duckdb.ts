// DuckDB's Node API, loaded with require(). Imported from an ES module, this CommonJS package makes Node scan
// each of its ~180 files for named exports (cjs-module-lexer follows every re-export): about 0.13 s of CPU at the
// start of every command that opens a store (measured: 0.27 s against 0.14 s for `require`). Types come from
// `import type`, which costs nothing at run time.

import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;

export const DuckDBInstance = api.DuckDBInstance;
export type DuckDBInstance = DuckDB.DuckDBInstance;
export const blobValue = api.blobValue;
