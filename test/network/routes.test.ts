// Routes judged when the snapshot has route tables: longest prefix match, the main table for subnets without an
// association, a blackhole route and a missing route as the blocking step. Expected verdicts worked out by hand
// from the fixtures (see cases.ts) plus the route tables below.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/network/evaluate.js';
import { buildModel, parseDocument } from '../../src/network/load.js';

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
