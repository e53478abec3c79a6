// The bulk loader (DuckDB SQL) and the reference line parser (JavaScript) must agree on every line.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { FIELDS } from '../../src/records/catalog.js';
import { eventTime } from '../../src/records/event-time.js';
import { DEFAULT, type Format, parseFormat } from '../../src/records/format.js';
import { isBlankLine, MAX_LINE_BYTES, parseLine, splitLines } from '../../src/records/parse-line.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
let store: Store;
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-agree-'));
  store = await Store.open(join(dir, 'agree.duckdb'));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  line: number;
  ok: boolean;
  values?: Record<string, unknown>;
  extra?: Record<string, string>;
  code?: string;
  field?: string | null;
  eventTime?: number;
  timeSource?: string;
}

/**
 * What the JavaScript parser says of each non-blank line of the lines joined by `eol` and cut again by
 * `splitLines` (line numbers count the header); `ingestTime` is the file's ingest time, the event time of a
 * record with no time of its own.
 */
function expected(
  lines: readonly string[],
  format: Format,
  header: boolean,
  ingestTime: number,
  eol = '\n',
): Outcome[] {
  const out: Outcome[] = [];
  splitLines(lines.join(eol)).forEach((l, i) => {
    if (isBlankLine(l)) return;
    const line = i + 1 + (header ? 1 : 0);
    const p = parseLine(l, format);
    // The store reports 64-bit values beyond 2^53 as exact decimal strings; the parser as bigints.
    const values = Object.fromEntries(
      Object.entries(p.ok ? p.values : {}).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]),
    );
    if (p.ok) {
      const start = format.fields.some((f) => f.def?.aws === 'start') ? p.values['start'] : undefined;
      const t = eventTime({
        'export-prefix': p.prefixTime,
        start: typeof start === 'number' ? start : undefined,
        ingest: ingestTime,
      })!;
      out.push({ line, ok: true, values, extra: p.extra, eventTime: t.time, timeSource: t.source });
    } else out.push({ line, ok: false, code: p.problem.code, field: p.problem.fieldName ?? null });
  });
  return out;
}

/** One file's lines and line ending. */
interface FileLines {
  lines: readonly string[];
  eol: string;
}

/**
 * What the store holds of each file after ingesting them all in one `ingest` (one batch of the bulk loader, as
 * a folder of small files is loaded): an ingest has a fixed cost of about 0.15 CPU-s in DuckDB, whatever its
 * size, so the generated cases are loaded a few files at a time, each file still read back and checked alone.
 */
async function loadedAll(
  files: readonly FileLines[],
  format: Format,
  header: boolean,
  gzip: boolean,
): Promise<{ outcomes: Outcome[]; ingestTime: number }[]> {
  const paths = files.map(({ lines, eol }) => {
    const body =
      (header ? `${format.fields.map((f) => f.def?.aws ?? f.name).join(' ')}${eol}` : '') + lines.join(eol);
    // A final blank line of a unique width keeps every file's content distinct (identical files are skipped).
    const unique = `${body}${eol}${' '.repeat(n)}`;
    const path = join(dir, `f${n++}.log${gzip ? '.gz' : ''}`);
    writeFileSync(path, gzip ? gzipSync(unique) : unique);
    return path;
  });
  const s = await ingest(store, paths, { format: header ? undefined : format, concurrency: 1 });
  expect(s.loaded, JSON.stringify(s.fileReports).slice(0, 1500)).toBe(files.length);
  const ids = await store.query(
    `SELECT id, path FROM files WHERE id IN (${s.fileIds.map((id) => Number(id)).join(', ')})`,
  );
  const idOf = new Map(ids.rows.map((r) => [String(r['path']), Number(r['id'])]));
  const out: { outcomes: Outcome[]; ingestTime: number }[] = [];
  for (const path of paths) {
    const id = idOf.get(path);
    expect(id, `${path} among the loaded files ${JSON.stringify(ids.rows)}`).toBeDefined();
    out.push(await fileOutcomes(format, id!));
  }
  return out;
}

