// Logs Insights conformance table: queries over the hand-made datasets with hand-worked expected rows or errors.
//
// Every expected value was worked out by hand from datasets.ts, the spec digest
// (../shared/spec/logs-insights.md) and the Logs Insights decisions in docs/decisions/08-logs-insights.md (cited as "Dn"), never by running the engine.
// Conventions: numbers as JS numbers, strings as strings, timestamps 'YYYY-MM-DD HH:MM:SS.mmm' (UTC),
// booleans true/false, missing values null. Error spans are 0-based offsets into the query, end exclusive.
//
// Default row order (D3): newest @timestamp first, ties in ingestion (line) order. On "default" that is
//   D13 D12 D11 D14 D10 D9 D8 D7 D6 D5 D4 D3 D2 D1 D0
// and on "custom" (ties C12/C13, C8/C9, C0/C1)
//   C17 C16 C15 C14 C12 C13 C11 C10 C8 C9 C7 C6 C5 C4 C3 C2 C0 C1.
// Natural order (D2): digit runs compare by length then value, so 8.8.8.8 < 10.0.1.5 < 10.0.1.20 < 192.168.5.5,
// eni-a1 < eni-a2 < eni-a10 < eni-b7, 203.0.113.9 < 2001:db8:… ; strings that are numbers ("22", "443") come
// after all other strings and compare numerically.

import { CUSTOM_LINES, type DatasetName, DEFAULT_LINES, NINE_LINES } from './datasets.js';

export interface RowsCase {
  readonly name: string;
  readonly dataset: DatasetName;
  readonly query: string;
  readonly expect: { readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] };
}

export interface ErrorCase {
  readonly name: string;
  /** Store to run against; "default" when absent. */
  readonly dataset?: DatasetName;
  readonly query: string;
  readonly error: { readonly code: string; readonly start?: number; readonly end?: number };
}

export type InsightsCase = RowsCase | ErrorCase;

export const isErrorCase = (c: InsightsCase): c is ErrorCase => 'error' in c;

/** A timestamp on 2024-05-20, the day of every dataset. */
const T = (hms: string) => `2024-05-20 ${hms}.000`;
const DAY = '2024-05-20 00:00:00.000';
const D = DEFAULT_LINES;
const C = CUSTOM_LINES;
const N = NINE_LINES;

/** The spec's parse sample (§7.2) over the "nine" format: every field becomes a string. */
const NINE_PARSE =
  'parse @message "* * * * * * * * *" as ver, src, dst, sport, dport, proto, nbytes, act, dir';

