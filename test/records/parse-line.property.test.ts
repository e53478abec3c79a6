// Property tests of the line parser: it never throws, its results are well-formed, and valid records round-trip.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELDS, type FieldDef } from '../../src/records/catalog.js';
import { type Format, parseFormat } from '../../src/records/format.js';
import {
  MILLIS_THRESHOLD,
  type ParsedLine,
  parseLine,
  type RejectCode,
} from '../../src/records/parse-line.js';

const CODES: readonly RejectCode[] = [
  'FIELD_COUNT',
  'NOT_INTEGER',
  'OUT_OF_RANGE',
  'BAD_JSON',
  'INVALID_UTF8',
  'CONTROL_CHAR',
];
const DEFAULT = parseFormat('default');
/** A custom format mixing known and unknown fields. */
const MIXED = parseFormat('${version} ${my-tag} ${srcport} ${bytes} ${flow-direction} ${start} ${other_tag}');
const RUNS = { numRuns: 300 };

/** Characters that stress the splitter, the JSON unwrapper and the integer check. */
const NASTY = fc.constantFrom(
  ' ',
  ' ',
  '  ',
  '-',
  '{',
  '}',
  '"',
  ':',
  ',',
  'T',
  'Z',
  '\r',
  '\n',
  '\t',
  '\u00a0',
  'é',
  '漢',
  '😀',
  '٣',
  '２',
  '0',
  '1',
  '7',
  '9',
  'e',
  '.',
  '+',
  'message',
);

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: NASTY, maxLength: 80 }),
  fc.string({ unit: NASTY, maxLength: 80 }).map((s) => JSON.stringify({ message: s })),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