/** What the store holds of one loaded file. */
async function fileOutcomes(
  format: Format,
  id: number,
): Promise<{ outcomes: Outcome[]; ingestTime: number }> {
  const cols = format.fields.flatMap((f) => (f.def ? [f.def.column] : []));
  const quoted = cols.map((c) => `"${c}"`).join(', ');
  const flows = await store.query(
    `SELECT line, ${quoted}${quoted ? ', ' : ''}extra, event_time, time_source FROM flows WHERE file_id = $1`,
    [id],
  );
  const rejects = await store.query('SELECT line, code, field FROM rejects WHERE file_id = $1', [id]);
  const out: Outcome[] = [
    ...flows.rows.map((r) => {
      const values: Record<string, unknown> = {};
      for (const c of cols) values[c] = r[c];
      const extra: Record<string, string> = {};
      for (const e of (r['extra'] as { key: string; value: string }[] | null) ?? []) extra[e.key] = e.value;
      return {
        line: Number(r['line']),
        ok: true,
        values,
        extra,
        eventTime: Number(r['event_time']),
        timeSource: String(r['time_source']),
      };
    }),
    ...rejects.rows.map((r) => ({
      line: Number(r['line']),
      ok: false,
      code: String(r['code']),
      field: r['field'] == null ? null : String(r['field']),
    })),
  ];
  const ingested = await store.query(
    'SELECT floor(epoch(ingested_at))::BIGINT AS t FROM files WHERE id = $1',
    [id],
  );
  return { outcomes: out.sort((a, b) => a.line - b.line), ingestTime: Number(ingested.rows[0]!['t']) };
}

/** What the store holds after ingesting the lines as one file. */
async function loaded(
  lines: readonly string[],
  format: Format,
  header: boolean,
  gzip: boolean,
  eol = '\n',
): Promise<{ outcomes: Outcome[]; ingestTime: number }> {
  return (await loadedAll([{ lines, eol }], format, header, gzip))[0]!;
}

/** Loads the files in one ingest and checks each against the reference parser. */
async function agreeAll(files: readonly FileLines[], format: Format, header: boolean, gzip: boolean) {
  const got = await loadedAll(files, format, header, gzip);
  got.forEach((g, i) => {
    const { lines, eol } = files[i]!;
    expect(g.outcomes, `file ${i + 1} of ${files.length}`).toEqual(
      expected(lines, format, header, g.ingestTime, eol),
    );
  });
}

/** Loads the lines as one file and checks the store against the reference parser. */
async function agree(lines: readonly string[], format: Format, header: boolean, gzip: boolean, eol = '\n') {
  const got = await loaded(lines, format, header, gzip, eol);
  expect(got.outcomes).toEqual(expected(lines, format, header, got.ingestTime, eol));
}

const CASES: string[] = [
  '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
  '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA',
  '2 123456789010 eni-1235b8ca123456789 172.31.16.139  172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
  '  2 123456789010 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1418530010 1418530070 ACCEPT OK  ',
  '2 123456789010 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1512564058000 1512564059000 ACCEPT OK',
  '{"message":"2 647604195155 eni-05fdd58317a3a58e4 10.30.2.238 10.30.1.217 8089 39016 6 22 10527 1643160732 1643160792 ACCEPT OK"}',
  '{"message": 5}',
  '{not json',
  '{"message":"   "}',
  '{"message":""}',
  '2024-05-20T10:15:05.000Z 2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1716200105 1716200161 ACCEPT OK',
  // Export prefixes: the prefix is the event time even where it differs from start, in any zone; no real time, no prefix time.
  '2024-05-20T10:15:07.999Z 2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1716200105 1716200161 ACCEPT OK',
  '2024-05-20T12:15:07+02:00 2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1716200105 1716200161 ACCEPT OK',
  '2024-05-20T05:15-0500 2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1716200105 1716200161 ACCEPT OK',
  '2024-05-20T10:15:07 2 1 eni-1 - - - - - - - - - - NODATA',
  '2024-02-30T10:15:07Z 2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1716200105 1716200161 ACCEPT OK',
  '2024-02-29T24:00:00Z 2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1716200105 1716200161 ACCEPT OK',
  '1969-12-31T23:59:59Z 2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 - - ACCEPT OK',
  '2 1 eni-1 - - - - - - - - - - SKIPDATA',
  '2 1 eni-1 1.1.1.1 2.2.2.2 x 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 1.1.1.1 2.2.2.2 -5 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 1.1.1.1 2.2.2.2 99999999999 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 9223372036854775808 1 2 ACCEPT OK',
  '2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 9223372036854775807 1 2 ACCEPT OK',
  '2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1 2 ACCEPT',
  '2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK extra',
  '',
  '   ',
  '2 1 eni-1 1.1.1.1 2.2.2.2 1.5 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 1.1.1.1 2.2.2.2 +5 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 1.1.1.1 2.2.2.2 007 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 "quoted" 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 a,b 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 \t 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 ünïcødé 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK',
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  '2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK\r',
  '2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK\r\r',
  '2 1 eni-1 1.1\x01.1.1 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK',
  '2 1 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1 2 ACC\0EPT OK',
  '\x1b[31m red',
  '\r',
];

