// The Firehose destination: a delivery stream that posts flow log records to a flowwatch monitor's
// `/firehose` HTTP endpoint (access key from Secrets Manager), failed batches kept in S3.

import { Aws, Duration, Names, type RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { FlowLogMonitoringError } from './errors.js';
import { secureBucket } from './secure-bucket.js';

/**
 * Options of the Firehose destination.
 *
 * @example
 * const fh: FirehoseOptions = { endpointUrl: 'https://flowwatch.example.com/firehose',
 *   accessKey: secretsmanager.Secret.fromSecretNameV2(this, 'Key', 'flowwatch/firehose') };
 */
export interface FirehoseOptions {
  /** The monitor's Firehose endpoint, e.g. `https://flowwatch.example.com/firehose` (HTTPS: Firehose requires it). */
  readonly endpointUrl: string;
  /**
   * The secret holding the access key as `{"api_key": "..."}`; Firehose sends it in `X-Amz-Firehose-Access-Key`
   * and the monitor compares it with the variable named by the source's `accessKeyEnv`.
   */
  readonly accessKey: secretsmanager.ISecret;
  /** @default - derived from the construct path */
  readonly deliveryStreamName?: string;
  /** Flush after this long. @default Duration.seconds(60) */
  readonly bufferingInterval?: Duration;
  /** Flush after this many MiB. @default 1 */
  readonly bufferingSizeMiB?: number;
  /** Retry a refused batch for this long, then keep it in S3. @default Duration.minutes(5) */
  readonly retryDuration?: Duration;
}

/** Props of {@link FirehoseDestination}. */
export interface FirehoseDestinationProps extends FirehoseOptions {
  readonly removalPolicy: RemovalPolicy;
  /** Bucket for failed batches (under `firehose-failed/`); a new one when undefined. */
  readonly backupBucket: s3.IBucket | undefined;
  readonly accessLogs: s3.IBucket | undefined;
}

/** Folder of the batches the endpoint did not accept. */
export const FAILED_PREFIX = 'firehose-failed/';

/**
 * The delivery stream (DirectPut, server-side encrypted, tagged `LogDeliveryEnabled` so that VPC Flow Logs may
 * deliver to it) and its role. The role trusts `firehose.amazonaws.com` only with this account as external ID,
 * reads only the access-key secret, writes only `firehose-failed/` of the backup bucket and its own error log.
 *
 * @example new FirehoseDestination(this, 'Firehose', { endpointUrl, accessKey, removalPolicy, backupBucket: undefined, accessLogs: undefined });
 */
export class FirehoseDestination extends Construct {
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly deliveryStreamArn: string;
  readonly role: iam.Role;
  readonly backupBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: FirehoseDestinationProps) {
    super(scope, id);
    const url = props.endpointUrl;
    if (!Token.isUnresolved(url)) {
      let ok = false;
      try {
        ok = new URL(url).protocol === 'https:';
      } catch {
        ok = false;
      }
      if (!ok) {
        throw new FlowLogMonitoringError(
          'FIREHOSE_URL',
          `firehose.endpointUrl: "${url}" is not an https:// URL`,
          'Firehose posts to HTTPS endpoints only, e.g. https://flowwatch.example.com/firehose',
        );
      }
    }
    const stack = Stack.of(this);
    const name =
      props.deliveryStreamName ?? Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    this.backupBucket =
      props.backupBucket ??
      secureBucket(this, 'BackupBucket', {
        removalPolicy: props.removalPolicy,
        accessLogs: props.accessLogs,
        accessLogsPrefix: 'firehose-backup/',
        lifecycleRules: [{ id: 'expire-failed-batches', expiration: Duration.days(30) }],
      });
    const errors = new logs.LogGroup(this, 'ErrorLog', {
      logGroupName: `/aws/kinesisfirehose/${name}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    const destinationStream = new logs.LogStream(this, 'DestinationErrors', {
      logGroup: errors,
      logStreamName: 'DestinationDelivery',
      removalPolicy: props.removalPolicy,
    });
    new logs.LogStream(this, 'BackupErrors', {
      logGroup: errors,
      logStreamName: 'BackupDelivery',
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      description: 'Lets one Firehose stream read its endpoint access key and keep failed batches',
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Aws.ACCOUNT_ID } },
      }),
    });
    const policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'BackupBucket',
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [this.backupBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'FailedBatches',
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: [this.backupBucket.arnForObjects(`${FAILED_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'ErrorLog',
          actions: ['logs:PutLogEvents'],
          resources: [errors.logGroupArn],
        }),
      ],
    });
    policy.attachToRole(this.role);
    props.accessKey.grantRead(this.role);
    const key = this.backupBucket.encryptionKey;
    if (key) {
      policy.addStatements(
        new iam.PolicyStatement({
          sid: 'BackupBucketKey',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [key.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` },
          },
        }),
      );
    }
    // The backup bucket is always one of this construct's buckets, so its logical ID names it in the finding.
    const bucketId = stack.getLogicalId(this.backupBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${FAILED_PREFIX}*]`,
      reason:
        'Firehose names the objects of failed batches itself; object permissions are limited to the firehose-failed/ folder.',
    });
    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'Stream', {
      deliveryStreamName: name,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      httpEndpointDestinationConfiguration: {
        endpointConfiguration: { url, name: 'flowwatch monitor' },
        secretsManagerConfiguration: {
          enabled: true,
          secretArn: props.accessKey.secretArn,
          roleArn: this.role.roleArn,
        },
        requestConfiguration: { contentEncoding: 'GZIP' },
        bufferingHints: {
          intervalInSeconds: (props.bufferingInterval ?? Duration.seconds(60)).toSeconds(),
          sizeInMBs: props.bufferingSizeMiB ?? 1,
        },
        retryOptions: { durationInSeconds: (props.retryDuration ?? Duration.minutes(5)).toSeconds() },
        roleArn: this.role.roleArn,
        s3BackupMode: 'FailedDataOnly',
        s3Configuration: {
          bucketArn: this.backupBucket.bucketArn,
          roleArn: this.role.roleArn,
          prefix: FAILED_PREFIX,
          errorOutputPrefix: `${FAILED_PREFIX}errors/`,
          compressionFormat: 'GZIP',
          cloudWatchLoggingOptions: {
            enabled: true,
            logGroupName: errors.logGroupName,
            logStreamName: 'BackupDelivery',
          },
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: errors.logGroupName,
          logStreamName: destinationStream.logStreamName,
        },
      },
      tags: [{ key: 'LogDeliveryEnabled', value: 'true' }],
    });
    this.deliveryStream.node.addDependency(policy);
    this.deliveryStream.node.addDependency(this.role);
    this.deliveryStreamArn = this.deliveryStream.attrArn;
  }
}
