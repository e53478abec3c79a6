// Scenario "VPC to CloudWatch Logs and S3 (text)": a custom 14-field format in its own order, metric filters,
// alarms, a composite and a topic from a flowwatch.yaml, Athena, saved queries and the dashboard.

import { fileURLToPath } from 'node:url';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlowLogMonitoring, FlowLogTarget } from '../src/index.js';
import { logicalId, type Scenario, synthScenario } from './synth.js';

const CONFIG = fileURLToPath(new URL('./fixtures/flowwatch.yaml', import.meta.url));

// The fields in the order chosen, named the three ways the catalog accepts (AWS, Insights, column).
const FIELDS = [
  'srcaddr',
  'dstaddr',
  'srcPort',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log_status',
  'interface-id',
  'flow-direction',
  'tcp-flags',
];

const FORMAT =
  '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${interface-id} ${flow-direction} ${tcp-flags}';

let s: Scenario<{ vpc: ec2.Vpc; m: FlowLogMonitoring }>;

beforeAll(() => {
  s = synthScenario((stack) => {
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 1,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
    });
    const m = new FlowLogMonitoring(stack, 'Flows', {
      target: FlowLogTarget.vpc(vpc),
      aggregationInterval: 60,
      fields: FIELDS,
      cloudWatchLogs: { retention: logs.RetentionDays.THREE_MONTHS },
      s3: { keyPrefix: '/flow-logs/' },
      configFile: CONFIG,
      athena: { databaseName: 'network', tableName: 'vpc_flow_logs', workGroupName: 'flowwatch' },
      dashboard: { dashboardName: 'flowwatch-vpc' },
    });
    return { vpc, m };
  });
});

const account = { Ref: 'AWS::AccountId' };
const region = { Ref: 'AWS::Region' };
const partition = { Ref: 'AWS::Partition' };

