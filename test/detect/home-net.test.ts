// homeNet ($home) and the silence kind's definition rules: flowwatch.yaml mistakes refused with a code and
// file:line:column, $home resolved into outbound-scan, and `detect` saying loudly when IPv6 scans cannot be seen.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { DetectionError } from '../../src/detect/parse.js';
import { runMain } from '../support/capture-io.js';

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

describe('homeNet in flowwatch.yaml', () => {
  it('is resolved into outbound-scan: one more alternative, and its blocks are not "the internet"', () => {
    const without = load('metricFilters: []\n').find((d) => d.id === 'outbound-scan')!;
    // $private, and egress records; the $home alternative can never hold without a list, so it is dropped
    expect(without.anyOf.length).toBe(2);
    const withHome = load('homeNet: [2600:1f18:4a3:6b00::/56, 198.51.100.0/24]\n').find(
      (d) => d.id === 'outbound-scan',
    )!;
    expect(withHome.anyOf.length).toBe(3);
    expect(withHome.anyOf[1]).toEqual([
      { field: 'srcaddr', cond: { op: 'cidr', cidrs: ['2600:1f18:4a3:6b00::/56', '198.51.100.0/24'] } },
    ]);
    const dst = withHome.filter.find((t) => t.field === 'dstaddr')!.cond;
    expect(dst.op === 'not_cidr' && dst.cidrs.slice(-2)).toEqual([
      '2600:1f18:4a3:6b00::/56',
      '198.51.100.0/24',
    ]);
  });

  it('refuses a bad block at its position', () => {
    // "homeNet: [" is 10 characters: the block starts at column 11
    const e = refused('homeNet: [10.0.0.0/8, 10.0.0.0/33]\n');
    expect([e.code, e.line, e.column]).toEqual(['DETECT_BAD_CIDR', 1, 23]);
  });

  it('refuses a value that is not a list', () => {
    const e = refused('homeNet: 10.0.0.0/8\n');
    expect([e.code, e.line, e.column]).toEqual(['DETECT_TYPE', 1, 10]);
  });

  it('refuses a definition whose filter needs $home when there is no homeNet', () => {
    const e = refused(
      'detections:\n  ours:\n    kind: threshold\n    title: Ours\n    window: 60\n    groupBy: [srcaddr]\n    filter: { srcaddr: { cidr: [$home] } }\n    metric: count\n    thresholds: { low: 1 }\n',
    );
    // the definition's mapping starts at line 3, column 5
    expect([e.code, e.line, e.column]).toEqual(['DETECT_NO_HOME', 3, 5]);
    expect(e.hint).toContain('homeNet:');
  });
});

describe('the silence kind', () => {
  it('names the kind when misspelt', () => {
    const e = refused(
      'detections:\n  x:\n    kind: silense\n    title: X\n    window: 600\n    thresholds: { low: 1 }\n',
    );
    expect([e.code, e.line, e.column]).toEqual(['DETECT_UNKNOWN_KIND', 3, 11]);
    expect(e.hint).toMatch(/did you mean "silence"/);
  });

  it('refuses lookback on another kind and groupBy on silence', () => {
    const a = refused(
      'detections:\n  x:\n    kind: threshold\n    lookback: 60\n    title: X\n    window: 60\n    groupBy: [srcaddr]\n    metric: count\n    thresholds: { low: 1 }\n',
    );
    expect([a.code, a.line, a.column]).toEqual(['DETECT_KIND_KEY', 4, 5]);
    const b = refused(
      'detections:\n  x:\n    kind: silence\n    title: X\n    window: 600\n    groupBy: [srcaddr]\n    thresholds: { low: 1 }\n',
    );
    expect([b.code, b.line, b.column]).toEqual(['DETECT_KIND_KEY', 6, 5]);
    const c = refused('detections:\n  vertical-port-scan: { lookback: 60 }\n');
    expect(c.code).toBe('DETECT_KIND_KEY');
  });

  it('takes a lookback override on the built-in', () => {
    const d = load('detections:\n  interface-stopped-logging: { lookback: 3600 }\n').find(
      (x) => x.id === 'interface-stopped-logging',
    )!;
    expect(d.kind === 'silence' && d.lookback).toBe(3600);
    const builtin = load('metricFilters: []\n').find((x) => x.id === 'interface-stopped-logging')!;
    expect(builtin.kind === 'silence' && [builtin.lookback, builtin.window]).toEqual([21600, 900]);
  });
});

