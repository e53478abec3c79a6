// Header-less lines of another format than --format names: every line is rejected for its field count, and the
// hint used to say the lines were "read with the default format" although --format was given. Lines: 15 fields
// (the default 14 and tcp-flags), read with the default format given by hand (14 fields).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMain } from '../support/capture-io.js';

const FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
const LINE = '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 40 1716199200 1716199260 REJECT OK 2';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-ingest-hint-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ingest: the field-count hint', () => {
  it('with --format, names --format, not the default format', async () => {
    writeFileSync(join(dir, 'x.log'), `${LINE}\n`);
    const r = await runMain([
      'ingest',
      join(dir, 'x.log'),
      '--format',
      FORMAT,
      '--db',
      join(dir, 's.duckdb'),
    ]);
    expect(r.out).toContain('expected 14 fields, found 15 [FIELD_COUNT]');
    expect(r.out).toContain('their lines do not have the fields\nthat --format names');
    expect(r.out).not.toContain('read\nwith the default format');
  });

  it('without --format, says header-less files are read with the default format', async () => {
    writeFileSync(join(dir, 'x.log'), `${LINE}\n`);
    const r = await runMain(['ingest', join(dir, 'x.log'), '--db', join(dir, 's.duckdb')]);
    expect(r.out).toContain('Files without a header line are read\nwith the default format');
  });
});
