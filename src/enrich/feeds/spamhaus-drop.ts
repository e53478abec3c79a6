// Spamhaus DROP JSON (drop_v4.json, drop_v6.json): NDJSON, one {"cidr","sblid","rir"} object a line and a
// trailing {"type":"metadata",...} line.

import { type FeedProblem, type Indicator, type ParsedFeed, problemText } from '../indicator.js';
import { cidrRange } from '../ip-range.js';

/** The licence recorded for DROP when the user gives none: the feed's own copyright line, else this. */
export const DROP_LICENCE = 'Spamhaus DROP terms of use (https://www.spamhaus.org/drop/)';

/**
 * Parses Spamhaus DROP NDJSON. Each entry becomes an indicator labelled with its RIR and described by its SBL id;
 * the metadata line's `copyright` becomes the licence text.
 *
 * @example parseSpamhausDrop('{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}\n').indicators.length // 1
 */
export function parseSpamhausDrop(text: string): ParsedFeed {
  const indicators: Indicator[] = [];
  const problems: FeedProblem[] = [];
  let licence: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const bad = (message: string) => problems.push({ line: i + 1, message, text: problemText(raw) });
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      bad('not a JSON object (DROP JSON has one object per line)');
      continue;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      bad('not a JSON object (DROP JSON has one object per line)');
      continue;
    }
    const o = obj as Record<string, unknown>;
    if (o['type'] === 'metadata') {
      if (typeof o['copyright'] === 'string') licence = o['copyright'];
      continue;
    }
    if (typeof o['cidr'] !== 'string') {
      bad('no "cidr" field');
      continue;
    }
    const range = cidrRange(o['cidr']);
    if (range === undefined) {
      bad(`"cidr" ${JSON.stringify(o['cidr'])} is not a CIDR block`);
      continue;
    }
    indicators.push({
      lo: range.lo,
      hi: range.hi,
      v6: range.v6,
      text: o['cidr'],
      description: typeof o['sblid'] === 'string' ? o['sblid'] : undefined,
      labels: typeof o['rir'] === 'string' ? [o['rir']] : [],
      line: i + 1,
    });
  }
  return { format: 'spamhaus-drop', indicators, problems, licence, revoked: 0 };
}
