// Names everywhere (issue 16 item 5): the flows explorer API and the CSV/NDJSON exports carry each record's
// interface names from the newest network snapshot, and say once when no snapshot is loaded. The snapshot is the
// describe-* fixtures plus a hand-written describe-instances file giving i-0web the Name tag "web-1".
// By hand from test/fixtures/network: eni-0web (10.0.1.10) is attached to i-0web in subnet-0pub (Name "public")
// with sg-0web (web); eni-0app (10.0.2.20) has no instance, sits in subnet-0app (no Name tag) with sg-0app (app)
// and sg-0mgmt (mgmt); eni-0gone is in no snapshot.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import type { FlowsResponse } from '../../src/server/api-contract.js';
import { runMain } from '../support/capture-io.js';

const AT = 1716200000;
const T = AT + 100;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags reject-reason';
const LINES = [
  HEADER,
  // line 2: into eni-0web
  `8 111122223333 eni-0web 198.51.100.9 10.0.1.10 40000 443 6 1 60 ${T} ${T + 5} ACCEPT OK ingress 2 -`,
  // line 3: eni-0app to eni-0web's address: both sides are interfaces of the snapshot
  `8 111122223333 eni-0app 10.0.2.20 10.0.1.10 40001 443 6 1 60 ${T + 1} ${T + 6} ACCEPT OK egress 2 -`,
  // line 4: an interface the snapshot does not have
  `8 111122223333 eni-0gone 203.0.113.9 10.0.9.9 40002 22 6 1 60 ${T + 2} ${T + 7} REJECT OK ingress 2 -`,
];

let dir: string;
let named: string; // a store with the snapshot
let bare: string; // the same records, no snapshot

const fw = (db: string, args: string[]) => runMain([...args, '--db', db]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-names-'));
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
  writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
  for (const db of [named, bare]) expect((await fw(db, ['ingest', join(dir, 'flows.log')])).code).toBe(0);
  const load = await fw(named, ['network', 'load', join(dir, 'net'), '--at', String(AT)]);
  expect(load.code, load.err).toBe(0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exports carry the names', () => {
  it('CSV: interface_name, instance_name, subnet_name, security_groups per record', async () => {
    const to = join(dir, 'named.csv');
    const r = await fw(named, ['export', '--format', 'csv', '--to', to]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain('no network snapshot');
    const [head, ...rows] = readFileSync(to, 'utf8').trim().split('\n');
    const cols = head!.split(',');
    const at = (row: string, c: string) => row.split(',')[cols.indexOf(c)];
    expect(cols.slice(-4)).toEqual(['interface_name', 'instance_name', 'subnet_name', 'security_groups']);
    expect(rows).toHaveLength(3);
    // eni-0web: instance Name tag, subnet Name tag, its one group
    expect(at(rows[0]!, 'interface_name')).toBe('web-1 · public · web');
    expect(at(rows[0]!, 'instance_name')).toBe('web-1');
    expect(at(rows[0]!, 'subnet_name')).toBe('public');
    expect(at(rows[0]!, 'security_groups')).toBe('sg-0web (web)');
    // eni-0app: no instance, an untagged subnet, two groups
    expect(at(rows[1]!, 'interface_name')).toBe('subnet-0app · app+mgmt');
    expect(at(rows[1]!, 'instance_name')).toBe('-');
    expect(at(rows[1]!, 'security_groups')).toBe('sg-0app (app) + sg-0mgmt (mgmt)');
    // eni-0gone: not in the snapshot, absent rather than guessed
    expect(at(rows[2]!, 'interface_name')).toBe('-');
  });

  it('NDJSON: the same names as members; --no-names leaves them out', async () => {
    const to = join(dir, 'named.ndjson');
    expect((await fw(named, ['export', '--format', 'ndjson', '--to', to])).code).toBe(0);
    const docs = readFileSync(to, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs.map((d) => [d['interface_id'], d['interface_name'], d['security_groups']])).toEqual([
      ['eni-0web', 'web-1 · public · web', 'sg-0web (web)'],
      ['eni-0app', 'subnet-0app · app+mgmt', 'sg-0app (app) + sg-0mgmt (mgmt)'],
      ['eni-0gone', null, null],
    ]);
    const plain = join(dir, 'plain.ndjson');
    expect((await fw(named, ['export', '--format', 'ndjson', '--to', plain, '--no-names'])).code).toBe(0);
    expect(readFileSync(plain, 'utf8')).not.toContain('interface_name');
  });

  it("ECS: cloud.instance.name is the instance Name tag of the record's interface", async () => {
    const to = join(dir, 'named.ecs.ndjson');
    expect((await fw(named, ['export', '--format', 'ecs', '--to', to])).code).toBe(0);
    const docs = readFileSync(to, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { cloud: { instance?: { name?: string } } });
    // eni-0web is on i-0web ("web-1"); eni-0app has no instance, eni-0gone is unknown: no instance member
    expect(docs.map((d) => d.cloud.instance)).toEqual([{ name: 'web-1' }, undefined, undefined]);
    const bareEcs = await fw(bare, ['export', '--format', 'ecs', '--to', join(dir, 'bare.ecs.ndjson')]);
    expect(bareEcs.err).toContain('the ECS documents have no cloud.instance.name');
  });

  it('without a snapshot, says so once and adds no empty columns', async () => {
    const to = join(dir, 'bare.csv');
    const r = await fw(bare, ['export', '--format', 'csv', '--to', to]);
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/no network snapshot is loaded/g)).toHaveLength(1);
    expect(r.err).toContain('flowwatch network load');
    expect(readFileSync(to, 'utf8').split('\n')[0]).not.toContain('interface_name');
  });
});

