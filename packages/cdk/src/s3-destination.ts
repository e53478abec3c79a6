// The S3 destination: the flow log bucket (text or Parquet, Hive-compatible prefixes, hourly partitions,
// encryption, lifecycle to cheaper storage) with the log delivery bucket policy AWS documents.

import { Annotations, Aws, Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FlowLogMonitoringError } from './errors.js';
import { secureBucket } from './secure-bucket.js';

/**
 * A lifecycle transition of the flow log objects.
 *
 * @example const t: FlowLogTransition = { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, after: Duration.days(60) };
 */
export interface FlowLogTransition {
  readonly storageClass: s3.StorageClass;
  /** Age of the object. */
  readonly after: Duration;
}

/**
 * Options of the S3 destination.
 *
 * @example const s3opts: S3Options = { fileFormat: 'parquet', hiveCompatiblePartitions: true, perHourPartition: true };
 */
export interface S3Options {
  /** @default 'plain-text' */
  readonly fileFormat?: 'plain-text' | 'parquet';
  /** `aws-account-id=.../year=.../` key prefixes instead of plain ones. @default false */
  readonly hiveCompatiblePartitions?: boolean;
  /** One folder per hour instead of per day. @default false */
  readonly perHourPartition?: boolean;
  /** Folder in the bucket above `AWSLogs/` (it may not start with `AWSLogs`). @default - none */
  readonly keyPrefix?: string;
  /** `S3_MANAGED` (SSE-S3) or `KMS` (SSE-KMS with `encryptionKey`, or a new key with rotation). @default 'S3_MANAGED' */
  readonly encryption?: 'S3_MANAGED' | 'KMS';
  /** The SSE-KMS key (its policy must let `delivery.logs.amazonaws.com` use it). @default - a new key */
  readonly encryptionKey?: kms.IKey;
  /**
   * Lifecycle transitions. Glacier Flexible Retrieval and Deep Archive objects cannot be read by Athena.
   * @default - Standard-IA after 30 days, Glacier Instant Retrieval after 90 days
   */
  readonly transitions?: readonly FlowLogTransition[];
  /** Delete objects this old. @default - kept */
  readonly expiration?: Duration;
  /** @default - generated */
  readonly bucketName?: string;
}

/** Props of {@link S3Destination}. */
export interface S3DestinationProps extends S3Options {
  readonly removalPolicy: RemovalPolicy;
  readonly accessLogs: s3.IBucket | undefined;
}

/** The defaults: Standard-IA after 30 days, Glacier Instant Retrieval after 90 (both still readable by Athena). */
export const DEFAULT_TRANSITIONS: readonly FlowLogTransition[] = [
  { storageClass: s3.StorageClass.INFREQUENT_ACCESS, after: Duration.days(30) },
  { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, after: Duration.days(90) },
];

/** Normalises a key prefix (no leading or trailing `/`) and refuses the reserved `AWSLogs`. */
export function normalizePrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (/^AWSLogs(\/|$)/i.test(p)) {
    throw new FlowLogMonitoringError(
      'S3_PREFIX_RESERVED',
      `s3.keyPrefix: "${prefix}" starts with AWSLogs, which AWS reserves for the folders it writes`,
      'choose another folder name, e.g. flow-logs',
    );
  }
  return p;
}

/**
 * The flow log bucket and its delivery policy. The policy follows AWS's documentation for flow logs to S3:
 * `delivery.logs.amazonaws.com` may `s3:PutObject` under this account's `AWSLogs/` folder only, with
 * `bucket-owner-full-control`, and `s3:GetBucketAcl` / `s3:ListBucket` on the bucket, each only when
 * `aws:SourceAccount` is this account and `aws:SourceArn` a log delivery source of this account and Region.
 *
 * @example new S3Destination(this, 'S3', { removalPolicy: RemovalPolicy.RETAIN, accessLogs: undefined });
 */
export class S3Destination extends Construct {
  readonly bucket: s3.Bucket;
  /** The SSE-KMS key, when KMS encryption is on. */
  readonly encryptionKey: kms.IKey | undefined;
  /** Key prefix without slashes (`''` for none). */
  readonly prefix: string;
  readonly fileFormat: 'plain-text' | 'parquet';
  readonly hiveCompatiblePartitions: boolean;
  readonly perHourPartition: boolean;
  /** The flow log's LogDestination: the bucket ARN, with the prefix folder. */
  readonly logDestinationArn: string;

  constructor(scope: Construct, id: string, props: S3DestinationProps) {
    super(scope, id);
    this.prefix = normalizePrefix(props.keyPrefix);
    this.fileFormat = props.fileFormat ?? 'plain-text';
    this.hiveCompatiblePartitions = props.hiveCompatiblePartitions ?? false;
    this.perHourPartition = props.perHourPartition ?? false;
    const transitions = props.transitions ?? DEFAULT_TRANSITIONS;
    for (const t of transitions) {
      const ia =
        t.storageClass === s3.StorageClass.INFREQUENT_ACCESS ||
        t.storageClass === s3.StorageClass.ONE_ZONE_INFREQUENT_ACCESS;
      if (ia && !Token.isUnresolved(t.after.toDays()) && t.after.toDays() < 30) {
        throw new FlowLogMonitoringError(
          'S3_BAD_TRANSITION',
          `s3.transitions: ${t.storageClass} after ${t.after.toDays()} days; S3 moves objects to an infrequent-access class after 30 days at the earliest`,
        );
      }
    }
    const sourceConditions = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'logs', resource: '*' }) },
    };
    if (props.encryption === 'KMS' || props.encryptionKey) {
      this.encryptionKey =
        props.encryptionKey ??
        new kms.Key(this, 'Key', {
          description: 'Encrypts VPC flow log files',
          enableKeyRotation: true,
          removalPolicy: props.removalPolicy,
        });
      const added = this.encryptionKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowFlowLogDeliveryToUseTheKey',
          principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:DescribeKey',
          ],
          resources: ['*'],
          conditions: sourceConditions,
        }),
        true,
      );
      if (!added.statementAdded) {
        Annotations.of(this).addWarningV2(
          '@flowwatch/cdk:kmsPolicyNotAdded',
          'The key policy of the imported key cannot be changed here: let delivery.logs.amazonaws.com use it (kms:GenerateDataKey*, kms:Decrypt).',
        );
      }
    } else {
      this.encryptionKey = undefined;
    }
    this.bucket = secureBucket(this, 'Bucket', {
      removalPolicy: props.removalPolicy,
      accessLogs: props.accessLogs,
      accessLogsPrefix: 'flow-logs/',
      encryptionKey: this.encryptionKey,
      bucketName: props.bucketName,
      lifecycleRules: [
        {
          id: 'flow-log-storage-classes',
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          transitions: transitions.map((t) => ({ storageClass: t.storageClass, transitionAfter: t.after })),
          ...(props.expiration ? { expiration: props.expiration } : {}),
        },
      ],
    });
    const folder = this.prefix === '' ? '' : `${this.prefix}/`;
    const accountFolder = this.hiveCompatiblePartitions
      ? `AWSLogs/aws-account-id=${Aws.ACCOUNT_ID}/*`
      : `AWSLogs/${Aws.ACCOUNT_ID}/*`;
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSLogDeliveryWrite',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${folder}${accountFolder}`)],
        conditions: {
          StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: sourceConditions.ArnLike,
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSLogDeliveryAclCheck',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:GetBucketAcl', 's3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: sourceConditions,
      }),
    );
    this.logDestinationArn =
      this.prefix === '' ? this.bucket.bucketArn : `${this.bucket.bucketArn}/${folder}`;
  }
}
