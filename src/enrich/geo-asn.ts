// Country and autonomous system of an address, offline, from the @ip-location-db npm packages (inclusive ranges
// in CSV, numeric form): @ip-location-db/asn (ASN and organisation; CC BY 4.0: RouteViews, DB-IP, NRO) and
// @ip-location-db/geo-whois-asn-country (ISO 3166 alpha-2 country; CC BY 4.0 by NRO per its own files).
// Each file is read on the first lookup that needs it and searched in place.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SortedRangeFile } from './sorted-range-file.js';

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

/**
 * A lookup over one dataset. Each family's file is read on first use and searched where it lies (no table is
 * built: reading and parsing the 400k-line ASN file into a table cost about 0.6 s of every `top`).
 */
class Dataset<T> {
  private v4File: SortedRangeFile<number> | undefined;
  private v6File: SortedRangeFile<bigint> | undefined;
  constructor(
    private readonly pkg: string,
    private readonly stem: string,
    private readonly value: (cells: string[]) => T,
  ) {}
  v4(n: number): T | undefined {
    this.v4File ??= SortedRangeFile.open(packageFile(this.pkg, `${this.stem}-ipv4-num.csv`), Number);
    const cells = this.v4File.find(n);
    return cells === undefined ? undefined : this.value(cells);
  }
  v6(n: bigint): T | undefined {
    this.v6File ??= SortedRangeFile.open(packageFile(this.pkg, `${this.stem}-ipv6-num.csv`), BigInt);
    const cells = this.v6File.find(n);
    return cells === undefined ? undefined : this.value(cells);
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
