// Detection definitions: the built-in catalog parses; flowwatch.yaml overrides, disables and adds; every bad
// definition is refused with a stable code, its file:line:column and a caret (and a did-you-mean for names).
// Positions are counted by hand in the YAML texts below.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { builtinCatalog } from '../../src/detect/catalog.js';
import { DetectionError } from '../../src/detect/parse.js';

const load = (text: string) => parseConfig('flowwatch.yaml', text).detections;

function refused(text: string): DetectionError {
  try {
    load(text);
  } catch (err) {
    if (err instanceof DetectionError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('the built-in catalog', () => {
  it('has the issue’s detections, each enabled, with a threshold', () => {
    expect(builtinCatalog().map((d) => d.id)).toEqual([
      'vertical-port-scan',
      'vertical-port-scan-slow',
      'horizontal-sweep',
      'horizontal-sweep-slow',
      'brute-force-login',
      'brute-force-login-slow',
      'outbound-scan',
      'unusual-protocol',
      'nacl-reply-drop',
      'skipdata',
      'interface-stopped-logging',
      'known-bad-address',
      'exfiltration-baseline',
      'flood-fan-in',
      'flood-packets',
      'reject-spike',
      'remote-volume',
      'beacon',
      'first-seen-port',
      'first-seen-country',
      'first-seen-asn',
      'exfiltration-daily',
    ]);
    for (const d of builtinCatalog()) {
      expect(d.enabled).toBe(true);
      expect(Object.keys(d.thresholds).length).toBeGreaterThan(0);
    }
  });
  it('is the effective catalog when flowwatch.yaml has no detections section', () => {
    expect(load('metricFilters: []\n').map((d) => d.id)).toEqual(builtinCatalog().map((d) => d.id));
  });
});

describe('filter alternatives and missing fields', () => {
  it('parses filter.any into alternatives and missing: true into a test', () => {
    const c = load(`detections:
  syn-tries:
    kind: threshold
    title: x
    window: 600
    groupBy: [dstaddr]
    filter:
      protocol: 6
      any:
        - { action: REJECT }
        - { tcp_flags: { missing: true }, packets: { lte: 2 } }
    metric: count
    thresholds: { low: 1 }
`);
    const d = c.find((x) => x.id === 'syn-tries')!;
    expect(d.filter).toEqual([{ field: 'protocol', cond: { op: 'in', values: [6] } }]);
    expect(d.anyOf).toEqual([
      [{ field: 'action', cond: { op: 'in', values: ['REJECT'] } }],
      [
        { field: 'tcp_flags', cond: { op: 'missing' } },
        { field: 'packets', cond: { op: 'cmp', cmp: 'lte', value: 2 } },
      ],
    ]);
  });
  it('a filter override replaces the alternatives too', () => {
    const d = load(`detections:
  horizontal-sweep:
    filter: { action: REJECT }
`).find((x) => x.id === 'horizontal-sweep')!;
    expect(d.anyOf).toEqual([]);
  });
  it('kind intel defaults to groups host and known_bad, entity host, peers known_bad', () => {
    const d = load(`detections:
  bad-hosts:
    kind: intel
    title: x
    window: 60
    thresholds: { high: 3 }
`).find((x) => x.id === 'bad-hosts')!;
    expect([d.kind, d.groupBy, d.entity, d.peers]).toEqual([
      'intel',
      ['host', 'known_bad'],
      ['host'],
      'known_bad',
    ]);
  });
});

describe('flowwatch.yaml detections', () => {
  it('disables, changes thresholds per severity, adds allow entries, adds a definition', () => {
    const c = load(`detections:
  unusual-protocol: { enabled: false }
  vertical-port-scan:
    thresholds: { low: 30, high: null }
    allow: { srcaddr: [203.0.113.7, $private], dstport: [8443] }
  telnet-tries:
    kind: threshold
    title: Telnet attempts
    window: 300
    groupBy: [dstaddr]
    filter: { dstport: 23, protocol: 6 }
    metric: count
    thresholds: { medium: 5 }
`);
    expect(c.find((d) => d.id === 'unusual-protocol')!.enabled).toBe(false);
    const v = c.find((d) => d.id === 'vertical-port-scan')!;
    // built-in: low 15, medium 50, high 250 → low replaced, high removed, medium kept
    expect(v.thresholds).toEqual({ low: 30, medium: 50 });
    expect(v.allow.cidrs).toEqual([
      {
        field: 'srcaddr',
        cidrs: [
          '203.0.113.7/32',
          '10.0.0.0/8',
          '172.16.0.0/12',
          '192.168.0.0/16',
          '100.64.0.0/10',
          'fc00::/7',
        ],
      },
    ]);
    expect(v.allow.values).toEqual([{ field: 'dstport', values: [8443] }]);
    expect(v.origin).toBe('flowwatch.yaml');
    const t = c.at(-1)!;
    expect(t).toMatchObject({
      id: 'telnet-tries',
      kind: 'threshold',
      window: 300,
      quiet: 300,
      entity: ['dstaddr'],
    });
  });

  const cases: { name: string; text: string; code: string; line: number; column: number; hint?: RegExp }[] = [
    {
      name: 'misspelt key of an override',
      text: 'detections:\n  vertical-port-scan:\n    treshold: { low: 3 }\n',
      code: 'DETECT_UNKNOWN_KEY',
      line: 3,
      column: 5,
      hint: /did you mean "thresholds"/,
    },
    {
      name: 'misspelt field in a filter',
      text: 'detections:\n  vertical-port-scan:\n    filter: { dstprot: 22 }\n',
      code: 'DETECT_UNKNOWN_KEY',
      line: 3,
      column: 15,
      hint: /did you mean "dstport"/,
    },
    {
      name: 'unknown detection id (not a definition)',
      text: 'detections:\n  vertical-portscan: { enabled: false }\n',
      code: 'DETECT_UNKNOWN_DETECTION',
      line: 2,
      column: 3,
      hint: /did you mean "vertical-port-scan"/,
    },
    {
      name: 'thresholds out of order',
      text: 'detections:\n  vertical-port-scan:\n    thresholds: { low: 60 }\n',
      code: 'DETECT_THRESHOLD_ORDER',
      line: 3,
      column: 17,
    },
    {
      name: 'a bad CIDR in an allow-list',
      text: 'detections:\n  horizontal-sweep:\n    allow: { srcaddr: [10.0.0.0/33] }\n',
      code: 'DETECT_BAD_CIDR',
      line: 3,
      column: 24,
    },
    {
      name: 'cidr on a port',
      text: 'detections:\n  x:\n    kind: threshold\n    title: X\n    window: 60\n    groupBy: [srcaddr]\n    filter: { dstport: { cidr: [10.0.0.0/8] } }\n    metric: count\n    thresholds: { low: 1 }\n',
      code: 'DETECT_TYPE',
      line: 7,
      column: 26,
    },
    {
      name: 'unknown kind',
      text: 'detections:\n  x:\n    kind: treshold\n    title: X\n    window: 60\n    groupBy: [srcaddr]\n    metric: count\n    thresholds: { low: 1 }\n',
      code: 'DETECT_UNKNOWN_KIND',
      line: 3,
      column: 11,
      hint: /did you mean "threshold"/,
    },
    {
      name: 'a missing required key of a new definition',
      text: 'detections:\n  x:\n    kind: threshold\n    title: X\n    window: 60\n    metric: count\n    thresholds: { low: 1 }\n',
      code: 'DETECT_MISSING_KEY',
      line: 3,
      column: 5,
    },
    {
      // "metric" sits at line 4, column 5
      name: 'a metric on kind intel (it ranks its records itself)',
      text: 'detections:\n  bad-hosts:\n    kind: intel\n    metric: count\n    title: x\n    window: 60\n    thresholds: { low: 1 }\n',
      code: 'DETECT_KIND_KEY',
      line: 4,
      column: 5,
    },
    {
      // groupBy: [srcaddr]: "srcaddr" at line 4, column 15; intel groups by host and known_bad only
      name: 'a record field in the groupBy of kind intel',
      text: 'detections:\n  bad-hosts:\n    kind: intel\n    groupBy: [srcaddr]\n    title: x\n    window: 60\n    thresholds: { low: 1 }\n',
      code: 'DETECT_UNKNOWN_FIELD',
      line: 4,
      column: 15,
      hint: /host|known_bad/,
    },
    {
      // filter: { any: ok }: "ok" at line 3, column 20
      name: 'filter.any that is not a list',
      text: 'detections:\n  horizontal-sweep:\n    filter: { any: ok }\n',
      code: 'DETECT_TYPE',
      line: 3,
      column: 20,
    },
    {
      // "any" inside an alternative: line 3, column 23 (4 spaces, `filter: { any: [{ ` is 18 characters)
      name: 'filter.any nested in an alternative',
      text: 'detections:\n  horizontal-sweep:\n    filter: { any: [{ any: [] }] }\n',
      code: 'DETECT_UNKNOWN_KEY',
      line: 3,
      column: 23,
    },
    {
      name: 'a text value for a number field',
      text: 'detections:\n  brute-force-login:\n    filter: { dstport: [ssh] }\n',
      code: 'DETECT_TYPE',
      line: 3,
      column: 25,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      const e = refused(c.text);
      expect(e.code).toBe(c.code);
      expect([e.line, e.column]).toEqual([c.line, c.column]);
      expect(e.message.startsWith(`flowwatch.yaml:${c.line}:${c.column}: `)).toBe(true);
      // the caret sits under the column (two spaces of indent, then column - 1 characters)
      const caret = e.detail!.split('\n')[1]!;
      expect(caret.indexOf('^')).toBe(2 + c.column - 1);
      if (c.hint) expect(e.hint).toMatch(c.hint);
    });
  }
});
