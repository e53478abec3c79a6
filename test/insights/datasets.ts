// Hand-made flow-log record sets for the Logs Insights conformance cases, and a helper that ingests one.
//
// Every expected value in cases.ts was worked out by hand from these lines. Line i of a LINES array is
// line i + 2 of its file (the header is line 1), so "ingestion order" is the array order.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest } from '../../src/ingest/ingest.js';
import { Store } from '../../src/storage/store.js';

// ---------------------------------------------------------------------------------------------------
// "default": the default (v2, 14-field) format. 2024-05-20 (a Monday) 10:00–12:59 UTC; 10:00:00 is
// 1716199200. No timestamp ties (so an explicit `sort @timestamp` is unambiguous), no missing values
// (so the AWS sample queries never meet a null group key). Interface ids eni-a1/eni-a2/eni-a10 make
// natural order differ from plain string order; srcAddr 10.0.1.5 vs 10.0.1.20 does too.
// ---------------------------------------------------------------------------------------------------

/** Header line of the "default" file: the default format. */
export const DEFAULT_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

export const DEFAULT_LINES: readonly string[] = [
  // D0 10:00:05 HTTPS out to an external host; first record by time; 10.0.1.5->198.51.100.7 pair (pkts 10+12=22)
  '2 111122223333 eni-a1 10.0.1.5 198.51.100.7 49152 443 6 10 8400 1716199205 1716199260 ACCEPT OK',
  // D1 10:00:06 the reply; dstPort 49152 (largest port), same 30m bucket as D0
  '2 111122223333 eni-a1 198.51.100.7 10.0.1.5 443 49152 6 8 3200 1716199206 1716199260 ACCEPT OK',
  // D2 10:05:00 SSH probe rejected; same 5-tuple as D10 (dedup keeps D10, the newer one); bytes 40 (min, tied with D3)
  '2 111122223333 eni-a2 203.0.113.9 10.0.1.20 51515 22 6 1 40 1716199500 1716199560 REJECT OK',
  // D3 10:05:30 RDP probe rejected; end - start = 30
  '2 111122223333 eni-a2 203.0.113.9 10.0.1.20 51516 3389 6 1 40 1716199530 1716199560 REJECT OK',
  // D4 10:30:00 internal DNS over UDP (protocol 17 sample)
  '2 111122223333 eni-a10 10.0.2.7 10.0.1.5 53000 53 17 2 150 1716201000 1716201060 ACCEPT OK',
  // D5 10:30:01 UDP to 8.8.8.8 (sorts first among dstAddr in natural order, last-but-one as a plain string)
  '2 111122223333 eni-a10 10.0.1.20 8.8.8.8 53001 53 17 4 300 1716201001 1716201030 ACCEPT OK',
  // D6 10:59:59 SSH accepted; last second of the 10:00 hour; bytes 5000 (boundary of `bytes > 5000`)
  '2 111122223333 eni-a2 10.0.2.7 10.0.1.20 40000 22 6 20 5000 1716202799 1716202859 ACCEPT OK',
  // D7 11:00:00 HTTP to a 192.168/16 host (private: excluded by the "external destinations" sample)
  '2 111122223333 eni-a1 10.0.1.5 192.168.5.5 40001 80 6 9 1800 1716202800 1716202860 ACCEPT OK',
  // D8 11:20:00 ICMP, ports 0 (division by dstPort = 0 gives null)
  '2 111122223333 eni-a1 198.51.100.7 10.0.1.5 0 0 1 3 252 1716204000 1716204050 REJECT OK',
  // D9 11:45:10 the row used for scalar-function cases (`filter dstPort = 8080` selects only it)
  '2 111122223333 eni-a10 172.16.3.4 10.0.1.5 40002 8080 6 6 900 1716205510 1716205570 ACCEPT OK',
  // D10 12:00:00 SSH probe again (duplicate 5-tuple of D2)
  '2 111122223333 eni-a2 203.0.113.9 10.0.1.20 51515 22 6 2 80 1716206400 1716206460 REJECT OK',
  // D11 12:15:00 HTTPS out again; bytes 9600 (max)
  '2 111122223333 eni-a1 10.0.1.5 198.51.100.7 49153 443 6 12 9600 1716207300 1716207360 ACCEPT OK',
  // D12 12:40:00 RDP out to 203.0.113.50 (inside 203.0.113.48/28)
  '2 111122223333 eni-a10 10.0.1.20 203.0.113.50 40003 3389 6 7 2100 1716208800 1716208860 ACCEPT OK',
  // D13 12:40:20 the newest record; other account; NTP over UDP; 10.0.1.77 (outside 10.0.1.0/27)
  '2 444455556666 eni-b7 10.0.1.77 198.51.100.8 123 123 17 1 76 1716208820 1716208845 ACCEPT OK',
  // D14 12:00:30 out of time order in the file (line 16); rejected HTTP probe; bytes 44
  '2 111122223333 eni-a2 203.0.113.9 10.0.1.20 51518 80 6 1 44 1716206430 1716206460 REJECT OK',
];

