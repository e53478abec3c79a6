// Country and autonomous system of an address, offline, from the @ip-location-db npm packages (inclusive ranges
// in CSV, numeric form): @ip-location-db/asn (ASN and organisation; CC BY 4.0: RouteViews, DB-IP, NRO) and
// @ip-location-db/geo-whois-asn-country (ISO 3166 alpha-2 country; CC BY 4.0 by NRO per its own files).
// Each file is read on the first lookup that needs it.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { splitCsv } from './feeds/abusech-csv.js';
import { RangeTable, V4RangeTable } from './range-table.js';

/** Where the data comes from, for the README and `flowwatch enrich status`. */
export const GEO_ASN_SOURCES = [
  {
    package: '@ip-location-db/asn',
    what: 'autonomous system number and organisation',
    licence: 'CC BY 4.0 (RouteViews, DB-IP.com, NRO): attribution required',
  },
  {
    package: '@ip-location-db/geo-whois-asn-country',
    what: 'country (ISO 3166-1 alpha-2)',
    licence: 'CC BY 4.0 (NRO) per the package files (its npm metadata says CC0-1.0)',
  },
] as const;

/** An autonomous system. */
export interface AutonomousSystem {
  readonly number: number;
  readonly organization: string;
}

const require = createRequire(import.meta.url);

function packageFile(pkg: string, file: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** The lines of a packaged CSV, split into start, end and the rest of the cells. */
function* csvRows(path: string): Generator<[string, string, string[]]> {
  const text = readFileSync(path, 'utf8');
  let at = 0;
  while (at < text.length) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const line = text.slice(at, nl).replace(/\r$/, '');
    at = nl + 1;
    if (line === '') continue;
    const c1 = line.indexOf(',');
    const c2 = line.indexOf(',', c1 + 1);
    if (c1 < 0 || c2 < 0) continue;
    const rest = line.slice(c2 + 1);
    yield [
      line.slice(0, c1),
      line.slice(c1 + 1, c2),
      rest.includes('"') ? (splitCsv(rest) ?? []) : rest.split(','),
    ];
  }
}

interface Tables<T> {
  v4?: { table: V4RangeTable; values: T[] };
  v6?: RangeTable<T>;
}

function loadV4<T>(path: string, value: (cells: string[]) => T): { table: V4RangeTable; values: T[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  const slots: number[] = [];
  const values: T[] = [];
  const seen = new Map<string, number>();
  for (const [a, b, cells] of csvRows(path)) {
    const key = cells.join('\u0000');
    let slot = seen.get(key);
    if (slot === undefined) {
      slot = values.length;
      values.push(value(cells));
      seen.set(key, slot);
    }
    starts.push(Number(a));
    ends.push(Number(b));
    slots.push(slot);
  }
  return {
    table: new V4RangeTable(Float64Array.from(starts), Float64Array.from(ends), Uint32Array.from(slots)),
    values,
  };
}

function loadV6<T>(path: string, value: (cells: string[]) => T): RangeTable<T> {
  const ranges: { lo: bigint; hi: bigint; value: T }[] = [];
  for (const [a, b, cells] of csvRows(path))
    ranges.push({ lo: BigInt(a), hi: BigInt(b), value: value(cells) });
  return RangeTable.of(ranges);
}

/** A lookup over one dataset, loading each family's file on first use. */
class Dataset<T> {
  private readonly tables: Tables<T> = {};
  constructor(
    private readonly pkg: string,
    private readonly stem: string,
    private readonly value: (cells: string[]) => T,
  ) {}
  v4(n: number): T | undefined {
    this.tables.v4 ??= loadV4(packageFile(this.pkg, `${this.stem}-ipv4-num.csv`), this.value);
    const slot = this.tables.v4.table.find(n);
    return slot < 0 ? undefined : this.tables.v4.values[slot];
  }
  v6(n: bigint): T | undefined {
    this.tables.v6 ??= loadV6(packageFile(this.pkg, `${this.stem}-ipv6-num.csv`), this.value);
    return this.tables.v6.find(n);
  }
}

/**
 * Offline country and ASN lookups.
 *
 * @example new GeoAsn().asOf({ v6: false, n: 0x01000001 }) // { number: 13335, organization: 'Cloudflare, Inc.' }
 */
export class GeoAsn {
  private readonly asn = new Dataset<AutonomousSystem | undefined>('@ip-location-db/asn', 'asn', (c) => {
    const number = Number(c[0]);
    return Number.isInteger(number) ? { number, organization: c[1] ?? '' } : undefined;
  });
  private readonly country = new Dataset<string>(
    '@ip-location-db/geo-whois-asn-country',
    'geo-whois-asn-country',
    (c) => c[0] ?? '',
  );

  /** The autonomous system announcing an address (IPv4 as a number, IPv6 as a bigint). */
  asOf(a: { v6: false; n: number } | { v6: true; n: bigint }): AutonomousSystem | undefined {
    return a.v6 ? this.asn.v6(a.n) : this.asn.v4(a.n);
  }

  /** The ISO 3166-1 alpha-2 country of an address. */
  countryOf(a: { v6: false; n: number } | { v6: true; n: bigint }): string | undefined {
    const c = a.v6 ? this.country.v6(a.n) : this.country.v4(a.n);
    return c === '' ? undefined : c;
  }
}
