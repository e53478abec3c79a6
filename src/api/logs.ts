// CloudWatch Logs over AWS JSON 1.1 (`X-Amz-Target: Logs_20140328.<Op>`): log groups and streams, PutLogEvents as
// ingestion through the group's flow log format, GetLogEvents / FilterLogEvents from the stored event text,
// metric filters (the monitor's own, validated and saved as flowwatch.yaml's), TestMetricFilter, and Logs
// Insights queries run on the store.

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/config.js';
import { UserError } from '../core/errors.js';
import { compileMatcher, FilterPatternError, type Matcher, parsePattern } from '../filter/index.js';
import { apiSource } from '../ingest/sources/log-group.js';
import type { LineTime, Sink } from '../ingest/sources/source.js';
import { InsightsError, runQuery } from '../insights/index.js';
import {
  type CheckedMetricFilter,
  type MetricFilter,
  MetricFilterError,
  UNITS,
  type Unit,
} from '../metrics/metric-filter.js';
import { writeFileDurable } from '../notify/durable-file.js';
import { DEFAULT, parseFormat } from '../records/format.js';
import type { LogEventRow, LogEventStore } from '../storage/log-events.js';
import type { Store } from '../storage/store.js';
import { decodeToken, encodeToken, Input } from './input.js';
import { AwsError } from './protocol.js';

/** What the Logs operations work on: the monitor's sink, filters and store. */
export interface LogsContext {
  readonly store: Store;
  readonly events: LogEventStore;
  readonly sink: Sink;
  readonly account: string;
  readonly region: string;
  filters(): readonly CheckedMetricFilter[];
  putMetricFilter(filter: MetricFilter): Promise<unknown>;
  deleteMetricFilter(name: string): Promise<boolean>;
  /** Unix ms. */
  nowMs(): number;
  /** Every query's time limit. */
  readonly queryTimeoutMs: number;
  /** The source names whose records belong to a log group (default: only the group's API events). */
  readonly sourcesOf?: ((group: string) => readonly string[]) | undefined;
  /** Where query definitions are kept across restarts (`query-definitions.json`); undefined: in memory only. */
  readonly stateDir?: string | undefined;
}

/** The file in the state folder holding the Logs Insights query definitions (PutQueryDefinition). */
export const QUERY_DEFINITIONS_FILE = 'query-definitions.json';

const invalid = (message: string) => new AwsError('InvalidParameterException', message);
const notFound = (message: string) => new AwsError('ResourceNotFoundException', message);
const groupMissing = () => notFound('The specified log group does not exist.');
const streamMissing = () => notFound('The specified log stream does not exist.');
const badToken = () =>
  invalid('The specified nextToken is not valid: pass back a token this server returned.');

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;
const STREAM_NAME = /^[^:*]*$/;
/** The tag that gives a log group its flow log format (CreateLogGroup has no member for it). */
export const FORMAT_TAG = 'flowwatch:format';
const DAY_MS = 86_400_000;
/** Retention values PutRetentionPolicy accepts (AWS's list). */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** The ingestion source name of a log group's events (source_keys, /healthz counters). */
export { apiSource };

/** Logs Insights queries started through the API (kept in memory, as CloudWatch keeps them for a while). */
interface QueryRun {
  readonly queryId: string;
  readonly queryString: string;
  readonly logGroupName: string;
  readonly createTime: number;
  status: 'Running' | 'Complete' | 'Failed' | 'Cancelled';
  results?: { field: string; value: string }[][];
  statistics?: { recordsMatched: number; recordsScanned: number; bytesScanned: number };
  error?: string;
}

interface QueryDefinition {
  queryDefinitionId: string;
  name: string;
  queryString: string;
  lastModified: number;
  logGroupNames: string[];
}

const MAX_QUERIES_KEPT = 1000;

