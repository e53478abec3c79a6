// First-seen detections (kind first-seen): hand-worked cases run on the three backends (DuckDB SQL over the
// store, Trino SQL on the local Athena engine, the in-memory evaluator), the learning period's notes and the
// definition errors. Countries and networks are those of the packaged offline data (@ip-location-db):
// 8.8.8.8 Google US (AS15169), 13.32.0.10 and 13.32.0.200 Amazon CloudFront US (AS16509), 77.88.55.60 Yandex RU
// (AS13238), 41.0.0.1 Vodacom ZA, 1.1.1.1 Cloudflare AU, 95.173.136.70 RU.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaSession } from '../../src/athena/session.js';
import { builtinCatalog } from '../../src/detect/catalog.js';
import type { FirstSeenDetection } from '../../src/detect/definition.js';
import { type DetectedFinding, episodes } from '../../src/detect/episodes.js';
import type { DetectRecord } from '../../src/detect/evaluate.js';
import { evaluateFirstSeen } from '../../src/detect/first-seen.js';
import { parseDefinitionText } from '../../src/detect/parse.js';
import { detectWithSql } from '../../src/detect/run.js';
import { ingest } from '../../src/ingest/ingest.js';
import { FIELDS } from '../../src/records/catalog.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec } from './cases.js';

const COLUMNS = HEADER.split(' ').map((f) => f.replaceAll('-', '_'));
const DAY = 86_400;
const HOUR = 3600;
/** 2024-05-20T00:00:00Z, a Monday. */
const T0 = 1716163200;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-first-seen-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const builtin = (id: string) => builtinCatalog().find((d) => d.id === id) as FirstSeenDetection;

/** A port detection like the built-in, with a 3-day learning period (short cases). */
const PORT3 = parseDefinitionText(
  'test/port3.yaml',
  `id: new-port-3d
title: new remote port
kind: first-seen
window: 3600
groupBy: [srcaddr]
filter:
  action: ACCEPT
  dstaddr: { notCidr: [$private, $local] }
allow:
  dstport: [123]
firstSeen: { field: dstport, learningDays: 3, requestsOnly: true }
thresholds: { low: 1, medium: 2 }
`,
) as FirstSeenDetection;

function memoryRecords(lines: readonly string[]): DetectRecord[] {
  return lines.map((line) => {
    const parts = line.split(' ');
    const r: Record<string, unknown> = {};
    COLUMNS.forEach((c, i) => {
      const v = parts[i];
      const type = FIELDS.find((f) => f.column === c)?.type;
      r[c] = v === '-' || v === undefined ? null : type === 'string' ? v : Number(v);
    });
    return { ...r, event_time: Number(r['start']) } as DetectRecord;
  });
}

interface Run {
  findings: DetectedFinding[];
  notes: string[];
}

async function runDuckdb(name: string, d: FirstSeenDetection, records: readonly string[]): Promise<Run> {
  const file = join(dir, `${name}.log`);
  writeFileSync(file, `${HEADER}\n${records.join('\n')}\n`);
  const store = await Store.open(join(dir, `${name}.duckdb`));
  try {
    await ingest(store, [file], {});
    const notes: string[] = [];
    const findings = await detectWithSql(
      [d],
      { engine: 'duckdb' },
      {},
      async (sql) => (await store.query(sql)).rows,
      undefined,
      (_id, m) => notes.push(m),
    );
    return { findings, notes };
  } finally {
    store.close();
  }
}

async function runTrino(name: string, d: FirstSeenDetection, records: readonly string[]): Promise<Run> {
  const store = await Store.open(join(dir, `${name}-athena.duckdb`));
  try {
    const mirror = join(dir, 'mirror');
    mkdirSync(join(mirror, 'bucket', name), { recursive: true });
    writeFileSync(join(mirror, 'bucket', name, 'part.log'), `${HEADER}\n${records.join('\n')}\n`);
    const athena = await AthenaSession.open(store, { s3Root: mirror });
    await athena.run(`CREATE EXTERNAL TABLE vpc_flow_logs (
  version int, account_id string, interface_id string, srcaddr string, dstaddr string, srcport int, dstport int,
  protocol int, packets bigint, bytes bigint, start bigint, \`end\` bigint, action string, log_status string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://bucket/${name}/'
TBLPROPERTIES ("skip.header.line.count"="1")`);
    const notes: string[] = [];
    const findings = await detectWithSql(
      [d],
      { engine: 'trino', table: 'vpc_flow_logs', columns: COLUMNS },
      {},
      async (sql) => (await athena.run(sql)).rows,
      undefined,
      (_id, m) => notes.push(m),
    );
    return { findings, notes };
  } finally {
    store.close();
  }
}

