// The detect-eval scorer: kind mapping, entity and window matching, verdicts and per-kind figures, on hand-made lists.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  canonicalIpv6,
  entityNames,
  type Finding,
  kindOfDetection,
  markdown,
  parseFindings,
  score,
} from '../../../src/simulate/labelled/score.js';
import type { Attack, Benign } from '../../../src/simulate/labelled/truth.js';
import { runProcess } from '../../support/run-cli.js';

const attack = (
  over: Partial<Attack> & Pick<Attack, 'id' | 'kind' | 'entity' | 'start' | 'end'>,
): Attack => ({
  also: [],
  alt: [],
  description: '',
  records: 1,
  direction: 'inbound',
  family: 4,
  intensity: '',
  details: {},
  ...over,
});
const benign = (
  over: Partial<Benign> & Pick<Benign, 'id' | 'kind' | 'entity' | 'start' | 'end'>,
): Benign => ({
  also: [],
  alt: [],
  description: '',
  records: 1,
  why: '',
  ...over,
});
const finding = (
  detection: string,
  entity: string,
  start: number,
  end: number,
  id = `${detection}@${entity}`,
): Finding => ({
  id,
  detection,
  severity: 'medium',
  entity,
  start,
  end,
  evidence_count: 1,
});

const truth = {
  attacks: [
    attack({
      id: 'scan',
      kind: 'port-scan-vertical',
      entity: '203.0.113.9',
      alt: ['10.0.1.21', 'eni-0aaa'],
      start: 1000,
      end: 1100,
    }),
    attack({
      id: 'sweep',
      kind: 'sweep-horizontal',
      also: ['outbound-scan'],
      entity: '10.0.2.5',
      start: 5000,
      end: 5600,
    }),
    attack({
      id: 'brute6',
      kind: 'brute-force',
      entity: '2a02:8100:1:2::5',
      alt: ['2600:1f18::10'],
      start: 9000,
      end: 9900,
    }),
  ],
  benign: [
    benign({
      id: 'noise',
      kind: 'port-scan-vertical',
      also: ['sweep-horizontal'],
      entity: '10.0.1.21',
      start: 0,
      end: 20000,
    }),
    benign({ id: 'backup', kind: 'exfiltration', entity: '10.0.3.60', start: 7200, end: 9000 }),
  ],
};

describe('kindOfDetection', () => {
  it('maps plausible detection ids by keyword, outbound and sweep before plain scan', () => {
    expect(kindOfDetection('port-scan')).toBe('port-scan-vertical');
    expect(kindOfDetection('vertical-port-scan')).toBe('port-scan-vertical');
    expect(kindOfDetection('horizontal-sweep')).toBe('sweep-horizontal');
    expect(kindOfDetection('port-sweep')).toBe('sweep-horizontal');
    expect(kindOfDetection('outbound-port-scan')).toBe('outbound-scan');
    expect(kindOfDetection('brute-force-ssh')).toBe('brute-force');
    expect(kindOfDetection('brute-force-rdp')).toBe('brute-force');
    expect(kindOfDetection('unusual-protocol')).toBe('unusual-protocol');
    expect(kindOfDetection('nacl-reply-drop')).toBe('nacl-reply-drop');
    expect(kindOfDetection('threat-intel-match')).toBe('known-bad');
    expect(kindOfDetection('known-bad-address')).toBe('known-bad');
    expect(kindOfDetection('coverage-gap')).toBe('coverage-gap');
    expect(kindOfDetection('skipdata')).toBe('coverage-gap');
    expect(kindOfDetection('data-exfiltration')).toBe('exfiltration');
    expect(kindOfDetection('ddos-fan-in')).toBe('flood');
    expect(kindOfDetection('beaconing')).toBe('beacon');
    expect(kindOfDetection('something-else')).toBeUndefined();
  });
});

describe('entity names', () => {
  it('finds IPv4, IPv6 (canonicalised) and ENI ids inside free text', () => {
    expect(entityNames('10.0.0.5:22 <- eni-0ABC')).toEqual(['10.0.0.5', 'eni-0abc']);
    expect(entityNames('[2A02:8100:0001:0002:0000:0000:0000:0005]:22')).toEqual(['2a02:8100:1:2::5']);
    expect(entityNames('10.0.0.50')).toEqual(['10.0.0.50']);
    expect(entityNames('vpc-1')).toEqual(['vpc-1']);
    expect(canonicalIpv6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIpv6('not:an:address')).toBeUndefined();
  });
});

