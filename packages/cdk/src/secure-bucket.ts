// The settings every bucket of the construct shares: no public access, TLS only, encrypted, owner-enforced,
// server access logs to one access-log bucket.

import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Context key of the aws-cdk-lib feature flag that makes S3 access logging use a bucket policy, not an ACL. */
export const ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Options of {@link secureBucket}. */
export interface SecureBucketOptions {
  readonly removalPolicy: RemovalPolicy;
  /** Where server access logs go (`undefined`: none). */
  readonly accessLogs: s3.IBucket | undefined;
  /** Prefix of this bucket's access logs in the access-log bucket, e.g. `flow-logs/`. */
  readonly accessLogsPrefix: string;
  readonly encryptionKey?: kms.IKey | undefined;
  readonly lifecycleRules?: s3.LifecycleRule[] | undefined;
  readonly bucketName?: string | undefined;
}

/**
 * A private bucket: all public access blocked, `aws:SecureTransport` enforced, SSE-S3 (or SSE-KMS with a bucket
 * key when a key is given), ACLs disabled, access logs to `accessLogs`.
 *
 * @example secureBucket(this, 'Results', { removalPolicy, accessLogs, accessLogsPrefix: 'athena-results/' });
 */
export function secureBucket(scope: Construct, id: string, o: SecureBucketOptions): s3.Bucket {
  return new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: o.removalPolicy,
    ...(o.encryptionKey
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey: o.encryptionKey, bucketKeyEnabled: true }
      : { encryption: s3.BucketEncryption.S3_MANAGED }),
    ...(o.accessLogs
      ? { serverAccessLogsBucket: o.accessLogs, serverAccessLogsPrefix: o.accessLogsPrefix }
      : {}),
    ...(o.lifecycleRules ? { lifecycleRules: o.lifecycleRules } : {}),
    ...(o.bucketName !== undefined ? { bucketName: o.bucketName } : {}),
  });
}

/**
 * The bucket that receives the other buckets' server access logs (kept 90 days). S3 writes to it through a
 * bucket policy for `logging.s3.amazonaws.com` limited to the source buckets and this account.
 *
 * @example const logs = accessLogsBucket(this, 'AccessLogs', RemovalPolicy.RETAIN);
 */
export function accessLogsBucket(scope: Construct, id: string, removalPolicy: RemovalPolicy): s3.Bucket {
  // cdk-nag's S1 (access logging) accepts a bucket that is itself an access-log target: nothing to acknowledge.
  return secureBucket(scope, id, {
    removalPolicy,
    accessLogs: undefined,
    accessLogsPrefix: '',
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
  });
}
