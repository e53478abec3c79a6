// A question about a flow log field that no stored record has is answered with a warning, not a silent zero:
// Logs Insights (CLI, runQuery) and SQL (CLI). The store holds a default-format file (14 fields, version 2):
// flow-direction (v5) and tcp-flags (v3) are in no stored format.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from '../../src/insights/index.js';
import { sqlColumnsRead } from '../../src/storage/missing-fields.js';
import { Store } from '../../src/storage/store.js';
import { runMain } from '../support/capture-io.js';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const LINES = [
  '2 123456789012 eni-a 198.51.100.7 10.0.1.5 51000 22 6 3 180 1700000000 1700000060 REJECT OK',
  '2 123456789012 eni-a 10.0.1.5 198.51.100.7 443 51001 6 5 900 1700000000 1700000060 ACCEPT OK',
];
const V5 =
  'version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags';
const V5_LINE = '5 eni-b 10.0.2.9 10.0.1.5 40000 5432 6 1 60 1700000000 1700000060 ACCEPT OK ingress 2';

let dir: string;
let db: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-missing-'));
  db = join(dir, 'store.duckdb');
  const file = join(dir, 'default.log');
  writeFileSync(file, `${HEADER}\n${LINES.join('\n')}\n`);
  expect((await runMain(['ingest', file, '--db', db])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Logs Insights', () => {
  it('warns for a field no stored format has, naming it and the format fix', async () => {
    const r = await runQuery(db, 'filter flowDirection = "ingress" | stats count(*) as n');
    expect(Number(r.rows[0]?.['n'])).toBe(0);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^no stored record has flowDirection \(flow-direction, flow log version 5\):.*add \$\{flow-direction\}/,
      ),
    ]);
  });
  it('says nothing for fields the stored format has', async () => {
    const r = await runQuery(db, 'filter action = "REJECT" | stats count(*) as n by srcAddr');
    expect(r.rows).toEqual([{ srcAddr: '198.51.100.7', n: 1 }]);
    expect(r.warnings).toEqual([]);
  });
  it('the CLI prints the warning on stderr beside the zero', async () => {
    const r = await runMain(['query', '--db', db, 'filter tcpFlags = 2 | stats count(*) as n']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('warning: no stored record has tcpFlags (tcp-flags, flow log version 3)');
  });
  it('an empty store has no format to blame: only the note that it holds no records', async () => {
    const empty = join(dir, 'empty.duckdb');
    (await Store.open(empty)).close();
    const r = await runQuery(empty, 'filter flowDirection = "ingress" | stats count(*) as n');
    expect(r.warnings).toEqual([
      'the store holds no flow records yet: ingest flow logs first (flowwatch ingest <path>)',
    ]);
  });
  it('once one stored format has the field, no warning', async () => {
    const mixed = join(dir, 'mixed.duckdb');
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    writeFileSync(a, `${HEADER}\n${LINES.join('\n')}\n`);
    writeFileSync(b, `${V5}\n${V5_LINE}\n`);
    expect((await runMain(['ingest', a, b, '--db', mixed])).code).toBe(0);
    const r = await runQuery(mixed, 'filter flowDirection = "ingress" | stats count(*) as n');
    expect(Number(r.rows[0]?.['n'])).toBe(1);
    expect(r.warnings).toEqual([]);
  });
});

describe('SQL', () => {
  it('reads column names outside strings and comments', () => {
    expect(
      [
        ...sqlColumnsRead(
          "SELECT count(*) FROM flows WHERE tcp_flags = 2 AND action = 'flow_direction' -- pkt_srcaddr",
        ),
      ].sort(),
    ).toEqual(['action', 'tcp_flags']);
    expect([...sqlColumnsRead('SELECT "TCP_FLAGS" /* az_id */ FROM flows')]).toEqual(['tcp_flags']);
  });
  it('flowwatch sql warns for a column no stored format has, and not for the others', async () => {
    const bad = await runMain(['sql', '--db', db, 'SELECT count(*) AS n FROM flows WHERE tcp_flags = 2']);
    expect(bad.code).toBe(0);
    expect(bad.err).toContain('warning: no stored record has tcp_flags (tcp-flags, flow log version 3)');
    const good = await runMain([
      'sql',
      '--db',
      db,
      "SELECT count(*) AS n FROM flows WHERE action = 'REJECT'",
    ]);
    expect(good.err).not.toContain('warning');
    const files = await runMain(['sql', '--db', db, 'SELECT count(*) AS tcp_flags FROM files']);
    expect(files.err).not.toContain('warning');
  });
});
