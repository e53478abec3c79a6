// abuse.ch CSV blocklists (Feodo Tracker ipblocklist.csv): `#` comment lines, one of them naming the columns,
// then quoted CSV rows `first_seen_utc, dst_ip, dst_port, c2_status, last_online, malware`.

import { type FeedProblem, type Indicator, type ParsedFeed, problemText } from '../indicator.js';
import { cidrRange } from '../ip-range.js';

/** The licence abuse.ch states for its Feodo Tracker blocklist. */
export const ABUSECH_LICENCE = 'CC0-1.0 (abuse.ch)';

/** Feodo Tracker's columns, used when the file names none. */
const DEFAULT_COLUMNS = ['first_seen_utc', 'dst_ip', 'dst_port', 'c2_status', 'last_online', 'malware'];

/** The columns that may hold the address, in order of preference. */
const ADDRESS_COLUMNS = ['dst_ip', 'ip_address', 'ip'];

/** Splits one CSV line (double quotes, `""` inside quotes), or undefined when a quote is left open. */
export function splitCsv(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (quoted) return undefined;
  out.push(cur.trim());
  return out;
}

/**
 * Parses an abuse.ch CSV blocklist. The column names come from the last comment line that lists an address
 * column (`dst_ip`), else Feodo's default order. Each row becomes an indicator described by its malware, port and
 * status, labelled with the malware family.
 *
 * @example parseAbusechCsv('"2021-01-17 07:44:46","51.68.175.105","443","online","2023-01-26","Dridex"\n').indicators[0]?.labels // ['Dridex']
 */
export function parseAbusechCsv(text: string): ParsedFeed {
  const indicators: Indicator[] = [];
  const problems: FeedProblem[] = [];
  let columns = DEFAULT_COLUMNS;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const names = splitCsv(trimmed.replace(/^#+/, '').trim())?.map((n) => n.toLowerCase());
      if (names && names.length > 1 && names.some((n) => ADDRESS_COLUMNS.includes(n))) columns = names;
      continue;
    }
    const bad = (message: string) => problems.push({ line: i + 1, message, text: problemText(raw) });
    const cells = splitCsv(trimmed);
    if (cells === undefined) {
      bad('a quoted field is not closed');
      continue;
    }
    const row = new Map(columns.map((c, j) => [c, cells[j] ?? '']));
    const addressColumn = ADDRESS_COLUMNS.find((c) => row.has(c))!;
    const address = row.get(addressColumn) ?? '';
    const range = cidrRange(address);
    if (range === undefined || address === '') {
      bad(`${addressColumn} "${address}" is not an IPv4/IPv6 address (columns: ${columns.join(', ')})`);
      continue;
    }
    const malware = row.get('malware') ?? '';
    const port = row.get('dst_port') ?? '';
    const status = row.get('c2_status') ?? '';
    const parts = [
      malware === '' ? 'C2' : `${malware} C2`,
      port === '' ? '' : `port ${port}`,
      status === '' ? '' : `(${status})`,
    ];
    indicators.push({
      lo: range.lo,
      hi: range.hi,
      v6: range.v6,
      text: address,
      description: parts.filter((p) => p !== '').join(' '),
      labels: malware === '' ? [] : [malware],
      line: i + 1,
    });
  }
  return { format: 'abusech-csv', indicators, problems, licence: ABUSECH_LICENCE, revoked: 0 };
}
