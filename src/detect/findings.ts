// Findings as flowwatch stores and shows them: new episodes merged into the stored ones they continue (so a
// re-run over the same range, or an overlapping one, never duplicates a finding), their evidence query and
// sample, the effective state (a suppression past its expiry is open again), and the JSON shape of the CLI
// and the API.

import { unknownNameHint } from '../core/suggest.js';
import {
  type FindingRow,
  type FindingState,
  findingsAround,
  type StoredFinding,
  saveFindings,
} from '../storage/findings.js';
import type { Store } from '../storage/store.js';
import type { BeaconFigures } from './beacon.js';
import { type Detection, SEVERITIES, type Severity } from './definition.js';
import { buildFinding, continues, type DetectedFinding, type FindingWindow } from './episodes.js';
import type { RunSql } from './run.js';
import type { SamplePicks } from './sample-picks.js';
import { silenceEvidenceSql } from './silence.js';
import { evidenceRowsSql, evidenceSamplesSql, evidenceSql, matchedExtras, type SqlSource } from './to-sql.js';

/** Rows of evidence kept with a finding. */
export const SAMPLE_SIZE = 5;

/** The JSON shape of a finding (`--output json`, GET /api/findings). Times are unix seconds. */
export interface FindingJson {
  readonly id: string;
  readonly detection: string;
  readonly title: string;
  readonly severity: Severity;
  readonly state: FindingState;
  readonly stateReason?: string;
  readonly stateUntil?: number;
  readonly entity: string;
  readonly peers: readonly string[];
  readonly morePeers: boolean;
  readonly start: number;
  readonly end: number;
  readonly closed: boolean;
  readonly evidence_count: number;
  readonly peak: number;
  readonly windows: number;
  /** What was seen, in one line (beacons: `every 300 s ± 1%, 640 B each, for 20 h (240 check-ins)`; baselines: the
   * peak window's value against its baseline, "4.1 GB, 38σ above ..."). */
  readonly summary?: string;
}

/** The state a finding is in now: a suppression whose expiry has passed is open again. */
export function effectiveState(f: StoredFinding, nowSeconds: number): FindingState {
  if (f.state === 'suppressed' && f.stateUntil !== undefined && f.stateUntil <= nowSeconds) return 'open';
  return f.state;
}

/**
 * The warning for a findings filter on a detection that is neither in the catalog nor in any stored finding (a
 * misspelt id: the list is empty because of the spelling, not because nothing was found); undefined otherwise.
 *
 * @example unknownDetectionWarning('port-scn', ['vertical-port-scan'], ['vertical-port-scan'])
 * // 'there is no detection "port-scn": no stored finding has it and the catalog does not list it, so nothing can match (did you mean "vertical-port-scan"?)'
 */
export function unknownDetectionWarning(
  id: string,
  stored: readonly string[],
  catalog: readonly string[],
): string | undefined {
  if (stored.includes(id) || catalog.includes(id)) return undefined;
  const known = [...new Set([...stored, ...catalog])];
  const hint = unknownNameHint(
    id,
    known,
    stored.length > 0
      ? `the stored findings are of: ${stored.join(', ')}`
      : 'see them with: flowwatch detections list',
  );
  return `there is no detection "${id}": no stored finding has it and the catalog does not list it, so nothing can match (${hint})`;
}

/** The list/summary JSON of a stored finding. */
export function findingJson(f: StoredFinding, nowSeconds: number): FindingJson {
  const state = effectiveState(f, nowSeconds);
  const summary = storedSummary(f);
  return {
    id: f.id,
    detection: f.detection,
    title: f.title,
    severity: f.severity as Severity,
    state,
    ...(state !== 'open' && f.stateReason !== undefined ? { stateReason: f.stateReason } : {}),
    ...(state === 'suppressed' && f.stateUntil !== undefined ? { stateUntil: f.stateUntil } : {}),
    entity: f.entity,
    peers: f.peers,
    morePeers: f.morePeers,
    start: f.start,
    end: f.end,
    closed: f.closed,
    evidence_count: f.evidenceCount,
    peak: f.peak,
    windows: f.windows.length,
    ...(summary === undefined ? peakSummary(f) : { summary }),
  };
}

