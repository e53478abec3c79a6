// Recovering from a mistake through the CLI (in-process): a file read with the wrong --format (every line rejected) is
// retried by the next ingest, --replace re-ingests a stored file atomically, forget removes files with their
// records, rejects and datapoints, and a misspelt --format field is refused with a did-you-mean.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, runCliInProcess } from '../support/run-cli.js';

let dir: string;

async function fw(args: string[]): Promise<RunResult> {
  return runCliInProcess(
    [
      ...args,
      ...(args[0] === 'ingest' || args[0] === 'sql' || args[0] === 'forget' ? ['--db', 'r.duckdb'] : []),
    ],
    { cwd: dir, env: { ...process.env, FLOWWATCH_DB: '' }, timeoutMs: 60_000 },
  );
}

/** One number from a SQL count. */
async function count(sql: string): Promise<number> {
  const r = await fw(['sql', sql, '-o', 'json']);
  expect(r.code, r.err).toBe(0);
  return Number(Object.values((JSON.parse(r.out) as Record<string, unknown>[])[0]!)[0]);
}

/** Files, records, rejects and the datapoints' sum of the store, in one process. */
async function totals(): Promise<number[]> {
  const r = await fw([
    'sql',
    `SELECT (SELECT count(*) FROM files) AS f, (SELECT count(*) FROM flows) AS r,
       (SELECT count(*) FROM rejects) AS j, (SELECT coalesce(sum(sum_value), 0) FROM metric_datapoints) AS d`,
    '-o',
    'json',
  ]);
  expect(r.code, r.err).toBe(0);
  return Object.values((JSON.parse(r.out) as Record<string, unknown>[])[0]!).map(Number);
}

const FORMAT = '${version} ${srcaddr} ${dstaddr} ${start} ${action}';
// Header-less: 5 fields, so the default format (14 fields) rejects every line for its field count.
const LINES = [
  '2 203.0.113.1 10.0.0.5 1716199985 REJECT',
  '2 203.0.113.2 10.0.0.5 1716199990 REJECT',
  '2 10.0.0.5 198.51.100.1 1716200041 ACCEPT',
];
const CONFIG = `metricFilters:
  - name: rejects
    pattern: REJECT
    metricNamespace: Local
    metricName: Rejects
    metricValue: "1"
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-recover-'));
  writeFileSync(join(dir, 'custom.log'), `${LINES.join('\n')}\n`);
  writeFileSync(join(dir, 'other.log'), `${LINES[0]}\n`);
  writeFileSync(join(dir, 'flowwatch.yaml'), CONFIG);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recovering from a wrong --format', () => {
  it('a file whose every line was rejected is not done: the next ingest with the right format loads it', async () => {
    const wrong = await fw(['ingest', 'custom.log']);
    expect(wrong.code).toBe(0);
    expect(wrong.out).toContain('0 records, 3 rejected lines');
    expect(wrong.out).toContain('1 file had every line rejected and is not counted as done');
    const right = await fw(['ingest', 'custom.log', '--format', FORMAT]);
    expect(right.code, right.err).toBe(0);
    expect(right.out).toContain('1 retried after every line was rejected before');
    expect(right.out).toContain('3 records, 0 rejected lines');
    // The rejected attempt is gone: one file, three records, no rejects; the filter counted 2 REJECTs.
    expect(await totals()).toEqual([1, 3, 0, 2]);
  });

  it('a file already loaded is skipped, and --replace loads it again in place (no double count)', async () => {
    const again = await fw(['ingest', 'custom.log', '--format', FORMAT]);
    expect(again.out).toContain('1 already in the store');
    const replaced = await fw(['ingest', 'custom.log', '--format', FORMAT, '--replace']);
    expect(replaced.code, replaced.err).toBe(0);
    expect(replaced.out).toContain('1 replaced');
    expect(await totals()).toEqual([1, 3, 0, 2]);
  });

  it('forget --dry-run lists, forget removes records, rejects and datapoints of the matching files', async () => {
    const other = await fw(['ingest', 'other.log']); // default format: its one line is rejected
    expect(other.out).toContain('1 rejected lines');
    const dry = await fw(['forget', '*.log', '--dry-run', '-o', 'json']);
    expect(dry.code, dry.err).toBe(0);
    expect(JSON.parse(dry.out)).toEqual({
      dryRun: true,
      files: [
        // ingest stores absolute paths; "*.log" is matched in its absolute form too.
        { id: expect.any(Number), path: join(dir, 'custom.log'), records: 3, rejected: 0 },
        { id: expect.any(Number), path: join(dir, 'other.log'), records: 0, rejected: 1 },
      ],
      records: 3,
      rejected: 1,
    });
    expect(await totals()).toEqual([2, 3, 1, 2]);
    const gone = await fw(['forget', 'custom.log']);
    expect(gone.code, gone.err).toBe(0);
    expect(gone.out).toContain('Removed 1 file (3 records, 0 rejected lines)');
    // other.log stays with its reject; custom.log's records and datapoints are gone.
    expect(await totals()).toEqual([1, 0, 1, 0]);
    const none = await fw(['forget', 'nothing-*.gz']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no stored file matches "nothing-*.gz"');
  });

  it('refuses a misspelt --format field with a did-you-mean, unless --allow-unknown-fields', async () => {
    const typo = '${version} ${srcadr} ${dstaddr} ${start} ${action}';
    const r = await fw(['ingest', 'custom.log', '--format', typo]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('"srcadr" at position 14 of the format is not a flow log field');
    expect(r.err).toContain('did you mean ${srcaddr}?');
    expect(r.err).toContain(`  ${typo}\n  ${' '.repeat(13)}^^^^^^\n`);
    const allowed = await fw(['ingest', 'custom.log', '--format', typo, '--allow-unknown-fields']);
    expect(allowed.code, allowed.err).toBe(0);
    expect(allowed.out).toContain('kept as text in the "extra" column: srcadr');
    expect(await count(`SELECT count(*) FROM flows WHERE extra['srcadr'] = '203.0.113.1'`)).toBe(1);
  });
});
