// `flowwatch report encryption|traffic-kinds` over hand-written files: the tables people read, JSON for
// programs, and the loud warning (stderr and the table) when the stored formats lack encryption-status.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { io } from '../support/capture-io.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const V10 = [
  'version vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status encryption-status',
  `10 vpc-a eni-1 10.0.1.5 10.0.2.9 40000 443 6 10 3000 ${T} ${T + 60} ACCEPT OK 2`,
  `10 vpc-a eni-1 10.0.1.5 10.0.2.9 40001 80 6 5 1000 ${T + 60} ${T + 120} ACCEPT OK 0`,
].join('\n');
const V2 = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  `2 123456789012 eni-9 10.0.0.1 10.0.0.2 40000 80 6 1 300 ${T} ${T + 60} ACCEPT OK`,
].join('\n');

let dir: string;

async function run(
  args: string[],
  outIsTTY = false,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const o = Object.assign(io(), { outIsTTY });
  const code = await main(args, o);
  return { code, stdout: o.stdout, stderr: o.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-report-cli-'));
  writeFileSync(join(dir, 'v10.log'), V10);
  writeFileSync(join(dir, 'v2.log'), V2);
  expect((await run(['ingest', join(dir, 'v10.log'), '--db', join(dir, 'v10.duckdb')])).code).toBe(0);
  expect((await run(['ingest', join(dir, 'v2.log'), '--db', join(dir, 'v2.duckdb')])).code).toBe(0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('flowwatch report encryption', () => {
  it('prints shares per status and the unencrypted traffic', async () => {
    const r = await run(['report', 'encryption', '--db', join(dir, 'v10.duckdb')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('coverage: 2 of 2 traffic records have encryption-status (100.0%)');
    // 1000 of 4000 bytes not encrypted: 25.0%; one of two flows: 50.0%.
    expect(r.stdout).toMatch(/0\s+not encrypted\s+1\s+50\.0%\s+1000 B\s+25\.0%/);
    expect(r.stdout).toMatch(/vpc-a\s+2\s+3\.9 KiB\s+1\s+1000 B\s+25\.0%/);
    expect(r.stdout).toContain('2024-05-20 10');
  });

  it('JSON output, grouped by port', async () => {
    const r = await run([
      'report',
      'encryption',
      '--by',
      'port',
      '-o',
      'json',
      '--db',
      join(dir, 'v10.duckdb'),
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { groups: { key: string; unencryptedBytes: number }[] };
    expect(j.groups.map((g) => [g.key, g.unencryptedBytes])).toEqual([
      ['80', 1000],
      ['443', 0],
    ]);
  });

  it('warns loudly, on stderr and in the table, when no record has encryption-status', async () => {
    const r = await run(['report', 'encryption', '--db', join(dir, 'v2.duckdb')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: no stored record has encryption-status: add ${encryption-status}');
    expect(r.stdout).toContain('WARNING: no stored record has encryption-status');
    expect(r.stdout).not.toContain('%)\nby status');
  });

  it('on a terminal, says each warning once: in the table, not again on stderr', async () => {
    const r = await run(['report', 'encryption', '--db', join(dir, 'v2.duckdb')], true);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/no stored record has encryption-status/g)).toHaveLength(1);
    expect(r.stderr).toBe('');
    const j = await run(['report', 'encryption', '-o', 'json', '--db', join(dir, 'v2.duckdb')], true);
    expect(j.stderr).toContain('warning: no stored record has encryption-status');
  });

  it('refuses an unknown --by', async () => {
    const r = await run(['report', 'encryption', '--by', 'region', '--db', join(dir, 'v10.duckdb')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--by "region" is not one of vpc, subnet, interface, port');
  });
});

describe('flowwatch report traffic-kinds', () => {
  it('IP version from the addresses; EFA and reject reasons unknown, said so', async () => {
    const r = await run(['report', 'traffic-kinds', '--db', join(dir, 'v2.duckdb')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/IPv4\s+1\s+100\.0%\s+300 B\s+100\.0%/);
    expect(r.stdout).toContain('EFA: unknown (no record has the type field)');
    expect(r.stderr).toContain('no stored record has reject-reason');
  });
});

describe('flowwatch report paths', () => {
  it('on the default format: every section unknown, said so, nothing priced', async () => {
    const r = await run(['report', 'paths', '--db', join(dir, 'v2.duckdb')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('NAT-processed bytes: unknown (no record has interface-type)');
    expect(r.stdout).toContain('estimated cost: nothing to price');
    expect(r.stderr).toContain('warning: no stored record has az-id, next-hop-az-id and flow-direction');
  });

  it('refuses a region the price table lacks, and a bad price file, with exit code 2', async () => {
    const r = await run(['report', 'paths', '--region', 'eu-west-1', '--db', join(dir, 'v2.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no prices for region eu-west-1');
    writeFileSync(join(dir, 'prices.json'), '{"asOf": "yesterday", "regions": {}}');
    const p = await run([
      'report',
      'paths',
      '--prices',
      join(dir, 'prices.json'),
      '--db',
      join(dir, 'v2.duckdb'),
    ]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('asOf must be a date YYYY-MM-DD');
  });
});