/** The summary of the highest window (baseline detections), if any. */
function peakSummary(f: StoredFinding): { summary?: string } {
  let best: Record<string, unknown> | undefined;
  for (const w of f.windows)
    if (
      typeof w['summary'] === 'string' &&
      (best === undefined || Number(w['value']) > Number(best['value']))
    )
      best = w;
  return best === undefined ? {} : { summary: String(best['summary']) };
}

/** The full JSON of one finding (`findings show`, GET /api/findings/:id): adds the windows and evidence. */
export function findingDetailJson(f: StoredFinding, nowSeconds: number) {
  return {
    ...findingJson(f, nowSeconds),
    windows: f.windows,
    evidence: { engine: f.evidenceEngine, query: f.evidenceSql, count: f.evidenceCount, sample: f.sample },
  };
}

/** The summary of a stored finding, rebuilt from its windows (beacon figures are kept in them). */
function storedSummary(f: StoredFinding): string | undefined {
  const ws = toWindows(f.windows);
  return buildFinding(
    { id: f.detection, title: f.title, groupBy: [], entity: [], window: 0, quiet: 0 },
    [],
    ws,
    [],
    f.id,
  ).summary;
}

const toWindows = (ws: readonly Record<string, unknown>[]): FindingWindow[] =>
  ws.map((w) => ({
    w: Number(w['w']),
    value: Number(w['value']),
    records: Number(w['records']),
    firstSeen: Number(w['firstSeen']),
    lastSeen: Number(w['lastSeen']),
    severity: String(w['severity']) as Severity,
    ...(typeof w['summary'] === 'string' ? { summary: w['summary'] } : {}),
    ...(w['beacon'] === undefined ? {} : { beacon: w['beacon'] as BeaconFigures }),
  }));

/** Counts of a save. */
export interface SaveSummary {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** The stored id of each finding given, in order (a merged one keeps the earliest stored id). */
  readonly ids: readonly string[];
}

/** A detected finding merged with the stored findings it continues, ready to be written. */
interface Merge {
  readonly d: Detection;
  readonly near: readonly StoredFinding[];
  readonly merged: DetectedFinding;
  readonly ws: readonly number[];
  readonly sql: string;
  readonly closed: boolean;
  /** True when the store already holds exactly this finding (nothing to write). */
  readonly unchanged: boolean;
}

/**
 * The stored findings a call of storeFindings may continue, read once (findingsAround) and kept up to date with its
 * writes: `near` answers as the store would at that point of the call (the findings of one detection and group
 * whose windows reach into [from, to], by first window), without a query per finding.
 */
class StoredView {
  private readonly rows: StoredFinding[];
  constructor(rows: readonly StoredFinding[]) {
    this.rows = [...rows];
  }
  near(detection: string, key: readonly string[], from: number, to: number): StoredFinding[] {
    const k = JSON.stringify(key);
    return this.rows
      .filter(
        (s) =>
          s.detection === detection &&
          JSON.stringify(s.key) === k &&
          s.lastWindow >= from &&
          s.firstWindow <= to,
      )
      .sort((a, b) => a.firstWindow - b.firstWindow);
  }
  delete(id: string): void {
    const i = this.rows.findIndex((s) => s.id === id);
    if (i >= 0) this.rows.splice(i, 1);
  }
  /** A finding written: as the store reads it back (JSON columns through their text; the state columns are not read). */
  write(f: FindingRow, nowSeconds: number): void {
    const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    const old = this.rows.find((s) => s.id === f.id);
    this.delete(f.id);
    this.rows.push({
      ...f,
      key: json(f.key),
      peers: json(f.peers),
      windows: json(f.windows),
      sample: json(f.sample),
      state: old?.state ?? 'open',
      stateReason: old?.stateReason,
      stateUntil: old?.stateUntil,
      stateAt: old?.stateAt,
      createdAt: old?.createdAt ?? nowSeconds,
      updatedAt: nowSeconds,
    });
  }
}

