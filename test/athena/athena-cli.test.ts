// `flowwatch athena` in-process: a script file with the quoted statements, then a SELECT in a second run
// (the catalog persists in the store), with --output json/csv and an error with its caret.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { io } from '../support/capture-io.js';
import { ADD_PARTITION, CREATE_TABLE, QUOTED_SELECT, writeAwsLayout } from './fixtures.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-athena-cli-'));
  writeAwsLayout(join(dir, 'mirror'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch athena', () => {
  it('runs a script, then a statement against the stored catalog', async () => {
    const script = join(dir, 'setup.sql');
    writeFileSync(
      script,
      `-- the AWS guide's table\n${CREATE_TABLE};\n\n${ADD_PARTITION};\nSHOW PARTITIONS vpc_flow_logs;\n`,
    );
    const db = join(dir, 'store.duckdb');
    const a = io();
    expect(
      await main(['athena', '--db', db, '--location-root', join(dir, 'mirror'), '--file', script], a),
    ).toBe(0);
    expect(a.stdout).toContain('dt=2024-05-20');
    expect(a.stderr).toContain('table default.vpc_flow_logs created');

    const b = io();
    expect(
      await main(
        ['athena', '--db', db, '--location-root', join(dir, 'mirror'), '-o', 'json', QUOTED_SELECT],
        b,
      ),
    ).toBe(0);
    const rows = JSON.parse(b.stdout) as { sourceaddress: string; day: number }[];
    expect(rows.map((r) => r.sourceaddress)).toEqual(['10.0.0.10', '10.0.0.12', '10.0.0.9']);
    expect(rows.every((r) => r.day === 1)).toBe(true);

    const c = io();
    expect(
      await main(
        [
          'athena',
          '--db',
          db,
          '--location-root',
          join(dir, 'mirror'),
          '-o',
          'csv',
          'SELECT count(*) AS n FROM vpc_flow_logs',
        ],
        c,
      ),
    ).toBe(0);
    expect(c.stdout).toBe('n\n6\n');
  });

  it('prints an error with its code position and exits 1', async () => {
    const e = io();
    const code = await main(['athena', '--db', join(dir, 'e.duckdb'), 'SHOW TABLES IN'], e);
    expect(code).toBe(1);
    expect(e.stderr).toContain('expected a database name');
    expect(e.stderr).toContain('^');
  });

  it('needs a statement or --file', async () => {
    expect(await main(['athena', '--db', join(dir, 'e.duckdb')], io())).toBe(2);
  });
});
