// Plain IP/CIDR lists (FireHOL, Spamhaus legacy drop.txt, most blocklists): one entry per line, `#`/`;` comments.

import { type FeedProblem, type Indicator, type ParsedFeed, problemText } from '../indicator.js';
import { cidrRange, spanRange } from '../ip-range.js';

/**
 * Parses a plain list: each line an address, a CIDR block or a `first-last` range, optionally followed by a
 * comment after `;` or `#` (kept as the description, e.g. a legacy Spamhaus `SBL123`). Blank and comment lines
 * are ignored; anything else is a problem at its line.
 *
 * @example parsePlainList('203.0.113.0/24 ; SBL1\n').indicators[0]?.description // 'SBL1'
 */
export function parsePlainList(text: string): ParsedFeed {
  const indicators: Indicator[] = [];
  const problems: FeedProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const cut = raw.search(/[#;]/);
    const entry = (cut < 0 ? raw : raw.slice(0, cut)).trim();
    const comment = cut < 0 ? '' : raw.slice(cut + 1).trim();
    if (entry === '') continue;
    const token = entry.split(/\s+/)[0]!;
    const dash = token.indexOf('-');
    const range = dash > 0 ? spanRange(token.slice(0, dash), token.slice(dash + 1)) : cidrRange(token);
    if (range === undefined) {
      problems.push({
        line: i + 1,
        message: `"${token}" is not an IPv4/IPv6 address, CIDR block or first-last range`,
        text: problemText(raw),
      });
      continue;
    }
    indicators.push({
      lo: range.lo,
      hi: range.hi,
      v6: range.v6,
      text: token,
      description: comment === '' ? undefined : comment,
      labels: [],
      line: i + 1,
    });
  }
  return { format: 'list', indicators, problems, revoked: 0 };
}