describe('VPC to CloudWatch Logs and S3', () => {
  it('synthesises and passes the cdk-nag AwsSolutions pack', () => {
    expect(s.synthError).toBeUndefined();
    expect(s.nagViolations).toEqual([]);
  });

  it('creates one flow log per destination with the catalog format', () => {
    const t = s.template;
    t.resourceCountIs('AWS::EC2::FlowLog', 2);
    const vpcRef = { Ref: logicalId(s.stack, s.built.vpc) };
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      ResourceId: vpcRef,
      TrafficType: 'ALL',
      MaxAggregationInterval: 60,
      LogFormat: FORMAT,
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: logicalId(s.stack, s.built.m.logGroup) },
      DeliverLogsPermissionArn: { 'Fn::GetAtt': [logicalId(s.stack, s.built.m.deliveryRole), 'Arn'] },
    });
    const bucket = logicalId(s.stack, s.built.m.bucket);
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      LogFormat: FORMAT,
      LogDestinationType: 's3',
      LogDestination: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/flow-logs/']] },
      DestinationOptions: {
        FileFormat: 'plain-text',
        HiveCompatiblePartitions: false,
        PerHourPartition: false,
      },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('limits the delivery role: trust by account and flow log ARN, writes to the one log group', () => {
    const t = s.template;
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': account },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:', partition, ':ec2:', region, ':', account, ':vpc-flow-log/*']],
                },
              },
            },
          },
        ],
      },
    });
    const group = logicalId(s.stack, s.built.m.logGroup);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(s.stack, s.built.m.deliveryRole) }],
      PolicyDocument: {
        Statement: [
          {
            Sid: 'WriteFlowLogRecords',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            Resource: { 'Fn::GetAtt': [group, 'Arn'] },
          },
          {
            Sid: 'FindTheLogGroup',
            Effect: 'Allow',
            Action: 'logs:DescribeLogGroups',
            Resource: {
              'Fn::Join': ['', ['arn:', partition, ':logs:', region, ':', account, ':log-group:*']],
            },
          },
        ],
      },
    });
  });

  it('writes the log delivery bucket policy AWS documents, under the prefix and this account only', () => {
    const bucket = logicalId(s.stack, s.built.m.bucket);
    const sourceArn = { 'Fn::Join': ['', ['arn:', partition, ':logs:', region, ':', account, ':*']] };
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AWSLogDeliveryWrite',
            Effect: 'Allow',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/flow-logs/AWSLogs/', account, '/*']],
            },
            Condition: {
              StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': account },
              ArnLike: { 'aws:SourceArn': sourceArn },
            },
          },
          {
            Sid: 'AWSLogDeliveryAclCheck',
            Effect: 'Allow',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: ['s3:GetBucketAcl', 's3:ListBucket'],
            Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
            Condition: {
              StringEquals: { 'aws:SourceAccount': account },
              ArnLike: { 'aws:SourceArn': sourceArn },
            },
          },
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'flow-logs/' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
            ],
          }),
        ],
      },
    });
  });

  it('rewrites every [...] pattern to the format, keeping names and conditions', () => {
    const expected: Record<string, string> = {
      // Default-format positions: eni→interface-id, source→srcaddr, ..., flowlogstatus→log-status; version and
      // account have no field here and test nothing, so they go; flow-direction and tcp-flags get column names.
      'rejected-ssh':
        '[source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus, eni, flow_direction, tcp_flags]',
      // After "...", the five slots are the last five default fields: bytes, start, end, action, log-status.
      'rejected-bytes':
        '[srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action = REJECT, status, interface_id, flow_direction, tcp_flags]',
      // Three slots cannot be the 14 default fields, and they are field names: bound by name.
      'inbound-https':
        '[srcaddr, dstaddr, srcport, dstport = 443, protocol, packets, bytes, start, end, action, log_status, interface_id, flow_direction = ingress, tcp_flags]',
      nodata: 'NODATA',
      'flowwatch-accepted-records':
        '[srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action = ACCEPT, log_status, interface_id, flow_direction, tcp_flags]',
      'flowwatch-rejected-records':
        '[srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action = REJECT, log_status, interface_id, flow_direction, tcp_flags]',
    };
    const group = { Ref: logicalId(s.stack, s.built.m.logGroup) };
    s.template.resourceCountIs('AWS::Logs::MetricFilter', 6);
    for (const [name, pattern] of Object.entries(expected)) {
      s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterName: name,
        FilterPattern: pattern,
        LogGroupName: group,
      });
    }
    expect(s.built.m.filterPatterns.get('rejected-ssh')?.mode).toBe('positions');
    expect(s.built.m.filterPatterns.get('inbound-https')?.mode).toBe('names');
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterName: 'rejected-bytes',
      MetricTransformations: [
        { MetricNamespace: 'FlowLogs', MetricName: 'RejectedBytes', MetricValue: '$bytes', Unit: 'Bytes' },
      ],
    });
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterName: 'inbound-https',
      MetricTransformations: [
        {
          MetricNamespace: 'FlowLogs',
          MetricName: 'InboundHTTPS',
          MetricValue: '1',
          Dimensions: [{ Key: 'Source', Value: '$srcaddr' }],
        },
      ],
    });
  });

  it('creates the alarms with their settings and topic actions', () => {
    const topic = { Ref: logicalId(s.stack, s.built.m.topics.get('netops')) };
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rejected-ssh',
      AlarmDescription: 'SSH attempts rejected by a security group or network ACL.',
      Namespace: 'FlowLogs',
      MetricName: 'RejectedSSH',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rejected-bytes',
      ExtendedStatistic: 'p99',
      Statistic: Match.absent(),
      EvaluateLowSampleCountPercentile: 'ignore',
      Period: 300,
      Threshold: 1000000,
      ComparisonOperator: 'GreaterThanThreshold',
      // An SNS ARN ending in the topic name is that topic.
      AlarmActions: [topic],
    });
    const composite = s.template.findResources('AWS::CloudWatch::CompositeAlarm');
    expect(Object.values(composite)).toHaveLength(1);
    const c = Object.values(composite)[0]!;
    expect(c.Properties).toEqual({
      AlarmName: 'probing',
      AlarmRule: 'ALARM("rejected-ssh") AND ALARM("rejected-bytes")',
      AlarmActions: [topic],
    });
    const alarmIds = Object.keys(s.template.findResources('AWS::CloudWatch::Alarm'));
    expect([...c.DependsOn].sort()).toEqual(alarmIds.sort());
  });

  it('maps the topic: encrypted, email and HTTPS subscriptions, stdout only warned about', () => {
    const t = s.template;
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.resourceCountIs('AWS::SNS::Subscription', 3);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'netops@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/flowwatch',
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
          },
        ]),
      },
    });
    Annotations.fromStack(s.stack).hasWarning('*', Match.stringLikeRegexp('stdout subscription'));
  });

  it('creates the Glue table: columns in format order, text SerDe, projection over the plain daily layout', () => {
    const bucket = { Ref: logicalId(s.stack, s.built.m.bucket) };
    s.template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'network' } });
    s.template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'network',
      TableInput: {
        Name: 'vpc_flow_logs',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [
          Match.objectLike({ Name: 'year', Type: 'string' }),
          Match.objectLike({ Name: 'month', Type: 'string' }),
          Match.objectLike({ Name: 'day', Type: 'string' }),
        ],
        Parameters: {
          EXTERNAL: 'TRUE',
          classification: 'csv',
          'skip.header.line.count': '1',
          'projection.enabled': 'true',
          'projection.year.type': 'date',
          'projection.year.format': 'yyyy',
          'projection.year.range': '2024,NOW',
          'projection.year.interval': '1',
          'projection.year.interval.unit': 'YEARS',
          'projection.month.type': 'integer',
          'projection.month.range': '1,12',
          'projection.month.digits': '2',
          'projection.day.type': 'integer',
          'projection.day.range': '1,31',
          'projection.day.digits': '2',
          'storage.location.template': {
            'Fn::Join': [
              '',
              [
                's3://',
                bucket,
                '/flow-logs/AWSLogs/',
                account,
                '/vpcflowlogs/',
                region,
                '/${year}/${month}/${day}',
              ],
            ],
          },
        },
        StorageDescriptor: {
          Location: {
            'Fn::Join': ['', ['s3://', bucket, '/flow-logs/AWSLogs/', account, '/vpcflowlogs/', region, '/']],
          },
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          SerdeInfo: {
            SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            Parameters: { 'field.delim': ' ', 'serialization.format': ' ' },
          },
        },
      },
    });
    const table = Object.values(s.template.findResources('AWS::Glue::Table'))[0]!;
    const columns = table.Properties.TableInput.StorageDescriptor.Columns as { Name: string; Type: string }[];
    expect(columns.map((c) => `${c.Name} ${c.Type}`)).toEqual([
      'srcaddr string',
      'dstaddr string',
      'srcport int',
      'dstport int',
      'protocol int',
      'packets bigint',
      'bytes bigint',
      'start bigint',
      'end bigint',
      'action string',
      'log_status string',
      'interface_id string',
      'flow_direction string',
      'tcp_flags int',
    ]);
  });

  it('creates the workgroup with an encrypted result location and the named queries', () => {
    const results = logicalId(s.stack, s.built.m.athena?.resultsBucket);
    s.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'flowwatch',
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: results }, '/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
    const queries = Object.values(s.template.findResources('AWS::Athena::NamedQuery')).map(
      (r) => r.Properties,
    );
    expect(queries.map((q) => q.Name).sort()).toEqual([
      'denied-icmp',
      'flows-per-hour',
      'rejected-by-source',
      'ssh-rdp-attempts',
      'top-conversations',
      'top-talkers',
    ]);
    for (const q of queries) {
      expect(q.Database).toBe('network');
      expect(q.WorkGroup).toEqual({ Ref: logicalId(s.stack, s.built.m.athena?.workGroup) });
      expect(q.QueryString).toContain('FROM "network"."vpc_flow_logs"');
      expect(q.QueryString).toContain("year = date_format(current_date, '%Y')");
    }
    const ssh = queries.find((q) => q.Name === 'ssh-rdp-attempts');
    expect(ssh.QueryString).toContain('AND protocol = 6 AND dstport IN (22, 3389)');
  });

  it('saves the Logs Insights queries the format can answer, with a parse stage naming its fields', () => {
    const defs = Object.values(s.template.findResources('AWS::Logs::QueryDefinition')).map(
      (r) => r.Properties,
    );
    // recent-egress also reads accountId, which this format lacks; every other library query fits.
    expect(defs).toHaveLength(21);
    expect(defs.map((d) => d.Name)).not.toContain('flowwatch/recent-egress');
    const talkers = defs.find((d) => d.Name === 'flowwatch/top-talkers');
    expect(talkers.QueryString).toBe(
      'parse @message "* * * * * * * * * * * * * *" as srcAddr, dstAddr, srcPort, dstPort, protocol, packets, bytes, startTime, endTime, action, logStatus, interfaceId, flowDirection, tcpFlags\n' +
        // The format has flow-direction: the deduplicated form (egress to private addresses left to the receiver).
        '| filter not ispresent(flowDirection) or flowDirection = "ingress" or action = "REJECT" or not (isIpv4InSubnet(dstAddr, "10.0.0.0/8") or isIpv4InSubnet(dstAddr, "172.16.0.0/12") or isIpv4InSubnet(dstAddr, "192.168.0.0/16") or isIpv4InSubnet(dstAddr, "100.64.0.0/10"))' +
        ' | stats sum(bytes) as bytesSent, sum(packets) as packetsSent, count(*) as flows by srcAddr | sort bytesSent desc | limit 20',
    );
    expect(talkers.LogGroupNames).toEqual([{ Ref: logicalId(s.stack, s.built.m.logGroup) }]);
  });

  it('creates the dashboard: traffic, metric filters, alarms and top-N tables', () => {
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    s.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'flowwatch-vpc' });
    const body = JSON.stringify(Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const text of [
      'Accepted and rejected records',
      'AcceptedRecords',
      'RejectedRecords',
      'RejectedSSH',
      '\\"type\\":\\"alarm\\"',
      '\\"type\\":\\"log\\"',
      'Top 20 sources by bytes sent',
      'Top 20 source addresses with the most rejected requests',
    ]) {
      expect(body).toContain(text);
    }
    // InboundHTTPS has a dimension: a graph without it would show nothing.
    expect(body).not.toContain('InboundHTTPS');
  });

  it('matches the snapshot', () => {
    expect(s.template.toJSON()).toMatchSnapshot();
  });
});
