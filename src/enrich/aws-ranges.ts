// AWS's ip-ranges.json: the service, region and network border group of an address, most specific prefix
// first, and for the same prefix a named service before the catch-all AMAZON.

import { SourceError } from '../core/errors.js';
import { cidrRange } from './ip-range.js';
import { RangeTable } from './range-table.js';
import { segmentsOf } from './segments.js';

/** What ip-ranges.json says about a prefix. */
export interface AwsRange {
  readonly prefix: string;
  readonly service: string;
  readonly region: string;
  readonly networkBorderGroup: string | undefined;
}

/** A parsed ip-ranges.json. */
export interface AwsRanges {
  /** Publication time (unix seconds, from syncToken) and createDate as written. */
  readonly syncToken: number | undefined;
  readonly createDate: string | undefined;
  readonly prefixes: number;
  /** The most specific range of a key (ip-range.ts keys). */
  readonly table: RangeTable<AwsRange>;
}

/**
 * Parses ip-ranges.json text. `file` names it in errors; entries that are not prefixes are skipped and counted.
 *
 * @example parseAwsRanges(readFileSync('ip-ranges.json', 'utf8'), 'ip-ranges.json').prefixes
 */
export function parseAwsRanges(text: string, file: string): AwsRanges & { skipped: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SourceError('AWS_RANGES_JSON', file, 'is not JSON (expected AWS ip-ranges.json)');
  }
  const o = (doc ?? {}) as Record<string, unknown>;
  if (!Array.isArray(o['prefixes']) && !Array.isArray(o['ipv6_prefixes'])) {
    throw new SourceError(
      'AWS_RANGES_SHAPE',
      file,
      'has no "prefixes" or "ipv6_prefixes" array (expected AWS ip-ranges.json)',
    );
  }
  const entries: { id: number; lo: bigint; hi: bigint; range: AwsRange }[] = [];
  let skipped = 0;
  const add = (list: unknown, key: 'ip_prefix' | 'ipv6_prefix') => {
    if (!Array.isArray(list)) return;
    for (const e of list) {
      const x = (e ?? {}) as Record<string, unknown>;
      const prefix = x[key];
      const r = typeof prefix === 'string' ? cidrRange(prefix) : undefined;
      if (r === undefined || typeof x['service'] !== 'string' || typeof x['region'] !== 'string') {
        skipped++;
        continue;
      }
      entries.push({
        id: entries.length,
        lo: r.lo,
        hi: r.hi,
        range: {
          prefix: prefix as string,
          service: x['service'],
          region: x['region'],
          networkBorderGroup:
            typeof x['network_border_group'] === 'string' ? x['network_border_group'] : undefined,
        },
      });
    }
  };
  add(o['prefixes'], 'ip_prefix');
  add(o['ipv6_prefixes'], 'ipv6_prefix');
  const better = (a: (typeof entries)[number], b: (typeof entries)[number]) => {
    const sa = a.hi - a.lo;
    const sb = b.hi - b.lo;
    if (sa !== sb) return sa < sb;
    return a.range.service !== 'AMAZON' && b.range.service === 'AMAZON';
  };
  const table = RangeTable.of(
    segmentsOf(entries).map((s) => {
      let best = entries[s.members[0]!]!;
      for (const m of s.members) if (better(entries[m]!, best)) best = entries[m]!;
      return { lo: s.lo, hi: s.hi, value: best.range };
    }),
  );
  const token = Number(o['syncToken']);
  return {
    syncToken: Number.isFinite(token) && String(o['syncToken']).trim() !== '' ? token : undefined,
    createDate: typeof o['createDate'] === 'string' ? o['createDate'] : undefined,
    prefixes: entries.length,
    table,
    skipped,
  };
}
