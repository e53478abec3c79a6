// Format strings and S3 header lines: parsing, error codes with hand-counted positions, header detection.

import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/core/errors.js';
import { detectHeader, parseFormat, sameFormat } from '../../src/records/format.js';
import { awsRecordExamples, flowlogsReader, vrlVectors } from './corpus.js';

/** Spec §2.1, verbatim. */
const SPEC_DEFAULT_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
const SPEC_DEFAULT_COLUMNS = [
  'version',
  'account_id',
  'interface_id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log_status',
];
/** Spec §6.2: the header line of a default-format S3 text file. */
const SPEC_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

function formatError(spec: string): { code: string; position: number } {
  try {
    parseFormat(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    const fe = e as FormatError;
    return { code: fe.code, position: fe.position };
  }
  throw new Error(`parseFormat accepted ${JSON.stringify(spec)}`);
}

describe('parseFormat accepts', () => {
  it('the spec §2.2 example', () => {
    const f = parseFormat('${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${flow-direction}');
    expect(f.fields.map((x) => x.key)).toEqual([
      'version',
      'vpc_id',
      'srcaddr',
      'dstaddr',
      'action',
      'flow_direction',
    ]);
    expect(f.fields.map((x) => x.name)).toEqual([
      'version',
      'vpc-id',
      'srcaddr',
      'dstaddr',
      'action',
      'flow-direction',
    ]);
    expect(f.unknown).toEqual([]);
    expect(f.text).toBe('${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${flow-direction}');
  });

  it("'default' and the spec §2.1 string are the 14 default fields", () => {
    for (const spec of ['default', SPEC_DEFAULT_FORMAT, SPEC_HEADER, SPEC_DEFAULT_COLUMNS.join(' ')]) {
      const f = parseFormat(spec);
      expect(
        f.fields.map((x) => x.key),
        spec,
      ).toEqual(SPEC_DEFAULT_COLUMNS);
      expect(f.text, spec).toBe(SPEC_DEFAULT_FORMAT);
      expect(f.unknown).toEqual([]);
    }
  });

  it('a plain hyphenated list and a plain underscored list', () => {
    const h = parseFormat('version pkt-srcaddr pkt-src-aws-service');
    const u = parseFormat('version pkt_srcaddr pkt_src_aws_service');
    for (const f of [h, u]) {
      expect(f.fields.map((x) => x.key)).toEqual(['version', 'pkt_srcaddr', 'pkt_src_aws_service']);
      expect(f.text).toBe('${version} ${pkt-srcaddr} ${pkt-src-aws-service}');
    }
    expect(u.fields.map((x) => x.name)).toEqual(['version', 'pkt_srcaddr', 'pkt_src_aws_service']);
    expect(sameFormat(h, u)).toBe(true);
  });

  it('tabs and runs of spaces between ${} tokens', () => {
    const f = parseFormat('  ${version}\t${srcaddr}   ${dstaddr} ');
    expect(f.fields.map((x) => x.key)).toEqual(['version', 'srcaddr', 'dstaddr']);
  });

  it('keeps unknown names, in order, with an underscored key', () => {
    const f = parseFormat('${version} ${my-new-field} ${srcaddr} ${Other_Field}');
    expect(f.unknown).toEqual(['my-new-field', 'Other_Field']);
    expect(f.fields.map((x) => [x.key, x.def === undefined])).toEqual([
      ['version', false],
      ['my_new_field', true],
      ['srcaddr', false],
      ['other_field', true],
    ]);
    expect(f.text).toBe('${version} ${my-new-field} ${srcaddr} ${Other_Field}');
  });

  it.each(awsRecordExamples().cases.map((c) => [c.format] as const))('aws-docs format: %s', (spec) => {
    const f = parseFormat(spec);
    expect(f.unknown).toEqual([]);
    expect(f.fields.map((x) => x.key)).toEqual(spec.split(' ').map((n) => n.replaceAll('-', '_')));
  });

  it.each(vrlVectors().groups_must_parse.map((g) => [g.format] as const))('VRL format: %s', (spec) => {
    const f = parseFormat(spec);
    expect(f.unknown).toEqual([]);
    expect(f.fields.map((x) => x.key)).toEqual(spec.split(' '));
  });
});

describe('parseFormat errors (code and 0-based position)', () => {
  // Positions counted by hand: "${version} " is 11 characters, "${srcaddr} " is 11, "${account-id} " is 14.
  // Token-level errors point at the "${" (or the stray character); name-level errors at the name itself.
  const cases: [spec: string, code: string, position: number][] = [
    ['', 'FORMAT_EMPTY', 0],
    ['   ', 'FORMAT_EMPTY', 0],
    ['${version', 'FORMAT_UNCLOSED', 0],
    ['${version} ${srcaddr', 'FORMAT_UNCLOSED', 11],
    ['${version} ${srcaddr} ${', 'FORMAT_UNCLOSED', 22],
    ['${version} srcaddr', 'FORMAT_EXPECTED_FIELD', 11],
    ['version ${srcaddr}', 'FORMAT_EXPECTED_FIELD', 0],
    ['${version} $srcaddr ${dstaddr}', 'FORMAT_EXPECTED_FIELD', 11],
    ['${version} {srcaddr}', 'FORMAT_EXPECTED_FIELD', 11],
    ['${version},${srcaddr}', 'FORMAT_EXPECTED_FIELD', 10],
    ['${version} ${srcaddr} ${srcaddr}', 'FORMAT_DUPLICATE', 24],
    ['${account-id} ${account_id}', 'FORMAT_DUPLICATE', 16],
    ['version account-id account_id', 'FORMAT_DUPLICATE', 19],
    ['version Version', 'FORMAT_DUPLICATE', 8],
    ['srcaddr srcAddr', 'FORMAT_DUPLICATE', 8],
    ['${my-tag} ${my_tag}', 'FORMAT_DUPLICATE', 12],
    ['${}', 'FORMAT_BAD_NAME', 2],
    ['${version} ${src addr}', 'FORMAT_BAD_NAME', 13],
    ['version 10.0.0.1', 'FORMAT_BAD_NAME', 8],
  ];
  it.each(cases)('%j → %s at %i', (spec, code, position) => {
    expect(formatError(spec)).toEqual({ code, position });
  });

  it('messages of format errors are user errors with a code, not stack traces', () => {
    try {
      parseFormat('${version} ${srcaddr');
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
      expect((e as FormatError).message.length).toBeGreaterThan(0);
    }
  });
});

describe('detectHeader', () => {
  const FR = flowlogsReader();

  it('the spec §6.2 header (hyphenated) declares the default format', () => {
    const f = detectHeader(SPEC_HEADER);
    expect(f?.fields.map((x) => x.key)).toEqual(SPEC_DEFAULT_COLUMNS);
    expect(sameFormat(f!, parseFormat('default'))).toBe(true);
  });

  it('the underscored header and a header with a trailing CR', () => {
    expect(detectHeader(SPEC_DEFAULT_COLUMNS.join(' '))?.fields.map((x) => x.key)).toEqual(
      SPEC_DEFAULT_COLUMNS,
    );
    expect(detectHeader(`${SPEC_HEADER}\r`)?.fields.map((x) => x.key)).toEqual(SPEC_DEFAULT_COLUMNS);
  });

  it.each(FR.s3_file_cases.map((c) => [c.name, c.file_text.split('\n')[0]!] as const))(
    'flowlogs-reader alphabetical header (%s)',
    (_n, header) => {
      const f = detectHeader(header);
      expect(f?.fields.map((x) => x.key)).toEqual(header.split(' ').map((n) => n.replaceAll('-', '_')));
      expect(f?.unknown).toEqual([]);
    },
  );

  it.each(awsRecordExamples().cases.map((c) => [c.format] as const))(
    'aws-docs format as a header: %s',
    (h) => {
      expect(detectHeader(h)).toBeDefined();
    },
  );

  it('a header with a few unknown names is still a header, and lists them', () => {
    expect(detectHeader('version srcaddr dstaddr my-tag')?.unknown).toEqual(['my-tag']);
  });

  const records = [
    ...awsRecordExamples().cases.flatMap((c) => [c.input, c.input_as_published]),
    ...FR.all_v2_records,
    ...FR.s3_file_cases.flatMap((c) =>
      c.file_text
        .split('\n')
        .slice(1)
        .filter((l) => l !== ''),
    ),
    ...vrlVectors().groups_must_parse.flatMap((g) => g.lines),
    '2 111122223333 eni-0f00d0000000000a1 - - - - - - - 1716200000 1716200059 - NODATA',
    '2 111122223333 eni-0f00d0000000000a1 - - - - - - - 1716200000 1716200059 - SKIPDATA',
    '8 203.0.113.50 10.20.1.15 22 REJECT BPA',
    'ACCEPT OK',
    'REJECT IPv4 egress',
    '',
    '   ',
  ];
  it.each(records.map((r) => [r] as const))('record line, not a header: %s', (line) => {
    expect(detectHeader(line)).toBeUndefined();
  });

  it('a header line with a repeated name is not a usable header', () => {
    expect(detectHeader('version srcaddr srcaddr')).toBeUndefined();
  });
});
