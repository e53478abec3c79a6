// The encryption and traffic-kinds views over small hand-written files: a v10/v11 custom format, the default
// format (no encryption-status: the loud warning, never 0%) and both together (partial coverage).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { Store } from '../../src/storage/store.js';
import { encryptionReport, trafficKinds } from '../../src/storage/traffic-reports.js';

const H10 = 1716199200; // 2024-05-20T10:00:00Z
const H11 = H10 + 3600;

/** Custom format with encryption-status (v10), reject-reason (v8), type (v3) and interface-type (v11). */
const CUSTOM = [
  'version vpc-id subnet-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status encryption-status reject-reason type interface-type',
  // 1: TLS (2), 1000 bytes, service port 443, hour 10, vpc-a
  `11 vpc-a subnet-1 eni-1 10.0.1.5 10.0.2.9 40000 443 6 10 1000 ${H10} ${H10 + 60} ACCEPT OK 2 - IPv4 -`,
  // 2: not encrypted (0), 4000 bytes, port 80, hour 10, vpc-a
  `11 vpc-a subnet-1 eni-1 10.0.1.5 10.0.2.9 40001 80 6 5 4000 ${H10 + 60} ${H10 + 120} ACCEPT OK 0 - IPv4 -`,
  // 3: Nitro (1), 500 bytes, port 5432 (the lower port), hour 11, vpc-b
  `11 vpc-b subnet-2 eni-2 10.0.2.9 10.0.1.5 5432 40002 6 3 500 ${H11} ${H11 + 60} ACCEPT OK 1 - IPv4 -`,
  // 4: not encrypted IPv6, 2000 bytes, port 8080, hour 11, vpc-b
  `11 vpc-b subnet-2 eni-2 2001:db8::1 2001:db8::2 40003 8080 6 2 2000 ${H11 + 60} ${H11 + 120} ACCEPT OK 0 - IPv6 -`,
  // 5: rejected by Block Public Access, status "-", 40 bytes, hour 11, vpc-b
  `11 vpc-b subnet-2 eni-2 203.0.113.9 10.0.2.9 55555 22 6 1 40 ${H11 + 100} ${H11 + 160} REJECT OK - BPA IPv4 -`,
  // 6: NODATA: no traffic, not counted
  `11 vpc-a subnet-1 eni-3 - - - - - - - ${H10 + 100} ${H10 + 160} - NODATA - - - -`,
  // 7: EFA, status "-", 100 bytes, hour 10, vpc-a
  `11 vpc-a subnet-1 eni-4 - - - - - 1 100 ${H10 + 200} ${H10 + 260} ACCEPT OK - - EFA -`,
].join('\n');

/** The default format: no encryption-status, no type, no reject-reason. */
const DEFAULT_LOG = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  `2 123456789012 eni-9 10.0.0.1 10.0.0.2 40000 80 6 1 300 ${H10} ${H10 + 60} ACCEPT OK`,
  `2 123456789012 eni-9 10.0.0.2 10.0.0.1 80 40000 6 1 700 ${H10} ${H10 + 60} REJECT OK`,
].join('\n');

let dir: string;
let both: Store;
let defaultOnly: Store;
let customOnly: Store;

async function storeOf(name: string, files: string[]): Promise<Store> {
  const s = await Store.open(join(dir, `${name}.duckdb`));
  await ingest(s, files, { concurrency: 1 });
  return s;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-reports-'));
  writeFileSync(join(dir, 'custom.log'), CUSTOM);
  writeFileSync(join(dir, 'default.log'), DEFAULT_LOG);
  both = await storeOf('both', [join(dir, 'custom.log'), join(dir, 'default.log')]);
  defaultOnly = await storeOf('default', [join(dir, 'default.log')]);
  customOnly = await storeOf('custom', [join(dir, 'custom.log')]);
});

