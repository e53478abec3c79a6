// Scenario "subnets to S3 (Parquet, Hive-compatible, hourly, SSE-KMS) and to a flowwatch monitor through
// Firehose", without CloudWatch Logs: default fields, Athena over the Parquet layout, the Firehose role.

import { Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlowLogMonitoring, FlowLogTarget } from '../src/index.js';
import { logicalId, type Scenario, synthScenario } from './synth.js';

// AWS's documented order of the v2–v5 fields (VPC flow log records, "Available fields").
const V2_TO_V5 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ' +
  '${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ' +
  '${region} ${az-id} ${sublocation-type} ${sublocation-id} ' +
  '${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:flowwatch/firehose-AbCdEf';

let s: Scenario<{ vpc: ec2.Vpc; m: FlowLogMonitoring }>;

beforeAll(() => {
  s = synthScenario((stack) => {
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PUBLIC }],
    });
    Validations.of(vpc).acknowledge({
      id: 'AwsSolutions-VPC7',
      reason: 'This scenario records its subnets rather than the whole VPC.',
    });
    const m = new FlowLogMonitoring(stack, 'Flows', {
      target: FlowLogTarget.subnets(vpc.publicSubnets),
      trafficType: ec2.FlowLogTrafficType.REJECT,
      cloudWatchLogs: false,
      s3: {
        fileFormat: 'parquet',
        hiveCompatiblePartitions: true,
        perHourPartition: true,
        encryption: 'KMS',
      },
      firehose: {
        endpointUrl: 'https://flowwatch.example.com/firehose',
        accessKey: secretsmanager.Secret.fromSecretCompleteArn(stack, 'AccessKey', SECRET),
      },
    });
    return { vpc, m };
  });
});

const account = { Ref: 'AWS::AccountId' };
const region = { Ref: 'AWS::Region' };
const partition = { Ref: 'AWS::Partition' };

