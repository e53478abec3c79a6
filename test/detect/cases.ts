// Conformance cases of the detections: small hand-made record sets, the detection they run, and the findings
// worked out by hand from the definition (the comments show the reasoning). Every backend runs every case
// (conformance.test.ts) and must produce exactly these findings. Benign look-alikes expect none.

/** 2024-05-20T10:00:00Z: a multiple of 3600 (so of 600 too): windows start here. */
export const T = 1716199200;

/** Default-format (v2) header of the case files. */
export const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** One default-format record; `t` is its start (= its event time). */
export function rec(
  eni: string,
  src: string,
  dst: string,
  sport: number,
  dport: number,
  proto: number,
  action: 'ACCEPT' | 'REJECT',
  t: number,
  bytes = 60,
): string {
  return `2 111122223333 ${eni} ${src} ${dst} ${sport} ${dport} ${proto} 1 ${bytes} ${t} ${t + 59} ${action} OK`;
}

/** The default format plus tcp-flags (a custom v3 format): version 3 records. */
export const HEADER_FLAGS = `${HEADER} tcp-flags`;

/** One record of HEADER_FLAGS with its packets, bytes and TCP flags. */
export function recF(
  eni: string,
  src: string,
  dst: string,
  sport: number,
  dport: number,
  action: 'ACCEPT' | 'REJECT',
  t: number,
  packets: number,
  bytes: number,
  flags: number,
): string {
  return `3 111122223333 ${eni} ${src} ${dst} ${sport} ${dport} 6 ${packets} ${bytes} ${t} ${t + 59} ${action} OK ${flags}`;
}

/** One default-format TCP record with its packets and bytes. */
export function recP(
  eni: string,
  src: string,
  dst: string,
  sport: number,
  dport: number,
  action: 'ACCEPT' | 'REJECT',
  t: number,
  packets: number,
  bytes: number,
): string {
  return `2 111122223333 ${eni} ${src} ${dst} ${sport} ${dport} 6 ${packets} ${bytes} ${t} ${t + 59} ${action} OK`;
}

export interface ExpectedFinding {
  readonly entity: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly start: number;
  readonly end: number;
  readonly evidenceCount: number;
  readonly windows: readonly number[];
  readonly peers?: readonly string[];
  readonly morePeers?: boolean;
  /** The finding's one-line summary, when its detection writes one (beacons). */
  readonly summary?: string;
}

export interface DetectCase {
  readonly name: string;
  /** A built-in id, or a flowwatch.yaml `detections:` section (YAML) whose last entry is run. */
  readonly detection: string;
  readonly config?: string;
  readonly records: readonly string[];
  readonly expected: readonly ExpectedFinding[];
  /** The header line of the records (default HEADER, the v2 default format). */
  readonly header?: string;
  /** Threat-intelligence indicators (a plain IP/CIDR list) loaded before a `kind: intel` detection runs. */
  readonly indicators?: readonly string[];
  /** Backends that cannot run it (with the reason in a comment). */
  readonly skip?: readonly ('duckdb' | 'trino' | 'memory')[];
}

/** The day window of the beacon cases (the multiple of 86400 before T: 2024-05-20T00:00:00Z). */
const D = T - (T % 86_400);
const C2 = '198.51.100.7';
const MIRROR = '203.0.113.80';

const range = <X>(n: number, f: (i: number) => X): X[] => Array.from({ length: n }, (_, i) => f(i));

const LB = '10.0.1.10';
const APP = '10.0.2.20';
const DB = '10.0.3.30';

/** A connection as one interface logs it: the request record and the reply record, both accepted. */
function conv(eni: string, a: string, b: string, sport: number, dport: number, t: number): string[] {
  return [rec(eni, a, b, sport, dport, 6, 'ACCEPT', t), rec(eni, b, a, dport, sport, 6, 'ACCEPT', t)];
}

/** A v5 TCP record (HEADER + flow-direction) on eni-c with its ports and direction. */
function v5(src: string, dst: string, sp: number, dp: number, t: number, d: string): string {
  return `5 111122223333 eni-c ${src} ${dst} ${sp} ${dp} 6 1 60 ${t} ${t + 59} ACCEPT OK ${d}`;
}

/** A v5 record (HEADER + flow-direction). */
function dir(eni: string, src: string, dst: string, sp: number, dp: number, t: number, d: string): string {
  return `5 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} 6 1 60 ${t} ${t + 59} ACCEPT OK ${d}`;
}

/**
 * The stopped-logging cases' common part: W0 = [T, T+900) with everyone logging (LB→app and app→DB at T, T+300,
 * T+600, on both ends), and all hour (every 300 s, T .. T+3300) an internet client of the LB and an unmonitored
 * host 10.0.4.40 querying the DB.
 */
function silenceBefore(): string[] {
  return [
    ...range(3, (k) => [
      ...conv('eni-app', LB, APP, 40000, 8080, T + 300 * k),
      ...conv('eni-lb', LB, APP, 40000, 8080, T + 300 * k),
      ...conv('eni-app', APP, DB, 41000, 5432, T + 300 * k),
      ...conv('eni-db', APP, DB, 41000, 5432, T + 300 * k),
    ]).flat(),
    ...range(12, (k) => [
      ...conv('eni-lb', '198.51.100.1', LB, 50000, 443, T + 300 * k),
      ...conv('eni-db', '10.0.4.40', DB, 42000, 5432, T + 300 * k),
    ]).flat(),
  ];
}

