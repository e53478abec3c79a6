// A hand-made corpus for the export tests: a v5 custom-format file in AWS's plain S3 layout (ACCEPT ingress
// TCP, REJECT ICMP, NODATA, an egress record through a NAT'd address) and a default-format v2 file outside
// any AWS layout (so its Parquet export uses the placeholders).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const V5_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path';

/** ACCEPT ingress TCP. */
export const ACCEPT_TCP =
  '5 111122223333 eni-0a1b2c3d4e5f60718 198.51.100.23 10.20.1.15 53122 443 6 12 4310 1716200105 1716200161 ACCEPT OK vpc-0123abcd subnet-0aa11bb22cc33dd44 i-0123456789abcdef0 2 IPv4 198.51.100.23 10.20.1.15 eu-west-1 euw1-az2 - - - - ingress -';
/** REJECT ICMP (ingress). */
export const REJECT_ICMP =
  '5 111122223333 eni-0a1b2c3d4e5f60718 203.0.113.7 10.20.1.15 0 0 1 1 84 1716200110 1716200170 REJECT OK vpc-0123abcd subnet-0aa11bb22cc33dd44 i-0123456789abcdef0 0 IPv4 203.0.113.7 10.20.1.15 eu-west-1 euw1-az2 - - - - ingress -';
/** NODATA. */
export const NODATA =
  '5 111122223333 eni-0a1b2c3d4e5f60718 - - - - - - - 1716200100 1716200160 - NODATA - - - - - - - - - - - - - - -';
/** Egress through an internet gateway, NAT'd source (the spec's worked example). */
export const EGRESS =
  '5 111122223333 eni-0a1b2c3d4e5f60718 10.20.1.15 52.216.10.9 40112 443 6 9 1900 1716203705 1716203761 ACCEPT OK vpc-0123abcd subnet-0aa11bb22cc33dd44 i-0123456789abcdef0 3 IPv4 10.20.1.99 52.216.10.9 eu-west-1 euw1-az2 - - - S3 egress 8';

export const V2_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
export const V2_LINES = [
  '2 444455556666 eni-0ffff0000aaaa1111 10.0.1.5 10.0.2.6 33000 22 6 5 500 1716300000 1716300050 ACCEPT OK',
  '2 444455556666 eni-0ffff0000aaaa1111 10.0.1.5 10.0.2.7 33001 3389 17 2 120 1716300010 1716300060 REJECT OK',
];

export const V5_KEY =
  'AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/05/20/111122223333_vpcflowlogs_eu-west-1_fl-0abc1234def567890_20240520T1015Z_3f9a8c21.log.gz';

/** Writes the corpus under `dir` and returns the paths to ingest. */
export function writeCorpus(dir: string): string[] {
  const v5 = join(dir, V5_KEY);
  mkdirSync(dirname(v5), { recursive: true });
  writeFileSync(v5, gzipSync(`${V5_HEADER}\n${[ACCEPT_TCP, REJECT_ICMP, NODATA, EGRESS].join('\n')}\n`));
  const v2 = join(dir, 'misc', 'plain.log');
  mkdirSync(dirname(v2), { recursive: true });
  writeFileSync(v2, `${V2_HEADER}\n${V2_LINES.join('\n')}\n`);
  return [v5, v2];
}
