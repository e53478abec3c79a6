// What every live source hands to the monitor: batches of flow log lines or whole files, each with an
// idempotency key and the source's cursor, which the sink commits in the same transaction as the records.

import type { BoundSql } from '../../storage/store.js';

/** The time an event carried with a line: unix milliseconds and what it is. */
export interface LineTime {
  readonly ms: number;
  readonly source: 'cwl-event' | 'firehose';
}

/** A batch of flow log records from a source. */
export type Batch =
  | {
      readonly kind: 'lines';
      /** The configured source name (e.g. "firehose", "vpc-bucket"). */
      readonly source: string;
      /**
       * Idempotency key, unique within the source: a batch whose key was already committed is acknowledged
       * without being stored again (e.g. the Firehose requestId, or a CloudWatch Logs event id range).
       */
      readonly key: string;
      /** Where it came from, for `files.path` and messages (e.g. `firehose://<requestId>`). */
      readonly origin: string;
      /** Flow log records, one per element, without line ends (no header line). */
      readonly lines: readonly string[];
      /**
       * Per element of `lines`, the time its event carried, if any (the CloudWatch Logs event timestamp, the
       * Firehose request timestamp): the records' event time comes from it (src/records/event-time.ts).
       */
      readonly times?: readonly (LineTime | undefined)[] | undefined;
      /** The `${...}` format of the lines; undefined = the default format. */
      readonly format?: string | undefined;
      /** The source's resume point after this batch (opaque to the sink), stored atomically with it. */
      readonly checkpoint?: string | undefined;
      /**
       * The key was made for this batch alone (PutLogEvents: a random UUID), so no stored batch can have it: the
       * sink skips the look-ups of earlier copies (the primary key on (source, key) still refuses a second one).
       */
      readonly fresh?: boolean | undefined;
      /**
       * Statements stored in the batch's own transaction, with its records (PutLogEvents: the block of its event
       * text, so that text and records are committed together or not at all). Written by src/storage only.
       */
      readonly also?: readonly BoundSql[] | undefined;
    }
  | {
      readonly kind: 'file';
      readonly source: string;
      readonly key: string;
      /** A local file (text, gzip or Parquet; S3 layout key names are understood) to ingest as a whole. */
      readonly path: string;
      /** The name to record for it (e.g. `s3://bucket/key`); default: the path. */
      readonly origin?: string | undefined;
      readonly format?: string | undefined;
      readonly checkpoint?: string | undefined;
    };

/** The monitor's side: stores batches durably (records, metric datapoints, key and checkpoint in one transaction). */
export interface Sink {
  /**
   * Resolves once the batch is durably stored ('stored') or was already stored under its key ('duplicate').
   * Rejects when the store cannot take it (the source should retry later, and not advance its cursor).
   */
  write(batch: Batch): Promise<'stored' | 'duplicate'>;
  /** The last checkpoint committed for a source, or undefined before its first batch. */
  checkpoint(source: string): Promise<string | undefined>;
}

/** A running source: started by the monitor, stopped on shutdown (finishing or abandoning work in flight). */
export interface Source {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Counters for /metrics and the dashboard. */
  status(): SourceStatus;
}

export interface SourceStatus {
  readonly name: string;
  readonly kind: string;
  readonly batches: number;
  readonly records: number;
  readonly errors: number;
  readonly lastError?: string | undefined;
  /** Unix ms of the last error. */
  readonly lastErrorAt?: number | undefined;
  /** Unix ms of the last batch stored. */
  readonly lastBatchAt?: number | undefined;
}