export const CASES: readonly DetectCase[] = [
  {
    // 20 distinct ports (1..20), all rejected TCP, within [T, T+600): 20 ≥ 15 (low), < 50 (medium).
    name: 'vertical scan: 20 ports of one host',
    detection: 'vertical-port-scan',
    records: range(20, (i) =>
      rec('eni-a', '203.0.113.9', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 10),
    ),
    expected: [
      {
        entity: '10.0.1.10',
        severity: 'low',
        start: T,
        end: T + 190,
        evidenceCount: 20,
        windows: [T],
        peers: ['203.0.113.9'],
      },
    ],
  },
  {
    // 14 ports: below the lowest threshold (15).
    name: 'vertical scan: 14 ports is below the threshold',
    detection: 'vertical-port-scan',
    records: range(14, (i) => rec('eni-a', '203.0.113.9', '10.0.1.10', 40000, i + 1, 6, 'REJECT', T + i)),
    expected: [],
  },
  {
    // Look-alike: a server's replies (from 443) to one client's 30 ephemeral ports, rejected by a NACL. The
    // destination ports are ≥ 32768, outside the filter: no scan.
    name: 'vertical scan look-alike: rejected replies to ephemeral ports',
    detection: 'vertical-port-scan',
    records: range(30, (i) => rec('eni-a', '10.0.1.10', '198.51.100.7', 443, 40000 + i, 6, 'REJECT', T + i)),
    expected: [],
  },
  {
    // Look-alike: a monitoring host scraping 20 ports, all accepted: the filter keeps only REJECT.
    name: 'vertical scan look-alike: accepted scrapes of 20 services',
    detection: 'vertical-port-scan',
    records: range(20, (i) => rec('eni-a', '10.0.9.9', '10.0.1.10', 50000 + i, 9100 + i, 6, 'ACCEPT', T + i)),
    expected: [],
  },
  {
    // Window T: 15 ports (low). Window T+1200: 50 ports (medium); the gap (T+600 → T+1200 = 600 s) is within
    // the quiet period (1800 s): one episode, severity medium, 65 records. Window T+6000: 16 ports; the gap
    // from T+1800 is 4200 s > 1800 s: a second finding (low).
    name: 'vertical scan: episodes merge within the quiet period and split after it',
    detection: 'vertical-port-scan',
    records: [
      ...range(15, (i) => rec('eni-a', '203.0.113.9', '10.0.1.10', 40000, i + 1, 6, 'REJECT', T + 100 + i)),
      ...range(50, (i) => rec('eni-a', '203.0.113.9', '10.0.1.10', 40000, i + 1, 6, 'REJECT', T + 1200 + i)),
      ...range(16, (i) => rec('eni-a', '203.0.113.9', '10.0.1.10', 40000, i + 1, 6, 'REJECT', T + 6000 + i)),
    ],
    expected: [
      {
        entity: '10.0.1.10',
        severity: 'medium',
        start: T + 100,
        end: T + 1249,
        evidenceCount: 65,
        windows: [T, T + 1200],
        peers: ['203.0.113.9'],
      },
      {
        entity: '10.0.1.10',
        severity: 'low',
        start: T + 6000,
        end: T + 6015,
        evidenceCount: 16,
        windows: [T + 6000],
        peers: ['203.0.113.9'],
      },
    ],
  },
  {
    // IPv6: 16 ports of 2001:db8:1::10 refused → low.
    name: 'vertical scan over IPv6',
    detection: 'vertical-port-scan',
    records: range(16, (i) =>
      rec('eni-a', '2001:db8::9', '2001:db8:1::10', 40000, 100 + i, 6, 'REJECT', T + i),
    ),
    expected: [
      {
        entity: '2001:db8:1::10',
        severity: 'low',
        start: T,
        end: T + 15,
        evidenceCount: 16,
        windows: [T],
        peers: ['2001:db8::9'],
      },
    ],
  },
  {
    // The case-1 scan, with its source allow-listed by flowwatch.yaml: nothing left.
    name: 'allow-list: a scanner the user trusts',
    detection: 'vertical-port-scan',
    config: 'detections:\n  vertical-port-scan:\n    allow: { srcaddr: [203.0.113.0/24] }\n',
    records: range(20, (i) =>
      rec('eni-a', '203.0.113.9', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 10),
    ),
    expected: [],
  },
  {
    // A threshold raised by flowwatch.yaml (low 25): the same 20-port scan no longer counts.
    name: 'override: raised threshold',
    detection: 'vertical-port-scan',
    config: 'detections:\n  vertical-port-scan:\n    thresholds: { low: 25 }\n',
    records: range(20, (i) =>
      rec('eni-a', '203.0.113.9', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 10),
    ),
    expected: [],
  },
  {
    // 25 hosts 10.0.2.1..25 refused on 22 → 25 ≥ 20 (medium; low is 5). Peers in byte order, first 20:
    // 10.0.2.1, 10.0.2.10..19 (11), 10.0.2.2, 10.0.2.20..25 (18), 10.0.2.3, 10.0.2.4 (20); 25 > 20: more.
    name: 'horizontal sweep: one port, 25 hosts',
    detection: 'horizontal-sweep',
    records: range(25, (i) =>
      rec('eni-b', '203.0.113.50', `10.0.2.${i + 1}`, 41000, 22, 6, 'REJECT', T + 300 + i),
    ),
    expected: [
      {
        entity: '203.0.113.50',
        severity: 'medium',
        start: T + 300,
        end: T + 324,
        evidenceCount: 25,
        windows: [T],
        peers: [
          '10.0.2.1',
          ...range(10, (i) => `10.0.2.1${i}`),
          '10.0.2.2',
          ...range(6, (i) => `10.0.2.2${i}`),
          '10.0.2.3',
          '10.0.2.4',
        ],
        morePeers: true,
      },
    ],
  },
  {
    // Look-alike: a web server with 40 clients on 443 (accepted) and its replies: no REJECT, and each
    // client source is its own group: no sweep.
    name: 'horizontal sweep look-alike: a web server with many clients',
    detection: 'horizontal-sweep',
    records: [
      ...range(40, (i) =>
        rec('eni-w', `198.51.100.${i + 1}`, '10.0.3.5', 50000 + i, 443, 6, 'ACCEPT', T + i),
      ),
      ...range(40, (i) =>
        rec('eni-w', '10.0.3.5', `198.51.100.${i + 1}`, 443, 50000 + i, 6, 'ACCEPT', T + i),
      ),
    ],
    expected: [],
  },
  {
    // 40 connections (source ports 50000..50039) from one address to 10.0.1.10:22 in one window:
    // 40 ≥ 30 (low), < 100.
    name: 'brute force: 40 SSH connections',
    detection: 'brute-force-login',
    records: range(40, (i) =>
      rec('eni-a', '198.51.100.20', '10.0.1.10', 50000 + i, 22, 6, 'ACCEPT', T + i * 5),
    ),
    expected: [
      {
        entity: '10.0.1.10:22',
        severity: 'low',
        start: T,
        end: T + 195,
        evidenceCount: 40,
        windows: [T],
        peers: ['198.51.100.20'],
      },
    ],
  },
  {
    // Look-alike: one SSH session (one source port) logged every minute for 40 minutes on both ENIs: one
    // connection per window, never 30.
    name: 'brute force look-alike: one long session recorded on both ends',
    detection: 'brute-force-login',
    records: range(40, (i) => [
      rec('eni-a', '10.0.7.7', '10.0.1.10', 50000, 22, 6, 'ACCEPT', T + i * 60),
      rec('eni-b', '10.0.7.7', '10.0.1.10', 50000, 22, 6, 'ACCEPT', T + i * 60),
    ]).flat(),
    expected: [],
  },
  {
    // Look-alike in the default format (no tcp-flags): an app host 10.0.3.21 opens a new connection to
    // 10.0.3.41:5432 per job, 60 in one window, all accepted and small. From one of our own (private) addresses
    // an accepted connection without tcp-flags is not an attempt: nothing is reported. Its 5 rejected ones would
    // count (rejected attempts count from anywhere), but 5 < 30.
    name: 'brute force look-alike: an app host’s short database connections, default format',
    detection: 'brute-force-login',
    records: [
      ...range(60, (i) => rec('eni-d', '10.0.3.21', '10.0.3.41', 42000 + i, 5432, 6, 'ACCEPT', T + i * 9)),
      ...range(5, (i) => rec('eni-d', '10.0.3.21', '10.0.3.41', 43000 + i, 5432, 6, 'REJECT', T + 100 + i)),
    ],
    expected: [],
  },
  {
    // Default format: 32 rejected connections from the private 10.0.7.7 to 10.0.1.10:22 count (rejected attempts
    // count from anywhere): 32 ≥ 30 (low). The same host's 40 accepted ones beside them do not (private
    // source, no tcp-flags), so the count is 32, not 72.
    name: 'brute force from inside, default format: the rejected attempts count, the accepted ones do not',
    detection: 'brute-force-login',
    records: [
      ...range(32, (i) => rec('eni-a', '10.0.7.7', '10.0.1.10', 50000 + i, 22, 6, 'REJECT', T + i * 5)),
      ...range(40, (i) => rec('eni-a', '10.0.7.7', '10.0.1.10', 51000 + i, 22, 6, 'ACCEPT', T + 200 + i)),
    ],
    expected: [
      {
        entity: '10.0.1.10:22',
        severity: 'low',
        start: T,
        end: T + 155,
        evidenceCount: 32,
        windows: [T],
        peers: ['10.0.7.7'],
      },
    ],
  },
  {
    // 10.0.4.7 reaches 60 public hosts on 8080: 60 distinct address:port pairs ≥ 50 (medium).
    name: 'outbound scan: an internal host probing 60 public hosts',
    detection: 'outbound-scan',
    records: range(60, (i) =>
      rec('eni-c', '10.0.4.7', `198.51.100.${i + 1}`, 40000 + i, 8080, 6, 'ACCEPT', T + i),
    ),
    expected: [
      {
        entity: '10.0.4.7',
        severity: 'medium',
        start: T,
        end: T + 59,
        evidenceCount: 60,
        windows: [T],
        // byte order of 198.51.100.1..60: 1, 10..19, 2, 20..27 are the first 20
        peers: [
          '198.51.100.1',
          ...range(10, (i) => `198.51.100.1${i}`),
          '198.51.100.2',
          ...range(8, (i) => `198.51.100.2${i}`),
        ],
        morePeers: true,
      },
    ],
  },
  {
    // Look-alikes: browsing 100 sites on 443, and a server answering 100 internet clients from port 22 (source
    // port below 1024): both outside the filter. Also 60 private destinations: not outward.
    name: 'outbound scan look-alike: browsing, a server answering, internal peers',
    detection: 'outbound-scan',
    records: [
      ...range(100, (i) =>
        rec('eni-c', '10.0.4.8', `198.51.100.${i + 1}`, 40000 + i, 443, 6, 'ACCEPT', T + i),
      ),
      ...range(100, (i) => rec('eni-c', '10.0.4.9', `203.0.113.${i + 1}`, 22, 20000 + i, 6, 'ACCEPT', T + i)),
      ...range(60, (i) => rec('eni-c', '10.0.4.10', `10.0.8.${i + 1}`, 40000 + i, 8080, 6, 'ACCEPT', T + i)),
    ],
    expected: [],
  },
  {
    // IPv6 outward: fd00::5 (unique local, private) to 50 global addresses on 25 → medium (50).
    name: 'outbound scan over IPv6',
    detection: 'outbound-scan',
    records: range(50, (i) =>
      rec('eni-c', 'fd00::5', `2001:db8::${(i + 1).toString(16)}`, 40000, 25, 6, 'ACCEPT', T + i),
    ),
    expected: [
      {
        entity: 'fd00::5',
        severity: 'medium',
        start: T,
        end: T + 49,
        evidenceCount: 50,
        windows: [T],
        // destinations ::1..::32 (hex); byte order: ::1, ::10..::1f (16), ::2, ::20, ::21 are the first 20
        peers: [
          '2001:db8::1',
          ...range(16, (i) => `2001:db8::1${i.toString(16)}`),
          '2001:db8::2',
          '2001:db8::20',
          '2001:db8::21',
        ],
        morePeers: true,
      },
    ],
  },
  {
    // A VPC's IPv6 addresses are global, so $private does not cover them. With flow-direction (v5), the egress
    // records of 2600:1f18:4a3:6b01::7 (a VPC address) to 60 global addresses on 22 are ours going out:
    // 60 pairs ≥ 50 (medium). The 60 ingress records of an internet host 2001:db8:bad::1 sweeping 60 VPC
    // addresses on 22 are not (not egress, not private, not homeNet).
    name: 'outbound scan over IPv6 from a VPC address, told by flow-direction egress',
    detection: 'outbound-scan',
    header: `${HEADER} flow-direction`,
    records: [
      ...range(60, (i) =>
        v5(`2600:1f18:4a3:6b01::7`, `2001:db8:1::${(i + 1).toString(16)}`, 40000 + i, 22, T + i, 'egress'),
      ),
      ...range(60, (i) =>
        v5('2001:db8:bad::1', `2600:1f18:4a3:6b01::${(i + 1).toString(16)}`, 50000, 22, T + i, 'ingress'),
      ),
    ],
    expected: [
      {
        entity: '2600:1f18:4a3:6b01::7',
        severity: 'medium',
        start: T,
        end: T + 59,
        evidenceCount: 60,
        windows: [T],
        // ::1..::3c (hex); byte order: ::1, ::10..::1f (16), ::2, ::20, ::21 are the first 20
        peers: [
          '2001:db8:1::1',
          ...range(16, (i) => `2001:db8:1::1${i.toString(16)}`),
          '2001:db8:1::2',
          '2001:db8:1::20',
          '2001:db8:1::21',
        ],
        morePeers: true,
      },
    ],
  },
  {
    // The same outward IPv6 scan in the default format (no flow-direction) and no homeNet: nothing tells the VPC
    // address from an internet one, so it is not reported (the inbound sweep would look the same). detect says
    // so in a note (test/detect/home-net.test.ts).
    name: 'outbound scan over IPv6 without flow-direction or homeNet is not reported',
    detection: 'outbound-scan',
    records: range(60, (i) =>
      rec(
        'eni-c',
        '2600:1f18:4a3:6b01::7',
        `2001:db8:1::${(i + 1).toString(16)}`,
        40000 + i,
        22,
        6,
        'ACCEPT',
        T + i,
      ),
    ),
    expected: [],
  },
  {
    // With homeNet listing the VPC's IPv6 block, the default-format records are ours going out: medium (60). The
    // internet host sweeping 60 VPC addresses: its destinations are homeNet, so not "the internet".
    // Trino: the local engine tests IPv6 blocks of /16 or shorter only (to-sql.ts, ipv6Trino), so not there.
    name: 'outbound scan over IPv6 with homeNet in flowwatch.yaml',
    detection: 'outbound-scan',
    config: 'homeNet: [10.0.0.0/8, 2600:1f18:4a3:6b00::/56]\n',
    skip: ['trino'],
    records: [
      ...range(60, (i) =>
        rec(
          'eni-c',
          '2600:1f18:4a3:6b01::7',
          `2001:db8:1::${(i + 1).toString(16)}`,
          40000 + i,
          22,
          6,
          'ACCEPT',
          T + i,
        ),
      ),
      ...range(60, (i) =>
        rec(
          'eni-c',
          '2001:db8:bad::1',
          `2600:1f18:4a3:6b01::${(i + 1).toString(16)}`,
          50000,
          22,
          6,
          'REJECT',
          T + i,
        ),
      ),
    ],
    expected: [
      {
        entity: '2600:1f18:4a3:6b01::7',
        severity: 'medium',
        start: T,
        end: T + 59,
        evidenceCount: 60,
        windows: [T],
        peers: [
          '2001:db8:1::1',
          ...range(16, (i) => `2001:db8:1::1${i.toString(16)}`),
          '2001:db8:1::2',
          '2001:db8:1::20',
          '2001:db8:1::21',
        ],
        morePeers: true,
      },
    ],
  },
  {
    // GRE (47) accepted 3 times from 10.0.5.5 to 10.0.6.6 (low ≥ 1); a rejected GRE record and ICMP do not count.
    name: 'unusual protocol: GRE accepted',
    detection: 'unusual-protocol',
    records: [
      ...range(3, (i) => rec('eni-d', '10.0.5.5', '10.0.6.6', 0, 0, 47, 'ACCEPT', T + 60 * i)),
      rec('eni-d', '10.0.5.5', '10.0.6.7', 0, 0, 47, 'REJECT', T),
      rec('eni-d', '10.0.5.5', '10.0.6.6', 0, 0, 1, 'ACCEPT', T),
    ],
    expected: [
      {
        entity: '10.0.5.5',
        severity: 'low',
        start: T,
        end: T + 120,
        evidenceCount: 3,
        windows: [T],
        peers: ['10.0.6.6'],
      },
    ],
  },
  {
    // Three accepted requests to 10.0.1.10:443 whose replies (reversed 5-tuple, same ENI, same window) were
    // rejected: 3 matched replies (low ≥ 1). A plain rejected probe without a request, and a rejected reply
    // on another ENI, do not pair.
    name: 'NACL reply drop: accepted requests, rejected replies',
    detection: 'nacl-reply-drop',
    records: [
      ...range(3, (i) =>
        rec('eni-web', '198.51.100.7', '10.0.1.10', 40001 + i, 443, 6, 'ACCEPT', T + 10 * i),
      ),
      ...range(3, (i) =>
        rec('eni-web', '10.0.1.10', '198.51.100.7', 443, 40001 + i, 6, 'REJECT', T + 10 * i + 1),
      ),
      rec('eni-web', '203.0.113.9', '10.0.1.10', 40000, 22, 6, 'REJECT', T),
      rec('eni-web', '198.51.100.8', '10.0.1.10', 40100, 443, 6, 'ACCEPT', T),
      rec('eni-other', '10.0.1.10', '198.51.100.8', 443, 40100, 6, 'REJECT', T),
    ],
    expected: [
      {
        entity: 'eni-web:10.0.1.10',
        severity: 'low',
        start: T + 1,
        end: T + 21,
        evidenceCount: 3,
        windows: [T],
        peers: ['198.51.100.7'],
      },
    ],
  },
  {
    // Look-alike: request and reply both accepted (a working connection).
    name: 'NACL reply drop look-alike: replies accepted',
    detection: 'nacl-reply-drop',
    records: [
      rec('eni-web', '198.51.100.7', '10.0.1.10', 40001, 443, 6, 'ACCEPT', T),
      rec('eni-web', '10.0.1.10', '198.51.100.7', 443, 40001, 6, 'ACCEPT', T),
    ],
    expected: [],
  },
  {
    // Two SKIPDATA records of eni-s in the hour starting at T (low ≥ 1), none for eni-t (its OK record).
    name: 'SKIPDATA records',
    detection: 'skipdata',
    records: [
      `2 111122223333 eni-s - - - - - - - ${T + 60} ${T + 119} - SKIPDATA`,
      `2 111122223333 eni-s - - - - - - - ${T + 600} ${T + 659} - SKIPDATA`,
      rec('eni-t', '10.0.1.1', '10.0.1.2', 40000, 80, 6, 'ACCEPT', T),
    ],
    expected: [
      { entity: 'eni-s', severity: 'low', start: T + 60, end: T + 600, evidenceCount: 2, windows: [T] },
    ],
  },
  {
    // A user's own definition: bytes sent per source per hour, low at 1e9. 10.0.6.1 sends 2 × 600 MB = 1.2e9;
    // 10.0.6.2 sends 900 MB.
    name: 'user-defined: large upload by sum of bytes',
    detection: 'large-upload',
    config: `detections:
  large-upload:
    kind: threshold
    title: Large upload
    window: 3600
    groupBy: [srcaddr]
    filter: { action: ACCEPT }
    metric: { sum: bytes }
    thresholds: { low: 1000000000 }
`,
    records: [
      rec('eni-e', '10.0.6.1', '198.51.100.1', 40000, 443, 6, 'ACCEPT', T, 600_000_000),
      rec('eni-e', '10.0.6.1', '198.51.100.2', 40001, 443, 6, 'ACCEPT', T + 1800, 600_000_000),
      rec('eni-e', '10.0.6.2', '198.51.100.1', 40002, 443, 6, 'ACCEPT', T, 900_000_000),
    ],
    expected: [
      { entity: '10.0.6.1', severity: 'low', start: T, end: T + 1800, evidenceCount: 2, windows: [T] },
    ],
  },
  {
    // Known-bad (intel): 198.51.100.0/24 and 2001:db8:bad::1 are listed. 10.0.1.5 reaches 198.51.100.7:443 and
    // is answered (both accepted): the request is outbound to a listed address (rank 3), the reply inbound from
    // it (rank 2); one group (10.0.1.5, 198.51.100.7), window T, peak 3 → high, 2 records. A rejected IPv6 probe
    // from 2001:db8:bad::1 to 2001:db8:1::10 (rank 1) → low. 198.51.101.7, one address past the /24, and
    // 2001:db8:bad::2, next to the listed /128, are not listed: nothing for 10.0.1.6.
    name: 'known-bad: accepted outbound is high, a rejected inbound probe low, neighbours not listed',
    detection: 'known-bad-address',
    indicators: ['# test list', '198.51.100.0/24', '2001:db8:bad::1'],
    records: [
      rec('eni-k', '10.0.1.5', '198.51.100.7', 40000, 443, 6, 'ACCEPT', T + 10),
      rec('eni-k', '198.51.100.7', '10.0.1.5', 443, 40000, 6, 'ACCEPT', T + 10),
      rec('eni-k', '10.0.1.6', '198.51.101.0', 40001, 443, 6, 'ACCEPT', T + 20),
      rec('eni-k', '2001:db8:bad::2', '10.0.1.6', 40002, 22, 6, 'REJECT', T + 30),
      rec('eni-k', '2001:db8:bad::1', '2001:db8:1::10', 40003, 22, 6, 'REJECT', T + 100),
    ],
    expected: [
      {
        entity: '10.0.1.5',
        severity: 'high',
        start: T + 10,
        end: T + 10,
        evidenceCount: 2,
        windows: [T],
        peers: ['198.51.100.7'],
      },
      {
        entity: '2001:db8:1::10',
        severity: 'low',
        start: T + 100,
        end: T + 100,
        evidenceCount: 1,
        windows: [T],
        peers: ['2001:db8:bad::1'],
      },
    ],
  },
  {
    // Known-bad, inbound accepted: 203.0.113.66 (in the listed 203.0.113.64/26) reaches 10.0.2.9:443 at T+100 and
    // again at T+3700 (next hour window, within the quiet hour): one episode of two windows. The listed address
    // started these connections (its port 50000 > 443), so its requests and 10.0.2.9's accepted reply (from 443
    // to 50000: a reply, not an outbound contact) all rank 2 → medium. 203.0.113.63 is just outside the /26.
    name: 'known-bad: accepted inbound from a listed CIDR is medium, across two windows',
    detection: 'known-bad-address',
    indicators: ['203.0.113.64/26'],
    records: [
      rec('eni-k', '203.0.113.66', '10.0.2.9', 50000, 443, 6, 'ACCEPT', T + 100),
      rec('eni-k', '10.0.2.9', '203.0.113.66', 443, 50000, 6, 'ACCEPT', T + 100),
      rec('eni-k', '203.0.113.66', '10.0.2.9', 50001, 443, 6, 'ACCEPT', T + 3700),
      rec('eni-k', '203.0.113.63', '10.0.2.9', 50002, 443, 6, 'ACCEPT', T + 3700),
    ],
    expected: [
      {
        entity: '10.0.2.9',
        severity: 'medium',
        start: T + 100,
        end: T + 3700,
        evidenceCount: 3,
        windows: [T, T + 3600],
        peers: ['203.0.113.66'],
      },
    ],
  },
  {
    // A sweep of empty address space (default format: no tcp-flags): 10.0.9.9 sends one SYN (1 packet, 60 bytes)
    // to 445 on 10.0.10.1..6, accepted by its security group and answered by nobody: 6 hosts ≥ 5 (low). The
    // monitor 10.0.9.10 reaches 10.0.10.1..8 on 9100 with data (12 packets, 1800 bytes): not a probe.
    name: 'horizontal sweep: unanswered SYNs to empty addresses (no tcp-flags field)',
    detection: 'horizontal-sweep',
    records: [
      ...range(6, (i) =>
        rec('eni-s', '10.0.9.9', `10.0.10.${i + 1}`, 40000 + i, 445, 6, 'ACCEPT', T + i * 30),
      ),
      ...range(8, (i) =>
        recP('eni-m', '10.0.9.10', `10.0.10.${i + 1}`, 41000 + i, 9100, 'ACCEPT', T + i, 12, 1800),
      ),
    ],
    expected: [
      {
        entity: '10.0.9.9',
        severity: 'low',
        start: T,
        end: T + 150,
        evidenceCount: 6,
        windows: [T],
        peers: range(6, (i) => `10.0.10.${i + 1}`),
      },
    ],
  },
  {
    // With tcp-flags: 10.0.9.9's bare SYNs (flags 2, 1 packet) to 6379 on 5 hosts count (5 ≥ 5, low). Idle
    // connections' keepalives (flags 0, 2 packets) from 10.0.9.11 and the opening records of long connections
    // with data (flags 2, 9 packets, 900 bytes) from 10.0.9.12, each to 8 hosts on 9042, do not.
    name: 'horizontal sweep with tcp-flags: bare SYNs count, keepalives and opened connections do not',
    detection: 'horizontal-sweep',
    header: HEADER_FLAGS,
    records: [
      ...range(5, (i) =>
        recF('eni-s', '10.0.9.9', `10.0.10.${i + 1}`, 40000 + i, 6379, 'ACCEPT', T + i * 10, 1, 60, 2),
      ),
      ...range(8, (i) =>
        recF('eni-s', '10.0.9.11', `10.0.10.${i + 1}`, 42000 + i, 9042, 'ACCEPT', T + i, 2, 104, 0),
      ),
      ...range(8, (i) =>
        recF('eni-s', '10.0.9.12', `10.0.10.${i + 1}`, 43000 + i, 9042, 'ACCEPT', T + i, 9, 900, 2),
      ),
    ],
    expected: [
      {
        entity: '10.0.9.9',
        severity: 'low',
        start: T,
        end: T + 40,
        evidenceCount: 5,
        windows: [T],
        peers: range(5, (i) => `10.0.10.${i + 1}`),
      },
    ],
  },
  {
    // Slow sweep: 10.0.9.20 refused on 22 by 10.0.11.1..12, one every 300 s from T (last T+3300): 2 per
    // 10-minute window (below horizontal-sweep's 5), 12 in the hour [T, T+3600) ≥ 10 (low). Peers in byte
    // order: .1, .10, .11, .12, .2 ... .9.
    name: 'slow horizontal sweep: one host every 5 minutes for an hour',
    detection: 'horizontal-sweep-slow',
    records: range(12, (i) =>
      rec('eni-s', '10.0.9.20', `10.0.11.${i + 1}`, 40000 + i, 22, 6, 'REJECT', T + i * 300),
    ),
    expected: [
      {
        entity: '10.0.9.20',
        severity: 'low',
        start: T,
        end: T + 3300,
        evidenceCount: 12,
        windows: [T],
        peers: [
          '10.0.11.1',
          '10.0.11.10',
          '10.0.11.11',
          '10.0.11.12',
          ...range(8, (i) => `10.0.11.${i + 2}`),
        ],
      },
    ],
  },
  {
    // The same slow sweep is under the 10-minute detection's threshold (2 hosts per window < 5).
    name: 'slow horizontal sweep: below the 10-minute window',
    detection: 'horizontal-sweep',
    records: range(12, (i) =>
      rec('eni-s', '10.0.9.20', `10.0.11.${i + 1}`, 40000 + i, 22, 6, 'REJECT', T + i * 300),
    ),
    expected: [],
  },
  {
    // Slow vertical scan: 203.0.113.77 refused on ports 1..20 of 10.0.1.10, one every 170 s (last T+3230): at most
    // 4 per 10-minute window (< 15), 20 in the hour ≥ 15 (low).
    name: 'slow vertical scan: 20 ports in an hour',
    detection: 'vertical-port-scan-slow',
    records: range(20, (i) =>
      rec('eni-a', '203.0.113.77', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 170),
    ),
    expected: [
      {
        entity: '10.0.1.10',
        severity: 'low',
        start: T,
        end: T + 3230,
        evidenceCount: 20,
        windows: [T],
        peers: ['203.0.113.77'],
      },
    ],
  },
  {
    // Brute force with tcp-flags: 35 short connections (SYN+FIN in one record, 15 packets, 3000 bytes) from
    // 198.51.100.20 to 10.0.1.10:22 → 35 ≥ 30 (low). The CI runner 198.51.100.30's 10 sessions move 50 kB each
    // (over 16 KiB: work, not guesses) and do not count.
    name: 'brute force with tcp-flags: short small connections count, sessions doing work do not',
    detection: 'brute-force-login',
    header: HEADER_FLAGS,
    records: [
      ...range(35, (i) =>
        recF('eni-a', '198.51.100.20', '10.0.1.10', 50000 + i, 22, 'ACCEPT', T + i * 10, 15, 3000, 3),
      ),
      ...range(10, (i) =>
        recF('eni-a', '198.51.100.30', '10.0.1.10', 52000 + i, 22, 'ACCEPT', T + i * 10, 80, 50000, 3),
      ),
    ],
    expected: [
      {
        entity: '10.0.1.10:22',
        severity: 'low',
        start: T,
        end: T + 340,
        evidenceCount: 35,
        windows: [T],
        peers: ['198.51.100.20'],
      },
    ],
  },
  {
    // Look-alike: a connection pool. App hosts 10.0.3.21 and .22 each keep 20 connections (ports 41000..41019)
    // to 10.0.3.41:5432; in this window each port writes a record mid-connection (flags 0, 6 packets, 700 bytes)
    // and 3 of them open (SYN without FIN: the connection outlives the record). 40 connections, but none opened
    // and closed in a record: no brute force (before, 40 ≥ 30 was a low finding).
    name: 'brute force look-alike: an app tier’s connection pool to its database (tcp-flags)',
    detection: 'brute-force-login',
    header: HEADER_FLAGS,
    records: [
      ...range(40, (i) =>
        recF(
          'eni-d',
          `10.0.3.${21 + (i % 2)}`,
          '10.0.3.41',
          41000 + Math.floor(i / 2),
          5432,
          'ACCEPT',
          T + i * 10,
          6,
          700,
          0,
        ),
      ),
      ...range(3, (i) =>
        recF('eni-d', '10.0.3.21', '10.0.3.41', 41100 + i, 5432, 'ACCEPT', T + 500 + i, 8, 900, 2),
      ),
    ],
    expected: [],
  },
  {
    // Look-alike without tcp-flags: 40 pooled connections each moving 30 kB a minute (over 16 KiB): no brute force.
    name: 'brute force look-alike: data-heavy pooled connections (no tcp-flags field)',
    detection: 'brute-force-login',
    records: range(40, (i) =>
      recP(
        'eni-d',
        `10.0.3.${21 + (i % 2)}`,
        '10.0.3.41',
        41000 + Math.floor(i / 2),
        5432,
        'ACCEPT',
        T + i * 10,
        30,
        30000,
      ),
    ),
    expected: [],
  },
  {
    // IPv6: 30 connections from 2001:db8:bad::9 to [2001:db8:1::10]:22 → 30 ≥ 30 (low). The entity brackets the
    // IPv6 address so its port is not read as a group of the address.
    name: 'brute force over IPv6: the entity is [address]:port',
    detection: 'brute-force-login',
    records: range(30, (i) =>
      rec('eni-a', '2001:db8:bad::9', '2001:db8:1::10', 50000 + i, 22, 6, 'ACCEPT', T + i * 10),
    ),
    expected: [
      {
        entity: '[2001:db8:1::10]:22',
        severity: 'low',
        start: T,
        end: T + 290,
        evidenceCount: 30,
        windows: [T],
        peers: ['2001:db8:bad::9'],
      },
    ],
  },
  {
    // Low and slow: one attempt every 150 s from 198.51.100.40 to 10.0.1.10:22 for an hour (24, last T+3450):
    // 4 per 10-minute window (< 30), 24 in the hour ≥ 20 (low). Internet noise: 30 single rejected probes of
    // 10.0.1.10:22 from 30 different addresses in the same hour — one connection per source: nothing.
    name: 'slow brute force: one SSH attempt every 150 s for an hour, not the noise of many sources',
    detection: 'brute-force-login-slow',
    records: [
      ...range(24, (i) =>
        rec('eni-a', '198.51.100.40', '10.0.1.10', 50000 + i, 22, 6, 'ACCEPT', T + i * 150),
      ),
      ...range(30, (i) =>
        rec('eni-a', `203.0.113.${100 + i}`, '10.0.1.10', 40000, 22, 6, 'REJECT', T + i * 100),
      ),
    ],
    expected: [
      {
        entity: '10.0.1.10:22',
        severity: 'low',
        start: T,
        end: T + 3450,
        evidenceCount: 24,
        windows: [T],
        peers: ['198.51.100.40'],
      },
    ],
  },
  {
    // Look-alike: site-to-site IPsec (ESP 50, AH 51) accepted all hour from a branch office: not unusual.
    name: 'unusual protocol look-alike: an IPsec VPN (ESP, AH)',
    detection: 'unusual-protocol',
    records: [
      ...range(5, (i) => rec('eni-v', '198.51.100.77', '10.0.5.9', 0, 0, 50, 'ACCEPT', T + 60 * i)),
      rec('eni-v', '198.51.100.77', '10.0.5.9', 0, 0, 51, 'ACCEPT', T),
    ],
    expected: [],
  },
  // --- beacon ---------------------------------------------------------------------------------------------
  // The day window is [D, D + 86400); T is 10:00 of that day. A beacon every 300 s for 12 h: 144 connections
  // (a new source port each), T .. T + 42900. They are the whole data, so lo = T, hi = T + 42900: 24 bins of
  // 1787.5 s hold 6 connections each (1787.5/300 = 5.96: bin b holds k = 6b .. 6b + 5, the last k = 143 too).
  // ts 1 (all deltas 300), ds 1 (all 640 B), hist 1 (CV 0), dur 1 (coverage 1) → score 1 → 100 → high.
  // The replies (from 443 to the client) go to a private address: out of scope.
  {
    name: 'beacon: every 300 s for 12 h, same size',
    detection: 'beacon',
    records: range(144, (i) => [
      rec('eni-b', '10.0.1.5', C2, 40000 + i, 443, 6, 'ACCEPT', T + i * 300, 640),
      rec('eni-b', C2, '10.0.1.5', 443, 40000 + i, 6, 'ACCEPT', T + i * 300, 1200),
    ]).flat(),
    expected: [
      {
        entity: '10.0.1.5',
        severity: 'high',
        start: T,
        end: T + 42_900,
        evidenceCount: 144,
        windows: [D],
        peers: [C2],
        // 42900 s = 11.92 h
        summary: 'every 300 s ± 0%, 640 B each, for 11.9 h (144 check-ins)',
      },
    ],
  },
  {
    // Sizes 400 and 600 alternating: median 500, MAD 100 → 0.8; hinges 400/500/600 → skew 0; ds = 0.9.
    // Score (1 + 0.9 + 1 + 1)/4 = 0.975 → 97.5: medium (≥ 90, < 100).
    name: 'beacon: every 300 s, sizes 400 and 600 B',
    detection: 'beacon',
    records: range(144, (i) =>
      rec('eni-b', '10.0.1.5', C2, 40000 + i, 443, 6, 'ACCEPT', T + i * 300, i % 2 === 0 ? 400 : 600),
    ),
    expected: [
      {
        entity: '10.0.1.5',
        severity: 'medium',
        start: T,
        end: T + 42_900,
        evidenceCount: 144,
        windows: [D],
        peers: [C2],
        summary: 'every 300 s ± 0%, 500 B each, for 11.9 h (144 check-ins)',
      },
    ],
  },
  {
    // Look-alike: one long download logged every 60 s for 12 h on one 5-tuple. Each record starts 1 s after the
    // previous one ended (gap 120 s): one connection, 1 timestamp < 4: not scored.
    name: 'beacon: one long connection logged every window is not a beacon',
    detection: 'beacon',
    records: range(720, (i) => rec('eni-b', '10.0.1.5', C2, 51000, 443, 6, 'ACCEPT', T + i * 60, 90_000)),
    expected: [],
  },
  {
    // An update mirror: 10.0.2.1..4 poll 203.0.113.80:443 every 1024 s (42 polls, T + h .. T + 41984 + h);
    // 10.0.2.9 beacons as in the first case. 5 sources; the mirror is reached by 4 of them (80 % > 50 %, ≥ 3):
    // shared, not a beacon. The C2 is reached by 1 of 5. lo = T, hi = T + 42900 (the beacon's last): the
    // beacon scores 1 as above.
    name: 'beacon: a mirror every host polls is shared, not a beacon; the beacon beside it is',
    detection: 'beacon',
    records: [
      ...range(4, (h) =>
        range(42, (k) =>
          rec('eni-n', `10.0.2.${h + 1}`, MIRROR, 33000 + k, 443, 6, 'ACCEPT', T + k * 1024 + h + 1, 76),
        ),
      ).flat(),
      ...range(144, (i) => rec('eni-n', '10.0.2.9', C2, 40000 + i, 443, 6, 'ACCEPT', T + i * 300, 640)),
    ],
    expected: [
      {
        entity: '10.0.2.9',
        severity: 'high',
        start: T,
        end: T + 42_900,
        evidenceCount: 144,
        windows: [D],
        peers: [C2],
        summary: 'every 300 s ± 0%, 640 B each, for 11.9 h (144 check-ins)',
      },
    ],
  },
  {
    // The same records with the prevalence rule off (percent 100: nothing is more than 100 %): each mirror pair
    // is a perfect series too. Host h: ts 1 (deltas 1024), ds 1 (76 B), hist: every 1787.5 s bin holds 1 or 2
    // polls (1024 < 1787.5), 24 non-empty bars, bin width ceil(2 × 0.05) = 1 → fit 24/23 → 1; dur: run 24 → 1.
    // Score 1: high. 41984 s = 11.66 h.
    name: 'beacon: with prevalence off, the mirror polls score as beacons',
    detection: 'beacon',
    config: 'detections:\n  beacon:\n    prevalence: { percent: 100 }\n',
    records: [
      ...range(4, (h) =>
        range(42, (k) =>
          rec('eni-n', `10.0.2.${h + 1}`, MIRROR, 33000 + k, 443, 6, 'ACCEPT', T + k * 1024 + h + 1, 76),
        ),
      ).flat(),
      ...range(144, (i) => rec('eni-n', '10.0.2.9', C2, 40000 + i, 443, 6, 'ACCEPT', T + i * 300, 640)),
    ],
    expected: [
      ...range(4, (h) => ({
        entity: `10.0.2.${h + 1}`,
        severity: 'high' as const,
        start: T + h + 1,
        end: T + 41_984 + h + 1,
        evidenceCount: 42,
        windows: [D],
        peers: [MIRROR],
        summary: 'every 1024 s ± 0%, 76 B each, for 11.7 h (42 check-ins)',
      })),
      {
        entity: '10.0.2.9',
        severity: 'high',
        start: T,
        end: T + 42_900,
        evidenceCount: 144,
        windows: [D],
        peers: [C2],
        summary: 'every 300 s ± 0%, 640 B each, for 11.9 h (144 check-ins)',
      },
    ],
  },
  {
    // NTP from one host, every 1024 s for 12 h: its only source reaches the server (1 < minSources 3, so not
    // shared), but the built-in allows destination port 123.
    name: 'beacon: NTP is allowed by port',
    detection: 'beacon',
    records: range(42, (k) =>
      rec('eni-n', '10.0.2.1', '203.0.113.123', 33000 + k, 123, 17, 'ACCEPT', T + k * 1024, 76),
    ),
    expected: [],
  },
  {
    // Load-balancer health checks every 30 s to a private address: out of scope (destination $private).
    name: 'beacon: internal health checks are not beacons',
    detection: 'beacon',
    records: range(1440, (i) =>
      rec('eni-l', '10.0.0.5', '10.0.1.10', 30000 + i, 8080, 6, 'ACCEPT', T + i * 30),
    ),
    expected: [],
  },
  // --- interface-stopped-logging (kind silence) --------------------------------------------------------------
  // Windows of 900 s: W0 = [T, T+900), W1, W2, W3. eni-lb (10.0.1.10) fronts eni-app (10.0.2.20), which uses
  // eni-db (10.0.3.30); the LB also serves an internet client and the DB an unmonitored host, all hour. Own
  // addresses (most records): eni-lb 10.0.1.10 (92 vs 68 for the app's), eni-db 10.0.3.30 (90 vs 66), eni-app
  // 10.0.2.20 (14 vs 8 and 6). In W1 and W2 eni-app writes nothing while eni-lb logs a health-check reply
  // from 10.0.2.20 every minute (15 per window) and eni-db a query from it (15): 30 records per window ≥ 10
  // (medium), < 100. W3: eni-app logs again. One episode, W1..W2: first evidence T+900, last T+900+29·60.
  {
    name: 'stopped logging: the app interface writes nothing while the LB and the DB log its traffic',
    detection: 'interface-stopped-logging',
    records: [
      ...silenceBefore(),
      ...range(30, (m) => [
        ...conv('eni-lb', LB, APP, 40000, 8080, T + 900 + 60 * m),
        ...conv('eni-db', APP, DB, 41000, 5432, T + 900 + 60 * m),
      ]).flat(),
      ...conv('eni-app', LB, APP, 40000, 8080, T + 2700),
      ...conv('eni-lb', LB, APP, 40000, 8080, T + 2700),
    ],
    expected: [
      {
        entity: 'eni-app',
        severity: 'medium',
        start: T + 900,
        end: T + 900 + 29 * 60,
        evidenceCount: 60,
        windows: [T + 900, T + 1800],
        peers: ['eni-db', 'eni-lb'],
      },
    ],
  },
  {
    // As above, but eni-app writes one SKIPDATA record in W1: it is still logging there (skipdata reports
    // that), so only W2 is silent: 30 records, T+1800 .. T+2640.
    name: 'stopped logging: a SKIPDATA record is not silence',
    detection: 'interface-stopped-logging',
    records: [
      ...silenceBefore(),
      `2 111122223333 eni-app - - - - - - - ${T + 900} ${T + 959} - SKIPDATA`,
      ...range(30, (m) => [
        ...conv('eni-lb', LB, APP, 40000, 8080, T + 900 + 60 * m),
        ...conv('eni-db', APP, DB, 41000, 5432, T + 900 + 60 * m),
      ]).flat(),
    ],
    expected: [
      {
        entity: 'eni-app',
        severity: 'medium',
        start: T + 1800,
        end: T + 900 + 29 * 60,
        evidenceCount: 30,
        windows: [T + 1800],
        peers: ['eni-db', 'eni-lb'],
      },
    ],
  },
  {
    // Look-alike: the app goes quiet (at night) or is stopped/deleted. eni-app writes nothing in W1 and W2; the
    // LB keeps sending health checks to 10.0.2.20 (srcaddr 10.0.1.10) and nothing comes back. No record from
    // 10.0.2.20 anywhere: no evidence, no finding. (eni-lb: 10.0.1.10 in 60 records, 10.0.2.20 in 36.)
    name: 'stopped logging look-alike: a quiet, stopped or deleted interface (nothing sent from its address)',
    detection: 'interface-stopped-logging',
    records: [
      ...silenceBefore(),
      ...range(30, (m) => rec('eni-lb', LB, APP, 40000 + m, 8080, 6, 'ACCEPT', T + 900 + 60 * m)),
    ],
    expected: [],
  },
  {
    // Look-alike: the address moves to a new interface (an instance replaced): eni-app2 owns 10.0.2.20 (it is in
    // all 120 of its records) and logs in W1 and W2, so the address is not silent there.
    name: 'stopped logging look-alike: the address moved to a new interface',
    detection: 'interface-stopped-logging',
    records: [
      ...silenceBefore(),
      ...range(30, (m) => [
        ...conv('eni-lb', LB, APP, 40000, 8080, T + 900 + 60 * m),
        ...conv('eni-db', APP, DB, 41000, 5432, T + 900 + 60 * m),
        ...conv('eni-app2', LB, APP, 40000, 8080, T + 900 + 60 * m),
        ...conv('eni-app2', APP, DB, 41000, 5432, T + 900 + 60 * m),
      ]).flat(),
    ],
    expected: [],
  },
  {
    // With flow-direction (v5): eni-app talks to the LB only, so without it 10.0.1.10 and 10.0.2.20 tie in its 6
    // records (and byte order would pick the LB's). Ingress records count their dstaddr, egress their srcaddr:
    // eni-app owns 10.0.2.20 (6), eni-lb 10.0.1.10 (6 + 60). W1, W2: the LB logs the app's replies every
    // minute (15 per window, medium); eni-app is silent. Peers: eni-lb only.
    name: 'stopped logging: flow-direction tells an interface talking to one peer from that peer',
    detection: 'interface-stopped-logging',
    header: `${HEADER} flow-direction`,
    records: [
      ...range(3, (k) => [
        dir('eni-app', LB, APP, 40000, 8080, T + 300 * k, 'ingress'),
        dir('eni-app', APP, LB, 8080, 40000, T + 300 * k, 'egress'),
        dir('eni-lb', LB, APP, 40000, 8080, T + 300 * k, 'egress'),
        dir('eni-lb', APP, LB, 8080, 40000, T + 300 * k, 'ingress'),
      ]).flat(),
      ...range(30, (m) => [
        dir('eni-lb', LB, APP, 40000, 8080, T + 900 + 60 * m, 'egress'),
        dir('eni-lb', APP, LB, 8080, 40000, T + 900 + 60 * m, 'ingress'),
      ]).flat(),
    ],
    expected: [
      {
        entity: 'eni-app',
        severity: 'medium',
        start: T + 900,
        end: T + 900 + 29 * 60,
        evidenceCount: 30,
        windows: [T + 900, T + 1800],
        peers: ['eni-lb'],
      },
    ],
  },
];
