// GET /api/alarms/:name/metric of an anomaly-band alarm: the band per period beside the values (what the alarm
// chart shades), and the detector's message when there is too little history for a band.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { ingest } from '../../src/ingest/ingest.js';
import { deriveDatapoints } from '../../src/metrics/datapoints.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import type { AlarmMetricResponse, AlarmsResponse } from '../../src/server/api-contract.js';
import { Store } from '../../src/storage/store.js';

const H = 3600;
const D = 86_400;
const T0 = Date.parse('2026-11-02T00:00:00Z') / 1000;
/** 9 days of one rejected SSH flow per hour, and three per hour from 09:00 to 20:59. */
const DAYS = 9;
const PATTERN =
  '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]';

let dir: string;
let monitor: Monitor;
const clock = T0 + DAYS * D + 5;

function alarm(name: string, band: string, extra = ''): string {
  return `  - name: ${name}
    metrics:
      - { id: m1, metric: { namespace: FlowLogs, metricName: RejectedSSH }, statistic: Sum, period: 3600 }
      - { id: band, expression: "${band}" }
    thresholdMetricId: band
    comparisonOperator: LessThanLowerOrGreaterThanUpperThreshold
    evaluationPeriods: 1
${extra}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-band-route-'));
  const lines: string[] = [];
  for (let i = 0; i < DAYS * 24; i++) {
    const t = T0 + i * H + 60;
    const n = i % 24 >= 9 && i % 24 <= 20 ? 3 : 1;
    for (let j = 0; j < n; j++)
      lines.push(
        `2 123456789012 eni-0a1 203.0.113.${j + 1} 10.0.1.5 4444${j} 22 6 1 60 ${t} ${t + 5} REJECT OK`,
      );
  }
  const logFile = join(dir, 'flows.log');
  writeFileSync(logFile, `${lines.join('\n')}\n`);
  const config = parseConfig(
    'flowwatch.yaml',
    `
metricFilters:
  - { name: rejected-ssh, pattern: "${PATTERN}", metricNamespace: FlowLogs, metricName: RejectedSSH, metricValue: "1" }
alarms:
${alarm('ssh-anomaly', 'ANOMALY_DETECTION_BAND(m1, 2)')}
${alarm('ssh-anomaly-short', 'ANOMALY_DETECTION_BAND(m1)', `    anomalyDetector:\n      excludedTimeRanges: [{ start: "${new Date(T0 * 1000).toISOString()}", end: "${new Date((T0 + 6 * D) * 1000).toISOString()}" }]\n`)}
`,
  );
  const db = join(dir, 'band.duckdb');
  const store = await Store.open(db);
  await ingest(store, [logFile], { derive: deriveDatapoints(config.filters) });
  await store.checkpoint();
  store.close();
  monitor = await startMonitor({
    config,
    db,
    log: createLogger(() => undefined),
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
        queryTimeoutMs: 5000,
        maxRows: 5,
        log: createLogger(() => undefined),
      }),
  });
});

afterAll(async () => {
  await monitor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function get<T>(path: string): Promise<T> {
  const r = await fetch(`${monitor.url}${path}`, { headers: { authorization: `Bearer ${monitor.token}` } });
  const body = await r.text();
  expect(r.status, body).toBe(200);
  return JSON.parse(body) as T;
}

describe('the live alarms runner', () => {
  it('evaluates anomaly-band alarms against the band; without one the alarm stays INSUFFICIENT_DATA', async () => {
    // At day 9 00:00:05 the newest period is 23:00–24:00 of day 8: one flow, inside the night band.
    await monitor.alarms.evaluate(undefined, clock);
    const r = await get<AlarmsResponse>('/api/alarms');
    const state = (n: string) => r.alarms.find((x) => x.name === n);
    expect(state('ssh-anomaly')?.state).toBe('OK');
    expect(state('ssh-anomaly-short')?.state).toBe('INSUFFICIENT_DATA');
    // It was created INSUFFICIENT_DATA and stays so (no transition, so the creation reason stays, as in
    // CloudWatch); the metric route below carries the detector's message for the dashboard.
  });
});

describe('the alarm metric route of an anomaly-band alarm', () => {
  it('lists the alarm with its band in place of a threshold', async () => {
    const r = await get<AlarmsResponse>('/api/alarms');
    const a = r.alarms.find((x) => x.name === 'ssh-anomaly');
    expect([a?.threshold, a?.anomalyBand?.k, a?.comparisonOperator]).toEqual([
      undefined,
      2,
      'LessThanLowerOrGreaterThanUpperThreshold',
    ]);
  });

  it('gives the band per period beside the values: the day level inside the day band, the night inside the night', async () => {
    // The last day (day 8), trained on days 0–7 (8 days ≥ 7): 1 flow an hour at night, 3 by day.
    const since = T0 + 8 * D;
    const r = await get<AlarmMetricResponse>(
      `/api/alarms/ssh-anomaly/metric?since=${since}&until=${since + D}`,
    );
    expect(r.threshold).toBeUndefined();
    expect(r.band?.state).toBe('TRAINED');
    expect(r.band?.points).toHaveLength(24);
    const at = (h: number) => r.band!.points.find((p) => p.t === since + h * H)!;
    const value = (h: number) => r.points.find((p) => p.t === since + h * H)!.value;
    expect([value(3), value(15)]).toEqual([1, 3]);
    expect(at(3).lower).toBeLessThanOrEqual(1);
    expect(at(3).upper).toBeGreaterThanOrEqual(1);
    expect(at(3).upper).toBeLessThan(3); // the night band excludes the day level
    expect(at(15).lower).toBeGreaterThan(1);
    expect(at(15).upper).toBeGreaterThanOrEqual(3);
  });

  it('says why there is no band when the history left after exclusions is too short', async () => {
    const since = T0 + 8 * D;
    const r = await get<AlarmMetricResponse>(
      `/api/alarms/ssh-anomaly-short/metric?since=${since}&until=${since + D}`,
    );
    expect(r.band?.points).toEqual([]);
    expect(r.band?.state).toBe('TRAINED_INSUFFICIENT_DATA');
    expect(r.band?.message).toMatch(
      /^baseline needs 7 days; 2(\.\d)? available outside the excluded time ranges$/,
    );
  });
});
