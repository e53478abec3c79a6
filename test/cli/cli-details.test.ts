// CLI details a new user meets in the first hour (issue 13, item 7): a missing ingest path leaves no store
// behind, `notifications list` shows pending deliveries by default, `query --list` fits 100 columns, and
// `demo --help` says what the demo does. Run in-process through main().

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-details-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(): Io & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    out: (t: string) => {
      o.stdout += t;
    },
    err: (t: string) => {
      o.stderr += t;
    },
    isTTY: false,
    stdin: Readable.from([]),
    env: {},
  };
  return o;
}

describe('CLI details', () => {
  it('ingest of a missing file names the path, exits 1 and creates no store', async () => {
    const o = io();
    const db = join(dir, 'typo.duckdb');
    const missing = join(dir, 'no-such-file.log.gz');
    expect(await main(['ingest', missing, '--db', db], o)).toBe(1);
    expect(o.stderr).toContain(`${missing}: no such file or directory`);
    expect(existsSync(db)).toBe(false);
    expect(existsSync(`${db}.wal`)).toBe(false);
  });
});
