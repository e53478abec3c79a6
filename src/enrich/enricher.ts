// Enrichment of an address without a network: autonomous system and country (packaged data, geo-asn.ts) and AWS
// service and region (a user-loaded ip-ranges.json, aws-ranges.ts). Private, loopback, link-local and other
// special addresses are not looked up.

import { parseAddress } from '../network/address.js';
import type { AwsRanges } from './aws-ranges.js';
import { GeoAsn } from './geo-asn.js';
import { V4_BASE } from './ip-range.js';

/** What is known about an address. */
export interface Enrichment {
  readonly asNumber?: number;
  readonly asOrganization?: string;
  /** ISO 3166-1 alpha-2. */
  readonly country?: string;
  readonly awsService?: string;
  readonly awsRegion?: string;
}

/** Special-purpose IPv4 blocks (RFC 6890 and friends) that are never looked up: [first, last] as numbers. */
const V4_SPECIAL: readonly [number, number][] = [
  [0x00000000, 0x00ffffff], // 0/8
  [0x0a000000, 0x0affffff], // 10/8
  [0x64400000, 0x647fffff], // 100.64/10
  [0x7f000000, 0x7fffffff], // 127/8
  [0xa9fe0000, 0xa9feffff], // 169.254/16
  [0xac100000, 0xac1fffff], // 172.16/12
  [0xc0a80000, 0xc0a8ffff], // 192.168/16
  [0xc0000200, 0xc00002ff], // 192.0.2/24 (documentation, RFC 5737)
  [0xc6120000, 0xc613ffff], // 198.18/15 (benchmarking)
  [0xc6336400, 0xc63364ff], // 198.51.100/24 (documentation)
  [0xcb007100, 0xcb0071ff], // 203.0.113/24 (documentation)
  [0xe0000000, 0xffffffff], // multicast and reserved
];

function special(a: { v6: false; n: number } | { v6: true; n: bigint }): boolean {
  if (!a.v6) return V4_SPECIAL.some(([lo, hi]) => a.n >= lo && a.n <= hi);
  const top = a.n >> 112n;
  // ::/8 (loopback, unspecified, mapped), fc00::/7 (unique local), fe80::/10 (link local), ff00::/8 (multicast)
  // 2001:db8::/32 is for documentation (RFC 3849)
  if (a.n >> 96n === 0x20010db8n) return true;
  return top < 0x0100n || (top & 0xfe00n) === 0xfc00n || (top & 0xffc0n) === 0xfe80n || top >= 0xff00n;
}

/**
 * Looks addresses up; remembers the answers (a top list or a page of flows repeats addresses).
 *
 * @example new Enricher(awsRanges).lookup('52.95.110.1') // { awsService: 'S3', awsRegion: 'us-east-1', asNumber: 16509, ... }
 */
export class Enricher {
  private readonly cache = new Map<string, Enrichment | undefined>();
  constructor(
    private readonly aws?: AwsRanges | undefined,
    private readonly geo: GeoAsn | null = new GeoAsn(),
  ) {}

  /** The enrichment of an address text, or undefined when nothing is known (or it is not an address). */
  lookup(text: string | null | undefined): Enrichment | undefined {
    if (text === null || text === undefined || text === '' || text === '-') return undefined;
    if (this.cache.has(text)) return this.cache.get(text);
    const out = this.compute(text);
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(text, out);
    return out;
  }

  private compute(text: string): Enrichment | undefined {
    const a = parseAddress(text);
    if (a === undefined || special(a)) return undefined;
    const key = a.v6 ? a.n : V4_BASE + BigInt(a.n);
    const aws = this.aws?.table.find(key);
    const as = this.geo?.asOf(a);
    const country = this.geo?.countryOf(a);
    const e: Enrichment = {
      ...(as ? { asNumber: as.number, asOrganization: as.organization } : {}),
      ...(country ? { country } : {}),
      ...(aws ? { awsService: aws.service, awsRegion: aws.region } : {}),
    };
    return Object.keys(e).length === 0 ? undefined : e;
  }

  /** One short text for tables: `AS16509 Amazon.com, Inc. · US · AWS S3 us-east-1`, or '' when unknown. */
  label(text: string | null | undefined): string {
    const e = this.lookup(text);
    if (!e) return '';
    const parts: string[] = [];
    if (e.asNumber !== undefined) parts.push(`AS${e.asNumber} ${e.asOrganization ?? ''}`.trim());
    if (e.country) parts.push(e.country);
    if (e.awsService) parts.push(`AWS ${e.awsService} ${e.awsRegion ?? ''}`.trim());
    return parts.join(' · ');
  }

  /** The enrichment as flat snake_case fields with a prefix (for JSON/CSV rows): `src_as_number`, ... */
  fields(prefix: string, text: string | null | undefined): Record<string, string | number | null> {
    const e = this.lookup(text);
    return {
      [`${prefix}as_number`]: e?.asNumber ?? null,
      [`${prefix}as_organization`]: e?.asOrganization ?? null,
      [`${prefix}country`]: e?.country ?? null,
      [`${prefix}aws_service`]: e?.awsService ?? null,
      [`${prefix}aws_region`]: e?.awsRegion ?? null,
    };
  }
}
