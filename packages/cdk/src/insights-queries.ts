// Logs Insights query definitions from flowwatch's query library: the queries a format can answer, with a
// `parse` stage that names the fields when the format is not the default one.

import { FIELDS, type FieldDef } from 'flowwatch/catalog';
import { LIBRARY } from 'flowwatch/insights-library';
import { isDefaultFormat } from './flow-log-fields.js';

/**
 * A library query ready to save.
 *
 * @example insightsQueriesFor(DEFAULT_FIELDS)[0] // { name: 'top-rejected-sources', title: '...', query: 'filter ...' }
 */
export interface InsightsQuery {
  readonly name: string;
  readonly title: string;
  readonly query: string;
}

const BY_INSIGHTS = new Map(FIELDS.map((f) => [f.insights, f]));

/**
 * The flow log fields a query reads: its `needs`, plus every Insights field name used as a word outside
 * string literals (`srcAddr`, `action`, `dstPort`, ...).
 */
export function fieldsRead(query: string, needs: readonly string[] = []): Set<string> {
  const out = new Set(needs);
  const code = query.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  for (const m of code.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const f = BY_INSIGHTS.get(m[0]);
    if (f) out.add(f.aws);
  }
  return out;
}

/**
 * The `parse` stage giving each field of a custom format its Insights name, or `''` for the default format
 * (whose fields CloudWatch discovers by itself).
 *
 * @example parseStage([srcaddr, dstaddr, action]) // 'parse @message "* * *" as srcAddr, dstAddr, action'
 */
export function parseStage(fields: readonly FieldDef[]): string {
  if (isDefaultFormat(fields)) return '';
  return `parse @message "${fields.map(() => '*').join(' ')}" as ${fields.map((f) => f.insights).join(', ')}`;
}

/**
 * The library queries whose fields are all in the format, each prefixed with the format's `parse` stage.
 *
 * @example insightsQueriesFor(DEFAULT_FIELDS).map(q => q.name) // ['top-rejected-sources', ...]
 */
export function insightsQueriesFor(fields: readonly FieldDef[]): InsightsQuery[] {
  const have = new Set(fields.map((f) => f.aws));
  const parse = parseStage(fields);
  const fits = (query: string, needs?: readonly string[]) =>
    [...fieldsRead(query, needs)].every((f) => have.has(f));
  // A deduplicated query reads flow-direction; a format without it gets the per-ENI form (the same numbers there).
  return LIBRARY.flatMap((q) => {
    const query = fits(q.query, q.needs)
      ? q.query
      : q.perEni !== undefined && fits(q.perEni, q.needs)
        ? q.perEni
        : undefined;
    if (query === undefined) return [];
    return [{ name: q.name, title: q.title, query: parse === '' ? query : `${parse}\n| ${query}` }];
  });
}