const token = fc.oneof(
  fc.constant('-'),
  fc.nat().map(String),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
  fc.integer({ min: -1000, max: -1 }).map(String),
  fc.string({ unit: NASTY, minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.constantFrom('2024-05-20T10:15:05.000Z', 'ACCEPT', 'OK', 'NODATA', 'eni-0a1b2c3d', '10.0.0.1', '::1'),
);
const tokenLine = fc
  .tuple(
    fc.array(token, { maxLength: 20 }),
    fc.constantFrom(' ', '  ', ' \t '),
    fc.constantFrom('', '\r', ' '),
  )
  .map(([toks, sep, end]) => toks.join(sep) + end);

/** The well-formedness every result must have, whatever the input. */
function checkShape(r: ParsedLine, format: Format): void {
  if (r.ok) {
    const known = format.fields.filter((f) => f.def).map((f) => f.key);
    expect(Object.keys(r.values).sort()).toEqual([...known].sort());
    const unknown = new Set(format.fields.filter((f) => !f.def).map((f) => f.key));
    for (const k of Object.keys(r.extra)) expect(unknown.has(k), k).toBe(true);
    for (const v of Object.values(r.values)) {
      const fine =
        v === null ||
        typeof v === 'string' ||
        (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) ||
        (typeof v === 'bigint' && v >= 0n);
      expect(fine, String(v)).toBe(true);
    }
    return;
  }
  expect(CODES).toContain(r.problem.code);
  if (r.problem.code === 'NOT_INTEGER' || r.problem.code === 'OUT_OF_RANGE') {
    const i = r.problem.fieldIndex;
    expect(i).toBeDefined();
    expect(i).toBeGreaterThanOrEqual(1);
    expect(i).toBeLessThanOrEqual(format.fields.length);
    const f = format.fields[(i ?? 0) - 1];
    expect(f?.def?.aws).toBe(r.problem.fieldName);
    expect(f?.def?.type).not.toBe('string');
    expect(r.problem.reason).toContain(r.problem.fieldName);
  }
}

describe('parseLine never throws and returns a well-formed result', () => {
  it('arbitrary strings, default format', () => {
    fc.assert(
      fc.property(anyText, (line) => checkShape(parseLine(line, DEFAULT), DEFAULT)),
      RUNS,
    );
  });
  it('arbitrary strings, format with unknown fields', () => {
    fc.assert(
      fc.property(anyText, (line) => checkShape(parseLine(line, MIXED), MIXED)),
      RUNS,
    );
  });
  it('arbitrary token lists, default format', () => {
    fc.assert(
      fc.property(tokenLine, (line) => checkShape(parseLine(line, DEFAULT), DEFAULT)),
      RUNS,
    );
  });
  it('arbitrary 14-token lists, default format (reach the field checks)', () => {
    const line = fc.array(token, { minLength: 14, maxLength: 14 }).map((t) => t.join(' '));
    fc.assert(
      fc.property(line, (l) => checkShape(parseLine(l, DEFAULT), DEFAULT)),
      RUNS,
    );
  });
  it('arbitrary 7-token lists, format with unknown fields', () => {
    const line = fc.array(token, { minLength: 7, maxLength: 7 }).map((t) => t.join(' '));
    fc.assert(
      fc.property(line, (l) => checkShape(parseLine(l, MIXED), MIXED)),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trip: generate values per field type, write the record, parse it back.

/** Text values AWS could write: no space, CR or LF, not "-", not starting with "{" (that would be JSON). */
const textValue = fc
  .string({
    unit: fc.oneof(fc.constantFrom('a', 'Z', '0', '-', '_', ':', '.', '/', '=', 'é', '漢', '😀', '\t', '}')),
    minLength: 1,
    maxLength: 16,
  })
  .filter((s) => s !== '-' && !s.startsWith('{'));

/** A 64-bit value as `Value` types it: a number up to 2^53 - 1, a bigint above. */
const int64 = fc
  .bigInt({ min: 0n, max: 2n ** 63n - 1n })
  .map((n) => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n));

function arbitraryFor(def: FieldDef): fc.Arbitrary<string | number | bigint> {
  if (def.type === 'string') return textValue;
  if (def.type === 'int32') return fc.integer({ min: 0, max: 2_147_483_647 });
  if (def.aws === 'start' || def.aws === 'end') return fc.integer({ min: 0, max: MILLIS_THRESHOLD });
  return fc.oneof(
    fc.integer({ min: 0, max: 1_000_000 }),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    int64,
  );
}

/** A format (the default, or a random ordered subset of the catalog) with a value or `-` for each field. */
const record = fc
  .oneof(
    fc.constant([...DEFAULT.fields.map((f) => f.def!)]),
    fc.shuffledSubarray([...FIELDS], { minLength: 1, maxLength: 30 }),
  )
  .chain((defs) =>
    fc.tuple(
      fc.constant(defs),
      fc.tuple(...defs.map((d) => fc.option(arbitraryFor(d), { freq: 4, nil: null }))),
    ),
  );

describe('valid records round-trip', () => {
  it('values (and "-" as null) come back as generated', () => {
    fc.assert(
      fc.property(record, fc.constantFrom('plain', 'json', 'crlf', 'spaces'), ([defs, vals], framing) => {
        const format = parseFormat(defs.map((d) => `\${${d.aws}}`).join(' '));
        const text = vals.map((v) => (v === null ? '-' : String(v))).join(framing === 'spaces' ? '   ' : ' ');
        const line =
          framing === 'json' ? JSON.stringify({ message: text }) : framing === 'crlf' ? `${text}\r` : text;
        const r = parseLine(line, format);
        const want: Record<string, string | number | bigint | null> = {};
        defs.forEach((d, i) => {
          want[d.column] = vals[i] ?? null;
        });
        expect(r).toStrictEqual({ ok: true, values: want, extra: {} });
      }),
      RUNS,
    );
  });

  it('start/end above the threshold are milliseconds: floor(v / 1000)', () => {
    const format = parseFormat('${start} ${end}');
    const ms = fc.integer({ min: MILLIS_THRESHOLD + 1, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(ms, ms, (s, e) => {
        const r = parseLine(`${s} ${e}`, format);
        expect(r).toStrictEqual({
          ok: true,
          values: { start: Math.floor(s / 1000), end: Math.floor(e / 1000) },
          extra: {},
        });
      }),
      RUNS,
    );
  });

  it('one leading ISO timestamp is dropped from the fields and kept as the prefix time', () => {
    const iso = fc
      .date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2099-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((d) => ({ ts: d.toISOString(), seconds: Math.floor(d.getTime() / 1000) }));
    fc.assert(
      fc.property(record, iso, ([defs, vals], { ts, seconds }) => {
        const format = parseFormat(defs.map((d) => `\${${d.aws}}`).join(' '));
        const text = vals.map((v) => (v === null ? '-' : String(v))).join(' ');
        const plain = parseLine(text, format);
        expect(parseLine(`${ts} ${text}`, format)).toStrictEqual(
          plain.ok ? { ...plain, prefixTime: seconds } : plain,
        );
      }),
      RUNS,
    );
  });
});
