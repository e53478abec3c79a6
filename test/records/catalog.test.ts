// Field catalog conformance: AWS's field table (corpus) and the spec's name, order and type rules.

import { describe, expect, it } from 'vitest';
import { DEFAULT_FIELDS, FIELDS, findField } from '../../src/records/catalog.js';
import { awsFieldTable } from './corpus.js';

/** Spec §2.1: the default format, in order. */
const SPEC_DEFAULT = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
];

/** Spec §7.1 table: Logs Insights names of the default-format fields [AWS]. */
const INSIGHTS_DEFAULT: [aws: string, insights: string][] = [
  ['version', 'version'],
  ['account-id', 'accountId'],
  ['interface-id', 'interfaceId'],
  ['srcaddr', 'srcAddr'],
  ['dstaddr', 'dstAddr'],
  ['srcport', 'srcPort'],
  ['dstport', 'dstPort'],
  ['protocol', 'protocol'],
  ['packets', 'packets'],
  ['bytes', 'bytes'],
  ['start', 'startTime'],
  ['end', 'endTime'],
  ['action', 'action'],
  ['log-status', 'logStatus'],
];

/** Spec §7.1 prose: Insights names of custom-format fields (observed and derived). */
const INSIGHTS_CUSTOM: [aws: string, insights: string][] = [
  ['flow-direction', 'flowDirection'],
  ['pkt-srcaddr', 'pktSrcAddr'],
  ['pkt-dstaddr', 'pktDstAddr'],
  ['tcp-flags', 'tcpFlags'],
  ['traffic-path', 'trafficPath'],
  ['az-id', 'azId'],
  ['vpc-id', 'vpcId'],
  ['subnet-id', 'subnetId'],
  ['instance-id', 'instanceId'],
  ['sublocation-type', 'sublocationType'],
  ['sublocation-id', 'sublocationId'],
  ['pkt-src-aws-service', 'pktSrcAwsService'],
  ['pkt-dst-aws-service', 'pktDstAwsService'],
  ['ecs-cluster-arn', 'ecsClusterArn'],
  ['reject-reason', 'rejectReason'],
];

/** Spec §3.5: transit gateway-only fields. */
const TGW_ONLY = [
  'resource-type',
  'tgw-id',
  'tgw-attachment-id',
  'tgw-src-vpc-account-id',
  'tgw-dst-vpc-account-id',
  'tgw-src-vpc-id',
  'tgw-dst-vpc-id',
  'tgw-src-subnet-id',
  'tgw-dst-subnet-id',
  'tgw-src-eni',
  'tgw-dst-eni',
  'tgw-src-az-id',
  'tgw-dst-az-id',
  'tgw-pair-attachment-id',
  'packets-lost-no-route',
  'packets-lost-blackhole',
  'packets-lost-mtu-exceeded',
  'packets-lost-ttl-expired',
];

/** Spec §3.5: fields shared by VPC and transit gateway records. */
const TGW_SHARED = [
  'version',
  'account-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'log-status',
  'type',
  'tcp-flags',
  'region',
  'flow-direction',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
];

/** Spec §3.6: ECS fields (version 7, all STRING). */
const ECS = [
  'ecs-cluster-arn',
  'ecs-cluster-name',
  'ecs-container-instance-arn',
  'ecs-container-instance-id',
  'ecs-container-id',
  'ecs-second-container-id',
  'ecs-service-name',
  'ecs-task-definition-arn',
  'ecs-task-arn',
  'ecs-task-id',
];

/** Spec §10.1: the version that brought each field newer than v8. */
const NEWER_THAN_V8 = [
  'resource-id',
  'encryption-status',
  'instance-tag',
  'instance-tag-2',
  'interface-tag',
  'interface-tag-2',
  'asg-tag',
  'asg-tag-2',
  'interface-type',
  'next-hop-interface-id',
  'next-hop-subnet-id',
  'next-hop-az-id',
  'next-hop-vpc-id',
  'next-hop-interface-type',
];

/** Spec §6.4 physical types. */
const INT_32 = ['version', 'srcport', 'dstport', 'protocol', 'tcp-flags', 'traffic-path'];
const INT_64 = ['packets', 'bytes', 'start', 'end'];

/** Every field of the spec's §3.1–§3.4, §3.6 and §3.7 tables (VPC record fields, versions 2–8). */
const SPEC_VPC_V2_TO_V8 = [
  ...SPEC_DEFAULT,
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'region',
  'az-id',
  'sublocation-type',
  'sublocation-id',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
  'flow-direction',
  'traffic-path',
  ...ECS,
  'reject-reason',
];

function byAws(aws: string) {
  const f = FIELDS.find((x) => x.aws === aws);
  if (!f) throw new Error(`catalog has no field ${aws}`);
  return f;
}

describe('catalog vs the AWS field table (corpus aws-docs-vpc-flow-logs/field-table.json)', () => {
  const table = awsFieldTable().fields;

  it('the corpus table has the 29 fields of versions 2–5', () => {
    expect(table).toHaveLength(29);
  });

  it.each(table.map((r) => [r.field, r.version, r.parquet_type] as const))(
    '%s: version %i, Parquet %s',
    (aws, version, parquet) => {
      const f = FIELDS.find((x) => x.aws === aws);
      expect(f, `catalog field ${aws}`).toBeDefined();
      expect(f?.version).toBe(version);
      expect(f?.parquet).toBe(parquet);
    },
  );
});

