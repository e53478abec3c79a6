// Uploads a local folder tree to `s3://bucket/prefix/` with one PutObject per file.

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { UsageError } from '../core/errors.js';

/** Where an `s3://bucket/prefix` destination points. */
export interface S3Location {
  readonly bucket: string;
  /** '' or a prefix ending with '/'. */
  readonly prefix: string;
}

/** Parses `s3://bucket[/prefix]`; undefined for anything else. */
export function parseS3Uri(uri: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!m) return undefined;
  const bucket = m[1]!;
  if (bucket.length < 3) throw new UsageError('BAD_S3_URI', `bucket name "${bucket}" in ${uri} is too short`);
  const p = m[2]!;
  return { bucket, prefix: p === '' || p.endsWith('/') ? p : `${p}/` };
}

/** SDK settings for the upload (endpoint and credentials come from the environment when omitted). */
export interface S3UploadOptions {
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly forcePathStyle?: boolean | undefined;
  readonly credentials?: S3ClientConfig['credentials'];
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

/**
 * Uploads every file under `dir` to `location`, keyed by its path relative to `dir`; returns the keys.
 *
 * @example await uploadTree('/tmp/out', parseS3Uri('s3://logs/flow/')!, {}) // ['flow/AWSLogs/...']
 */
export async function uploadTree(
  dir: string,
  location: S3Location,
  opts: S3UploadOptions,
): Promise<string[]> {
  const client = new S3Client({
    region: opts.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
    endpoint: opts.endpoint ?? process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL'],
    forcePathStyle: opts.forcePathStyle,
    credentials: opts.credentials,
    // Plain (not aws-chunked) streamed bodies: what every S3-compatible server understands.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const keys: string[] = [];
  try {
    for await (const file of walk(dir)) {
      const key = location.prefix + relative(dir, file).split(sep).join('/');
      const { size } = await stat(file);
      await client.send(
        new PutObjectCommand({
          Bucket: location.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: size,
        }),
      );
      keys.push(key);
    }
  } finally {
    client.destroy();
  }
  return keys.sort();
}
