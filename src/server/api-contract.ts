// The dashboard's JSON HTTP API: every route's request and response shape, shared by the server (src/server),
// the web front end (web/) and the tests. All routes live under /api and need `Authorization: Bearer <token>`
// (the browser keeps the token in sessionStorage after the user pastes it, or receives it in the URL fragment
// `#token=...` that `npm start` prints). Times are unix seconds; `since`/`until` default to the last hour and
// select records whose start lies in [since, until). Errors: `ApiError` with 400 (bad input, query errors with
// their span), 401 (token), 404, 408 (query timeout), 413 (body too large), 500. The OpenAPI document
// (`GET /api/openapi.json`, generated from the routes' JSON schemas) needs the token too.

/** Every error answer. */
export interface ApiError {
  /** A stable code: INVALID_INPUT, BAD_TIME_RANGE, PARSE_ERROR, SQL_NOT_SELECT, QUERY_TIMEOUT, UNAUTHORIZED, ... */
  readonly error: string;
  readonly message: string;
  readonly hint?: string;
  /** 0-based span (end excluded) of the fault in the query, pattern or SQL text sent. */
  readonly start?: number;
  readonly end?: number;
  /** INVALID_INPUT (and BAD_TIME_RANGE): the request field at fault, e.g. `since`, `lines`, `cidr`. */
  readonly field?: string;
}

/**
 * `GET /api/overview?since&until&bin&top=10` — everything the Overview page shows, computed in DuckDB. `bin`
 * defaults to the smallest of 1 min, 5 min, 15 min, 30 min, 1 h, ... giving at most 1,440 points (a given bin
 * giving more is refused); `top` (1–100) is the length of the top lists. `flows` counts records.
 */
export interface OverviewResponse {
  readonly since: number;
  readonly until: number;
  /** The records counted (`?view=`): each flow once (default) or every ENI's record. */
  readonly view: 'deduplicated' | 'per-eni';
  /** Deduplicated view: records in range without flow-direction, which are counted as recorded. */
  readonly undirectedFlows: number;
  /** Seconds per point of `series`. */
  readonly bin: number;
  /** Per bin: bytes, packets and flows, split accepted/rejected. */
  readonly series: readonly {
    readonly t: number;
    readonly acceptedBytes: number;
    readonly rejectedBytes: number;
    readonly acceptedPackets: number;
    readonly rejectedPackets: number;
    readonly acceptedFlows: number;
    readonly rejectedFlows: number;
  }[];
  readonly totals: {
    readonly flows: number;
    readonly bytes: number;
    readonly packets: number;
    readonly rejectedFlows: number;
  };
  readonly topTalkers: readonly { readonly addr: string; readonly bytes: number; readonly flows: number }[];
  readonly topRejectedSources: readonly { readonly addr: string; readonly flows: number }[];
  /** Records in range whose format has no `action` field: their rejected traffic cannot be counted. */
  readonly recordsWithoutAction: number;
  /**
   * Only when the range holds no record: the store's record count and first and last event time (unix seconds),
   * so that the page can say where the data is (records 0: nothing stored yet).
   */
  readonly stored?: { readonly records: number; readonly from: number; readonly to: number };
  /** Set when recordsWithoutAction > 0: the loud note the Top rejected sources panel shows (never a silent zero). */
  readonly topRejectedWarning: string | null;
  readonly topDestinationPorts: readonly {
    readonly port: number;
    readonly protocol: number;
    readonly flows: number;
    readonly bytes: number;
  }[];
  readonly protocols: readonly {
    readonly protocol: number;
    readonly name: string;
    readonly flows: number;
    readonly bytes: number;
  }[];
  /** Empty when the format has no flow-direction field. */
  readonly directions: readonly {
    readonly direction: string;
    readonly flows: number;
    readonly bytes: number;
  }[];
  readonly interfaces: readonly {
    readonly interfaceId: string;
    readonly flows: number;
    readonly bytes: number;
    readonly rejectedFlows: number;
  }[];
}