// ---------------------------------------------------------------------------------------------------
// "custom": a v5-style custom format without account-id. 2024-05-20 08:00–10:59 UTC; 08:00:00 is
// 1716192000. IPv4 and IPv6, a NAT gateway record (pkt-srcaddr differs from srcaddr), NODATA and
// SKIPDATA records (every traffic field "-"), and three timestamp ties (C0/C1, C8/C9, C12/C13).
// ---------------------------------------------------------------------------------------------------

/** Header line of the "custom" file. */
export const CUSTOM_HEADER =
  'version vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags pkt-srcaddr pkt-dstaddr traffic-path';

export const CUSTOM_LINES: readonly string[] = [
  // C0 08:01:00 SYN scan of 10.0.1.5 from 203.0.113.9, port 22 (ties with C1: C0 is ingested first)
  '5 vpc-aaa eni-c1 203.0.113.9 10.0.1.5 51000 22 6 1 40 1716192060 1716192120 REJECT OK ingress 2 203.0.113.9 10.0.1.5 -',
  // C1 08:01:00 same scan, port 23
  '5 vpc-aaa eni-c1 203.0.113.9 10.0.1.5 51001 23 6 1 40 1716192060 1716192120 REJECT OK ingress 2 203.0.113.9 10.0.1.5 -',
  // C2 08:03:20 same scan, port 3389
  '5 vpc-aaa eni-c1 203.0.113.9 10.0.1.5 51002 3389 6 2 80 1716192200 1716192260 REJECT OK ingress 2 203.0.113.9 10.0.1.5 -',
  // C3 08:04:59 another scanner, port 22; last second of the 08:00 5-minute bucket
  '5 vpc-aaa eni-c1 198.51.100.20 10.0.1.5 40000 22 6 3 180 1716192299 1716192359 REJECT OK ingress 2 198.51.100.20 10.0.1.5 -',
  // C4 08:05:00 first scanner, port 445; first second of the 08:05 bucket
  '5 vpc-aaa eni-c1 203.0.113.9 10.0.1.5 51003 445 6 1 40 1716192300 1716192360 REJECT OK ingress 2 203.0.113.9 10.0.1.5 -',
  // C5 08:20:00 NODATA: no traffic on eni-c1
  '5 vpc-aaa eni-c1 - - - - - - - 1716193200 1716193260 - NODATA - - - - -',
  // C6 08:40:00 SKIPDATA on eni-c2 (hour 08)
  '5 vpc-aaa eni-c2 - - - - - - - 1716194400 1716194460 - SKIPDATA - - - - -',
  // C7 09:00:00 HTTPS egress through the internet gateway (traffic-path 8), tcp-flags 19
  '5 vpc-aaa eni-c2 10.0.2.9 52.94.0.10 50500 443 6 30 24000 1716195600 1716195660 ACCEPT OK egress 19 10.0.2.9 52.94.0.10 8',
  // C8 09:15:00 its reply (ingress, SYN-ACK 18); dstPort 50500 = max; ties with C9 (C8 first)
  '5 vpc-aaa eni-c2 52.94.0.10 10.0.2.9 443 50500 6 25 36000 1716196500 1716196560 ACCEPT OK ingress 18 52.94.0.10 10.0.2.9 -',
  // C9 09:15:00 IPv6 HTTPS egress from another VPC
  '5 vpc-bbb eni-c3 2001:db8:1::10 2001:db8:ffff::1 40100 443 6 12 9000 1716196500 1716196560 ACCEPT OK egress 3 2001:db8:1::10 2001:db8:ffff::1 8',
  // C10 09:30:00 IPv6 SSH probe rejected
  '5 vpc-bbb eni-c3 2001:db8:9::5 2001:db8:1::10 60000 22 6 2 152 1716197400 1716197460 REJECT OK ingress 2 2001:db8:9::5 2001:db8:1::10 -',
  // C11 09:45:00 NAT gateway ENI: packet source 10.0.2.9 translated to 10.0.3.50
  '5 vpc-aaa eni-c4 10.0.3.50 203.0.113.80 61000 443 6 6 720 1716198300 1716198360 ACCEPT OK egress 3 10.0.2.9 203.0.113.80 8',
  // C12 10:00:00 SKIPDATA on eni-c2 (hour 10); ties with C13 (C12 first)
  '5 vpc-aaa eni-c2 - - - - - - - 1716199200 1716199260 - SKIPDATA - - - - -',
  // C13 10:00:00 NODATA on eni-c3
  '5 vpc-bbb eni-c3 - - - - - - - 1716199200 1716199260 - NODATA - - - - -',
  // C14 10:10:00 IPv6 DNS over UDP (tcp-flags 0, traffic-path 1)
  '5 vpc-bbb eni-c3 2001:db8:1::10 2001:db8:53::53 5353 53 17 1 90 1716199800 1716199860 ACCEPT OK egress 0 2001:db8:1::10 2001:db8:53::53 1',
  // C15 10:30:00 ICMP echo accepted (ports 0 = min dstPort)
  '5 vpc-aaa eni-c1 198.51.100.20 10.0.1.5 0 0 1 4 336 1716201000 1716201060 ACCEPT OK ingress 0 198.51.100.20 10.0.1.5 -',
  // C16 10:59:00 SKIPDATA on eni-c2 (hour 10 again)
  '5 vpc-aaa eni-c2 - - - - - - - 1716202740 1716202800 - SKIPDATA - - - - -',
  // C17 10:59:30 the newest record: SSH probe of the NAT gateway; 5-minute bucket 10:55
  '5 vpc-aaa eni-c4 198.51.100.20 10.0.3.50 40001 22 6 1 60 1716202770 1716202830 REJECT OK ingress 2 198.51.100.20 10.0.3.50 -',
];

