// flowwatch test-pattern --file (the byte matcher over the read buffers) lists exactly the events the string matcher
// (compileMatcher on each decoded line) matches, with the same extracted values, on the same lines: the conformance
// table's lines plus non-ASCII, quoted, JSON and blank ones, cut by LF, CRLF or a lone CR, plain and gzip.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMatcher, parsePattern } from '../../src/filter/index.js';
import { CASES, LINES } from '../filter/cases.js';
import { runMain } from '../support/capture-io.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-tpm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXTRA = [
  '2 123456789010 eni-1 203.0.113.12 172.31.16.21 49152 22 6 1 40 1418530010 1418530070 REJECT OK',
  '2 123456789010 eni-ü 203.0.113.12 172.31.16.21 49152 22 6 1 40 1418530010 1418530070 REJECT OK',
  '2 123456789010 eni-1 203.0.113.12 172.31.16.21 49152 22 6 1 40 1418530010 1418530070 RÉJECT OK',
  '2 123456789010 日本 203.0.113.12 172.31.16.21 49152 22 6 1 40 1418530010 1418530070 REJECT OK',
  '2  123456789010 eni-1 203.0.113.12 172.31.16.21 49152 22 6 1 40 1418530010 1418530070 REJECT OK',
  '"2 1" 123456789010 eni-1 203.0.113.12 172.31.16.21 49152 22 6 1 40 1418530010 1418530070 REJECT OK',
  '{"action":"REJECT","dstport":22}',
  '',
  'ERROR café 22 REJECT',
];
const lines = [...LINES, ...EXTRA];
const BREAKS = ['\n', '\r\n', '\r'];
// Every line ends with one of the three breaks in turn, so each kind of break follows every kind of line.
const body = lines.map((l, i) => `${l}${BREAKS[i % 3]}`).join('');
const plain = join(dir, 'lines.log');
const gz = join(dir, 'lines.log.gz');
writeFileSync(plain, body);
writeFileSync(gz, gzipSync(body));

describe('test-pattern --file: byte matcher = string matcher', () => {
  const patterns = [
    ...new Set(CASES.map((c) => c.pattern)),
    'REJECT',
    '"café"',
    '"日本"',
    '?ACCEPT ?"RÉJECT"',
  ];
  it.each(patterns)('%s', async (pattern) => {
    const m = compileMatcher(parsePattern(pattern));
    const expected = lines.flatMap((l, i) => {
      const r = m(l);
      return r === undefined
        ? []
        : [{ eventNumber: i + 1, eventMessage: l, extractedValues: { ...r.extractedValues } }];
    });
    for (const file of [plain, gz]) {
      const r = await runMain(['test-pattern', pattern, '--file', file, '-o', 'json']);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out), file).toEqual(expected);
      const c = await runMain(['test-pattern', pattern, '--file', file, '--count', '-o', 'json']);
      expect(JSON.parse(c.out)).toEqual({ matched: expected.length, events: lines.length });
    }
  });
});
