// Reads a threat-intelligence feed of any supported format: detects the format from the content (or takes the
// one given) and hands it to its parser.

import type { FeedFormat, ParsedFeed } from '../indicator.js';
import { parseAbusechCsv } from './abusech-csv.js';
import { parsePlainList } from './plain-list.js';
import { parseSpamhausDrop } from './spamhaus-drop.js';
import { parseStix } from './stix-bundle.js';

/**
 * The format of a feed's text: JSON with `"cidr"` on its first object line is Spamhaus DROP; other JSON is STIX;
 * a `#` comment line naming a `dst_ip` column, or a line starting with a quoted field and a comma, is abuse.ch CSV;
 * anything else a plain list.
 *
 * @example detectFeedFormat('{"cidr":"1.10.16.0/20","sblid":"SBL1","rir":"apnic"}') // 'spamhaus-drop'
 */
export function detectFeedFormat(text: string): FeedFormat {
  const lines = text.split(/\r?\n/, 200).map((l) => l.trim());
  const first = lines.find((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';')) ?? '';
  if (first.startsWith('{') && /"cidr"\s*:/.test(first)) return 'spamhaus-drop';
  if (first.startsWith('{') || first.startsWith('[')) return 'stix';
  if (lines.some((l) => l.startsWith('#') && /\bdst_ip\b/.test(l))) return 'abusech-csv';
  // A quoted field followed by more (abuse.ch's rows); a quoted address alone on its line is a plain list.
  if (first.startsWith('"') && first.includes(',')) return 'abusech-csv';
  return 'list';
}

/**
 * Parses a feed's text in `format` (detected when undefined).
 *
 * @example parseFeed('203.0.113.0/24\n').format // 'list'
 */
export function parseFeed(text: string, format?: FeedFormat): ParsedFeed {
  const f = format ?? detectFeedFormat(text.replace(/^\uFEFF/, ''));
  const body = text.replace(/^\uFEFF/, '');
  switch (f) {
    case 'list':
      return parsePlainList(body);
    case 'spamhaus-drop':
      return parseSpamhausDrop(body);
    case 'abusech-csv':
      return parseAbusechCsv(body);
    case 'stix':
      return parseStix(body);
    default: {
      const never: never = f;
      throw new Error(`unknown feed format ${String(never)}`);
    }
  }
}