/** `POST /api/query` body: a Logs Insights query. */
export interface QueryRequest {
  readonly query: string;
  /** Also count the records scanned and matched (one more pass over the data). */
  readonly stats?: boolean;
  readonly since?: number;
  readonly until?: number;
}
/** `POST /api/query` and `POST /api/sql` response. */
export interface QueryResponse {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  /** True when the row cap cut the result. */
  readonly truncated: boolean;
  readonly elapsedMs: number;
  /** For `stats ... by bin()`: the column holding the time bucket (the front end draws a time series). */
  readonly timeSeries?: string;
  /** True for aggregated results (bar chart), false for event rows. */
  readonly aggregated?: boolean;
  /** Logs Insights asked with `stats: true`: records of the range read, and those the query matched. */
  readonly statistics?: { readonly recordsScanned: number; readonly recordsMatched: number };
  /** Logs Insights: flow log fields the query reads that no stored record has (read as null), one sentence each. */
  readonly warnings?: readonly string[];
}
/** `POST /api/sql` body: read-only SQL (SELECT/WITH only; no file access; timeout and row cap). */
export interface SqlRequest {
  readonly sql: string;
}

/**
 * `GET /api/flows?ip&cidr&port&protocol&interface&action&direction&since&until&limit=100` — the explorer,
 * newest first. `ip`, `cidr` and `port` match the source or the destination; `protocol` is the IANA number.
 */
export interface FlowsResponse {
  /**
   * Store column names (`srcaddr`, `interface_id`, `start`, ...), catalog order, those holding a value; then
   * `event_time` (unix seconds) and `time_source` (where it came from: `start`, `cwl-event`, ...).
   */
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  readonly truncated: boolean;
  /**
   * Loud notes about the rows, e.g. that no network snapshot is loaded so `interface_name`, `src_name` and
   * `dst_name` (the instance, subnet and security groups of an interface or of an interface's address) are absent.
   */
  readonly notes?: readonly string[];
}

/** `GET /api/alarms` */
export interface AlarmsResponse {
  readonly alarms: readonly {
    readonly name: string;
    readonly kind: 'metric' | 'composite';
    readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
    readonly since: number;
    readonly reason: string;
    readonly description?: string;
    /** Metric alarms: the metric and threshold. */
    readonly metric?: {
      readonly namespace: string;
      readonly metricName: string;
      readonly statistic: string;
      readonly period: number;
    };
    readonly threshold?: number;
    /** Anomaly-band alarms: the band's k (ANOMALY_DETECTION_BAND(m1, k)) in place of a threshold. */
    readonly anomalyBand?: { readonly k: number };
    readonly comparisonOperator?: string;
    readonly rule?: string;
    /** Metric alarms: M of N — `datapointsToAlarm` breaching periods out of the last `evaluationPeriods`. */
    readonly evaluationPeriods?: number;
    readonly datapointsToAlarm?: number;
    readonly treatMissingData?: string;
    readonly actionsEnabled?: boolean;
    readonly alarmActions?: readonly string[];
    readonly okActions?: readonly string[];
    readonly insufficientDataActions?: readonly string[];
    /** Unix seconds: muted (changes recorded, no action run) until then. */
    readonly mutedUntil?: number;
  }[];
}
/**
 * `POST /api/alarms/:name/mute` body `{ minutes }` or `{ until }` → `{ name, mutedUntil }`;
 * `DELETE /api/alarms/:name/mute` → `{ name, wasMuted }`. Needs a running monitor.
 */
