// `flowwatch export` options: compression (--compress or a .gz/.zst file name), a file as --to, --force,
// OCSF Parquet in Amazon Security Lake's custom-source layout, and bad destinations (errors naming the path).

import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { exportFlows, prepareExport } from '../../src/export/export.js';
import { ingest } from '../../src/ingest/ingest.js';
import { Store } from '../../src/storage/store.js';
import { writeCorpus } from './corpus.js';

let dir: string;
let store: Store;
const DB = () => join(dir, 'a.duckdb');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-export-opts-'));
  store = await Store.open(DB());
  const s = await ingest(store, writeCorpus(join(dir, 'in')));
  expect(s.records).toBe(6);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
    isTTY: false,
    stdin: process.stdin,
    env: {},
  };
  store.close();
  try {
    const code = await main(['export', '--db', DB(), ...args], io);
    return { code, out, err };
  } finally {
    store = await Store.open(DB());
  }
}

const lines = (text: string) => text.trimEnd().split('\n');

describe('compression', () => {
  it('--compress gzip writes flows.ocsf.ndjson.gz, the same documents as the plain file', async () => {
    const plain = await exportFlows(store, { to: join(dir, 'plain'), format: 'ocsf', enrich: false });
    const gz = await exportFlows(store, {
      to: join(dir, 'gz'),
      format: 'ocsf',
      enrich: false,
      compress: 'gzip',
    });
    expect(plain.files).toEqual(['flows.ocsf.ndjson']);
    expect(gz.files).toEqual(['flows.ocsf.ndjson.gz']);
    const file = join(dir, 'gz', 'flows.ocsf.ndjson.gz');
    expect([...readFileSync(file).subarray(0, 2)]).toEqual([0x1f, 0x8b]); // gzip magic
    expect(lines(gunzipSync(readFileSync(file)).toString('utf8')).sort()).toEqual(
      lines(readFileSync(join(dir, 'plain', 'flows.ocsf.ndjson'), 'utf8')).sort(),
    );
  });

  it('a --to file name ending in .zst picks zstd; DuckDB reads it back', async () => {
    const to = join(dir, 'z', 'ecs.ndjson.zst');
    const r = await exportFlows(store, { to, format: 'ecs', enrich: false });
    expect(r.files).toEqual(['ecs.ndjson.zst']);
    expect([...readFileSync(to).subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]); // zstd magic
    const n = await store.query(
      `SELECT count(*) AS n FROM read_json('${to}', format = 'newline_delimited', compression = 'zstd')`,
    );
    expect(Number(n.rows[0]!['n'])).toBe(6);
  });

  it('CSV gzip: the header and six records', async () => {
    await exportFlows(store, { to: join(dir, 'c', 'f.csv.gz'), format: 'csv' });
    expect(lines(gunzipSync(readFileSync(join(dir, 'c', 'f.csv.gz'))).toString('utf8'))).toHaveLength(7);
  });

  it('a --compress that contradicts the file name is a usage error naming both', async () => {
    await expect(
      prepareExport({ to: join(dir, 'x', 'f.ndjson.gz'), format: 'ocsf', compress: 'zstd' }),
    ).rejects.toThrow(/--compress zstd does not match the file name .*f\.ndjson\.gz/);
  });
});

