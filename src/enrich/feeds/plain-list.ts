// Plain IP/CIDR lists (FireHOL, Spamhaus legacy drop.txt, most blocklists): one entry per line, `#`/`;` comments.

import { type FeedProblem, type Indicator, type ParsedFeed, problemText } from '../indicator.js';
import { cidrRange, spanRange } from '../ip-range.js';

/** A URL (scheme://...) or a domain name: letters, digits and hyphens in two or more dot-separated labels. */
const URL_OR_DOMAIN = /^(?:[a-z][a-z0-9+.-]*:\/\/\S+|(?=[a-z0-9.-]*[a-z])[a-z0-9-]+(?:\.[a-z0-9-]+)+\.?)$/i;

/** Why a token is not an indicator, and for a domain name or URL (a domain blocklist) what to do instead. */
function notAnAddress(token: string): string {
  const fits = (t: string) => cidrRange(t) !== undefined;
  // In quotes (straight, or typographic from a web page or a word processor).
  const unquoted = token.replace(/^["'\u2018\u2019\u201c\u201d]+|["'\u2018\u2019\u201c\u201d]+$/g, '');
  if (unquoted !== token && fits(unquoted))
    return `"${token}" is an address in quotes: write ${unquoted} alone on its line`;
  // An address with a port (1.2.3.4:443, [2001:db8::1]:443): indicators are addresses.
  const port = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(token);
  if (port && fits(port[1]!) && (token.startsWith('[') || !port[1]!.includes(':')))
    return `"${token}" is an address with a port: indicators are addresses (flow logs give the ports); write ${port[1]}`;
  // A CSV row (an export with more columns): one address per line.
  const cell = token.split(',')[0]!.replace(/^["']|["']$/g, '');
  if (token.includes(',') && fits(cell))
    return `"${token}" is a CSV row: a plain list holds one address, CIDR block or range per line (here ${cell}); keep the address column alone`;
  if (URL_OR_DOMAIN.test(token)) {
    const host = token.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/[/:?#].*$/, '');
    return `"${token}" is a ${token.includes('://') ? 'URL' : 'domain name'}, not an address: flow logs record addresses only, so list the addresses it resolves to (dig +short ${host})`;
  }
  return `"${token}" is not an IPv4/IPv6 address, CIDR block or first-last range`;
}

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
      problems.push({ line: i + 1, message: notAnAddress(token), text: problemText(raw) });
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
