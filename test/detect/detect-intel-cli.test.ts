// `flowwatch detect` and the known-bad-address detection end to end (the CLI in-process): with no feed loaded it says so
// on stderr and reports nothing for it (never a silent zero); after `flowwatch intel add` the listed address is a
// finding on the internal host. Records and indicators are those of the first known-bad case of cases.ts.

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
const range = ['--since', String(T), '--until', String(T + 3600)];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-detect-intel-'));
  db = join(dir, 's.duckdb');
  const lines = [
    rec('eni-k', '10.0.1.5', '198.51.100.7', 40000, 443, 6, 'ACCEPT', T + 10),
    rec('eni-k', '198.51.100.7', '10.0.1.5', 443, 40000, 6, 'ACCEPT', T + 10),
    rec('eni-k', '10.0.1.6', '198.51.101.0', 40001, 443, 6, 'ACCEPT', T + 20),
  ];
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'bad.txt'), '# listed\n198.51.100.0/24\n');
  const r = await cli(['ingest', 'f.log']);
  expect(r.code, r.err).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch detect with threat intelligence', () => {
  it('with no feed loaded, known-bad-address is skipped with a warning naming intel add', async () => {
    const r = await cli(['detect', ...range, '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/known-bad-address: no threat-intelligence feed is loaded/);
    expect(r.err).toMatch(/flowwatch intel add/);
    expect(JSON.parse(r.out).detections).not.toContain('known-bad-address');
  });

  it('--only known-bad-address with no feed is an error (exit 2), not an empty answer', async () => {
    const r = await cli(['detect', ...range, '--only', 'known-bad-address']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/intel add/);
  });

  it('after intel add, the internal host that reached a listed address is a high finding', async () => {
    const add = await cli(['intel', 'add', 'bad.txt']);
    expect(add.code, add.err).toBe(0);
    const r = await cli(['detect', ...range, '--only', 'known-bad-address', '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.findings).toHaveLength(1);
    expect(o.findings[0]).toMatchObject({
      detection: 'known-bad-address',
      severity: 'high',
      entity: '10.0.1.5',
      start: T + 10,
      end: T + 10,
      evidence_count: 2,
    });
  });
});