// ---------------------------------------------------------------------------------------------------
// "nine": exactly the custom format of the spec's parse sample (logs-insights.md §7.2):
// ${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} ${action} ${flow-direction}.
// No start field, so @timestamp is null everywhere: the cases on this set never depend on the
// default (time) order; they use stats, an explicit sort on distinct values, or single rows.
// ---------------------------------------------------------------------------------------------------

/** Header line of the "nine" file. */
export const NINE_HEADER = 'version srcaddr dstaddr srcport dstport protocol bytes action flow-direction';

export const NINE_LINES: readonly string[] = [
  // N0 HTTPS out; bytes 8400 (largest, > 1000)
  '5 10.0.1.5 198.51.100.7 49152 443 6 8400 ACCEPT egress',
  // N1 SSH probe rejected
  '5 203.0.113.9 10.0.1.5 51000 22 6 40 REJECT ingress',
  // N2 RDP probe rejected
  '5 203.0.113.9 10.0.1.5 51001 3389 6 40 REJECT ingress',
  // N3 SSH probe from a second source
  '5 198.51.100.20 10.0.1.5 40000 22 6 120 REJECT ingress',
  // N4 HTTP out; bytes 1500 (> 1000; as a string "1500" < "40")
  '5 10.0.1.5 10.0.2.9 40001 80 6 1500 ACCEPT egress',
  // N5 its reply; the only srcport 80; bytes 3000
  '5 10.0.2.9 10.0.1.5 80 40001 6 3000 ACCEPT ingress',
  // N6 SSH probe again from the first source
  '5 203.0.113.9 10.0.1.5 51002 22 6 60 REJECT ingress',
  // N7 HTTPS probe rejected
  '5 198.51.100.20 10.0.1.5 40002 443 6 44 REJECT ingress',
  // N8 DNS over UDP (protocol 17)
  '5 10.0.1.5 8.8.8.8 53000 53 17 75 ACCEPT egress',
  // N9 IPv6 SSH probe rejected
  '5 2001:db8:9::5 2001:db8:1::10 60000 22 6 152 REJECT ingress',
];

/** The record sets by name. */
export const DATASETS = {
  default: { header: DEFAULT_HEADER, lines: DEFAULT_LINES },
  custom: { header: CUSTOM_HEADER, lines: CUSTOM_LINES },
  nine: { header: NINE_HEADER, lines: NINE_LINES },
} as const;

export type DatasetName = keyof typeof DATASETS;

/** A store holding one dataset, and how to remove it. */
export interface OpenDataset {
  readonly path: string;
  cleanup(): void;
}

/**
 * Writes the dataset's file (header line + records) into a fresh temp folder, ingests it into a new store
 * file there, closes the store and returns the store's path. Fails if any line is rejected.
 *
 * @example const ds = await openDataset('default'); try { await runQuery(ds.path, 'limit 1'); } finally { ds.cleanup(); }
 */
export async function openDataset(name: DatasetName): Promise<OpenDataset> {
  const { header, lines } = DATASETS[name];
  const dir = mkdtempSync(join(tmpdir(), `fw-insights-${name}-`));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const file = join(dir, `${name}.log`);
    writeFileSync(file, `${header}\n${lines.join('\n')}\n`);
    const path = join(dir, `${name}.duckdb`);
    const store = await Store.open(path);
    try {
      const s = await ingest(store, [file]);
      if (s.records !== lines.length || s.rejected !== 0) {
        throw new Error(
          `dataset ${name}: expected ${lines.length} records and no rejects, got ${s.records} and ${s.rejected}`,
        );
      }
    } finally {
      store.close();
    }
    return { path, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}