describe('Logs Insights names (spec §7.1)', () => {
  it.each(INSIGHTS_DEFAULT)('default field %s is %s', (aws, insights) => {
    expect(byAws(aws).insights).toBe(insights);
  });
  it.each(INSIGHTS_CUSTOM)('custom field %s is %s', (aws, insights) => {
    expect(byAws(aws).insights).toBe(insights);
  });
});

describe('names', () => {
  it.each(FIELDS.map((f) => [f.aws, f.column] as const))(
    "column of %s is %s with '-' → '_'",
    (aws, column) => {
      expect(column).toBe(aws.replaceAll('-', '_'));
    },
  );

  it('AWS names, column names and Insights names are each unique', () => {
    for (const key of ['aws', 'column', 'insights'] as const) {
      const names = FIELDS.map((f) => f[key]);
      expect(new Set(names).size, key).toBe(names.length);
    }
  });

  it('no name (any style, case-insensitive) denotes two different fields', () => {
    const owner = new Map<string, string>();
    for (const f of FIELDS) {
      for (const n of [f.aws, f.column, f.insights]) {
        const k = n.toLowerCase();
        const prev = owner.get(k);
        expect(prev === undefined || prev === f.aws, `${n} names both ${prev} and ${f.aws}`).toBe(true);
        owner.set(k, f.aws);
      }
    }
  });

  it.each(FIELDS.map((f) => [f.aws, f.column, f.insights] as const))(
    'findField finds %s by %s, %s and upper case',
    (aws, column, insights) => {
      for (const n of [aws, column, insights, aws.toUpperCase(), insights.toLowerCase()]) {
        expect(findField(n)?.aws, n).toBe(aws);
      }
    },
  );

  it('findField returns undefined for names the catalog does not know', () => {
    for (const n of ['srcadr', 'foo-bar', '', 'pkt-src', 'startTimeX', '@message']) {
      expect(findField(n), n).toBeUndefined();
    }
  });
});

describe('default format (spec §2.1)', () => {
  it('DEFAULT_FIELDS are the 14 version-2 fields in the spec order', () => {
    expect(DEFAULT_FIELDS.map((f) => f.aws)).toEqual(SPEC_DEFAULT);
    for (const f of DEFAULT_FIELDS) expect(f.version, f.aws).toBe(2);
  });
});

describe('fields named by the spec are present', () => {
  it.each(TGW_ONLY)('TGW field %s (spec §3.5): version 6, transit gateway only', (aws) => {
    const f = byAws(aws);
    expect(f.version).toBe(6);
    expect(f.scope).toBe('tgw');
  });
  it.each(TGW_SHARED)('shared field %s (spec §3.5) may appear in TGW records', (aws) => {
    expect(['both', 'tgw']).toContain(byAws(aws).scope);
  });
  it('action is not a TGW field (spec §3.5: TGW records have no action)', () => {
    expect(byAws('action').scope).toBe('vpc');
  });
  it.each(ECS)('ECS field %s (spec §3.6): version 7, STRING', (aws) => {
    const f = byAws(aws);
    expect(f.version).toBe(7);
    expect(f.parquet).toBe('STRING');
  });
  it('reject-reason (spec §3.7): version 8, STRING', () => {
    const f = byAws('reject-reason');
    expect(f.version).toBe(8);
    expect(f.parquet).toBe('STRING');
  });
  it.each(NEWER_THAN_V8)('newer field %s (spec §10.1) is confirmed with its version', (aws) => {
    const f = byAws(aws);
    expect(f.confirmed).toBe(true);
    const expected = aws === 'resource-id' ? 9 : aws === 'encryption-status' ? 10 : 11;
    expect(f.version).toBe(expected);
  });
  it('encryption-status (spec §10.2) is an integer (0–3), the other v9–v11 fields text', () => {
    for (const aws of NEWER_THAN_V8) {
      expect(byAws(aws).type, aws).toBe(aws === 'encryption-status' ? 'int32' : 'string');
    }
  });
  it('v9–v11 Insights names follow the §7.1 rule (spec §10.2)', () => {
    expect(byAws('encryption-status').insights).toBe('encryptionStatus');
    expect(byAws('instance-tag-2').insights).toBe('instanceTag2');
    expect(byAws('next-hop-interface-id').insights).toBe('nextHopInterfaceId');
    expect(byAws('resource-id').column).toBe('resource_id');
  });
  it('every field of versions 2–8 is confirmed', () => {
    for (const aws of [...SPEC_VPC_V2_TO_V8, ...TGW_ONLY]) expect(byAws(aws).confirmed, aws).toBe(true);
  });
});

describe('integer types (spec §6.4)', () => {
  it.each(INT_32)('%s is INT_32 / int32', (aws) => {
    const f = byAws(aws);
    expect(f.parquet).toBe('INT_32');
    expect(f.type).toBe('int32');
  });
  it.each(INT_64)('%s is INT_64 / int64', (aws) => {
    const f = byAws(aws);
    expect(f.parquet).toBe('INT_64');
    expect(f.type).toBe('int64');
  });
  it('every other VPC field of versions 2–8 is STRING', () => {
    const ints = new Set([...INT_32, ...INT_64]);
    for (const aws of SPEC_VPC_V2_TO_V8.filter((a) => !ints.has(a))) {
      const f = byAws(aws);
      expect(f.parquet, aws).toBe('STRING');
      expect(f.type, aws).toBe('string');
    }
  });
});
