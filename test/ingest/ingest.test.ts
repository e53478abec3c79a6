// Ingest end to end: idempotency, damaged gzip, Parquet as AWS writes it, S3 layouts and pruning, stdin.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { DEFAULT } from '../../src/records/format.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-ingest-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** Record i of a synthetic file: srcport = i and bytes = 100 + i, so each stored row tells its own line. */
function rec(i: number, action = 'ACCEPT'): string {
  return `2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.${i % 250} 10.0.2.5 ${i} 443 6 3 ${100 + i} ${1716200000 + i} ${1716200060 + i} ${action} OK`;
}

async function openStore(name: string): Promise<Store> {
  return Store.open(join(dir, `${name}.duckdb`));
}

async function count(store: Store, sql: string): Promise<number> {
  return Number((await store.query(sql)).rows[0]!['n']);
}

describe('idempotent ingest', () => {
  it('adds nothing for the same file twice or the same content under another name', async () => {
    const store = await openStore('idem');
    const body = `${HEADER}\n${Array.from({ length: 500 }, (_, i) => rec(i)).join('\n')}\n`;
    const a = join(dir, 'idem-a.log.gz');
    const b = join(dir, 'idem-b.log.gz');
    writeFileSync(a, gzipSync(body));
    writeFileSync(b, gzipSync(body));
    const first = await ingest(store, [a]);
    expect([first.loaded, first.records, first.rejected]).toEqual([1, 500, 0]);
    const again = await ingest(store, [a, b]);
    expect([again.loaded, again.duplicates, again.records]).toEqual([0, 2, 0]);
    expect(await count(store, 'SELECT count(*) AS n FROM flows')).toBe(500);
    // Line numbers count the header: record i sits on line i + 2.
    expect(await count(store, 'SELECT count(*) AS n FROM flows WHERE line <> srcport + 2')).toBe(0);
    store.close();
  });
});

