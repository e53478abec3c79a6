// Offline enrichment: AS and country from the packaged @ip-location-db data (expected values read by hand from
// the package's CSV files, quoted in the comments), AWS service and region from a hand-written ip-ranges.json
// (most specific prefix wins, then a named service before AMAZON), through the CLI and the exports' mappers.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseAwsRanges } from '../../src/enrich/aws-ranges.js';
import { Enricher } from '../../src/enrich/enricher.js';
import { toEcs } from '../../src/export/ecs.js';
import { toOcsf } from '../../src/export/ocsf.js';
import { io } from '../support/capture-io.js';

const RANGES = {
  syncToken: '1716199200',
  createDate: '2024-05-20-10-00-00',
  prefixes: [
    { ip_prefix: '3.0.0.0/9', region: 'us-east-1', network_border_group: 'us-east-1', service: 'AMAZON' },
    {
      ip_prefix: '3.5.140.0/22',
      region: 'ap-northeast-2',
      network_border_group: 'ap-northeast-2',
      service: 'AMAZON',
    },
    {
      ip_prefix: '3.5.140.0/22',
      region: 'ap-northeast-2',
      network_border_group: 'ap-northeast-2',
      service: 'S3',
    },
    { ip_prefix: 'bad', region: 'x', service: 'EC2' },
  ],
  ipv6_prefixes: [
    { ipv6_prefix: '2600:1f00::/24', region: 'GLOBAL', network_border_group: 'GLOBAL', service: 'AMAZON' },
    { ipv6_prefix: '2600:1f14::/35', region: 'us-west-2', network_border_group: 'us-west-2', service: 'EC2' },
  ],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-enrich-'));
  writeFileSync(join(dir, 'ip-ranges.json'), JSON.stringify(RANGES));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('packaged AS and country data', () => {
  const e = new Enricher();
  it('finds the entries read by hand from the CSV files', () => {
    // asn-ipv4.csv line 1: 1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."; geo-whois-asn-country-ipv4.csv: 1.0.0.0,1.0.0.255,AU
    expect(e.lookup('1.0.0.1')).toEqual({
      asNumber: 13335,
      asOrganization: 'Cloudflare, Inc.',
      country: 'AU',
    });
    // asn-ipv4.csv: 8.8.8.0,8.8.8.255,15169,Google LLC
    expect(e.lookup('8.8.8.8')?.asNumber).toBe(15169);
    expect(e.lookup('8.8.8.8')?.asOrganization).toBe('Google LLC');
    // country: 1.0.1.0,1.0.3.255,CN; no ASN range holds 1.0.1.5 (the next is 1.0.4.0,1.0.7.255,38803)
    expect(e.lookup('1.0.1.5')).toEqual({ country: 'CN' });
    // asn-ipv6.csv: 2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project
    expect(e.lookup('2001:200::1')?.asNumber).toBe(2500);
    // asn-ipv6.csv: 2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC
    expect(e.lookup('2001::1')?.asOrganization).toBe('Hurricane Electric LLC');
  });
  it('does not look private or special addresses up', () => {
    expect(e.lookup('10.1.2.3')).toBeUndefined();
    expect(e.lookup('192.168.0.1')).toBeUndefined();
    expect(e.lookup('fd00::1')).toBeUndefined();
    expect(e.lookup('-')).toBeUndefined();
  });
});

describe('AWS ip-ranges.json', () => {
  const aws = parseAwsRanges(JSON.stringify(RANGES), 'ip-ranges.json');
  const e = new Enricher(aws, null);
  it('most specific prefix wins; for the same prefix a named service before AMAZON', () => {
    expect(aws.prefixes).toBe(5);
    expect(aws.skipped).toBe(1);
    expect(e.lookup('3.5.140.10')).toEqual({ awsService: 'S3', awsRegion: 'ap-northeast-2' });
    expect(e.lookup('3.5.143.255')).toEqual({ awsService: 'S3', awsRegion: 'ap-northeast-2' });
    // 3.5.144.0 is past the /22 (3.5.140.0-3.5.143.255) but inside 3.0.0.0/9 (3.0.0.0-3.127.255.255)
    expect(e.lookup('3.5.144.0')).toEqual({ awsService: 'AMAZON', awsRegion: 'us-east-1' });
    expect(e.lookup('3.128.0.0')).toBeUndefined();
    expect(e.lookup('2600:1f14:1fff:ffff::1')).toEqual({ awsService: 'EC2', awsRegion: 'us-west-2' });
    // 2600:1f14:2000:: is just past the /35
    expect(e.lookup('2600:1f14:2000::')).toEqual({ awsService: 'AMAZON', awsRegion: 'GLOBAL' });
  });
  it('is loaded into the store and looked up through the CLI', async () => {
    const db = join(dir, 'db.duckdb');
    const load = io();
    expect(await main(['enrich', 'load-aws-ranges', join(dir, 'ip-ranges.json'), '--db', db], load)).toBe(0);
    expect(load.stdout).toContain(
      'AWS ranges loaded: 5 prefixes (1 entries without a prefix, service or region skipped), published 2024-05-20-10-00-00',
    );
    const o = io();
    expect(await main(['enrich', 'lookup', '3.5.140.10', '1.0.0.1', '--db', db, '-o', 'json'], o)).toBe(0);
    expect(JSON.parse(o.stdout)).toEqual([
      {
        address: '3.5.140.10',
        as_number: expect.any(Number),
        as_organization: expect.any(String),
        country: expect.any(String),
        aws_service: 'S3',
        aws_region: 'ap-northeast-2',
      },
      {
        address: '1.0.0.1',
        as_number: 13335,
        as_organization: 'Cloudflare, Inc.',
        country: 'AU',
        aws_service: null,
        aws_region: null,
      },
    ]);
  });
});

describe('exports', () => {
  const e = new Enricher();
  const row = {
    srcaddr: '10.0.1.5',
    dstaddr: '1.0.0.1',
    srcport: 40000,
    dstport: 443,
    protocol: 6,
    action: 'ACCEPT',
    start: 1716199200,
    event_time: 1716199200,
  };
  it('ECS source/destination .as and .geo', () => {
    const d = toEcs(row, (ip) => e.lookup(ip));
    expect(d['destination']).toEqual({
      ip: '1.0.0.1',
      port: 443,
      as: { number: 13335, organization: { name: 'Cloudflare, Inc.' } },
      geo: { country_iso_code: 'AU' },
    });
    expect(d['source']).toEqual({ ip: '10.0.1.5', port: 40000 });
  });
  it('OCSF dst_endpoint.location.country; the AS under unmapped (OCSF 1.1.0 has no network_endpoint.autonomous_system)', () => {
    const d = toOcsf(row, (ip) => e.lookup(ip));
    expect(d['dst_endpoint']).toMatchObject({ ip: '1.0.0.1', location: { country: 'AU' } });
    expect(d['dst_endpoint']).not.toHaveProperty('autonomous_system');
    expect(d['src_endpoint']).not.toHaveProperty('autonomous_system');
    // 1.0.0.1 is Cloudflare's AS13335; the private source has no AS, so no src_as_* key
    expect(d['unmapped']).toMatchObject({ dst_as_number: 13335, dst_as_org: 'Cloudflare, Inc.' });
    expect(Object.keys(d['unmapped'] as object).filter((k) => k.startsWith('src_as_'))).toEqual([]);
  });
});