export interface AlarmMuteRequest {
  readonly minutes?: number;
  readonly until?: number;
}
/** `GET /api/alarms/:name/flows?since&until&limit=100` — records the alarm's metric filter matched, oldest first. */
export interface AlarmFlowsResponse {
  readonly filter?: string;
  readonly records: number;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  readonly truncated: boolean;
}
/** `GET /api/alarms/:name/history?limit=100` — newest first. */
export interface AlarmHistoryResponse {
  readonly items: readonly {
    readonly time: number;
    readonly type: string;
    readonly summary: string;
    readonly from?: string;
    readonly to?: string;
    readonly reason?: string;
  }[];
}
/** `GET /api/alarms/:name/metric?since&until` — the alarm's statistic per period and its threshold. */
export interface AlarmMetricResponse {
  readonly period: number;
  /** Static-threshold alarms. */
  readonly threshold?: number;
  readonly points: readonly { readonly t: number; readonly value: number }[];
  /**
   * Anomaly-band alarms: the band per period (absent where the detector had none) and the detector's state with
   * its message (e.g. "baseline needs 7 days; 2 available").
   */
  readonly band?: {
    readonly k: number;
    readonly state: string;
    readonly message: string;
    readonly points: readonly { readonly t: number; readonly lower: number; readonly upper: number }[];
  };
}

/** `GET /api/metric-filters` */
export interface MetricFiltersResponse {
  readonly filters: readonly {
    readonly name: string;
    readonly pattern: string;
    readonly metricNamespace: string;
    readonly metricName: string;
    readonly metricValue: string;
    readonly defaultValue?: number;
    /**
     * How the filter applies to each known format (the default format, the configured sources' formats and
     * the stored files'): `fits` (runs as written), `rewritten` (runs as `pattern`, re-ordered for that
     * format), `cannot` (counts nothing there; `reason` says why).
     */
    readonly formats?: readonly {
      readonly format: string;
      readonly origin: string;
      readonly status: 'fits' | 'rewritten' | 'cannot';
      readonly pattern?: string;
      readonly reason?: string;
    }[];
  }[];
}
/**
 * `POST /api/metric-filters` body: define or replace a metric filter on the running monitor (201 with the
 * filter; 400 with the pattern error's span). It applies from now on; its datapoints are recomputed over the
 * stored records; `flowwatch serve --config F` also writes it to F.
 */
export interface PutMetricFilterRequest {
  readonly name: string;
  readonly pattern: string;
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly metricValue: string;
  readonly defaultValue?: number;
}

/** `POST /api/metric-filters/test` body — TestMetricFilter: which lines a pattern matches. */
export interface TestPatternRequest {
  readonly pattern: string;
  /** At most 1,000 lines. */
  readonly lines: readonly string[];
}
export interface TestPatternResponse {
  readonly matches: readonly {
    readonly eventNumber: number;
    readonly line: string;
    readonly values: Record<string, string>;
  }[];
  /** When nothing matched because of the lines' shape (field count, not JSON, a header line): why. */
  readonly warnings?: readonly string[];
}
/**
 * `GET /api/metrics?namespace&metric&stat=Sum&period=60&dimensions&since&until` — a metric's statistic per
 * period (a multiple of 60). `dimensions` is a JSON object (`{"Action":"REJECT"}`); none by default.
 */
export interface MetricResponse {
  readonly points: readonly { readonly t: number; readonly value: number }[];
}

/** `GET /api/sources?rejects=50` — ingestion status. */
export interface SourcesResponse {
  /** Every configured source, push endpoints included: what was committed for it (as /healthz and /metrics). */
  readonly sources: readonly {
    readonly name: string;
    /** directory, s3, cloudwatch-logs, firehose or subscription. */
    readonly kind: string;
    /** Batches, records and rejected lines stored from it (restarts included). */
    readonly batches: number;
    readonly records: number;
    readonly rejects: number;
    /** Failed polls (retried) or refused requests since the monitor started. */
    readonly errors: number;
    readonly lastError?: string;
    /** Unix seconds of the last error. */
    readonly lastErrorAt?: number;
    /** Unix seconds of the last commit. */
    readonly lastBatchAt?: number;
    /** Seconds since the last commit; absent before the first one. */
    readonly lagSeconds?: number;
  }[];
  /** Records stored per second over the last minute. */
  readonly recordsPerSecond: number;
  readonly recordsStored: number;
  readonly recordsRejected: number;
  /** The newest rejected lines with their reasons. */
  readonly rejects: readonly {
    readonly file: string;
    readonly line: number;
    readonly code: string;
    readonly field: string | null;
    readonly reason: string;
    readonly text: string | null;
  }[];
}

