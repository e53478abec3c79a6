// STIX 2.1 indicators (a bundle, an array of objects, or one indicator): the IPv4/IPv6 subset of STIX patterns,
// with valid_from/valid_until and revocation.

import { jsonErrorOffset } from '../../core/json-position.js';
import { type FeedProblem, type Indicator, type ParsedFeed, problemText } from '../indicator.js';
import { cidrRange } from '../ip-range.js';

/** One address comparison: `ipv4-addr:value = '…'`, `… ISSUBSET '…'`, `network-traffic:dst_ref.value = '…'`. */
const COMPARISON =
  /^(?:ipv4-addr:value|ipv6-addr:value|network-traffic:(?:src|dst)_ref\.value)\s*(?:=|ISSUBSET)\s*'([^']*)'$/;

/**
 * The addresses and CIDR blocks a STIX pattern matches, or undefined when the pattern is anything but an OR of
 * address comparisons (an AND, another object type, a qualifier such as WITHIN: matching only its address part
 * would report traffic the pattern does not describe).
 *
 * @example stixPatternAddresses("[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value ISSUBSET '203.0.113.0/24']") // ['198.51.100.7', '203.0.113.0/24']
 */
export function stixPatternAddresses(pattern: string): string[] | undefined {
  // Brackets and parentheses only group; with nothing but OR between comparisons they change nothing.
  const flat = pattern.replace(/'[^']*'|[[\]()]/g, (m) => (m.startsWith("'") ? m : ' '));
  const terms = flat.split(/\s+OR\s+/);
  const out: string[] = [];
  for (const term of terms) {
    const m = COMPARISON.exec(term.trim());
    if (!m) return undefined;
    out.push(m[1]!);
  }
  return out;
}

/** Unix seconds of a STIX timestamp, or undefined. */
function stixTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** 1-based line of a text offset. */
function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Thrown when the file is not JSON at all (nothing can be loaded from it). */
export class StixSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses STIX 2.1 JSON. Indicators whose pattern is an OR of IPv4/IPv6 address or CIDR comparisons load (one
 * indicator per address); other indicators are problems ("unsupported pattern") at the line of their `id`;
 * `revoked: true` ones are counted and left out; other object types are ignored.
 *
 * @example parseStix(bundleText).indicators.map((i) => i.text)
 */
export function parseStix(text: string): ParsedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const at = jsonErrorOffset(text) ?? 0;
    throw new StixSyntaxError(lineAt(text, at), 'not valid JSON (a STIX bundle is one JSON document)');
  }
  const objects: unknown[] = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === 'object' && Array.isArray((doc as Record<string, unknown>)['objects'])
      ? ((doc as Record<string, unknown>)['objects'] as unknown[])
      : [doc];
  const indicators: Indicator[] = [];
  const problems: FeedProblem[] = [];
  let revoked = 0;
  let searchFrom = 0;
  for (const obj of objects) {
    if (obj === null || typeof obj !== 'object') continue;
    const o = obj as Record<string, unknown>;
    if (o['type'] !== 'indicator') continue;
    const id = typeof o['id'] === 'string' ? o['id'] : '';
    // The object's line: where its id is written (ids are unique in a bundle; search on from the last one).
    let at = id === '' ? -1 : text.indexOf(JSON.stringify(id), searchFrom);
    if (at < 0 && id !== '') at = text.indexOf(JSON.stringify(id));
    if (at >= 0) searchFrom = at;
    const line = at < 0 ? 1 : lineAt(text, at);
    const bad = (message: string) =>
      problems.push({ line, message: `${id || 'indicator'}: ${message}`, text: problemText(id) });
    if (o['revoked'] === true) {
      revoked++;
      continue;
    }
    const pattern = o['pattern'];
    if (typeof pattern !== 'string') {
      bad('no "pattern"');
      continue;
    }
    if (o['pattern_type'] !== undefined && o['pattern_type'] !== 'stix') {
      bad(`unsupported pattern_type "${String(o['pattern_type'])}" (only stix patterns are read)`);
      continue;
    }
    const addresses = stixPatternAddresses(pattern);
    if (addresses === undefined) {
      bad(`unsupported pattern ${pattern} (only ORs of ipv4-addr/ipv6-addr value comparisons are matched)`);
      continue;
    }
    const validFrom = o['valid_from'] === undefined ? undefined : stixTime(o['valid_from']);
    if (o['valid_from'] !== undefined && validFrom === undefined) {
      bad(
        `valid_from ${JSON.stringify(o['valid_from'])} is not a STIX timestamp (e.g. 2024-01-01T00:00:00Z)`,
      );
      continue;
    }
    const validUntil = o['valid_until'] === undefined ? undefined : stixTime(o['valid_until']);
    if (o['valid_until'] !== undefined && validUntil === undefined) {
      bad(
        `valid_until ${JSON.stringify(o['valid_until'])} is not a STIX timestamp (e.g. 2024-01-01T00:00:00Z)`,
      );
      continue;
    }
    const ranges = addresses.map((a) => [a, cidrRange(a)] as const);
    const wrong = ranges.find(([, r]) => r === undefined);
    if (wrong) {
      bad(`"${wrong[0]}" is not an IPv4/IPv6 address or CIDR block`);
      continue;
    }
    const name = typeof o['name'] === 'string' ? o['name'] : undefined;
    const desc = typeof o['description'] === 'string' ? o['description'] : undefined;
    const labels = Array.isArray(o['indicator_types'])
      ? o['indicator_types'].filter((t): t is string => typeof t === 'string')
      : [];
    for (const [a, r] of ranges) {
      indicators.push({
        lo: r!.lo,
        hi: r!.hi,
        v6: r!.v6,
        text: a,
        validFrom,
        validUntil,
        description: [name, desc, id].filter((x) => x !== undefined && x !== '').join(' — ') || undefined,
        labels,
        line,
      });
    }
  }
  return { format: 'stix', indicators, problems, revoked };
}
