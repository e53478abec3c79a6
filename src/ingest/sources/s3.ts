// A live source over an S3 bucket where VPC Flow Logs are delivered: lists new objects under a prefix,
// downloads each to a scratch file and hands it to the sink, keeping a small durable cursor in the checkpoint.
//
// Cursor (see S3Cursor): objects are handed over in LastModified order; `cut` says "every object in scope
// modified before this instant was handled" and `seen` lists the handled objects at or after it. An object
// that shows up late under an earlier key has a recent LastModified, so it is never taken for handled.

import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { KEY_LAG_SECONDS, parseKey, prunedByKey } from '../../records/s3-key.js';
import {
  describeError,
  type PollingOptions,
  PollingSource,
  type PollingStatus,
  responseDate,
} from './polling-source.js';
import type { Sink } from './source.js';

/** Options of {@link S3Source}. */
export interface S3SourceOptions extends PollingOptions {
  readonly bucket: string;
  /** Key prefix to watch ('' = the whole bucket); e.g. `flow/` or `flow/AWSLogs/111122223333/`. */
  readonly prefix: string;
  readonly region?: string | undefined;
  /** Another S3 endpoint (e.g. `http://127.0.0.1:4568`); default: AWS's endpoint for the region. */
  readonly endpoint?: string | undefined;
  readonly forcePathStyle?: boolean | undefined;
  /** Default: the SDK's default provider chain (environment, profile, SSO, instance role...). */
  readonly credentials?: S3ClientConfig['credentials'];
  /** Where objects are downloaded to before the sink takes them (created if missing). */
  readonly scratchDir: string;
  /** Unix seconds: objects (and whole directories) whose key time says they end before this are not read. */
  readonly since?: number | undefined;
  /** `${...}` format of header-less files; default: the file's header line, else the default format. */
  readonly format?: string | undefined;
  /**
   * How long after an object's LastModified it is surely listed (upload time and listing delay), in seconds;
   * default 900. Objects modified within this span before a listing stay in the cursor's `seen` list.
   */
  readonly overlapSeconds?: number | undefined;
  /**
   * How far (by key time) before the newest object of the last complete poll an object may still arrive,
   * in seconds; default 86,400. Days before that are skipped in the listing.
   */
  readonly lateSeconds?: number | undefined;
  /** MaxKeys of each ListObjectsV2 call (default: S3's 1,000). */
  readonly pageSize?: number | undefined;
  /** SDK attempts per request (default: the SDK's, 3). */
  readonly maxAttempts?: number | undefined;
}

/** {@link S3Source.status}: the common counters plus what the last complete listing saw. */
export interface S3SourceStatus extends PollingStatus {
  /** Objects downloaded and handed to the sink. */
  readonly objects: number;
  /** Keys under the prefix that are not flow log objects (by name), in the last listing. */
  readonly skipped: number;
  /** Keys and directories left out by `since` or the late-arrival horizon, in the last listing. */
  readonly pruned: number;
}

/** An object as listed: key, ETag without quotes, LastModified in ms. */
interface Listed {
  readonly key: string;
  readonly etag: string;
  readonly modified: number;
  readonly keyTime: number;
}

/** The durable cursor, stored as JSON in the sink's checkpoint. */
interface S3Cursor {
  readonly v: 1;
  readonly kind: 's3';
  readonly bucket: string;
  readonly prefix: string;
  /** The `since` it was made with: a smaller `since` later means older objects are wanted, so it is reset. */
  readonly since: number | null;
  /** Every object in scope with LastModified (ms, S3's clock) before this was handled. */
  readonly cut: number | null;
  /** Greatest key time (unix s) of the last complete poll: directories older than this − lateSeconds are not listed. */
  readonly newest: number | null;
  /** Handled objects with LastModified ≥ cut: [key, etag, LastModified ms]. */
  readonly seen: readonly (readonly [string, string, number])[];
}

const DEFAULT_OVERLAP_SECONDS = 900;
const DEFAULT_LATE_SECONDS = 86_400;

/**
 * Watches `s3://bucket/prefix` for VPC flow log objects and hands each new one to the sink as a `file` batch
 * (key `s3://bucket/key#etag`, origin `s3://bucket/key`), deleting the scratch copy once the sink answered.
 *
 * @example
 * const src = new S3Source({ name: 'vpc', bucket: 'my-logs', prefix: 'flow/', pollSeconds: 60, scratchDir: '/var/tmp/fw' }, sink);
 * await src.start(); // ... await src.stop();
 */
export class S3Source extends PollingSource {
  protected readonly kind = 's3';
  private readonly options: S3SourceOptions;
  private readonly client: S3Client;
  private cursor: S3Cursor | undefined;
  /** The `Date` of the latest S3 response (S3's clock), for the cursor's cut. */
  private serverDate: number | undefined;
  private objects = 0;
  private skipped = 0;
  private pruned = 0;
  private scratchSeq = 0;

