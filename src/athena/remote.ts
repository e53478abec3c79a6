// Runs one SQL statement on Amazon Athena: start, poll with exponential backoff, page the results, report
// bytes scanned and cost, and stop the query when the caller aborts (Ctrl-C).

import {
  AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { UserError } from '../core/errors.js';

/** Athena's price: $5 per TB (2^40 bytes) scanned, each query billed at least 10 MB, rounded up to a MB. */
export const USD_PER_TB = 5;
const MB = 1024 * 1024;
const TB = 1024 ** 4;

export interface RemoteOptions {
  readonly workgroup?: string | undefined;
  readonly database?: string | undefined;
  readonly outputLocation?: string | undefined;
  /** Stops the query (StopQueryExecution) and rejects with ATHENA_CANCELLED. */
  readonly signal?: AbortSignal | undefined;
  /** Row cap; the rest is not fetched (default 10 000). */
  readonly maxRows?: number;
  /** Page size of GetQueryResults (Athena allows at most 1000). */
  readonly pageSize?: number;
  /** First poll delay and its cap, ms (default 100 and 5000; doubles each poll). */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RemoteStatistics {
  readonly dataScannedBytes: number;
  readonly engineMs: number;
  readonly billedBytes: number;
  readonly costUsd: number;
}

export interface RemoteResult {
  readonly queryExecutionId: string;
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
  readonly truncated: boolean;
  readonly statistics: RemoteStatistics;
}

/** The bytes Athena bills for a scan and their price. */
export function athenaCost(scannedBytes: number): { billedBytes: number; costUsd: number } {
  const billedBytes = Math.max(10 * MB, Math.ceil(scannedBytes / MB) * MB);
  return { billedBytes, costUsd: (billedBytes / TB) * USD_PER_TB };
}

/** The stderr line: `athena: 2.0 MiB scanned (billed 10 MiB), 412 ms engine time, $0.000048 (query id)`. */
export function costLine(id: string, s: RemoteStatistics): string {
  const mib = (n: number) => `${(n / MB).toFixed(1)} MiB`;
  return `athena: ${mib(s.dataScannedBytes)} scanned (billed ${mib(s.billedBytes)}), ${s.engineMs.toLocaleString('en-US')} ms engine time, $${s.costUsd.toFixed(6)} (query ${id})`;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Converts one VarCharValue by its column type; a missing value is null. */
export function convertValue(v: string | undefined, type: string | undefined): unknown {
  if (v === undefined) return null;
  switch ((type ?? 'varchar').toLowerCase()) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint': {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : v;
    }
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(v);
    case 'boolean':
      return v === 'true';
    default:
      return v;
  }
}

/**
 * Sends one request, turning the service's refusals (InvalidRequestException, throttling, unknown workgroup)
 * and unreachable endpoints into UserError ATHENA_REQUEST with the service's own message.
 */
export async function sendAthena<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (err instanceof UserError) throw err;
    const e = err as Error & { $metadata?: unknown; code?: string };
    const service = e.$metadata !== undefined;
    throw new UserError(
      'ATHENA_REQUEST',
      `Athena ${what} failed: ${service ? `${e.name}: ${e.message}` : e.message || String(e.code ?? err)}`,
      service ? undefined : 'check --region / --endpoint and the network',
    );
  }
}

function cancelled(id: string): UserError {
  return new UserError('ATHENA_CANCELLED', `the Athena query ${id} was cancelled`);
}

/**
 * Runs `sql` on Athena and returns its rows typed from ResultSetMetadata. FAILED and CANCELLED queries throw
 * UserError carrying Athena's StateChangeReason.
 *
 * @example const r = await runRemote(new AthenaClient({}), 'SELECT 1 AS x', { workgroup: 'flowwatch' }); r.rows // [{ x: 1 }]
 */
