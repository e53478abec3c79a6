// The analyzed query: typed expressions over resolved columns, and the pipeline of stages the backends
// turn into SQL. Produced by analyze.ts; nothing here depends on a SQL dialect.

import type { VType } from './functions.js';

export type PeriodUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w' | 'mo' | 'q' | 'y';

/** A typed expression whose fields are resolved to columns of the stage's input relation. */
export type TExpr =
  | { readonly k: 'lit'; readonly t: VType; readonly v: number | string | boolean | null }
  /** A column of the current relation (`name` is its internal name). */
  | { readonly k: 'col'; readonly t: VType; readonly name: string }
  /** A field of a struct column (a `parse` result). */
  | { readonly k: 'member'; readonly t: VType; readonly of: string; readonly member: string }
  | { readonly k: 'period'; readonly t: 'period'; readonly n: number; readonly unit: PeriodUnit }
  /** A scalar function call, by lower-case name. */
  | { readonly k: 'fn'; readonly t: VType; readonly name: string; readonly args: readonly TExpr[] }
  /** Subnet tests with the CIDR resolved: version, network bytes and prefix length. */
  | {
      readonly k: 'subnet';
      readonly t: 'boolean';
      readonly e: TExpr;
      readonly v: 4 | 6;
      readonly bytes: readonly number[];
      readonly prefix: number;
    }
  | { readonly k: 'agg'; readonly t: VType; readonly name: string; readonly args: readonly TExpr[] }
  | {
      readonly k: 'arith';
      readonly t: 'number';
      readonly op: '+' | '-' | '*' | '/' | '^' | '%';
      readonly l: TExpr;
      readonly r: TExpr;
    }
  | { readonly k: 'neg'; readonly t: 'number'; readonly e: TExpr }
  | {
      readonly k: 'cmp';
      readonly t: 'boolean';
      readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
      readonly l: TExpr;
      readonly r: TExpr;
    }
  | {
      readonly k: 'logic';
      readonly t: 'boolean';
      readonly op: 'and' | 'or';
      readonly l: TExpr;
      readonly r: TExpr;
    }
  | { readonly k: 'not'; readonly t: 'boolean'; readonly e: TExpr }
  | {
      readonly k: 'like';
      readonly t: 'boolean';
      readonly e: TExpr;
      readonly negated: boolean;
      /** A substring (case-sensitive) or an RE2 regex. */
      readonly pattern: { readonly sub: string } | { readonly re: string };
    }
  | {
      readonly k: 'in';
      readonly t: 'boolean';
      readonly e: TExpr;
      readonly items: readonly TExpr[];
      readonly negated: boolean;
    }
  /** Conversions: to a number (null when not numeric), to text, a timestamp to epoch ms, a boolean to 1/0. */
  | {
      readonly k: 'cast';
      readonly t: VType;
      readonly to: 'number' | 'string' | 'epochms' | 'boolnum';
      readonly e: TExpr;
    };

export interface OrderKey {
  readonly e: TExpr;
  readonly desc: boolean;
  /** Byte order for text instead of CloudWatch's natural order (cheap tie-breakers). */
  readonly plain?: boolean;
}

export interface Named {
  /** Internal column name. */
  readonly name: string;
  readonly e: TExpr;
}

export type Stage =
  | { readonly k: 'filter'; readonly cond: TExpr }
  | { readonly k: 'compute'; readonly cols: readonly Named[] }
  | { readonly k: 'stats'; readonly keys: readonly Named[]; readonly aggs: readonly Named[] }
  | { readonly k: 'limit'; readonly n: number; readonly order: readonly OrderKey[] }
  | { readonly k: 'dedup'; readonly keys: readonly TExpr[]; readonly order: readonly OrderKey[] };

export interface OutputColumn {
  /** The result field name as CloudWatch names it (`srcAddr`, `count(*)`, an alias). */
  readonly name: string;
  readonly e: TExpr;
}

/** Columns of the source relation that need the `files` table (joined early, or late after the limit). */
export type FileFields = 'none' | 'early' | 'late';

export interface Plan {
  readonly stages: readonly Stage[];
  readonly output: readonly OutputColumn[];
  readonly order: readonly OrderKey[];
  readonly limit: number;
  readonly fileFields: FileFields;
  /** Number of leading stages whose output counts as "records matched" (the filters before any stats). */
  readonly matchedAfter: number;
  /** True when the result is aggregated (stats), for charts. */
  readonly aggregated: boolean;
  /** For `stats ... by bin()`: the output name of the time bucket (charts plot against it). */
  readonly timeSeries?: string;
  /** `SOURCE findings`: the query reads the stored findings, not the flow records. */
  readonly source?: 'findings';
}
