// Names in the OCSF Network Activity export (issue 16 item 5): the owning endpoint's `name` (the instance's Name tag)
// and the ids the record's format lacks (`instance_uid`, `subnet_uid`, `vpc_uid`) from the newest network snapshot,
// and the CSV export's four name columns under `unmapped`, in NDJSON (plain and gzip), in Security Lake Parquet
// (typed struct members) and in the JS reference mapper (toOcsf). Without a snapshot: one note on stderr.
//
// By hand from test/fixtures/network plus an instances file naming i-0web "web-1": eni-0web (10.0.1.10) is attached
// to i-0web, in subnet-0pub (Name "public") of vpc-0lab, with sg-0web (web); eni-0app (10.0.2.20) has no instance,
// sits in subnet-0app (no Name tag) of vpc-0lab with sg-0app (app) and sg-0mgmt (mgmt); eni-0gone is in no snapshot.

import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRow } from '../../src/export/flow-row.js';
import { toOcsf } from '../../src/export/ocsf.js';
import {
  NAME_COLUMNS,
  nameRows,
  resourceNames,
  SNAPSHOT_ID_COLUMNS,
} from '../../src/network/resource-names.js';
import { exportColumns, FIELD_SETS_SQL, recordsSql } from '../../src/storage/export-sql.js';
import { Store } from '../../src/storage/store.js';
import { runMain } from '../support/capture-io.js';

const AT = 1716200000;
const T = AT + 100;

/** Files of three formats: [name, header, lines]. */
const FILES: [string, string, string[]][] = [
  [
    'v5.log',
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction',
    [
      // 1: into eni-0web (ingress: the destination owns the interface)
      `5 111122223333 eni-0web 198.51.100.9 10.0.1.10 40000 443 6 1 60 ${T} ${T + 5} ACCEPT OK ingress`,
      // 2: out of eni-0app (egress: the source owns it); no instance
      `5 111122223333 eni-0app 10.0.2.20 10.0.1.10 40001 5432 6 1 60 ${T + 1} ${T + 6} ACCEPT OK egress`,
      // 3: an interface no snapshot has
      `5 111122223333 eni-0gone 203.0.113.9 10.0.9.9 40002 22 6 1 60 ${T + 2} ${T + 7} REJECT OK ingress`,
    ],
  ],
  [
    'v2.log',
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
    // 4: no direction: the interface's ids and names go to unmapped
    [`2 111122223333 eni-0web 10.0.1.10 198.51.100.9 443 40000 6 1 60 ${T + 3} ${T + 8} ACCEPT OK`],
  ],
  [
    'v3.log',
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction vpc-id subnet-id instance-id',
    // 5: the record names another instance than the snapshot: the record's ids win, and no name is borrowed
    [
      `5 111122223333 eni-0web 10.0.1.10 198.51.100.9 443 40003 6 1 60 ${T + 4} ${T + 9} ACCEPT OK egress vpc-0old subnet-0old i-0other`,
    ],
  ],
];

