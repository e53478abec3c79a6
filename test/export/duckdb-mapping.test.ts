// The OCSF and ECS documents DuckDB writes (src/storage/export-map-sql.ts) are the JS mappers' documents
// (src/export/ocsf.ts, ecs.ts: the reference, checked against the spec in export.test.ts), document for document, key
// for key and in the same key order, with and without enrichment, over a varied store: simulated v5 and v11
// corpora (IPv6, EFA, NODATA, SKIPDATA) and hand-made edge records (every direction and traffic path, packet
// addresses that differ, unknown protocols, JSON-escaped text, extreme numbers, TGW and ECS fields, no `start`).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enricherOf } from '../../src/enrich/load-enricher.js';
import { toEcs } from '../../src/export/ecs.js';
import { exportFlows } from '../../src/export/export.js';
import type { FlowRow } from '../../src/export/flow-row.js';
import { toOcsf } from '../../src/export/ocsf.js';
import { ingest } from '../../src/ingest/ingest.js';
import { parseFormat } from '../../src/records/format.js';
import { simulate } from '../../src/simulate/simulate.js';
import { exportColumns, FIELD_SETS_SQL, recordsSql } from '../../src/storage/export-sql.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
let store: Store;

const EDGE_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ' +
  'vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id ' +
  'pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path ecs-cluster-name reject-reason';

/** [what it covers, line] — 31 fields each. */
const EDGE: [string, string][] = [
  [
    'public IPv6 source (enriched), ingress, traffic path 2',
    '8 111122223333 eni-01 2606:4700:4700::1111 2001:db8::5 443 50000 6 10 2000 1716200100 1716200160 ACCEPT OK vpc-1 subnet-1 i-01 19 IPv6 2606:4700:4700::1111 2001:db8::5 eu-west-1 euw1-az1 - - - - ingress 2 - -',
  ],
  [
    'public IPv4 destination (enriched), egress, NAT: packet addresses differ on both sides',
    '8 111122223333 eni-02 10.0.0.5 100.64.1.1 40000 53 17 1 80 1716200101 1716200161 ACCEPT OK vpc-1 subnet-1 i-02 0 IPv4 10.0.9.9 1.0.0.1 eu-west-1 euw1-az1 - - - ROUTE53 egress 8 - -',
  ],
  [
    'REJECT with reject reason, no direction: ENI ids to unmapped',
    '8 111122223333 eni-03 8.8.8.8 10.0.0.6 0 0 1 1 84 1716200102 1716200162 REJECT OK vpc-1 subnet-2 i-03 0 IPv4 8.8.8.8 10.0.0.6 eu-west-1 euw1-az2 - - - - - - - BPA',
  ],
  [
    'unknown traffic path and protocols without a keyword, extreme numbers',
    '8 111122223333 eni-04 10.0.0.7 10.0.0.8 65535 0 41 2147483647 9007199254740991 1716200103 1716200163 ACCEPT OK vpc-1 subnet-1 - 255 IPv4 10.0.0.7 10.0.0.8 eu-west-1 euw1-az1 wavelength wlz-1 - - ingress 9 - -',
  ],
  [
    'ICMPv6 and EFA, an ECS cluster name to escape',
    '8 111122223333 eni-05 fe80::1 ff02::1 0 0 58 3 300 1716200104 1716200164 ACCEPT OK vpc-1 subnet-1 i-05 0 EFA fe80::1 ff02::1 eu-west-1 euw1-az1 outpost op-1 S3 DYNAMODB egress 1 my"cluster\\é\u2028x -',
  ],
  [
    'NODATA',
    '8 111122223333 eni-06 - - - - - - - 1716200105 1716200165 - NODATA - - - - - - - - - - - - - - - - -',
  ],
  [
    'SKIPDATA',
    '8 111122223333 eni-07 - - - - - - - 1716200106 1716200166 - SKIPDATA - - - - - - - - - - - - - - - - -',
  ],
  [
    'the epoch itself, an unknown account, protocol 253',
    '8 unknown eni-08 10.0.0.9 10.0.0.10 1 2 253 1 1 0 1 ACCEPT OK - - - - IPv4 - - - - - - - - ingress - - -',
  ],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-export-diff-'));
  store = await Store.open(join(dir, 'd.duckdb'));
  const sim5 = join(dir, 'sim5');
  await simulate({ out: sim5, records: 3000, seed: 11, start: 1767571200 });
  const sim11 = join(dir, 'sim11');
  await simulate({
    out: sim11,
    records: 2000,
    seed: 12,
    start: 1767571200,
    format: parseFormat(
      '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ' +
        '${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${type} ${interface-type}',
    ),
  });
  const edge = join(dir, 'edge', 'edge.log');
  mkdirSync(join(dir, 'edge'), { recursive: true });
  writeFileSync(edge, `${EDGE_HEADER}\n${EDGE.map(([, l]) => l).join('\n')}\n`);
  // A format without start or end: the event time comes from elsewhere (the ingest time here).
  const nostart = join(dir, 'nostart', 'nostart.log');
  mkdirSync(join(dir, 'nostart'), { recursive: true });
  writeFileSync(
    nostart,
    'version srcaddr dstaddr srcport dstport protocol action log-status\n2 1.1.1.1 10.0.0.1 443 40000 6 ACCEPT OK\n',
  );
  const s = await ingest(store, [sim5, sim11, edge, nostart]);
  expect(s.rejected).toBe(0);
  expect(s.records).toBe(3000 + 2000 + EDGE.length + 1);
}, 120_000);
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The packaged enrichment data, loaded once for both reference mappings (the store is not written to). */
let enricherLoaded: ReturnType<typeof enricherOf> | undefined;

