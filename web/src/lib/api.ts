// The dashboard's only way to the server: one typed method per route of the API contract, each sending
// the bearer token; errors become ApiError with the server's code, message, hint and span.

import type {
  AlarmFlowsResponse,
  AlarmHistoryResponse,
  AlarmMetricResponse,
  AlarmsResponse,
  AnomaliesResponse,
  BaselineResponse,
  CatalogResponse,
  ComplianceResponse,
  EncryptionReportResponse,
  ExplainRequest,
  ExplainResponse,
  FindingDetailResponse,
  FindingStateRequest,
  FindingsResponse,
  FlowsResponse,
  HostResponse,
  MetricFiltersResponse,
  MetricResponse,
  NetworkRejectsResponse,
  OverviewResponse,
  PathsReportResponse,
  PutMetricFilterRequest,
  QueryRequest,
  QueryResponse,
  SourcesResponse,
  SqlRequest,
  TestPatternRequest,
  TestPatternResponse,
  TrafficKindsResponse,
} from '../../../src/server/api-contract.js';
import { currentToken } from './auth.js';

export type {
  AlarmFlowsResponse,
  AlarmHistoryResponse,
  AlarmMetricResponse,
  AlarmsResponse,
  AnomaliesResponse,
  BaselineResponse,
  CatalogResponse,
  ComplianceResponse,
  EncryptionReportResponse,
  ExplainRequest,
  ExplainResponse,
  FindingDetailResponse,
  FindingsResponse,
  FlowsResponse,
  HostResponse,
  MetricFiltersResponse,
  MetricResponse,
  NetworkRejectsResponse,
  OverviewResponse,
  PathsReportResponse,
  QueryResponse,
  SourcesResponse,
  TestPatternResponse,
  TrafficKindsResponse,
};

/** An error answered by the API (or a failure to reach it: status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    /** For query errors: the span in the query text (character offsets). */
    readonly start?: number,
    readonly end?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** True for a request cancelled because a newer one replaced it (never shown to the user). */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** A time range in unix seconds. */
export interface Range {
  readonly since: number;
  readonly until: number;
}

/** Query parameters of `GET /api/flows`. */
export interface FlowsQuery {
  readonly ip?: string;
  readonly cidr?: string;
  readonly port?: string;
  readonly protocol?: string;
  readonly interface?: string;
  readonly action?: string;
  readonly direction?: string;
  readonly limit?: number;
}

type Params = Record<string, string | number | undefined>;

/**
 * The API client. `onUnauthorized` runs when the server refuses the token (401).
 *
 * @example const overview = await api.overview({ since, until }, 60, signal);
 */
export class Api {
  constructor(
    private readonly onUnauthorized: (message: string) => void,
    private readonly base = 'api',
  ) {}

  /** `view`: each flow once (the server's default) or every ENI's record. */
  overview(
    range: Range,
    bin: number,
    signal?: AbortSignal,
    view: OverviewResponse['view'] = 'deduplicated',
  ): Promise<OverviewResponse> {
    return this.get('/overview', { ...range, bin, view }, signal);
  }

  /** The baseline band of the Overview's (or, with `host`, one host's) accepted traffic per bin. */
  baseline(
    range: Range,
    bin: number,
    signal?: AbortSignal,
    view: OverviewResponse['view'] = 'deduplicated',
    host?: string,
  ): Promise<BaselineResponse> {
    return this.get('/baseline', { ...range, bin, view, ...(host !== undefined ? { host } : {}) }, signal);
  }

  /** One host's (an address's or an interface's) traffic per bin, top peers and ports. */
  host(host: string, range: Range, bin: number, signal?: AbortSignal): Promise<HostResponse> {
    return this.get('/host', { host, ...range, bin }, signal);
  }

  query(body: QueryRequest, signal?: AbortSignal): Promise<QueryResponse> {
    return this.post('/query', body, signal);
  }

  sql(body: SqlRequest, signal?: AbortSignal): Promise<QueryResponse> {
    return this.post('/sql', body, signal);
  }