export const CASES: readonly InsightsCase[] = [
  // ------------------------------------------------------------------------------------------------
  // fields
  // ------------------------------------------------------------------------------------------------
  {
    name: 'fields: two fields, default order newest first, limit',
    dataset: 'default',
    query: 'fields srcAddr, dstAddr | limit 3',
    expect: {
      columns: ['srcAddr', 'dstAddr'],
      rows: [
        ['10.0.1.77', '198.51.100.8'], // D13 12:40:20
        ['10.0.1.20', '203.0.113.50'], // D12 12:40:00
        ['10.0.1.5', '198.51.100.7'], // D11 12:15:00
      ],
    },
  },
  {
    name: 'fields: several fields commands show the union in order of first appearance (D18)',
    dataset: 'default',
    query: 'fields srcAddr | fields dstAddr, srcAddr | filter protocol = 17',
    expect: {
      columns: ['srcAddr', 'dstAddr'],
      rows: [
        ['10.0.1.77', '198.51.100.8'], // D13
        ['10.0.1.20', '8.8.8.8'], // D5 10:30:01
        ['10.0.2.7', '10.0.1.5'], // D4 10:30:00
      ],
    },
  },
  {
    name: 'fields: computed expression with alias (exact divisions)',
    dataset: 'default',
    query: 'fields bytes / packets as avgSize | filter srcAddr = "10.0.1.5"',
    expect: { columns: ['avgSize'], rows: [[800], [200], [840]] }, // D11 9600/12, D7 1800/9, D0 8400/10
  },
  {
    name: 'fields: alias of a field used by later filter and stats',
    dataset: 'default',
    query: 'fields srcAddr as source | filter source like "203." | stats count(*) as n by source',
    expect: { columns: ['source', 'n'], rows: [['203.0.113.9', 4]] }, // D2 D3 D10 D14
  },
  {
    name: 'fields: a later fields command uses an earlier alias',
    dataset: 'default',
    query: 'fields bytes * 8 as bits | fields bits + 1 as b1 | filter dstPort = 8080',
    expect: { columns: ['bits', 'b1'], rows: [[7200, 7201]] }, // D9 bytes 900
  },
  {
    name: 'fields: a query with only filter shows @timestamp and @message',
    dataset: 'default',
    query: 'filter dstPort = 3389',
    expect: {
      columns: ['@timestamp', '@message'],
      rows: [
        [T('12:40:00'), D[12]],
        [T('10:05:30'), D[3]],
      ],
    },
  },
  {
    name: 'fields: limit alone shows @timestamp and @message, newest first',
    dataset: 'default',
    query: 'limit 2',
    expect: {
      columns: ['@timestamp', '@message'],
      rows: [
        [T('12:40:20'), D[13]],
        [T('12:40:00'), D[12]],
      ],
    },
  },
  {
    name: 'fields: equal timestamps come out in ingestion order (D3)',
    dataset: 'custom',
    query: 'fields @timestamp, @logStream | limit 6',
    expect: {
      columns: ['@timestamp', '@logStream'],
      rows: [
        [T('10:59:30'), 'eni-c4'], // C17
        [T('10:59:00'), 'eni-c2'], // C16
        [T('10:30:00'), 'eni-c1'], // C15
        [T('10:10:00'), 'eni-c3'], // C14
        [T('10:00:00'), 'eni-c2'], // C12 (line 14)
        [T('10:00:00'), 'eni-c3'], // C13 (line 15)
      ],
    },
  },
  {
    name: 'fields: tie at the oldest timestamp, line order',
    dataset: 'custom',
    query: 'filter startTime = 1716192060 | fields srcPort',
    expect: { columns: ['srcPort'], rows: [[51000], [51001]] }, // C0, C1
  },
  {
    name: 'fields: after stats, the stats columns then the new fields (D18)',
    dataset: 'default',
    query: 'stats sum(bytes) as b by action | fields b * 2 as b2',
    expect: {
      columns: ['action', 'b', 'b2'],
      rows: [
        ['ACCEPT', 31526, 63052],
        ['REJECT', 456, 912],
      ],
    },
  },

  // ------------------------------------------------------------------------------------------------
  // display
  // ------------------------------------------------------------------------------------------------
  {
    name: 'display: chooses and orders the columns',
    dataset: 'default',
    query: 'filter action = "REJECT" | display dstPort, srcAddr',
    expect: {
      columns: ['dstPort', 'srcAddr'],
      rows: [
        [80, '203.0.113.9'], // D14 12:00:30
        [22, '203.0.113.9'], // D10 12:00:00
        [0, '198.51.100.7'], // D8
        [3389, '203.0.113.9'], // D3
        [22, '203.0.113.9'], // D2
      ],
    },
  },
  {
    name: 'display: only the last display counts, over fields',
    dataset: 'default',
    query: 'fields srcAddr, bytes | filter action = "REJECT" | display bytes, srcAddr | display srcAddr',
    expect: {
      columns: ['srcAddr'],
      rows: [['203.0.113.9'], ['203.0.113.9'], ['198.51.100.7'], ['203.0.113.9'], ['203.0.113.9']],
    },
  },
  {
    name: 'display: after stats',
    dataset: 'default',
    query: 'stats count(*) as n by action | display n',
    expect: { columns: ['n'], rows: [[10], [5]] },
  },
  {
    name: 'display: @message is the original line (custom format)',
    dataset: 'custom',
    query: 'filter dstPort = 50500 | display @message',
    expect: { columns: ['@message'], rows: [[C[8]]] },
  },

  // ------------------------------------------------------------------------------------------------
  // filter and operators
  // ------------------------------------------------------------------------------------------------
  {
    name: 'operators: > on a number',
    dataset: 'default',
    query: 'filter bytes > 5000 | fields bytes',
    expect: { columns: ['bytes'], rows: [[9600], [8400]] },
  },
  {
    name: 'operators: >= includes the boundary',
    dataset: 'default',
    query: 'filter bytes >= 5000 | fields bytes',
    expect: { columns: ['bytes'], rows: [[9600], [5000], [8400]] }, // D11, D6, D0
  },
  {
    name: 'operators: < on a number',
    dataset: 'default',
    query: 'filter packets < 2 | fields interfaceId, packets',
    expect: {
      columns: ['interfaceId', 'packets'],
      rows: [
        ['eni-b7', 1], // D13
        ['eni-a2', 1], // D14
        ['eni-a2', 1], // D3
        ['eni-a2', 1], // D2
      ],
    },
  },
  {
    name: 'operators: <= and =',
    dataset: 'default',
    query: 'filter packets <= 2 and protocol = 6 | fields srcPort',
    expect: { columns: ['srcPort'], rows: [[51518], [51515], [51516], [51515]] }, // D14 D10 D3 D2
  },
  {
    name: 'operators: parenthesised condition (spec example form)',
    dataset: 'default',
    query: 'filter (bytes > 2000) | stats count(*) as n',
    expect: { columns: ['n'], rows: [[5]] }, // 8400 3200 5000 9600 2100
  },
  {
    name: 'operators: or',
    dataset: 'default',
    query: 'filter packets = 10 or bytes > 9000 | fields packets, bytes',
    expect: {
      columns: ['packets', 'bytes'],
      rows: [
        [12, 9600],
        [10, 8400],
      ],
    },
  },
  {
    name: 'operators: string literal in single quotes',
    dataset: 'default',
    query: "filter action = 'REJECT' | stats count(*) as n",
    expect: { columns: ['n'], rows: [[5]] },
  },
  {
    name: 'operators: != on strings with and',
    dataset: 'default',
    query: 'filter action != "ACCEPT" and srcAddr != "203.0.113.9" | fields srcAddr',
    expect: { columns: ['srcAddr'], rows: [['198.51.100.7']] }, // D8
  },
  {
    name: 'operators: < on strings',
    dataset: 'default',
    query: 'filter action < "B" | stats count(*) as n',
    expect: { columns: ['n'], rows: [[10]] }, // "ACCEPT" < "B" < "REJECT" in any string order
  },
  {
    name: 'operators: number field = numeric string compares numerically (D8)',
    dataset: 'default',
    query: 'filter dstPort = "22" | fields srcPort',
    expect: { columns: ['srcPort'], rows: [[51515], [40000], [51515]] }, // D10 D6 D2
  },
  {
    name: 'operators: string field = number is false when the string is not a number (D8)',
    dataset: 'default',
    query: 'filter action = 1 | fields action',
    expect: { columns: ['action'], rows: [] },
  },
  {
    name: 'operators: number field != non-numeric string compares the decimal text (D8)',
    dataset: 'default',
    query: 'filter protocol != "tcp" | stats count(*) as n',
    expect: { columns: ['n'], rows: [[15]] },
  },
  {
    name: 'operators: not binds to the comparison',
    dataset: 'default',
    query: 'filter not action = "ACCEPT" | stats count(*) as n',
    expect: { columns: ['n'], rows: [[5]] },
  },
  {
    name: 'operators: != drops records without the field (D7)',
    dataset: 'custom',
    query: 'filter dstPort != 22 | stats count(*) as n',
    expect: { columns: ['n'], rows: [[9]] }, // 13 with dstPort, 4 of them 22
  },
  {
    name: 'operators: not (x = v) keeps records without the field (D7)',
    dataset: 'custom',
    query: 'filter not dstPort = 22 | stats count(*) as n',
    expect: { columns: ['n'], rows: [[14]] }, // 18 - 4
  },
  {
    name: 'operators: or over fields missing in some records',
    dataset: 'custom',
    query: 'filter dstPort = 22 or trafficPath = 1 | stats count(*) as n',
    expect: { columns: ['n'], rows: [[5]] }, // C0 C3 C10 C17 + C14
  },
  {
    name: 'operators: not over a parenthesised or with ispresent',
    dataset: 'custom',
    query: 'filter not (dstPort = 22 or ispresent(trafficPath)) | stats count(*) as n',
    expect: { columns: ['n'], rows: [[10]] }, // 18 - 4 - 4 (disjoint)
  },
  {
    name: 'operators: or with not ispresent',
    dataset: 'custom',
    query: 'filter dstPort > 1000 or not ispresent(dstPort) | stats count(*) as n',
    expect: { columns: ['n'], rows: [[7]] }, // C2 C8 + 5 NODATA/SKIPDATA
  },
  {
    name: 'operators: and over two custom-format fields',
    dataset: 'custom',
    query: 'filter flowDirection = "egress" and trafficPath = 8 | stats sum(bytes) as b',
    expect: { columns: ['b'], rows: [[33720]] }, // C7 24000 + C9 9000 + C11 720
  },
  {
    name: 'operators: field compared with field; nulls never equal or unequal',
    dataset: 'custom',
    query: 'filter pktSrcAddr != srcAddr | fields srcAddr, pktSrcAddr',
    expect: { columns: ['srcAddr', 'pktSrcAddr'], rows: [['10.0.3.50', '10.0.2.9']] }, // C11 (NAT)
  },
  {
    name: 'operators: comparison as a value is a boolean, false on a missing field (D7)',
    dataset: 'custom',
    query: 'fields dstPort = 22 as ssh, ispresent(dstPort) as hasPort | limit 3',
    expect: {
      columns: ['ssh', 'hasPort'],
      rows: [
        [true, true], // C17
        [false, false], // C16 SKIPDATA
        [false, true], // C15 dstPort 0
      ],
    },
  },
  {
    name: 'operators: + - * % ^',
    dataset: 'default',
    query:
      'filter srcAddr = "10.0.1.5" | fields bytes + packets as a, bytes - packets as b, bytes * 2 as c, bytes % 7 as d, packets ^ 2 as e',
    expect: {
      columns: ['a', 'b', 'c', 'd', 'e'],
      rows: [
        [9612, 9588, 19200, 3, 144], // D11
        [1809, 1791, 3600, 1, 81], // D7
        [8410, 8390, 16800, 0, 100], // D0
      ],
    },
  },
  {
    name: 'operators: literals, ^ and % examples of the spec, * before +',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields 2 ^ 10 as p, 10 % 3 as m, 1 + 2 * 3 as x, (1 + 2) * 3 as y, packets + bytes * 2 as z',
    expect: { columns: ['p', 'm', 'x', 'y', 'z'], rows: [[1024, 1, 7, 9, 1806]] },
  },
  {
    name: 'operators: division by zero is null (D15)',
    dataset: 'default',
    query: 'filter protocol = 1 | fields bytes / dstPort as r',
    expect: { columns: ['r'], rows: [[null]] }, // D8 dstPort 0
  },
  {
    name: 'operators: like "text" is a literal substring test (the dots are not regex)',
    dataset: 'default',
    query: 'filter srcAddr like "0.1." | stats count(*) as n',
    expect: { columns: ['n'], rows: [[6]] }, // 10.0.1.5 x3, 10.0.1.20 x2, 10.0.1.77; not 203.0.113.9
  },
  {
    name: 'operators: like "text" is case-sensitive',
    dataset: 'default',
    query: 'filter action like "reject" | fields action',
    expect: { columns: ['action'], rows: [] },
  },
  {
    name: 'operators: like /regex/ with (?i)',
    dataset: 'default',
    query: 'filter action like /(?i)rej/ | stats count(*) as n',
    expect: { columns: ['n'], rows: [[5]] },
  },
  {
    name: 'operators: like /regex/ with an anchor',
    dataset: 'default',
    query: String.raw`filter interfaceId like /eni-a\d$/ | stats count(*) as n by interfaceId`,
    expect: {
      columns: ['interfaceId', 'n'],
      rows: [
        ['eni-a1', 5],
        ['eni-a2', 5],
      ],
    },
  },
  {
    name: 'operators: not like /regex/',
    dataset: 'default',
    query: String.raw`filter srcAddr not like /^10\./ | stats count(*) as n by srcAddr`,
    expect: {
      columns: ['srcAddr', 'n'],
      rows: [
        ['172.16.3.4', 1],
        ['198.51.100.7', 2],
        ['203.0.113.9', 4],
      ],
    },
  },
  {
    name: 'operators: not like "text"',
    dataset: 'default',
    query: 'filter action not like "ACC" | stats count(*) as n',
    expect: { columns: ['n'], rows: [[5]] },
  },
  {
    name: 'operators: =~ /regex/',
    dataset: 'default',
    query: String.raw`filter dstAddr =~ /\.5$/ | stats count(*) as n by dstAddr`,
    expect: {
      columns: ['dstAddr', 'n'],
      rows: [
        ['10.0.1.5', 4],
        ['192.168.5.5', 1],
      ],
    },
  },
  {
    name: 'operators: like on @message',
    dataset: 'custom',
    query: 'filter @message like "NODATA" | stats count(*) as n',
    expect: { columns: ['n'], rows: [[2]] }, // C5 C13
  },
  {
    name: 'operators: in with strings matches whole values only',
    dataset: 'default',
    query: 'filter srcAddr in ["10.0.1", "10.0.1.5"] | stats count(*) as n',
    expect: { columns: ['n'], rows: [[3]] }, // D0 D7 D11
  },
  {
    name: 'operators: in with numbers',
    dataset: 'default',
    query: 'filter protocol in [17, 1] | fields protocol, dstPort',
    expect: {
      columns: ['protocol', 'dstPort'],
      rows: [
        [17, 123], // D13
        [1, 0], // D8
        [17, 53], // D5
        [17, 53], // D4
      ],
    },
  },
  {
    name: 'operators: not in with mixed types on a number field (D8)',
    dataset: 'default',
    query: 'filter dstPort not in ["443", 22, "http"] | stats count(*) as n',
    expect: { columns: ['n'], rows: [[10]] }, // drops 443 x2 and 22 x3
  },
  {
    name: 'operators: in with mixed types on a string field (D8)',
    dataset: 'default',
    query: 'filter action in [1, "ACCEPT"] | stats count(*) as n',
    expect: { columns: ['n'], rows: [[10]] },
  },
  {
    name: 'operators: a number used as a condition is true when non-zero (D14)',
    dataset: 'default',
    query: 'filter strcontains(srcAddr, "203.0.113") | stats count(*) as n',
    expect: { columns: ['n'], rows: [[4]] },
  },
  {
    name: 'operators: isempty as a condition is true on missing values',
    dataset: 'custom',
    query: 'filter isempty(pktSrcAddr) | stats count(*) as n',
    expect: { columns: ['n'], rows: [[5]] },
  },

  // ------------------------------------------------------------------------------------------------
  // stats and aggregates
  // ------------------------------------------------------------------------------------------------
  {
    name: 'stats: count(*) unaliased is named by its text (D5)',
    dataset: 'default',
    query: 'stats count(*)',
    expect: { columns: ['count(*)'], rows: [[15]] },
  },
  {
    name: 'stats: count() is count(*)',
    dataset: 'default',
    query: 'stats count()',
    expect: { columns: ['count()'], rows: [[15]] },
  },
  {
    name: 'stats: count(f) counts records where f is present',
    dataset: 'custom',
    query: 'stats count(*), count(dstPort), count(trafficPath)',
    expect: { columns: ['count(*)', 'count(dstPort)', 'count(trafficPath)'], rows: [[18, 13, 4]] },
  },
  {
    name: 'stats: count_distinct',
    dataset: 'default',
    query: 'stats count_distinct(srcAddr) as n',
    expect: { columns: ['n'], rows: [[7]] },
  },
  {
    name: 'stats: count_distinct skips missing values',
    dataset: 'custom',
    query: 'stats count_distinct(srcAddr) as n',
    expect: { columns: ['n'], rows: [[7]] },
  },
  {
    name: 'stats: sum avg min max by a key',
    dataset: 'default',
    query: 'stats sum(bytes) as s, avg(bytes) as a, min(bytes) as lo, max(bytes) as hi by action',
    expect: {
      columns: ['action', 's', 'a', 'lo', 'hi'],
      rows: [
        ['ACCEPT', 31526, 3152.6, 76, 9600],
        ['REJECT', 456, 91.2, 40, 252],
      ],
    },
  },
  {
    name: 'stats: aggregates skip missing values',
    dataset: 'custom',
    query: 'stats sum(bytes) as s, avg(packets) as a, min(dstPort) as lo, max(dstPort) as hi',
    expect: { columns: ['s', 'a', 'lo', 'hi'], rows: [[70738, 89 / 13, 0, 50500]] },
  },
  {
    name: 'stats: pct is nearest-rank (D9)',
    dataset: 'default',
    query:
      'stats pct(bytes, 25) as p25, pct(bytes, 50) as p50, pct(bytes, 90) as p90, pct(bytes, 100) as p100',
    // sorted: 40 40 44 76 80 150 252 300 900 1800 2100 3200 5000 8400 9600; ranks 4, 8, 14, 15
    expect: { columns: ['p25', 'p50', 'p90', 'p100'], rows: [[76, 300, 8400, 9600]] },
  },
  {
    name: 'stats: pct by a key',
    dataset: 'default',
    query: 'stats pct(packets, 50) as med, pct(packets, 95) as p95 by action',
    expect: {
      columns: ['action', 'med', 'p95'],
      rows: [
        ['ACCEPT', 7, 20], // 1 2 4 6 7 8 9 10 12 20: ranks 5, 10
        ['REJECT', 1, 3], // 1 1 1 2 3: ranks 3, 5
      ],
    },
  },
  {
    name: 'stats: stddev is the sample standard deviation, null over one value (D9)',
    dataset: 'default',
    query: 'stats stddev(packets) as sd by interfaceId',
    expect: {
      columns: ['interfaceId', 'sd'],
      rows: [
        ['eni-a1', Math.sqrt(11.3)], // 10 8 9 3 12: SS 45.2 / 4
        ['eni-a2', Math.sqrt(70.5)], // 1 1 20 2 1: SS 282 / 4
        ['eni-a10', Math.sqrt(14.75 / 3)], // 2 4 6 7
        ['eni-b7', null],
      ],
    },
  },
  {
    name: 'stats: stddev of bytes of rejects',
    dataset: 'default',
    query: 'filter action = "REJECT" | stats stddev(bytes) as sd',
    expect: { columns: ['sd'], rows: [[Math.sqrt(8363.2)]] }, // 40 40 252 80 44: SS 33452.8 / 4
  },
  {
    name: 'stats: several aggregates and two group keys, keys first (D5)',
    dataset: 'default',
    query: 'stats sum(packets) as pkts, count(*) as n by interfaceId, action',
    expect: {
      columns: ['interfaceId', 'action', 'pkts', 'n'],
      rows: [
        ['eni-a1', 'ACCEPT', 39, 4],
        ['eni-a1', 'REJECT', 3, 1],
        ['eni-a2', 'ACCEPT', 20, 1],
        ['eni-a2', 'REJECT', 5, 4],
        ['eni-a10', 'ACCEPT', 19, 4],
        ['eni-b7', 'ACCEPT', 1, 1],
      ],
    },
  },
  {
    name: 'stats: earliest and latest by a key',
    dataset: 'default',
    query: 'stats earliest(srcPort) as e, latest(dstPort) as l by interfaceId',
    expect: {
      columns: ['interfaceId', 'e', 'l'],
      rows: [
        ['eni-a1', 49152, 443], // D0, D11
        ['eni-a2', 51515, 80], // D2, D14 (12:00:30)
        ['eni-a10', 53000, 3389], // D4, D12
        ['eni-b7', 123, 123],
      ],
    },
  },
  {
    name: 'stats: earliest/latest of @timestamp print as timestamps (D6)',
    dataset: 'default',
    query: 'stats earliest(@timestamp) as t0, latest(@timestamp) as t1',
    expect: { columns: ['t0', 't1'], rows: [[T('10:00:05'), T('12:40:20')]] },
  },
  {
    name: 'stats: earliest/latest ties go to the first ingested record (D9)',
    dataset: 'custom',
    query: 'filter startTime <= 1716196500 | stats earliest(srcPort) as e, latest(srcAddr) as l',
    expect: { columns: ['e', 'l'], rows: [[51000, '52.94.0.10']] }, // C0 (not C1), C8 (not C9)
  },
  {
    name: 'stats: earliest/latest skip missing values (D9)',
    dataset: 'custom',
    query: 'stats earliest(srcPort) as e, latest(srcPort) as l by @logStream',
    expect: {
      columns: ['@logStream', 'e', 'l'],
      rows: [
        ['eni-c1', 51000, 0], // C0 (tie with C1), C15
        ['eni-c2', 50500, 443], // C7, C8 (C6 C12 C16 are SKIPDATA)
        ['eni-c3', 40100, 5353], // C9, C14 (C13 NODATA)
        ['eni-c4', 61000, 40001], // C11, C17
      ],
    },
  },
  {
    name: 'stats: sortsFirst/sortsLast use natural order',
    dataset: 'default',
    query:
      'stats sortsFirst(srcAddr) as f, sortsLast(srcAddr) as l, sortsFirst(dstAddr) as fd, sortsFirst(bytes) as fb, sortsLast(bytes) as lb',
    expect: {
      columns: ['f', 'l', 'fd', 'fb', 'lb'],
      rows: [['10.0.1.5', '203.0.113.9', '8.8.8.8', 40, 9600]],
    },
  },
  {
    name: 'stats: sortsFirst/sortsLast over IPv4 and IPv6, skipping missing values',
    dataset: 'custom',
    query: 'stats sortsFirst(srcAddr) as f, sortsLast(srcAddr) as l',
    expect: { columns: ['f', 'l'], rows: [['10.0.2.9', '2001:db8:9::5']] },
  },
  {
    name: 'stats: sortsFirst/sortsLast put non-number strings before number strings (D2)',
    dataset: 'default',
    query: 'fields replace(interfaceId, "eni-a", "") as k | stats sortsFirst(k) as f, sortsLast(k) as l',
    expect: { columns: ['f', 'l'], rows: [['eni-b7', '10']] }, // values "1" "2" "10" "eni-b7"
  },
  {
    name: 'stats: group key expression with alias, natural order of its values (D2, D3)',
    dataset: 'default',
    query: 'stats count(*) as n by replace(interfaceId, "eni-a", "") as k',
    expect: {
      columns: ['k', 'n'],
      rows: [
        ['eni-b7', 1],
        ['1', 5],
        ['2', 5],
        ['10', 4],
      ],
    },
  },
  {
    name: 'stats: numeric group key expression',
    dataset: 'default',
    query: 'stats count(*) as n by floor(packets / 10) as tens',
    expect: {
      columns: ['tens', 'n'],
      rows: [
        [0, 12],
        [1, 2], // D0 10, D11 12
        [2, 1], // D6 20
      ],
    },
  },
  {
    name: 'stats: filter on an aggregate alias after stats keeps the key order',
    dataset: 'default',
    query: 'stats count(*) as n by srcAddr | filter n > 1',
    expect: {
      columns: ['srcAddr', 'n'],
      rows: [
        ['10.0.1.5', 3],
        ['10.0.1.20', 2],
        ['10.0.2.7', 2],
        ['198.51.100.7', 2],
        ['203.0.113.9', 4],
      ],
    },
  },
  {
    name: 'stats: chained stats aggregate the first stats output',
    dataset: 'default',
    query: 'stats count(*) as n by srcAddr, dstPort | stats count(*) as pairs, sum(n) as total by srcAddr',
    expect: {
      columns: ['srcAddr', 'pairs', 'total'],
      rows: [
        ['10.0.1.5', 2, 3],
        ['10.0.1.20', 2, 2],
        ['10.0.1.77', 1, 1],
        ['10.0.2.7', 2, 2],
        ['172.16.3.4', 1, 1],
        ['198.51.100.7', 2, 2],
        ['203.0.113.9', 3, 4],
      ],
    },
  },
  {
    name: 'stats: chained stats over bins without a group key',
    dataset: 'default',
    query: 'stats sum(bytes) as b by bin(30m) | stats max(b) as peak, avg(b) as mean',
    // bins: 11680 5450 2052 900 9724 2176
    expect: { columns: ['peak', 'mean'], rows: [[11680, 31982 / 6]] },
  },
  {
    name: 'stats: rows ordered by the key in natural order (D3)',
    dataset: 'default',
    query: 'stats count(*) as n by dstAddr',
    expect: {
      columns: ['dstAddr', 'n'],
      rows: [
        ['8.8.8.8', 1],
        ['10.0.1.5', 4],
        ['10.0.1.20', 5],
        ['192.168.5.5', 1],
        ['198.51.100.7', 2],
        ['198.51.100.8', 1],
        ['203.0.113.50', 1],
      ],
    },
  },
  {
    name: 'stats: by a system field',
    dataset: 'custom',
    query: 'stats count(*) as n by @logStream',
    expect: {
      columns: ['@logStream', 'n'],
      rows: [
        ['eni-c1', 7],
        ['eni-c2', 5],
        ['eni-c3', 4],
        ['eni-c4', 2],
      ],
    },
  },
  {
    name: 'stats: NODATA and SKIPDATA records',
    dataset: 'custom',
    query: 'filter not ispresent(srcAddr) | stats count(*) as n by logStatus',
    expect: {
      columns: ['logStatus', 'n'],
      rows: [
        ['NODATA', 2],
        ['SKIPDATA', 3],
      ],
    },
  },
  {
    name: 'stats: alias on a group key, sort on an aggregate alias',
    dataset: 'default',
    query: 'stats count(*) as n, sum(bytes) as b by srcAddr as src | sort n desc | limit 1',
    expect: { columns: ['src', 'n', 'b'], rows: [['203.0.113.9', 4, 204]] },
  },
  {
    name: 'stats: unaliased avg and max named by their text (corpus query)',
    dataset: 'default',
    query: 'stats avg(bytes), max(bytes) by dstAddr',
    expect: {
      columns: ['dstAddr', 'avg(bytes)', 'max(bytes)'],
      rows: [
        ['8.8.8.8', 300, 300],
        ['10.0.1.5', 1125.5, 3200], // 3200 150 252 900
        ['10.0.1.20', 1040.8, 5000], // 40 40 5000 80 44
        ['192.168.5.5', 1800, 1800],
        ['198.51.100.7', 9000, 9600],
        ['198.51.100.8', 76, 76],
        ['203.0.113.50', 2100, 2100],
      ],
    },
  },

  // ------------------------------------------------------------------------------------------------
  // bin()
  // ------------------------------------------------------------------------------------------------
  {
    name: 'bin: 1h, unaliased column named bin(1h)',
    dataset: 'custom',
    query: 'stats count(*) as n by bin(1h)',
    expect: {
      columns: ['bin(1h)', 'n'],
      rows: [
        [T('08:00:00'), 7],
        [T('09:00:00'), 5],
        [T('10:00:00'), 6],
      ],
    },
  },
  {
    name: 'bin: 30m',
    dataset: 'default',
    query: 'stats count(*) as n by bin(30m)',
    expect: {
      columns: ['bin(30m)', 'n'],
      rows: [
        [T('10:00:00'), 4],
        [T('10:30:00'), 3], // 10:59:59 still here
        [T('11:00:00'), 2],
        [T('11:30:00'), 1],
        [T('12:00:00'), 3],
        [T('12:30:00'), 2],
      ],
    },
  },
  {
    name: 'bin: alias after bin, aggregate unaliased',
    dataset: 'default',
    query: 'stats count(*) by bin(1h) as hour',
    expect: {
      columns: ['hour', 'count(*)'],
      rows: [
        [T('10:00:00'), 7],
        [T('11:00:00'), 3],
        [T('12:00:00'), 5],
      ],
    },
  },
  {
    name: 'bin: plural unit 2hours, epoch-aligned',
    dataset: 'default',
    query: 'stats count(*) as n by bin(2hours) as b',
    expect: {
      columns: ['b', 'n'],
      rows: [
        [T('10:00:00'), 10],
        [T('12:00:00'), 5],
      ],
    },
  },
  {
    name: 'bin: 60min is the largest minute count',
    dataset: 'default',
    query: 'stats count(*) as n by bin(60min) as h',
    expect: {
      columns: ['h', 'n'],
      rows: [
        [T('10:00:00'), 7],
        [T('11:00:00'), 3],
        [T('12:00:00'), 5],
      ],
    },
  },
  {
    name: 'bin: unit hr',
    dataset: 'default',
    query: 'stats count(*) as n by bin(1hr) as h',
    expect: {
      columns: ['h', 'n'],
      rows: [
        [T('10:00:00'), 7],
        [T('11:00:00'), 3],
        [T('12:00:00'), 5],
      ],
    },
  },
  {
    name: 'bin: 24h is the largest hour count',
    dataset: 'default',
    query: 'stats count(*) as n by bin(24h) as d',
    expect: { columns: ['d', 'n'], rows: [[DAY, 15]] },
  },
  {
    name: 'bin: unit day',
    dataset: 'default',
    query: 'stats count(*) as n by bin(1day) as d',
    expect: { columns: ['d', 'n'], rows: [[DAY, 15]] },
  },
  {
    name: 'bin: weeks start on Monday (D10; 2024-05-20 is a Monday, not epoch-aligned Thursday 05-16)',
    dataset: 'default',
    query: 'stats count(*) as n by bin(1w) as w',
    expect: { columns: ['w', 'n'], rows: [[DAY, 15]] },
  },
  {
    name: 'bin: month is calendar-aligned',
    dataset: 'default',
    query: 'stats count(*) as n by bin(1mo) as m',
    expect: { columns: ['m', 'n'], rows: [['2024-05-01 00:00:00.000', 15]] },
  },
  {
    name: 'bin: quarter is calendar-aligned',
    dataset: 'default',
    query: 'stats count(*) as n by bin(1q) as q',
    expect: { columns: ['q', 'n'], rows: [['2024-04-01 00:00:00.000', 15]] },
  },
  {
    name: 'bin: year is calendar-aligned',
    dataset: 'default',
    query: 'stats count(*) as n by bin(1y) as y',
    expect: { columns: ['y', 'n'], rows: [['2024-01-01 00:00:00.000', 15]] },
  },
  {
    name: 'bin: 7m buckets are multiples of 420 s from the epoch, not from the hour (D10)',
    dataset: 'custom',
    query: 'filter srcAddr = "203.0.113.9" | stats count(*) as n by bin(7m)',
    expect: {
      columns: ['bin(7m)', 'n'],
      rows: [
        ['2024-05-20 07:57:00.000', 3], // C0 C1 08:01:00, C2 08:03:20
        ['2024-05-20 08:04:00.000', 1], // C4 08:05:00
      ],
    },
  },
  {
    name: 'bin: 60s with a key alias',
    dataset: 'default',
    query: 'filter action = "REJECT" | stats count(*) as n by bin(60s) as minute',
    expect: {
      columns: ['minute', 'n'],
      rows: [
        [T('10:05:00'), 2],
        [T('11:20:00'), 1],
        [T('12:00:00'), 2],
      ],
    },
  },
  {
    name: 'bin: 500ms',
    dataset: 'default',
    query: 'filter dstPort = 8080 | stats count(*) as n by bin(500ms)',
    expect: { columns: ['bin(500ms)', 'n'], rows: [[T('11:45:10'), 1]] },
  },
  {
    name: 'bin: 1000ms is the largest millisecond count',
    dataset: 'default',
    query: 'filter dstPort = 8080 | stats count(*) as n by bin(1000ms) as s',
    expect: { columns: ['s', 'n'], rows: [[T('11:45:10'), 1]] },
  },
  {
    name: 'bin: with a second group key',
    dataset: 'default',
    query: 'stats sum(bytes) as b by bin(1h), action',
    expect: {
      columns: ['bin(1h)', 'action', 'b'],
      rows: [
        [T('10:00:00'), 'ACCEPT', 17050],
        [T('10:00:00'), 'REJECT', 80],
        [T('11:00:00'), 'ACCEPT', 2700],
        [T('11:00:00'), 'REJECT', 252],
        [T('12:00:00'), 'ACCEPT', 11776],
        [T('12:00:00'), 'REJECT', 124],
      ],
    },
  },
  {
    name: 'bin: in fields',
    dataset: 'default',
    query: 'filter dstPort = 8080 | fields bin(5m) as b',
    expect: { columns: ['b'], rows: [[T('11:45:00')]] },
  },

  // ------------------------------------------------------------------------------------------------
  // sort
  // ------------------------------------------------------------------------------------------------
  {
    name: 'sort: desc',
    dataset: 'default',
    query: 'sort bytes desc | fields bytes | limit 3',
    expect: { columns: ['bytes'], rows: [[9600], [8400], [5000]] },
  },
  {
    name: 'sort: asc',
    dataset: 'default',
    query: 'sort bytes asc | fields bytes | limit 4',
    expect: { columns: ['bytes'], rows: [[40], [40], [44], [76]] },
  },
  {
    name: 'sort: without a direction sorts descending (D1)',
    dataset: 'default',
    query: 'sort bytes | fields bytes | limit 2',
    expect: { columns: ['bytes'], rows: [[9600], [8400]] },
  },
  {
    name: 'sort: @timestamp asc',
    dataset: 'default',
    query: 'sort @timestamp asc | fields @timestamp, srcAddr | limit 3',
    expect: {
      columns: ['@timestamp', 'srcAddr'],
      rows: [
        [T('10:00:05'), '10.0.1.5'],
        [T('10:00:06'), '198.51.100.7'],
        [T('10:05:00'), '203.0.113.9'],
      ],
    },
  },
  {
    name: 'sort: natural order asc on interface ids (eni-a10 after eni-a2)',
    dataset: 'default',
    query: 'fields interfaceId | sort interfaceId asc | dedup interfaceId',
    expect: { columns: ['interfaceId'], rows: [['eni-a1'], ['eni-a2'], ['eni-a10'], ['eni-b7']] },
  },
  {
    name: 'sort: natural order desc is the exact reverse',
    dataset: 'default',
    query: 'fields interfaceId | sort interfaceId desc | dedup interfaceId',
    expect: { columns: ['interfaceId'], rows: [['eni-b7'], ['eni-a10'], ['eni-a2'], ['eni-a1']] },
  },
  {
    name: 'sort: stats output by a string key desc (natural)',
    dataset: 'default',
    query: 'stats count(*) as n by dstAddr | sort dstAddr desc',
    expect: {
      columns: ['dstAddr', 'n'],
      rows: [
        ['203.0.113.50', 1],
        ['198.51.100.8', 1],
        ['198.51.100.7', 2],
        ['192.168.5.5', 1],
        ['10.0.1.20', 5],
        ['10.0.1.5', 4],
        ['8.8.8.8', 1],
      ],
    },
  },
  {
    name: 'sort: stats output by an aggregate asc',
    dataset: 'default',
    query: 'stats sum(bytes) as b by srcAddr | sort b asc',
    expect: {
      columns: ['srcAddr', 'b'],
      rows: [
        ['10.0.1.77', 76],
        ['203.0.113.9', 204],
        ['172.16.3.4', 900],
        ['10.0.1.20', 2400],
        ['198.51.100.7', 3452],
        ['10.0.2.7', 5150],
        ['10.0.1.5', 19800],
      ],
    },
  },
  {
    name: 'sort: nulls last ascending (D2)',
    dataset: 'custom',
    query: 'sort dstPort asc | fields dstPort',
    expect: {
      columns: ['dstPort'],
      rows: [
        [0],
        [22],
        [22],
        [22],
        [22],
        [23],
        [53],
        [443],
        [443],
        [443],
        [445],
        [3389],
        [50500],
        [null],
        [null],
        [null],
        [null],
        [null],
      ],
    },
  },
  {
    name: 'sort: nulls last descending too (D2)',
    dataset: 'custom',
    query: 'sort dstPort desc | fields dstPort',
    expect: {
      columns: ['dstPort'],
      rows: [
        [50500],
        [3389],
        [445],
        [443],
        [443],
        [443],
        [53],
        [23],
        [22],
        [22],
        [22],
        [22],
        [0],
        [null],
        [null],
        [null],
        [null],
        [null],
      ],
    },
  },
  {
    name: 'sort: IPv4 and IPv6 in natural order asc, nulls last (dedup keeps every null)',
    dataset: 'custom',
    query: 'fields srcAddr | sort srcAddr asc | dedup srcAddr',
    expect: {
      columns: ['srcAddr'],
      rows: [
        ['10.0.2.9'],
        ['10.0.3.50'],
        ['52.94.0.10'],
        ['198.51.100.20'],
        ['203.0.113.9'],
        ['2001:db8:1::10'],
        ['2001:db8:9::5'],
        [null],
        [null],
        [null],
        [null],
        [null],
      ],
    },
  },
  {
    name: 'sort: IPv4 and IPv6 in natural order desc, nulls last',
    dataset: 'custom',
    query: 'fields srcAddr | sort srcAddr desc | dedup srcAddr',
    expect: {
      columns: ['srcAddr'],
      rows: [
        ['2001:db8:9::5'],
        ['2001:db8:1::10'],
        ['203.0.113.9'],
        ['198.51.100.20'],
        ['52.94.0.10'],
        ['10.0.3.50'],
        ['10.0.2.9'],
        [null],
        [null],
        [null],
        [null],
        [null],
      ],
    },
  },
  {
    name: 'sort: parsed number strings sort numerically (D2)',
    dataset: 'nine',
    query: `${NINE_PARSE} | sort nbytes desc | display src, nbytes | limit 3`,
    expect: {
      columns: ['src', 'nbytes'],
      rows: [
        ['10.0.1.5', '8400'],
        ['10.0.2.9', '3000'],
        ['10.0.1.5', '1500'],
      ],
    },
  },

  // ------------------------------------------------------------------------------------------------
  // limit
  // ------------------------------------------------------------------------------------------------
  {
    name: 'limit: after stats',
    dataset: 'default',
    query: 'stats count(*) as n by srcAddr | limit 2',
    expect: {
      columns: ['srcAddr', 'n'],
      rows: [
        ['10.0.1.5', 3],
        ['10.0.1.20', 2],
      ],
    },
  },
  {
    name: 'limit: 100000 is accepted (D4)',
    dataset: 'default',
    query: 'filter dstPort = 8080 | fields srcAddr | limit 100000',
    expect: { columns: ['srcAddr'], rows: [['172.16.3.4']] },
  },
  {
    name: 'limit: commands run left to right (limit before filter)',
    dataset: 'default',
    query: 'fields srcAddr | limit 2 | filter srcAddr = "10.0.1.5"',
    expect: { columns: ['srcAddr'], rows: [] }, // the two newest are 10.0.1.77 and 10.0.1.20
  },

  // ------------------------------------------------------------------------------------------------
  // parse
  // ------------------------------------------------------------------------------------------------
  {
    name: 'parse: glob with literal text, lazy star before a space',
    dataset: 'default',
    query: 'parse @message "eni-* " as eniSuffix | stats count(*) as n by eniSuffix',
    expect: {
      columns: ['eniSuffix', 'n'],
      rows: [
        ['a1', 5],
        ['a2', 5],
        ['a10', 4],
        ['b7', 1],
      ],
    },
  },
  {
    name: 'parse: glob match may start anywhere; non-matching records get null and stay (D11, D18)',
    dataset: 'default',
    query: 'parse @message "REJECT *" as st | fields interfaceId | limit 5',
    expect: {
      columns: ['interfaceId', 'st'],
      rows: [
        ['eni-b7', null], // D13 ACCEPT
        ['eni-a10', null], // D12
        ['eni-a1', null], // D11
        ['eni-a2', 'OK'], // D14 REJECT, trailing star to the end
        ['eni-a2', 'OK'], // D10
      ],
    },
  },
  {
    name: 'parse: default display adds parse fields after @timestamp and @message; last star takes the rest',
    dataset: 'default',
    query: 'parse @message "* * *" as v, acct, rest | limit 1',
    expect: {
      columns: ['@timestamp', '@message', 'v', 'acct', 'rest'],
      rows: [
        [
          T('12:40:20'),
          D[13],
          '2',
          '444455556666',
          'eni-b7 10.0.1.77 198.51.100.8 123 123 17 1 76 1716208820 1716208845 ACCEPT OK',
        ],
      ],
    },
  },
  {
    name: 'parse: regex with named groups; parsed number strings sort numerically',
    dataset: 'default',
    query: String.raw`parse @message /^\S+ (?<acct>\d{12}) (?<eni>eni-\w+) / | stats count(*) as n by acct`,
    expect: {
      columns: ['acct', 'n'],
      rows: [
        ['111122223333', 14],
        ['444455556666', 1],
      ],
    },
  },
  {
    name: 'parse: regex on a field other than @message, two groups as keys',
    dataset: 'default',
    query: String.raw`parse interfaceId /eni-(?<letter>[a-z])(?<num>\d+)/ | stats count(*) as n by letter, num`,
    expect: {
      columns: ['letter', 'num', 'n'],
      rows: [
        ['a', '1', 5],
        ['a', '2', 5],
        ['a', '10', 4],
        ['b', '7', 1],
      ],
    },
  },
  {
    name: 'parse: glob over the custom format; NODATA/SKIPDATA do not match',
    dataset: 'custom',
    query:
      'parse @message "OK * * " as dir, flags | filter ispresent(dir) | stats count(*) as n by dir, flags',
    expect: {
      columns: ['dir', 'flags', 'n'],
      rows: [
        ['egress', '0', 1], // C14
        ['egress', '3', 2], // C9 C11
        ['egress', '19', 1], // C7
        ['ingress', '0', 1], // C15
        ['ingress', '2', 7], // C0 C1 C2 C3 C4 C10 C17
        ['ingress', '18', 1], // C8
      ],
    },
  },
  {
    name: 'parse: glob on srcAddr; IPv6 and missing addresses do not match',
    dataset: 'custom',
    query: 'parse srcAddr "*.*.*.*" as o1, o2, o3, o4 | filter ispresent(o1) | stats count(*) as n by o1',
    expect: {
      columns: ['o1', 'n'],
      rows: [
        ['10', 2],
        ['52', 1],
        ['198', 3],
        ['203', 4],
      ],
    },
  },
  {
    name: 'parse: regex non-match gives null, records kept (D11)',
    dataset: 'custom',
    query: 'parse @message / (?<st>NODATA|SKIPDATA) / | fields interfaceId | limit 3',
    expect: {
      columns: ['interfaceId', 'st'],
      rows: [
        ['eni-c4', null], // C17
        ['eni-c2', 'SKIPDATA'], // C16
        ['eni-c1', null], // C15
      ],
    },
  },
  {
    name: 'parse: parsed number string compared with a number (spec §5, D8)',
    dataset: 'nine',
    query: `${NINE_PARSE} | filter nbytes > 1000 | stats count(*) as n`,
    expect: { columns: ['n'], rows: [[3]] }, // 8400 1500 3000 (not "40" > "1000" as strings)
  },
  {
    name: 'parse: parsed number string = number',
    dataset: 'nine',
    query: `${NINE_PARSE} | filter dport = 22 | stats count(*) as n by src`,
    expect: {
      columns: ['src', 'n'],
      rows: [
        ['198.51.100.20', 1],
        ['203.0.113.9', 2],
        ['2001:db8:9::5', 1],
      ],
    },
  },
  {
    name: 'parse: group by a parsed number string, numeric key order',
    dataset: 'nine',
    query: `${NINE_PARSE} | stats count(*) as n by dport`,
    expect: {
      columns: ['dport', 'n'],
      rows: [
        ['22', 4],
        ['53', 1],
        ['80', 1],
        ['443', 2],
        ['3389', 1],
        ['40001', 1],
      ],
    },
  },
  {
    name: 'parse: sortsFirst/sortsLast of parsed number strings',
    dataset: 'nine',
    query: `${NINE_PARSE} | stats sortsFirst(dport) as f, sortsLast(dport) as l`,
    expect: { columns: ['f', 'l'], rows: [['22', '40001']] },
  },
  {
    name: 'parse: regex with alternation, leftmost match',
    dataset: 'nine',
    query: String.raw`parse @message /(?<proto>\d+) (?<nb>\d+) (?<act>ACCEPT|REJECT)/ | stats count(*) as n by act, proto`,
    expect: {
      columns: ['act', 'proto', 'n'],
      rows: [
        ['ACCEPT', '6', 3],
        ['ACCEPT', '17', 1],
        ['REJECT', '6', 6],
      ],
    },
  },
  {
    name: 'parse: @message of the nine-field format is the original line',
    dataset: 'nine',
    query: `${NINE_PARSE} | filter sport = 80 | display @message`,
    expect: { columns: ['@message'], rows: [[N[5]]] },
  },
  {
    name: 'parse: a trailing star captures to the end of the value',
    dataset: 'nine',
    query: 'parse @message "* * * *" as a, b, c, rest | filter b = "10.0.2.9" | display a, c, rest',
    expect: { columns: ['a', 'c', 'rest'], rows: [['5', '10.0.1.5', '80 40001 6 3000 ACCEPT ingress']] },
  },

  // ------------------------------------------------------------------------------------------------
  // dedup
  // ------------------------------------------------------------------------------------------------
  {
    name: 'dedup: keeps the first row per value in the default order',
    dataset: 'default',
    query: 'fields dstPort, srcAddr | dedup dstPort',
    expect: {
      columns: ['dstPort', 'srcAddr'],
      rows: [
        [123, '10.0.1.77'], // D13
        [3389, '10.0.1.20'], // D12
        [443, '10.0.1.5'], // D11
        [80, '203.0.113.9'], // D14
        [22, '203.0.113.9'], // D10
        [8080, '172.16.3.4'], // D9
        [0, '198.51.100.7'], // D8
        [53, '10.0.1.20'], // D5
        [49152, '198.51.100.7'], // D1
      ],
    },
  },
  {
    name: 'dedup: limit may follow',
    dataset: 'default',
    query: 'fields srcAddr | dedup srcAddr | limit 3',
    expect: { columns: ['srcAddr'], rows: [['10.0.1.77'], ['10.0.1.20'], ['10.0.1.5']] },
  },
  {
    name: 'dedup: follows the current sort order',
    dataset: 'default',
    query: 'fields action, bytes | sort bytes asc | dedup action',
    expect: {
      columns: ['action', 'bytes'],
      rows: [
        ['REJECT', 40],
        ['ACCEPT', 76],
      ],
    },
  },
  {
    name: 'dedup: rows with null in the field are all kept; ties in ingestion order',
    dataset: 'custom',
    query: 'fields interfaceId, dstPort | dedup dstPort',
    expect: {
      columns: ['interfaceId', 'dstPort'],
      rows: [
        ['eni-c4', 22], // C17
        ['eni-c2', null], // C16
        ['eni-c1', 0], // C15
        ['eni-c3', 53], // C14
        ['eni-c2', null], // C12
        ['eni-c3', null], // C13
        ['eni-c4', 443], // C11
        ['eni-c2', 50500], // C8
        ['eni-c2', null], // C6
        ['eni-c1', null], // C5
        ['eni-c1', 445], // C4
        ['eni-c1', 3389], // C2
        ['eni-c1', 23], // C1
      ],
    },
  },

  // ------------------------------------------------------------------------------------------------
  // syntax: comments, backticks, aliases
  // ------------------------------------------------------------------------------------------------
  {
    name: 'syntax: comment lines and trailing comments',
    dataset: 'default',
    query: '# rejected flows\nfilter action = "REJECT" # only rejects\n| stats count(*) as n',
    expect: { columns: ['n'], rows: [[5]] },
  },
  {
    name: 'syntax: # inside a string literal is not a comment',
    dataset: 'default',
    query: 'filter interfaceId != "#x" | stats count(*) as n',
    expect: { columns: ['n'], rows: [[15]] },
  },
  {
    name: 'syntax: backticked field name and backticked alias',
    dataset: 'default',
    query: 'filter `action` = "REJECT" | stats count(*) as `reject-count`',
    expect: { columns: ['reject-count'], rows: [[5]] },
  },
  {
    name: 'syntax: backticked alias referenced by sort',
    dataset: 'default',
    query: 'stats count(*) as `flow-count` by action | sort `flow-count` asc',
    expect: {
      columns: ['action', 'flow-count'],
      rows: [
        ['REJECT', 5],
        ['ACCEPT', 10],
      ],
    },
  },

  // ------------------------------------------------------------------------------------------------
  // functions: numeric (row D9: srcPort 40002, dstPort 8080, packets 6, bytes 900, 11:45:10)
  // ------------------------------------------------------------------------------------------------
  {
    name: 'functions: abs greatest least',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields abs(dstPort - srcPort) as a, greatest(srcPort, dstPort, 1000) as g, least(srcPort, dstPort, 1000) as l',
    expect: { columns: ['a', 'g', 'l'], rows: [[31922, 40002, 1000]] },
  },
  {
    name: 'functions: ceil floor',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields ceil(bytes * 0.001) as c, floor(bytes * 0.001) as f, ceil(0 - 2.5) as cn, floor(0 - 2.5) as fn',
    expect: { columns: ['c', 'f', 'cn', 'fn'], rows: [[1, 0, -2, -3]] },
  },
  {
    name: 'functions: log is natural, sqrt',
    dataset: 'default',
    query: 'filter dstPort = 8080 | fields log(bytes) as l, sqrt(bytes) as s, sqrt(packets) as s2',
    expect: { columns: ['l', 's', 's2'], rows: [[Math.log(900), 30, Math.sqrt(6)]] },
  },

  // ------------------------------------------------------------------------------------------------
  // functions: general
  // ------------------------------------------------------------------------------------------------
  {
    name: 'functions: ispresent',
    dataset: 'custom',
    query: 'fields ispresent(trafficPath) as tp, ispresent(dstPort) as dp | limit 4',
    expect: {
      columns: ['tp', 'dp'],
      rows: [
        [false, true], // C17 ingress
        [false, false], // C16 SKIPDATA
        [false, true], // C15 ingress
        [true, true], // C14 egress
      ],
    },
  },
  {
    name: 'functions: coalesce returns the first non-null',
    dataset: 'custom',
    query: 'fields coalesce(pktSrcAddr, srcAddr, interfaceId) as who | limit 5',
    expect: {
      columns: ['who'],
      rows: [['198.51.100.20'], ['eni-c2'], ['198.51.100.20'], ['2001:db8:1::10'], ['eni-c2']],
    },
  },
  {
    name: 'functions: coalesce on the NAT gateway record',
    dataset: 'custom',
    query: 'filter interfaceId = "eni-c4" | fields coalesce(pktSrcAddr, srcAddr) as orig, srcAddr',
    expect: {
      columns: ['orig', 'srcAddr'],
      rows: [
        ['198.51.100.20', '198.51.100.20'], // C17
        ['10.0.2.9', '10.0.3.50'], // C11
      ],
    },
  },

  // ------------------------------------------------------------------------------------------------
  // functions: string
  // ------------------------------------------------------------------------------------------------
  {
    name: 'functions: concat strlen toupper tolower',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields concat(srcAddr, "->", dstAddr) as c, strlen(srcAddr) as n, toupper(interfaceId) as u, tolower(action) as l',
    expect: { columns: ['c', 'n', 'u', 'l'], rows: [['172.16.3.4->10.0.1.5', 10, 'ENI-A10', 'accept']] },
  },
  {
    name: 'functions: trim ltrim rtrim with a character set',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields trim(interfaceId, "eni-") as t, ltrim(interfaceId, "eni-") as lt, rtrim(interfaceId, "0123456789") as rt',
    expect: { columns: ['t', 'lt', 'rt'], rows: [['a10', 'a10', 'eni-a']] },
  },
  {
    name: 'functions: trim ltrim rtrim of whitespace',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields trim(concat("  ", action, " ")) as t, ltrim(concat("  ", action, " ")) as lt, rtrim(concat("  ", action, " ")) as rt',
    expect: { columns: ['t', 'lt', 'rt'], rows: [['ACCEPT', 'ACCEPT ', '  ACCEPT']] },
  },
  {
    name: 'functions: the spec examples of trim and substr',
    dataset: 'default',
    query: 'filter dstPort = 8080 | fields trim("xyZxyfooxyxyZ", "xyZ") as t, substr("xyZfooxyZ", 3, 3) as s',
    expect: { columns: ['t', 's'], rows: [['foo', 'foo']] },
  },
  {
    name: 'functions: substr is zero-based, length optional',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields substr(srcAddr, 4) as a, substr(srcAddr, 0, 3) as b, substr(interfaceId, 4, 1) as c',
    expect: { columns: ['a', 'b', 'c'], rows: [['16.3.4', '172', 'a']] },
  },
  {
    name: 'functions: replace all (literal search) and strcontains',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields replace(srcAddr, ".", "-") as r, strcontains(srcAddr, "16.3") as c1, strcontains(srcAddr, "10.0") as c0',
    expect: { columns: ['r', 'c1', 'c0'], rows: [['172-16-3-4', 1, 0]] },
  },
  {
    name: 'functions: isempty and isblank on present values',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields isempty(action) as e, isblank(replace(action, "ACCEPT", "  ")) as b, isempty(replace(action, "ACCEPT", "  ")) as e2, isempty(replace(action, "ACCEPT", "")) as e3',
    expect: { columns: ['e', 'b', 'e2', 'e3'], rows: [[0, 1, 0, 1]] },
  },
  {
    name: 'functions: isempty and isblank on missing values',
    dataset: 'custom',
    query:
      'fields isempty(accountId) as e1, isblank(accountId) as b1, isempty(vpcId) as e2, isempty(srcAddr) as e3 | limit 2',
    expect: {
      columns: ['e1', 'b1', 'e2', 'e3'],
      rows: [
        [1, 1, 0, 0], // C17 (the custom format has no account-id)
        [1, 1, 0, 1], // C16 SKIPDATA
      ],
    },
  },
  {
    name: 'functions: strlen of an IPv6 address',
    dataset: 'custom',
    query: 'filter interfaceId = "eni-c3" and ispresent(srcAddr) | fields strlen(srcAddr) as n | limit 1',
    expect: { columns: ['n'], rows: [[14]] }, // C14 2001:db8:1::10
  },
  {
    name: 'functions: strlen counts code points',
    dataset: 'default',
    query: 'filter dstPort = 8080 | fields strlen(concat("€", action)) as n',
    expect: { columns: ['n'], rows: [[7]] },
  },

  // ------------------------------------------------------------------------------------------------
  // functions: date/time
  // ------------------------------------------------------------------------------------------------
  {
    name: 'functions: datefloor and dateceil by 1h and 15m',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields datefloor(@timestamp, 1h) as f, dateceil(@timestamp, 1h) as c, datefloor(@timestamp, 15m) as f15, dateceil(@timestamp, 15m) as c15',
    expect: {
      columns: ['f', 'c', 'f15', 'c15'],
      rows: [[T('11:00:00'), T('12:00:00'), T('11:45:00'), T('12:00:00')]],
    },
  },
  {
    name: 'functions: datefloor and dateceil by 1d',
    dataset: 'default',
    query: 'filter dstPort = 8080 | fields datefloor(@timestamp, 1d) as f, dateceil(@timestamp, 1d) as c',
    expect: { columns: ['f', 'c'], rows: [[DAY, '2024-05-21 00:00:00.000']] },
  },
  {
    name: 'functions: fromMillis and toMillis',
    dataset: 'default',
    query:
      'filter dstPort = 8080 | fields fromMillis(startTime * 1000) as a, fromMillis(1716205510123) as b, toMillis(@timestamp) as c, toMillis(datefloor(@timestamp, 1h)) as d',
    expect: {
      columns: ['a', 'b', 'c', 'd'],
      rows: [[T('11:45:10'), '2024-05-20 11:45:10.123', 1716205510000, 1716202800000]],
    },
  },
  {
    name: 'functions: arithmetic on startTime/endTime',
    dataset: 'default',
    query: 'filter dstPort = 8080 | fields endTime - startTime as dur, startTime',
    expect: { columns: ['dur', 'startTime'], rows: [[60, 1716205510]] },
  },
  {
    name: 'functions: @timestamp compared with a number compares epoch milliseconds (D6)',
    dataset: 'default',
    query: 'filter @timestamp >= 1716206400000 | stats count(*) as n',
    expect: { columns: ['n'], rows: [[5]] }, // 12:00:00 and later
  },
  {
    name: 'functions: @timestamp compared with fromMillis',
    dataset: 'default',
    query: 'filter @timestamp < fromMillis(1716199500000) | fields srcAddr',
    expect: { columns: ['srcAddr'], rows: [['198.51.100.7'], ['10.0.1.5']] }, // D1, D0
  },
  {
    name: 'functions: toMillis(@timestamp) is start in milliseconds for every record',
    dataset: 'default',
    query: 'filter toMillis(@timestamp) = startTime * 1000 | stats count(*) as n',
    expect: { columns: ['n'], rows: [[15]] },
  },
  {
    name: 'functions: now() is epoch seconds of the query start',
    dataset: 'default',
    query: 'fields now() > 1716163200 as later | limit 1',
    expect: { columns: ['later'], rows: [[true]] },
  },

  // ------------------------------------------------------------------------------------------------
  // functions: IP addresses
  // ------------------------------------------------------------------------------------------------
  {
    name: 'functions: isValidIp isValidIpV4 isValidIpV6 on IPv4 and IPv6',
    dataset: 'custom',
    query:
      'filter ispresent(srcAddr) | fields srcAddr, isValidIp(srcAddr) as ip, isValidIpV4(srcAddr) as v4, isValidIpV6(srcAddr) as v6 | limit 6',
    expect: {
      columns: ['srcAddr', 'ip', 'v4', 'v6'],
      rows: [
        ['198.51.100.20', true, true, false], // C17
        ['198.51.100.20', true, true, false], // C15
        ['2001:db8:1::10', true, false, true], // C14
        ['10.0.3.50', true, true, false], // C11
        ['2001:db8:9::5', true, false, true], // C10
        ['52.94.0.10', true, true, false], // C8
      ],
    },
  },
  {
    name: 'functions: isValidIp* on values that are not addresses',
    dataset: 'custom',
    query:
      'fields isValidIp(interfaceId) as a, isValidIpV4(replace(srcAddr, "198", "298")) as b, isValidIpV6(srcAddr) as c | limit 1',
    expect: { columns: ['a', 'b', 'c'], rows: [[false, false, false]] }, // C17: "eni-c4", "298.51.100.20", IPv4
  },
  {
    name: 'functions: isIpInSubnet with an IPv6 CIDR',
    dataset: 'custom',
    query: 'filter isIpInSubnet(srcAddr, "2001:db8::/32") | stats count(*) as n by srcAddr',
    expect: {
      columns: ['srcAddr', 'n'],
      rows: [
        ['2001:db8:1::10', 2],
        ['2001:db8:9::5', 1],
      ],
    },
  },
  {
    name: 'functions: isIpInSubnet with v4 and v6 CIDRs',
    dataset: 'custom',
    query:
      'filter isIpInSubnet(srcAddr, "198.51.100.0/24") or isIpInSubnet(srcAddr, "2001:db8:9::/48") | stats count(*) as n',
    expect: { columns: ['n'], rows: [[4]] }, // C3 C15 C17 + C10
  },
  {
    name: 'functions: isIpv6InSubnet /48',
    dataset: 'custom',
    query: 'filter isIpv6InSubnet(srcAddr, "2001:db8:1::/48") | stats count(*) as n',
    expect: { columns: ['n'], rows: [[2]] }, // C9 C14
  },
  {
    name: 'functions: isIpv4InSubnet /16',
    dataset: 'custom',
    query: 'filter isIpv4InSubnet(srcAddr, "10.0.0.0/16") | stats count(*) as n by srcAddr',
    expect: {
      columns: ['srcAddr', 'n'],
      rows: [
        ['10.0.2.9', 1],
        ['10.0.3.50', 1],
      ],
    },
  },
  {
    name: 'functions: isIpv4InSubnet is false for IPv6, isIpv6InSubnet false for IPv4',
    dataset: 'custom',
    query:
      'filter ispresent(srcAddr) | fields isIpv4InSubnet(srcAddr, "0.0.0.0/0") as a, isIpv6InSubnet(srcAddr, "::/0") as b | limit 3',
    expect: {
      columns: ['a', 'b'],
      rows: [
        [true, false], // C17
        [true, false], // C15
        [false, true], // C14
      ],
    },
  },
  {
    name: 'functions: isIpv4InSubnet with a /28 not on an octet boundary',
    dataset: 'default',
    query: 'filter isIpv4InSubnet(dstAddr, "203.0.113.48/28") | fields dstAddr',
    expect: { columns: ['dstAddr'], rows: [['203.0.113.50']] },
  },
  {
    name: 'functions: isIpv4InSubnet /27 excludes .77',
    dataset: 'default',
    query: 'filter isIpv4InSubnet(srcAddr, "10.0.1.0/27") | stats count(*) as n by srcAddr',
    expect: {
      columns: ['srcAddr', 'n'],
      rows: [
        ['10.0.1.5', 3],
        ['10.0.1.20', 2],
      ],
    },
  },
  {
    name: 'functions: NAT record found by pktSrcAddr inside and srcAddr outside a subnet',
    dataset: 'custom',
    query:
      'filter isIpv4InSubnet(pktSrcAddr, "10.0.2.0/24") and not isIpv4InSubnet(srcAddr, "10.0.2.0/24") | fields srcAddr, pktSrcAddr',
    expect: { columns: ['srcAddr', 'pktSrcAddr'], rows: [['10.0.3.50', '10.0.2.9']] },
  },

  // ------------------------------------------------------------------------------------------------
  // system fields
  // ------------------------------------------------------------------------------------------------
  {
    name: 'system fields: @timestamp @logStream @message',
    dataset: 'default',
    query: 'fields @timestamp, @logStream, @message | limit 2',
    expect: {
      columns: ['@timestamp', '@logStream', '@message'],
      rows: [
        [T('12:40:20'), 'eni-b7', D[13]],
        [T('12:40:00'), 'eni-a10', D[12]],
      ],
    },
  },
  {
    name: 'system fields: filter on @logStream',
    dataset: 'default',
    query: 'filter @logStream = "eni-a10" | stats count(*) as n',
    expect: { columns: ['n'], rows: [[4]] },
  },
  {
    name: 'system fields: @message of a NODATA record keeps its dashes',
    dataset: 'custom',
    query: 'filter logStatus = "NODATA" | fields @message',
    expect: { columns: ['@message'], rows: [[C[13]], [C[5]]] },
  },

  // ------------------------------------------------------------------------------------------------
  // AWS sample queries (spec §7.1, §7.2) on the datasets
  // ------------------------------------------------------------------------------------------------
  {
    name: 'sample 7.1.1: top host pairs by packets',
    dataset: 'default',
    query: 'stats sum(packets) as pkts by srcAddr, dstAddr | sort pkts desc | limit 15',
    expect: {
      columns: ['srcAddr', 'dstAddr', 'pkts'],
      rows: [
        ['10.0.1.5', '198.51.100.7', 22],
        ['10.0.2.7', '10.0.1.20', 20],
        ['198.51.100.7', '10.0.1.5', 11],
        ['10.0.1.5', '192.168.5.5', 9],
        ['10.0.1.20', '203.0.113.50', 7],
        ['172.16.3.4', '10.0.1.5', 6],
        ['203.0.113.9', '10.0.1.20', 5],
        ['10.0.1.20', '8.8.8.8', 4],
        ['10.0.2.7', '10.0.1.5', 2],
        ['10.0.1.77', '198.51.100.8', 1],
      ],
    },
  },
  {
    name: 'sample 7.1.2: top destinations for sources in a subnet',
    dataset: 'default',
    query:
      'filter isIpv4InSubnet(srcAddr, "10.0.1.0/24") | stats sum(bytes) as sent by dstAddr | sort sent desc | limit 15',
    expect: {
      columns: ['dstAddr', 'sent'],
      rows: [
        ['198.51.100.7', 18000],
        ['203.0.113.50', 2100],
        ['192.168.5.5', 1800],
        ['8.8.8.8', 300],
        ['198.51.100.8', 76],
      ],
    },
  },
  {
    name: 'sample 7.1.3: sources using UDP',
    dataset: 'default',
    query: 'filter protocol = 17 | stats count(*) as flows by srcAddr',
    expect: {
      columns: ['srcAddr', 'flows'],
      rows: [
        ['10.0.1.20', 1],
        ['10.0.1.77', 1],
        ['10.0.2.7', 1],
      ],
    },
  },
  {
    name: 'sample 7.1.4: SKIPDATA per hour, sort without direction is desc',
    dataset: 'custom',
    query: 'filter logStatus = "SKIPDATA" | stats count(*) by bin(1h) as hour | sort hour',
    expect: {
      columns: ['hour', 'count(*)'],
      rows: [
        [T('10:00:00'), 2],
        [T('08:00:00'), 1],
      ],
    },
  },
  {
    name: 'sample 7.1 dedup: one record per connection',
    dataset: 'default',
    query: [
      'fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, bytes',
      '| sort @timestamp desc',
      '| dedup srcAddr, dstAddr, srcPort, dstPort, protocol',
    ].join('\n'),
    expect: {
      columns: ['@timestamp', 'srcAddr', 'dstAddr', 'srcPort', 'dstPort', 'protocol', 'bytes'],
      rows: [
        [T('12:40:20'), '10.0.1.77', '198.51.100.8', 123, 123, 17, 76],
        [T('12:40:00'), '10.0.1.20', '203.0.113.50', 40003, 3389, 6, 2100],
        [T('12:15:00'), '10.0.1.5', '198.51.100.7', 49153, 443, 6, 9600],
        [T('12:00:30'), '203.0.113.9', '10.0.1.20', 51518, 80, 6, 44],
        [T('12:00:00'), '203.0.113.9', '10.0.1.20', 51515, 22, 6, 80],
        [T('11:45:10'), '172.16.3.4', '10.0.1.5', 40002, 8080, 6, 900],
        [T('11:20:00'), '198.51.100.7', '10.0.1.5', 0, 0, 1, 252],
        [T('11:00:00'), '10.0.1.5', '192.168.5.5', 40001, 80, 6, 1800],
        [T('10:59:59'), '10.0.2.7', '10.0.1.20', 40000, 22, 6, 5000],
        [T('10:30:01'), '10.0.1.20', '8.8.8.8', 53001, 53, 17, 300],
        [T('10:30:00'), '10.0.2.7', '10.0.1.5', 53000, 53, 17, 150],
        [T('10:05:30'), '203.0.113.9', '10.0.1.20', 51516, 3389, 6, 40],
        // D2 (10:05:00) has D10's 5-tuple and comes later in this order: dropped
        [T('10:00:06'), '198.51.100.7', '10.0.1.5', 443, 49152, 6, 3200],
        [T('10:00:05'), '10.0.1.5', '198.51.100.7', 49152, 443, 6, 8400],
      ],
    },
  },
  {
    name: 'sample 7.2: rejected inbound attempts per source and 5 minutes (top row)',
    dataset: 'custom',
    query: [
      'filter action = "REJECT" and flowDirection = "ingress"',
      '| stats count(*) as attempts, sum(packets) as pkts by srcAddr, bin(5m)',
      '| sort attempts desc',
      '| limit 1',
    ].join('\n'),
    expect: {
      columns: ['srcAddr', 'bin(5m)', 'attempts', 'pkts'],
      rows: [['203.0.113.9', T('08:00:00'), 3, 4]],
    },
  },
  {
    name: 'sample 7.2: rejected inbound attempts per source and 5 minutes (key order)',
    dataset: 'custom',
    query: [
      'filter action = "REJECT" and flowDirection = "ingress"',
      '| stats count(*) as attempts, sum(packets) as pkts by srcAddr, bin(5m)',
    ].join('\n'),
    expect: {
      columns: ['srcAddr', 'bin(5m)', 'attempts', 'pkts'],
      rows: [
        ['198.51.100.20', T('08:00:00'), 1, 3], // C3 08:04:59
        ['198.51.100.20', T('10:55:00'), 1, 1], // C17 10:59:30
        ['203.0.113.9', T('08:00:00'), 3, 4], // C0 C1 C2
        ['203.0.113.9', T('08:05:00'), 1, 1], // C4 08:05:00
        ['2001:db8:9::5', T('09:30:00'), 1, 2], // C10
      ],
    },
  },
  {
    name: 'sample 7.2: external destinations receiving most bytes',
    dataset: 'default',
    query: [
      'filter not isIpv4InSubnet(dstAddr, "10.0.0.0/8")',
      '   and not isIpv4InSubnet(dstAddr, "172.16.0.0/12")',
      '   and not isIpv4InSubnet(dstAddr, "192.168.0.0/16")',
      '| stats sum(bytes) as total by dstAddr | sort total desc | limit 20',
    ].join('\n'),
    expect: {
      columns: ['dstAddr', 'total'],
      rows: [
        ['198.51.100.7', 18000],
        ['203.0.113.50', 2100],
        ['8.8.8.8', 300],
        ['198.51.100.8', 76],
      ],
    },
  },
  {
    name: 'sample 7.2: SSH/RDP summary',
    dataset: 'default',
    query: 'filter dstPort in [22, 3389] | stats count(*) as flows by action, dstPort',
    expect: {
      columns: ['action', 'dstPort', 'flows'],
      rows: [
        ['ACCEPT', 22, 1],
        ['ACCEPT', 3389, 1],
        ['REJECT', 22, 2],
        ['REJECT', 3389, 1],
      ],
    },
  },
  {
    name: 'sample 7.2: custom format parsed with a glob',
    dataset: 'nine',
    query: [NINE_PARSE, '| filter act = "REJECT"', '| stats count(*) by src, dport'].join('\n'),
    expect: {
      columns: ['src', 'dport', 'count(*)'],
      rows: [
        ['198.51.100.20', '22', 1],
        ['198.51.100.20', '443', 1],
        ['203.0.113.9', '22', 2],
        ['203.0.113.9', '3389', 1],
        ['2001:db8:9::5', '22', 1],
      ],
    },
  },
  {
    name: 'sample 7.2: SYN-only scans, as published (no source reaches 20 ports)',
    dataset: 'custom',
    query: [
      'filter protocol = 6 and tcpFlags in [2, 3, 6, 7]',
      '| stats count_distinct(dstPort) as ports by srcAddr | filter ports > 20',
    ].join('\n'),
    expect: { columns: ['srcAddr', 'ports'], rows: [] },
  },
  {
    name: 'sample 7.2: SYN-only scans with threshold 1',
    dataset: 'custom',
    query:
      'filter protocol = 6 and tcpFlags in [2, 3, 6, 7] | stats count_distinct(dstPort) as ports by srcAddr | filter ports > 1',
    expect: { columns: ['srcAddr', 'ports'], rows: [['203.0.113.9', 4]] }, // 22 23 3389 445
  },
  {
    name: 'sample 7.2: SYN-only scans, every source',
    dataset: 'custom',
    query:
      'filter protocol = 6 and tcpFlags in [2, 3, 6, 7] | stats count_distinct(dstPort) as ports by srcAddr',
    expect: {
      columns: ['srcAddr', 'ports'],
      rows: [
        ['10.0.3.50', 1], // C11 flags 3
        ['198.51.100.20', 1], // C3 C17
        ['203.0.113.9', 4],
        ['2001:db8:1::10', 1], // C9 flags 3
        ['2001:db8:9::5', 1], // C10
      ],
    },
  },

  // ------------------------------------------------------------------------------------------------
  // errors
  // ------------------------------------------------------------------------------------------------
  {
    name: 'error PARSE_ERROR: trailing comma',
    query: 'fields srcAddr,',
    error: { code: 'PARSE_ERROR', start: 15 },
  },
  {
    name: 'error PARSE_ERROR: operator where an operand is expected',
    query: 'filter bytes > > 5',
    error: { code: 'PARSE_ERROR', start: 15, end: 16 },
  },
  {
    name: 'error PARSE_ERROR: by without a key',
    query: 'stats count(*) by',
    error: { code: 'PARSE_ERROR', start: 17 },
  },
  {
    name: 'error PARSE_ERROR: unclosed parenthesis',
    query: 'filter (bytes > 5',
    error: { code: 'PARSE_ERROR', start: 17 },
  },
  {
    name: 'error PARSE_ERROR: missing comma between fields',
    query: 'fields srcAddr dstAddr',
    error: { code: 'PARSE_ERROR', start: 15, end: 22 },
  },
  {
    name: 'error PARSE_ERROR: unterminated string',
    query: 'filter action = "REJECT',
    error: { code: 'PARSE_ERROR', start: 16 },
  },
  {
    name: 'error PARSE_ERROR: leading pipe',
    query: '| fields srcAddr',
    error: { code: 'PARSE_ERROR', start: 0, end: 1 },
  },
  {
    name: 'error PARSE_ERROR: empty command between pipes',
    query: 'fields srcAddr | | limit 1',
    error: { code: 'PARSE_ERROR', start: 17, end: 18 },
  },
  {
    name: 'error PARSE_ERROR: unclosed list',
    query: 'filter dstPort in [22, 80',
    error: { code: 'PARSE_ERROR', start: 25 },
  },
  {
    name: 'error UNKNOWN_FIELD: misspelt name',
    query: 'filter srcadr = "10.0.1.5"',
    error: { code: 'UNKNOWN_FIELD', start: 7, end: 13 },
  },
  {
    name: 'error UNKNOWN_FIELD: names are case-sensitive (D12)',
    query: 'fields srcAddr, dstport',
    error: { code: 'UNKNOWN_FIELD', start: 16, end: 23 },
  },
  {
    name: 'error UNKNOWN_FIELD: capitalised catalog name',
    query: 'fields Action',
    error: { code: 'UNKNOWN_FIELD', start: 7, end: 13 },
  },
  {
    name: 'error UNKNOWN_FIELD: in sort',
    query: 'sort byts desc',
    error: { code: 'UNKNOWN_FIELD', start: 5, end: 9 },
  },
  {
    name: 'error UNKNOWN_FIELD: parse field used before the parse',
    query: 'filter x = 1 | parse @message "* *" as x, y',
    error: { code: 'UNKNOWN_FIELD', start: 7, end: 8 },
  },
  {
    name: 'error UNKNOWN_FIELD: unknown @ field',
    query: 'fields @fld',
    error: { code: 'UNKNOWN_FIELD', start: 7, end: 11 },
  },
  {
    name: 'error UNKNOWN_FIELD: alias never defined',
    query: 'stats count(*) as n by srcAddr | sort m desc',
    error: { code: 'UNKNOWN_FIELD', start: 38, end: 39 },
  },
  {
    name: 'error UNKNOWN_FUNCTION: misspelt strlen',
    query: 'fields lenght(srcAddr) as n',
    error: { code: 'UNKNOWN_FUNCTION', start: 7, end: 13 },
  },
  {
    name: 'error UNKNOWN_FUNCTION: misspelt IP function',
    query: 'filter isIpInSubnett(srcAddr, "10.0.0.0/8")',
    error: { code: 'UNKNOWN_FUNCTION', start: 7, end: 20 },
  },
  {
    name: 'error UNKNOWN_FUNCTION: aggregate that does not exist',
    query: 'stats median(bytes) as m',
    error: { code: 'UNKNOWN_FUNCTION', start: 6, end: 12 },
  },
  {
    name: 'error UNKNOWN_COMMAND: misspelt filter',
    query: 'fliter action = "REJECT"',
    error: { code: 'UNKNOWN_COMMAND', start: 0, end: 6 },
  },
  {
    name: 'error UNKNOWN_COMMAND: SQL select',
    query: 'fields srcAddr | select dstAddr',
    error: { code: 'UNKNOWN_COMMAND', start: 17, end: 23 },
  },
  {
    name: 'error BAD_ARGUMENTS: abs with two arguments',
    query: 'fields abs(bytes, packets) as a',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error BAD_ARGUMENTS: substr without start',
    query: 'fields substr(srcAddr) as s',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error BAD_ARGUMENTS: strlen with two arguments',
    query: 'fields strlen(srcAddr, 2) as n',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error BAD_ARGUMENTS: datefloor without period',
    query: 'fields datefloor(@timestamp) as d',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error BAD_ARGUMENTS: pct without percentile',
    query: 'stats pct(bytes) as p',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error BAD_ARGUMENTS: pct with a string percentile',
    query: 'stats pct(bytes, "x") as p',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error BAD_ARGUMENTS: sum with two arguments',
    query: 'stats sum(bytes, packets) as s',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error BAD_ARGUMENTS: isIpv4InSubnet without CIDR',
    query: 'filter isIpv4InSubnet(srcAddr)',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error BAD_ARGUMENTS: toMillis of a string field',
    query: 'fields toMillis(srcAddr) as t',
    error: { code: 'BAD_ARGUMENTS' },
  },
  {
    name: 'error AGGREGATE_OUTSIDE_STATS: count(*) in filter',
    query: 'filter count(*) > 1',
    error: { code: 'AGGREGATE_OUTSIDE_STATS', start: 7, end: 15 },
  },
  {
    name: 'error AGGREGATE_OUTSIDE_STATS: sum in fields',
    query: 'fields sum(bytes) as s',
    error: { code: 'AGGREGATE_OUTSIDE_STATS', start: 7, end: 17 },
  },
  {
    name: 'error AGGREGATE_OUTSIDE_STATS: avg in a filter after stats',
    query: 'stats count(*) as n by srcAddr | filter avg(n) > 1',
    error: { code: 'AGGREGATE_OUTSIDE_STATS', start: 40, end: 46 },
  },
  {
    name: 'error NOT_AGGREGATE: bare field in stats',
    query: 'stats bytes by srcAddr',
    error: { code: 'NOT_AGGREGATE', start: 6, end: 11 },
  },
  {
    name: 'error NOT_AGGREGATE: scalar function in stats',
    query: 'stats count(*) as n, toupper(action) as a',
    error: { code: 'NOT_AGGREGATE', start: 21 },
  },
  {
    name: 'error DEDUP_NOT_LAST: fields after dedup',
    query: 'dedup srcAddr | fields srcAddr',
    error: { code: 'DEDUP_NOT_LAST', start: 16 },
  },
  {
    name: 'error DEDUP_NOT_LAST: sort after dedup',
    query: 'fields srcAddr | dedup srcAddr | sort srcAddr desc',
    error: { code: 'DEDUP_NOT_LAST', start: 33 },
  },
  {
    name: 'error DEDUP_NOT_LAST: stats after dedup',
    query: 'dedup srcAddr | stats count(*) as n',
    error: { code: 'DEDUP_NOT_LAST', start: 16 },
  },
  {
    name: 'error BAD_PERIOD: 300s (write 5m)',
    query: 'stats count(*) by bin(300s)',
    error: { code: 'BAD_PERIOD', start: 22, end: 26 },
  },
  {
    name: 'error BAD_PERIOD: 61m',
    query: 'stats count(*) as n by bin(61m)',
    error: { code: 'BAD_PERIOD', start: 27, end: 30 },
  },
  {
    name: 'error BAD_PERIOD: 25h',
    query: 'stats count(*) as n by bin(25h)',
    error: { code: 'BAD_PERIOD', start: 27, end: 30 },
  },
  {
    name: 'error BAD_PERIOD: 1001ms',
    query: 'stats count(*) as n by bin(1001ms)',
    error: { code: 'BAD_PERIOD', start: 27, end: 33 },
  },
  { name: 'error BAD_LIMIT: 0', query: 'limit 0', error: { code: 'BAD_LIMIT', start: 6, end: 7 } },
  {
    name: 'error BAD_LIMIT: above 100000',
    query: 'limit 100001',
    error: { code: 'BAD_LIMIT', start: 6, end: 12 },
  },
  {
    name: 'error BAD_LIMIT: 0 after fields',
    query: 'fields srcAddr | limit 0',
    error: { code: 'BAD_LIMIT', start: 23, end: 24 },
  },
  {
    name: 'error BAD_CIDR: IPv4 prefix above 32',
    query: 'filter isIpv4InSubnet(srcAddr, "10.0.0.0/33")',
    error: { code: 'BAD_CIDR', start: 31, end: 44 },
  },
  {
    name: 'error BAD_CIDR: not a CIDR',
    query: 'filter isIpInSubnet(srcAddr, "not-a-cidr")',
    error: { code: 'BAD_CIDR', start: 29, end: 41 },
  },
  {
    name: 'error BAD_CIDR: IPv6 prefix above 128',
    query: 'filter isIpv6InSubnet(srcAddr, "2001:db8::/129")',
    error: { code: 'BAD_CIDR', start: 31, end: 47 },
  },
  {
    name: 'error UNSUPPORTED_COMMAND: unmask',
    query: 'fields @message | unmask',
    error: { code: 'UNSUPPORTED_COMMAND', start: 18, end: 24 },
  },
  {
    name: 'error UNSUPPORTED_COMMAND: pattern',
    query: 'pattern @message',
    error: { code: 'UNSUPPORTED_COMMAND', start: 0, end: 7 },
  },
  {
    name: 'error UNSUPPORTED_COMMAND: diff',
    query: 'diff',
    error: { code: 'UNSUPPORTED_COMMAND', start: 0, end: 4 },
  },
  {
    name: 'error UNSUPPORTED_COMMAND: diff previousDay',
    query: 'diff previousDay',
    error: { code: 'UNSUPPORTED_COMMAND', start: 0, end: 4 },
  },
  {
    name: 'error UNSUPPORTED_COMMAND: anomaly',
    query: 'fields @message | anomaly',
    error: { code: 'UNSUPPORTED_COMMAND', start: 18, end: 25 },
  },
  {
    name: 'error UNSUPPORTED_COMMAND: SOURCE',
    query: "SOURCE logGroups(namePrefix: ['/aws/vpc']) | fields srcAddr",
    error: { code: 'UNSUPPORTED_COMMAND', start: 0, end: 6 },
  },
  {
    name: 'error TIMESTAMP_STRING: @timestamp > a date string',
    query: 'filter @timestamp > "2024-05-20 10:00:00"',
    error: { code: 'TIMESTAMP_STRING' },
  },
  {
    name: 'error TIMESTAMP_STRING: @timestamp = an ISO string',
    query: "filter @timestamp = '2024-05-20T10:00:05Z'",
    error: { code: 'TIMESTAMP_STRING' },
  },
];
