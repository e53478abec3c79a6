// What /healthz says about each configured source: its kind, records and rejects committed, lag (seconds since
// its last commit) and last error, whether it is a polling source or a push endpoint.

import type { SourceConfig } from '../config/monitor-config.js';
import type { PushResponse } from '../ingest/sources/push-http.js';
import type { Source } from '../ingest/sources/source.js';
import type { SourceCounters } from './store-sink.js';

/** One configured source in /healthz. */
export interface SourceHealth {
  readonly name: string;
  /** directory, s3, cloudwatch-logs, firehose or subscription. */
  readonly kind: string;
  /** Batches, records and rejected lines committed since the monitor started. */
  readonly batches: number;
  readonly records: number;
  readonly rejects: number;
  /** ISO time of its last commit; null before the first one. */
  readonly lastBatchAt: string | null;
  /** Seconds since its last commit; null before the first one. */
  readonly lagSeconds: number | null;
  /** Its most recent error (a refused request, a failed commit, a failed poll); null when none. */
  readonly lastError: string | null;
}

/** The last refusal of each push endpoint (status ≥ 400), with its time. */
export class EndpointErrors {
  private readonly last = new Map<string, { message: string; at: number }>();

  /** Notes an answered request; only refusals are kept. */
  note(source: string, res: PushResponse, now = Date.now()): void {
    if (res.status < 400) return;
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
    ].filter((e): e is { message: string; at: number } => e !== undefined);
    errors.sort((a, b) => b.at - a.at);
    const lastBatchAt = c?.lastBatchAt;
    return {
      name: cfg.name,
      kind: cfg.type,
      batches: c?.batches ?? 0,
      records: c?.records ?? 0,
      rejects: c?.rejected ?? 0,
      lastBatchAt: lastBatchAt === undefined ? null : new Date(lastBatchAt).toISOString(),
      lagSeconds: lastBatchAt === undefined ? null : Math.max(0, Math.round((now - lastBatchAt) / 1000)),
      lastError: errors[0]?.message ?? polled?.lastError ?? null,
    };
  });
}