describe('score', () => {
  it('right kind + right entity + overlapping window = found', () => {
    const s = score(truth, [finding('port-scan', '203.0.113.9', 1050, 1060)]);
    expect(s.judged[0]!.verdict).toBe('found');
    expect(s.rows.find((r) => r.kind === 'port-scan-vertical')).toMatchObject({
      attacks: 1,
      found: 1,
      recall: 1,
      falseFindings: 0,
    });
  });

  it('an alternative entity (the target, the interface) is accepted; the window may touch within the slack', () => {
    const s = score(truth, [finding('port-scan', 'eni-0aaa', 1300, 1400)], 300);
    expect(s.judged[0]!.verdict).toBe('found');
    expect(score(truth, [finding('port-scan', 'eni-0aaa', 1401, 1500)], 300).judged[0]!.verdict).toBe(
      'false',
    );
  });

  it('a wrong entity is a false finding, and lands on the look-alike it names', () => {
    const s = score(truth, [
      finding('port-scan', '10.0.1.99', 1000, 1100),
      finding('port-scan', '10.0.1.21', 15000, 15100),
    ]);
    expect(s.judged.map((j) => j.verdict)).toEqual(['false', 'false']);
    expect(s.judged[1]!.benign).toEqual(['noise']);
    const row = s.rows.find((r) => r.kind === 'port-scan-vertical')!;
    expect(row).toMatchObject({
      found: 0,
      recall: 0,
      findings: 2,
      falseFindings: 2,
      falseOnBenign: 1,
      missed: ['scan'],
    });
    expect(row.benignHit).toEqual(['noise']);
  });

  it('the right entity outside the window is false', () => {
    expect(score(truth, [finding('port-scan', '203.0.113.9', 3000, 3100)]).judged[0]!.verdict).toBe('false');
  });

  it('the right entity and window under the wrong kind is false, noted as another kind; an `also` kind is related', () => {
    const wrong = score(truth, [finding('beacon', '203.0.113.9', 1000, 1100)]).judged[0]!;
    expect(wrong.verdict).toBe('false');
    expect(wrong.otherAttacks).toEqual(['scan']);
    const rel = score(truth, [finding('outbound-scan', '10.0.2.5', 5100, 5200)]);
    expect(rel.judged[0]!.verdict).toBe('related');
    const row = rel.rows.find((r) => r.kind === 'outbound-scan')!;
    expect(row).toMatchObject({ attacks: 0, recall: null, findings: 1, falseFindings: 0, related: 1 });
  });

  it('a look-alike is only blamed for the kinds it resembles', () => {
    const s = score(truth, [
      finding('exfiltration', '10.0.3.60', 7300, 7400),
      finding('flood', '10.0.3.60', 7300, 7400),
    ]);
    expect(s.judged[0]!.benign).toEqual(['backup']);
    expect(s.judged[1]!.benign).toEqual([]);
  });

  it('IPv6 entities match whatever their spelling; two findings of one attack count it once', () => {
    const s = score(truth, [
      finding('brute-force-ssh', '2a02:8100:0001:0002::0005', 9000, 9100, 'x'),
      finding('brute-force-ssh', '[2600:1f18:0::10]:22', 9500, 9600, 'y'),
    ]);
    expect(s.judged.map((j) => j.verdict)).toEqual(['found', 'found']);
    expect(s.rows.find((r) => r.kind === 'brute-force')).toMatchObject({
      attacks: 1,
      found: 1,
      findings: 2,
      falseFindings: 0,
    });
  });

  it('unmapped detection ids are counted apart, not scored', () => {
    const s = score(truth, [finding('mystery', '203.0.113.9', 1000, 1100)]);
    expect(s.unmapped).toEqual({ mystery: 1 });
    expect(s.rows.every((r) => r.findings === 0)).toBe(true);
    expect(markdown(s)).toContain('**UNMAPPED detection ids (not scored):** mystery (1)');
  });

  it('the markdown table has a row per kind and a total', () => {
    const md = markdown(score(truth, [finding('port-scan', '203.0.113.9', 1000, 1100)]));
    expect(md).toContain('| port-scan-vertical | 1 | 1 | 100% | 1 | 0 | 0 | 0 |');
    expect(md).toContain('| sweep-horizontal | 1 | 0 | 0% | 0 | 0 | 0 | 0 |');
    expect(md).toContain('| **all** | 3 | 1 | 33% | 1 | 0 | 0 | 0 |');
    expect(md).toContain('Missed attacks: sweep, brute6');
  });
});

