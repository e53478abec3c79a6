// What the monitor says about each configured source (/healthz, /metrics and /api/sources alike): its kind,
// records and rejects committed, lag (seconds since its last commit) and last error, polling source or push endpoint.

import type { SourceConfig } from '../config/monitor-config.js';
import type { PushResponse } from '../ingest/sources/push-http.js';
import type { Source } from '../ingest/sources/source.js';
import type { SourceCounters } from './store-sink.js';

/** One configured source in /healthz. */
export interface SourceHealth {
  readonly name: string;
  /** directory, s3, cloudwatch-logs, firehose or subscription. */
  readonly kind: string;
  /** Batches, records and rejected lines stored from it (what the store held at start, plus each commit since). */
  readonly batches: number;
  readonly records: number;
  readonly rejects: number;
  /** ISO time of its last commit; null before the first one. */
  readonly lastBatchAt: string | null;
  /** Seconds since its last commit; null before the first one. */
  readonly lagSeconds: number | null;
  /** Errors seen since the monitor started: failed polls (a failed commit fails its poll) for a polling source, refused requests for an endpoint. */
  readonly errors: number;
  /** Its most recent error (a refused request, a failed commit, a failed poll); null when none. */
  readonly lastError: string | null;
  /** ISO time of that error; null when none (or unknown). */
  readonly lastErrorAt: string | null;
}

/** The last refusal of each push endpoint (status ≥ 400), with its time. */
export class EndpointErrors {
  private readonly last = new Map<string, { message: string; at: number }>();
  private readonly refused = new Map<string, number>();

  /** Notes an answered request; only refusals are kept. */
  note(source: string, res: PushResponse, now = Date.now()): void {
    if (res.status < 400) return;
    this.refused.set(source, (this.refused.get(source) ?? 0) + 1);
    let detail = '';
    try {
      const body = JSON.parse(res.body) as Record<string, unknown>;
      detail = String(body['errorMessage'] ?? (body['code'] ? `${body['code']}: ${body['message']}` : ''));
    } catch {
      detail = res.body.slice(0, 200);
    }
    this.last.set(source, { message: `HTTP ${res.status} ${detail}`.trim(), at: now });
  }

  get(source: string): { message: string; at: number } | undefined {
    return this.last.get(source);
  }

  /** How many requests this endpoint refused. */
  count(source: string): number {
    return this.refused.get(source) ?? 0;
  }
}

/**
 * Every configured source, in configuration order, with what the sink committed for it and its last error.
 *
 * @example sourcesHealth(config.sources, sink.bySource, sources, endpointErrors)[0].kind // 'firehose'
 */
export function sourcesHealth(
  configs: readonly SourceConfig[],
  committed: ReadonlyMap<string, SourceCounters>,
  sources: readonly Source[],
  endpoints: EndpointErrors,
  now = Date.now(),
): SourceHealth[] {
  return configs.map((cfg) => {
    const c = committed.get(cfg.name);
    const polled = sources.find((s) => s.name === cfg.name)?.status();
    const errors = [
      endpoints.get(cfg.name),
      c?.lastError !== undefined ? { message: c.lastError, at: c.lastErrorAt ?? 0 } : undefined,
      polled?.lastError !== undefined
        ? { message: polled.lastError, at: polled.lastErrorAt ?? 0 }
        : undefined,
    ].filter((e): e is { message: string; at: number } => e !== undefined);
    // A commit failure reaches both the sink ("commit failed: X") and the source that waited on it ("X"),
    // a few milliseconds apart: one error, shown once, in the sink's words.
    const sinkError = c?.lastError;
    const same = (e: { message: string }) =>
      sinkError !== undefined && e.message !== sinkError && sinkError === `commit failed: ${e.message}`;
    for (const e of errors) if (same(e)) e.at = Math.min(e.at, c?.lastErrorAt ?? e.at) - 1;
    errors.sort((a, b) => b.at - a.at);
    const last = errors[0];
    const lastBatchAt = c?.lastBatchAt;
    return {
      name: cfg.name,
      kind: cfg.type,
      batches: c?.batches ?? 0,
      records: c?.records ?? 0,
      rejects: c?.rejected ?? 0,
      lastBatchAt: lastBatchAt === undefined ? null : new Date(lastBatchAt).toISOString(),
      lagSeconds: lastBatchAt === undefined ? null : Math.max(0, Math.round((now - lastBatchAt) / 1000)),
      errors: polled !== undefined ? polled.errors : endpoints.count(cfg.name),
      lastError: last?.message ?? null,
      lastErrorAt: last !== undefined && last.at > 0 ? new Date(last.at).toISOString() : null,
    };
  });
}
