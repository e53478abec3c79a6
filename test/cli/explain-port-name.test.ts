// explain --dst-port ssh: refused as "must be an integer" with nothing more; the hint now gives the number
// (IANA: ssh is 22, https 443).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../support/capture-io.js';

let dir: string;
let db: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-explain-port-'));
  db = join(dir, 's.duckdb');
  const net = join(import.meta.dirname, '..', 'fixtures', 'network');
  expect((await runMain(['network', 'load', net, '--db', db, '--at', '2024-05-01T00:00:00Z'])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('explain with a port by name', () => {
  it('gives the port number', async () => {
    const r = await runMain([
      'explain',
      '--src',
      '1.2.3.4',
      '--dst',
      '10.0.1.10',
      '--dst-port',
      'ssh',
      '--db',
      db,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'flowwatch: --dst-port "ssh" must be an integer\n  hint: ports are numbers here, as in flow logs: --dst-port 22 for ssh\n',
    );
    const s = await runMain([
      'explain',
      '--src',
      '1.2.3.4',
      '--dst',
      '10.0.1.10',
      '--dst-port',
      '443',
      '--src-port',
      'HTTPS',
      '--db',
      db,
    ]);
    expect(s.err).toContain('--src-port 443 for HTTPS');
  });
});
