// `flowwatch export`: Parquet in AWS's Hive layout (schema, key pattern, export → ingest round trip), OCSF
// 1.1 against the spec's field table (3 records written by hand), ECS, NDJSON, CSV, --since/--until, the CLI.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { exportFlows } from '../../src/export/export.js';
import { ingest } from '../../src/ingest/ingest.js';
import { FIELDS } from '../../src/records/catalog.js';
import { parseKey } from '../../src/records/s3-key.js';
import { Store } from '../../src/storage/store.js';
import { V2_HEADER, V2_LINES, writeCorpus } from './corpus.js';

let dir: string;
let store: Store;
const DB = () => join(dir, 'a.duckdb');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-export-'));
  store = await Store.open(DB());
  const s = await ingest(store, writeCorpus(join(dir, 'in')));
  expect([s.records, s.rejected]).toEqual([6, 0]);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ALL = 'SELECT * EXCLUDE (file_id, line) FROM flows ORDER BY start, srcport NULLS FIRST';

/** Spec §6.5 (Hive, hourly) + §6.6 (file name, `.log.parquet`). */
const HIVE_KEY =
  /^AWSLogs\/aws-account-id=(\d{12})\/aws-service=vpcflowlogs\/aws-region=([a-z0-9-]+)\/year=(\d{4})\/month=(\d\d)\/day=(\d\d)\/hour=(\d\d)\/(\d{12})_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-f]+)_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_[0-9a-f]{8}\.log\.parquet$/;

describe('parquet', () => {
  it('writes AWS hourly Hive keys, one file per account/region/flow log/5-minute slot', async () => {
    const out = join(dir, 'pq');
    const r = await exportFlows(store, { to: out, format: 'parquet' });
    expect(r.records).toBe(6);
    expect(readdirSync(out).sort()).toEqual(['AWSLogs']); // the temporary work folder is gone
    expect(r.files).toEqual([
      'AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=05/day=20/hour=10/111122223333_vpcflowlogs_eu-west-1_fl-0abc1234def567890_20240520T1015Z_557dfa53.log.parquet',
      'AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=05/day=20/hour=11/111122223333_vpcflowlogs_eu-west-1_fl-0abc1234def567890_20240520T1115Z_af974c3b.log.parquet',
      // The v2 file came from no AWS layout: its account is the record's, region and flow log id placeholders.
      'AWSLogs/aws-account-id=444455556666/aws-service=vpcflowlogs/aws-region=unknown/year=2024/month=05/day=21/hour=14/444455556666_vpcflowlogs_unknown_fl-00000000000000000_20240521T1400Z_9de49023.log.parquet',
    ]);
    for (const f of r.files) {
      const m = HIVE_KEY.exec(f);
      expect(m, f).not.toBeNull();
      const [, acct, region, y, mo, d, h, acct2, region2, , y2, mo2, d2, h2] = m!;
      expect([acct2, region2, y2, mo2, d2, h2]).toEqual([acct, region, y, mo, d, h]);
      const k = parseKey(f);
      expect(k.account).toBe(acct);
      expect(k.fileTime! - k.from!).toBeGreaterThanOrEqual(0);
      expect(k.fileTime! - k.from!).toBeLessThan(3600);
    }
  });

  it("has AWS's column names and physical types", async () => {
    const file = join(
      dir,
      'pq',
      (await exportFlows(store, { to: join(dir, 'pq2'), format: 'parquet' })).files[0]!,
    );
    const schema = (
      await store.query(
        `SELECT name, type, converted_type FROM parquet_schema('${file.replaceAll("'", "''")}') WHERE name <> 'duckdb_schema'`,
      )
    ).rows;
    const physical = { INT_32: 'INT32', INT_64: 'INT64', STRING: 'BYTE_ARRAY' } as const;
    const v5 = FIELDS.filter((f) => f.version <= 5 && f.scope !== 'tgw');
    expect(schema.map((c) => c['name'])).toEqual(v5.map((f) => f.column));
    for (const f of v5) {
      const c = schema.find((x) => x['name'] === f.column)!;
      expect(c['type'], f.column).toBe(physical[f.parquet]);
      if (f.parquet === 'STRING') expect(c['converted_type'], f.column).toBe('UTF8');
    }
    // Absent strings are "-" as AWS writes them, absent integers NULL.
    const nodata = (
      await store.query(
        `SELECT srcaddr, srcport FROM read_parquet('${file.replaceAll("'", "''")}', hive_partitioning = false) WHERE log_status = 'NODATA'`,
      )
    ).rows;
    expect(nodata).toEqual([{ srcaddr: '-', srcport: null }]);
  });

  it('export → ingest gives identical rows and the same account, region and flow log id', async () => {
    const b = await Store.open(join(dir, 'b.duckdb'));
    try {
      const s = await ingest(b, [join(dir, 'pq')]);
      expect([s.loaded, s.records, s.rejected]).toEqual([3, 6, 0]);
      expect((await b.query(ALL)).rows).toEqual((await store.query(ALL)).rows);
      const files = (
        await b.query(`SELECT DISTINCT account, region, flow_log_id FROM files ORDER BY account`)
      ).rows;
      expect(files).toEqual([
        { account: '111122223333', region: 'eu-west-1', flow_log_id: 'fl-0abc1234def567890' },
        { account: '444455556666', region: 'unknown', flow_log_id: 'fl-00000000000000000' },
      ]);
    } finally {
      b.close();
    }
  });

  it('--since/--until select records by start', async () => {
    const r = await exportFlows(store, {
      to: join(dir, 'pq-range'),
      format: 'parquet',
      since: 1716200105,
      until: 1716203705,
    });
    expect(r.records).toBe(2);
    expect(r.files).toHaveLength(1);
    const none = await exportFlows(store, { to: join(dir, 'pq-none'), format: 'parquet', since: 1816200105 });
    expect([none.records, none.files]).toEqual([0, []]);
  });

  it('an empty store exports nothing', async () => {
    const empty = await Store.open(join(dir, 'empty.duckdb'));
    try {
      for (const format of ['parquet', 'ocsf', 'csv'] as const) {
        expect(await exportFlows(empty, { to: join(dir, 'empty'), format })).toEqual({
          records: 0,
          files: [],
        });
      }
    } finally {
      empty.close();
    }
  });
});

