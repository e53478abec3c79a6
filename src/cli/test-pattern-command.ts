// `flowwatch test-pattern`: CloudWatch's TestMetricFilter, locally: which lines a filter pattern matches.

import type { Command } from 'commander';
import { SourceError } from '../core/errors.js';
import { compileLineMatcher, FilterPatternError, parsePattern } from '../filter/index.js';
import { LineSplitter } from '../ingest/line-splitter.js';
import { countLine, lineShapes, patternFitProblems } from '../metrics/pattern-fit.js';
import { patternValueProblems } from '../metrics/pattern-values.js';
import { MAX_LINE_BYTES } from '../records/parse-line.js';
import type { Io } from './context.js';
import { caret, inputStream } from './input-lines.js';
import { parseOutput, render } from './output.js';

/** How many of the first lines are looked at to say why nothing matched. */
const SHAPE_SAMPLE = 1000;

/** One match as TestMetricFilter returns it; `eventNumber` is 1-based (see DESIGN.md). */
interface TestMatch {
  eventNumber: number;
  eventMessage: string;
  extractedValues: Record<string, string>;
}

export function registerTestPattern(program: Command, io: Io): void {
  program
    .command('test-pattern')
    .description(
      "test a CloudWatch Logs filter pattern against log lines (CloudWatch's TestMetricFilter, offline)",
    )
    .argument(
      '<pattern>',
      "the filter pattern, e.g. '[..., dstport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]'",
    )
    .option('--file <file>', 'read the log lines from this file (plain or gzip); default: stdin')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--count', 'print only how many events match (fast over millions of lines)')
    .addHelpText(
      'after',
      `
Every line is one log event. Only matching events are listed, numbered from 1 in input order, with
the values the pattern extracts ($name for named fields, $1, $2, ... for unnamed ones). Unlike the
API there is no limit of 50 events. Lines end at LF, CRLF or a lone CR; a line longer than 1 MiB is
counted as an event but not tested (CloudWatch refuses events over 256 KB), and named on stderr.

Example:
  zcat flows.log.gz | flowwatch test-pattern '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]' -o json`,
    )
    .action(async (text: string, flags: { file?: string; output: string; count?: boolean }) => {
      const output = parseOutput(flags.output);
      let matcher: ReturnType<typeof compileLineMatcher>;
      try {
        matcher = compileLineMatcher(parsePattern(text));
      } catch (err) {
        if (err instanceof FilterPatternError) err.detail = caret(text, err.start, err.end);
        throw err;
      }
      // A test no flow log line can pass as spelt (`action = reject`): said before the (empty) answer.
      for (const p of patternValueProblems(parsePattern(text))) io.err(`warning: ${p.message}\n`);
      // The lines are cut and tested where they lie in the read buffers (the byte matcher); a string is made
      // only for a matching line's message.
      const matches: TestMatch[] = [];
      // The shapes of the first lines, to say why nothing matched when that is the answer.
      const shapes = lineShapes();
      let n = 0;
      let matched = 0;
      const tooLong: number[] = [];
      const splitter = new LineSplitter({
        line(buf, s, e) {
          n++;
          if (n <= SHAPE_SAMPLE) countLine(shapes, buf.toString('utf8', s, Math.min(e, s + 4096)));
          const m = matcher(buf, s, e);
          if (m === undefined) return;
          matched++;
          if (flags.count) return;
          matches.push({
            eventNumber: n,
            eventMessage: buf.toString('utf8', s, e),
            extractedValues: { ...m.extractedValues },
          });
        },
        tooLong() {
          n++;
          tooLong.push(n);
        },
      });
      // A damaged or cut gzip stream: the events before the damage are still reported, then the error.
      let damaged: Error | undefined;
      try {
        for await (const chunk of await inputStream(io, flags.file))
          splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      } catch (err) {
        if (err instanceof SourceError) throw err;
        damaged = err as Error;
      }
      // After damage the last, unfinished line is the damaged part, not an event.
      splitter.end(damaged === undefined);
      if (tooLong.length > 0)
        io.err(
          `warning: ${tooLong.length} event(s) longer than ${MAX_LINE_BYTES / (1 << 20)} MiB not tested (event ${tooLong.slice(0, 5).join(', ')}${tooLong.length > 5 ? ', ...' : ''})\n`,
        );
      if (matched === 0)
        for (const p of patternFitProblems(parsePattern(text), shapes)) io.err(`warning: ${p}\n`);
      if (flags.count) {
        if (output === 'json') io.out(`${JSON.stringify({ matched, events: n })}\n`);
        else io.out(`${matched} of ${n} events match.\n`);
        if (damaged) throw unreadable(flags.file, n, damaged);
        return;
      }
      if (output === 'json') {
        io.out(`${JSON.stringify(matches, null, 2)}\n`);
        if (damaged) throw unreadable(flags.file, n, damaged);
        return;
      }
      const rows = matches.map((m) => ({
        event: m.eventNumber,
        message: m.eventMessage.length > 100 ? `${m.eventMessage.slice(0, 97)}...` : m.eventMessage,
        extracted: Object.entries(m.extractedValues)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      }));
      io.out(render({ columns: ['event', 'message', 'extracted'], rows }, output));
      io.err(`${matched} of ${n} events match.\n`);
      if (damaged) throw unreadable(flags.file, n, damaged);
    });
}

/** The error for input that broke off: where (after how many events) and why. */
function unreadable(file: string | undefined, events: number, err: Error): SourceError {
  return new SourceError(
    'INPUT_DAMAGED',
    file ?? 'stdin',
    `the input is damaged or cut short after event ${events} (${err.message}); the events above were tested`,
    'a truncated .gz (an interrupted download or copy) can be checked with gzip -t; fetch the file again',
  );
}