/** The CloudWatch Logs service. */
export class LogsService {
  private readonly queries = new Map<string, QueryRun>();
  private readonly definitions = new Map<string, QueryDefinition>();
  /** Saves of the definitions, one after another (the last one wins). */
  private saving: Promise<void> = Promise.resolve();
  constructor(private readonly ctx: LogsContext) {
    const file = ctx.stateDir === undefined ? undefined : join(ctx.stateDir, QUERY_DEFINITIONS_FILE);
    if (file !== undefined && existsSync(file)) {
      let saved: { definitions?: QueryDefinition[] };
      try {
        saved = JSON.parse(readFileSync(file, 'utf8')) as { definitions?: QueryDefinition[] };
      } catch (err) {
        throw new UserError(
          'API_QUERY_DEFINITIONS',
          `${file}: the saved Logs Insights query definitions cannot be read (${(err as Error).message})`,
          'repair the file, or move it away to start without the saved definitions',
        );
      }
      for (const d of saved.definitions ?? []) this.definitions.set(d.queryDefinitionId, d);
    }
  }

  /** Writes the definitions durably (temp file, fsync, rename) before the operation answers. */
  private async saveDefinitions(): Promise<void> {
    const dir = this.ctx.stateDir;
    if (dir === undefined) return;
    const text = `${JSON.stringify({ definitions: [...this.definitions.values()] }, null, 1)}\n`;
    this.saving = this.saving
      .catch(() => undefined)
      .then(() => writeFileDurable(join(dir, QUERY_DEFINITIONS_FILE), text));
    await this.saving;
  }

  private arn(group: string): string {
    return `arn:aws:logs:${this.ctx.region}:${this.ctx.account}:log-group:${group}`;
  }

  private groupName(inp: Input, key = 'logGroupName', required = true): string {
    const ident = key === 'logGroupName' && !inp.has(key) ? inp.string('logGroupIdentifier') : undefined;
    if (ident !== undefined) {
      const m = /^arn:aws[^:]*:logs:[^:]*:[^:]*:log-group:(.+?)(:\*)?$/.exec(ident);
      return m ? m[1]! : ident;
    }
    return inp.string(key, { required: required as true, min: 1, max: 512, pattern: GROUP_NAME }) ?? '';
  }

  private async existingGroup(name: string) {
    const g = await this.ctx.events.group(name);
    if (!g) throw groupMissing();
    return g;
  }

