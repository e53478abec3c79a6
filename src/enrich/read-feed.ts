// Reads a feed file for `intel add` and `hunt --ioc`: the parse, its sha256, and a file:line report of every
// skipped line; a file that is unreadable, not JSON where JSON is needed, or holds no indicator is an error.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SourceError, UsageError } from '../core/errors.js';
import { parseFeed } from './feeds/parse-feed.js';
import { StixSyntaxError } from './feeds/stix-bundle.js';
import { FEED_FORMATS, type FeedFormat, type ParsedFeed } from './indicator.js';

/** A feed read from a file. */
export interface FeedFile {
  readonly path: string;
  readonly sha256: string;
  readonly parsed: ParsedFeed;
  /** One `file:line: message` line per skipped line, for the user. */
  readonly report: readonly string[];
}

/** A `--format` value, or undefined for auto-detection. */
export function feedFormatFlag(v: string | undefined): FeedFormat | undefined {
  if (v === undefined || v === 'auto') return undefined;
  if ((FEED_FORMATS as readonly string[]).includes(v)) return v as FeedFormat;
  throw new UsageError('BAD_FEED_FORMAT', `--format "${v}" is not one of auto, ${FEED_FORMATS.join(', ')}`);
}

/**
 * Reads and parses a feed file. Throws SourceError when it cannot be read, is broken JSON (STIX), or yields no
 * indicator at all (with the first problems, so a wrong --format is plain to see).
 *
 * @example const f = readFeedFile('drop_v4.json'); f.parsed.indicators.length
 */
export function readFeedFile(path: string, format?: FeedFormat): FeedFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceError(
      'FEED_UNREADABLE',
      path,
      code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})`,
    );
  }
  let parsed: ParsedFeed;
  try {
    parsed = parseFeed(buf.toString('utf8'), format);
  } catch (err) {
    if (err instanceof StixSyntaxError)
      throw new SourceError('FEED_JSON', `${path}:${err.line}`, err.message);
    throw err;
  }
  const report = parsed.problems.map((p) => `${path}:${p.line}: ${p.message} (skipped): ${p.text}`);
  if (parsed.indicators.length === 0) {
    const e = new SourceError(
      'FEED_EMPTY',
      path,
      `no indicator could be read as ${parsed.format}${parsed.problems.length > 0 ? ` (${parsed.problems.length} bad lines)` : ''}${parsed.revoked > 0 ? ` (${parsed.revoked} revoked)` : ''}`,
      `check the file, or give its format: --format ${FEED_FORMATS.join('|')}`,
    );
    if (report.length > 0) e.detail = report.slice(0, 5).join('\n');
    throw e;
  }
  return { path, sha256: createHash('sha256').update(buf).digest('hex'), parsed, report };
}

/** Prints at most `max` report lines through `err`, then how many more there were. */
export function printReport(report: readonly string[], err: (s: string) => void, max = 20): void {
  for (const line of report.slice(0, max)) err(`${line}\n`);
  if (report.length > max) err(`... and ${report.length - max} more skipped lines\n`);
}