describe('detect says when IPv6 outbound scans cannot be seen', () => {
  let dir: string;
  const T = 1716199200;
  const fw = runMain;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-home-'));
    const lines = [
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      `2 111122223333 eni-c 2600:1f18:4a3:6b01::7 2001:db8::1 40000 22 6 1 60 ${T} ${T + 59} ACCEPT OK`,
    ];
    writeFileSync(join(dir, 'f.log'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'home.yaml'), 'homeNet: [2600:1f18:4a3:6b00::/56]\n');
    expect((await fw(['ingest', join(dir, 'f.log'), '--db', join(dir, 's.duckdb')])).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without homeNet: a note naming homeNet and flow-direction', async () => {
    const r = await fw(['detect', '--db', join(dir, 's.duckdb'), '--config', join(dir, 'none.yaml')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/note: outbound-scan: .*IPv6 records without flow-direction.*homeNet/);
  });

  it('with an IPv6 homeNet block: no note', async () => {
    const r = await fw(['detect', '--db', join(dir, 's.duckdb'), '--config', join(dir, 'home.yaml')]);
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('note: outbound-scan');
  });

  it('takes the network snapshot’s VPC blocks as home: an IPv6 scan from a VPC address is found', async () => {
    // 60 SSH probes from 2600:1f18:1::7 (inside the fixture VPC's 2600:1f18:1::/56) to 60 internet addresses in
    // one window: 60 distinct address:port pairs ≥ 50 → medium, once the snapshot says the block is ours.
    const db = join(dir, 'snap.duckdb');
    const lines = [
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      ...Array.from(
        { length: 60 },
        (_, i) =>
          `2 111122223333 eni-c 2600:1f18:1::7 2001:db8::${(i + 1).toString(16)} ${40000 + i} 22 6 1 60 ${T + i} ${T + i + 59} ACCEPT OK`,
      ),
    ];
    writeFileSync(join(dir, 'scan.log'), `${lines.join('\n')}\n`);
    expect((await fw(['ingest', join(dir, 'scan.log'), '--db', db])).code).toBe(0);
    const before = await fw([
      'detect',
      '--db',
      db,
      '--config',
      join(dir, 'none.yaml'),
      '--only',
      'outbound-scan',
      '-o',
      'json',
    ]);
    expect(JSON.parse(before.out).findings).toEqual([]);
    const net = join(import.meta.dirname, '../fixtures/network');
    expect((await fw(['network', 'load', net, '--at', String(T - 3600), '--db', db])).code).toBe(0);
    const after = await fw([
      'detect',
      '--db',
      db,
      '--config',
      join(dir, 'none.yaml'),
      '--only',
      'outbound-scan',
      '-o',
      'json',
    ]);
    const found = JSON.parse(after.out).findings;
    expect(
      found.map((f: { entity: string; severity: string; evidence_count: number }) => [
        f.entity,
        f.severity,
        f.evidence_count,
      ]),
    ).toEqual([['2600:1f18:1::7', 'medium', 60]]);
    expect(after.err).not.toContain('note: outbound-scan');
  });
});

describe('detect says when a brute force from inside cannot be seen (records without tcp-flags)', () => {
  let dir: string;
  const T = 1716199200;
  const fw = runMain;
  const store = (name: string) => join(dir, `${name}.duckdb`);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-flags-'));
    const plain = [
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      `2 111122223333 eni-d 10.0.3.21 10.0.3.41 42000 5432 6 8 900 ${T} ${T + 59} ACCEPT OK`,
    ];
    const flagged = [
      'version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags',
      `3 eni-d 10.0.3.21 10.0.3.41 42000 5432 6 8 900 ${T} ${T + 59} ACCEPT OK 3`,
    ];
    // Only rejected TCP without tcp-flags: nothing is left out, so no note.
    const rejectedOnly = [plain[0]!, plain[1]!.replace('ACCEPT', 'REJECT')];
    for (const [name, lines] of Object.entries({ plain, flagged, rejectedOnly })) {
      writeFileSync(join(dir, `${name}.log`), `${lines.join('\n')}\n`);
      expect((await fw(['ingest', join(dir, `${name}.log`), '--db', store(name)])).code).toBe(0);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepted TCP records without tcp-flags: a note naming both detections and ${tcp-flags}', async () => {
    const r = await fw([
      'detect',
      '--db',
      store('plain'),
      '--only',
      'brute-force-login,brute-force-login-slow',
      '--config',
      join(dir, 'none.yaml'),
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /note: brute-force-login, brute-force-login-slow: .*without tcp-flags.*not counted.*\$\{tcp-flags\}/,
    );
  });

  it('records with tcp-flags, or only rejected ones without: no note', async () => {
    for (const name of ['flagged', 'rejectedOnly']) {
      const r = await fw([
        'detect',
        '--db',
        store(name),
        '--only',
        'brute-force-login,brute-force-login-slow',
        '--config',
        join(dir, 'none.yaml'),
      ]);
      expect(r.code).toBe(0);
      expect(r.err).not.toContain('note: brute-force-login');
    }
  });

  it('with both brute-force detections disabled: no note', async () => {
    writeFileSync(
      join(dir, 'off.yaml'),
      'detections:\n  brute-force-login: { enabled: false }\n  brute-force-login-slow: { enabled: false }\n',
    );
    const r = await fw(['detect', '--db', store('plain'), '--config', join(dir, 'off.yaml')]);
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('brute-force-login');
  });
});