  flows(q: FlowsQuery, range: Range, signal?: AbortSignal): Promise<FlowsResponse> {
    return this.get('/flows', { ...q, ...range }, signal);
  }

  alarms(signal?: AbortSignal): Promise<AlarmsResponse> {
    return this.get('/alarms', {}, signal);
  }

  alarmHistory(name: string, limit: number, signal?: AbortSignal): Promise<AlarmHistoryResponse> {
    return this.get(`/alarms/${encodeURIComponent(name)}/history`, { limit }, signal);
  }

  alarmMetric(name: string, range: Range, signal?: AbortSignal): Promise<AlarmMetricResponse> {
    return this.get(`/alarms/${encodeURIComponent(name)}/metric`, { ...range }, signal);
  }

  /** The records the alarm's metric filter matched in `range` (the flows behind a breach). */
  alarmFlows(name: string, range: Range, limit: number, signal?: AbortSignal): Promise<AlarmFlowsResponse> {
    return this.get(`/alarms/${encodeURIComponent(name)}/flows`, { ...range, limit }, signal);
  }

  /** Mutes an alarm's actions for `minutes` (running monitor only). */
  muteAlarm(name: string, minutes: number, signal?: AbortSignal): Promise<{ mutedUntil: number }> {
    return this.post(`/alarms/${encodeURIComponent(name)}/mute`, { minutes }, signal);
  }

  unmuteAlarm(name: string, signal?: AbortSignal): Promise<{ wasMuted: boolean }> {
    return this.request(`${this.base}/alarms/${encodeURIComponent(name)}/mute`, { method: 'DELETE' }, signal);
  }

  metricFilters(signal?: AbortSignal): Promise<MetricFiltersResponse> {
    return this.get('/metric-filters', {}, signal);
  }

  /** Defines or replaces a metric filter on the running monitor (`POST /api/metric-filters`). */
  putMetricFilter(body: PutMetricFilterRequest, signal?: AbortSignal): Promise<PutMetricFilterRequest> {
    return this.post('/metric-filters', body, signal);
  }

  testPattern(body: TestPatternRequest, signal?: AbortSignal): Promise<TestPatternResponse> {
    return this.post('/metric-filters/test', body, signal);
  }

  metric(
    q: { namespace: string; metric: string; stat?: string; period?: number },
    range: Range,
    signal?: AbortSignal,
  ): Promise<MetricResponse> {
    return this.get('/metrics', { ...q, ...range }, signal);
  }

  sources(signal?: AbortSignal): Promise<SourcesResponse> {
    return this.get('/sources', {}, signal);
  }

  catalog(signal?: AbortSignal): Promise<CatalogResponse> {
    return this.get('/catalog', {}, signal);
  }

  /** Findings of the detections: `severity` and `state` comma-separated. */
  findings(
    q: { severity?: string; state?: string; detection?: string },
    range: Range,
    signal?: AbortSignal,
  ): Promise<FindingsResponse> {
    return this.get('/findings', { ...q, ...range }, signal);
  }

  /** One interface's Random Cut Forest anomaly score per period of the range (or a note saying why none). */
  anomalies(iface: string, range: Range, signal?: AbortSignal): Promise<AnomaliesResponse> {
    return this.get('/anomalies', { interface: iface, ...range }, signal);
  }

  finding(id: string, signal?: AbortSignal): Promise<FindingDetailResponse> {
    return this.get(`/findings/${encodeURIComponent(id)}`, {}, signal);
  }

  /** Acknowledge, suppress (reason and until required) or reopen a finding. */
  setFindingState(
    id: string,
    action: 'ack' | 'suppress' | 'reopen',
    body: FindingStateRequest,
    signal?: AbortSignal,
  ): Promise<FindingsResponse['findings'][number]> {
    return this.post(`/findings/${encodeURIComponent(id)}/${action}`, body, signal);
  }

