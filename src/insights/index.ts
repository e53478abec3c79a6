// The Logs Insights language: parse, analyze, compile to DuckDB SQL (or Trino SQL for Athena) and run; the function catalog and the
// named query library.

export { analyze, DEFAULT_LIMIT, MAX_LIMIT, parseCidr, SYSTEM_FIELDS } from './analyze.js';
export type { Command, Expr, Query } from './ast.js';
export { InsightsError, type Span } from './errors.js';
export { FUNCTIONS, type FunctionDef, findFunction } from './functions.js';
export { findLibraryQuery, LIBRARY, type LibraryQuery } from './library.js';
export { COMMANDS, describeQuery, parseQuery } from './parser.js';
export type { Plan } from './plan.js';
export { type InsightsResult, type QueryStatistics, type RunOptions, runQuery } from './run.js';
export { type CompiledSql, type SqlEnv, subnetSql, toSql } from './to-sql.js';
export { subnetTrino, type TrinoEnv, toTrino } from './to-trino.js';
