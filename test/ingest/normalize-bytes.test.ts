// normalizeBytes (a live batch split in memory) writes exactly what normalize writes for the same bytes read from a
// file: the same normal and odd lines, numbers, counts and problems; with times, normal lines carry each line's
// time after its number and odd lines' times are listed apart.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize, normalizeBytes } from '../../src/ingest/normalize.js';
import { DEFAULT, detectHeader } from '../../src/records/format.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-normalize-bytes-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const choose = (first: string) => {
  const header = detectHeader(first);
  return header ? { format: header, header: true } : { format: DEFAULT, header: false };
};
const GOOD = '2 123456789012 eni-a 10.0.0.1 10.0.0.2 443 49152 6 10 840 1716200000 1716200060 ACCEPT OK';

describe('normalizeBytes', () => {
  it('splits as normalize does (property: lines of every kind, LF/CRLF/CR, blank lines, a header)', async () => {
    const piece = fc.constantFrom(
      GOOD,
      `  ${GOOD}`,
      `{"message":"${GOOD}"}`,
      '2 123456789012 eni-a x',
      '',
      '   ',
      `${GOOD}\tz`,
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      'é ü 2',
    );
    const end = fc.constantFrom('\n', '\r\n', '\r');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(piece, end), { minLength: 1, maxLength: 12 }), async (parts) => {
        const text = parts.map(([p, e]) => p + e).join('');
        const file = join(dir, 'in.txt');
        writeFileSync(file, text);
        const a = await normalize(file, false, choose, join(dir, 'fn'), join(dir, 'fo'));
        const b = await normalizeBytes(
          Buffer.from(text),
          choose,
          join(dir, 'bn'),
          join(dir, 'bo'),
          undefined,
        );
        expect(readFileSync(join(dir, 'bn'), 'utf8')).toBe(readFileSync(join(dir, 'fn'), 'utf8'));
        expect(readFileSync(join(dir, 'bo'), 'utf8')).toBe(readFileSync(join(dir, 'fo'), 'utf8'));
        expect({ ...b, normalTimes: undefined, oddTimes: undefined }).toEqual({
          ...a,
          normalTimes: undefined,
          oddTimes: undefined,
        });
      }),
      { numRuns: 60 },
    );
  });

  it('with times: normal lines carry `<seconds> <source>` or `- -`, odd lines are listed apart', async () => {
    // Bytes: line 1 (normal) at offset 0, line 2 (odd: leading spaces) at 90, line 3 (normal, no time) at 182 (the line is 89 bytes).
    const text = `${GOOD}\n  ${GOOD}\n${GOOD}\n`;
    const at = (offset: number) =>
      offset < 182 ? `17162000${offset < 90 ? '01' : '02'} cwl-event` : undefined;
    const r = await normalizeBytes(Buffer.from(text), choose, join(dir, 'tn'), join(dir, 'to'), { at });
    expect(r.normalTimes).toBe(true);
    expect(readFileSync(join(dir, 'tn'), 'utf8')).toBe(`1 1716200001 cwl-event ${GOOD}\n3 - - ${GOOD}\n`);
    expect(readFileSync(join(dir, 'to'), 'utf8')).toBe(`2 -   ${GOOD}\n`);
    expect(r.oddTimes).toBe('2 1716200002 cwl-event\n');
  });
});