export async function runRemote(
  client: AthenaClient,
  sql: string,
  opts: RemoteOptions = {},
): Promise<RemoteResult> {
  const sleep = opts.sleep ?? defaultSleep;
  const signal = opts.signal;
  if (signal?.aborted)
    throw new UserError('ATHENA_CANCELLED', 'the Athena query was cancelled before it started');
  const started = await sendAthena('StartQueryExecution', () =>
    client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        ...(opts.workgroup === undefined ? {} : { WorkGroup: opts.workgroup }),
        ...(opts.database === undefined ? {} : { QueryExecutionContext: { Database: opts.database } }),
        ...(opts.outputLocation === undefined
          ? {}
          : { ResultConfiguration: { OutputLocation: opts.outputLocation } }),
      }),
    ),
  );
  const id = started.QueryExecutionId;
  if (id === undefined) throw new UserError('ATHENA_NO_ID', 'Athena did not return a query execution id');
  const stop = async (): Promise<never> => {
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
    throw cancelled(id);
  };
  let delay = opts.pollMs ?? 100;
  const maxDelay = opts.maxPollMs ?? 5000;
  let statementType: string | undefined;
  let scanned = 0;
  let engineMs = 0;
  for (;;) {
    if (signal?.aborted) await stop();
    const q = (
      await sendAthena('GetQueryExecution', () =>
        client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      )
    ).QueryExecution;
    const state = q?.Status?.State;
    statementType = q?.StatementType;
    scanned = q?.Statistics?.DataScannedInBytes ?? 0;
    engineMs = q?.Statistics?.EngineExecutionTimeInMillis ?? 0;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED') {
      const reason = q?.Status?.StateChangeReason ?? 'no reason given';
      throw new UserError(
        'ATHENA_QUERY_FAILED',
        `the Athena query ${id} failed: ${reason}`,
        q?.Status?.AthenaError?.ErrorType === undefined
          ? undefined
          : `Athena error type ${q.Status.AthenaError.ErrorType}${q.Status.AthenaError.Retryable ? ' (retryable)' : ''}`,
      );
    }
    if (state === 'CANCELLED') {
      throw new UserError(
        'ATHENA_CANCELLED',
        `the Athena query ${id} was cancelled${q?.Status?.StateChangeReason ? `: ${q.Status.StateChangeReason}` : ''}`,
      );
    }
    await sleep(delay, signal);
    delay = Math.min(maxDelay, delay * 2);
  }
  const maxRows = opts.maxRows ?? 10_000;
  const columns: string[] = [];
  let info: ColumnInfo[] = [];
  const rows: Record<string, unknown>[] = [];
  let token: string | undefined;
  let first = true;
  let truncated = false;
  do {
    if (signal?.aborted) throw cancelled(id);
    const next = token;
    const page: GetQueryResultsCommandOutput = await sendAthena('GetQueryResults', () =>
      client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: opts.pageSize ?? 1000,
          ...(next === undefined ? {} : { NextToken: next }),
        }),
      ),
    );
    if (first) {
      info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      columns.push(...info.map((c, i) => c.Label ?? c.Name ?? `_col${i}`));
    }
    let data = page.ResultSet?.Rows ?? [];
    // The first row of a SELECT's first page repeats the column labels.
    if (first && statementType === 'DML') data = data.slice(1);
    first = false;
    for (const r of data) {
      if (rows.length >= maxRows) {
        truncated = true;
        break;
      }
      const row: Record<string, unknown> = {};
      columns.forEach((c, i) => {
        row[c] = convertValue(r.Data?.[i]?.VarCharValue, info[i]?.Type);
      });
      rows.push(row);
    }
    token = page.NextToken;
  } while (token !== undefined && !truncated);
  return {
    queryExecutionId: id,
    columns,
    rows,
    truncated: truncated || token !== undefined,
    statistics: { dataScannedBytes: scanned, engineMs, ...athenaCost(scanned) },
  };
}

/** Connection options shared by the commands that talk to Athena. */
export interface RemoteConnection {
  readonly region?: string | undefined;
  /** e.g. http://127.0.0.1:4599 (a test server); default: the region's Athena endpoint. */
  readonly endpoint?: string | undefined;
}

/**
 * An Athena client with the user's credentials (the SDK's default chain).
 *
 * @example const client = athenaClient({ region: 'eu-west-1' });
 */
export function athenaClient(c: RemoteConnection): AthenaClient {
  return new AthenaClient({
    region: c.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
    ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
  });
}

/**
 * Runs `fn` with an AbortSignal raised by Ctrl-C (SIGINT), so a running Athena query is stopped, not orphaned.
 *
 * @example await withInterrupt((signal) => runRemote(client, sql, { signal }));
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onInt);
  }
}
