// Conformance: the Logs Insights part of the CloudWatch Logs corpus (AWS queries, moto parser cases, field names).
//
// The corpus file is test/fixtures/corpus/cloudwatch-logs-filter-patterns/insights-cases.json (identical to
// ../shared/corpus/cloudwatch-logs-filter-patterns/insights-cases.json; provenance in the PROVENANCE.md beside it).

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeQuery, parseQuery, runQuery } from '../../src/insights/index.js';
import { DEFAULT_LINES, type OpenDataset, openDataset } from './datasets.js';

interface MotoCase {
  query: string;
  fields: string[];
  limit: number | null;
  sort: [string, 'asc' | 'desc'][];
}

const corpus = JSON.parse(
  readFileSync(
    new URL('../fixtures/corpus/cloudwatch-logs-filter-patterns/insights-cases.json', import.meta.url),
    'utf8',
  ),
) as {
  vpc_flow_logs_discovered_fields: { fields: string[] };
  vpc_flow_log_queries_must_parse: { queries: string[] };
  moto_query_parser_cases: { cases: MotoCase[] };
};

const queries = corpus.vpc_flow_log_queries_must_parse.queries;
const moto = corpus.moto_query_parser_cases.cases;
const discovered = corpus.vpc_flow_logs_discovered_fields.fields;

let ds: OpenDataset;
beforeAll(async () => {
  ds = await openDataset('default');
});
afterAll(() => ds.cleanup());

describe('insights corpus', () => {
  it('has the sizes the corpus lists', () => {
    expect([queries.length, moto.length, discovered.length]).toEqual([6, 11, 17]);
  });
});

describe('AWS VPC flow log example queries', () => {
  for (const q of queries) {
    it(`parses: ${q.replace(/\s+/g, ' ')}`, () => {
      expect(() => parseQuery(q)).not.toThrow();
    });
    it(`runs on the default dataset: ${q.replace(/\s+/g, ' ')}`, async () => {
      const r = await runQuery(ds.path, q);
      expect(Array.isArray(r.rows)).toBe(true);
    });
  }
});

describe('moto query parser cases (fields, sort, limit)', () => {
  for (const c of moto) {
    it(c.query, () => {
      expect(describeQuery(c.query)).toEqual({ fields: c.fields, sort: c.sort, limit: c.limit });
    });
  }
});

describe('discovered VPC flow log field names are fields', () => {
  for (const name of discovered) {
    it(`fields ${name}`, async () => {
      const r = await runQuery(ds.path, `fields ${name}`);
      expect(r.columns).toEqual([name]);
      expect(r.rows).toHaveLength(DEFAULT_LINES.length);
    });
  }
});
