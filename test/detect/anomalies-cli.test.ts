// `flowwatch anomalies` end to end (the CLI in-process): a steady interface with one burst period gives one finding on that
// period, explained by the dimensions that changed; an interface with too little history says so; a re-run adds
// nothing; the finding is listed with the other detections' findings.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/run-cli.js';
import { HEADER, rec, T } from './cases.js';

let dir: string;
let db: string;
const cli = (args: string[]) =>
  runCliInProcess([...args], { cwd: dir, env: { ...process.env, FLOWWATCH_DB: db } });
const P = 600; // T is a multiple of 600, so period i starts at T + i·600
const BURST = 90;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-anomalies-cli-'));
  db = join(dir, 's.duckdb');
  const lines: string[] = [];
  // eni-a: 100 steady periods (4–6 accepted flows from 3 peers to port 443), then in period 90 a burst of 200
  // rejected flows from 200 addresses to 200 ports.
  for (let i = 0; i < 100; i++) {
    const t = T + i * P;
    const n = 4 + (i % 3);
    for (let j = 0; j < n; j++)
      lines.push(
        rec(
          'eni-a',
          `198.51.100.${1 + (j % 3)}`,
          '10.0.1.10',
          40000 + j,
          443,
          6,
          'ACCEPT',
          t + j * 10,
          1000 + 100 * ((i * 7 + j) % 5),
        ),
      );
    if (i === BURST)
      for (let k = 0; k < 200; k++)
        lines.push(rec('eni-a', `203.0.113.${k}`, '10.0.1.10', 50000, 1 + k, 6, 'REJECT', t + 300, 40));
  }
  // eni-b: ten periods only.
  for (let i = 0; i < 10; i++)
    lines.push(rec('eni-b', '198.51.100.7', '10.0.2.20', 40000, 22, 6, 'ACCEPT', T + i * P));
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  const r = await cli(['ingest', 'f.log']);
  expect(r.code, r.err).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch anomalies', () => {
  it('finds the burst period of eni-a, explains it, and says eni-b has too little history', async () => {
    const r = await cli(['anomalies', '-o', 'json', '--seed', '1']);
    expect(r.code, r.err).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.created).toBe(1);
    expect(o.findings).toHaveLength(1);
    const f = o.findings[0];
    expect(f).toMatchObject({
      detection: 'rcf-interface-anomaly',
      entity: 'eni-a',
      start: T + BURST * P,
      end: T + (BURST + 1) * P - 1,
      state: 'open',
    });
    // Flows (≈ 205 vs ≈ 5), distinct peers (203 vs 3), distinct ports (201 vs 1), rejects (200 vs 0) all jumped:
    // the explanation names some of them, never bytes alone.
    expect(f.explanation).toMatch(/flows|distinct peers|distinct ports|rejects/);
    expect(f.title).toContain(f.explanation);
    // eni-a: 100 periods, 65 needed, so periods 64..99 are scored (36).
    const a = o.interfaces.find((x: { interface: string }) => x.interface === 'eni-a');
    expect([a.periods, a.needs, a.scored, a.anomalous]).toEqual([100, 65, 36, 1]);
    expect(o.notScored).toEqual([{ interface: 'eni-b', needs: 65, available: 10 }]);
  });

  it('the table output warns about eni-b in words', async () => {
    const r = await cli(['anomalies', '--seed', '1']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('eni-b: needs 65 periods of 10m before its first score; 10 available');
    expect(r.out).toContain('eni-a');
  });

  it('running again adds nothing, and findings list shows it', async () => {
    const r = await cli(['anomalies', '-o', 'json', '--seed', '1']);
    expect([JSON.parse(r.out).created, JSON.parse(r.out).unchanged]).toEqual([0, 1]);
    const l = JSON.parse((await cli(['findings', 'list', '-o', 'json'])).out);
    expect(l.map((x: { detection: string; entity: string }) => [x.detection, x.entity])).toEqual([
      ['rcf-interface-anomaly', 'eni-a'],
    ]);
  });

  it('refuses a bad period with a hint', async () => {
    const r = await cli(['anomalies', '--period', '10 minutes']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--period "10 minutes" is not a span of time');
  });
});
