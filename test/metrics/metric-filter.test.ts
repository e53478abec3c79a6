// Metric filter validation (codes, not wording), the in-memory value of one event, and the presets.

import { describe, expect, it } from 'vitest';
import { FilterPatternError } from '../../src/filter/index.js';
import { checkMetricFilter, type MetricFilter, metricMatcher } from '../../src/metrics/metric-filter.js';
import { presets } from '../../src/metrics/presets.js';
import { DEFAULT, parseFormat } from '../../src/records/format.js';

const FULL = '[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]';
const base: MetricFilter = {
  name: 'ssh',
  pattern: FULL,
  metricNamespace: 'Local/VPC',
  metricName: 'RejectedSSH',
  metricValue: '1',
};

function codeOf(f: MetricFilter): string | undefined {
  try {
    checkMetricFilter(f);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('checkMetricFilter', () => {
  it.each<[string, Partial<MetricFilter>, string | undefined]>([
    ['valid count filter', { defaultValue: 0, unit: 'Count' }, undefined],
    [
      'valid $field value with dimensions',
      { metricValue: '$bytes', dimensions: { Action: '$action' } },
      undefined,
    ],
    ['number literal value', { metricValue: '0.5' }, undefined],
    ['bad pattern', { pattern: '[a, b' }, 'EXPECTED_COMMA_OR_BRACKET'],
    ['value field not in the pattern', { metricValue: '$byte' }, 'METRIC_UNKNOWN_FIELD'],
    ['value neither number nor field', { metricValue: 'lots' }, 'METRIC_BAD_VALUE'],
    ['JSON selector value', { metricValue: '$.bytes' }, 'METRIC_JSON_SELECTOR'],
    ['dimension field not in the pattern', { dimensions: { Src: '$source' } }, 'METRIC_UNKNOWN_FIELD'],
    ['dimension not a field', { dimensions: { Src: 'src' } }, 'METRIC_BAD_DIMENSION'],
    [
      'four dimensions',
      { dimensions: { A: '$action', B: '$src', C: '$dst', D: '$eni' } },
      'METRIC_TOO_MANY_DIMENSIONS',
    ],
    [
      'dimensions on a term pattern',
      { pattern: 'REJECT', dimensions: { A: '$action' } },
      'METRIC_DIMENSIONS_NEED_FIELDS',
    ],
    [
      'default value with dimensions',
      { defaultValue: 0, dimensions: { A: '$action' } },
      'METRIC_DEFAULT_WITH_DIMENSIONS',
    ],
    ['unknown unit', { unit: 'Cnt' as never }, 'METRIC_BAD_UNIT'],
    ['metric name with $', { metricName: 'a$b' }, 'METRIC_BAD_NAME'],
    ['filter name with :', { name: 'a:b' }, 'METRIC_BAD_NAME'],
  ])('%s', (_, change, code) => {
    expect(codeOf({ ...base, ...change })).toBe(code);
  });

  it('throws the pattern parser own error for a bad pattern', () => {
    expect(() => checkMetricFilter({ ...base, pattern: '[a, b' })).toThrow(FilterPatternError);
  });
});

describe('metricMatcher', () => {
  const L1 =
    '2 111122223333 eni-0a1b2c3d4e5f60718 203.0.113.12 10.0.1.5 49152 22 6 10 840 1716200000 1716200060 REJECT OK';
  const L3 = '2 111122223333 eni-0a1b2c3d4e5f60718 - - - - - - - 1716200000 1716200060 - NODATA';
  it('emits the spec §8 example: 840 with Action=REJECT for L1', () => {
    const m = metricMatcher(
      checkMetricFilter({ ...base, metricValue: '$bytes', dimensions: { Action: '$action' } }),
    );
    expect(m(L1)).toMatchObject({ value: 840, dimensions: { Action: 'REJECT' } });
  });
  it('a match whose value field is not a number emits no value', () => {
    const m = metricMatcher(
      checkMetricFilter({ ...base, pattern: '[..., bytes, st, en, action, status]', metricValue: '$bytes' }),
    );
    expect(m(L3)).toMatchObject({ value: undefined });
  });
});

describe('presets', () => {
  it('spell out the default format with the conditions in the right slots', () => {
    const p = Object.fromEntries(presets(DEFAULT).map((x) => [x.id, x]));
    expect(Object.keys(p)).toEqual([
      'rejected-ssh',
      'rejected-rdp',
      'smb',
      'denied-icmp',
      'rejected',
      'nodata-skipdata',
      'large-transfers',
    ]);
    const ssh = p['rejected-ssh']!;
    expect(ssh.available && ssh.filter.pattern).toBe(
      '[version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, log_status]',
    );
    const big = p['large-transfers']!;
    expect(big.available && [big.filter.pattern, big.filter.metricValue]).toEqual([
      '[version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes > 10000000, start, end, action, log_status]',
      '$bytes',
    ]);
    const nodata = p['nodata-skipdata']!;
    expect(nodata.available && nodata.filter.pattern).toContain(
      'log_status = NODATA || log_status = SKIPDATA]',
    );
    // Every available preset is a valid metric filter and matches the lines it is meant for.
    for (const x of Object.values(p)) if (x.available) checkMetricFilter(x.filter);
    const ssh1 = '2 1 eni-a 203.0.113.1 10.0.0.5 40000 22 6 2 120 1716199985 1716199990 REJECT OK';
    const ok = (id: string, line: string) => {
      const x = p[id]!;
      return x.available && metricMatcher(checkMetricFilter(x.filter))(line) !== undefined;
    };
    expect(ok('rejected-ssh', ssh1)).toBe(true);
    expect(ok('rejected-rdp', ssh1)).toBe(false);
    expect(ok('denied-icmp', '2 1 eni-a 1.1.1.1 10.0.0.5 0 0 1 1 84 1716199985 1716199990 REJECT OK')).toBe(
      true,
    );
    expect(ok('nodata-skipdata', '2 1 eni-a - - - - - - - 1716200160 1716200220 - SKIPDATA')).toBe(true);
    expect(
      ok('large-transfers', '2 1 eni-a 1.1.1.1 10.0.0.5 1 2 6 9 10000001 1716199985 1716199990 ACCEPT OK'),
    ).toBe(true);
    expect(
      ok('large-transfers', '2 1 eni-a 1.1.1.1 10.0.0.5 1 2 6 9 10000000 1716199985 1716199990 ACCEPT OK'),
    ).toBe(false);
  });

  it('follow a custom format by position and report presets it cannot express', () => {
    const format = parseFormat(
      '${version} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${bytes} ${start} ${action} ${tcp-flags}',
    );
    const p = Object.fromEntries(presets(format, { largeBytes: 5000 }).map((x) => [x.id, x]));
    const ssh = p['rejected-ssh']!;
    expect(ssh.available && ssh.filter.pattern).toBe(
      '[version, interface_id, srcaddr, dstaddr, dstport = 22, protocol = 6, bytes, start, action = REJECT, tcp_flags]',
    );
    const big = p['large-transfers']!;
    expect(big.available && big.filter.pattern).toContain('bytes > 5000');
    expect(p['nodata-skipdata']).toEqual({
      id: 'nodata-skipdata',
      description: expect.any(String),
      available: false,
      reason: 'the format has no log-status field',
    });
    const line = '5 eni-a 203.0.113.1 10.0.0.5 22 6 44 1716199985 REJECT 2';
    expect(ssh.available && metricMatcher(checkMetricFilter(ssh.filter))(line)).toBeTruthy();
  });
});
