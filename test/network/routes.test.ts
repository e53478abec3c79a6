// Routes judged when the snapshot has route tables: longest prefix match, the main table for subnets without an
// association, a blackhole route and a missing route as the blocking step. Expected verdicts worked out by hand
// from the fixtures (see cases.ts) plus the route tables below.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyChange } from '../../src/network/change.js';
import { parseChange } from '../../src/network/change-parse.js';
import { cdkOf, cliOf } from '../../src/network/change-render.js';
import { evaluate } from '../../src/network/evaluate.js';
import { buildModel, parseDocument } from '../../src/network/load.js';
import { whatIf } from '../../src/network/what-if.js';

const DIR = join(import.meta.dirname, '../fixtures/network');
const ROUTES = {
  RouteTables: [
    {
      RouteTableId: 'rtb-0main',
      VpcId: 'vpc-0lab',
      Associations: [{ Main: true, RouteTableId: 'rtb-0main' }],
      Routes: [
        {
          DestinationCidrBlock: '10.0.0.0/16',
          GatewayId: 'local',
          State: 'active',
          Origin: 'CreateRouteTable',
        },
        { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0lab', State: 'active', Origin: 'CreateRoute' },
      ],
    },
    {
      RouteTableId: 'rtb-0app',
      VpcId: 'vpc-0lab',
      Associations: [{ Main: false, RouteTableId: 'rtb-0app', SubnetId: 'subnet-0app' }],
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
        { DestinationCidrBlock: '192.0.2.0/24', GatewayId: 'igw-0lab', State: 'active' },
        { DestinationCidrBlock: '192.0.2.0/25', NatGatewayId: 'nat-0gone', State: 'blackhole' },
      ],
    },
  ],
};
const model = buildModel([
  ...readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => parseDocument(join(DIR, f), readFileSync(join(DIR, f), 'utf8'))),
  parseDocument('routes.json', JSON.stringify(ROUTES)),
]);
const ssh = (client: string) => ({
  client,
  server: '10.0.2.20',
  clientPort: 40000,
  serverPort: 22,
  protocol: 6,
});

describe('route tables', () => {
  it('longest prefix match: the /24 to the internet gateway carries the reply to 192.0.2.200', () => {
    const v = evaluate(model, ssh('192.0.2.200'));
    expect(v.decision).toBe('ACCEPT');
    expect(v.steps.find((s) => s.control === 'route-table')?.rule).toBe(
      'rtb-0app route 192.0.2.0/24 → igw-0lab',
    );
  });

  it('a more specific blackhole route drops the reply to 192.0.2.5', () => {
    const v = evaluate(model, ssh('192.0.2.5'));
    expect(v.decision).toBe('REJECT');
    expect(v.blocking).toMatchObject({
      control: 'route-table',
      packet: 'reply',
      code: 'BAD_STATE_ROUTE',
      ids: ['rtb-0app'],
    });
    expect(v.blocking?.rule).toBe(
      'rtb-0app route 192.0.2.0/25 → nat-0gone is a blackhole (its target is gone)',
    );
  });

  it('no route back to 203.0.113.200 (pl-0corp lets it in, subnet-0app has no default route)', () => {
    const v = evaluate(model, ssh('203.0.113.200'));
    expect(v.blocking).toMatchObject({ control: 'route-table', code: 'NO_ROUTE_TO_DESTINATION' });
    expect(v.blocking?.rule).toBe('rtb-0app: no route to 203.0.113.200');
  });

  it("a subnet without an association uses the VPC's main table; within the VPC the local route", () => {
    const out = evaluate(model, {
      client: '10.0.1.10',
      server: '198.51.100.50',
      clientPort: 45000,
      serverPort: 443,
      protocol: 6,
    });
    expect(out.decision).toBe('ACCEPT');
    expect(out.steps.find((s) => s.control === 'route-table')?.rule).toBe(
      'rtb-0main route 0.0.0.0/0 → igw-0lab',
    );
    const inside = evaluate(model, {
      client: '10.0.1.10',
      server: '10.0.2.20',
      clientPort: 45000,
      serverPort: 8080,
      protocol: 6,
    });
    expect(inside.decision).toBe('ACCEPT');
    expect(inside.steps.filter((s) => s.control === 'route-table').map((s) => s.rule)).toEqual([
      'rtb-0main route 10.0.0.0/16 → local',
      'rtb-0app route 10.0.0.0/16 → local',
    ]);
  });
});