function ndjson(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const META = {
  version: '1.1.0',
  profiles: ['cloud', 'security_control', 'datetime'],
  product: { name: 'Amazon VPC', vendor_name: 'AWS', version: '5', feature: { name: 'Flowlogs' } },
};
const CLASS = {
  class_uid: 4001,
  class_name: 'Network Activity',
  category_uid: 4,
  category_name: 'Network Activity',
  severity_id: 1,
  severity: 'Informational',
};
const ENI = {
  interface_uid: 'eni-0a1b2c3d4e5f60718',
  vpc_uid: 'vpc-0123abcd',
  subnet_uid: 'subnet-0aa11bb22cc33dd44',
  instance_uid: 'i-0123456789abcdef0',
};
const CLOUD = { provider: 'AWS', region: 'eu-west-1', zone: 'euw1-az2', account: { uid: '111122223333' } };

describe('ocsf', () => {
  let events: Record<string, unknown>[];
  beforeAll(async () => {
    // The hand-made documents below come from the spec without enrichment (tested in test/enrich).
    const r = await exportFlows(store, { to: join(dir, 'ocsf'), format: 'ocsf', enrich: false });
    // the store has no network snapshot: one note says the events carry no names (test/export/ocsf-names.test.ts)
    expect(r).toEqual({
      records: 6,
      files: ['flows.ocsf.ndjson'],
      notes: [expect.stringMatching(/^no network snapshot is loaded.*the OCSF events have no endpoint name/)],
    });
    events = ndjson(join(dir, 'ocsf', 'flows.ocsf.ndjson'));
    expect(events).toHaveLength(6);
  });
  const at = (start: number) => events.find((e) => e['time'] === start * 1000)!;

  it('ACCEPT ingress TCP', () => {
    expect(at(1716200105)).toEqual({
      ...CLASS,
      activity_id: 6,
      activity_name: 'Traffic',
      type_uid: 400106,
      type_name: 'Network Activity: Traffic',
      action_id: 1,
      action: 'Allowed',
      disposition_id: 1,
      disposition: 'Allowed',
      status_code: 'OK',
      time: 1716200105000,
      time_dt: '2024-05-20T10:15:05.000Z',
      start_time: 1716200105000,
      start_time_dt: '2024-05-20T10:15:05.000Z',
      end_time: 1716200161000,
      end_time_dt: '2024-05-20T10:16:01.000Z',
      metadata: META,
      cloud: CLOUD,
      src_endpoint: { ip: '198.51.100.23', port: 53122 },
      dst_endpoint: { ip: '10.20.1.15', port: 443, ...ENI },
      connection_info: {
        protocol_num: 6,
        protocol_name: 'tcp',
        protocol_ver: 'IPv4',
        tcp_flags: 2,
        boundary_id: 99,
        boundary: '-',
        direction_id: 1,
        direction: 'Inbound',
      },
      traffic: { packets: 12, bytes: 4310 },
      observables: [
        { name: 'src_endpoint.ip', type: 'IP Address', type_id: 2, value: '198.51.100.23' },
        { name: 'dst_endpoint.ip', type: 'IP Address', type_id: 2, value: '10.20.1.15' },
        {
          name: 'dst_endpoint.instance_uid',
          type: 'Resource UID',
          type_id: 10,
          value: 'i-0123456789abcdef0',
        },
      ],
    });
  });

  it('REJECT ICMP', () => {
    expect(at(1716200110)).toEqual({
      ...CLASS,
      activity_id: 5,
      activity_name: 'Refuse',
      type_uid: 400105,
      type_name: 'Network Activity: Refuse',
      action_id: 2,
      action: 'Denied',
      disposition_id: 2,
      disposition: 'Blocked',
      status_code: 'OK',
      time: 1716200110000,
      time_dt: '2024-05-20T10:15:10.000Z',
      start_time: 1716200110000,
      start_time_dt: '2024-05-20T10:15:10.000Z',
      end_time: 1716200170000,
      end_time_dt: '2024-05-20T10:16:10.000Z',
      metadata: META,
      cloud: CLOUD,
      src_endpoint: { ip: '203.0.113.7', port: 0 },
      dst_endpoint: { ip: '10.20.1.15', port: 0, ...ENI },
      connection_info: {
        protocol_num: 1,
        protocol_name: 'icmp',
        protocol_ver: 'IPv4',
        tcp_flags: 0,
        boundary_id: 99,
        boundary: '-',
        direction_id: 1,
        direction: 'Inbound',
      },
      traffic: { packets: 1, bytes: 84 },
      observables: [
        { name: 'src_endpoint.ip', type: 'IP Address', type_id: 2, value: '203.0.113.7' },
        { name: 'dst_endpoint.ip', type: 'IP Address', type_id: 2, value: '10.20.1.15' },
        {
          name: 'dst_endpoint.instance_uid',
          type: 'Resource UID',
          type_id: 10,
          value: 'i-0123456789abcdef0',
        },
      ],
    });
  });

  it('NODATA: activity Unknown, no verdict, the ENI in unmapped', () => {
    expect(at(1716200100)).toEqual({
      ...CLASS,
      activity_id: 0,
      activity_name: 'Unknown',
      type_uid: 400100,
      type_name: 'Network Activity: Unknown',
      status_code: 'NODATA',
      time: 1716200100000,
      time_dt: '2024-05-20T10:15:00.000Z',
      start_time: 1716200100000,
      start_time_dt: '2024-05-20T10:15:00.000Z',
      end_time: 1716200160000,
      end_time_dt: '2024-05-20T10:16:00.000Z',
      metadata: META,
      cloud: { provider: 'AWS', region: 'eu-west-1', account: { uid: '111122223333' } },
      unmapped: { interface_id: 'eni-0a1b2c3d4e5f60718' },
    });
  });

  it("egress: the packet address wins, the ENI's on src, traffic_path 8 is Internet Gateway (spec §4)", () => {
    const e = at(1716203705);
    expect(e['src_endpoint']).toEqual({
      ip: '10.20.1.99',
      intermediate_ips: ['10.20.1.15'],
      port: 40112,
      ...ENI,
    });
    expect(e['dst_endpoint']).toEqual({ ip: '52.216.10.9', port: 443, svc_name: 'S3' });
    expect(e['connection_info']).toMatchObject({
      boundary_id: 11,
      boundary: 'Internet Gateway',
      direction_id: 2,
      direction: 'Outbound',
    });
  });
});

describe('ecs, ndjson, csv', () => {
  it('ECS: one record by hand', async () => {
    await exportFlows(store, { to: join(dir, 'ecs'), format: 'ecs', enrich: false });
    const docs = ndjson(join(dir, 'ecs', 'flows.ecs.ndjson'));
    expect(docs.find((d) => d['@timestamp'] === '2024-05-20T10:15:05.000Z')).toEqual({
      '@timestamp': '2024-05-20T10:15:05.000Z',
      ecs: { version: '8.11.0' },
      event: {
        kind: 'event',
        category: ['network'],
        type: ['connection', 'allowed'],
        action: 'accept',
        outcome: 'success',
        start: '2024-05-20T10:15:05.000Z',
        end: '2024-05-20T10:16:01.000Z',
        dataset: 'aws.vpcflow',
        provider: 'vpcflowlogs',
      },
      source: { ip: '198.51.100.23', port: 53122 },
      destination: { ip: '10.20.1.15', port: 443 },
      network: {
        transport: 'tcp',
        iana_number: '6',
        type: 'ipv4',
        bytes: 4310,
        packets: 12,
        direction: 'ingress',
      },
      cloud: {
        provider: 'aws',
        account: { id: '111122223333' },
        region: 'eu-west-1',
        availability_zone: 'euw1-az2',
        instance: { id: 'i-0123456789abcdef0' },
      },
      aws: {
        vpcflow: {
          version: 5,
          account_id: '111122223333',
          interface_id: 'eni-0a1b2c3d4e5f60718',
          srcaddr: '198.51.100.23',
          dstaddr: '10.20.1.15',
          srcport: 53122,
          dstport: 443,
          protocol: 6,
          packets: 12,
          bytes: 4310,
          start: 1716200105,
          end: 1716200161,
          action: 'ACCEPT',
          log_status: 'OK',
          vpc_id: 'vpc-0123abcd',
          subnet_id: 'subnet-0aa11bb22cc33dd44',
          instance_id: 'i-0123456789abcdef0',
          tcp_flags: 2,
          type: 'IPv4',
          pkt_srcaddr: '198.51.100.23',
          pkt_dstaddr: '10.20.1.15',
          region: 'eu-west-1',
          az_id: 'euw1-az2',
          flow_direction: 'ingress',
        },
      },
    });
  });

  it('NDJSON: catalog column names, one object per record', async () => {
    await exportFlows(store, { to: join(dir, 'nd'), format: 'ndjson' });
    const rows = ndjson(join(dir, 'nd', 'flows.ndjson'));
    expect(rows).toHaveLength(6);
    const v2 = rows.find((r) => r['srcport'] === 33000)!;
    expect(v2).toMatchObject({
      version: 2,
      account_id: '444455556666',
      bytes: 500,
      action: 'ACCEPT',
      vpc_id: null,
    });
    expect(Object.keys(v2)).toContain('pkt_src_aws_service');
  });

  it('CSV: header of AWS names, "-" for absent values', async () => {
    await exportFlows(store, { to: join(dir, 'csv'), format: 'csv', since: 1716300000 });
    const lines = readFileSync(join(dir, 'csv', 'flows.csv'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines[0]!.split(',').slice(0, 14).join(' ')).toBe(V2_HEADER);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 14).join(' '))).toEqual(V2_LINES);
    expect(
      lines[1]!
        .split(',')
        .slice(14)
        .every((v) => v === '-'),
    ).toBe(true);
  });
});

describe('cli', () => {
  it('flowwatch export writes the files and reports them; bad formats are usage errors', async () => {
    let out = '';
    let err = '';
    const io = {
      out: (t: string) => {
        out += t;
      },
      err: (t: string) => {
        err += t;
      },
      isTTY: false,
      stdin: process.stdin,
      env: {},
    };
    store.close();
    try {
      const code = await main(['export', '--db', DB(), '--to', join(dir, 'cli'), '--format', 'csv'], io);
      // the store has no network snapshot: one note says why the CSV has no name columns, nothing else
      expect(code).toBe(0);
      expect(err).toMatch(
        /^note: no network snapshot is loaded, .* the export has no interface_name, [^\n]*\n$/,
      );
      expect(out).toMatch(/^exported 6 records to 1 file\(s\)/);
      expect(await main(['export', '--db', DB(), '--to', join(dir, 'cli'), '--format', 'xml'], io)).toBe(2);
      expect(err).toContain('unknown export format "xml"');
    } finally {
      store = await Store.open(DB());
    }
  });
});