  /** Encryption in transit (encryption-status) of a range, grouped by vpc, subnet, interface or port. */
  encryption(
    range: Range,
    by: 'vpc' | 'subnet' | 'interface' | 'port',
    signal?: AbortSignal,
  ): Promise<EncryptionReportResponse> {
    return this.get('/reports/encryption', { ...range, by }, signal);
  }

  /** IP version, EFA, reject reasons and interface types of a range. */
  trafficKinds(range: Range, signal?: AbortSignal): Promise<TrafficKindsResponse> {
    return this.get('/reports/traffic-kinds', { ...range }, signal);
  }

  /** Bytes by traffic path, NAT-processed and cross-AZ bytes and their cost in `region` (default: the server's). */
  paths(range: Range, region: string | undefined, signal?: AbortSignal): Promise<PathsReportResponse> {
    return this.get('/reports/paths', { ...range, region }, signal);
  }

  /** The compliance evidence of a period (default: the 30 days before `until`). */
  compliance(range: Partial<Range>, signal?: AbortSignal): Promise<ComplianceResponse> {
    return this.get('/reports/compliance', { ...range }, signal);
  }

  /** The URL of the printable compliance report (the token goes in the Authorization header, so fetch it). */
  complianceHtmlUrl(range: Partial<Range>): string {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(range)) if (v !== undefined) search.set(k, String(v));
    return `${this.base}/reports/compliance.html?${search}`;
  }

  /** The printable compliance report as HTML text. */
  async complianceHtml(range: Partial<Range>, signal?: AbortSignal): Promise<string> {
    const headers = new Headers({ Accept: 'text/html' });
    const token = currentToken();
    if (token) headers.set('Authorization', `Bearer ${token}`);
    const res = await fetch(this.complianceHtmlUrl(range), { headers, signal: signal ?? null });
    if (!res.ok)
      throw new ApiError(res.status, `HTTP_${res.status}`, `The report could not be made (${res.status}).`);
    return res.text();
  }

  /** The rejected flows of a range, top first, each with the rule responsible (when a snapshot is loaded). */
  networkRejects(range: Range, limit: number, signal?: AbortSignal): Promise<NetworkRejectsResponse> {
    return this.get('/network/rejects', { ...range, limit }, signal);
  }

  /** Why a flow was (or would be) rejected, with the fix. */
  explain(body: ExplainRequest, signal?: AbortSignal): Promise<ExplainResponse> {
    return this.post('/network/explain', body, signal);
  }

  private get<T>(path: string, params: Params, signal?: AbortSignal): Promise<T> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
    const qs = search.toString();
    return this.request<T>(`${this.base}${path}${qs ? `?${qs}` : ''}`, { method: 'GET' }, signal);
  }

  private post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>(
      `${this.base}${path}`,
      { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } },
      signal,
    );
  }

  private async request<T>(url: string, init: RequestInit, signal?: AbortSignal): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set('Accept', 'application/json');
    const token = currentToken();
    if (token) headers.set('Authorization', `Bearer ${token}`);
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers, signal: signal ?? null, cache: 'no-store' });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ApiError(
        0,
        'NETWORK',
        'Cannot reach the flowwatch server.',
        'Check that `flowwatch serve` is still running.',
      );
    }
    const body: unknown = await res.json().catch(() => undefined);
    signal?.throwIfAborted();
    if (res.ok) return body as T;
    const e = (body ?? {}) as {
      error?: unknown;
      message?: unknown;
      hint?: unknown;
      start?: unknown;
      end?: unknown;
    };
    const message = typeof e.message === 'string' ? e.message : `${res.status} ${res.statusText}`.trim();
    const err = new ApiError(
      res.status,
      typeof e.error === 'string' ? e.error : `HTTP_${res.status}`,
      message,
      typeof e.hint === 'string' ? e.hint : undefined,
      typeof e.start === 'number' ? e.start : undefined,
      typeof e.end === 'number' ? e.end : undefined,
    );
    if (res.status === 401) this.onUnauthorized(message);
    throw err;
  }
}
