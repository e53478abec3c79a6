// findings list --detection with a misspelt id: the list was empty with "run flowwatch detect first, or widen the
// filters", as if nothing had been found. It now names the id no catalog entry and no stored finding has, with the
// id meant. Records: the 20-port vertical scan of test/detect/cases.ts (one vertical-port-scan finding).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER, rec, T } from '../detect/cases.js';
import { runMain } from '../support/capture-io.js';

let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-findings-filter-'));
  db = join(dir, 's.duckdb');
  const lines = Array.from({ length: 20 }, (_, i) =>
    rec('eni-a', '203.0.113.9', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 10),
  );
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  expect((await runMain(['ingest', join(dir, 'f.log'), '--db', db])).code).toBe(0);
  const d = await runMain([
    'detect',
    '--db',
    db,
    '--only',
    'vertical-port-scan',
    '--since',
    String(T),
    '--until',
    String(T + 600),
  ]);
  expect(d.code, d.err).toBe(0);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('findings list --detection', () => {
  it('finds the stored finding by its id', async () => {
    const r = await runMain([
      'findings',
      'list',
      '--db',
      db,
      '--detection',
      'vertical-port-scan',
      '-o',
      'json',
    ]);
    expect((JSON.parse(r.out) as unknown[]).length).toBe(1);
    expect(r.err).not.toContain('warning');
  });

  it('warns for an id that neither the catalog nor a stored finding has, with the id meant', async () => {
    const r = await runMain(['findings', 'list', '--db', db, '--detection', 'vertical-port-scn']);
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      'warning: --detection: there is no detection "vertical-port-scn": no stored finding has it and the catalog does not list it, so nothing can match (did you mean "vertical-port-scan"?)',
    );
    expect(r.err).not.toContain('run flowwatch detect first');
  });

  it('says nothing more for a catalog detection that found nothing', async () => {
    const r = await runMain(['findings', 'list', '--db', db, '--detection', 'beacon']);
    expect(r.err).toBe('no findings (run flowwatch detect first, or widen the filters)\n');
  });
});
