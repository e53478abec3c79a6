// The one normalised form of a threat-intelligence entry, whatever feed it came from, and a feed's parse result.

/** The feed formats flowwatch reads. */
export type FeedFormat = 'list' | 'spamhaus-drop' | 'abusech-csv' | 'stix';

export const FEED_FORMATS: readonly FeedFormat[] = ['list', 'spamhaus-drop', 'abusech-csv', 'stix'];

/**
 * One indicator: an inclusive range of address keys (see ip-range.ts: IPv4 as ::ffff:a.b.c.d), the text it was
 * written as, and when it is valid.
 */
export interface Indicator {
  readonly lo: bigint;
  readonly hi: bigint;
  readonly v6: boolean;
  /** The address, CIDR or range as the feed wrote it. */
  readonly text: string;
  /** Unix seconds from which the indicator holds (STIX valid_from); undefined: always. */
  readonly validFrom?: number | undefined;
  /** Unix seconds at which it stops holding (STIX valid_until, exclusive); undefined: never. */
  readonly validUntil?: number | undefined;
  readonly description?: string | undefined;
  readonly labels: readonly string[];
  /** 1-based line of the feed file it came from. */
  readonly line: number;
}

/** A line of a feed that was skipped, and why. */
export interface FeedProblem {
  readonly line: number;
  readonly message: string;
  /** The line's text (cut to 200 characters). */
  readonly text: string;
}

/** What a feed parser returns. */
export interface ParsedFeed {
  readonly format: FeedFormat;
  readonly indicators: readonly Indicator[];
  readonly problems: readonly FeedProblem[];
  /** The licence the feed states or is known under, when it says. */
  readonly licence?: string | undefined;
  /** Entries left out on purpose (STIX `revoked: true`, not errors). */
  readonly revoked: number;
}

/** The text of a line for a problem report. */
export function problemText(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