  constructor(options: S3SourceOptions, sink: Sink) {
    super(options, sink);
    if (options.bucket.length < 3)
      throw new RangeError(`${options.name}: bucket name "${options.bucket}" is too short`);
    this.options = options;
    this.client = new S3Client({
      region: options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      maxAttempts: options.maxAttempts,
    });
    this.client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        this.serverDate = responseDate(out.response) ?? this.serverDate;
        return out;
      },
      { step: 'deserialize', name: 'flowwatchServerDate' },
    );
  }

  override status(): S3SourceStatus {
    return { ...super.status(), objects: this.objects, skipped: this.skipped, pruned: this.pruned };
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.client.destroy();
  }

  protected async poll(signal: AbortSignal): Promise<void> {
    const o = this.options;
    let cursor = this.cursor ?? (await this.loadCursor());
    this.cursor = cursor;
    await mkdir(o.scratchDir, { recursive: true });
    const overlapMs = (o.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS) * 1000;
    const late = o.lateSeconds ?? DEFAULT_LATE_SECONDS;
    const horizon = cursor.newest === null ? undefined : cursor.newest - late;
    const lower =
      o.since === undefined ? horizon : horizon === undefined ? o.since : Math.max(o.since, horizon);

    this.serverDate = undefined;
    const listing = await this.list(lower, signal);
    // The instant of the listing by S3's clock (the first response's Date, which is rounded down to the
    // second, less a second for the time S3 took to answer): every object modified before it − overlap was
    // visible to the whole listing.
    const listedAt = (listing.firstDate ?? Date.now()) - 1000;
    this.skipped = listing.skipped;
    this.pruned = listing.pruned;
    this.pollCounts = { listed: listing.objects.length, skipped: listing.skipped, pruned: listing.pruned };

    const seen = new Map(cursor.seen.map(([k, e]) => [k, e]));
    const todo = listing.objects
      .filter((x) => !(cursor.cut !== null && x.modified < cursor.cut) && seen.get(x.key) !== x.etag)
      .sort((a, b) => a.modified - b.modified || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.pollCounts['new'] = todo.length;

    for (const x of todo) {
      signal.throwIfAborted();
      cursor = handled(cursor, x, listedAt - overlapMs);
      const file = await this.download(x, signal);
      if (file === undefined) {
        // Deleted since it was listed: nothing to hand over, and it will not be listed again.
        this.cursor = cursor;
        continue;
      }
      try {
        await this.deliver(
          {
            kind: 'file',
            source: this.name,
            key: `s3://${o.bucket}/${x.key}#${file.etag}`,
            path: file.path,
            origin: `s3://${o.bucket}/${x.key}`,
            format: o.format,
            checkpoint: JSON.stringify(cursor),
          },
          0,
        );
      } finally {
        await rm(file.path, { force: true });
      }
      this.objects++;
      this.cursor = cursor;
    }
    // Everything listed was handled: the cut moves to the listing's instant − overlap, and the horizon to the
    // newest key time seen (never later than the listing itself, so one key named in the future cannot hide
    // the present). Made durable with the next batch (until then a restart just lists a little more).
    let newest = cursor.newest;
    for (const x of listing.objects) {
      const t = Math.min(x.keyTime, Math.floor(listedAt / 1000));
      newest = newest === null ? t : Math.max(newest, t);
    }
    this.cursor = complete(cursor, listedAt - overlapMs, newest);
  }

  /** The stored cursor, or a fresh one when there is none or it belongs to another bucket, prefix or `since`. */
  private async loadCursor(): Promise<S3Cursor> {
    const o = this.options;
    const fresh: S3Cursor = {
      v: 1,
      kind: 's3',
      bucket: o.bucket,
      prefix: o.prefix,
      since: o.since ?? null,
      cut: null,
      newest: null,
      seen: [],
    };
    const text = await this.sink.checkpoint(this.name);
    if (text === undefined) return fresh;
    let c: S3Cursor;
    try {
      c = JSON.parse(text) as S3Cursor;
      if (c.v !== 1 || c.kind !== 's3' || !Array.isArray(c.seen)) throw new Error('not an S3 cursor');
    } catch {
      this.emit({ type: 'reset', source: this.name, reason: 'the stored checkpoint is not an S3 cursor' });
      return fresh;
    }
    if (c.bucket !== o.bucket || c.prefix !== o.prefix) {
      this.emit({
        type: 'reset',
        source: this.name,
        reason: `the checkpoint is for s3://${c.bucket}/${c.prefix}`,
      });
      return fresh;
    }
    if (c.since !== null && (o.since === undefined || o.since < c.since)) {
      this.emit({
        type: 'reset',
        source: this.name,
        reason: 'since is earlier than when the checkpoint was made',
      });
      return fresh;
    }
    return { ...c, since: o.since ?? null };
  }

  /**
   * Lists the flow log objects under the prefix in key order. Within one account and Region AWS's keys sort
   * by date, so on meeting a key of a day that ends before `lower` the listing jumps (StartAfter) to the first
   * day still wanted: old days cost one request per account and Region, not one per page.
   */
  private async list(
    lower: number | undefined,
    signal: AbortSignal,
  ): Promise<{ objects: Listed[]; skipped: number; pruned: number; firstDate: number | undefined }> {
    const o = this.options;
    const objects: Listed[] = [];
    let skipped = 0;
    let pruned = 0;
    let firstDate: number | undefined;
    let startAfter: string | undefined;
    let token: string | undefined;
    for (;;) {
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({
          Bucket: o.bucket,
          Prefix: o.prefix,
          StartAfter: token === undefined ? startAfter : undefined,
          ContinuationToken: token,
          MaxKeys: o.pageSize,
        }),
        { abortSignal: signal },
      );
      firstDate ??= this.serverDate;
      let jump: string | undefined;
      for (const c of page.Contents ?? []) {
        if (c.Key === undefined) continue;
        const info = parseKey(c.Key);
        if (info.fileTime === undefined || c.Key.endsWith('/')) {
          skipped++;
          continue;
        }
        if (prunedByKey(c.Key, lower, undefined)) {
          pruned++;
          const to = lower === undefined ? undefined : firstDayKey(c.Key, lower);
          if (to !== undefined && to > c.Key) {
            jump = to;
            break;
          }
          continue;
        }
        objects.push({
          key: c.Key,
          etag: unquote(c.ETag ?? ''),
          modified: c.LastModified?.getTime() ?? 0,
          keyTime: info.fileTime,
        });
      }
      if (jump !== undefined) {
        startAfter = jump;
        token = undefined;
      } else if (page.IsTruncated && page.NextContinuationToken) {
        token = page.NextContinuationToken;
      } else {
        return { objects, skipped, pruned, firstDate };
      }
    }
  }

  /** Streams an object to a new scratch file; undefined when it no longer exists. */
  private async download(
    x: Listed,
    signal: AbortSignal,
  ): Promise<{ path: string; etag: string } | undefined> {
    const o = this.options;
    let res: GetObjectCommandOutput;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: o.bucket, Key: x.key }), {
        abortSignal: signal,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof Error && err.name === 'NoSuchKey') return undefined;
      throw new Error(`s3://${o.bucket}/${x.key}: ${describeError(err)}`, { cause: err });
    }
    const body = res.Body;
    if (!(body instanceof Readable))
      throw new Error(`s3://${o.bucket}/${x.key}: the response has no body stream`);
    const path = join(
      o.scratchDir,
      `${process.pid}-${++this.scratchSeq}-${basename(x.key).replace(/[^\w.-]/g, '_')}`,
    );
    try {
      await pipeline(body, createWriteStream(path), { signal });
      const size = (await stat(path)).size;
      if (res.ContentLength !== undefined && size !== res.ContentLength) {
        throw new Error(`s3://${o.bucket}/${x.key}: got ${size} of ${res.ContentLength} bytes`);
      }
    } catch (err) {
      body.destroy();
      await rm(path, { force: true });
      throw err;
    }
    return { path, etag: res.ETag ? unquote(res.ETag) : x.etag };
  }
}

