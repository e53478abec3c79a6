// `SOURCE findings | ...`: a Logs Insights query over the stored findings (issue 14 item 6: the findings table
// queryable from the Insights editor as from the SQL editor). Records: two vertical scans of cases.ts's shape,
// 20 ports each, so detect stores two findings (low severity, 20 evidence records each): 10.0.1.10 scanned from
// T to T+190, 10.0.1.11 from T+1000 to T+1190.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/insights/analyze.js';
import { parseQuery } from '../../src/insights/parser.js';
import { toTrino } from '../../src/insights/to-trino.js';
import { HEADER, rec, T } from '../detect/cases.js';
import { runMain } from '../support/capture-io.js';

let dir: string;
let db: string;
let empty: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-findings-source-'));
  db = join(dir, 's.duckdb');
  empty = join(dir, 'empty.duckdb');
  const lines = [
    ...Array.from({ length: 20 }, (_, i) =>
      rec('eni-a', '203.0.113.9', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 10),
    ),
    ...Array.from({ length: 20 }, (_, i) =>
      rec('eni-b', '203.0.113.9', '10.0.1.11', 41000 + i, i + 1, 6, 'REJECT', T + 1000 + i * 10),
    ),
  ];
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  for (const [args, store] of [
    [['ingest', join(dir, 'f.log')], db],
    [['detect', '--since', String(T), '--until', String(T + 3600), '--only', 'vertical-port-scan'], db],
    [['ingest', join(dir, 'f.log')], empty],
  ] as const) {
    const r = await runMain([...args, '--db', store]);
    expect(r.code, r.err).toBe(0);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const query = (q: string, store = db) => runMain(['query', q, '--db', store, '-o', 'json']);

describe('SOURCE findings in Logs Insights', () => {
  it('stats over the findings, by severity and detection', async () => {
    const r = await query(
      'SOURCE findings | stats count(*) as n, sum(evidence_count) as ev by severity, detection',
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual([{ severity: 'low', detection: 'vertical-port-scan', n: 2, ev: 40 }]);
  });

  it('filters and fields, @timestamp being the start', async () => {
    const r = await query(
      `SOURCE findings | filter entity = "10.0.1.11" | fields entity, start, end, state, @timestamp, @log`,
    );
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      entity: '10.0.1.11',
      start: T + 1000,
      end: T + 1190,
      state: 'open',
      '@log': 'findings',
    });
    // T = 2024-05-20T10:00:00Z
    expect(String(rows[0]['@timestamp'])).toContain('2024-05-20 10:16:40');
  });

  it('the default output is @timestamp and @message (severity, title, entity)', async () => {
    const r = await query('SOURCE findings | sort @timestamp asc');
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows.map((x: Record<string, unknown>) => Object.keys(x))).toEqual([
      ['@timestamp', '@message'],
      ['@timestamp', '@message'],
    ]);
    expect(String(rows[0]['@message'])).toMatch(/^low .*: 10\.0\.1\.10$/);
  });

  it('a flow field is unknown there, and the error lists the findings fields', async () => {
    const r = await query('SOURCE findings | filter srcAddr = "10.0.1.10"');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('unknown field "srcAddr"');
    expect(r.err).toContain('evidence_count');
  });

  it('a store where no detection ran says so instead of answering nothing', async () => {
    const r = await query('SOURCE findings | stats count(*)', empty);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('no findings: no detection has run');
    expect(r.err).toContain('flowwatch detect');
  });

  it('any other SOURCE is still refused, naming SOURCE findings', () => {
    expect(() => parseQuery('SOURCE logGroups(namePrefix: ["/aws/vpc"]) | stats count(*)')).toThrow(
      /SOURCE findings/,
    );
    // flow queries are unchanged: no source on the plan
    expect(analyze(parseQuery('stats count(*) by action'), 0).source).toBeUndefined();
    expect(analyze(parseQuery('source findings'), 0).source).toBe('findings');
  });

  it('Athena has no findings: the Trino backend refuses', () => {
    expect(() =>
      toTrino(analyze(parseQuery('SOURCE findings | stats count(*)'), 0), { table: 't', columns: ['start'] }),
    ).toThrow(/SOURCE findings/);
  });
});
