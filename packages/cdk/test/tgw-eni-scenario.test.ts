// Scenarios "transit gateway to CloudWatch Logs" (the transit gateway fields, 60 s windows, no traffic type,
// prefixed alarm names) and "network interfaces in the default format" (patterns and queries deployed as written).

import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlowLogMonitoring, FlowLogTarget } from '../src/index.js';
import { type Scenario, synthScenario } from './synth.js';

// The transit gateway fields in catalog order: v2–v5 fields that both kinds of flow log have, then the v6 ones.
const TGW_FIELDS = [
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
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'region',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
  'flow-direction',
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

const SSH_DEFAULT =
  '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';

describe('transit gateway to CloudWatch Logs', () => {
  let s: Scenario<FlowLogMonitoring>;
  beforeAll(() => {
    s = synthScenario(
      (stack) =>
        new FlowLogMonitoring(stack, 'Tgw', {
          target: FlowLogTarget.transitGateway('tgw-0123456789abcdef0'),
          alarmNamePrefix: 'core-',
          metricFilters: [
            {
              name: 'blackhole',
              pattern: '[packets_lost_blackhole > 0]',
              metricNamespace: 'FlowLogs',
              metricName: 'BlackholeDrops',
              metricValue: '$packets_lost_blackhole',
              unit: 'Count',
            },
          ],
          alarms: [
            {
              name: 'blackhole-drops',
              metric: { namespace: 'FlowLogs', metricName: 'BlackholeDrops' },
              statistic: 'Sum',
              period: 300,
              evaluationPeriods: 1,
              threshold: 0,
              comparisonOperator: 'GreaterThanThreshold',
              alarmActions: ['ops'],
            },
          ],
          compositeAlarms: [
            { name: 'tgw-trouble', alarmRule: 'ALARM("blackhole-drops")', alarmActions: ['ops'] },
          ],
          topics: [{ name: 'ops', subscriptions: [{ type: 'email', to: 'ops@example.com' }] }],
        }),
    );
  });

  it('synthesises and passes the cdk-nag AwsSolutions pack', () => {
    expect(s.synthError).toBeUndefined();
    expect(s.nagViolations).toEqual([]);
  });

  it('records every transit gateway field, every 60 s, without a traffic type', () => {
    s.template.resourceCountIs('AWS::EC2::FlowLog', 1);
    s.template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'TransitGateway',
      ResourceId: 'tgw-0123456789abcdef0',
      TrafficType: Match.absent(),
      MaxAggregationInterval: 60,
      LogFormat: TGW_FIELDS.map((f) => `\${${f}}`).join(' '),
    });
  });

  it('binds a pattern naming its field, and prefixes alarm names and composite rules', () => {
    const slots = TGW_FIELDS.map((f) => f.replaceAll('-', '_')).map((c) =>
      c === 'packets_lost_blackhole' ? 'packets_lost_blackhole > 0' : c,
    );
    // No `action` field: no accepted/rejected traffic filters.
    s.template.resourceCountIs('AWS::Logs::MetricFilter', 1);
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterName: 'blackhole',
      FilterPattern: `[${slots.join(', ')}]`,
      MetricTransformations: [
        {
          MetricNamespace: 'FlowLogs',
          MetricName: 'BlackholeDrops',
          MetricValue: '$packets_lost_blackhole',
          Unit: 'Count',
        },
      ],
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'core-blackhole-drops',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    s.template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'core-tgw-trouble',
      AlarmRule: 'ALARM("core-blackhole-drops")',
    });
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('saves only the Logs Insights queries that need no VPC-only field', () => {
    const names = Object.values(s.template.findResources('AWS::Logs::QueryDefinition'))
      .map((r) => r.Properties.Name as string)
      .sort();
    expect(names).toEqual(
      [
        'external-destinations',
        'ipv6-traffic',
        'one-record-per-connection',
        'recent-egress',
        'skipdata-per-hour',
        'syn-scanners',
        'top-conversations',
        'top-destinations-from-subnet',
        'top-host-pairs',
        'top-ports',
        'top-talkers',
        'udp-sources',
      ].map((n) => `flowwatch/${n}`),
    );
    s.template.resourceCountIs('AWS::S3::Bucket', 0);
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('matches the snapshot', () => {
    expect(s.template.toJSON()).toMatchSnapshot();
  });
});

describe('network interfaces in the default format', () => {
  let s: Scenario<FlowLogMonitoring>;
  beforeAll(() => {
    s = synthScenario(
      (stack) =>
        new FlowLogMonitoring(stack, 'Enis', {
          target: FlowLogTarget.networkInterfaces(['eni-0a1b2c3d4e5f60718', 'eni-0f1e2d3c4b5a69788']),
          fields: 'default',
          trafficMetrics: { namespace: 'Lab/Flows' },
          insightsQueries: { folder: 'lab' },
          metricFilters: [
            {
              name: 'rejected-ssh',
              pattern: SSH_DEFAULT,
              metricNamespace: 'FlowLogs',
              metricName: 'RejectedSSH',
              metricValue: '1',
            },
          ],
        }),
    );
  });

  it('synthesises and passes the cdk-nag AwsSolutions pack', () => {
    expect(s.synthError).toBeUndefined();
    expect(s.nagViolations).toEqual([]);
  });

  it('creates one flow log per interface in the default format', () => {
    s.template.resourceCountIs('AWS::EC2::FlowLog', 2);
    for (const eni of ['eni-0a1b2c3d4e5f60718', 'eni-0f1e2d3c4b5a69788']) {
      s.template.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'NetworkInterface',
        ResourceId: eni,
        TrafficType: 'ALL',
        MaxAggregationInterval: 600,
        LogFormat:
          '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}',
        LogDestinationType: 'cloud-watch-logs',
      });
    }
  });

  it('deploys a default-format pattern as written and names the traffic filters by field', () => {
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterName: 'rejected-ssh',
      FilterPattern: SSH_DEFAULT,
    });
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterName: 'flowwatch-rejected-records',
      FilterPattern:
        '[version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action = REJECT, log_status]',
      MetricTransformations: [
        {
          MetricNamespace: 'Lab/Flows',
          MetricName: 'RejectedRecords',
          MetricValue: '1',
          DefaultValue: 0,
          Unit: 'Count',
        },
      ],
    });
  });

  it('saves the queries without a parse stage (CloudWatch discovers the default fields)', () => {
    const defs = Object.values(s.template.findResources('AWS::Logs::QueryDefinition')).map(
      (r) => r.Properties,
    );
    // Of the 22 library queries, four need flow-direction or tcp-flags.
    expect(defs).toHaveLength(18);
    const talkers = defs.find((d) => d.Name === 'lab/top-talkers');
    expect(talkers.QueryString).toBe(
      'stats sum(bytes) as bytesSent, sum(packets) as packetsSent, count(*) as flows by srcAddr | sort bytesSent desc | limit 20',
    );
  });

  it('matches the snapshot', () => {
    expect(s.template.toJSON()).toMatchSnapshot();
  });
});