function runMemory(d: FirstSeenDetection, records: readonly string[]): Run {
  const r = evaluateFirstSeen(d, memoryRecords(records), {});
  return { findings: episodes(d, r.hits), notes: r.notes };
}

const shape = (f: DetectedFinding) => ({
  entity: f.entity,
  severity: f.severity,
  windows: f.windows.map((w) => w.w),
  peers: f.peers,
  peak: f.peak,
});

// --- new remote port ------------------------------------------------------------------------------------------
// host 10.0.0.5 calls 52.1.1.1:443 at 01:00 on days 0-4, and 52.1.1.1:4444 at 10:00 on day 4: the store's and the
// host's history start at day 0 01:00, so day 3 01:00 ends the 3-day learning period; 4444 at day 4 10:00 is new
// (window 10:00, one new value: low). 443 was first used on day 0 (learning: not reported).
// Look-alikes: web server 10.0.0.9 replies from 443 to a client's new ephemeral port every day (50000 + day):
// its source port is below the destination port, not a connection it started. Host 10.0.0.7 first appears on
// day 4 (22 to 52.1.1.1): less than 3 days of its own history. A rejected try at 23 and NTP to a new pool
// server (allowed) are not counted.
const PORTS: string[] = [];
for (let day = 0; day < 5; day++) {
  const t = T0 + day * DAY;
  PORTS.push(rec('eni-a', '10.0.0.5', '52.1.1.1', 40000 + day, 443, 6, 'ACCEPT', t + HOUR));
  PORTS.push(rec('eni-w', '10.0.0.9', '52.2.2.2', 443, 50000 + day, 6, 'ACCEPT', t + 2 * HOUR));
}
PORTS.push(rec('eni-a', '10.0.0.5', '52.1.1.1', 41000, 4444, 6, 'ACCEPT', T0 + 4 * DAY + 10 * HOUR));
PORTS.push(rec('eni-a', '10.0.0.5', '52.1.1.1', 41001, 23, 6, 'REJECT', T0 + 4 * DAY + 11 * HOUR));
PORTS.push(rec('eni-a', '10.0.0.5', '41.0.0.1', 41002, 123, 17, 'ACCEPT', T0 + 4 * DAY + 11 * HOUR));
PORTS.push(rec('eni-c', '10.0.0.7', '52.1.1.1', 42000, 22, 6, 'ACCEPT', T0 + 4 * DAY + 12 * HOUR));
const PORTS_EXPECTED = [
  { entity: '10.0.0.5', severity: 'low', windows: [T0 + 4 * DAY + 10 * HOUR], peers: ['4444'], peak: 1 },
];

// --- the learning period: 2 days of records ---------------------------------------------------------------------
// 443 on day 0 01:00 and 4444 on day 1 02:00: the learning period runs to day 3 01:00, so neither is reported and
// the run says "needs 3 days of history; 1 available" (day 0 01:00 to the last record, day 1 02:00: 1 whole day).
const SHORT = [
  rec('eni-a', '10.0.0.5', '52.1.1.1', 40000, 443, 6, 'ACCEPT', T0 + HOUR),
  rec('eni-a', '10.0.0.5', '52.1.1.1', 40001, 4444, 6, 'ACCEPT', T0 + DAY + 2 * HOUR),
];

// --- new country and network ----------------------------------------------------------------------------------
// host 10.0.0.5 calls 8.8.8.8:443 (US, Google) and 13.32.0.10:443 (US, CloudFront) at 01:00 on days 0-8. Day 8:
// at 03:00 it reaches 13.32.0.200 (a CDN change: the same network and country), at 10:00 77.88.55.60:443 (RU,
// Yandex: a new country and a new network), at 11:00 41.0.0.1:123 (ZA, but NTP is allowed).
// Web server 10.0.0.9 answers clients from ZA, AU and RU on day 8 (and daily before): its records to them leave
// from port 443 to the clients' ephemeral ports (replies), the clients' own records go to a private address.
// History from day 0 01:00: the 7-day learning period ends on day 7 01:00.
const GEO: string[] = [];
for (let day = 0; day < 9; day++) {
  const t = T0 + day * DAY;
  GEO.push(rec('eni-a', '10.0.0.5', '8.8.8.8', 40000, 443, 6, 'ACCEPT', t + HOUR));
  GEO.push(rec('eni-a', '10.0.0.5', '13.32.0.10', 40001, 443, 6, 'ACCEPT', t + HOUR));
  for (const [i, client] of ['41.0.0.1', '1.1.1.1', '95.173.136.70'].entries()) {
    GEO.push(rec('eni-w', client, '10.0.0.9', 50000 + day * 10 + i, 443, 6, 'ACCEPT', t + 5 * HOUR));
    GEO.push(rec('eni-w', '10.0.0.9', client, 443, 50000 + day * 10 + i, 6, 'ACCEPT', t + 5 * HOUR));
  }
}
GEO.push(rec('eni-a', '10.0.0.5', '13.32.0.200', 40002, 443, 6, 'ACCEPT', T0 + 8 * DAY + 3 * HOUR));
GEO.push(rec('eni-a', '10.0.0.5', '77.88.55.60', 40003, 443, 6, 'ACCEPT', T0 + 8 * DAY + 10 * HOUR));
GEO.push(rec('eni-a', '10.0.0.5', '41.0.0.1', 40004, 123, 17, 'ACCEPT', T0 + 8 * DAY + 11 * HOUR));
const NEW_AT = T0 + 8 * DAY + 10 * HOUR;