describe('route changes in what-if (create-route, replace-route, delete-route)', () => {
  // Stored flows: the server's SYN-ACK replies of SSH from 192.0.2.5 and 203.0.113.200 (both in pl-0corp, so
  // sg-0mgmt lets the request in; client port 40000 is in acl-0app's outbound 32768-61000), logged at eni-0app.
  const reply = (client: string, records: number) => ({
    record: {
      interfaceId: 'eni-0app',
      srcaddr: '10.0.2.20',
      dstaddr: client,
      srcport: 22,
      dstport: 40000,
      protocol: 6,
      action: 'REJECT',
      flowDirection: 'egress',
      tcpFlags: 18,
    },
    records,
    first: 100,
    last: 200,
  });
  const flows = [reply('192.0.2.5', 3), reply('203.0.113.200', 2)];
  const judge = (change: string) => whatIf(model, applyChange(model, parseChange('--change', change)), flows);

  it('the blackhole route replaced by an internet gateway route: the 3 replies to 192.0.2.5 become accepted', () => {
    const r = judge(
      'aws ec2 replace-route --route-table-id rtb-0app --destination-cidr-block 192.0.2.0/25 --gateway-id igw-0lab',
    );
    // 192.0.2.5: blackhole before; after, 192.0.2.0/25 → igw-0lab (active) and acl-0app lets the reply out
    expect(r.totals['becomes-accepted']).toBe(3);
    // 203.0.113.200 still has no route: not moved
    expect(r.groups.map((g) => g.transition)).toEqual(['becomes-accepted']);
    expect(r.groups[0]!.before).toContain('blackhole');
  });

  it('delete-route of the blackhole: 192.0.2.5 falls back to the /24 → igw-0lab and is accepted', () => {
    const r = judge('aws ec2 delete-route --route-table-id rtb-0app --destination-cidr-block 192.0.2.0/25');
    expect(r.totals['becomes-accepted']).toBe(3);
  });

  it('create-route 0.0.0.0/0 → igw-0lab: the replies to 203.0.113.200 become accepted, 192.0.2.5 stays blackholed', () => {
    const r = judge(
      'aws ec2 create-route --route-table-id rtb-0app --destination-cidr-block 0.0.0.0/0 --gateway-id igw-0lab',
    );
    // longest prefix: 192.0.2.5 still takes the /25 blackhole; 203.0.113.200 now has the default route
    expect(r.totals['becomes-accepted']).toBe(2);
    expect(r.groups.map((g) => g.flow).join(' ')).toContain('203.0.113.200');
  });

  it('as EC2: create-route on a routed destination and replace/delete of a missing one are refused', () => {
    expect(() =>
      judge(
        'aws ec2 create-route --route-table-id rtb-0app --destination-cidr-block 192.0.2.0/25 --gateway-id igw-0lab',
      ),
    ).toThrow(/already has a route to 192.0.2.0\/25.*RouteAlreadyExists/);
    expect(() =>
      judge(
        'aws ec2 replace-route --route-table-id rtb-0app --destination-cidr-block 198.51.100.0/24 --gateway-id igw-0lab',
      ),
    ).toThrow(/has no route to 198.51.100.0\/24/);
    expect(() =>
      judge('aws ec2 delete-route --route-table-id rtb-0nope --destination-cidr-block 0.0.0.0/0'),
    ).toThrow(/route table rtb-0nope is not in the snapshot/);
  });

  it('renders the change back as the AWS CLI command and a CDK CfnRoute', () => {
    const [op] = parseChange(
      '--change',
      'aws ec2 create-route --route-table-id rtb-0app --destination-cidr-block 0.0.0.0/0 --nat-gateway-id nat-0a',
    );
    expect(cliOf(op!)).toBe(
      'aws ec2 create-route --route-table-id rtb-0app --destination-cidr-block 0.0.0.0/0 --nat-gateway-id nat-0a',
    );
    expect(cdkOf(op!)).toBe(
      "new ec2.CfnRoute(this, 'rtb-0app-0-0-0-0-0', {\n  routeTableId: 'rtb-0app',\n  destinationCidrBlock: '0.0.0.0/0',\n  natGatewayId: 'nat-0a',\n});",
    );
  });
});