describe('top lists and the flows explorer', () => {
  it('top interfaces without a snapshot says once that names need one', async () => {
    const r = await fw(bare, ['top', 'interfaces', '--since', String(T - 60), '--until', String(T + 60)]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.match(/no network snapshot is loaded/g)).toHaveLength(1);
    const withNames = await fw(named, [
      'top',
      'interfaces',
      '--since',
      String(T - 60),
      '--until',
      String(T + 60),
    ]);
    expect(withNames.out).not.toContain('no network snapshot');
  });

  async function flows(db: string): Promise<FlowsResponse> {
    const monitor: Monitor = await startMonitor({
      config: parseConfig('flowwatch.yaml', 'metricFilters: []\n'),
      db,
      log: createLogger(() => {}),
      env: {},
      listen: '127.0.0.1:0',
      stateDir: join(dir, `state-${db === named ? 'named' : 'bare'}`),
      now: () => T + 60,
      register: (app, parts) =>
        registerApi(app, { store: parts.store, config: parts.config, monitor: parts, now: () => T + 60 }),
    });
    try {
      const r = await fetch(`${monitor.url}/api/flows?since=${T - 60}&until=${T + 60}`, {
        headers: { authorization: `Bearer ${monitor.token}` },
      });
      expect(r.status).toBe(200);
      return (await r.json()) as FlowsResponse;
    } finally {
      await monitor.stop();
    }
  }

  it('GET /api/flows names the interface and each side that is an interface address', async () => {
    const j = await flows(named);
    expect(j.notes).toBeUndefined();
    expect(j.columns).toEqual(expect.arrayContaining(['interface_name', 'src_name', 'dst_name']));
    const by = Object.fromEntries(j.rows.map((r) => [r['interface_id'], r]));
    expect(by['eni-0web']).toMatchObject({
      interface_name: 'web-1 · public · web',
      src_name: null,
      dst_name: 'web-1 · public · web',
    });
    expect(by['eni-0app']).toMatchObject({
      interface_name: 'subnet-0app · app+mgmt',
      src_name: 'subnet-0app · app+mgmt',
      dst_name: 'web-1 · public · web',
    });
    expect(by['eni-0gone']).toMatchObject({ interface_name: null, src_name: null, dst_name: null });
  });

  it('GET /api/flows without a snapshot: no name columns, one note saying how to load one', async () => {
    const j = await flows(bare);
    expect(j.rows).toHaveLength(3);
    expect(j.columns).not.toContain('interface_name');
    expect(j.notes).toHaveLength(1);
    expect(j.notes![0]).toContain('flowwatch network load');
  });
});