const backends: [string, (n: string, d: FirstSeenDetection, r: readonly string[]) => Promise<Run> | Run][] = [
  ['DuckDB SQL over the store', runDuckdb],
  ['Trino SQL on the local Athena engine', runTrino],
  ['the in-memory evaluator (monitor)', (_n, d, r) => runMemory(d, r)],
];

describe.each(backends)('first seen on %s', (name, run) => {
  const tag = name
    .split(' ')[0]!
    .toLowerCase()
    .replace(/[^a-z]/g, '');

  it('a new remote port is found; replies to ephemeral ports, a new host, rejects and NTP are not', async () => {
    const r = await run(`ports-${tag}`, PORT3, PORTS);
    expect(r.findings.map(shape)).toEqual(PORTS_EXPECTED);
    expect(r.findings[0]!.windows[0]!.summary).toContain('10.0.0.5 used a new remote port: 4444');
    // 10.0.0.7's port 22 is its first record: learning on its own
    expect(r.notes.some((n) => n.startsWith('1 first use by entities with less than 3 days'))).toBe(true);
  });

  it('too little history says so instead of reporting', async () => {
    const r = await run(`short-${tag}`, PORT3, SHORT);
    expect(r.findings).toEqual([]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(
      /^first seen needs 3 days of history; 1 available \(records from 2024-05-20T01:00:00Z\)/,
    );
    expect(r.notes[0]).toContain('nothing is reported before 2024-05-23T01:00:00Z');
    expect(r.notes[0]).toContain('2 first uses in it not reported');
  });

  it('a new country and a new network are found; a CDN change in the same network and a web server’s clients are not', async () => {
    const country = await run(`country-${tag}`, builtin('first-seen-country'), GEO);
    expect(country.findings.map(shape)).toEqual([
      { entity: '10.0.0.5', severity: 'low', windows: [NEW_AT], peers: ['RU'], peak: 1 },
    ]);
    expect(country.findings[0]!.windows[0]!.summary).toBe(
      '10.0.0.5 used a new destination country: RU (77.88.55.60), first time in 8 days of history (1 before: US)',
    );
    const asn = await run(`asn-${tag}`, builtin('first-seen-asn'), GEO);
    expect(asn.findings.map(shape)).toEqual([
      { entity: '10.0.0.5', severity: 'low', windows: [NEW_AT], peers: ['AS13238 YANDEX LLC'], peak: 1 },
    ]);
    const port = await run(`geo-port-${tag}`, builtin('first-seen-port'), GEO);
    expect(port.findings).toEqual([]);
  });
});

describe('first-seen definitions', () => {
  it('refuses a country of a non-address field and an unknown "as"', () => {
    const base = (fs: string) =>
      `id: x\ntitle: x\nkind: first-seen\nwindow: 3600\ngroupBy: [srcaddr]\nfirstSeen: ${fs}\nthresholds: { low: 1 }\n`;
    expect(() => parseDefinitionText('t.yaml', base('{ field: dstport, as: country }'))).toThrow(
      /needs an address field/,
    );
    expect(() => parseDefinitionText('t.yaml', base('{ field: dstaddr, as: city }'))).toThrow(
      /expected country or asn/,
    );
    expect(() =>
      parseDefinitionText(
        't.yaml',
        base('{ field: dstaddr }').replace('kind: first-seen', 'kind: threshold\nmetric: count'),
      ),
    ).toThrow(/"firstSeen" applies to kind first-seen only/);
  });
});
