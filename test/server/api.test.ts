// The dashboard API over loopback: a real monitor (startMonitor) with the API registered, over a store filled
// from a hand-made flow log file. Every route is called with fetch; expected values are worked out by hand
// from LINES below (the comments show the sums).

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { ingest } from '../../src/ingest/ingest.js';
import { deriveDatapoints } from '../../src/metrics/datapoints.js';
import { REQUESTS_DIR } from '../../src/monitor/alarms-runner.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import type {
  AlarmHistoryResponse,
  AlarmMetricResponse,
  AlarmsResponse,
  BaselineResponse,
  CatalogResponse,
  EncryptionReportResponse,
  FlowsResponse,
  HostResponse,
  MetricFiltersResponse,
  MetricResponse,
  NetworkRejectsResponse,
  OverviewResponse,
  PathsReportResponse,
  QueryResponse,
  SourcesResponse,
  TestPatternResponse,
  TrafficKindsResponse,
} from '../../src/server/api-contract.js';
import { Store } from '../../src/storage/store.js';

const T = 1716199200; // 2024-05-20T10:00:00Z, an hour boundary
const HOUR = `since=${T}&until=${T + 3600}`;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
const R = {
  ssh1: `5 111122223333 eni-a 203.0.113.9 10.0.1.10 51000 22 6 1 44 ${T + 10} ${T + 11} REJECT OK ingress`,
  ssh2: `5 111122223333 eni-a 203.0.113.9 10.0.1.10 51001 22 6 1 44 ${T + 20} ${T + 21} REJECT OK ingress`,
  ssh3: `5 111122223333 eni-a 203.0.113.9 10.0.1.10 51002 22 6 1 44 ${T + 30} ${T + 31} REJECT OK ingress`,
  ssh4: `5 111122223333 eni-b 198.51.100.7 10.0.2.20 51003 22 6 2 120 ${T + 40} ${T + 41} REJECT OK ingress`,
  https: `5 111122223333 eni-a 10.0.1.10 52.216.10.9 40001 443 6 12 7000 ${T + 70} ${T + 119} ACCEPT OK egress`,
  ping: `5 111122223333 eni-b 198.51.100.7 10.0.2.20 0 0 1 4 336 ${T + 80} ${T + 81} REJECT OK ingress`,
  pgOut: `5 111122223333 eni-b 10.0.2.20 10.0.1.10 45000 5432 6 20 15000 ${T + 130} ${T + 170} ACCEPT OK egress`,
  pgIn: `5 111122223333 eni-a 10.0.2.20 10.0.1.10 45000 5432 6 20 15000 ${T + 130} ${T + 170} ACCEPT OK ingress`,
  dns: `5 111122223333 eni-a 10.0.1.10 8.8.8.8 53000 53 17 1 70 ${T + 200} ${T + 201} ACCEPT OK egress`,
  late: `5 111122223333 eni-a 203.0.113.50 10.0.1.10 52000 22 6 1 44 ${T + 4000} ${T + 4001} REJECT OK ingress`,
};
const BAD = '5 111122223333 eni-a not-enough-fields';
// File lines: 1 header, 2-5 ssh1..ssh4, 6 BAD, 7-12 https, ping, pgOut, pgIn, dns, late.
const LINES = [HEADER, R.ssh1, R.ssh2, R.ssh3, R.ssh4, BAD, R.https, R.ping, R.pgOut, R.pgIn, R.dns, R.late];

const PATTERN =
  '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status, direction]';

let dir: string;
let logFile: string;
let monitor: Monitor;
const clock = T + 5;
const logs: string[] = [];

