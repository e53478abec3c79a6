// One metric filter, every format: a [...] pattern written for the default format is rewritten to each file's
// format before it counts, or refused loudly when a field it tests is absent. Expected patterns and counts are
// worked out by hand from the field positions of small fixtures.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import {
  backfill,
  deriveDatapoints,
  type FilterMismatch,
  knownFormats,
  statistics,
} from '../../src/metrics/datapoints.js';
import { checkMetricFilter, type MetricFilter } from '../../src/metrics/metric-filter.js';
import { fitFilter, fitRows } from '../../src/metrics/pattern-rewrite.js';
import { DEFAULT, parseFormat } from '../../src/records/format.js';
import { Store } from '../../src/storage/store.js';

// The classic lab's denied-ping filter, written for the 14 fields of the default format.
const DENIED_ICMP: MetricFilter = {
  name: 'denied-icmp',
  pattern:
    '[version, account, eni, source, destination, srcport, destport, protocol = 1, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]',
  metricNamespace: 'FlowLogs',
  metricName: 'DeniedICMP',
  metricValue: '1',
  defaultValue: 0,
  unit: 'Count',
};
const REJECTED: MetricFilter = {
  name: 'rejected',
  pattern: '[..., action = REJECT, status]',
  metricNamespace: 'FlowLogs',
  metricName: 'Rejected',
  metricValue: '1',
};

// The widely copied CDK example's 11 fields: no protocol, no start.
const CDK_EXAMPLE = parseFormat(
  '${traffic-path} ${flow-direction} ${region} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${action} ${log-status}',
);
// 29 fields in an order of our own: action and log-status early, protocol 12th, start 15th.
const CUSTOM_29 =
  'flow-direction traffic-path action log-status version account-id interface-id srcaddr dstaddr srcport dstport ' +
  'protocol packets bytes start end vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region ' +
  'az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service';

describe('fitFilter', () => {
  it('runs a pattern written for the default format as written on the default format', () => {
    expect(fitFilter(checkMetricFilter(DENIED_ICMP), DEFAULT).status).toBe('fits');
    expect(fitFilter(checkMetricFilter(REJECTED), DEFAULT).status).toBe('fits');
  });

  it('runs "..., action = REJECT, status" as written where action and log-status are last (CDK example)', () => {
    expect(fitFilter(checkMetricFilter(REJECTED), CDK_EXAMPLE).status).toBe('fits');
  });

  it('rewrites "..., action = REJECT, status" to the positions of a 29-field format', () => {
    const fit = fitFilter(checkMetricFilter(REJECTED), parseFormat(CUSTOM_29));
    expect(fit.status).toBe('rewritten');
    // action and log-status are its 3rd and 4th fields; the other fields get their column names.
    expect(fit.status === 'rewritten' && fit.pattern).toBe(
      '[flow_direction, traffic_path, action = REJECT, status, version, account_id, interface_id, srcaddr, ' +
        'dstaddr, srcport, dstport, protocol, packets, bytes, start, end, vpc_id, subnet_id, instance_id, ' +
        'tcp_flags, type, pkt_srcaddr, pkt_dstaddr, region, az_id, sublocation_type, sublocation_id, ' +
        'pkt_src_aws_service, pkt_dst_aws_service]',
    );
  });

  it('rewrites the 14-slot denied-ping pattern for a 4-field format, keeping its slot labels', () => {
    const fit = fitFilter(
      checkMetricFilter(DENIED_ICMP),
      parseFormat('${action} ${protocol} ${srcaddr} ${log-status}'),
    );
    expect(fit.status === 'rewritten' && fit.pattern).toBe(
      '[action = REJECT, protocol = 1, source, flowlogstatus]',
    );
  });

  it('refuses a format that lacks a tested field, naming the field', () => {
    const fit = fitFilter(checkMetricFilter(DENIED_ICMP), CDK_EXAMPLE);
    expect(fit.status).toBe('cannot');
    expect(fit.status === 'cannot' && fit.code).toBe('PATTERN_FIELD_MISSING');
    expect(fit.status === 'cannot' && fit.reason).toContain('"protocol"');
  });

  it('runs a pattern whose tested slots are named after this format’s fields as written (presets)', () => {
    const format = parseFormat('${srcaddr} ${dstport} ${action}');
    const c = checkMetricFilter({ ...REJECTED, pattern: '[srcaddr, dstport = 22, action = REJECT]' });
    expect(fitFilter(c, format).status).toBe('fits');
  });

  it('runs an unnamed pattern with exactly the format’s field count as written, and refuses it elsewhere', () => {
    const c = checkMetricFilter({ ...REJECTED, pattern: '[a, b, c, d, e, f, g, h, i, j = REJECT, k]' });
    expect(fitFilter(c, CDK_EXAMPLE).status).toBe('fits');
    const other = fitFilter(c, DEFAULT);
    expect(other.status === 'cannot' && other.code).toBe('PATTERN_POSITION_MISSING');
  });

  it('term patterns fit every format; JSON patterns none', () => {
    expect(fitFilter(checkMetricFilter({ ...REJECTED, pattern: 'REJECT' }), CDK_EXAMPLE).status).toBe('fits');
    const json = fitFilter(checkMetricFilter({ ...REJECTED, pattern: '{ $.action = "REJECT" }' }), DEFAULT);
    expect(json.status === 'cannot' && json.code).toBe('PATTERN_JSON');
  });

  it('lists every known format once with its origin', () => {
    const formats = knownFormats(
      [{ name: 'cdk', format: CDK_EXAMPLE.text }, { name: 'plain' }],
      [
        { format: DEFAULT.text, files: 2 },
        { format: parseFormat(CUSTOM_29).text, files: 1 },
      ],
    );
    expect(formats.map((f) => f.origin)).toEqual(['default, store: 2 files', 'source cdk', 'store: 1 file']);
    expect(fitRows(checkMetricFilter(DENIED_ICMP), formats).map((r) => r.status)).toEqual([
      'fits',
      'cannot',
      'rewritten',
    ]);
  });
});

