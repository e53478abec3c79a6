// AWS's own TestMetricFilter request/response samples (issue 12 item 4), through both in-memory matchers.
// Source: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TestMetricFilter.html
// (2014 text, seven examples), transcribed in test/fixtures/aws-testmetricfilter/ (see PROVENANCE.md there).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileLineMatcher, compileMatcher, parsePattern } from '../../src/filter/index.js';

interface Sample {
  title: string;
  filterPattern: string;
  logEventMessages: string[];
  matches: { eventNumber: number; extractedValues: Record<string, string> }[];
}

const { samples } = JSON.parse(
  readFileSync(new URL('../fixtures/aws-testmetricfilter/samples.json', import.meta.url), 'utf8'),
) as { samples: Sample[] };

describe("AWS's TestMetricFilter samples", () => {
  it('has the seven published examples', () => expect(samples).toHaveLength(7));

  for (const s of samples) {
    it(`${s.filterPattern} — ${s.title}`, () => {
      const pattern = parsePattern(s.filterPattern);
      const match = compileMatcher(pattern);
      const line = compileLineMatcher(pattern);
      const got = s.logEventMessages.flatMap((m, i) => {
        const r = match(m);
        const buf = Buffer.from(m);
        expect(line(buf, 0, buf.length)?.extractedValues).toEqual(r?.extractedValues);
        return r ? [{ eventNumber: i, extractedValues: r.extractedValues }] : [];
      });
      expect(got).toEqual(s.matches);
    });
  }
});
