// A loopback server speaking Amazon Athena's JSON protocol (x-amz-json-1.1, X-Amz-Target), for tests: queries
// (and Glue's CreateDatabase) go QUEUED → RUNNING → SUCCEEDED over a few polls, results are paged with NextToken, and the SQL is answered
// by a real engine the test hands in (flowwatch's local Athena).

import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EngineAnswer {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

export interface AthenaServerOptions {
  /** Answers a statement (throw to make the query FAILED with the error's message). */
  readonly execute: (sql: string, database: string | undefined) => Promise<EngineAnswer>;
  /** Glue CreateDatabase on the same endpoint (target `AWSGlue.CreateDatabase`): creates it in the engine. */
  readonly createDatabase?: (name: string) => Promise<void>;
  /** DataScannedInBytes reported for each query. */
  readonly scannedBytes?: number;
  /** Polls that see QUEUED, then RUNNING, before SUCCEEDED (default 1 and 2). */
  readonly queuedPolls?: number;
  readonly runningPolls?: number;
  /** The server's own page cap (Athena's is 1000), to force NextToken paging whatever MaxResults asks. */
  readonly pageSize?: number;
}

interface Query {
  readonly id: string;
  readonly sql: string;
  readonly input: Record<string, unknown>;
  polls: number;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  reason?: string;
  answer?: EngineAnswer;
  types?: string[];
  readonly work: Promise<void>;
}

export interface AthenaServer {
  readonly endpoint: string;
  /** Every request received: its target action and JSON body. */
  readonly calls: { action: string; body: Record<string, unknown> }[];
  /** Makes the next started query fail with this reason. */
  failNext(reason: string): void;
  /** Keeps queries RUNNING until released (to test cancellation). */
  hold(on: boolean): void;
  close(): Promise<void>;
}

function athenaType(values: unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return 'varchar';
  if (present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))))
    return 'bigint';
  if (present.every((v) => typeof v === 'number')) return 'double';
  return 'varchar';
}

function text(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof v === 'object') return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? Number(x) : x));
  return String(v);
}

/**
 * Starts the server on 127.0.0.1 (port 0). Point the SDK at `endpoint` with any credentials.
 *
 * @example const srv = await startAthenaServer({ execute: async () => ({ columns: ['x'], rows: [{ x: 1 }] }) });
 */
