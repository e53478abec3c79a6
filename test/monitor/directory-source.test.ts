// The folder source with the real store sink: a growing text file is followed line by line (a partial last
// line waits), a gzip file is read once it settled, and a new source over the same store resumes exactly.

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySource } from '../../src/monitor/directory-source.js';
import { StoreSink } from '../../src/monitor/store-sink.js';
import { Store } from '../../src/storage/store.js';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const line = (port: number) =>
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 6 1 44 1716200000 1716200001 REJECT OK`;

let dir: string;
let store: Store;
let sink: StoreSink;
const cfg = () => ({
  name: 'local',
  type: 'directory' as const,
  path: join(dir, 'logs'),
  pollSeconds: 60,
  settleSeconds: 0,
});
const ports = async () =>
  (await store.query('SELECT srcport FROM flows ORDER BY srcport')).rows.map((r) => Number(r['srcport']));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-dirsrc-'));
  mkdirSync(join(dir, 'logs'));
  store = await Store.open(join(dir, 's.duckdb'));
  sink = await StoreSink.open(store, { scratch: join(dir, 'scratch'), flushMillis: 10, flushRecords: 1000 });
});
afterAll(async () => {
  await sink.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('directory source', () => {
  it('follows a growing text file from its header, taking only complete lines', async () => {
    const file = join(dir, 'logs', 'live.log');
    writeFileSync(file, `${HEADER}\n${line(1)}\n${line(2)}\n${line(3).slice(0, 20)}`); // line 3 half written
    const src = new DirectorySource(cfg(), sink);
    await src.pollOnce();
    expect(await ports()).toEqual([1, 2]);
    appendFileSync(file, `${line(3).slice(20)}\n${line(4)}\n`);
    await src.pollOnce();
    expect(await ports()).toEqual([1, 2, 3, 4]);
    await src.pollOnce(); // nothing new
    expect(await ports()).toEqual([1, 2, 3, 4]);
  });

  it('reads a gzip file once, and a new source over the same store resumes without repeating anything', async () => {
    writeFileSync(join(dir, 'logs', 'old.log.gz'), gzipSync(`${HEADER}\n${line(10)}\n${line(11)}\n`));
    const first = new DirectorySource(cfg(), sink);
    await first.start(); // loads the checkpoint and starts polling
    await first.pollOnce(); // runs after the first pass
    await first.stop();
    expect(await ports()).toEqual([1, 2, 3, 4, 10, 11]);
    appendFileSync(join(dir, 'logs', 'live.log'), `${line(5)}\n`);
    const second = new DirectorySource(cfg(), sink);
    await second.start();
    await second.pollOnce();
    await second.stop();
    expect(await ports()).toEqual([1, 2, 3, 4, 5, 10, 11]);
    expect(second.status()).toMatchObject({ batches: 1, records: 1, errors: 0 }); // only line 5 was new
  });

  it('says when the watched folder does not exist (it read as no traffic), and again when it appears', async () => {
    const logged: [string, Record<string, unknown>, string | undefined][] = [];
    const missing = join(dir, 'not-yet');
    const src = new DirectorySource({ ...cfg(), path: missing }, sink, (e, f, level) =>
      logged.push([e, f, level]),
    );
    await src.pollOnce();
    await src.pollOnce(); // said once, not at every poll
    const message = `the watched folder ${missing} does not exist (or is not a folder): nothing is read until it is created; check sources[].path in the configuration`;
    expect(logged).toEqual([['source_folder_missing', { source: 'local', path: missing, message }, 'warn']]);
    expect(src.status().lastError).toBe(message);
    mkdirSync(missing);
    await src.pollOnce();
    expect(logged.map((l) => l[0])).toEqual(['source_folder_missing', 'source_folder_found']);
  });
});