function mergeWithStored(
  view: StoredView,
  d: Detection,
  f: DetectedFinding,
  src: SqlSource,
  horizon: number,
): Merge {
  const first = f.windows[0]!.w;
  const last = f.windows.at(-1)!.w;
  const near = view
    .near(d.id, f.key, first - d.window - d.quiet, last + d.window + d.quiet)
    .filter((s) => continues(d, s.lastWindow, first) && continues(d, last, s.firstWindow));
  const windows = new Map<number, FindingWindow>();
  for (const s of near) for (const w of toWindows(s.windows)) windows.set(w.w, w);
  for (const w of f.windows) windows.set(w.w, w);
  const peers = [...near.flatMap((s) => s.peers), ...f.peers];
  const merged = buildFinding(
    d,
    f.key,
    [...windows.values()],
    peers,
    near[0]?.id ?? f.id,
    near.some((s) => s.morePeers) || f.morePeers ? Number.POSITIVE_INFINITY : 0,
  );
  const ws = merged.windows.map((w) => w.w);
  const sql =
    d.kind === 'silence' ? silenceEvidenceSql(src, d, merged.key, ws) : evidenceSql(src, d, merged.key, ws);
  const closed = merged.windows.at(-1)!.w + d.window + d.quiet <= horizon;
  const before = near.find((s) => s.id === merged.id);
  const unchanged =
    before !== undefined &&
    near.length === 1 &&
    JSON.stringify(toWindows(before.windows)) === JSON.stringify(merged.windows) &&
    before.closed === closed &&
    before.severity === merged.severity;
  return { d, near, merged, ws, sql, closed, unchanged };
}

/** What identifies a merge's evidence: detection, group and windows. */
const evidenceKey = (m: Merge) => JSON.stringify([m.d.id, m.merged.key, m.ws]);

/**
 * The evidence samples of many findings with one query per detection (evidenceSamplesSql) where the source allows
 * it (DuckDB over `flows`; not the silence kind, whose evidence has its own shape), keyed by evidenceKey. Each is
 * the first SAMPLE_SIZE rows its evidence query returns (event time order; ties by file and line).
 */
async function samplesOf(
  merges: readonly Merge[],
  src: SqlSource,
  run: RunSql,
  picked?: SamplePicks,
): Promise<Map<string, Record<string, unknown>[]>> {
  const out = new Map<string, Record<string, unknown>[]>();
  if (src.engine !== 'duckdb' || src.relation !== undefined) return out;
  const byDetection = new Map<string, Merge[]>();
  const picks: { key: string; fileId: number; line: number; extras: Readonly<Record<string, unknown>> }[] =
    [];
  for (const m of merges) {
    if (m.unchanged || m.d.kind === 'silence') continue;
    const k = evidenceKey(m);
    if (out.has(k)) continue;
    out.set(k, []);
    // picked by the run's hits query when every window of the finding was
    const p = picked?.of(m.d.id, m.merged.key, m.ws);
    if (p !== undefined) picks.push(...p.map((r) => ({ key: k, ...r })));
    else byDetection.set(m.d.id, [...(byDetection.get(m.d.id) ?? []), m]);
  }
  // which records: one query per detection, over the columns it reads
  for (const ms of byDetection.values()) {
    const d = ms[0]!.d;
    const rows = await run(
      evidenceSamplesSql(
        src,
        d,
        ms.map((m) => ({ key: m.merged.key, windows: m.ws })),
        SAMPLE_SIZE,
      ),
    );
    for (const r of rows)
      picks.push({
        key: evidenceKey(ms[Number(r['fw_i'])]!),
        fileId: Number(r['file_id']),
        line: Number(r['line']),
        extras: Object.fromEntries(matchedExtras(d).map((c) => [c, r[c]])),
      });
  }
  if (picks.length === 0) return out;
  // their every column: one query by file ids
  const full = new Map<string, Record<string, unknown>>();
  for (const r of await run(evidenceRowsSql(picks)))
    full.set(`${Number(r['file_id'])}:${Number(r['line'])}`, r);
  for (const p of picks) {
    const r = full.get(`${p.fileId}:${p.line}`);
    if (r !== undefined) out.get(p.key)!.push(plainRow({ ...r, ...p.extras }));
  }
  return out;
}