// Minutes: M0 = 2024-05-20 10:13 (1716199980), M1 = 10:14.
const DEFAULT_FILE = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  '2 123456789012 eni-a 10.0.0.5 8.8.8.8 0 0 1 1 84 1716199985 1716199990 REJECT OK', // M0 denied ping
  '2 123456789012 eni-a 8.8.8.8 10.0.0.5 0 0 1 1 84 1716199986 1716199990 ACCEPT OK', // M0 accepted ping
  '2 123456789012 eni-a 203.0.113.1 10.0.0.5 40000 22 6 2 120 1716200041 1716200050 REJECT OK', // M1 tcp
];
const CUSTOM_FILE = [
  CUSTOM_29,
  // M0 denied ping
  'egress 1 REJECT OK 5 123456789012 eni-b 10.0.0.6 8.8.4.4 0 0 1 1 84 1716199990 1716199995 vpc-1 subnet-1 i-1 0 IPv4 10.0.0.6 8.8.4.4 us-east-1 use1-az1 - - - -',
  // M0 accepted ping
  'ingress 1 ACCEPT OK 5 123456789012 eni-b 8.8.4.4 10.0.0.6 0 0 1 1 84 1716199991 1716199995 vpc-1 subnet-1 i-1 0 IPv4 8.8.4.4 10.0.0.6 us-east-1 use1-az1 - - - -',
  // M1 rejected TCP (protocol 6): not a ping
  'ingress 1 REJECT OK 5 123456789012 eni-b 203.0.113.9 10.0.0.6 40001 22 6 1 60 1716200042 1716200045 vpc-1 subnet-1 i-1 2 IPv4 203.0.113.9 10.0.0.6 us-east-1 use1-az1 - - - -',
  // M1 denied ping
  'egress 1 REJECT OK 5 123456789012 eni-b 10.0.0.6 1.1.1.1 0 0 1 2 168 1716200043 1716200048 vpc-1 subnet-1 i-1 0 IPv4 10.0.0.6 1.1.1.1 us-east-1 use1-az1 - - - -',
];
const CDK_FILE = [
  CDK_EXAMPLE.fields.map((f) => f.name).join(' '),
  '1 egress us-east-1 123456789012 eni-c 10.0.0.7 8.8.8.8 0 0 REJECT OK',
];

describe('datapoints on files of three formats', () => {
  let dir: string;
  let store: Store;
  const mismatches: FilterMismatch[] = [];
  const sum = () =>
    statistics(store, {
      namespace: 'FlowLogs',
      metric: 'DeniedICMP',
      stat: 'Sum',
      period: 60,
      dimensions: {},
    }).then((p) => p.map((x) => [x.timestamp, x.value]));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-fit-'));
    writeFileSync(join(dir, 'default.log'), `${DEFAULT_FILE.join('\n')}\n`);
    writeFileSync(join(dir, 'custom.log'), `${CUSTOM_FILE.join('\n')}\n`);
    writeFileSync(join(dir, 'cdk.log'), `${CDK_FILE.join('\n')}\n`);
    store = await Store.open(join(dir, 'fit.duckdb'));
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the denied pings of the default and the 29-field file, and reports the 11-field file', async () => {
    const summary = await ingest(store, [dir], {
      derive: deriveDatapoints([checkMetricFilter(DENIED_ICMP)], (m) => mismatches.push(m)),
    });
    expect(summary.records).toBe(3 + 4 + 1);
    // M0: one denied ping in each file = 2. M1: the 29-field file's ping = 1 (the default file's default
    // value 0 does not count in a minute with a real datapoint).
    expect(await sum()).toEqual([
      ['2024-05-20T10:13:00Z', 2],
      ['2024-05-20T10:14:00Z', 1],
    ]);
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toMatchObject({
      filter: 'denied-icmp',
      format: CDK_EXAMPLE.text,
      code: 'PATTERN_FIELD_MISSING',
    });
  });

  it('back-fills the same counts', async () => {
    const again: FilterMismatch[] = [];
    await backfill(store, [checkMetricFilter(DENIED_ICMP)], true, (m) => again.push(m));
    expect(await sum()).toEqual([
      ['2024-05-20T10:13:00Z', 2],
      ['2024-05-20T10:14:00Z', 1],
    ]);
    expect(again.map((m) => m.code)).toEqual(['PATTERN_FIELD_MISSING']);
  });
});