/** Where the plain and Hive layouts put the day: `<base>YYYY/MM/DD/` or `<base>year=YYYY/month=MM/day=DD/`. */
const PLAIN_DAY = /^(.*\/vpcflowlogs\/[^/]+\/)\d{4}\/\d\d\/\d\d\//;
const HIVE_DAY = /^(.*\/aws-service=vpcflowlogs\/aws-region=[^/]+\/)year=\d{4}\/month=\d\d\/day=\d\d\//;

/**
 * The StartAfter that skips, within the account and Region of `key`, every day folder that `prunedByKey` would
 * leave out for `lower`: the folder of the day holding `lower − KEY_LAG_SECONDS` sorts right after it.
 * Undefined when the key is not in a dated layout.
 */
function firstDayKey(key: string, lower: number): string | undefined {
  const d = new Date((lower - KEY_LAG_SECONDS) * 1000);
  const [y, m, day] = [
    String(d.getUTCFullYear()).padStart(4, '0'),
    String(d.getUTCMonth() + 1).padStart(2, '0'),
    String(d.getUTCDate()).padStart(2, '0'),
  ];
  const plain = PLAIN_DAY.exec(key);
  if (plain) return `${plain[1]}${y}/${m}/${day}`;
  const hive = HIVE_DAY.exec(key);
  if (hive) return `${hive[1]}year=${y}/month=${m}/day=${day}`;
  return undefined;
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** The cursor after `x` (the next object in LastModified order) was handed over. */
function handled(c: S3Cursor, x: Listed, visibleBefore: number): S3Cursor {
  // Every object modified before x was handled (they come first) or, when modified after visibleBefore,
  // may have been invisible to the listing: so the cut moves to the smaller of the two.
  const cut = Math.max(c.cut ?? -Infinity, Math.min(x.modified, visibleBefore));
  const seen = c.seen.filter(([k, , m]) => k !== x.key && m >= cut);
  seen.push([x.key, x.etag, x.modified]);
  return { ...c, cut, seen };
}

/** The cursor after a poll handed over everything it listed. */
function complete(c: S3Cursor, visibleBefore: number, newest: number | null): S3Cursor {
  const cut = Math.max(c.cut ?? -Infinity, visibleBefore);
  return { ...c, cut, newest, seen: c.seen.filter(([, , m]) => m >= cut) };
}
