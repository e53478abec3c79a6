// `flowwatch test-pattern`: CloudWatch's TestMetricFilter, locally: which lines a filter pattern matches.

import type { Command } from 'commander';
import { compileMatcher, FilterPatternError, parsePattern } from '../filter/index.js';
import type { Io } from './context.js';
import { caret, inputLines } from './input-lines.js';
import { parseOutput, render } from './output.js';

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
    .addHelpText(
      'after',
      `
Every line is one log event. Only matching events are listed, numbered from 1 in input order, with
the values the pattern extracts ($name for named fields, $1, $2, ... for unnamed ones). Unlike the
API there is no limit of 50 events.

Example:
  zcat flows.log.gz | flowwatch test-pattern '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]' -o json`,
    )
    .action(async (text: string, flags: { file?: string; output: string }) => {
      const output = parseOutput(flags.output);
      let matcher: ReturnType<typeof compileMatcher>;
      try {
        matcher = compileMatcher(parsePattern(text));
      } catch (err) {
        if (err instanceof FilterPatternError) err.detail = caret(text, err.start, err.end);
        throw err;
      }
      const matches: TestMatch[] = [];
      let n = 0;
      for await (const line of inputLines(io, flags.file)) {
        n++;
        const m = matcher(line);
        if (m)
          matches.push({ eventNumber: n, eventMessage: line, extractedValues: { ...m.extractedValues } });
      }
      if (output === 'json') {
        io.out(`${JSON.stringify(matches, null, 2)}\n`);
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
      io.err(`${matches.length} of ${n} events match.\n`);
    });
}
