// Why a filter pattern matched none of the lines it was tested on, when the reason is the shape of the lines and
// not their values: a space-delimited pattern of 14 fields tested on lines of 29 (a pattern written for another
// flow log format), a JSON pattern on space-delimited lines, or a flow log header line taken for an event. The
// answer (0 of N) is what CloudWatch's TestMetricFilter gives too; these say why, and what to write instead.

import { type Pattern, slotLayout } from '../filter/ast.js';
import { splitFields } from '../filter/matcher.js';

/** What the tested lines look like, counted over (a sample of) them. */
export interface LineShapes {
  /** Lines sampled. */
  lines: number;
  /** How many sampled lines have each number of space-separated fields. */
  readonly fieldCounts: Map<number, number>;
  /** Sampled lines that start with `{` (after spaces). */
  json: number;
  /** The first line, when it is a flow log header line (`version account-id ...`). */
  header: boolean;
}

/** Empty shapes to count into with {@link countLine}. */
export function lineShapes(): LineShapes {
  return { lines: 0, fieldCounts: new Map(), json: 0, header: false };
}

/** Counts one line into `shapes` (the first call's line is checked for a header line). */
export function countLine(shapes: LineShapes, line: string): void {
  const t = line.trim();
  // fields as the [...] matchers cut them (spaces; a quoted or bracketed field is one), so the diagnosis is theirs
  const fields = splitFields(t).length;
  if (shapes.lines === 0) shapes.header = /^version(\s+[a-z][a-z0-9-]*)+$/.test(t) && t.includes('-');
  shapes.lines++;
  shapes.fieldCounts.set(fields, (shapes.fieldCounts.get(fields) ?? 0) + 1);
  if (t.startsWith('{')) shapes.json++;
}

/**
 * The reasons no line matched, from the pattern's shape against the lines' (empty when the shapes fit, or when
 * something matched: only called for 0 matches).
 *
 * @example patternFitProblems(parsePattern('[a, b, c]'), shapesOf(['1 2 3 4'])) // ['the pattern has 3 fields ...']
 */
export function patternFitProblems(pattern: Pattern, shapes: LineShapes): string[] {
  if (shapes.lines === 0) return [];
  const out: string[] = [];
  const counts = [...shapes.fieldCounts.entries()].sort((a, b) => b[1] - a[1]);
  const usual = counts[0]![0];
  const sample = `${shapes.lines} line${shapes.lines === 1 ? '' : 's'} looked at`;
  if (pattern.kind === 'delimited') {
    const { fixed, ellipsis, fits } = slotLayout(pattern);
    const open = ellipsis >= 0;
    if (!counts.some(([n]) => fits(n))) {
      const have =
        counts.length === 1
          ? `every line has ${usual} fields`
          : `the lines have ${counts
              .slice(0, 3)
              .map(([n, c]) => `${n} fields (${c})`)
              .join(', ')}`;
      out.push(
        open
          ? `the pattern needs at least ${fixed} fields, but ${have} (${sample}): no line can match`
          : `the pattern has ${fixed} fields and no "...", so it matches only lines of exactly ${fixed} fields, but ${have} (${sample}); ` +
              `a pattern for another flow log format? Name all ${usual} fields of these lines in order, or start with "..." ` +
              "([..., dstport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status] for the default format's last fields)",
      );
    }
  } else if (pattern.kind === 'json' && shapes.json === 0) {
    out.push(
      `the pattern is a JSON pattern ({ $.field ... }), but no line is a JSON object (${sample}); flow log lines are ` +
        'space-delimited: test their fields with [version, account, eni, source, destination, srcport, destport, protocol, packets, bytes, start, end, action, status]',
    );
  }
  if (shapes.header)
    out.push(
      'line 1 is a flow log header line (version account-id ...), the first line of an S3 file, not an event: CloudWatch Logs events have no header',
    );
  return out;
}
