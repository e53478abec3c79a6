// An empty answer over a time range that holds no record says where the stored records are, instead of a bare
// "(no rows)": top, query and detect. Records at 2023-11-14T22:13:20Z (1700000000) and one minute later.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/storage/store.js';
import { runMain } from '../support/capture-io.js';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const LINES = [
  '2 123456789012 eni-a 10.0.1.5 10.0.2.9 51000 443 6 3 180 1700000000 1700000030 ACCEPT OK',
  '2 123456789012 eni-a 10.0.2.9 10.0.1.5 443 51000 6 5 900 1700000060 1700000090 ACCEPT OK',
];
const SPAN = 'the 2 stored records run from 2023-11-14T22:13:20Z to 2023-11-14T22:14:20Z (UTC)';
const OFF = ['--since', '2020-01-01T00:00:00Z', '--until', '2020-01-02T00:00:00Z'];

let dir: string;
let db: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-empty-range-'));
  db = join(dir, 'store.duckdb');
  const file = join(dir, 'a.log');
  writeFileSync(file, `${HEADER}\n${LINES.join('\n')}\n`);
  expect((await runMain(['ingest', file, '--db', db])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an empty answer over a range without records says where the records are', () => {
  it('top', async () => {
    const r = await runMain(['top', 'talkers', '--db', db, ...OFF]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('(no rows)');
    expect(r.out).toContain(
      `note: no stored record has an event time from 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z: ${SPAN}`,
    );
  });
  it('top rejected over a range with records but no reject: no note (the empty list is the traffic’s)', async () => {
    const r = await runMain([
      'top',
      'rejected',
      '--db',
      db,
      '--since',
      '1700000000',
      '--until',
      '1700000100',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('(no rows)');
    expect(r.out).not.toContain('no stored record has an event time');
  });
  it('query', async () => {
    const r = await runMain(['query', '--db', db, 'stats count(*) as n by srcAddr', ...OFF]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      `warning: no stored record has an event time from 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z: ${SPAN}`,
    );
  });
  it('query: a count answers one row of 0, with the same warning; none over a range with records', async () => {
    const count = await runMain(['query', '--db', db, 'stats count(*) as n', ...OFF]);
    expect(count.out).toMatch(/^n\n-+\n\s*0\n/);
    expect(count.err).toContain('warning: no stored record has an event time from 2020-01-01T00:00:00Z');
    const inRange = await runMain([
      'query',
      '--db',
      db,
      'stats count(*) as n',
      '--since',
      '1700000000',
      '--until',
      '1700000100',
    ]);
    expect(inRange.err).not.toContain('warning');
  });
  it('detect', async () => {
    const r = await runMain(['detect', '--db', db, '--config', join(dir, 'none.yaml'), ...OFF]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `note: no stored record has an event time from 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z: ${SPAN}`,
    );
  });
  it('export', async () => {
    const r = await runMain(['export', '--db', db, '--format', 'csv', '--to', join(dir, 'out.csv'), ...OFF]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('exported 0 records');
    expect(r.err).toContain(
      `warning: no stored record has an event time from 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z: ${SPAN}`,
    );
  });
  it('an empty store says to ingest first', async () => {
    const empty = join(dir, 'empty.duckdb');
    (await Store.open(empty)).close();
    const r = await runMain(['top', 'talkers', '--db', empty]);
    expect(r.out).toContain(
      'note: the store holds no flow records yet: ingest flow logs first (flowwatch ingest <path>)',
    );
  });
});

describe('metrics get: an empty answer says why', () => {
  // A filter counting accepted HTTPS records (dstport 443): the first record, in the minute 2023-11-14T22:13:00Z.
  const CONFIG = `metricFilters:
  - name: https
    pattern: "[version, account, eni, source, destination, srcport, destport = 443, protocol, packets, bytes, start, end, action = ACCEPT, status]"
    metricNamespace: Test
    metricName: Https
    metricValue: "1"
`;
  it('no datapoint stored yet, a misspelt name, a range outside the datapoints', async () => {
    const fresh = join(dir, 'metrics.duckdb');
    const file = join(dir, 'm.log');
    writeFileSync(file, `${HEADER}\n${LINES.join('\n')}\n`);
    expect((await runMain(['ingest', file, '--db', fresh])).code).toBe(0);
    const none = await runMain(['metrics', 'get', 'Test', 'Https', '--db', fresh]);
    expect(none.err).toContain('No datapoint of Test/Https: the store holds no metric datapoints yet');
    const config = join(dir, 'flowwatch.yaml');
    writeFileSync(config, CONFIG);
    expect((await runMain(['metrics', 'backfill', '--db', fresh, '--config', config])).code).toBe(0);
    const ok = await runMain(['metrics', 'get', 'Test', 'Https', '--db', fresh]);
    expect(ok.out).toContain('1');
    expect(ok.err).toBe('');
    const misspelt = await runMain(['metrics', 'get', 'Test', 'HTTPS', '--db', fresh]);
    expect(misspelt.err).toContain(
      'No datapoint of Test/HTTPS is stored (names are case-sensitive); the stored metrics are: Test/Https',
    );
    const off = await runMain(['metrics', 'get', 'Test', 'Https', '--db', fresh, ...OFF]);
    expect(off.err).toContain(
      'No datapoints in this range; Test/Https has datapoints from 2023-11-14T22:13:00Z to 2023-11-14T22:13:00Z',
    );
  });
});