describe('parseFindings', () => {
  it('reads an array or { findings }, times in seconds, milliseconds or ISO-8601', () => {
    const one = {
      id: 'f1',
      detection: 'port-scan',
      severity: 'high',
      entity: '10.0.0.1',
      start: 1000,
      end: 1100,
      evidence_count: 3,
    };
    expect(parseFindings(JSON.stringify([one]))).toEqual([one]);
    const two = parseFindings(
      JSON.stringify({ findings: [{ ...one, start: 1_772_409_600_000, end: '2026-03-02T00:20:00Z' }] }),
    );
    // 1 772 409 600 000 ms = 2026-03-02T00:00:00Z = 1 772 409 600 s; 20 minutes later is 1 772 410 800 s.
    expect(two[0]).toMatchObject({ start: 1_772_409_600, end: 1_772_410_800 });
  });

  it('says what is wrong with a bad finding list', () => {
    expect(() => parseFindings('nope')).toThrow(/not JSON/);
    expect(() => parseFindings('{"x":1}')).toThrow(/neither an array/);
    expect(() => parseFindings('[{"detection":"port-scan","start":1,"end":2}]')).toThrow(
      /finding 1 \(port-scan\): "entity"/,
    );
    expect(() => parseFindings('[{"detection":"port-scan","entity":"a","start":"soon","end":2}]')).toThrow(
      /start: expected unix seconds/,
    );
  });
});

describe('bench:detect-eval end to end', () => {
  it('generates, ingests, runs detect with the indicator file and scores a stand-in CLI as constructed', async () => {
    const out = await mkdtemp(join(tmpdir(), 'detect-eval-'));
    try {
      const cli = resolve(import.meta.dirname, '../../fixtures/detect-eval/stand-in-cli.mjs');
      const bench = resolve(import.meta.dirname, '../../../bench/detect-eval.mjs');
      const r = await runProcess('node', [bench, '--cli', cli, '--hours', '2', '--results', out], {
        timeoutMs: 110_000,
      });
      expect(r.code, r.err).toBe(0);
      // The stand-in reports every attack but a04 (a vertical scan) and j01 (a flood), names the CI runner as
      // a brute force (a look-alike) and uses one unknown detection id.
      expect(r.out).toContain('| port-scan-vertical | 4 | 3 | 75% | 3 | 0 | 0 | 0 |');
      expect(r.out).toContain('| flood | 2 | 1 | 50% | 1 | 0 | 0 | 0 |');
      expect(r.out).toContain('| brute-force | 6 | 6 | 100% | 7 | 1 | 1 | 0 |');
      expect(r.out).toContain('| **all** | 37 | 35 | 95% | 36 | 1 | 1 | 0 |');
      expect(r.out).toContain('Benign look-alikes reported: b-ci-ssh (as brute-force)');
      expect(r.err).toContain('UNMAPPED detection id "weird-thing"');
      expect(await readFile(join(out, 'detect-eval.md'), 'utf8')).toContain(
        'Missed attacks: a04-vscan-internal, j01-syn-flood',
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('says clearly and exits 2 when the CLI has no detect command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'detect-eval-'));
    try {
      const cli = join(dir, 'old-flowwatch.mjs');
      await writeFile(
        cli,
        'process.stderr.write("error: unknown command \'detect\'\\n"); process.exit(1);\n',
      );
      const bench = resolve(import.meta.dirname, '../../../bench/detect-eval.mjs');
      const r = await runProcess('node', [bench, '--cli', cli, '--results', dir]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('has no `detect` command');
      expect(r.err).toContain('--corpus-only');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