export async function startAthenaServer(opts: AthenaServerOptions): Promise<AthenaServer> {
  const queries = new Map<string, Query>();
  const calls: AthenaServer['calls'] = [];
  const workgroups = new Set<string>(['primary']);
  const databases = new Set<string>(['default']);
  let failReason: string | undefined;
  let holding = false;
  let n = 0;

  const error = (res: ServerResponse, type: string, message: string) => {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ __type: type, Message: message }));
  };
  const ok = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method === 'POST' && target === 'AWSGlue.CreateDatabase') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        DatabaseInput?: { Name?: string };
      };
      calls.push({ action: 'Glue.CreateDatabase', body: body as Record<string, unknown> });
      const name = String(body.DatabaseInput?.Name ?? '');
      if (databases.has(name))
        return error(res, 'AlreadyExistsException', `Database ${name} already exists.`);
      databases.add(name);
      await opts.createDatabase?.(name);
      return ok(res, {});
    }
    if (req.method !== 'POST' || !target.startsWith('AmazonAthena.')) {
      error(res, 'UnknownOperationException', `unknown operation ${target}`);
      return;
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
      error(res, 'SerializationException', 'expected Content-Type application/x-amz-json-1.1');
      return;
    }
    const action = target.slice('AmazonAthena.'.length);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    calls.push({ action, body });
    const find = (): Query | undefined => {
      const q = queries.get(String(body['QueryExecutionId']));
      if (!q)
        error(
          res,
          'InvalidRequestException',
          `QueryExecution ${String(body['QueryExecutionId'])} was not found`,
        );
      return q;
    };
    switch (action) {
      case 'StartQueryExecution': {
        const sql = String(body['QueryString'] ?? '');
        if (sql.trim() === '') return error(res, 'InvalidRequestException', 'QueryString is required');
        const wg = body['WorkGroup'];
        if (typeof wg === 'string' && !workgroups.has(wg))
          return error(res, 'InvalidRequestException', `WorkGroup ${wg} is not found.`);
        const id = `q-${String(++n).padStart(4, '0')}`;
        const reason = failReason;
        failReason = undefined;
        const ctx = body['QueryExecutionContext'] as { Database?: string } | undefined;
        const q: Query = {
          id,
          sql,
          input: body,
          polls: 0,
          state: 'QUEUED',
          work: Promise.resolve(),
        };
        (q as { work: Promise<void> }).work = (async () => {
          if (reason !== undefined) {
            q.reason = reason;
            return;
          }
          try {
            q.answer = await opts.execute(sql, ctx?.Database);
            q.types = q.answer.columns.map((c) => athenaType(q.answer!.rows.map((r) => r[c])));
          } catch (err) {
            q.reason = (err as Error).message;
          }
        })();
        queries.set(id, q);
        return ok(res, { QueryExecutionId: id });
      }
      case 'GetQueryExecution': {
        const q = find();
        if (!q) return;
        q.polls++;
        if (q.state === 'QUEUED' || q.state === 'RUNNING') {
          await q.work;
          const queued = opts.queuedPolls ?? 1;
          const running = opts.runningPolls ?? 2;
          if (q.polls <= queued) q.state = 'QUEUED';
          else if (q.polls <= queued + running || holding) q.state = 'RUNNING';
          else q.state = q.reason === undefined ? 'SUCCEEDED' : 'FAILED';
        }
        const select = /^\s*(select|with|show|describe|values)\b/i.test(q.sql);
        return ok(res, {
          QueryExecution: {
            QueryExecutionId: q.id,
            Query: q.sql,
            StatementType: select && !/^\s*(show|describe)/i.test(q.sql) ? 'DML' : 'DDL',
            WorkGroup: q.input['WorkGroup'] ?? 'primary',
            Status: {
              State: q.state,
              ...(q.state === 'FAILED'
                ? {
                    StateChangeReason: q.reason,
                    AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false },
                  }
                : {}),
              ...(q.state === 'CANCELLED' ? { StateChangeReason: 'Query cancelled by user' } : {}),
              SubmissionDateTime: 1716199200,
            },
            Statistics: {
              EngineExecutionTimeInMillis: q.state === 'SUCCEEDED' ? 1234 : 0,
              DataScannedInBytes: q.state === 'SUCCEEDED' ? (opts.scannedBytes ?? 0) : 0,
            },
          },
        });
      }
      case 'GetQueryResults': {
        const q = find();
        if (!q) return;
        if (q.state !== 'SUCCEEDED')
          return error(
            res,
            'InvalidRequestException',
            `Query has not yet finished. Current state: ${q.state}`,
          );
        const a = q.answer!;
        const header = /^\s*(select|with|values)\b/i.test(q.sql)
          ? [{ Data: a.columns.map((c) => ({ VarCharValue: c })) }]
          : [];
        const all = [
          ...header,
          ...a.rows.map((r) => ({
            Data: a.columns.map((c) => {
              const v = text(r[c]);
              return v === undefined ? {} : { VarCharValue: v };
            }),
          })),
        ];
        const max = Math.min(opts.pageSize ?? 1000, Number(body['MaxResults'] ?? 1000));
        const from = body['NextToken'] === undefined ? 0 : Number(String(body['NextToken']).slice(4));
        const page = all.slice(from, from + max);
        const next = from + max < all.length ? `tok-${from + max}` : undefined;
        return ok(res, {
          UpdateCount: 0,
          ResultSet: {
            Rows: page,
            ResultSetMetadata: {
              ColumnInfo: a.columns.map((c, i) => ({
                CatalogName: 'hive',
                Name: c,
                Label: c,
                Type: q.types![i],
                Nullable: 'UNKNOWN',
                CaseSensitive: q.types![i] === 'varchar',
              })),
            },
          },
          ...(next === undefined ? {} : { NextToken: next }),
        });
      }
      case 'StopQueryExecution': {
        const q = find();
        if (!q) return;
        if (q.state === 'QUEUED' || q.state === 'RUNNING') q.state = 'CANCELLED';
        return ok(res, {});
      }
      case 'CreateWorkGroup': {
        const name = String(body['Name'] ?? '');
        if (workgroups.has(name))
          return error(res, 'InvalidRequestException', 'WorkGroup is already created');
        workgroups.add(name);
        return ok(res, {});
      }
      default:
        return error(res, 'UnknownOperationException', `unsupported operation ${action}`);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => error(res, 'InternalServerException', err.message));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    failNext(reason) {
      failReason = reason;
    },
    hold(on) {
      holding = on;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