describe('damaged gzip', () => {
  it('keeps every whole line before the damage, reports it, and a complete copy later replaces it', async () => {
    const store = await openStore('trunc');
    const lines = Array.from({ length: 20_000 }, (_, i) => rec(i));
    const full = gzipSync(`${HEADER}\n${lines.join('\n')}\n`);
    const path = join(dir, 'trunc.log.gz');
    writeFileSync(path, full.subarray(0, Math.floor(full.length * 0.6)));
    const s = await ingest(store, [path]);
    expect(s.loaded).toBe(1);
    expect(s.records).toBeGreaterThan(1000);
    expect(s.records).toBeLessThan(20_000);
    expect(s.firstRejects.map((r) => r.code)).toContain('TRUNCATED');
    // What was kept is exactly the first `records` records, each on its own line.
    expect(await count(store, 'SELECT count(*) AS n FROM flows WHERE line <> srcport + 2')).toBe(0);
    expect(await count(store, 'SELECT max(srcport) + 1 AS n FROM flows')).toBe(s.records);
    const trunc = (await store.query("SELECT line FROM rejects WHERE code = 'TRUNCATED'")).rows[0]!;
    expect(trunc['line']).toBe(s.records + 2);

    writeFileSync(path, full);
    const again = await ingest(store, [path]);
    expect([again.loaded, again.records]).toEqual([1, 20_000]);
    expect(await count(store, 'SELECT count(*) AS n FROM flows')).toBe(20_000);
    expect(await count(store, 'SELECT count(*) AS n FROM files')).toBe(1);
    expect(await count(store, 'SELECT count(*) AS n FROM rejects')).toBe(0);
    store.close();
  });

  it('reports a file that is not gzip at all past its magic bytes, and still loads the good files', async () => {
    const store = await openStore('garbage');
    const bad = join(dir, 'garbage.log.gz');
    writeFileSync(bad, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip')]));
    const good = join(dir, 'good.log');
    writeFileSync(good, `${rec(1)}\n${rec(2)}\n`);
    const s = await ingest(store, [bad, good]);
    expect(s.records).toBe(2);
    expect(s.fileReports.find((r) => r.file === bad)?.status).toBe('loaded');
    expect(s.firstRejects.find((r) => r.file === bad)?.line).toBe(1);
    store.close();
  });
});

describe('gzip members and trailing bytes', () => {
  const N = 50_000;
  const text = `${HEADER}\n${Array.from({ length: N }, (_, i) => rec(i)).join('\n')}\n`;

  async function complete(store: Store): Promise<boolean[]> {
    return (await store.query('SELECT complete FROM files ORDER BY id')).rows.map(
      (r) => r['complete'] === true,
    );
  }

  it('loads every record before trailing garbage and reports only the garbage, located', async () => {
    const store = await openStore('gz-garbage');
    const gz = gzipSync(text);
    const path = join(dir, 'garbage-tail.log.gz');
    writeFileSync(path, Buffer.concat([gz, Buffer.from('garbage')]));
    const s = await ingest(store, [path]);
    expect([s.loaded, s.records, s.rejected]).toEqual([1, N, 1]);
    const r = s.firstRejects[0]!;
    expect([r.code, r.line]).toEqual(['TRAILING_GARBAGE', N + 2]);
    // The garbage starts right after the gzip data: its offset and size are named.
    expect(r.reason).toContain(`7 bytes at byte ${gz.length}`);
    expect(await count(store, 'SELECT count(*) AS n FROM flows WHERE line <> srcport + 2')).toBe(0);
    expect(await complete(store)).toEqual([true]);
    store.close();
  });

  it('reads concatenated members (a line may cross the boundary), as `cat a.gz b.gz` makes them', async () => {
    const store = await openStore('gz-members');
    const cutAt = text.indexOf('\n', text.length >> 1) - 20; // inside a record
    const parts = [text.slice(0, cutAt), text.slice(cutAt, cutAt + 5), text.slice(cutAt + 5)];
    const path = join(dir, 'members.log.gz');
    writeFileSync(path, Buffer.concat(parts.map((p) => gzipSync(p))));
    const s = await ingest(store, [path]);
    expect([s.records, s.rejected]).toEqual([N, 0]);
    expect(await count(store, 'SELECT count(*) AS n FROM flows WHERE line <> srcport + 2')).toBe(0);
    expect(await complete(store)).toEqual([true]);
    store.close();
  });

  it('keeps every record of the whole members when a later member is cut or corrupt', async () => {
    const store = await openStore('gz-cut-member');
    const half = text.indexOf('\n', text.length >> 1) + 1;
    const first = gzipSync(text.slice(0, half));
    const second = gzipSync(text.slice(half));
    const kept = text.slice(0, half).split('\n').length - 2; // records in the first member (minus the header)
    const cut = join(dir, 'cut-member.log.gz');
    writeFileSync(cut, Buffer.concat([first, second.subarray(0, 10)]));
    const a = await ingest(store, [cut]);
    expect(a.records).toBe(kept);
    expect(a.firstRejects.map((r) => [r.code, r.line])).toEqual([['TRUNCATED', kept + 2]]);
    // A wrong CRC-32 in the trailer is damage too (the data cannot be trusted to be whole).
    const crc = Buffer.from(first);
    crc[crc.length - 8]! ^= 0xff;
    const bad = join(dir, 'bad-crc.log.gz');
    writeFileSync(bad, crc);
    const b = await ingest(store, [bad]);
    expect(b.firstRejects.map((r) => r.code)).toEqual(['TRUNCATED']);
    expect(b.firstRejects[0]!.reason).toContain('checksum');
    expect(await complete(store)).toEqual([false, false]);
    store.close();
  });
});

describe('line endings and line length', () => {
  it('reads a file with lone-CR (classic Mac) line endings line by line', async () => {
    const store = await openStore('cr-only');
    const path = join(dir, 'cr-only.log');
    writeFileSync(path, `${HEADER}\r${Array.from({ length: 1000 }, (_, i) => rec(i)).join('\r')}\r`);
    const s = await ingest(store, [path]);
    expect([s.records, s.rejected]).toEqual([1000, 0]);
    expect(await count(store, 'SELECT count(*) AS n FROM flows WHERE line <> srcport + 2')).toBe(0);
    store.close();
  });

  it('rejects a line over the limit (here 40 MiB, past every DuckDB buffer) by number and keeps the rest', async () => {
    const store = await openStore('huge-line');
    const path = join(dir, 'huge-line.log');
    const huge = Buffer.alloc(40 << 20, 'y');
    writeFileSync(path, Buffer.concat([Buffer.from(`${rec(0)}\n`), huge, Buffer.from(`\n${rec(2)}\n`)]));
    const s = await ingest(store, [path]);
    expect([s.records, s.rejected]).toEqual([2, 1]);
    const r = s.firstRejects[0]!;
    expect([r.line, r.code]).toEqual([2, 'LINE_TOO_LONG']);
    expect(r.reason).toContain(`${40 << 20} bytes`);
    expect(r.text?.startsWith('yyyy')).toBe(true);
    expect(r.text!.length).toBeLessThan(200);
    expect((await store.query('SELECT complete FROM files')).rows[0]!['complete']).toBe(true);
    expect(await count(store, 'SELECT count(*) AS n FROM flows WHERE line <> srcport + 1')).toBe(0);
    store.close();
  });
});

describe('every line the splitter writes is accounted for', () => {
  it('fails the file (rolled back, not stored) when DuckDB returns fewer lines than were written', async () => {
    const store = await openStore('unaccounted');
    // A split file made by hand, bypassing the splitter's length limit: DuckDB's reader drops a line this long
    // without a word (neither a row nor a reject).
    const normalPath = join(dir, 'unaccounted-normal.txt');
    writeFileSync(normalPath, `2 ${rec(0)}\n3 ${'z'.repeat(40 << 20)}\n`);
    const oddPath = join(dir, 'unaccounted-odd.txt');
    writeFileSync(oddPath, '');
    const loader = await store.loader();
    const meta = {
      path: 'hand-made.log',
      sha256: 'f'.repeat(64),
      bytes: 1,
      kind: 'text' as const,
      format: DEFAULT,
    };
    await expect(
      loader.loadText(meta, { normalPath, normalLines: 2, oddPath, oddLines: 0 }),
    ).rejects.toMatchObject({ code: 'LINES_UNACCOUNTED' });
    loader.close();
    expect(await count(store, 'SELECT count(*) AS n FROM files')).toBe(0);
    expect(await count(store, 'SELECT count(*) AS n FROM flows')).toBe(0);
    store.close();
  });
});

describe('Parquet as AWS writes it', () => {
  it('reads columns by their underscored names, with "-" and null as absent', async () => {
    const path = join(dir, 'flows.log.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    // Third-party writer (DuckDB COPY) with AWS's physical types: INT32, INT64 and STRING columns.
    await c.run(`COPY (SELECT * FROM (VALUES
        (5::INTEGER, '123456789012', 'eni-1', '10.0.0.1', '52.216.10.9', 40112::INTEGER, 443::INTEGER, 6::INTEGER, 9::BIGINT, 1900::BIGINT, 1716200105::BIGINT, 1716200161::BIGINT, 'ACCEPT', 'OK', 'egress', 8::INTEGER, 'S3'),
        (5::INTEGER, '123456789012', 'eni-1', '52.216.10.9', '10.0.0.1', 443::INTEGER, 40112::INTEGER, 6::INTEGER, 7::BIGINT, 5120::BIGINT, 1716200105::BIGINT, 1716200161::BIGINT, 'ACCEPT', 'OK', 'ingress', NULL, '-'),
        (5::INTEGER, '123456789012', 'eni-1', '-', '-', NULL, NULL, NULL, NULL, NULL, 1716200000::BIGINT, 1716200059::BIGINT, '-', 'NODATA', '-', NULL, '-')
      ) t(version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, log_status, flow_direction, traffic_path, pkt_dst_aws_service))
      TO '${path}' (FORMAT parquet, COMPRESSION gzip)`);
    c.closeSync();
    db.closeSync();
    const store = await openStore('parquet');
    const s = await ingest(store, [path]);
    expect([s.loaded, s.records, s.rejected]).toEqual([1, 3, 0]);
    const rows = (
      await store.query(
        'SELECT line, srcaddr, srcport, traffic_path, pkt_dst_aws_service, log_status, action, bytes FROM flows ORDER BY line',
      )
    ).rows;
    expect(rows).toEqual([
      {
        line: 1,
        srcaddr: '10.0.0.1',
        srcport: 40112,
        traffic_path: 8,
        pkt_dst_aws_service: 'S3',
        log_status: 'OK',
        action: 'ACCEPT',
        bytes: 1900,
      },
      {
        line: 2,
        srcaddr: '52.216.10.9',
        srcport: 443,
        traffic_path: null,
        pkt_dst_aws_service: null,
        log_status: 'OK',
        action: 'ACCEPT',
        bytes: 5120,
      },
      {
        line: 3,
        srcaddr: null,
        srcport: null,
        traffic_path: null,
        pkt_dst_aws_service: null,
        log_status: 'NODATA',
        action: null,
        bytes: null,
      },
    ]);
    expect((await store.query('SELECT kind FROM files')).rows[0]!['kind']).toBe('parquet');
    store.close();
  });
});

describe('S3 layouts', () => {
  function put(root: string, rel: string, lines: string[]): void {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, gzipSync(`${HEADER}\n${lines.join('\n')}\n`));
  }

  it('takes account, region, flow log id and time from the key, and prunes by key before opening', async () => {
    const root = join(dir, 'bucket');
    const plain = 'AWSLogs/123456789012/vpcflowlogs/eu-west-1';
    const hive = 'prefix/AWSLogs/aws-account-id=210987654321/aws-service=vpcflowlogs/aws-region=us-east-2';
    for (const day of [18, 19, 20]) {
      const stamp = `202405${day}T1015Z`;
      put(
        root,
        `${plain}/2024/05/${day}/123456789012_vpcflowlogs_eu-west-1_fl-0abc1234def567890_${stamp}_3f9a8c21.log.gz`,
        [rec(day), rec(day + 100)],
      );
      put(
        root,
        `${hive}/year=2024/month=05/day=${day}/hour=10/210987654321_vpcflowlogs_us-east-2_fl-0123456789abcdef0_${stamp}_0badc0de.log.gz`,
        [rec(day + 200, 'REJECT')],
      );
    }
    // A garbage file whose key is outside the window: pruning must skip it without opening it.
    mkdirSync(join(root, plain, '2024/05/01'), { recursive: true });
    writeFileSync(join(root, plain, '2024/05/01/broken.log.gz'), 'this is not gzip');

    const store = await openStore('layout');
    const since = Date.UTC(2024, 4, 19) / 1000;
    const until = Date.UTC(2024, 4, 21) / 1000;
    const s = await ingest(store, [root], { since, until });
    expect([s.files, s.loaded, s.records, s.failed]).toEqual([4, 4, 6, 0]);
    expect(s.pruned).toBeGreaterThanOrEqual(2);
    const files = (
      await store.query(
        'SELECT account, region, flow_log_id, epoch(key_time)::BIGINT AS t FROM files ORDER BY account, t',
      )
    ).rows;
    expect(files).toEqual([
      {
        account: '123456789012',
        region: 'eu-west-1',
        flow_log_id: 'fl-0abc1234def567890',
        t: Date.UTC(2024, 4, 19, 10, 15) / 1000,
      },
      {
        account: '123456789012',
        region: 'eu-west-1',
        flow_log_id: 'fl-0abc1234def567890',
        t: Date.UTC(2024, 4, 20, 10, 15) / 1000,
      },
      {
        account: '210987654321',
        region: 'us-east-2',
        flow_log_id: 'fl-0123456789abcdef0',
        t: Date.UTC(2024, 4, 19, 10, 15) / 1000,
      },
      {
        account: '210987654321',
        region: 'us-east-2',
        flow_log_id: 'fl-0123456789abcdef0',
        t: Date.UTC(2024, 4, 20, 10, 15) / 1000,
      },
    ]);
    store.close();
  });
});

describe('stdin and header-less input', () => {
  it('reads stdin with a given format', async () => {
    const store = await openStore('stdin');
    const { parseFormat } = await import('../../src/records/format.js');
    const input = Readable.from([
      '5 10.0.0.1 22 REJECT ingress\n5 10.0.0.2 443 ACCEPT egress\n',
      'garbage\n',
    ]);
    const s = await ingest(store, ['-'], {
      stdin: input,
      format: parseFormat('${version} ${srcaddr} ${dstport} ${action} ${flow-direction}'),
    });
    expect([s.records, s.rejected]).toEqual([2, 1]);
    expect(s.firstRejects[0]).toMatchObject({ file: '<stdin>', line: 3, code: 'FIELD_COUNT' });
    const rows = (await store.query('SELECT srcaddr, dstport, flow_direction FROM flows ORDER BY line')).rows;
    expect(rows).toEqual([
      { srcaddr: '10.0.0.1', dstport: 22, flow_direction: 'ingress' },
      { srcaddr: '10.0.0.2', dstport: 443, flow_direction: 'egress' },
    ]);
    store.close();
  });

  it('rejects invalid UTF-8 with its line and keeps the lines around it, numbered right', async () => {
    const store = await openStore('utf8');
    const path = join(dir, 'utf8.log');
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from(`${HEADER}\n${rec(0)}\n`),
        Buffer.from('2 123456789012 eni-1 10.0.0.\xff\xfe 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n', 'latin1'),
        Buffer.from(`${rec(2)}\n\n${rec(4)}\n`),
      ]),
    );
    const s = await ingest(store, [path]);
    expect([s.records, s.rejected]).toEqual([3, 1]);
    expect(s.firstRejects[0]).toMatchObject({ line: 3, code: 'INVALID_UTF8' });
    expect(await count(store, 'SELECT count(*) AS n FROM flows WHERE line <> srcport + 2')).toBe(0);
    expect(readFileSync(path).length).toBeGreaterThan(0);
    store.close();
  });
});