/** The JS mappers' documents, in store order, as JSON text. */
async function reference(format: 'ocsf' | 'ecs', enrich: boolean): Promise<string[]> {
  const sets = (await store.query(FIELD_SETS_SQL)).rows.map((r) => String(r['set']));
  if (enrich) enricherLoaded ??= enricherOf(store);
  const enricher = enrich ? await enricherLoaded : undefined;
  const lookup = enricher ? (ip: string | undefined) => enricher.lookup(ip) : undefined;
  const out: string[] = [];
  for await (const rows of store.streamRows(recordsSql(exportColumns(sets), {}))) {
    for (const r of rows)
      out.push(
        JSON.stringify(format === 'ocsf' ? toOcsf(r as FlowRow, lookup) : toEcs(r as FlowRow, lookup)),
      );
  }
  return out;
}

/** Each export's documents, made once: the store does not change, so a second export would be the same file. */
const exported = new Map<string, Promise<string[]>>();

/** DuckDB's documents, parsed and written again (so only content and key order are compared, not escaping). */
function duckdb(format: 'ocsf' | 'ecs', enrich: boolean): Promise<string[]> {
  const key = `${format}-${enrich}`;
  let p = exported.get(key);
  if (p === undefined) {
    p = exportDocs(format, enrich);
    exported.set(key, p);
  }
  return p;
}

async function exportDocs(format: 'ocsf' | 'ecs', enrich: boolean): Promise<string[]> {
  const to = join(dir, `${format}-${enrich}.ndjson`);
  const r = await exportFlows(store, { to, format, enrich, force: true });
  expect(r.records).toBe(3000 + 2000 + EDGE.length + 1);
  return readFileSync(to, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.stringify(JSON.parse(l)));
}

describe('DuckDB mapping = JS mapping', () => {
  for (const format of ['ocsf', 'ecs'] as const) {
    for (const enrich of [false, true]) {
      it(`${format}, enrichment ${enrich ? 'on' : 'off'}: every document equal, keys in the same order`, async () => {
        // The export is in the store's insertion order, not sorted: compare the sorted documents.
        const want = (await reference(format, enrich)).sort();
        const got = [...(await duckdb(format, enrich))].sort();
        expect(got.length).toBe(want.length);
        const differ = got.findIndex((g, i) => g !== want[i]);
        if (differ >= 0) expect(got[differ]).toBe(want[differ]); // shows the first difference
        expect(differ).toBe(-1);
      });
    }
  }

  it('the varied store really holds what the comparison is meant to cover', async () => {
    const r = (
      await store.query(`SELECT
        count(*) FILTER (WHERE log_status = 'NODATA') AS nodata,
        count(*) FILTER (WHERE log_status = 'SKIPDATA') AS skipdata,
        count(*) FILTER (WHERE contains(srcaddr, ':')) AS v6,
        count(*) FILTER (WHERE type = 'EFA') AS efa,
        count(*) FILTER (WHERE flow_direction = 'egress' AND pkt_srcaddr <> srcaddr) AS nat,
        count(*) FILTER (WHERE start IS NULL) AS nostart,
        count(*) FILTER (WHERE traffic_path = 9) AS path9,
        count(*) FILTER (WHERE interface_type IS NOT NULL) AS v11,
        count(*) FILTER (WHERE contains(ecs_cluster_name, '"')) AS quote
      FROM flows`)
    ).rows[0]!;
    for (const [k, v] of Object.entries(r)) expect(Number(v), k).toBeGreaterThan(0);
  });

  it('enrichment shows in both: a known public address gets its AS (under unmapped) and country', async () => {
    const docs = (await duckdb('ocsf', true)).map((l) => JSON.parse(l) as Record<string, unknown>);
    const e = docs.find((d) => (d['dst_endpoint'] as { ip?: string } | undefined)?.ip === '1.0.0.1')!;
    // OCSF 1.1.0's network_endpoint has no autonomous_system (it came in 1.2.0): the AS is under unmapped
    expect(e['dst_endpoint']).not.toHaveProperty('autonomous_system');
    expect(e['unmapped']).toMatchObject({ dst_as_number: 13335, dst_as_org: 'Cloudflare, Inc.' });
    expect(docs.some((d) => JSON.stringify(d).includes('autonomous_system'))).toBe(false);
  });

  it('OCSF Parquet: the AS under unmapped as text, no autonomous_system member in the endpoint structs', async () => {
    const to = join(dir, 'lake');
    await exportFlows(store, { to, format: 'ocsf-parquet', force: true });
    const files = `${to.replaceAll("'", "''")}/**/*.parquet`;
    const members = (
      await store.query(
        `SELECT DISTINCT unnest(struct_keys(src_endpoint)) AS k FROM read_parquet('${files}', hive_partitioning = false)`,
      )
    ).rows.map((r) => String(r['k']));
    expect(members).toContain('location');
    expect(members).not.toContain('autonomous_system');
    const row = (
      await store.query(
        `SELECT unmapped['dst_as_number'] AS n, unmapped['dst_as_org'] AS o, dst_endpoint.location.country AS c
         FROM read_parquet('${files}', hive_partitioning = false) WHERE dst_endpoint.ip = '1.0.0.1'`,
      )
    ).rows[0]!;
    expect(row).toEqual({ n: '13335', o: 'Cloudflare, Inc.', c: 'AU' });
  });
});
