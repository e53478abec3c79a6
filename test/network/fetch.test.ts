// `flowwatch network fetch` with the real @aws-sdk/client-ec2 against a loopback server speaking EC2's Query
// protocol (form-encoded Action=Describe…, XML responses in EC2's shape with nextToken pages). The server renders
// the describe-* fixture files (the CLI's JSON) as EC2 XML, so the fetched snapshot must give the same model as
// loading those files. Refusals (UnauthorizedOperation, AuthFailure) must name the permission or the credentials.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, parseDocument } from '../../src/network/load.js';
import { modelOfBody } from '../../src/network/snapshot.js';
import { listSnapshots, snapshotBody } from '../../src/storage/network-snapshots.js';
import { Store } from '../../src/storage/store.js';
import { runCli } from '../support/run-cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/network');
const ROUTES = {
  RouteTables: [
    {
      RouteTableId: 'rtb-0app',
      VpcId: 'vpc-0lab',
      Associations: [{ Main: false, RouteTableId: 'rtb-0app', SubnetId: 'subnet-0app' }],
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
        { DestinationCidrBlock: '192.0.2.0/25', NatGatewayId: 'nat-0gone', State: 'blackhole' },
      ],
    },
  ],
};
const INSTANCES = {
  Reservations: [
    {
      ReservationId: 'r-1',
      Instances: [
        {
          InstanceId: 'i-0app',
          Tags: [{ Key: 'Name', Value: 'app-1' }],
          NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0app' }],
        },
      ],
    },
  ],
};

/** The fixture documents by their top-level key (pl-0corp.json holds the entries of pl-0corp). */
const docs: Record<string, unknown> = { ...ROUTES, ...INSTANCES };
let entries: unknown[] = [];
for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.json'))) {
  const j = JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Record<string, unknown>;
  if (f.startsWith('pl-')) entries = j['Entries'] as unknown[];
  else Object.assign(docs, j);
}

// EC2's XML names where they are not the JSON name with a lower-case first letter (the API's locationName).
const XML_NAMES: Record<string, string> = {
  SecurityGroups: 'securityGroupInfo',
  NetworkAcls: 'networkAclSet',
  NetworkInterfaces: 'networkInterfaceSet',
  Subnets: 'subnetSet',
  RouteTables: 'routeTableSet',
  Reservations: 'reservationSet',
  Instances: 'instancesSet',
  Vpcs: 'vpcSet',
  PrefixLists: 'prefixListSet',
  Entries: 'entrySet',
  UserIdGroupPairs: 'groups',
  Associations: 'associationSet',
  IsDefault: 'default',
  Tags: 'tagSet',
  TagSet: 'tagSet',
  Groups: 'groupSet',
  PrivateIpAddresses: 'privateIpAddressesSet',
  Ipv6Addresses: 'ipv6AddressesSet',
  Routes: 'routeSet',
};
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
function xml(key: string, v: unknown): string {
  const name = XML_NAMES[key] ?? key[0]!.toLowerCase() + key.slice(1);
  if (Array.isArray(v))
    return `<${name}>${v
      .map((x) =>
        xml('item', x)
          .replace(/^<item>|<\/item>$/g, '')
          .replace(/^/, '<item>')
          .concat('</item>'),
      )
      .join('')}</${name}>`;
  if (v !== null && typeof v === 'object')
    return `<${name}>${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => xml(k, x))
      .join('')}</${name}>`;
  return `<${name}>${esc(String(v))}</${name}>`;
}
const itemXml = (x: unknown) =>
  `<item>${Object.entries(x as Record<string, unknown>)
    .map(([k, y]) => xml(k, y))
    .join('')}</item>`;

const ACTIONS: Record<string, string> = {
  DescribeSecurityGroups: 'SecurityGroups',
  DescribeNetworkAcls: 'NetworkAcls',
  DescribeNetworkInterfaces: 'NetworkInterfaces',
  DescribeSubnets: 'Subnets',
  DescribeRouteTables: 'RouteTables',
  DescribeInstances: 'Reservations',
  DescribeVpcs: 'Vpcs',
  DescribeManagedPrefixLists: 'PrefixLists',
  GetManagedPrefixListEntries: 'Entries',
};