async function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token, ...rest } = init;
  const headers: Record<string, string> = { ...(rest.headers as Record<string, string> | undefined) };
  const t = token === undefined ? monitor.token : token;
  if (t !== null) headers['authorization'] = `Bearer ${t}`;
  if (rest.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${monitor.url}${path}`, { ...rest, headers });
}

async function get<T>(path: string): Promise<T> {
  const r = await call(path);
  const body = await r.text();
  expect(r.status, body).toBe(200);
  return JSON.parse(body) as T;
}

async function post<T>(path: string, body: unknown, status = 200): Promise<T> {
  const r = await call(path, { method: 'POST', body: JSON.stringify(body) });
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function failure(r: Promise<Response>, status: number): Promise<Record<string, unknown>> {
  const res = await r;
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-api-'));
  mkdirSync(join(dir, 'drop'));
  logFile = join(dir, 'flows.log');
  writeFileSync(logFile, `${LINES.join('\n')}\n`);
  const config = parseConfig(
    'flowwatch.yaml',
    `
metricFilters:
  - name: rejected-ssh
    pattern: "${PATTERN}"
    metricNamespace: FlowLogs
    metricName: RejectedSSH
    metricValue: "1"
    defaultValue: 0
alarms:
  - name: rejected-ssh
    description: SSH brute force
    metric: { namespace: FlowLogs, metricName: RejectedSSH }
    statistic: Sum
    period: 60
    evaluationPeriods: 1
    threshold: 3
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: notBreaching
compositeAlarms:
  - name: any-trouble
    alarmRule: ALARM("rejected-ssh")
sources:
  - { name: drop, type: directory, path: "${join(dir, 'drop')}", pollSeconds: 60 }
`,
  );
  const db = join(dir, 'api.duckdb');
  const store = await Store.open(db);
  const s = await ingest(store, [logFile], { derive: deriveDatapoints(config.filters) });
  expect([s.records, s.rejected]).toEqual([10, 1]);
  await store.checkpoint();
  store.close();
  monitor = await startMonitor({
    config,
    db,
    log: createLogger((l) => logs.push(l)),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    now: () => clock,
    register: (app, parts) =>
      registerApi(app, {
        store: parts.store,
        config: parts.config,
        monitor: parts,
        now: () => clock,
        // Long enough for every ordinary query of this file on a loaded 2-core machine (1 s was not: a 401 test's
        // final authorised call got a 408 under load), short enough for the timeout test below.
        queryTimeoutMs: 4000,
        maxRows: 5,
        log: createLogger((l) => logs.push(l)),
      }),
  });
  // The alarm sees minute [T, T+60) with 4 rejected SSH flows (>= 3): ALARM; the composite follows.
  await monitor.alarms.evaluate(undefined, T + 62);
});

afterAll(async () => {
  await monitor?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every route, with a valid request. */
const ROUTES: readonly { method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/overview' },
  { method: 'POST', path: '/api/query', body: { query: 'fields srcAddr' } },
  { method: 'POST', path: '/api/sql', body: { sql: 'SELECT 1' } },
  { method: 'GET', path: '/api/flows' },
  { method: 'GET', path: '/api/alarms' },
  { method: 'GET', path: '/api/alarms/rejected-ssh/history' },
  { method: 'GET', path: '/api/alarms/rejected-ssh/metric' },
  { method: 'GET', path: '/api/metric-filters' },
  { method: 'POST', path: '/api/metric-filters/test', body: { pattern: 'REJECT', lines: ['x'] } },
  { method: 'GET', path: '/api/metrics?namespace=FlowLogs&metric=RejectedSSH' },
  { method: 'GET', path: '/api/sources' },
  { method: 'GET', path: '/api/catalog' },
  { method: 'GET', path: '/api/reports/encryption' },
  { method: 'GET', path: '/api/reports/traffic-kinds' },
  { method: 'GET', path: '/api/reports/paths' },
  { method: 'GET', path: '/api/reports/compliance' },
  { method: 'GET', path: '/api/reports/compliance.html' },
  { method: 'GET', path: '/api/openapi.json' },
  { method: 'GET', path: '/api/findings' },
  { method: 'GET', path: '/api/network/rejects' },
  { method: 'GET', path: '/api/anomalies?interface=eni-a' },
  { method: 'GET', path: '/api/baseline' },
  { method: 'GET', path: '/api/host?host=10.0.2.20' },
];

describe('authentication', () => {
  it.each(ROUTES)('$method $path answers 401 without the token and with a wrong one', async (r) => {
    const body = r.body === undefined ? undefined : JSON.stringify(r.body);
    for (const token of [null, 'fw_wrong', `${monitor.token}x`]) {
      const e = await failure(call(r.path, { method: r.method, body, token }), 401);
      expect(e['error']).toBe('UNAUTHORIZED');
    }
    const ok = await call(r.path, { method: r.method, body });
    expect(ok.status).toBe(200);
  });

  it('answers 401 for an unknown route without the token, 404 with it', async () => {
    await failure(call('/api/nope', { token: null }), 401);
    expect((await failure(call('/api/nope'), 404))['error']).toBe('NOT_FOUND');
  });
});

describe('GET /api/overview', () => {
  // These count every record (view=per-eni): pgOut and pgIn are one flow seen on two ENIs; the deduplicated
  // default counts it once (test/storage/flow-views.test.ts), checked below.
  it('splits the hour into minutes, accepted and rejected', async () => {
    const o = await get<OverviewResponse>(`/api/overview?${HOUR}&view=per-eni`);
    expect([o.since, o.until, o.bin]).toEqual([T, T + 3600, 60]);
    expect(o.series).toHaveLength(60);
    expect(o.series[0]!.t).toBe(T);
    expect(o.series[59]!.t).toBe(T + 3540);
    const zero = {
      acceptedBytes: 0,
      rejectedBytes: 0,
      acceptedPackets: 0,
      rejectedPackets: 0,
      acceptedFlows: 0,
      rejectedFlows: 0,
    };
    // Minute T: ssh1-4 (44*3 + 120 bytes, 1+1+1+2 packets); T+60: https, ping; T+120: pgOut, pgIn; T+180: dns.
    expect(o.series.slice(0, 5)).toEqual([
      { ...zero, t: T, rejectedBytes: 252, rejectedPackets: 5, rejectedFlows: 4 },
      {
        ...zero,
        t: T + 60,
        acceptedBytes: 7000,
        acceptedPackets: 12,
        acceptedFlows: 1,
        rejectedBytes: 336,
        rejectedPackets: 4,
        rejectedFlows: 1,
      },
      { ...zero, t: T + 120, acceptedBytes: 30000, acceptedPackets: 40, acceptedFlows: 2 },
      { ...zero, t: T + 180, acceptedBytes: 70, acceptedPackets: 1, acceptedFlows: 1 },
      { ...zero, t: T + 240 },
    ]);
    expect(o.series.slice(4).every((p) => p.acceptedFlows + p.rejectedFlows === 0)).toBe(true);
  });

  it('gives the totals and top lists of the records in range (late, at T+4000, is outside)', async () => {
    const o = await get<OverviewResponse>(`/api/overview?${HOUR}&view=per-eni`);
    // bytes 252 + 7000 + 336 + 30000 + 70; packets 5 + 12 + 4 + 40 + 1
    expect(o.totals).toEqual({ flows: 9, bytes: 37658, packets: 62, rejectedFlows: 5 });
    expect(o.topTalkers).toEqual([
      { addr: '10.0.2.20', bytes: 30000, flows: 2 },
      { addr: '10.0.1.10', bytes: 7070, flows: 2 },
      { addr: '198.51.100.7', bytes: 456, flows: 2 },
      { addr: '203.0.113.9', bytes: 132, flows: 3 },
    ]);
    expect(o.topRejectedSources).toEqual([
      { addr: '203.0.113.9', flows: 3 },
      { addr: '198.51.100.7', flows: 2 },
    ]);
    // Every record's format has action: nothing left out of the rejected counts, no warning.
    expect([o.recordsWithoutAction, o.topRejectedWarning]).toEqual([0, null]);
    expect(o.topDestinationPorts).toEqual([
      { port: 22, protocol: 6, flows: 4, bytes: 252 },
      { port: 5432, protocol: 6, flows: 2, bytes: 30000 },
      { port: 443, protocol: 6, flows: 1, bytes: 7000 },
      { port: 0, protocol: 1, flows: 1, bytes: 336 },
      { port: 53, protocol: 17, flows: 1, bytes: 70 },
    ]);
    expect(o.protocols).toEqual([
      { protocol: 6, name: 'TCP', flows: 7, bytes: 37252 },
      { protocol: 1, name: 'ICMP', flows: 1, bytes: 336 },
      { protocol: 17, name: 'UDP', flows: 1, bytes: 70 },
    ]);
    expect(o.directions).toEqual([
      { direction: 'ingress', flows: 6, bytes: 15588 },
      { direction: 'egress', flows: 3, bytes: 22070 },
    ]);
    expect(o.interfaces).toEqual([
      { interfaceId: 'eni-a', flows: 6, bytes: 22202, rejectedFlows: 3 },
      { interfaceId: 'eni-b', flows: 3, bytes: 15456, rejectedFlows: 2 },
    ]);
  });

  it('counts pgOut/pgIn once by default: the receiver’s record (pgIn) stays', async () => {
    const o = await get<OverviewResponse>(`/api/overview?${HOUR}`);
    expect([o.view, o.undirectedFlows]).toEqual(['deduplicated', 0]);
    // the per-ENI totals less pgOut (20 packets, 15000 bytes)
    expect(o.totals).toEqual({ flows: 8, bytes: 22658, packets: 42, rejectedFlows: 5 });
    expect(o.topTalkers[0]).toEqual({ addr: '10.0.2.20', bytes: 15000, flows: 1 });
  });

  it('defaults to the last hour, widens the bin for long ranges, and shortens the top lists', async () => {
    const d = await get<OverviewResponse>('/api/overview');
    expect([d.since, d.until]).toEqual([clock - 3600, clock]);
    expect(d.totals.flows).toBe(0); // every record starts after T + 5
    // ... so it says where they are: the 10 stored records start from T + 10 (ssh1) to T + 4000 (late).
    expect(d.stored).toEqual({ records: 10, from: T + 10, to: T + 4000 });
    const twoDays = await get<OverviewResponse>(
      `/api/overview?since=${T}&until=${T + 2 * 86400}&top=1&view=per-eni`,
    );
    expect(twoDays.bin).toBe(300); // 1 min would give 2880 points, 5 min 576
    expect(twoDays.series).toHaveLength(576);
    expect(twoDays.totals.flows).toBe(10);
    expect(twoDays.topTalkers).toEqual([{ addr: '10.0.2.20', bytes: 30000, flows: 2 }]);
    expect(twoDays.stored).toBeUndefined(); // the range holds records
  });

  it('refuses bad input with 400 naming the field', async () => {
    const e1 = await failure(call('/api/overview?since=yesterday'), 400);
    expect(e1).toMatchObject({ error: 'INVALID_INPUT', field: 'since' });
    const e2 = await failure(call(`/api/overview?since=${T + 10}&until=${T}`), 400);
    expect(e2).toMatchObject({ error: 'BAD_TIME_RANGE', field: 'since' });
    const e3 = await failure(call(`/api/overview?${HOUR}&bin=1`), 400); // 3600 points
    expect(e3).toMatchObject({ error: 'INVALID_INPUT', field: 'bin' });
    const e4 = await failure(call(`/api/overview?top=0`), 400);
    expect(e4).toMatchObject({ error: 'INVALID_INPUT', field: 'top' });
  });
});

describe('POST /api/query', () => {
  it('runs a Logs Insights query over the range', async () => {
    const r = await post<QueryResponse>('/api/query', {
      query: 'stats count(*) as n, sum(bytes) as b by action | sort n desc',
      since: T,
      until: T + 3600,
    });
    expect(r.columns).toEqual(['action', 'n', 'b']);
    // REJECT: ssh1-4 and ping (252 + 336); ACCEPT: https, pgOut, pgIn, dns (7000 + 30000 + 70)
    expect(r.rows).toEqual([
      { action: 'REJECT', n: 5, b: 588 },
      { action: 'ACCEPT', n: 4, b: 37070 },
    ]);
    expect(r).toMatchObject({ truncated: false, aggregated: true });
    expect(r.timeSeries).toBeUndefined();
    expect(typeof r.elapsedMs).toBe('number');
    expect(r.warnings).toBeUndefined();
  });

  it('warns when the query reads a field no stored record has (the store has no tcp-flags)', async () => {
    const r = await post<QueryResponse>('/api/query', {
      query: 'filter tcpFlags = 2 | stats count(*) as n',
      since: T,
      until: T + 3600,
    });
    expect(r.rows).toEqual([{ n: 0 }]);
    expect(r.warnings).toEqual([expect.stringContaining('no stored record has tcpFlags (tcp-flags')]);
    const sql = await post<QueryResponse>('/api/sql', {
      sql: 'SELECT count(*) AS n FROM flows WHERE tcp_flags = 2',
    });
    expect(sql.warnings).toEqual([expect.stringContaining('no stored record has tcp_flags (tcp-flags')]);
  });

  it('names the time-series column of stats ... by bin()', async () => {
    const r = await post<QueryResponse>('/api/query', {
      query: 'stats count(*) as n by bin(1m)',
      since: T,
      until: T + 3600,
    });
    expect(r.timeSeries).toBe('bin(1m)');
    const rows = [...r.rows].sort((a, b) => String(a['bin(1m)']).localeCompare(String(b['bin(1m)'])));
    expect(rows).toEqual([
      { 'bin(1m)': '2024-05-20 10:00:00.000', n: 4 },
      { 'bin(1m)': '2024-05-20 10:01:00.000', n: 2 },
      { 'bin(1m)': '2024-05-20 10:02:00.000', n: 2 },
      { 'bin(1m)': '2024-05-20 10:03:00.000', n: 1 },
    ]);
  });

  it('caps the rows (5 here) and says so; the default range is the last hour', async () => {
    const r = await post<QueryResponse>('/api/query', { query: 'fields srcAddr', since: T, until: T + 3600 });
    expect(r.rows).toHaveLength(5);
    expect(r).toMatchObject({ truncated: true, aggregated: false });
    const none = await post<QueryResponse>('/api/query', { query: 'fields srcAddr' });
    expect(none.rows).toEqual([]);
  });

  it('answers a query error with 400, its code and span', async () => {
    const e = await post<Record<string, unknown>>('/api/query', { query: 'filter srcadr = "10.0.1.5"' }, 400);
    expect(e).toMatchObject({ error: 'UNKNOWN_FIELD', start: 7, end: 13 });
    expect(typeof e['message']).toBe('string');
    const missing = await post<Record<string, unknown>>('/api/query', { since: T }, 400);
    expect(missing).toMatchObject({ error: 'INVALID_INPUT', field: 'query' });
    const badSince = await post<Record<string, unknown>>(
      '/api/query',
      { query: 'fields srcAddr', since: 'x' },
      400,
    );
    expect(badSince).toMatchObject({ error: 'INVALID_INPUT', field: 'since' });
  });
});

describe('POST /api/sql', () => {
  it('runs a SELECT over the store', async () => {
    const r = await post<QueryResponse>('/api/sql', {
      sql: 'SELECT action, count(*) AS n FROM flows GROUP BY action ORDER BY action',
    });
    expect(r.columns).toEqual(['action', 'n']);
    // ACCEPT: https, pgOut, pgIn, dns; REJECT: ssh1-4, ping, late
    expect(r.rows).toEqual([
      { action: 'ACCEPT', n: 4 },
      { action: 'REJECT', n: 6 },
    ]);
    expect(r.truncated).toBe(false);
  });

  it('caps the rows', async () => {
    const r = await post<QueryResponse>('/api/sql', { sql: 'SELECT * FROM range(100)' });
    expect(r.rows).toEqual([0, 1, 2, 3, 4].map((range) => ({ range })));
    expect(r.truncated).toBe(true);
  });

  it('refuses what is not a SELECT, file readers, settings and other databases', async () => {
    const copyTarget = join(dir, 'stolen.csv');
    const cases: [string, string][] = [
      ['DELETE FROM files', 'SQL_NOT_SELECT'],
      [`COPY flows TO '${copyTarget}'`, 'SQL_NOT_SELECT'],
      [`ATTACH '${join(dir, 'other.duckdb')}' AS o`, 'SQL_NOT_SELECT'],
      ['PRAGMA database_list', 'SQL_NOT_SELECT'],
      ['SET enable_external_access = true', 'SQL_NOT_SELECT'],
      ['INSTALL httpfs', 'SQL_NOT_SELECT'],
      ['SELECT 1; SELECT 2', 'SQL_MULTIPLE_STATEMENTS'],
      ["SELECT current_setting('memory_limit')", 'SQL_FORBIDDEN_FUNCTION'],
      [`SELECT * FROM '${logFile}'`, 'SQL_FORBIDDEN_TABLE'],
    ];
    for (const [sql, code] of cases) {
      const e = await post<Record<string, unknown>>('/api/sql', { sql }, 400);
      expect(e['error'], sql).toBe(code);
    }
    expect(existsSync(copyTarget)).toBe(false);
    const readCsv = `SELECT * FROM read_csv('${logFile}')`;
    const e = await post<Record<string, unknown>>('/api/sql', { sql: readCsv }, 400);
    expect(e).toMatchObject({ error: 'SQL_FORBIDDEN_FUNCTION', start: 14, end: 22 }); // "read_csv"
  });

  it('answers a syntax error with its position and a DuckDB error with its message', async () => {
    const e = await post<Record<string, unknown>>('/api/sql', { sql: 'SELEC count(*) FROM flows' }, 400);
    expect(e).toMatchObject({ error: 'SQL_PARSE_ERROR', start: 0, end: 5 }); // "SELEC"
    const b = await post<Record<string, unknown>>('/api/sql', { sql: 'SELECT nosuchcolumn FROM flows' }, 400);
    expect(b['error']).toBe('SQL_ERROR');
  });

  it('names a typographic quote pasted from a web page (DuckDB took it for part of a column name)', async () => {
    // “ at offset 42: "SELECT count(*) FROM flows WHERE action = " is 42 characters.
    const e = await post<Record<string, unknown>>(
      '/api/sql',
      { sql: 'SELECT count(*) FROM flows WHERE action = “REJECT”' },
      400,
    );
    expect(e).toMatchObject({ error: 'PASTED_CHARACTER', start: 42, end: 43 });
    expect(JSON.stringify(e)).toContain('straight quote');
  });

  it('stops a query that runs longer than the timeout with 408, and stays up', async () => {
    const t0 = performance.now();
    const e = await post<Record<string, unknown>>(
      '/api/sql',
      { sql: 'SELECT count(*) FROM range(1000000000000)' },
      408,
    );
    expect(e['error']).toBe('QUERY_TIMEOUT');
    expect(performance.now() - t0).toBeLessThan(15_000); // stopped at the 4 s limit, not left to run on
    const ok = await post<QueryResponse>('/api/sql', { sql: 'SELECT 42 AS answer' });
    expect(ok.rows).toEqual([{ answer: 42 }]);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const sql = `SELECT '${'x'.repeat(1024 * 1024)}'`;
    const e = await failure(call('/api/sql', { method: 'POST', body: JSON.stringify({ sql }) }), 413);
    expect(e['error']).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('GET /api/flows', () => {
  it('filters by address, newest first, with the columns that hold values', async () => {
    const r = await get<FlowsResponse>(`/api/flows?ip=203.0.113.9&${HOUR}`);
    expect(r.columns).toEqual([
      'version',
      'account_id',
      'interface_id',
      'srcaddr',
      'dstaddr',
      'srcport',
      'dstport',
      'protocol',
      'packets',
      'bytes',
      'start',
      'end',
      'action',
      'log_status',
      'flow_direction',
      'event_time',
      'time_source',
    ]);
    expect(r.rows.map((x) => x['srcport'])).toEqual([51002, 51001, 51000]); // ssh3, ssh2, ssh1
    // Records with a start take it as their event time.
    expect(r.rows.every((x) => x['event_time'] === x['start'] && x['time_source'] === 'start')).toBe(true);
    expect(r.rows[0]).toMatchObject({
      srcaddr: '203.0.113.9',
      start: T + 30,
      action: 'REJECT',
      flow_direction: 'ingress',
    });
    expect(r.truncated).toBe(false);
  });

  it('filters by CIDR block on either side', async () => {
    const r = await get<FlowsResponse>(`/api/flows?cidr=10.0.2.0/24&${HOUR}`);
    // pgOut and pgIn (src 10.0.2.20, both at T+130, file order), ping and ssh4 (dst 10.0.2.20)
    expect(r.rows.map((x) => [x['interface_id'], x['start']])).toEqual([
      ['eni-b', T + 130],
      ['eni-a', T + 130],
      ['eni-b', T + 80],
      ['eni-b', T + 40],
    ]);
  });

  it('combines port, action, direction, protocol and interface filters, and limits', async () => {
    const pg = await get<FlowsResponse>(`/api/flows?port=5432&action=ACCEPT&direction=egress&${HOUR}`);
    expect(pg.rows.map((x) => x['interface_id'])).toEqual(['eni-b']);
    const icmp = await get<FlowsResponse>(`/api/flows?protocol=1&${HOUR}`);
    expect(icmp.rows.map((x) => [x['srcaddr'], x['bytes']])).toEqual([['198.51.100.7', 336]]);
    const b = await get<FlowsResponse>(`/api/flows?interface=eni-b&limit=2&${HOUR}`);
    expect(b.rows.map((x) => x['start'])).toEqual([T + 130, T + 80]);
    expect(b.truncated).toBe(true);
    const late = await get<FlowsResponse>(`/api/flows?port=22&since=${T + 3600}&until=${T + 7200}`);
    expect(late.rows.map((x) => x['srcaddr'])).toEqual(['203.0.113.50']);
  });

  it('answers no rows with the default columns (the default range is before the data), and says where the data is', async () => {
    const r = await get<FlowsResponse>('/api/flows');
    expect(r.rows).toEqual([]);
    expect(r.columns).toHaveLength(14);
    // The last hour before the clock (T + 5) holds no record; the 10 stored ones run from T + 10 to T + 4000.
    expect(r.notes).toEqual([
      'no stored record has an event time from 2024-05-20T09:00:05Z to 2024-05-20T10:00:05Z: the 10 stored records run from 2024-05-20T10:00:10Z to 2024-05-20T11:06:40Z (UTC); choose a time range in that span',
    ]);
    // Filters that match nothing in a range holding records: the traffic's answer, no note.
    const none = await get<FlowsResponse>(`/api/flows?port=3389&${HOUR}`);
    expect([none.rows, none.notes]).toEqual([[], undefined]);
    // An interface id in upper case can match nothing: AWS writes eni-… in lower case.
    const upper = await get<FlowsResponse>(`/api/flows?interface=ENI-B&${HOUR}`);
    expect([upper.rows, upper.notes]).toEqual([
      [],
      [
        'interface is never "ENI-B": AWS writes these IDs and names in lower case, and comparisons are case-sensitive (did you mean "eni-b"?); as written the test matches no record',
      ],
    ]);
  });

  it('refuses a bad address, CIDR block, port or action with 400 naming the field', async () => {
    for (const [q, field] of [
      ['ip=10.0.0.300', 'ip'],
      ['cidr=10.0.0.0/99', 'cidr'],
      ['port=70000', 'port'],
      ['action=DROP', 'action'],
      ['limit=0', 'limit'],
    ]) {
      const e = await failure(call(`/api/flows?${q}`), 400);
      expect(e['field'], q).toBe(field);
    }
  });
});

describe('alarms', () => {
  it('lists each alarm with its state, metric and threshold', async () => {
    const r = await get<AlarmsResponse>('/api/alarms');
    expect(r.alarms.map((a) => [a.name, a.kind, a.state, a.since])).toEqual([
      ['any-trouble', 'composite', 'ALARM', T + 62],
      ['rejected-ssh', 'metric', 'ALARM', T + 62],
    ]);
    expect(r.alarms[0]).toMatchObject({ rule: 'ALARM("rejected-ssh")' });
    expect(r.alarms[1]).toMatchObject({
      description: 'SSH brute force',
      metric: { namespace: 'FlowLogs', metricName: 'RejectedSSH', statistic: 'Sum', period: 60 },
      threshold: 3,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(typeof r.alarms[1]!.reason).toBe('string');
  });

  it("gives an alarm's history newest first", async () => {
    const r = await get<AlarmHistoryResponse>('/api/alarms/rejected-ssh/history');
    expect(r.items.map((i) => [i.time, i.type, i.from, i.to])).toEqual([
      [T + 62, 'StateUpdate', 'INSUFFICIENT_DATA', 'ALARM'],
      [clock, 'ConfigurationUpdate', undefined, undefined],
    ]);
    const one = await get<AlarmHistoryResponse>('/api/alarms/rejected-ssh/history?limit=1');
    expect(one.items).toHaveLength(1);
  });

  it("gives a metric alarm's sums per period and its threshold", async () => {
    const r = await get<AlarmMetricResponse>(`/api/alarms/rejected-ssh/metric?${HOUR}`);
    // Minute T: ssh1-4 match; minutes T+60, T+120, T+180 had records but no match: the default value 0.
    expect(r).toEqual({
      period: 60,
      threshold: 3,
      points: [
        { t: T, value: 4 },
        { t: T + 60, value: 0 },
        { t: T + 120, value: 0 },
        { t: T + 180, value: 0 },
      ],
    });
  });

  it('answers 404 for an unknown alarm and 400 for the metric of a composite alarm', async () => {
    expect((await failure(call('/api/alarms/nope/history'), 404))['error']).toBe('ALARM_NOT_FOUND');
    expect((await failure(call('/api/alarms/nope/metric'), 404))['error']).toBe('ALARM_NOT_FOUND');
    expect((await failure(call('/api/alarms/any-trouble/metric'), 400))['error']).toBe('ALARM_NOT_METRIC');
  });
});

describe('metric filters', () => {
  it('lists the configured filters', async () => {
    const r = await get<MetricFiltersResponse>('/api/metric-filters');
    expect(r.filters).toEqual([
      {
        name: 'rejected-ssh',
        pattern: PATTERN,
        metricNamespace: 'FlowLogs',
        metricName: 'RejectedSSH',
        metricValue: '1',
        defaultValue: 0,
        formats: [
          // 15 slots and no "...": never matches a 14-field default record, and "destport" names no field.
          expect.objectContaining({ origin: 'default', status: 'cannot' }),
          // The stored file's 15 fields: the pattern was written for them.
          expect.objectContaining({ origin: 'store: 1 file', status: 'fits', pattern: PATTERN }),
        ],
      },
    ]);
  });

  it('says why a pattern matched no line when the lines have another shape', async () => {
    // A 14-field pattern (the default format) on these 15-field lines: no match, and the warning says why.
    const r = await post<TestPatternResponse>('/api/metric-filters/test', {
      pattern:
        '[version, account, eni, source, destination, srcport, destport = 22, protocol, packets, bytes, start, end, action = REJECT, status]',
      lines: [R.ssh1, R.ssh4],
    });
    expect(r.matches).toEqual([]);
    expect(r.warnings?.[0]).toContain('the pattern has 14 fields and no "..."');
    expect(r.warnings?.[0]).toContain(`every line has ${R.ssh1.split(' ').length} fields`);
    // A match: no warnings.
    const ok = await post<TestPatternResponse>('/api/metric-filters/test', {
      pattern: PATTERN,
      lines: [R.ssh1],
    });
    expect(ok.matches).toHaveLength(1);
    expect(ok.warnings).toBeUndefined();
  });

  it('tests a pattern against lines: matches numbered from 1 with their values', async () => {
    const r = await post<TestPatternResponse>('/api/metric-filters/test', {
      pattern: PATTERN,
      lines: [R.https, R.ssh1, R.ping, R.ssh4],
    });
    expect(r.matches.map((m) => [m.eventNumber, m.line])).toEqual([
      [2, R.ssh1],
      [4, R.ssh4],
    ]);
    expect(r.matches[0]!.values).toEqual({
      $version: '5',
      $account: '111122223333',
      $eni: 'eni-a',
      $source: '203.0.113.9',
      $destination: '10.0.1.10',
      $srcport: '51000',
      $destport: '22',
      $protocol: '6',
      $packets: '1',
      $bytes: '44',
      $start: String(T + 10),
      $end: String(T + 11),
      $action: 'REJECT',
      $status: 'OK',
      $direction: 'ingress',
    });
  });

  it('answers a bad pattern with its code and span, and more than 1000 lines with 400', async () => {
    const e = await post<Record<string, unknown>>(
      '/api/metric-filters/test',
      { pattern: '[a b]', lines: [] },
      400,
    );
    expect(e).toMatchObject({ error: 'EXPECTED_COMMA_OR_BRACKET', start: 3, end: 4 });
    const many = Array.from({ length: 1001 }, () => R.ssh1);
    const e2 = await post<Record<string, unknown>>(
      '/api/metric-filters/test',
      { pattern: 'REJECT', lines: many },
      400,
    );
    expect(e2).toMatchObject({ error: 'INVALID_INPUT', field: 'lines' });
    const e3 = await post<Record<string, unknown>>('/api/metric-filters/test', { lines: [] }, 400);
    expect(e3).toMatchObject({ error: 'INVALID_INPUT', field: 'pattern' });
  });

  it('answers hostile patterns at once and stays up (issue 19 items 11, 12; issue 12 item 3)', async () => {
    // `{[` made the lexer loop until V8 ran out of memory, taking the server down
    const e = await post<Record<string, unknown>>(
      '/api/metric-filters/test',
      { pattern: '{[', lines: ['x'] },
      400,
    );
    expect(e).toMatchObject({ error: 'UNEXPECTED_CHARACTER', start: 1, end: 2 });
    // curly quotes pasted from a page are refused by name instead of matching nothing
    const q = await post<Record<string, unknown>>(
      '/api/metric-filters/test',
      { pattern: '[..., action = “REJECT”, status]', lines: [R.ssh1] },
      400,
    );
    expect(q).toMatchObject({ error: 'PASTED_CHARACTER', start: 15, end: 16 });
    // backtracking wildcards and regexes over long lines answer in ms rather than minutes
    const long = `5 111122223333 eni-${'a'.repeat(30_000)} x`;
    const t0 = performance.now();
    for (const pattern of ['[v, a, i = *a*a*a*a*a*b, ...]', '%a*a*a*a*a*a*c%']) {
      const r = await post<TestPatternResponse>('/api/metric-filters/test', { pattern, lines: [long, long] });
      expect(r.matches).toEqual([]);
    }
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('defines a filter on the running monitor: listed, and its datapoints computed over the stored records', async () => {
    const pattern =
      '[version, account, eni, source, destination, srcport, destport, protocol, packets, bytes, start, end, action = REJECT, status, direction]';
    const created = await post<Record<string, unknown>>(
      '/api/metric-filters',
      {
        name: 'rejected-all',
        pattern,
        metricNamespace: 'FlowLogs',
        metricName: 'Rejected',
        metricValue: '1',
      },
      201,
    );
    expect(created).toEqual({
      name: 'rejected-all',
      pattern,
      metricNamespace: 'FlowLogs',
      metricName: 'Rejected',
      metricValue: '1',
    });
    const list = await get<MetricFiltersResponse>('/api/metric-filters');
    expect(list.filters.map((f) => f.name)).toEqual(['rejected-ssh', 'rejected-all']);
    // REJECT records: ssh1..ssh4 (minute T) and ping (T+80) in period T; late (T+4000) in period T+3900.
    const points = await get<MetricResponse>(
      `/api/metrics?namespace=FlowLogs&metric=Rejected&period=300&since=${T}&until=${T + 7200}`,
    );
    expect(points.points).toEqual([
      { t: T, value: 5 },
      { t: T + 3900, value: 1 },
    ]);
    const bad = await post<Record<string, unknown>>(
      '/api/metric-filters',
      { name: 'broken', pattern: '[a, b', metricNamespace: 'FlowLogs', metricName: 'X', metricValue: '1' },
      400,
    );
    expect(bad).toMatchObject({ start: 5 });
  });

  it('gives a metric per period (default values count as samples)', async () => {
    const base = `/api/metrics?namespace=FlowLogs&metric=RejectedSSH&period=300&since=${T}&until=${T + 7200}`;
    // Period T: minutes T (4 matches) and T+60, T+120, T+180 (default 0 each); period T+3900: late (1).
    expect((await get<MetricResponse>(base)).points).toEqual([
      { t: T, value: 4 },
      { t: T + 3900, value: 1 },
    ]);
    expect((await get<MetricResponse>(`${base}&stat=SampleCount`)).points).toEqual([
      { t: T, value: 7 },
      { t: T + 3900, value: 1 },
    ]);
    const dims = encodeURIComponent('{"Action":"REJECT"}');
    expect((await get<MetricResponse>(`${base}&dimensions=${dims}`)).points).toEqual([]);
  });

  it('refuses a bad statistic, period or dimensions', async () => {
    const base = '/api/metrics?namespace=FlowLogs&metric=RejectedSSH';
    expect((await failure(call(`${base}&stat=p99`), 400))['field']).toBe('stat');
    expect((await failure(call(`${base}&period=90`), 400))['field']).toBe('period');
    expect((await failure(call(`${base}&dimensions=[1]`), 400))['field']).toBe('dimensions');
    expect((await failure(call('/api/metrics?namespace=FlowLogs'), 400))['field']).toBe('metric');
  });
});

describe('GET /api/sources', () => {
  it('gives each source, the store counts and the rejected lines', async () => {
    const r = await get<SourcesResponse>('/api/sources');
    expect(r.sources).toEqual([
      { name: 'drop', kind: 'directory', batches: 0, records: 0, rejects: 0, errors: 0 },
    ]);
    expect(r.recordsStored).toBe(10);
    expect(r.recordsRejected).toBe(1);
    expect(r.recordsPerSecond).toBeCloseTo(10 / 60, 6); // the file was stored moments ago
    expect(r.rejects).toHaveLength(1);
    expect(r.rejects[0]).toMatchObject({ file: logFile, line: 6, code: 'FIELD_COUNT', text: BAD });
  });
});

describe('GET /api/catalog', () => {
  it('gives fields, system fields, commands, functions and the query library', async () => {
    const c = await get<CatalogResponse>('/api/catalog');
    expect(c.fields).toContainEqual(
      expect.objectContaining({ insights: 'srcAddr', column: 'srcaddr', aws: 'srcaddr', type: 'string' }),
    );
    expect(c.fields).toContainEqual(
      expect.objectContaining({ insights: 'flowDirection', column: 'flow_direction', aws: 'flow-direction' }),
    );
    expect(c.systemFields).toEqual(expect.arrayContaining(['@timestamp', '@message', '@logStream']));
    expect(c.commands).toEqual(
      expect.arrayContaining(['fields', 'filter', 'stats', 'sort', 'limit', 'parse']),
    );
    expect(c.functions).toContainEqual(expect.objectContaining({ name: 'bin', kind: 'scalar' }));
    expect(c.functions).toContainEqual(expect.objectContaining({ name: 'count', kind: 'aggregate' }));
    expect(c.library).toContainEqual(expect.objectContaining({ name: 'top-rejected-sources' }));
  });
});

describe('GET /api/openapi.json', () => {
  it('documents every route, with the bearer scheme', async () => {
    const doc = await get<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    }>('/api/openapi.json');
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /api/overview',
        'POST /api/query',
        'POST /api/sql',
        'GET /api/flows',
        'GET /api/alarms',
        'GET /api/alarms/{name}/history',
        'GET /api/alarms/{name}/metric',
        'GET /api/alarms/{name}/flows',
        'POST /api/alarms/{name}/mute',
        'DELETE /api/alarms/{name}/mute',
        'GET /api/metric-filters',
        'POST /api/metric-filters',
        'POST /api/metric-filters/test',
        'GET /api/metrics',
        'GET /api/sources',
        'GET /api/catalog',
        'GET /api/reports/encryption',
        'GET /api/reports/traffic-kinds',
        'GET /api/reports/paths',
        'GET /api/reports/compliance',
        'GET /api/reports/compliance.html',
        'GET /api/findings',
        'GET /api/findings/{id}',
        'POST /api/findings/{id}/ack',
        'POST /api/findings/{id}/suppress',
        'POST /api/findings/{id}/reopen',
        'GET /api/network/rejects',
        'POST /api/network/explain',
        'GET /api/anomalies',
        'GET /api/baseline',
        'GET /api/host',
      ].sort(),
    );
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
  });
});

describe('GET /api/anomalies', () => {
  it('says how many periods it needs when the interface has too little history, instead of an empty chart', async () => {
    // eni-a has records in the 10-minute periods starting T and T+3600 (`late`): 7 periods with the zeros between.
    const r = await get<{ needs: number; available: number; note: string; points: unknown[] }>(
      `/api/anomalies?interface=eni-a&since=${T}&until=${T + 7200}`,
    );
    expect([r.needs, r.available, r.points]).toEqual([65, 7, []]);
    expect(r.note).toBe('needs 65 periods of 600 s before its first score; 7 available');
  });

  it('names an interface without records, and refuses a request without one', async () => {
    const r = await get<{ available: number; note: string }>(
      `/api/anomalies?interface=eni-zz&since=${T}&until=${T + 7200}`,
    );
    expect(r.available).toBe(0);
    expect(r.note).toContain('eni-zz has no records');
    await failure(call('/api/anomalies'), 400);
  });
});

describe('GET /api/baseline and /api/host (issue 15)', () => {
  it('baseline: too little history gives no band and says so, with the days available', async () => {
    // The store's records span [T, T + 4001): the model of the last bin (trained at T + 3600) has 1 h of history.
    const r = await get<BaselineResponse>(`/api/baseline?since=${T + 3600}&until=${T + 7200}&bin=300`);
    expect([r.bin, r.k, r.bytes, r.packets, r.flows]).toEqual([300, 2, [], [], []]);
    expect(r.note).toMatch(/^baseline needs 3 days of history; 0 available/);
  });

  it('baseline refuses a host that is neither an address nor an interface, naming the field', async () => {
    const e = await failure(call(`/api/baseline?${HOUR}&host=web-1`), 400);
    expect(e['field']).toBe('host');
  });

  it('host by address: each flow once, peers at the other end, ports by flows', async () => {
    // 10.0.2.20 in [T, T+3600): ssh4 (REJECT, 2 pkts, 120 B) and ping (REJECT, 4 pkts, 336 B) from 198.51.100.7,
    // and the Postgres flow to 10.0.1.10 (20 pkts, 15000 B) logged by eni-b and eni-a, counted once.
    const r = await get<HostResponse>(`/api/host?host=10.0.2.20&${HOUR}&bin=3600`);
    expect(r.kind).toBe('address');
    expect(r.totals).toEqual({ flows: 3, bytes: 15456, packets: 26, rejectedFlows: 2 });
    expect(r.series).toHaveLength(1);
    expect(r.series[0]).toMatchObject({ t: T, acceptedBytes: 15000, rejectedBytes: 456, acceptedFlows: 1 });
    expect(r.peers).toEqual([
      { addr: '10.0.1.10', bytes: 15000, flows: 1 },
      { addr: '198.51.100.7', bytes: 456, flows: 2 },
    ]);
    expect(r.ports.map((p) => [p.port, p.name, p.flows, p.bytes])).toEqual([
      [5432, 'TCP', 1, 15000],
      [0, 'ICMP', 1, 336],
      [22, 'TCP', 1, 120],
    ]);
  });

  it('host by interface: its own records; an ingress peer is the source, an egress one the destination', async () => {
    const r = await get<HostResponse>(`/api/host?host=eni-b&${HOUR}&bin=3600`);
    expect(r.kind).toBe('interface');
    expect(r.totals).toEqual({ flows: 3, bytes: 15456, packets: 26, rejectedFlows: 2 });
    expect(r.peers.map((p) => [p.addr, p.flows])).toEqual([
      ['10.0.1.10', 1],
      ['198.51.100.7', 2],
    ]);
  });
});

describe('GET /api/reports (issue 18): the v5 store has no encryption-status, type or reject-reason', () => {
  it('encryption: says loudly that no record has the field, instead of 0%', async () => {
    const r = await get<EncryptionReportResponse>(`/api/reports/encryption?${HOUR}&by=subnet`);
    // Records of [T, T+3600): every line but `late` and BAD: 9.
    expect(r.coverage).toEqual({ records: 9, covered: 0, share: 0 });
    expect(r.statuses).toEqual([]);
    expect(r.warnings[0]).toContain('no stored record has encryption-status: add ${encryption-status}');
    expect(r.by).toBe('subnet');
  });

  it('traffic kinds: IPv4 from the addresses, reject reasons unknown (warned)', async () => {
    const r = await get<TrafficKindsResponse>(`/api/reports/traffic-kinds?${HOUR}`);
    // 44 × 3 + 120 + 7000 + 336 + 15000 × 2 + 70 = 37658 bytes, all IPv4.
    expect(r.ipVersion.rows.map((k) => [k.kind, k.flows, k.bytes])).toEqual([['IPv4', 9, 37658]]);
    expect(r.rejectReasons.rows).toEqual([]);
    expect(r.warnings.some((w) => w.includes('no stored record has reject-reason'))).toBe(true);
  });

  it('compliance: one hour, the records of [T, T+3600) by interface, and the printable page', async () => {
    const r = await get<{ periodHours: number; hoursWithoutRecords: number; retention: { records: number } }>(
      `/api/reports/compliance?${HOUR}`,
    );
    expect(r.periodHours).toBe(1);
    expect(r.hoursWithoutRecords).toBe(0);
    const page = await call(`/api/reports/compliance.html?${HOUR}`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Flow log compliance report');
  });

  it('paths: the store lacks interface-type and next-hop-az-id, so NAT and cross-AZ bytes are unknown, said so', async () => {
    const r = await get<PathsReportResponse>(`/api/reports/paths?${HOUR}`);
    expect(r.nat.coverage.covered).toBe(0);
    expect(r.warnings.some((w) => w.includes('NAT-processed bytes; they are unknown, not zero'))).toBe(true);
    expect(r.cost.region).toBe('us-east-1');
    // A region without built-in prices is the user's mistake: 400, naming the regions there are.
    const e = await failure(call(`/api/reports/paths?${HOUR}&region=eu-west-1`), 400);
    expect(String(e['message'])).toContain('no prices for region eu-west-1');
  });

  it('refuses an unknown grouping with 400', async () => {
    await failure(call('/api/reports/encryption?by=region'), 400);
  });
});

describe('issue 13: SQL error spans, alarm flows and mutes', () => {
  it('answers a SQL binder error with the span of the unknown column (DuckDB caret mapped to the text)', async () => {
    // "SELECT action,\n" is 15 characters; the next line is "  srcadr": srcadr spans [17, 23).
    const e = await failure(
      call('/api/sql', {
        method: 'POST',
        body: JSON.stringify({ sql: 'SELECT action,\n  srcadr\nFROM flows' }),
      }),
      400,
    );
    expect(e).toMatchObject({ error: 'SQL_ERROR', start: 17, end: 23 });
    expect(String(e['message'])).not.toContain('LINE 2');
  });

  it('lists the records behind the alarm: the 4 rejected SSH flows of minute [T, T+60)', async () => {
    const r = await get<{ records: number; rows: unknown[]; filter: string }>(
      `/api/alarms/rejected-ssh/flows?since=${T}&until=${T + 60}`,
    );
    expect(r.records).toBe(4);
    expect(r.rows).toHaveLength(4);
    expect(r.filter).toBe('rejected-ssh');
  });

  it('mutes for a while on the monitor clock, shows it, and unmutes', async () => {
    const m = await post<{ mutedUntil: number }>('/api/alarms/rejected-ssh/mute', { minutes: 60 });
    expect(m.mutedUntil).toBe(Math.floor(clock) + 3600);
    const { alarms } = await get<{ alarms: { name: string; mutedUntil?: number }[] }>('/api/alarms');
    expect(alarms.find((a) => a.name === 'rejected-ssh')?.mutedUntil).toBe(m.mutedUntil);
    const e = await failure(call('/api/alarms/rejected-ssh/mute', { method: 'POST', body: '{}' }), 400);
    expect(e['field']).toBe('minutes');
    const d = await failure(call('/api/alarms/rejected-ssh/mute', { method: 'DELETE' }), 200);
    expect(d).toEqual({ name: 'rejected-ssh', wasMuted: true });
    await failure(call('/api/alarms/nope/mute', { method: 'POST', body: '{"minutes":5}' }), 404);
  });

  it('applies a mute and an unmute handed over as request files (flowwatch alarms mute/unmute)', async () => {
    const dirOf = join(dir, 'state', REQUESTS_DIR);
    const until = Math.floor(clock) + 600;
    const machine = monitor.alarms.machine;
    const wait = async (done: () => boolean) => {
      for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    writeFileSync(join(dirOf, 'm1.json'), JSON.stringify({ name: 'rejected-ssh', mute: until }));
    await wait(() => machine.mutedUntil('rejected-ssh', Math.floor(clock)) !== undefined);
    expect(machine.mutedUntil('rejected-ssh', Math.floor(clock))).toBe(until);
    writeFileSync(join(dirOf, 'm2.json'), JSON.stringify({ name: 'rejected-ssh', unmute: true }));
    await wait(() => machine.mutedUntil('rejected-ssh', Math.floor(clock)) === undefined);
    expect(machine.mutedUntil('rejected-ssh', Math.floor(clock))).toBeUndefined();
  });
});

describe('network routes (issue 16) without a configuration snapshot', () => {
  it('POST /api/network/explain needs the token, and says loudly how to load a snapshot', async () => {
    const body = JSON.stringify({ src: '203.0.113.9', dst: '10.0.1.10', dstPort: 22 });
    await failure(call('/api/network/explain', { method: 'POST', body, token: null }), 401);
    const e = await failure(call('/api/network/explain', { method: 'POST', body }), 400);
    expect(e['error']).toBe('NETWORK_NO_SNAPSHOT');
    expect(String(e['hint'])).toContain('flowwatch network load');
    expect(String(e['hint'])).toContain('aws ec2 describe-security-groups');
  });

  it('POST /api/network/explain refuses a bad address or protocol, naming the field', async () => {
    const bad = async (b: unknown) =>
      failure(call('/api/network/explain', { method: 'POST', body: JSON.stringify(b) }), 400);
    expect((await bad({ src: '10.0.0.300', dst: '10.0.1.10', dstPort: 22 }))['field']).toBe('src');
    expect((await bad({ src: '10.0.0.3', dst: '10.0.1.10', dstPort: 22, protocol: 'tcpx' }))['field']).toBe(
      'protocol',
    );
    expect((await bad({ src: '10.0.0.3', dst: '10.0.1.10' }))['field']).toBe('dstPort');
  });

  it('GET /api/network/rejects lists the rejected flows unexplained, with the warning and the load command', async () => {
    // REJECT records of [T, T+3600): ssh1, ssh2, ssh3, ssh4, ping (late is after the hour) — one record each,
    // so the first two are the earliest: ssh1 (T+10) and ssh2 (T+20).
    const r = await get<NetworkRejectsResponse>(`/api/network/rejects?${HOUR}&limit=2`);
    expect(r.rejects).toBe(5);
    expect(r.snapshots).toEqual([]);
    expect(r.groups).toEqual([]);
    expect(r.flows.map((f) => [f.srcaddr, f.srcport, f.dstport, f.records, f.responsible])).toEqual([
      ['203.0.113.9', 51000, 22, 1, null],
      ['203.0.113.9', 51001, 22, 1, null],
    ]);
    expect(r.warnings[0]).toContain('no network configuration snapshot is loaded');
    expect(r.loadCommand).toContain('flowwatch network load');
  });
});
