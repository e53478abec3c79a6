// S3 locations under --location-root stay inside the mirror: `..` in the bucket or key, and symbolic links
// leading out, are refused (ATHENA_LOCATION_OUTSIDE_ROOT) for the table location and for a SELECT, so no
// file outside the mirror is ever read; percent-encoded dots are a literal folder name (S3 keys are literal).

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AthenaError } from '../../src/athena/errors.js';
import { localDir } from '../../src/athena/locations.js';
import { main } from '../../src/cli/main.js';
import { io } from '../support/capture-io.js';

let dir: string;
let mirror: string;
const span = { start: 0, end: 0 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-athena-loc-'));
  mirror = join(dir, 'mirror');
  mkdirSync(join(mirror, 'bucket', 'logs'), { recursive: true });
  writeFileSync(join(mirror, 'bucket', 'logs', 'a.txt'), 'inside_value\n');
  mkdirSync(join(dir, 'secret'));
  writeFileSync(join(dir, 'secret', 'passwd.txt'), 'outside_secret\n');
  symlinkSync(join(dir, 'secret'), join(mirror, 'bucket', 'link'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function code(location: string): string | undefined {
  try {
    localDir(location, mirror, span);
    return undefined;
  } catch (e) {
    return (e as AthenaError).code;
  }
}

describe('an s3:// location under --location-root', () => {
  it('maps to <root>/bucket/key', () => {
    expect(localDir('s3://bucket/logs/', mirror, span)).toBe(join(mirror, 'bucket', 'logs'));
    expect(localDir('s3://bucket/logs/../logs/', mirror, span)).toBe(join(mirror, 'bucket', 'logs'));
  });

  it.each([
    's3://bucket/../../secret/',
    's3://bucket/../../../../../../etc/',
    's3://bucket/logs/../../../secret',
    's3://../secret/',
    's3://../../etc/',
    's3://bucket/..',
    's3://bucket/link/',
    's3a://bucket/../../secret/',
  ])('refuses %s', (location) => {
    expect(code(location)).toBe('ATHENA_LOCATION_OUTSIDE_ROOT');
  });

  it('takes percent-encoded dots literally, inside the mirror', () => {
    expect(localDir('s3://bucket/%2e%2e/%2e%2e/secret/', mirror, span)).toBe(
      join(mirror, 'bucket', '%2e%2e', '%2e%2e', 'secret'),
    );
  });
});

describe('flowwatch athena --location-root', () => {
  const run = (sql: string, o = io()) =>
    main(['athena', '--db', join(dir, 's.duckdb'), '--location-root', mirror, '-o', 'json', sql], o).then(
      (rc) => ({ rc, o }),
    );

  it.each([
    ['..', 's3://bucket/../../secret/'],
    ['a symbolic link', 's3://bucket/link/'],
  ])('never reads a file outside the mirror through %s', async (_, location) => {
    const name = `t_${Math.random().toString(36).slice(2, 8)}`;
    const create = await run(`CREATE EXTERNAL TABLE ${name} (line string) LOCATION '${location}'`);
    const select = await run(`SELECT * FROM ${name}`);
    const text = create.o.stdout + create.o.stderr + select.o.stdout + select.o.stderr;
    expect(text).not.toContain('outside_secret');
    expect(select.rc).not.toBe(0);
    expect(select.o.stderr).toContain('leads outside the S3 mirror folder');
  });

  it('reads a table inside the mirror', async () => {
    await run(`CREATE EXTERNAL TABLE inside (line string) LOCATION 's3://bucket/logs/'`);
    const r = await run('SELECT line FROM inside');
    expect(r.rc, r.o.stderr).toBe(0);
    expect(JSON.parse(r.o.stdout)).toEqual([{ line: 'inside_value' }]);
  });
});