describe('bulk loader agrees with the reference parser', () => {
  for (const gzip of [false, true]) {
    it(`on the edge-case table (${gzip ? 'gzip' : 'plain'}, header-less default format)`, async () => {
      await agree(CASES, DEFAULT, false, gzip);
    });
  }

  for (const eol of ['\r', '\r\n']) {
    it(`on the edge-case table with ${JSON.stringify(eol)} line endings (gzip)`, async () => {
      await agree(CASES, DEFAULT, false, true, eol);
    });
  }

  it('on lines at and over the length limit', async () => {
    const rec = CASES[0]!;
    const lines = [
      rec,
      'x'.repeat(MAX_LINE_BYTES),
      rec,
      'x'.repeat(MAX_LINE_BYTES + 1),
      rec,
      `${rec}  ${' '.repeat(MAX_LINE_BYTES)}`,
      rec,
    ];
    const { outcomes: got, ingestTime } = await loaded(lines, DEFAULT, false, false);
    expect(got.map((o) => o.code ?? 'ok')).toEqual([
      'ok',
      'FIELD_COUNT',
      'ok',
      'LINE_TOO_LONG',
      'ok',
      'LINE_TOO_LONG',
      'ok',
    ]);
    expect(got).toEqual(expected(lines, DEFAULT, false, ingestTime));
  });

  it('on a custom format with a header line and an unknown field', async () => {
    const format = parseFormat(
      '${version} ${vpc-id} ${srcaddr} ${dstport} ${tcp-flags} ${my-tag} ${flow-direction} ${traffic-path}',
    );
    const lines = [
      '5 vpc-1 10.0.0.1 443 18 blue egress 2',
      '5 vpc-1 10.0.0.1 443 3 - ingress -',
      '5 vpc-1 10.0.0.1 https 3 red ingress -',
      '5 vpc-1 10.0.0.1 443 3 red ingress 99999999999',
    ];
    expect(format.unknown).toEqual(['my-tag']);
    await agree(lines, format, true, true);
  });

  it('on a version 9–11 format (spec §10): resource-id, encryption-status, tags, interface type, next hop', async () => {
    const format = parseFormat(
      '${version} ${interface-id} ${srcaddr} ${dstaddr} ${bytes} ${action} ${resource-id} ${encryption-status} ' +
        '${instance-tag} ${instance-tag-2} ${interface-tag} ${interface-tag-2} ${asg-tag} ${asg-tag-2} ' +
        '${interface-type} ${next-hop-interface-id} ${next-hop-subnet-id} ${next-hop-az-id} ${next-hop-vpc-id} ' +
        '${next-hop-interface-type}',
    );
    expect(format.unknown).toEqual([]);
    const lines = [
      // A regional NAT gateway flow: interface-id "-", the NAT gateway in resource-id.
      '11 - 10.0.1.5 198.51.100.7 1200 ACCEPT nat-0a1b2c3d4e5f60718 2 web Platform%20Team eni-web - web-asg - ' +
        'regional_nat_gateway eni-0aa subnet-0bb use1-az1 vpc-0cc regional_nat_gateway',
      '11 eni-1 10.0.1.5 10.0.2.9 40 ACCEPT - 0 - - - - - - - - - - - -',
      '11 eni-1 10.0.1.5 10.0.2.9 40 ACCEPT - 3 db - - - - - nat_gateway eni-2 subnet-2 use1-az2 vpc-1 vpc_endpoint',
      // encryption-status is an integer field: a word is NOT_INTEGER, a value past 32 bits OUT_OF_RANGE.
      '11 eni-1 10.0.1.5 10.0.2.9 40 ACCEPT - tls - - - - - - - - - - - -',
      '11 eni-1 10.0.1.5 10.0.2.9 40 ACCEPT - 4294967296 - - - - - - - - - - - -',
    ];
    await agree(lines, format, true, false);
  });

  it('on a one-field format, where an empty message must not become an empty value', async () => {
    const format = parseFormat('${action}');
    const lines = ['{"message":""}', 'ACCEPT', '{"message":"REJECT"}', '{"message":" "}', '-'];
    await agree(lines, format, false, false);
  });

  it('on generated lines (fast-check)', async () => {
    const token = fc.oneof(
      fc.constantFrom(
        '-',
        '0',
        '6',
        '22',
        '443',
        '65535',
        '2147483648',
        '1418530010',
        '1512564058000',
        'ACCEPT',
        'REJECT',
      ),
      fc.constantFrom(
        'OK',
        'NODATA',
        'eni-0a1b',
        '10.0.0.1',
        '2001:db8::1',
        '9223372036854775807',
        '99999999999999999999',
      ),
      fc.stringMatching(/^[0-9a-z.:{}"-]{1,8}$/),
    );
    const line = fc.oneof(
      { weight: 6, arbitrary: fc.array(token, { minLength: 14, maxLength: 14 }).map((t) => t.join(' ')) },
      { weight: 1, arbitrary: fc.array(token, { minLength: 0, maxLength: 16 }).map((t) => t.join(' ')) },
      { weight: 1, arbitrary: fc.array(token, { minLength: 14, maxLength: 14 }).map((t) => t.join('  ')) },
      {
        weight: 1,
        arbitrary: fc
          .array(token, { minLength: 14, maxLength: 14 })
          .map((t) => JSON.stringify({ message: t.join(' ') })),
      },
      {
        weight: 1,
        arbitrary: fc
          .string({ maxLength: 30 })
          .filter((s) => !['\r', '\n', '\x01', '\0'].some((c) => s.includes(c))),
      },
    );
    // 25 generated files as before (each up to 60 lines, its own line ending), loaded five to an ingest.
    const file = fc.record({
      lines: fc.array(line, { minLength: 1, maxLength: 60 }),
      eol: fc.constantFrom('\n', '\r\n', '\r'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(file, { minLength: 5, maxLength: 5 }), async (files) => {
        await agreeAll(files, DEFAULT, false, false);
      }),
      { numRuns: 5 },
    );
  });

  it('on generated formats and lines (fast-check)', async () => {
    const names = fc.uniqueArray(
      fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(...FIELDS.map((f) => f.aws)) },
        { weight: 1, arbitrary: fc.constant('my-tag') },
      ),
      { minLength: 1, maxLength: 8 },
    );
    const token = fc.oneof(
      fc.constantFrom(
        '-',
        '0',
        '17',
        '2147483647',
        '2147483648',
        '1716200000000',
        '9223372036854775808',
        'x',
        '1e3',
        'ACCEPT',
      ),
      fc.stringMatching(/^[0-9a-z.:-]{1,6}$/),
    );
    await fc.assert(
      fc.asyncProperty(
        names,
        fc.array(fc.array(token, { minLength: 0, maxLength: 9 }), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        async (fieldNames, rows, header) => {
          const format = parseFormat(fieldNames.map((x) => `\${${x}}`).join(' '));
          // Most lines get the right number of tokens; the rest keep their random length.
          const lines = rows.map((r, i) =>
            i % 4 === 3
              ? r.join(' ')
              : fieldNames.map((_, j) => r[j % Math.max(1, r.length)] ?? '-').join(' '),
          );
          // A header line made only of unknown names is (rightly) not recognised as a header.
          const useHeader = header && format.unknown.length === 0;
          await agree(lines, format, useHeader, false);
        },
      ),
      { numRuns: 30 },
    );
  });
});