/** `GET /api/catalog` — for editor completion: fields, Insights commands and functions, the query library. */
export interface CatalogResponse {
  readonly fields: readonly {
    readonly insights: string;
    readonly column: string;
    readonly aws: string;
    readonly type: string;
    readonly description: string;
  }[];
  readonly systemFields: readonly string[];
  readonly commands: readonly string[];
  readonly functions: readonly {
    readonly name: string;
    readonly kind: string;
    readonly description: string;
    readonly example: string;
  }[];
  readonly library: readonly { readonly name: string; readonly title: string; readonly query: string }[];
}

/**
 * GET /api/reports/encryption: encryption in transit from `encryption-status` (version 10) with its coverage;
 * `warnings` says loudly when no stored record (or only some) has the field.
 */
export type EncryptionReportResponse = import('../storage/traffic-reports.js').EncryptionReport;

/** GET /api/reports/traffic-kinds: IP version, EFA, reject reasons and interface types, each with its coverage. */
export type TrafficKindsResponse = import('../storage/traffic-reports.js').TrafficKindsReport;

/** GET /api/reports/paths: bytes by traffic path, NAT-processed and cross-AZ bytes, and their estimated cost. */
export type PathsReportResponse = import('../storage/path-costs.js').PathsReport & {
  readonly cost: import('../cost/estimate.js').CostEstimate;
  /** The regions the price table prices. */
  readonly regions: readonly string[];
  /** The price table file (costs.prices of flowwatch.yaml); null: the built-in table. */
  readonly pricesFile: string | null;
};

/**
 * GET /api/anomalies?interface&since&until&period: one interface's Random Cut Forest score per period, the
 * threshold in force and each period's explanation; `note` says why there are no points when there are none.
 */
export interface AnomaliesResponse {
  readonly interface: string;
  readonly period: number;
  /** Periods needed before the first score. */
  readonly needs: number;
  /** Periods read (the range and the 7 days before it). */
  readonly available: number;
  /** The floor; a period also needs mean + 3σ. */
  readonly threshold: number;
  readonly note?: string;
  readonly points: readonly {
    readonly t: number;
    readonly score: number;
    readonly threshold: number;
    readonly anomalous: boolean;
    readonly explanation: string;
  }[];
}

/** GET /api/findings?detection&severity&state&since&until&limit: the stored findings, most recent activity first. */
export interface FindingsResponse {
  readonly findings: readonly import('../detect/findings.js').FindingJson[];
  /** Why the list is empty when the filter cannot match (a detection id neither the catalog nor a finding has). */
  readonly warnings?: readonly string[];
}

/**
 * GET /api/findings/:id: one finding with its windows, evidence (query, count, sample), the detection's
 * description and MITRE ATT&CK tag (when the detection is in the catalog) and its state changes.
 */
export type FindingDetailResponse = import('../detect/findings.js').FindingJson & {
  readonly windows: readonly {
    readonly w: number;
    readonly value: number;
    readonly records: number;
    readonly firstSeen: number;
    readonly lastSeen: number;
    readonly severity: string;
  }[];
  readonly evidence: {
    readonly engine: string;
    readonly query: string;
    readonly count: number;
    readonly sample: readonly Record<string, unknown>[];
  };
  readonly description?: string;
  readonly attack?: import('../detect/definition.js').Attack;
  readonly history: readonly import('../storage/findings.js').FindingStateChange[];
};

/** POST /api/findings/:id/ack|suppress|reopen body (suppress needs both). */
export interface FindingStateRequest {
  readonly reason?: string;
  readonly until?: number;
}

/** GET /api/reports/compliance: coverage, gaps, delivery delay, retention and rejected traffic of a period. */
export type ComplianceResponse = import('../storage/compliance.js').ComplianceData;

/**
 * POST /api/network/explain body. By default `src` opened the connection to `dst`:`dstPort` (`srcPort` defaults
 * to the ephemeral 50000); with `asLogged` the fields are a flow-log record as written.
 */
