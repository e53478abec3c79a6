// "Same store, same bytes": the OCSF and ECS NDJSON exports (plain and gzip) write byte-identical files on
// every run over the same store (the CLI, twice), and OCSF the same with DuckDB on one thread (the library on a
// writable store). The store makes the lookups non-trivial: AWS, public and private addresses (some enriched from the
// packaged ip-ranges/AS/country data, some not), interfaces the network snapshot names and one it does not, six
// files, and more records than one DuckDB row group (122,880), so two threads scan it in parallel.
//
// The former build joined the enrichment and names tables with hash joins, and DuckDB writes a COPY over a hash
// join from every thread in any order: these exports differed from run to run (and between 1 and 2 threads).

import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFlows } from '../../src/export/export.js';
import { Store } from '../../src/storage/store.js';
import { runMain } from '../support/capture-io.js';

const T = 1716200000;
/** Records per file (6 files × 22,000 = 132,000 records, past one row group). */
const PER_FILE = 22_000;
const ADDRESSES = [
  '52.216.10.9',
  '3.5.140.2',
  '8.8.8.8',
  '1.1.1.1',
  '198.51.100.23',
  '10.0.1.10',
  '10.0.2.20',
];
const ENIS = ['eni-0web', 'eni-0app', 'eni-0gone'];

let dir: string;
let db: string;

function lines(fmt: 'v5' | 'v2' | 'v3', file: number): string {
  const head = {
    v5: 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status pkt-srcaddr pkt-dstaddr flow-direction traffic-path',
    v2: 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
    v3: 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id',
  }[fmt];
  const out = [head];
  for (let i = 0; i < PER_FILE; i++) {
    // every pair of addresses, every interface
    const src = ADDRESSES[(i + file) % ADDRESSES.length]!;
    const dst = ADDRESSES[Math.floor(i / ADDRESSES.length) % ADDRESSES.length]!;
    const eni = ENIS[Math.floor(i / 2) % ENIS.length]!;
    const t = T + (i % 3600);
    const action = i % 5 === 0 ? 'REJECT' : 'ACCEPT';
    const base = `${fmt === 'v2' ? 2 : fmt === 'v3' ? 3 : 5} 111122223333 ${eni} ${src} ${dst} ${1024 + (i % 60000)} 443 6 ${1 + (i % 9)} ${60 + i} ${t} ${t + 5} ${action} OK`;
    if (fmt === 'v5')
      out.push(
        `${base} ${i % 4 === 0 ? '10.0.9.9' : src} ${dst} ${i % 2 ? 'ingress' : 'egress'} ${1 + (i % 8)}`,
      );
    else if (fmt === 'v3') out.push(`${base} vpc-0lab subnet-0pub ${i % 3 === 0 ? '-' : 'i-0web'}`);
    else out.push(base);
  }
  return `${out.join('\n')}\n`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-export-determinism-'));
  db = join(dir, 'd.duckdb');
  mkdirSync(join(dir, 'logs'));
  for (const file of [0, 1, 2, 3, 4, 5])
    writeFileSync(join(dir, 'logs', `v5-${file}.log`), lines('v5', file));
  const r = await runMain(['ingest', join(dir, 'logs'), '--db', db]);
  expect(r.code, r.err).toBe(0);
  cpSync(join(import.meta.dirname, '../fixtures/network'), join(dir, 'net'), { recursive: true });
  writeFileSync(
    join(dir, 'net', 'instances.json'),
    JSON.stringify({
      Reservations: [{ Instances: [{ InstanceId: 'i-0web', Tags: [{ Key: 'Name', Value: 'web "1" é' }] }] }],
    }),
  );
  const load = await runMain(['network', 'load', join(dir, 'net'), '--at', String(T - 100), '--db', db]);
  expect(load.code, load.err).toBe(0);
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bytes of one export of the store, DuckDB on `threads` threads (the library on a writable store). */
async function exportBytes(format: 'ocsf' | 'ecs', name: string, threads: number): Promise<Buffer> {
  const store = await Store.open(db);
  try {
    await store.query(`SET threads = ${threads}`);
    const to = join(dir, 'out', `${threads}-${Math.random().toString(36).slice(2)}`, name);
    const r = await exportFlows(store, { to, format });
    expect(r.records).toBe(6 * PER_FILE);
    return readFileSync(to);
  } finally {
    await store.close();
  }
}

/** The bytes of one `flowwatch export` (the CLI: a read-only store, DuckDB on every core). */
async function cliBytes(format: 'ocsf' | 'ecs', name: string): Promise<Buffer> {
  const to = join(dir, 'out', `cli-${Math.random().toString(36).slice(2)}`, name);
  const r = await runMain(['export', '--db', db, '--format', format, '--to', to]);
  expect(r.code, r.err).toBe(0);
  return readFileSync(to);
}

const first = new Map<string, Buffer>();

describe('OCSF and ECS NDJSON exports are deterministic', () => {
  // Each export of this store costs ~5 CPU-s: OCSF plain is checked against one thread too, ECS (compressed) twice
  // from the CLI; the order does not depend on the codec (the COPY's compression comes after its rows).
  for (const [format, name, oneThread] of [
    ['ocsf', 'flows.ndjson', true],
    ['ecs', 'flows.ndjson.gz', false],
  ] as const) {
    it(`${format} ${name}: the same bytes twice from the CLI${oneThread ? ' and on 1 thread' : ''}`, async () => {
      const a = await cliBytes(format, name);
      first.set(`${format} ${name}`, a);
      const b = await cliBytes(format, name);
      expect(a.length).toBeGreaterThan(0);
      expect(b.equals(a), 'two CLI runs').toBe(true);
      if (oneThread) {
        const c = await exportBytes(format, name, 1);
        expect(c.equals(a), 'DuckDB on 1 thread against the CLI').toBe(true);
      }
    }, 240_000);
  }

  it('the lookups are not trivial: enriched and unenriched sides, named and unnamed interfaces', () => {
    const docs = first.get('ocsf flows.ndjson')!.toString('utf8').trim().split('\n');
    expect(docs).toHaveLength(6 * PER_FILE);
    const has = (s: string) => docs.some((d) => d.includes(s));
    expect(has('"src_as_number"')).toBe(true); // enriched (8.8.8.8, 1.1.1.1, AWS addresses)
    expect(docs.some((d) => !d.includes('_as_number'))).toBe(true); // private addresses on both sides
    expect(has('"instance_name":"web \\"1\\" é"')).toBe(true); // named from the snapshot
    expect(docs.some((d) => d.includes('eni-0gone') && !d.includes('interface_name'))).toBe(true);
    expect(readdirSync(join(dir, 'out')).length).toBeGreaterThan(0);
  });
});