let dir: string;
let named: string;
let bare: string;
const fw = (db: string, args: string[]) => runMain([...args, '--db', db]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-ocsf-names-'));
  named = join(dir, 'named.duckdb');
  bare = join(dir, 'bare.duckdb');
  cpSync(join(import.meta.dirname, '../fixtures/network'), join(dir, 'net'), { recursive: true });
  writeFileSync(
    join(dir, 'net', 'instances.json'),
    JSON.stringify({
      Reservations: [
        {
          Instances: [
            { InstanceId: 'i-0web', Tags: [{ Key: 'Name', Value: 'web-1' }], SubnetId: 'subnet-0pub' },
          ],
        },
      ],
    }),
  );
  mkdirSync(join(dir, 'logs'));
  for (const [name, header, lines] of FILES)
    writeFileSync(join(dir, 'logs', name), `${header}\n${lines.join('\n')}\n`);
  for (const db of [named, bare]) {
    const r = await fw(db, ['ingest', join(dir, 'logs')]);
    expect(r.code, r.err).toBe(0);
  }
  const load = await fw(named, ['network', 'load', join(dir, 'net'), '--at', String(AT)]);
  expect(load.code, load.err).toBe(0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Doc = Record<string, Record<string, unknown> | undefined>;

const WEB_NAMES = {
  interface_name: 'web-1 · public · web',
  instance_name: 'web-1',
  subnet_name: 'public',
  security_groups: 'sg-0web (web)',
};

/** The documents of an NDJSON export, and one of them by its destination port (unique per record above). */
function docsOf(text: string): { docs: Doc[]; byDst: (port: number) => Doc } {
  const docs = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Doc);
  expect(docs).toHaveLength(5);
  return { docs, byDst: (port) => docs.find((d) => d['dst_endpoint']?.['port'] === port)! };
}

describe('OCSF NDJSON with a network snapshot', () => {
  it('puts the names on the owning endpoint and under unmapped (hand-worked)', async () => {
    const to = join(dir, 'named.ocsf.ndjson');
    const r = await fw(named, ['export', '--format', 'ocsf', '--to', to]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain('no network snapshot');
    checkNamed(docsOf(readFileSync(to, 'utf8')).byDst);
  });

  it('gzip-compressed: the same documents', async () => {
    const plain = readFileSync(join(dir, 'named.ocsf.ndjson'), 'utf8');
    const to = join(dir, 'named.ocsf.ndjson.gz');
    const r = await fw(named, ['export', '--format', 'ocsf', '--to', to]);
    expect(r.code, r.err).toBe(0);
    expect(gunzipSync(readFileSync(to)).toString('utf8')).toBe(plain);
  });

  it('the JS reference mapper (toOcsf) gives the same documents from the joined rows', async () => {
    const store = await Store.open(named, { readOnly: true });
    try {
      const names = (await resourceNames(store))!;
      const byId = new Map(nameRows(names).map((r) => [r[0], r]));
      const sets = (await store.query(FIELD_SETS_SQL)).rows.map((r) => String(r['set']));
      const want: string[] = [];
      for await (const rows of store.streamRows(recordsSql(exportColumns(sets), {}))) {
        for (const r of rows) {
          const n = byId.get(String(r['interface_id']));
          const extra: Record<string, unknown> = {};
          [...NAME_COLUMNS, ...SNAPSHOT_ID_COLUMNS].forEach((c, i) => {
            extra[c] = n?.[i + 1] ?? null;
          });
          want.push(JSON.stringify(toOcsf({ ...r, ...extra } as FlowRow)));
        }
      }
      const got = readFileSync(join(dir, 'named.ocsf.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.stringify(JSON.parse(l)));
      // OCSF NDJSON is enriched by default; these addresses are documentation/private ones the data does not know
      expect(got.sort()).toEqual(want.sort());
    } finally {
      store.close();
    }
  });
});

/** The hand-worked documents, found by destination port. */
function checkNamed(byDst: (port: number) => Doc): void {
  // 1: ingress into eni-0web: the destination carries the snapshot's ids and the instance's Name tag
  const d1 = byDst(443);
  expect(d1['dst_endpoint']).toEqual({
    ip: '10.0.1.10',
    port: 443,
    interface_uid: 'eni-0web',
    vpc_uid: 'vpc-0lab',
    subnet_uid: 'subnet-0pub',
    instance_uid: 'i-0web',
    name: 'web-1',
  });
  expect(d1['src_endpoint']).toEqual({ ip: '198.51.100.9', port: 40000 });
  expect(d1['unmapped']).toEqual(WEB_NAMES);
  // the instance the snapshot supplied is an observable like one from the record
  expect(d1['observables']).toContainEqual({
    name: 'dst_endpoint.instance_uid',
    type: 'Resource UID',
    type_id: 10,
    value: 'i-0web',
  });
  // 2: egress from eni-0app: no instance, so neither instance_uid nor name; an untagged subnet, two groups
  const d2 = byDst(5432);
  expect(d2['src_endpoint']).toEqual({
    ip: '10.0.2.20',
    port: 40001,
    interface_uid: 'eni-0app',
    vpc_uid: 'vpc-0lab',
    subnet_uid: 'subnet-0app',
  });
  expect(d2['dst_endpoint']).toEqual({ ip: '10.0.1.10', port: 5432 });
  expect(d2['unmapped']).toEqual({
    interface_name: 'subnet-0app · app+mgmt',
    security_groups: 'sg-0app (app) + sg-0mgmt (mgmt)',
  });
  // 3: eni-0gone is in no snapshot: exported all the same, nothing guessed
  const d3 = byDst(22);
  expect(d3['dst_endpoint']).toEqual({ ip: '10.0.9.9', port: 22, interface_uid: 'eni-0gone' });
  expect(d3['unmapped']).toBeUndefined();
  // 4: no direction: the record's interface id and the names under unmapped, no endpoint guessed
  const d4 = byDst(40000);
  expect(d4['src_endpoint']).toEqual({ ip: '10.0.1.10', port: 443 });
  expect(d4['dst_endpoint']).toEqual({ ip: '198.51.100.9', port: 40000 });
  expect(d4['unmapped']).toEqual({ interface_id: 'eni-0web', ...WEB_NAMES });
  // 5: the record's own ids win over the snapshot's; its instance is not the snapshot's, so no Name tag
  const d5 = byDst(40003);
  expect(d5['src_endpoint']).toEqual({
    ip: '10.0.1.10',
    port: 443,
    interface_uid: 'eni-0web',
    vpc_uid: 'vpc-0old',
    subnet_uid: 'subnet-0old',
    instance_uid: 'i-0other',
  });
  expect(d5['unmapped']).toEqual(WEB_NAMES);
}

/** Every Parquet file under `root`. */
function parquetFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => join(root, f));
}

/** Rows of a query over the exported Parquet files (`files` in the SQL), read back by DuckDB. */
async function readBack(
  root: string,
  sql: (files: string) => string,
): Promise<readonly Record<string, unknown>[]> {
  const list = `[${parquetFiles(root)
    .map((f) => `'${f.replaceAll("'", "''")}'`)
    .join(', ')}]`;
  const s = await Store.open(join(dir, `read-${Math.random().toString(36).slice(2)}.duckdb`));
  try {
    return (await s.query(sql(`read_parquet(${list}, hive_partitioning = false)`))).rows;
  } finally {
    s.close();
  }
}

describe('OCSF Security Lake Parquet', () => {
  it('the names are typed struct members and unmapped map entries, read back by DuckDB', async () => {
    const to = join(dir, 'lake-named');
    const r = await fw(named, ['export', '--format', 'ocsf-parquet', '--to', to]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain('no network snapshot');
    const rows = await readBack(
      to,
      (
        files,
      ) => `SELECT dst_endpoint.port AS port, src_endpoint.name AS src_name, dst_endpoint.name AS dst_name,
        src_endpoint.instance_uid AS src_instance, dst_endpoint.instance_uid AS dst_instance,
        dst_endpoint.subnet_uid AS dst_subnet, dst_endpoint.vpc_uid AS dst_vpc, src_endpoint.vpc_uid AS src_vpc,
        unmapped['instance_name'] AS instance_name, unmapped['security_groups'] AS groups,
        unmapped['interface_id'] AS interface_id
      FROM ${files} ORDER BY port`,
    );
    expect(rows).toEqual([
      // 3: eni-0gone: no names, no error
      {
        port: 22,
        src_name: null,
        dst_name: null,
        src_instance: null,
        dst_instance: null,
        dst_subnet: null,
        dst_vpc: null,
        src_vpc: null,
        instance_name: null,
        groups: null,
        interface_id: null,
      },
      // 1: ingress into eni-0web
      {
        port: 443,
        src_name: null,
        dst_name: 'web-1',
        src_instance: null,
        dst_instance: 'i-0web',
        dst_subnet: 'subnet-0pub',
        dst_vpc: 'vpc-0lab',
        src_vpc: null,
        instance_name: 'web-1',
        groups: 'sg-0web (web)',
        interface_id: null,
      },
      // 2: egress from eni-0app
      {
        port: 5432,
        src_name: null,
        dst_name: null,
        src_instance: null,
        dst_instance: null,
        dst_subnet: null,
        dst_vpc: null,
        src_vpc: 'vpc-0lab',
        instance_name: null,
        groups: 'sg-0app (app) + sg-0mgmt (mgmt)',
        interface_id: null,
      },
      // 4: no direction
      {
        port: 40000,
        src_name: null,
        dst_name: null,
        src_instance: null,
        dst_instance: null,
        dst_subnet: null,
        dst_vpc: null,
        src_vpc: null,
        instance_name: 'web-1',
        groups: 'sg-0web (web)',
        interface_id: 'eni-0web',
      },
      // 5: the record's own ids; no borrowed name
      {
        port: 40003,
        src_name: null,
        dst_name: null,
        src_instance: 'i-0other',
        dst_instance: null,
        dst_subnet: null,
        dst_vpc: null,
        src_vpc: 'vpc-0old',
        instance_name: 'web-1',
        groups: 'sg-0web (web)',
        interface_id: null,
      },
    ]);
  });

  it('the struct has the same typed `name` member with or without a snapshot', async () => {
    const to = join(dir, 'lake-bare');
    const r = await fw(bare, ['export', '--format', 'ocsf-parquet', '--to', to]);
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/no network snapshot is loaded/g)).toHaveLength(1);
    expect(r.err).toContain('flowwatch network load');
    const types = async (root: string) =>
      (
        await readBack(
          root,
          (files) =>
            `SELECT column_name, column_type FROM (DESCRIBE SELECT src_endpoint, dst_endpoint, unmapped FROM ${files})`,
        )
      ).map((x) => `${x['column_name']} ${x['column_type']}`);
    const bareTypes = await types(to);
    expect(bareTypes).toEqual(await types(join(dir, 'lake-named')));
    const src = bareTypes.find((t) => t.startsWith('src_endpoint '))!;
    expect(src).toContain('instance_uid VARCHAR');
    expect(src).toContain('subnet_uid VARCHAR');
    expect(src).toContain('vpc_uid VARCHAR');
    expect(src).toContain('"name" VARCHAR');
    expect(bareTypes).toContain('unmapped MAP(VARCHAR, VARCHAR)');
  });
});

describe('without a snapshot', () => {
  it('OCSF NDJSON: one note on stderr saying how to load one; records exported with their own ids', async () => {
    const to = join(dir, 'bare.ocsf.ndjson');
    const r = await fw(bare, ['export', '--format', 'ocsf', '--to', to]);
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/no network snapshot is loaded/g)).toHaveLength(1);
    expect(r.err).toContain('flowwatch network load');
    const { byDst } = docsOf(readFileSync(to, 'utf8'));
    expect(byDst(443)['dst_endpoint']).toEqual({ ip: '10.0.1.10', port: 443, interface_uid: 'eni-0web' });
    expect(byDst(40000)['unmapped']).toEqual({ interface_id: 'eni-0web' });
  });

  it('no note for a format without names (AWS Parquet) nor with --no-names', async () => {
    const aws = await fw(bare, ['export', '--format', 'parquet', '--to', join(dir, 'aws-bare')]);
    expect(aws.code, aws.err).toBe(0);
    expect(aws.err).not.toContain('no network snapshot');
    const off = await fw(bare, [
      'export',
      '--format',
      'ocsf',
      '--no-names',
      '--to',
      join(dir, 'off.ocsf.ndjson'),
    ]);
    expect(off.code, off.err).toBe(0);
    expect(off.err).not.toContain('no network snapshot');
    // --no-names on a store with a snapshot: the documents a store without one gives
    const offNamed = join(dir, 'off-named.ocsf.ndjson');
    expect((await fw(named, ['export', '--format', 'ocsf', '--no-names', '--to', offNamed])).code).toBe(0);
    const lines = (f: string) => readFileSync(f, 'utf8').trim().split('\n').sort();
    expect(lines(offNamed)).toEqual(lines(join(dir, 'bare.ocsf.ndjson')));
  });
});