describe('transit gateway flow logs', () => {
  it('reads a version 6 transit gateway file by its header, with no action field', async () => {
    const header =
      'version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction';
    const lines = [
      '6 TransitGateway 123456789012 tgw-0a1b2c3d tgw-attach-01 123456789012 210987654321 vpc-0aaa vpc-0bbb 10.0.1.5 10.1.2.7 40000 443 6 10 5000 1716200000 1716200060 OK IPv4 0 0 0 0 2 us-east-1 egress',
      '6 TransitGateway 123456789012 tgw-0a1b2c3d tgw-attach-01 123456789012 210987654321 vpc-0aaa vpc-0bbb 10.0.1.5 10.1.2.8 40001 443 6 3 180 1716200000 1716200060 OK IPv4 3 0 0 0 2 us-east-1 egress',
    ];
    const path = join(dir, 'tgw.log.gz');
    writeFileSync(path, gzipSync(`${header}\n${lines.join('\n')}\n`));
    const store = await openStore('tgw');
    const s = await ingest(store, [path]);
    expect([s.records, s.rejected, s.unknownFields]).toEqual([2, 0, []]);
    const rows = (
      await store.query(
        'SELECT tgw_id, tgw_dst_vpc_account_id, packets_lost_no_route, action, bytes FROM flows ORDER BY line',
      )
    ).rows;
    expect(rows).toEqual([
      {
        tgw_id: 'tgw-0a1b2c3d',
        tgw_dst_vpc_account_id: '210987654321',
        packets_lost_no_route: 0,
        action: null,
        bytes: 5000,
      },
      {
        tgw_id: 'tgw-0a1b2c3d',
        tgw_dst_vpc_account_id: '210987654321',
        packets_lost_no_route: 3,
        action: null,
        bytes: 180,
      },
    ]);
    store.close();
  });
});

describe('files that are not flow logs', () => {
  it('fails a binary file by name, skips non-log files in a tree, and loads the rest', async () => {
    const root = join(dir, 'mixed');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'README.txt'), 'notes about this bucket\n');
    writeFileSync(join(root, 'blob.log'), Buffer.from([0x00, 0x01, 0x02, 0x03, 0x00]));
    writeFileSync(join(root, 'ok.log'), `${HEADER}\n${rec(1)}\n`);
    const store = await openStore('mixed');
    const s = await ingest(store, [root]);
    expect([s.files, s.loaded, s.failed, s.records]).toEqual([2, 1, 1, 1]);
    expect(s.fileReports.find((r) => r.status === 'failed')?.message).toMatch(/blob\.log.*binary/);
    store.close();
  });
});

describe('store versions', () => {
  it('refuses a store written by another schema version, with a hint', async () => {
    const path = join(dir, 'old.duckdb');
    const store = await Store.open(path);
    await store.query("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    store.close();
    await expect(Store.open(path)).rejects.toMatchObject({ code: 'STORE_VERSION' });
    await expect(Store.open(path, { readOnly: true })).rejects.toMatchObject({ code: 'STORE_VERSION' });
  });
});