  /** Runs one operation; throws AwsError. */
  async call(op: string, raw: Record<string, unknown>): Promise<unknown> {
    const inp = new Input(raw, invalid);
    switch (op) {
      case 'CreateLogGroup':
        return this.createLogGroup(inp);
      case 'DeleteLogGroup': {
        if (!(await this.ctx.events.deleteGroup(this.groupName(inp)))) throw groupMissing();
        return {};
      }
      case 'DescribeLogGroups':
        return this.describeLogGroups(inp);
      case 'PutRetentionPolicy': {
        const days = inp.number('retentionInDays', { required: true, integer: true });
        if (!RETENTION_DAYS.includes(days))
          throw invalid(`retentionInDays ${days} is not one of ${RETENTION_DAYS.join(', ')}`);
        if (!(await this.ctx.events.setRetention(this.groupName(inp), days))) throw groupMissing();
        return {};
      }
      case 'DeleteRetentionPolicy':
        if (!(await this.ctx.events.setRetention(this.groupName(inp), null))) throw groupMissing();
        return {};
      case 'CreateLogStream': {
        const group = this.groupName(inp);
        const stream = inp.string('logStreamName', {
          required: true,
          min: 1,
          max: 512,
          pattern: STREAM_NAME,
        });
        await this.existingGroup(group);
        if (!(await this.ctx.events.createStream(group, stream, this.ctx.nowMs())))
          throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
        return {};
      }
      case 'DeleteLogStream': {
        const group = this.groupName(inp);
        const stream = inp.string('logStreamName', { required: true, min: 1, max: 512 });
        await this.existingGroup(group);
        if (!(await this.ctx.events.deleteStream(group, stream))) throw streamMissing();
        return {};
      }
      case 'DescribeLogStreams':
        return this.describeLogStreams(inp);
      case 'PutLogEvents':
        return this.putLogEvents(inp);
      case 'GetLogEvents':
        return this.getLogEvents(inp);
      case 'FilterLogEvents':
        return this.filterLogEvents(inp);
      case 'PutMetricFilter':
        return this.putMetricFilter(inp);
      case 'DescribeMetricFilters':
        return this.describeMetricFilters(inp);
      case 'DeleteMetricFilter': {
        const group = this.groupName(inp);
        const name = inp.string('filterName', { required: true, min: 1, max: 512 });
        await this.existingGroup(group);
        // A filter belongs to one log group: another group's filter of that name is not this one.
        if (!this.ctx.filters().some((f) => f.filter.name === name && f.filter.logGroup === group))
          throw notFound('The specified metric filter does not exist.');
        if (!(await this.ctx.deleteMetricFilter(name)))
          throw notFound('The specified metric filter does not exist.');
        return {};
      }
      case 'TestMetricFilter':
        return this.testMetricFilter(inp);
      case 'StartQuery':
        return this.startQuery(inp);
      case 'GetQueryResults': {
        const q = this.query(inp);
        return {
          status: q.status,
          results: q.results ?? [],
          statistics: q.statistics ?? { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
        };
      }
      case 'StopQuery': {
        const q = this.query(inp);
        if (q.status !== 'Running')
          throw invalid(
            `the query ${q.queryId} is not running (it is ${q.status}): only a running query can be stopped`,
          );
        q.status = 'Cancelled';
        return { success: true };
      }
      case 'DescribeQueries':
        return this.describeQueries(inp);
      case 'PutQueryDefinition':
        return this.putQueryDefinition(inp);
      case 'DescribeQueryDefinitions': {
        const prefix = inp.string('queryDefinitionNamePrefix', { min: 1, max: 255 }) ?? '';
        const max = inp.number('maxResults', { min: 1, max: 1000, integer: true }) ?? 1000;
        const all = [...this.definitions.values()]
          .filter((d) => d.name.startsWith(prefix))
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        return this.page(inp, all, max, 'queryDefinitions', (d) => ({ ...d }));
      }
      case 'DeleteQueryDefinition': {
        const id = inp.string('queryDefinitionId', { required: true, min: 0, max: 256 });
        if (!this.definitions.delete(id)) throw notFound(`There is no query definition with id ${id}.`);
        await this.saveDefinitions();
        return { success: true };
      }
      default:
        throw new AwsError(
          'UnknownOperationException',
          `flowwatch does not implement the CloudWatch Logs operation ${op} (see the README's CloudWatch API section for the list)`,
        );
    }
  }

  /** A page of `all` from the request's nextToken (an index), with the next token only when more remain. */
  private page<T>(
    inp: Input,
    all: readonly T[],
    limit: number,
    key: string,
    shape: (x: T) => unknown,
  ): Record<string, unknown> {
    const token = inp.string('nextToken', { min: 1 });
    const start =
      token === undefined
        ? 0
        : decodeToken(
            token,
            (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0,
            badToken,
          );
    const slice = all.slice(start, start + limit);
    const next = start + limit < all.length ? encodeToken(start + limit) : undefined;
    return { [key]: slice.map(shape), ...(next !== undefined ? { nextToken: next } : {}) };
  }

  private async createLogGroup(inp: Input) {
    const name = this.groupName(inp);
    const tags = inp.map('tags') ?? {};
    const formatText = tags[FORMAT_TAG];
    let format = DEFAULT.text;
    if (formatText !== undefined) {
      if (typeof formatText !== 'string')
        throw invalid(`tags.${FORMAT_TAG}: expected a flow log format string`);
      try {
        format = parseFormat(formatText).text;
      } catch (err) {
        if (err instanceof UserError) throw invalid(`tags.${FORMAT_TAG}: ${err.message}`);
        throw err;
      }
    }
    const cls = inp.string('logGroupClass');
    if (cls !== undefined && cls !== 'STANDARD' && cls !== 'INFREQUENT_ACCESS')
      throw invalid(`logGroupClass "${cls}": flowwatch takes STANDARD or INFREQUENT_ACCESS`);
    if (!(await this.ctx.events.createGroup(name, format, this.ctx.nowMs())))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    return {};
  }

  private async describeLogGroups(inp: Input) {
    const prefix = inp.string('logGroupNamePrefix', { min: 1, max: 512, pattern: GROUP_NAME });
    const pattern = inp.string('logGroupNamePattern', { min: 0, max: 512 });
    if (prefix !== undefined && pattern !== undefined)
      throw invalid('give logGroupNamePrefix or logGroupNamePattern, not both');
    const limit = inp.number('limit', { min: 1, max: 50, integer: true }) ?? 50;
    const filters = this.ctx.filters();
    const groups = (await this.ctx.events.groups()).filter(
      (g) =>
        (prefix === undefined || g.name.startsWith(prefix)) &&
        (pattern === undefined || g.name.includes(pattern)),
    );
    return this.page(inp, groups, limit, 'logGroups', (g) => ({
      logGroupName: g.name,
      creationTime: g.createdMs,
      ...(g.retentionDays !== undefined ? { retentionInDays: g.retentionDays } : {}),
      metricFilterCount: filters.filter((f) => f.filter.logGroup === g.name).length,
      arn: `${this.arn(g.name)}:*`,
      logGroupArn: this.arn(g.name),
      storedBytes: g.storedBytes,
      logGroupClass: 'STANDARD',
    }));
  }

  private async describeLogStreams(inp: Input) {
    const group = this.groupName(inp);
    const prefix = inp.string('logStreamNamePrefix', { min: 1, max: 512 });
    const orderBy = inp.string('orderBy') ?? 'LogStreamName';
    if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime')
      throw invalid(`orderBy "${orderBy}": expected LogStreamName or LastEventTime`);
    if (orderBy === 'LastEventTime' && prefix !== undefined)
      throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
    const descending = inp.boolean('descending') ?? false;
    const limit = inp.number('limit', { min: 1, max: 50, integer: true }) ?? 50;
    await this.existingGroup(group);
    let streams = (await this.ctx.events.streams(group)).filter(
      (s) => prefix === undefined || s.name.startsWith(prefix),
    );
    if (orderBy === 'LastEventTime')
      streams = streams.sort(
        (a, b) => (a.lastEventMs ?? 0) - (b.lastEventMs ?? 0) || (a.name < b.name ? -1 : 1),
      );
    if (descending) streams = streams.reverse();
    return this.page(inp, streams, limit, 'logStreams', (s) => ({
      logStreamName: s.name,
      creationTime: s.createdMs,
      ...(s.firstEventMs !== undefined ? { firstEventTimestamp: s.firstEventMs } : {}),
      ...(s.lastEventMs !== undefined ? { lastEventTimestamp: s.lastEventMs } : {}),
      ...(s.lastIngestionMs !== undefined ? { lastIngestionTime: s.lastIngestionMs } : {}),
      arn: `${this.arn(group)}:log-stream:${s.name}`,
      storedBytes: 0,
    }));
  }

  private async putLogEvents(inp: Input) {
    const group = this.groupName(inp);
    const stream = inp.string('logStreamName', { required: true, min: 1, max: 512, pattern: STREAM_NAME });
    const list = inp.list('logEvents', { required: true, min: 1, max: 10_000 })!;
    const events = list.map((e, i) => {
      if (e === null || typeof e !== 'object')
        throw invalid(`logEvents[${i}]: expected {timestamp, message}`);
      const ev = e as Record<string, unknown>;
      if (typeof ev['timestamp'] !== 'number' || !Number.isInteger(ev['timestamp']))
        throw invalid(`logEvents[${i}].timestamp: expected epoch milliseconds (an integer)`);
      if (typeof ev['message'] !== 'string' || ev['message'].length === 0)
        throw invalid(`logEvents[${i}].message: expected a non-empty string`);
      return { timestamp: ev['timestamp'], message: ev['message'] };
    });
    for (let i = 1; i < events.length; i++) {
      if (events[i]!.timestamp < events[i - 1]!.timestamp)
        throw invalid(
          `Log events in a single PutLogEvents request must be in chronological order: logEvents[${i}].timestamp ${events[i]!.timestamp} is before logEvents[${i - 1}].timestamp ${events[i - 1]!.timestamp}`,
        );
    }
    const g = await this.existingGroup(group);
    if (!(await this.ctx.events.hasStream(group, stream))) throw streamMissing();
    const now = this.ctx.nowMs();
    // Too new (> 2 h ahead), too old (> 14 days) and expired (older than the retention) events are rejected and
    // reported by index; the others are accepted.
    let tooOldEnd = 0;
    let expiredEnd = 0;
    let tooNewStart = events.length;
    const retentionStart = g.retentionDays === undefined ? undefined : now - g.retentionDays * DAY_MS;
    events.forEach((e, i) => {
      if (e.timestamp < now - 14 * DAY_MS) tooOldEnd = i + 1;
      if (retentionStart !== undefined && e.timestamp < retentionStart) expiredEnd = i + 1;
      if (e.timestamp > now + 2 * 3_600_000 && i < tooNewStart) tooNewStart = i;
    });
    const first = Math.max(tooOldEnd, expiredEnd);
    const accepted = events.slice(first, tooNewStart);
    if (accepted.length > 0 && accepted[accepted.length - 1]!.timestamp - accepted[0]!.timestamp > DAY_MS)
      throw invalid(
        'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      );
    if (accepted.length > 0) {
      const key = randomUUID();
      // The records (the product: metric filters, alarms, queries) and the event text for Get/Filter, as one block
      // stored in the records' own transaction: both are committed together or not at all.
      const block = await this.ctx.events.block(group, stream, accepted, now);
      await this.ctx.sink.write({
        kind: 'lines',
        source: apiSource(group),
        key,
        origin: `cloudwatch-api://${group}/${stream}/${key}`,
        lines: accepted.map((e) => e.message),
        times: accepted.map((e): LineTime => ({ ms: e.timestamp, source: 'cwl-event' })),
        format: g.format,
        fresh: true,
        also: [block.statement],
      });
    }
    const rejected = {
      ...(tooNewStart < events.length ? { tooNewLogEventStartIndex: tooNewStart } : {}),
      ...(tooOldEnd > 0 ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
      ...(expiredEnd > 0 ? { expiredLogEventEndIndex: expiredEnd } : {}),
    };
    return Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {};
  }

  private async getLogEvents(inp: Input) {
    const group = this.groupName(inp);
    const stream = inp.string('logStreamName', { required: true, min: 1, max: 512 });
    const startMs = inp.number('startTime', { min: 0, integer: true });
    const endMs = inp.number('endTime', { min: 0, integer: true });
    const limit = inp.number('limit', { min: 1, max: 10_000, integer: true }) ?? 10_000;
    const token = inp.string('nextToken', { min: 1 });
    await this.existingGroup(group);
    if (!(await this.ctx.events.hasStream(group, stream))) throw streamMissing();
    let dir: 'f' | 'b' = inp.boolean('startFromHead') === true ? 'f' : 'b';
    let pos: { ts: number; seq: number } | undefined;
    if (token !== undefined) {
      const m = /^([fb])\/(-?\d+):(-?\d+)$/.exec(token);
      if (!m) throw badToken();
      dir = m[1] as 'f' | 'b';
      pos = { ts: Number(m[2]), seq: Number(m[3]) };
    }
    const base = { group, streams: [stream], startMs, endMs, limit };
    const rows =
      dir === 'f'
        ? await this.ctx.events.events({ ...base, after: pos })
        : (await this.ctx.events.events({ ...base, before: pos, descending: true })).reverse();
    const first = rows[0];
    const last = rows[rows.length - 1];
    const fwd = last
      ? `f/${last.timestamp}:${last.seq}`
      : dir === 'f' && token !== undefined
        ? token
        : pos
          ? `f/${pos.ts}:${pos.seq - 1}`
          : 'f/0:0';
    const back = first
      ? `b/${first.timestamp}:${first.seq}`
      : dir === 'b' && token !== undefined
        ? token
        : pos
          ? `b/${pos.ts}:${pos.seq + 1}`
          : 'b/0:0';
    return {
      events: rows.map((e) => ({
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
      })),
      nextForwardToken: fwd,
      nextBackwardToken: back,
    };
  }

  private compile(text: string | undefined, key: string): Matcher | undefined {
    if (text === undefined || text.trim() === '') return undefined;
    try {
      return compileMatcher(parsePattern(text));
    } catch (err) {
      if (err instanceof FilterPatternError)
        throw invalid(
          `${key}: Invalid character(s) in term or syntax error at position ${err.start + 1}: ${err.message}`,
        );
      throw err;
    }
  }

  private async filterLogEvents(inp: Input) {
    const group = this.groupName(inp);
    const names = inp.stringList('logStreamNames', { min: 1, max: 100 });
    const prefix = inp.string('logStreamNamePrefix', { min: 1, max: 512 });
    if (names !== undefined && prefix !== undefined)
      throw invalid('give logStreamNames or logStreamNamePrefix, not both');
    const startMs = inp.number('startTime', { min: 0, integer: true });
    const endMs = inp.number('endTime', { min: 0, integer: true });
    const limit = inp.number('limit', { min: 1, max: 10_000, integer: true }) ?? 10_000;
    const matcher = this.compile(inp.string('filterPattern', { min: 0, max: 1024 }), 'filterPattern');
    const token = inp.string('nextToken', { min: 1 });
    let after: { ts: number; seq: number } | undefined;
    if (token !== undefined) {
      after = decodeToken(
        token,
        (v): v is { ts: number; seq: number } =>
          typeof v === 'object' && v !== null && typeof (v as { ts?: unknown }).ts === 'number',
        badToken,
      );
    }
    await this.existingGroup(group);
    let streams = names;
    if (prefix !== undefined) {
      streams = (await this.ctx.events.streams(group)).map((s) => s.name).filter((n) => n.startsWith(prefix));
      if (streams.length === 0) return { events: [], searchedLogStreams: [] };
    }
    // Scan in chunks until the page is full, the data ends, or a scan budget is spent (then a token says where to go on).
    const CHUNK = 10_000;
    const BUDGET = 200_000;
    const out: LogEventRow[] = [];
    let scanned = 0;
    let cursor = after;
    let more = false;
    while (out.length < limit) {
      const rows = await this.ctx.events.events({
        group,
        streams,
        startMs,
        endMs,
        after: cursor,
        limit: CHUNK,
      });
      for (const r of rows) {
        cursor = { ts: r.timestamp, seq: r.seq };
        if (matcher === undefined || matcher(r.message)) {
          out.push(r);
          if (out.length === limit) break;
        }
      }
      scanned += rows.length;
      if (rows.length < CHUNK) {
        more = out.length === limit && rows.indexOf(out[out.length - 1]!) < rows.length - 1;
        break;
      }
      more = true;
      if (scanned >= BUDGET) break;
    }
    return {
      events: out.map((e) => ({
        logStreamName: e.logStream,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
        eventId: String(e.seq).padStart(20, '0'),
      })),
      searchedLogStreams: [],
      ...(more && cursor ? { nextToken: encodeToken(cursor) } : {}),
    };
  }

  private async putMetricFilter(inp: Input) {
    const group = this.groupName(inp);
    const name = inp.string('filterName', { required: true, min: 1, max: 512, pattern: STREAM_NAME });
    const pattern = inp.string('filterPattern', { required: true, min: 0, max: 1024 });
    const list = inp.list('metricTransformations', { required: true, min: 1, max: 1 })!;
    const t = new Input((list[0] ?? {}) as Record<string, unknown>, (m) =>
      invalid(`metricTransformations[0].${m}`),
    );
    const metricName = t.string('metricName', { required: true, min: 0, max: 255 });
    const metricNamespace = t.string('metricNamespace', { required: true, min: 0, max: 255 });
    const metricValue = t.string('metricValue', { required: true, min: 0, max: 100 });
    const defaultValue = t.number('defaultValue');
    const unit = t.string('unit');
    if (unit !== undefined && !(UNITS as readonly string[]).includes(unit))
      throw invalid(
        `metricTransformations[0].unit "${unit}" is not a CloudWatch unit: expected one of ${UNITS.join(', ')}`,
      );
    const dimsRaw = t.map('dimensions');
    const dimensions: Record<string, string> = {};
    for (const [k, v] of Object.entries(dimsRaw ?? {})) {
      if (typeof v !== 'string') throw invalid(`metricTransformations[0].dimensions.${k}: expected a $field`);
      dimensions[k] = v;
    }
    await this.existingGroup(group);
    const other = this.ctx.filters().find((f) => f.filter.name === name && f.filter.logGroup !== group);
    if (other !== undefined)
      throw invalid(
        `filterName: a metric filter named "${name}" already counts ${other.filter.logGroup === undefined ? "every record (it is flowwatch.yaml's, without a logGroup)" : `the log group ${other.filter.logGroup}`}; flowwatch names metric filters uniquely across log groups, so choose another name`,
      );
    const filter: MetricFilter = {
      name,
      pattern,
      metricNamespace,
      metricName,
      metricValue,
      ...(defaultValue !== undefined ? { defaultValue } : {}),
      ...(dimsRaw !== undefined ? { dimensions } : {}),
      ...(unit !== undefined ? { unit: unit as Unit } : {}),
      logGroup: group,
    };
    try {
      await this.ctx.putMetricFilter(filter);
    } catch (err) {
      if (err instanceof FilterPatternError)
        throw invalid(
          `filterPattern: ${err.message} (at character ${err.start + 1})${err.hint ? `; ${err.hint}` : ''}`,
        );
      if (err instanceof MetricFilterError)
        throw invalid(`${err.key}: ${err.message}${err.hint ? `; ${err.hint}` : ''}`);
      if (err instanceof ConfigError || err instanceof UserError) throw invalid(err.message);
      throw err;
    }
    return {};
  }

  private async describeMetricFilters(inp: Input) {
    const group = inp.has('logGroupName') ? this.groupName(inp) : undefined;
    const prefix = inp.string('filterNamePrefix', { min: 1, max: 512 });
    const metricName = inp.string('metricName', { max: 255 });
    const metricNamespace = inp.string('metricNamespace', { max: 255 });
    if ((metricName === undefined) !== (metricNamespace === undefined))
      throw invalid('metricName and metricNamespace must be given together');
    const limit = inp.number('limit', { min: 1, max: 50, integer: true }) ?? 50;
    if (group !== undefined) await this.existingGroup(group);
    const all = this.ctx
      .filters()
      .map((c) => c.filter)
      .filter(
        (f) =>
          (group === undefined || f.logGroup === group) &&
          (prefix === undefined || group === undefined || f.name.startsWith(prefix)) &&
          (metricName === undefined ||
            (f.metricName === metricName && f.metricNamespace === metricNamespace)),
      )
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    return this.page(inp, all, limit, 'metricFilters', (f) => ({
      filterName: f.name,
      filterPattern: f.pattern,
      metricTransformations: [
        {
          metricName: f.metricName,
          metricNamespace: f.metricNamespace,
          metricValue: f.metricValue,
          ...(f.defaultValue !== undefined ? { defaultValue: f.defaultValue } : {}),
          ...(f.dimensions !== undefined ? { dimensions: f.dimensions } : {}),
          ...(f.unit !== undefined ? { unit: f.unit } : {}),
        },
      ],
      ...(f.logGroup !== undefined ? { logGroupName: f.logGroup } : {}),
    }));
  }

  private testMetricFilter(inp: Input) {
    const pattern = inp.string('filterPattern', { required: true, min: 0, max: 1024 });
    const lines = inp.stringList('logEventMessages', { required: true, min: 1, max: 50 })!;
    const matcher = this.compile(pattern, 'filterPattern');
    const matches: unknown[] = [];
    lines.forEach((line, i) => {
      const m = matcher === undefined ? { extractedValues: {} } : matcher(line);
      // eventNumber is 1-based, as `flowwatch test-pattern` and the AWS CLI's live output number events (DESIGN.md).
      if (m)
        matches.push({ eventNumber: i + 1, eventMessage: line, extractedValues: { ...m.extractedValues } });
    });
    return { matches };
  }

  private async startQuery(inp: Input) {
    const one = inp.has('logGroupName');
    const names = inp.stringList('logGroupNames', { min: 1, max: 50 });
    const idents = inp.stringList('logGroupIdentifiers', { min: 1, max: 50 });
    if ([one, names !== undefined, idents !== undefined].filter(Boolean).length !== 1)
      throw invalid('give exactly one of logGroupName, logGroupNames and logGroupIdentifiers');
    const groups = one
      ? [this.groupName(inp)]
      : (names ?? idents ?? []).map((n) => n.replace(/^arn:.*:log-group:(.+?)(:\*)?$/, '$1'));
    const start = inp.number('startTime', { required: true, min: 0, integer: true });
    const end = inp.number('endTime', { required: true, min: 0, integer: true });
    if (end < start) throw invalid('endTime must not be before startTime');
    const queryString = inp.string('queryString', { required: true, min: 1, max: 10_000 });
    const limit = inp.number('limit', { min: 1, max: 10_000, integer: true });
    const language = inp.string('queryLanguage');
    if (language !== undefined && language !== 'CWLI')
      throw invalid(`queryLanguage ${language}: flowwatch runs Logs Insights queries (CWLI) only`);
    for (const g of groups) await this.existingGroup(g);
    const text = limit === undefined ? queryString : `${queryString}\n| limit ${limit}`;
    // Compile now, so that a malformed query is answered at once as CloudWatch does.
    try {
      const { analyze, parseQuery } = await import('../insights/index.js');
      analyze(parseQuery(text), Math.floor(this.ctx.nowMs() / 1000));
    } catch (err) {
      if (err instanceof InsightsError) {
        throw new AwsError('MalformedQueryException', err.message, 400, undefined, {
          queryCompileError: {
            location: { startCharOffset: err.start, endCharOffset: err.end },
            message: err.message,
          },
        });
      }
      throw err;
    }
    if (this.queries.size >= MAX_QUERIES_KEPT) {
      const oldest = this.queries.keys().next().value;
      if (oldest !== undefined) this.queries.delete(oldest);
    }
    const run: QueryRun = {
      queryId: randomUUID(),
      queryString,
      logGroupName: groups[0]!,
      createTime: this.ctx.nowMs(),
      status: 'Running',
    };
    this.queries.set(run.queryId, run);
    void this.ctx.store
      .withReader(
        (reader) =>
          runQuery(reader, text, {
            since: start,
            until: end + 1,
            // Only the named groups' records (src/ingest/sources/log-group.ts).
            sources: groups.flatMap((g) => this.sourcesOf(g)),
            now: Math.floor(this.ctx.nowMs() / 1000),
            statistics: true,
          }),
        { timeoutMs: this.ctx.queryTimeoutMs },
      )
      .then(
        (r) => {
          if (run.status === 'Cancelled') return;
          run.results = r.rows.map((row) =>
            r.columns.flatMap((c) => {
              const v = row[c];
              return v === null || v === undefined ? [] : [{ field: c, value: String(v) }];
            }),
          );
          run.statistics = {
            recordsMatched: r.statistics?.recordsMatched ?? 0,
            recordsScanned: r.statistics?.recordsScanned ?? 0,
            bytesScanned: 0,
          };
          run.status = 'Complete';
        },
        (err: Error) => {
          if (run.status === 'Cancelled') return;
          run.status = 'Failed';
          run.error = err.message;
        },
      );
    return { queryId: run.queryId };
  }

  private sourcesOf(group: string): readonly string[] {
    return this.ctx.sourcesOf?.(group) ?? [apiSource(group)];
  }

  private query(inp: Input): QueryRun {
    const id = inp.string('queryId', { required: true, min: 0, max: 256 });
    const q = this.queries.get(id);
    if (!q) throw notFound(`There is no query with id ${id}.`);
    return q;
  }

  private describeQueries(inp: Input) {
    const group = inp.has('logGroupName') ? this.groupName(inp) : undefined;
    const status = inp.string('status');
    const max = inp.number('maxResults', { min: 1, max: 1000, integer: true }) ?? 1000;
    const all = [...this.queries.values()]
      .filter(
        (q) =>
          (group === undefined || q.logGroupName === group) && (status === undefined || q.status === status),
      )
      .reverse();
    return this.page(inp, all, max, 'queries', (q) => ({
      queryId: q.queryId,
      queryString: q.queryString,
      status: q.status,
      createTime: q.createTime,
      logGroupName: q.logGroupName,
    }));
  }

  private async putQueryDefinition(inp: Input) {
    const name = inp.string('name', { required: true, min: 1, max: 255 });
    const queryString = inp.string('queryString', { required: true, min: 1, max: 10_000 });
    const id = inp.string('queryDefinitionId', { max: 256 });
    const logGroupNames = inp.stringList('logGroupNames') ?? [];
    for (const g of logGroupNames) await this.existingGroup(g);
    if (id !== undefined && !this.definitions.has(id))
      throw notFound(`There is no query definition with id ${id}.`);
    const def: QueryDefinition = {
      queryDefinitionId: id ?? randomUUID(),
      name,
      queryString,
      lastModified: this.ctx.nowMs(),
      logGroupNames,
    };
    this.definitions.set(def.queryDefinitionId, def);
    await this.saveDefinitions();
    return { queryDefinitionId: def.queryDefinitionId };
  }
}