afterAll(() => {
  for (const s of [both, defaultOnly, customOnly]) s?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('encryption report', () => {
  it('counts flows and bytes per status over the records that have encryption-status', async () => {
    const r = await encryptionReport(customOnly);
    expect(r.coverage).toEqual({ records: 6, covered: 6, share: 1 });
    expect(r.warnings).toEqual([]);
    // 0: records 2 and 4 (4000 + 2000); 1: record 3; 2: record 1; "-": records 5 and 7 (40 + 100). Total 7640.
    expect(r.statuses.map((s) => [s.status, s.flows, s.bytes])).toEqual([
      ['0', 2, 6000],
      ['1', 1, 500],
      ['2', 1, 1000],
      ['unknown', 2, 140],
    ]);
    expect(r.statuses[0]!.byteShare).toBeCloseTo(6000 / 7640, 10);
    expect(r.statuses[0]!.flowShare).toBeCloseTo(2 / 6, 10);
    expect(r.statuses[0]!.meaning).toBe('not encrypted');
  });

  it('groups by VPC, most unencrypted bytes first', async () => {
    const r = await encryptionReport(customOnly, { by: 'vpc' });
    expect(r.groups).toEqual([
      {
        key: 'vpc-a',
        flows: 3,
        bytes: 5100,
        unencryptedFlows: 1,
        unencryptedBytes: 4000,
        unencryptedByteShare: 4000 / 5100,
      },
      {
        key: 'vpc-b',
        flows: 3,
        bytes: 2540,
        unencryptedFlows: 1,
        unencryptedBytes: 2000,
        unencryptedByteShare: 2000 / 2540,
      },
    ]);
  });

  it('groups by service port (the lower of the two ports) and by subnet', async () => {
    const byPort = await encryptionReport(customOnly, { by: 'port' });
    expect(byPort.groups.slice(0, 2).map((g) => [g.key, g.unencryptedBytes])).toEqual([
      ['80', 4000],
      ['8080', 2000],
    ]);
    expect(byPort.groups.find((g) => g.key === '5432')?.bytes).toBe(500);
    const bySubnet = await encryptionReport(customOnly, { by: 'subnet' });
    expect(bySubnet.groups.map((g) => [g.key, g.flows, g.unencryptedBytes])).toEqual([
      ['subnet-1', 3, 4000],
      ['subnet-2', 3, 2000],
    ]);
  });

  it('names who sends and receives the unencrypted traffic, and on which ports', async () => {
    const r = await encryptionReport(customOnly);
    expect(r.unencrypted.sources).toEqual([
      { key: '10.0.1.5', flows: 1, bytes: 4000 },
      { key: '2001:db8::1', flows: 1, bytes: 2000 },
    ]);
    expect(r.unencrypted.destinations.map((d) => d.key)).toEqual(['10.0.2.9', '2001:db8::2']);
    expect(r.unencrypted.ports.map((p) => [p.key, p.bytes])).toEqual([
      ['80', 4000],
      ['8080', 2000],
    ]);
  });

  it('gives an hourly trend', async () => {
    const r = await encryptionReport(customOnly);
    expect(r.trend).toEqual([
      { hour: H10, flows: 3, bytes: 5100, unencryptedFlows: 1, unencryptedBytes: 4000 },
      { hour: H11, flows: 3, bytes: 2540, unencryptedFlows: 1, unencryptedBytes: 2000 },
    ]);
  });

  it('honours the time range', async () => {
    const r = await encryptionReport(customOnly, { since: H11 });
    expect(r.coverage.records).toBe(3);
    expect(r.statuses.map((s) => [s.status, s.bytes])).toEqual([
      ['0', 2000],
      ['1', 500],
      ['unknown', 40],
    ]);
  });

  it('says loudly that no record has encryption-status instead of showing 0%', async () => {
    const r = await encryptionReport(defaultOnly);
    expect(r.coverage).toEqual({ records: 2, covered: 0, share: 0 });
    expect(r.statuses).toEqual([]);
    expect(r.groups).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain(
      'no stored record has encryption-status: add ${encryption-status} to the flow log format (version 10+)',
    );
  });

  it('says which share of records is covered when only some formats have the field', async () => {
    const r = await encryptionReport(both);
    expect(r.coverage).toEqual({ records: 8, covered: 6, share: 0.75 });
    expect(r.warnings[0]).toContain('only 6 of 8 traffic records (75.0%) have encryption-status');
    // The default-format records (1000 bytes) are not counted as unencrypted nor unknown.
    expect(r.statuses.reduce((a, s) => a + s.bytes, 0)).toBe(7640);
  });
});

describe('traffic kinds', () => {
  it('IPv4/IPv6/EFA from type where present, else from the address form', async () => {
    const r = await trafficKinds(both);
    // type: records 1,2,3,5 IPv4 (5540 bytes), 4 IPv6 (2000), 7 EFA (100); default format: 2 IPv4 (1000).
    expect(r.ipVersion.rows.map((k) => [k.kind, k.flows, k.bytes])).toEqual([
      ['EFA', 1, 100],
      ['IPv4', 6, 6540],
      ['IPv6', 1, 2000],
    ]);
    expect(r.ipVersion.rows[1]!.byteShare).toBeCloseTo(6540 / 8640, 10);
    expect(r.ipVersion.source).toBe('type field where present, else address form');
    expect(r.efa).toMatchObject({
      flows: 1,
      bytes: 100,
      interfaces: [{ key: 'eni-4', flows: 1, bytes: 100 }],
    });
  });

  it('counts rejects by reason (BPA) over records that have reject-reason, saying the coverage', async () => {
    const r = await trafficKinds(both);
    expect(r.rejectReasons.rows.map((k) => [k.kind, k.flows, k.bytes])).toEqual([
      ['BPA (VPC Block Public Access)', 1, 40],
    ]);
    expect(r.rejectReasons.coverage).toEqual({ records: 8, covered: 6, share: 0.75 });
    expect(r.warnings.some((w) => w.includes('only 6 of 8 traffic records (75.0%) have reject-reason'))).toBe(
      true,
    );
    expect(r.interfaceTypes.rows.map((k) => [k.kind, k.flows])).toEqual([['- (instance or other)', 6]]);
  });

  it('on the default format: IP version from addresses, EFA and reject reasons unknown, said loudly', async () => {
    const r = await trafficKinds(defaultOnly);
    expect(r.ipVersion.rows.map((k) => [k.kind, k.flows, k.bytes])).toEqual([['IPv4', 2, 1000]]);
    expect(r.ipVersion.source).toBe('address form (the format has no type field)');
    expect(r.efa.coverage.covered).toBe(0);
    expect(r.rejectReasons.rows).toEqual([]);
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('no stored record has type: add ${type}'),
        expect.stringContaining(
          'no stored record has reject-reason: add ${reject-reason} to the flow log format (version 8+)',
        ),
        expect.stringContaining('no stored record has interface-type: add ${interface-type}'),
      ]),
    );
  });
});