describe('subnets to S3 (Parquet) and Firehose', () => {
  it('synthesises and passes the cdk-nag AwsSolutions pack', () => {
    expect(s.synthError).toBeUndefined();
    expect(s.nagViolations).toEqual([]);
  });

  it('creates one flow log per subnet and destination with every v2–v5 field', () => {
    const t = s.template;
    t.resourceCountIs('AWS::EC2::FlowLog', 4);
    const bucket = logicalId(s.stack, s.built.m.bucket);
    const stream = logicalId(s.stack, s.built.m.deliveryStream);
    for (const subnet of s.built.vpc.publicSubnets) {
      const subnetRef = { Ref: logicalId(s.stack, subnet.node.findChild('Subnet')) };
      t.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'Subnet',
        ResourceId: subnetRef,
        TrafficType: 'REJECT',
        MaxAggregationInterval: 600,
        LogFormat: V2_TO_V5,
        LogDestinationType: 's3',
        LogDestination: { 'Fn::GetAtt': [bucket, 'Arn'] },
        DestinationOptions: { FileFormat: 'parquet', HiveCompatiblePartitions: true, PerHourPartition: true },
      });
      t.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'Subnet',
        ResourceId: subnetRef,
        LogFormat: V2_TO_V5,
        LogDestinationType: 'kinesis-data-firehose',
        LogDestination: { 'Fn::GetAtt': [stream, 'Arn'] },
        DeliverLogsPermissionArn: Match.absent(),
      });
    }
  });

  it('creates nothing that needs CloudWatch Logs', () => {
    for (const type of [
      'AWS::Logs::MetricFilter',
      'AWS::Logs::QueryDefinition',
      'AWS::CloudWatch::Dashboard',
      'AWS::CloudWatch::Alarm',
      'AWS::SNS::Topic',
    ]) {
      s.template.resourceCountIs(type, 0);
    }
    expect(s.built.m.logGroup).toBeUndefined();
  });

  it('encrypts the bucket with a rotated key that log delivery may use, and scopes the Hive-style prefix', () => {
    const key = logicalId(s.stack, s.built.m.node.findChild('S3').node.findChild('Key'));
    const bucket = logicalId(s.stack, s.built.m.bucket);
    const sourceArn = { 'Fn::Join': ['', ['arn:', partition, ':logs:', region, ':', account, ':*']] };
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] },
            },
          },
        ],
      },
    });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowFlowLogDeliveryToUseTheKey',
            Effect: 'Allow',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: [
              'kms:Encrypt',
              'kms:Decrypt',
              'kms:ReEncrypt*',
              'kms:GenerateDataKey*',
              'kms:DescribeKey',
            ],
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:SourceAccount': account },
              ArnLike: { 'aws:SourceArn': sourceArn },
            },
          },
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AWSLogDeliveryWrite',
            Resource: {
              'Fn::Join': [
                '',
                [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/AWSLogs/aws-account-id=', account, '/*'],
              ],
            },
          }),
        ]),
      },
    });
  });

  it('reads Parquet through partition projection over the Hive-compatible hourly layout', () => {
    const bucket = { Ref: logicalId(s.stack, s.built.m.bucket) };
    const prefix = [
      's3://',
      bucket,
      '/AWSLogs/aws-account-id=',
      account,
      '/aws-service=vpcflowlogs/aws-region=',
      region,
    ];
    s.template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Name: 'flow_logs',
        PartitionKeys: [
          Match.objectLike({ Name: 'year' }),
          Match.objectLike({ Name: 'month' }),
          Match.objectLike({ Name: 'day' }),
          Match.objectLike({ Name: 'hour', Type: 'string' }),
        ],
        Parameters: Match.objectLike({
          classification: 'parquet',
          'projection.hour.type': 'integer',
          'projection.hour.range': '0,23',
          'projection.hour.digits': '2',
          'storage.location.template': {
            'Fn::Join': ['', [...prefix, '/year=${year}/month=${month}/day=${day}/hour=${hour}']],
          },
        }),
        StorageDescriptor: Match.objectLike({
          Location: { 'Fn::Join': ['', [...prefix, '/']] },
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: Match.objectLike({
            SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          }),
        }),
      },
    });
    const table = Object.values(s.template.findResources('AWS::Glue::Table'))[0]!;
    expect(table.Properties.TableInput.Parameters['skip.header.line.count']).toBeUndefined();
    const columns = table.Properties.TableInput.StorageDescriptor.Columns as { Name: string; Type: string }[];
    expect(columns).toHaveLength(29);
    expect(columns.slice(0, 3).map((c) => `${c.Name} ${c.Type}`)).toEqual([
      'version int',
      'account_id string',
      'interface_id string',
    ]);
    expect(columns.at(-1)).toMatchObject({ Name: 'traffic_path', Type: 'int' });
    s.template.resourceCountIs('AWS::Athena::NamedQuery', 6);
  });

  it('delivers to the monitor over HTTPS with the access key from Secrets Manager', () => {
    const role = logicalId(s.stack, s.built.m.node.findChild('Firehose').node.findChild('Role'));
    const bucket = logicalId(s.stack, s.built.m.bucket);
    s.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      Tags: [{ Key: 'LogDeliveryEnabled', Value: 'true' }],
      HttpEndpointDestinationConfiguration: Match.objectLike({
        EndpointConfiguration: { Url: 'https://flowwatch.example.com/firehose', Name: 'flowwatch monitor' },
        SecretsManagerConfiguration: {
          Enabled: true,
          SecretARN: SECRET,
          RoleARN: { 'Fn::GetAtt': [role, 'Arn'] },
        },
        RequestConfiguration: { ContentEncoding: 'GZIP' },
        S3BackupMode: 'FailedDataOnly',
        S3Configuration: Match.objectLike({
          BucketARN: { 'Fn::GetAtt': [bucket, 'Arn'] },
          Prefix: 'firehose-failed/',
        }),
      }),
    });
    s.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'firehose.amazonaws.com' },
            Condition: { StringEquals: { 'sts:ExternalId': account } },
          },
        ],
      },
    });
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'FailedBatches',
            Effect: 'Allow',
            Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/firehose-failed/*']] },
          },
          Match.objectLike({
            Sid: 'BackupBucketKey',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Condition: {
              StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', region, '.amazonaws.com']] } },
            },
          }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: SECRET,
          }),
        ]),
      },
    });
  });

  it('matches the snapshot', () => {
    expect(s.template.toJSON()).toMatchSnapshot();
  });
});