export interface ExplainRequest {
  readonly src: string;
  readonly dst: string;
  readonly srcPort?: number;
  readonly dstPort?: number;
  /** tcp, udp, icmp, icmpv6 or a protocol number (default tcp). */
  readonly protocol?: string;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** When the flow happened (unix seconds; picks the snapshot in force; default now). */
  readonly time?: number;
  /** The interface that logged the flow. */
  readonly interface?: string;
  readonly asLogged?: boolean;
  readonly action?: string;
  readonly flowDirection?: string;
  readonly tcpFlags?: number;
  readonly rejectReason?: string;
  /** Also re-judge the stored flows of this period with the fix applied (answered as `whatIf`). */
  readonly whatIf?: { readonly since: number; readonly until: number };
}

/**
 * POST /api/network/explain: the verdict, each step on the path, the blocking rule and the fix; with `whatIf`
 * asked and a fix that is a rule change, what that change does to the stored flows of the period.
 */
export type ExplainResponse = import('../network/explanation-json.js').ExplanationJson & {
  readonly whatIf?: {
    readonly since: number;
    readonly until: number;
    readonly judged: import('../network/what-if.js').WhatIfResult['judged'];
    readonly totals: import('../network/what-if.js').WhatIfResult['totals'];
    readonly groups: readonly import('../network/what-if.js').WhatIfGroup[];
  };
};

/** GET /api/network/rejects?since&until&limit: the top rejected flows and the rejects by responsible rule. */
export interface NetworkRejectsResponse {
  readonly rejects: number;
  readonly predatingSnapshots: number;
  readonly snapshots: readonly {
    readonly id: number;
    readonly takenAt: number;
    readonly sources: readonly string[];
  }[];
  readonly flows: readonly {
    readonly interfaceId: string | null;
    readonly srcaddr: string;
    readonly dstaddr: string;
    readonly srcport: number;
    readonly dstport: number;
    readonly protocol: number;
    readonly flowDirection: string | null;
    readonly tcpFlags: number | null;
    readonly rejectReason: string | null;
    readonly records: number;
    readonly firstSeen: number;
    readonly lastSeen: number;
    /** The rule (or cause) responsible; null without a snapshot. */
    readonly responsible: string | null;
  }[];
  readonly groups: readonly {
    readonly responsible: string;
    readonly records: number;
    readonly flows: number;
    readonly conclusion: string;
    readonly fix: string | null;
  }[];
  /** Loud notes: no snapshot loaded, records predating every snapshot. */
  readonly warnings: readonly string[];
  /** Without a snapshot: the commands that load one. */
  readonly loadCommand?: string;
}

/** One bin's band: expected ± k·σ. */
export interface BaselineBandPoint {
  readonly t: number;
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * GET /api/baseline?since&until&bin&view&host: the baseline band of accepted bytes, packets and flows per bin (all
 * traffic, or one host's); `note` says why some or all bins have none ("baseline needs 3 days of history; 1.5
 * available").
 */
export interface BaselineResponse {
  readonly since: number;
  readonly until: number;
  readonly bin: number;
  readonly view: string;
  readonly host?: string;
  readonly k: number;
  readonly daysAvailable: number;
  readonly seasonality: 'hour-of-week' | 'hour-of-day' | 'none';
  readonly note?: string;
  readonly bytes: readonly BaselineBandPoint[];
  readonly packets: readonly BaselineBandPoint[];
  readonly flows: readonly BaselineBandPoint[];
}

/** GET /api/host?host&since&until&bin&view&top: one host's traffic per bin, totals, top peers and ports. */
export interface HostResponse {
  readonly host: string;
  readonly kind: 'address' | 'interface';
  readonly since: number;
  readonly until: number;
  readonly bin: number;
  readonly series: readonly OverviewResponse['series'][number][];
  readonly totals: OverviewResponse['totals'];
  readonly peers: readonly { readonly addr: string; readonly bytes: number; readonly flows: number }[];
  readonly ports: readonly {
    readonly port: number;
    readonly protocol: number;
    readonly name: string;
    readonly flows: number;
    readonly bytes: number;
  }[];
}