let server: Server;
let url: string;
let dir: string;
const requests: Record<string, string>[] = [];
/** Set by a test: the action to refuse, and how. */
let refuse: { action: string; code: string; status: number } | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-fetch-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      form['authorization'] = String(req.headers['authorization'] ?? '');
      requests.push(form);
      const action = form['Action'] ?? '';
      if (refuse && refuse.action === action) {
        res.writeHead(refuse.status, { 'content-type': 'text/xml' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${refuse.code}</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>req-1</RequestID></Response>`,
        );
        return;
      }
      const key = ACTIONS[action];
      if (key === undefined) {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          `<Response><Errors><Error><Code>InvalidAction</Code><Message>${esc(action)}</Message></Error></Errors><RequestID>r</RequestID></Response>`,
        );
        return;
      }
      // pages of 2 items (1 for prefix-list entries): nextToken is the index of the next item
      const all = (key === 'Entries' ? entries : (docs[key] as unknown[])) ?? [];
      const size = key === 'Entries' ? 1 : 2;
      const start = Number(form['NextToken'] ?? 0);
      const page = all.slice(start, start + size);
      const next = start + size < all.length ? `<nextToken>${start + size}</nextToken>` : '';
      res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><${XML_NAMES[key]}>${page.map(itemXml).join('')}</${XML_NAMES[key]}>${next}</${action}Response>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  writeFileSync(
    join(dir, 'credentials'),
    '[audit]\naws_access_key_id = AKIDAUDIT\naws_secret_access_key = secret\n',
  );
}, 30_000);
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDENV',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_CONFIG_FILE: join(dir, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PROFILE: '',
  ...extra,
});

/** A model as plain JSON (Maps and Sets as sorted entries), to compare two models. */
function plainModel(m: object): string {
  return JSON.stringify(m, (_k, v) =>
    typeof v === 'bigint'
      ? v.toString()
      : v instanceof Map
        ? [...v.entries()].sort()
        : v instanceof Set
          ? [...v].sort()
          : v,
  );
}

describe('flowwatch network fetch', () => {
  it('reads every page of every describe call into a snapshot equal to loading the same JSON from files', async () => {
    const db = join(dir, 'a.duckdb');
    requests.length = 0;
    const r = await runCli(
      ['network', 'fetch', '--region', 'eu-west-1', '--endpoint-url', url, '--at', '1716200000', '--db', db],
      { env: env() },
    );
    expect(r.err).toContain('fetching the network configuration from EC2 (eu-west-1 at http://127.0.0.1');
    expect(r.code).toBe(0);
    // the fixtures: 5 security groups, 3 network ACLs, 4 interfaces, 3 subnets; the 1 route table and instance above
    expect(r.out).toContain(
      'snapshot 1 (in force from 2024-05-20T10:13:20Z), fetched from EC2 (eu-west-1 at',
    );
    expect(r.out).toContain(
      '5 security groups, 3 network ACLs, 4 interfaces, 3 subnets, 1 route table, 1 instance, 1 VPC',
    );
    // 5 groups in pages of 2: three calls, the 2nd and 3rd with the nextToken the server gave
    const sg = requests.filter((q) => q['Action'] === 'DescribeSecurityGroups');
    expect(sg.map((q) => q['NextToken'])).toEqual([undefined, '2', '4']);
    expect(r.err).toContain('security groups 5 (3 pages)');
    // pl-0corp's two entries, one per page
    const pl = requests.filter((q) => q['Action'] === 'GetManagedPrefixListEntries');
    expect(pl.map((q) => [q['PrefixListId'], q['NextToken']])).toEqual([
      ['pl-0corp', undefined],
      ['pl-0corp', '1'],
    ]);
    // signed with the environment's key
    expect(sg[0]!['authorization']).toContain('Credential=AKIDENV/');
    expect(sg[0]!['authorization']).toContain('/eu-west-1/ec2/aws4_request');
    const files = readdirSync(FIXTURES)
      .filter((n) => n.endsWith('.json'))
      .map((f) => parseDocument(join(FIXTURES, f), readFileSync(join(FIXTURES, f), 'utf8')));
    const expected = buildModel([
      ...files,
      parseDocument('routes.json', JSON.stringify(ROUTES)),
      parseDocument('instances.json', JSON.stringify(INSTANCES)),
    ]);
    const store = await Store.open(db);
    try {
      const [snap] = await listSnapshots(store);
      expect(snap!.takenAt).toBe(1716200000);
      const fetched = modelOfBody(await snapshotBody(store, snap!.id));
      expect(plainModel(fetched)).toBe(plainModel(expected));
      expect(fetched.prefixLists.get('pl-0corp')?.cidrs?.map((c) => c.text)).toEqual([
        '192.0.2.0/24',
        '203.0.113.128/25',
      ]);
    } finally {
      store.close();
    }
  }, 60_000);

  it('signs with --profile from the shared credentials file', async () => {
    requests.length = 0;
    const r = await runCli(
      [
        'network',
        'fetch',
        '--region',
        'us-east-1',
        '--profile',
        'audit',
        '--endpoint-url',
        url,
        '--db',
        join(dir, 'p.duckdb'),
      ],
      { env: env({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }) },
    );
    expect(r.code).toBe(0);
    expect(requests[0]!['authorization']).toContain('Credential=AKIDAUDIT/');
  }, 60_000);

  it('names the missing permission on UnauthorizedOperation, and stores nothing', async () => {
    refuse = { action: 'DescribeRouteTables', code: 'UnauthorizedOperation', status: 403 };
    const db = join(dir, 'u.duckdb');
    try {
      const r = await runCli(
        ['network', 'fetch', '--region', 'us-east-1', '--endpoint-url', url, '--db', db],
        {
          env: env(),
        },
      );
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        'ec2:DescribeRouteTables: not allowed: the credentials lack the IAM permission ec2:DescribeRouteTables',
      );
      expect(r.err).toContain('AmazonEC2ReadOnlyAccess');
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      refuse = undefined;
    }
    const list = await runCli(['network', 'list', '--db', db], { env: env() });
    expect(list.out + list.err).not.toContain('snapshot 1');
  }, 60_000);

  it('says the credentials were refused on AuthFailure', async () => {
    refuse = { action: 'DescribeSecurityGroups', code: 'AuthFailure', status: 401 };
    try {
      const r = await runCli(
        ['network', 'fetch', '--region', 'us-east-1', '--endpoint-url', url, '--db', join(dir, 'f.duckdb')],
        { env: env() },
      );
      expect(r.code).toBe(1);
      expect(r.err).toContain('ec2:DescribeSecurityGroups: AWS refused the credentials (AuthFailure');
      expect(r.err).toContain('aws sts get-caller-identity');
    } finally {
      refuse = undefined;
    }
  }, 60_000);
});