/**
 * Stores detected findings. Each is merged with the stored findings of its detection and group it continues
 * (windows within the quiet period on either side): windows of the same start are replaced by the new run's,
 * the others kept; the earliest stored id and its state survive. `horizon` is the time up to which the data
 * was looked at: an episode whose last window ended more than the quiet period before it is closed.
 *
 * The merges are worked out first, so that the evidence samples of a detection's findings come from one query
 * (or from `picked`, the run's hits queries' picks, when every window of the finding is there);
 * a finding whose detection and group an earlier one of the same call wrote is merged again before it is written.
 */
export async function storeFindings(
  store: Store,
  detections: readonly Detection[],
  found: readonly DetectedFinding[],
  src: SqlSource,
  run: RunSql,
  horizon: number,
  nowSeconds: number,
  picked?: SamplePicks,
): Promise<SaveSummary> {
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const ids: string[] = [];
  const byId = new Map(detections.map((d) => [d.id, d]));
  // the stored findings any of them may continue: one query, then kept up to date with the writes below
  const spans = found.map((f) => {
    const d = byId.get(f.detection)!;
    return [f.windows[0]!.w - d.window - d.quiet, f.windows.at(-1)!.w + d.window + d.quiet] as const;
  });
  const view = new StoredView(
    found.length === 0
      ? []
      : await findingsAround(
          store,
          [...new Set(found.map((f) => f.detection))],
          Math.min(...spans.map((s) => s[0])),
          Math.max(...spans.map((s) => s[1])),
        ),
  );
  const merges = found.map((f) => mergeWithStored(view, byId.get(f.detection)!, f, src, horizon));
  const samples = await samplesOf(merges, src, run, picked);
  // What is written, in one transaction at the end: each id's last row, and every id deleted on the way (merged
  // into another finding; one written again after that is then inserted afresh, as it was in turn).
  const rows = new Map<string, FindingRow>();
  const deleted = new Set<string>();
  // detection and group of each finding written below: a later finding of the same one is merged again
  const written = new Set<string>();
  for (const [i, f] of found.entries()) {
    const group = JSON.stringify([f.detection, f.key]);
    const m = written.has(group) ? mergeWithStored(view, merges[i]!.d, f, src, horizon) : merges[i]!;
    const { d, near, merged, ws, sql, closed } = m;
    ids.push(merged.id);
    if (m.unchanged) {
      unchanged++;
      continue;
    }
    const sample =
      samples.get(evidenceKey(m)) ?? [...(await run(`${sql}\nLIMIT ${SAMPLE_SIZE}`))].map(plainRow);
    const before = near.find((s) => s.id === merged.id);
    const row: FindingRow = {
      id: merged.id,
      detection: d.id,
      title: d.title,
      severity: merged.severity,
      key: merged.key,
      entity: merged.entity,
      peers: merged.peers,
      morePeers: merged.morePeers,
      start: merged.start,
      end: merged.end,
      firstWindow: ws[0]!,
      lastWindow: ws.at(-1)!,
      windows: merged.windows as unknown as Record<string, unknown>[],
      evidenceCount: merged.evidenceCount,
      peak: merged.peak,
      evidenceSql: sql,
      evidenceEngine: src.engine,
      sample,
      closed,
    };
    for (const s of near)
      if (s.id !== row.id) {
        deleted.add(s.id);
        rows.delete(s.id);
        view.delete(s.id);
      }
    rows.delete(row.id);
    rows.set(row.id, row);
    view.write(row, nowSeconds);
    written.add(group);
    if (before === undefined) created++;
    else updated++;
  }
  await saveFindings(store, [...rows.values()], [...deleted], nowSeconds);
  return { created, updated, unchanged, ids };
}

/** A row with BigInts turned into numbers and NULL fields left out, for JSON. */
function plainRow(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'bigint' ? Number(v) : v;
  }
  return out;
}

/** Severity rank for sorting (critical first). */
export const severityRank = (s: string) => SEVERITIES.indexOf(s as Severity);
