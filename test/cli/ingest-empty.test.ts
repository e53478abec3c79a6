// An empty file (or one with a header line only) ingested: the summary said "Ingested 1 file (1 loaded): 0 records"
// and nothing else, read as success. A second empty file was "already in the store" (every empty file has the same
// content hash). Both now warn on stderr, naming the files.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMain } from '../support/capture-io.js';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const RECORD = '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 40 1716199200 1716199260 REJECT OK';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-ingest-empty-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ingest of files without a record', () => {
  it('names empty and header-only files, also an empty file after another one', async () => {
    const db = join(dir, 's.duckdb');
    writeFileSync(join(dir, 'a.log'), '');
    writeFileSync(join(dir, 'h.log'), `${HEADER}\n`);
    const r = await runMain(['ingest', join(dir, 'a.log'), join(dir, 'h.log'), '--db', db]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      `flowwatch: warning: 2 files hold no flow log record (they are empty, or a header line only), so nothing was loaded from them: ${join(dir, 'a.log')}, ${join(dir, 'h.log')}`,
    );
    writeFileSync(join(dir, 'b.log'), '');
    const again = await runMain(['ingest', join(dir, 'b.log'), '--db', db]);
    expect(again.err).toContain(`1 file holds no flow log record (it is empty, or a header line only)`);
    expect(again.err).toContain(join(dir, 'b.log'));
  });

  it('says nothing for a file with records', async () => {
    writeFileSync(join(dir, 'r.log'), `${HEADER}\n${RECORD}\n`);
    const r = await runMain(['ingest', join(dir, 'r.log'), '--db', join(dir, 's.duckdb')]);
    expect(r.out).toContain('1 records');
    expect(r.err).toBe('');
  });
});