describe('existing files and bad destinations', () => {
  it('refuses to replace an existing file without --force, naming it; --force replaces it', async () => {
    const to = join(dir, 'again');
    expect((await cli(['--to', to, '--format', 'csv'])).code).toBe(0);
    const second = await cli(['--to', to, '--format', 'csv']);
    expect(second.code).toBe(1);
    expect(second.err).toContain(`${join(to, 'flows.csv')} exists already`);
    expect(second.err).toContain('--force');
    expect((await cli(['--to', to, '--format', 'csv', '--force'])).code).toBe(0);
  });

  it('Parquet trees too: a second export into the same folder names the first file it would replace', async () => {
    const to = join(dir, 'pq-again');
    await exportFlows(store, { to, format: 'parquet' });
    await expect(exportFlows(store, { to, format: 'parquet' })).rejects.toThrow(
      /AWSLogs\/aws-account-id=.*\.log\.parquet exists already \(and 2 more/,
    );
    expect((await exportFlows(store, { to, format: 'parquet', force: true })).files).toHaveLength(3);
  });

  it('an unwritable folder is an error naming it (exit 1), and nothing is left behind', async () => {
    if (process.getuid?.() === 0) {
      // Folder modes do not stop root: a device where a folder should be does.
      const r = await cli(['--to', '/dev/null/flowwatch-export', '--format', 'ocsf']);
      expect(r.code).toBe(1);
      expect(r.err).toContain('cannot create the output folder /dev/null/flowwatch-export');
      return;
    }
    const ro = join(dir, 'ro');
    await prepareExport({ to: ro, format: 'csv' }).then((p) => p.dispose());
    chmodSync(ro, 0o500);
    try {
      const r = await cli(['--to', ro, '--format', 'ocsf']);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`cannot write into ${ro}: permission denied`);
      expect(readdirSync(ro)).toEqual([]);
    } finally {
      chmodSync(ro, 0o700);
    }
  });

  it('a file where the folder should be is an error naming the path', async () => {
    const file = join(dir, 'plainfile');
    writeFileSync(file, 'x');
    const r = await cli(['--to', join(file, 'sub'), '--format', 'csv']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot create the output folder ${join(file, 'sub')}`);
  });

  it('an unknown format or compression is a usage error (exit 2) listing the choices', async () => {
    const f = await cli(['--to', join(dir, 'u'), '--format', 'ocsf-json']);
    expect(f.code).toBe(2);
    expect(f.err).toContain('unknown export format "ocsf-json"');
    expect(f.err).toContain('ocsf-parquet');
    const c = await cli(['--to', join(dir, 'u'), '--format', 'ocsf', '--compress', 'brotli']);
    expect(c.code).toBe(2);
    expect(c.err).toContain('unknown compression "brotli"');
  });

  it('a Parquet format with a file name as --to is a usage error', async () => {
    const r = await cli(['--to', join(dir, 'flows.ndjson'), '--format', 'ocsf-parquet']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--to must be a folder');
  });
});

describe('confinement', () => {
  it('a store opened as the CLI opens it writes its work folder and nothing else', async () => {
    const p = await prepareExport({ to: join(dir, 'conf'), format: 'csv' });
    store.close();
    const confined = await Store.open(DB(), { readOnly: true, confineTo: [p.work] });
    try {
      await expect(confined.query(`COPY (SELECT 1 AS x) TO '${join(dir, 'escape.csv')}'`)).rejects.toThrow(
        /disabled by configuration/,
      );
      const r = await exportFlows(confined, { to: join(dir, 'conf'), format: 'csv' }, p);
      expect(r.records).toBe(6);
      expect(statSync(join(dir, 'conf', 'flows.csv')).size).toBeGreaterThan(0);
    } finally {
      confined.close();
      await p.dispose();
      store = await Store.open(DB());
    }
  });
});

describe('ocsf-parquet (Security Lake custom-source layout)', () => {
  it('region=/accountId=/eventDay= folders, one file an hour, OCSF columns typed, rows in time order', async () => {
    const to = join(dir, 'lake');
    const r = await exportFlows(store, { to, format: 'ocsf-parquet', enrich: false });
    expect(r.records).toBe(6);
    // The corpus: four v5 records in eu-west-1 (2024-05-20, hours 10 and 11) and two v2 records whose file had
    // no AWS key (account from the record, region unknown) on 2024-05-21 at 14:00 UTC.
    expect(r.files).toEqual([
      'region=eu-west-1/accountId=111122223333/eventDay=20240520/111122223333_eu-west-1_20240520T10Z.parquet',
      'region=eu-west-1/accountId=111122223333/eventDay=20240520/111122223333_eu-west-1_20240520T11Z.parquet',
      'region=unknown/accountId=444455556666/eventDay=20240521/444455556666_unknown_20240521T14Z.parquet',
    ]);
    const file = join(to, r.files[0]!);
    const schema = (
      await store.query(
        `SELECT name, type FROM parquet_schema('${file}') WHERE name IN ('class_uid', 'time', 'time_dt', 'type_uid', 'unmapped', 'src_endpoint', 'port')`,
      )
    ).rows;
    expect(Object.fromEntries(schema.map((c) => [c['name'], c['type']]))).toMatchObject({
      class_uid: 'INT32',
      time: 'INT64',
      time_dt: 'INT64',
      type_uid: 'INT64',
      port: 'INT32',
    });
    // The partition values are in the path only (Security Lake's crawler reads them from there).
    const cols = (await store.query(`SELECT name FROM parquet_schema('${file}')`)).rows.map((c) => c['name']);
    expect(cols).not.toContain('accountId');
    expect(cols).not.toContain('eventDay');
    // The hour-10 file holds the ACCEPT, REJECT and NODATA records of the spec's examples, in time order.
    const rows = (
      await store.query(
        `SELECT activity_id, time, epoch(time_dt)::BIGINT AS dt, status_code, src_endpoint.ip AS src,
                dst_endpoint.interface_uid AS dst_eni, connection_info.boundary_id AS boundary,
                len(observables) AS obs, unmapped
         FROM read_parquet('${file}', hive_partitioning = false)`,
      )
    ).rows;
    expect(
      rows.map((x) => [x['activity_id'], x['time'], x['dt'], x['status_code'], x['src'], x['boundary']]),
    ).toEqual([
      [0, 1716200100000, 1716200100, 'NODATA', null, null],
      [6, 1716200105000, 1716200105, 'OK', '198.51.100.23', 99],
      [5, 1716200110000, 1716200110, 'OK', '203.0.113.7', 99],
    ]);
    expect(rows[1]!['dst_eni']).toBe('eni-0a1b2c3d4e5f60718');
    expect(rows[1]!['obs']).toBe(3);
    expect(rows[1]!['unmapped']).toBeNull();
  });
});
