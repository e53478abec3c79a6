// S3 locations read through the AWS SDK v3: every object under a location's prefix is copied into a local
// cache folder (`<cache>/<bucket>/<key>`, re-downloaded only when its size or date changed), which DuckDB
// then reads like any local directory.

import { createWriteStream, mkdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SourceError } from '../core/errors.js';

export interface S3MirrorOptions {
  /** The local cache folder. */
  readonly cacheDir: string;
  readonly region?: string | undefined;
  /** Another S3 endpoint (e.g. `http://127.0.0.1:4568`); default: AWS's for the region (or AWS_ENDPOINT_URL_S3). */
  readonly endpoint?: string | undefined;
  readonly forcePathStyle?: boolean | undefined;
  /** Default: the SDK's provider chain (environment, profile, SSO, instance role...). */
  readonly credentials?: S3ClientConfig['credentials'];
}

/**
 * Copies S3 prefixes into a local cache.
 *
 * @example const m = new S3Mirror({ cacheDir: '.cache' }); await m.sync('s3://logs/AWSLogs/'); // files under .cache/logs/AWSLogs/
 */
export class S3Mirror {
  private clientOnce: S3Client | undefined;
  private readonly synced = new Set<string>();

  constructor(private readonly options: S3MirrorOptions) {}

  /** The S3 client, made on first use: tables over local folders never touch the SDK. */
  private get client(): S3Client {
    this.clientOnce ??= new S3Client({
      region: this.options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      endpoint: this.options.endpoint,
      forcePathStyle: this.options.forcePathStyle,
      credentials: this.options.credentials,
    });
    return this.clientOnce;
  }

  get cacheDir(): string {
    return this.options.cacheDir;
  }

  /** Downloads the objects under `location` (an `s3://bucket/prefix` URI) that the cache lacks; once per run. */
  async sync(location: string): Promise<void> {
    const m = /^s3[an]?:\/\/([^/]+)\/?(.*)$/i.exec(location);
    if (!m) return;
    const bucket = m[1]!;
    const prefix = m[2] === '' || m[2]!.endsWith('/') ? m[2]! : `${m[2]}/`;
    const key = `${bucket}/${prefix}`;
    if ([...this.synced].some((s) => key.startsWith(s))) return;
    const root = resolve(this.options.cacheDir, bucket);
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith('/')) continue;
          const local = resolve(root, o.Key);
          if (!local.startsWith(root + sep)) continue; // a key with `..` would leave the cache
          const when = o.LastModified ?? new Date(0);
          const have = statOf(local);
          if (have && have.size === o.Size && have.mtimeMs === when.getTime()) continue;
          const obj = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
          mkdirSync(dirname(local), { recursive: true });
          await pipeline(obj.Body as Readable, createWriteStream(local));
          utimesSync(local, when, when);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new SourceError(
        'ATHENA_S3_READ',
        location,
        `cannot be read from S3: ${msg}`,
        'check the AWS credentials, AWS_REGION and --s3-endpoint, or mirror the prefix and use --location-root',
      );
    }
    this.synced.add(key);
  }

  /** The cache folder of an `s3://bucket/key` location. */
  localPath(bucket: string, key: string): string {
    return join(this.options.cacheDir, bucket, key);
  }
}

function statOf(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const s = statSync(path);
    return { size: s.size, mtimeMs: Math.round(s.mtimeMs) };
  } catch {
    return undefined;
  }
}
