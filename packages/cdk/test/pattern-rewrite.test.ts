// Pattern rewriting as data: each case is a pattern, the format it was written for, the flow log's fields, and
// the pattern expected (worked out by hand from the slot positions) or the error code.

import { DEFAULT_FIELDS, type FieldDef, findField } from 'flowwatch/catalog';
import { checkMetricFilter } from 'flowwatch/metric-filter';
import { describe, expect, it } from 'vitest';
import { prefixRule } from '../src/flow-log-alarms.js';
import { type BindingMode, FlowLogMonitoringError, rewritePattern } from '../src/index.js';

const f = (...names: string[]): FieldDef[] => names.map((n) => findField(n)!);

interface Case {
  readonly name: string;
  readonly pattern: string;
  /** Fields the pattern was written for; default: the default format. */
  readonly source?: FieldDef[];
  readonly target: FieldDef[];
  readonly metricValue?: string;
  readonly expected?: string;
  readonly mode?: BindingMode;
  readonly error?: string;
}

const SSH =
  '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';

const CASES: Case[] = [
  {
    name: 'slots after "..." are the last fields of the default format',
    pattern: '[..., action = REJECT, status]',
    target: f('srcaddr', 'dstaddr', 'action', 'log-status'),
    expected: '[srcaddr, dstaddr, action = REJECT, status]',
    mode: 'positions',
  },
  {
    name: 'the 14 default slots keep their labels at their fields, untested missing fields go',
    pattern: SSH,
    target: f('srcaddr', 'dstaddr', 'dstport', 'protocol', 'action'),
    expected: '[source, destination, destport = 22, protocol = 6, action = REJECT]',
    mode: 'positions',
  },
  {
    name: 'slots before "..." are the first fields',
    pattern: '[v, acct, eni = eni-0a1b*, ...]',
    target: f('interface-id', 'action'),
    expected: '[eni = eni-0a1b*, action]',
    mode: 'positions',
  },
  {
    name: 'unnamed slots get the column name of their field',
    pattern: '[, , , source, , , , protocol = 1, , , , , action = REJECT, ]',
    target: f('srcaddr', 'protocol', 'action', 'log-status'),
    expected: '[source, protocol = 1, action = REJECT, log_status]',
    mode: 'positions',
  },
  {
    name: 'slots named after fields are bound by name, conditions with || kept whole',
    pattern: '[dstport = 22 || dstport = 3389, action = REJECT]',
    target: f('version', 'srcaddr', 'dstport', 'protocol', 'action', 'log-status'),
    expected: '[version, srcaddr, dstport = 22 || dstport = 3389, protocol, action = REJECT, log_status]',
    mode: 'names',
  },
  {
    name: 'Insights names contradicting the default positions bind by name',
    pattern: '[srcAddr, dstPort = 443, ...]',
    target: f('dstport', 'srcaddr'),
    expected: '[dstPort = 443, srcAddr]',
    mode: 'names',
  },
  {
    name: 'a pattern written for another format (patternFormat) is moved to the flow log format',
    pattern: '[s, d, a = REJECT]',
    source: f('srcaddr', 'dstaddr', 'action'),
    target: f('version', 'srcaddr', 'dstaddr', 'action', 'log-status'),
    expected: '[version, s, d, a = REJECT, log_status]',
    mode: 'positions',
  },
  {
    name: 'the pattern is deployed as written when the formats are the same',
    pattern: SSH,
    target: [...DEFAULT_FIELDS],
    expected: SSH,
    mode: 'unchanged',
  },
  {
    name: 'term patterns have no positions',
    pattern: '?REJECT ?NODATA',
    target: f('srcaddr'),
    expected: '?REJECT ?NODATA',
    mode: 'unchanged',
  },
  {
    name: 'a tested field the format lacks',
    pattern: SSH,
    target: f('srcaddr', 'dstaddr', 'action'),
    error: 'PATTERN_FIELD_MISSING',
  },
  {
    name: 'the metric value field the format lacks',
    pattern: '[..., bytes, start, end, action, status]',
    target: f('srcaddr', 'action'),
    metricValue: '$bytes',
    error: 'PATTERN_FIELD_MISSING',
  },
  {
    name: 'more slots than the format has fields, no field names',
    pattern: '[a, b, c, d]',
    source: f('srcaddr', 'dstaddr', 'action'),
    target: f('srcaddr'),
    error: 'PATTERN_POSITION_MISSING',
  },
  {
    name: 'a misspelt field name in a pattern that names its fields',
    pattern: '[srcaddr, dstprot = 22, ...]',
    target: f('srcaddr', 'dstport'),
    error: 'PATTERN_UNKNOWN_FIELD',
  },
  {
    name: 'two slots naming one field',
    pattern: '[dstport = 22, dstPort = 23]',
    target: f('dstport'),
    error: 'PATTERN_DUPLICATE_FIELD',
  },
  {
    name: 'JSON patterns',
    pattern: '{ $.action = "REJECT" }',
    target: f('action'),
    error: 'PATTERN_JSON',
  },
];

describe('rewritePattern', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const checked = checkMetricFilter({
        name: 'case',
        pattern: c.pattern,
        metricNamespace: 'N',
        metricName: 'M',
        metricValue: c.metricValue ?? '1',
      });
      const run = () => rewritePattern(checked, c.source ?? [...DEFAULT_FIELDS], c.target);
      if (c.error !== undefined) {
        expect(run).toThrow(FlowLogMonitoringError);
        expect(run).toThrow(expect.objectContaining({ code: c.error }));
        return;
      }
      expect(run()).toEqual({ pattern: c.expected, mode: c.mode });
    });
  }
});

describe('prefixRule', () => {
  it('prefixes the alarm names a rule references, quoted or bare, and leaves others alone', () => {
    const known = new Set(['ssh', 'icmp']);
    expect(prefixRule('ALARM("ssh") AND NOT OK(icmp) OR ALARM("elsewhere")', 'lab-', known)).toBe(
      'ALARM("lab-ssh") AND NOT OK("lab-icmp") OR ALARM("elsewhere")',
    );
    expect(prefixRule('ALARM("ssh")', '', known)).toBe('ALARM("ssh")');
  });
});
