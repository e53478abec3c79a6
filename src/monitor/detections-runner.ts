// The detection catalog, live: when a detection's window closes (plus the monitor's evaluation delay, for records
// still on their way), the monitor runs it over the store's recent windows, stores the findings like
// `flowwatch detect` does (episodes merged, re-runs idempotent) and tells the topics of `findingActions` about
// every new finding and every finding whose severity rose. docs/decisions/21-detections.md ("Live") says why the
// live path runs the DuckDB backend over the store rather than holding records in memory.

import { type FindingAction, topicsForFinding } from '../config/finding-actions-config.js';
import { isoUtc } from '../core/time.js';
import { type Detection, SEVERITIES, type Severity } from '../detect/definition.js';
import type { DetectedFinding } from '../detect/episodes.js';
import { findingDetailJson, storeFindings } from '../detect/findings.js';
import { detectWithSql } from '../detect/run.js';
import { type SqlSource, sliceBinsSql } from '../detect/to-sql.js';
import { entityLabel, resourceNames } from '../network/resource-names.js';
import { hashUuid, subjectLine } from '../notify/envelope.js';
import type { Dispatcher } from '../notify/index.js';
import type { PlainMessage } from '../notify/message.js';
import { getFinding, recordDetectionRun, type StoredFinding } from '../storage/findings.js';
import type { Store } from '../storage/store.js';

/** Which finding severities were already told to a topic (so a restart or a re-run does not repeat them). */
const NOTIFIED_DDL = `CREATE TABLE IF NOT EXISTS finding_notifications (
  finding_id VARCHAR NOT NULL, topic VARCHAR NOT NULL, severity VARCHAR NOT NULL, notified_at BIGINT NOT NULL,
  PRIMARY KEY (finding_id, topic))`;

/** Windows before the one that just closed that each run looks at again (records that arrived late). */
export const LATE_WINDOWS = 1;

/** Detection kinds whose findings of a window come from that window's records alone (see tick). */
const WINDOW_LOCAL: ReadonlySet<Detection['kind']> = new Set(['threshold', 'pair']);

/**
 * A slice's new files are those above the highest file id already sliced less this many (file ids are drawn when
 * a load starts, so a file may commit after one with a higher id; the monitor's few loaders are never this far
 * apart).
 */
const FILE_ID_SLACK = 10_000;

/** Seconds between two slices of a window being filled (a tenth of the window, at least 5 s, at most 60 s). */
export function sliceSeconds(window: number): number {
  return Math.min(60, Math.max(5, Math.floor(window / 10)));
}

/**
 * The incremental state of the threshold detections of one window length (docs/decisions/66-live-incremental.md):
 * a temporary table of the runner's connection holding the pre-aggregate (sliceBinsSql) of every stored record of
 * the files already sliced whose event time is at or after `keepFrom`, and which files those are.
 */
interface SliceState {
  readonly signature: string;
  readonly table: string;
  readonly detections: readonly Detection[];
  readonly window: number;
  /** Whether the table exists yet (made by the first slice that finds records). */
  made: boolean;
  /** Files already sliced with an id above `mark - FILE_ID_SLACK`. */
  readonly seen: Set<number>;
  /** The highest file id sliced (-1 before the first slice: every stored file is new). */
  mark: number;
  /** Records before this event time are no longer kept (no run will look at their windows again). */
  keepFrom: number;
  /** When the last slice ran (the runner's clock). */
  lastSlice: number;
}

export interface DetectionsRunnerOptions {
  /** Seconds after a window closes before it is evaluated (the monitor's `evaluationDelaySeconds`). */
  readonly delaySeconds: number;
  readonly account: string;
  readonly region: string;
  /** Baseline detections read the monitor's rollups (`monitor.baselineRollups`) instead of the records. */
  readonly rollups?: boolean;
  /** Unix seconds (tests pass a clock). */
  readonly now?: () => number;
  readonly log?: (event: string, fields: Record<string, unknown>, level?: 'info' | 'warn' | 'error') => void;
}

/** What one evaluation did, for logs and tests. */
export interface LiveRun {
  readonly at: number;
  readonly detections: readonly string[];
  readonly created: number;
  readonly updated: number;
  readonly notified: number;
  readonly ms: number;
  /** Where the time went: the detection queries, storing the findings, notifying (ms each). */
  readonly phases: { readonly detect: number; readonly store: number; readonly notify: number };
  /** The process's CPU milliseconds meanwhile (DuckDB's threads and whatever else ran beside: an upper bound). */
  readonly cpuMs: number;
}

/**
 * Runs the enabled detections as their windows close and notifies `findingActions`' topics.
 *
 * @example const r = new DetectionsRunner(config.detections, config.findingActions, store, dispatcher, opts); r.start();
 */
export class DetectionsRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Per detection id: the end of the last window evaluated (unix seconds). */
  private readonly done = new Map<string, number>();
  private ready: Promise<void> | undefined;
  private lastError: { error: string; at: number } | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly noted = new Set<string>();
  /** The most recent runs, newest last (kept for /healthz and tests). */
  readonly runs: LiveRun[] = [];
  /** The runner's own connection to the store (see connection()). */
  private db: Promise<Store> | undefined;
  /** Per window length: the incremental state of its threshold detections. */
  private readonly slices = new Map<number, SliceState>();
  /** Slices run so far (tests). */
  sliceCount = 0;

  constructor(
    private detections: readonly Detection[],
    private actions: readonly FindingAction[],
    private readonly store: Store,
    private readonly dispatcher: Dispatcher | undefined,
    private readonly opts: DetectionsRunnerOptions,
  ) {}

  private now(): number {
    return (this.opts.now ?? (() => Date.now() / 1000))();
  }

  /** Applies a reloaded configuration: the catalog and the finding actions. */
  reload(detections: readonly Detection[], actions: readonly FindingAction[]): void {
    this.detections = detections;
    this.actions = actions;
  }

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.queue;
    const db = await this.db?.catch(() => undefined);
    if (db !== undefined && db !== this.store) db.close();
    this.db = undefined;
  }

  /**
   * The store on a connection of the runner's own (Store.session): its detection queries, findings transactions
   * and notifications' reads do not queue behind the monitor's commits and alarm queries on the store's
   * connection. The store's connection itself when it cannot give one (a read-only store).
   */
  private connection(): Promise<Store> {
    this.db ??= this.store.session().catch(() => this.store);
    return this.db;
  }

  /** Runs `fn` after the evaluations and slices queued before it: one at a time on the runner's connection. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** Resolves once the runs due by now have finished (tests). */
  async idle(): Promise<void> {
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, 250);
  }

  /** The end of the last closed window of `d` that is due by `now` (its close plus the delay has passed). */
  private closedUntil(d: Detection, now: number): number {
    return Math.floor((now - this.opts.delaySeconds) / d.window) * d.window;
  }

  /** One look at the clock: runs the evaluations due and the slices due (the timer calls it; tests too). */
  async tick(): Promise<void> {
    try {
      this.ready ??= this.store.query(NOTIFIED_DDL).then(() => undefined);
      await this.ready;
      const now = this.now();
      // Detections whose latest window closed since their last run, grouped by the range to look at.
      const due = new Map<string, { since: number; fresh: number; until: number; list: Detection[] }>();
      for (const d of this.detections) {
        if (!d.enabled) continue;
        const until = this.closedUntil(d, now);
        const last = this.done.get(d.id);
        if (last === undefined) {
          // First look: the window that closed last, so a restart picks up where the store is.
          this.done.set(d.id, until - d.window);
        }
        if (until <= (this.done.get(d.id) ?? until)) continue;
        const fresh = Math.max(this.done.get(d.id)!, until - d.window);
        const since = fresh - LATE_WINDOWS * d.window;
        const key = `${since}:${fresh}:${until}`;
        const g = due.get(key) ?? { since, fresh, until, list: [] };
        g.list.push(d);
        due.set(key, g);
        this.done.set(d.id, until);
      }
      // Window-local kinds (a window's findings come from that window's records only) run the windows that just
      // closed first, stored and notified, and the window before them (late records) last, so a notification waits
      // for one window's scan, not two; the other kinds run over the whole range at once, in between.
      // Threshold detections read the windows from their incremental state (only the files stored since its last
      // slice are scanned), ahead of the pair detections, which scan the window.
      for (const g of due.values()) {
        const local = g.fresh > g.since ? g.list.filter((d) => WINDOW_LOCAL.has(d.kind)) : [];
        const sliced = local.filter((d) => d.kind === 'threshold');
        const pairs = local.filter((d) => d.kind !== 'threshold');
        const others = g.list.filter((d) => !local.includes(d));
        const byWindow = [...new Set(sliced.map((d) => d.window))].map((w) =>
          sliced.filter((d) => d.window === w),
        );
        for (const l of byWindow) await this.evaluateSliced(l, g.fresh, g.until, now, g.until, g.since);
        if (pairs.length > 0) await this.evaluate(pairs, g.fresh, g.until, now);
        if (others.length > 0) await this.evaluate(others, g.since, g.until, now);
        for (const l of byWindow) await this.evaluateSliced(l, g.since, g.fresh, now, g.until, g.since);
        if (pairs.length > 0) await this.evaluate(pairs, g.since, g.fresh, now, g.until);
      }
      await this.sliceDue(now);
    } catch (err) {
      this.ready = undefined;
      // The same failure on every tick is logged once a minute, not four times a second.
      const error = (err as Error).message;
      const t = Date.now();
      if (error !== this.lastError?.error || t - this.lastError.at > 60_000) {
        this.lastError = { error, at: t };
        this.opts.log?.('detection_error', { error }, 'error');
      }
    }
  }

  /**
   * Runs `list` over [since, until), stores the findings and notifies (the demo uses it for its history's day).
   * Calls are queued: one evaluation at a time. `horizon` (default `until`): the time up to which the store has
   * been looked at, which decides whether an episode has closed (a late window's run passes the fresh run's end).
   */
  evaluate(
    list: readonly Detection[],
    since: number,
    until: number,
    now = this.now(),
    horizon = until,
  ): Promise<LiveRun> {
    // One at a time: storing findings runs transactions on the runner's connection.
    return this.serial(() => this.evaluateNow(list, since, until, now, horizon));
  }

  /**
   * Runs the threshold detections `list` (one window length) over [since, until) from their incremental state:
   * a last slice adds the files stored since the previous one, then the hits are read from the state table, which
   * holds the pre-aggregate of exactly the records `flows` holds for the range (the same hits as a scan of it).
   */
  private evaluateSliced(
    list: readonly Detection[],
    since: number,
    until: number,
    now: number,
    horizon: number,
    keepFrom: number,
  ): Promise<LiveRun> {
    return this.serial(async () => {
      const started = performance.now();
      const state = this.stateFor(list, keepFrom);
      let src: SqlSource;
      try {
        await this.slice(state, now);
        src = state.made
          ? { engine: 'duckdb', relation: state.table, aggregated: true }
          : { engine: 'duckdb' }; // nothing stored yet: the (empty) range of flows
      } catch (err) {
        // The state cannot be trusted: start it again at the next run, and scan the window this time.
        this.slices.delete(state.window);
        this.opts.log?.('detection_slice_failed', { error: (err as Error).message }, 'warn');
        src = { engine: 'duckdb' };
      }
      const r = await this.evaluateNow(list, since, until, now, horizon, src, performance.now() - started);
      // The windows before `keepFrom` (the run's late window) are looked at no more: their records leave the state.
      if (state.made && keepFrom > state.keepFrom && this.slices.get(state.window) === state) {
        state.keepFrom = keepFrom;
        const db = await this.connection();
        await db.query(`DELETE FROM ${state.table} WHERE event_time < ${Math.floor(keepFrom)}`);
      }
      return r;
    });
  }

  /** The incremental state of `list`'s window length, made anew (empty) when the detections changed. */
  private stateFor(list: readonly Detection[], keepFrom: number): SliceState {
    const window = list[0]!.window;
    const signature = JSON.stringify(
      list.map((d) => [d.id, d.window, d.groupBy, d.filter, d.anyOf, d.allow]),
    );
    const old = this.slices.get(window);
    if (old !== undefined && old.signature === signature) return old;
    const state: SliceState = {
      signature,
      table: `fw_live_bins_${Math.trunc(window)}`,
      detections: list,
      window,
      made: false,
      seen: new Set(),
      mark: -1,
      keepFrom,
      lastSlice: Number.NEGATIVE_INFINITY,
    };
    this.slices.set(window, state);
    return state;
  }

  /**
   * Slices the state whose slice is most overdue by `now` (between window closes, as records arrive): one per
   * tick, and none once a window has closed, so that a closing window waits for one slice at most.
   */
  private async sliceDue(now: number): Promise<void> {
    const due = [...this.slices.values()]
      .filter((s) => now - s.lastSlice >= sliceSeconds(s.window))
      .sort((a, b) => a.lastSlice - b.lastSlice);
    const state = due[0];
    if (state === undefined || this.closing(this.now())) return;
    await this.serial(() => this.slice(state, now));
  }

  /** Whether an enabled detection's window has closed (plus the delay) since its last run. */
  private closing(now: number): boolean {
    return this.detections.some((d) => {
      const last = this.done.get(d.id);
      return d.enabled && last !== undefined && this.closedUntil(d, now) > last;
    });
  }

  /**
   * Adds the records of the files stored since the state's last slice (event time at or after keepFrom) to its
   * table, in one transaction: the files listed and the records read are those of one snapshot, so every record
   * is counted once whatever commits meanwhile.
   */
  private async slice(state: SliceState, now: number): Promise<void> {
    const db = await this.connection();
    state.lastSlice = now;
    await db.query('BEGIN TRANSACTION');
    try {
      const listed = await db.query(
        `SELECT id FROM files${state.mark >= 0 ? ` WHERE id > ${state.mark - FILE_ID_SLACK}` : ''}`,
      );
      const fresh = listed.rows.map((r) => Number(r['id'])).filter((id) => !state.seen.has(id));
      if (fresh.length > 0) {
        const lo = Math.min(...fresh);
        const hi = Math.max(...fresh);
        // ids in [lo, hi] visible in this snapshot are the new files and some already sliced (out of order)
        const skip = [...state.seen].filter((id) => id >= lo && id <= hi);
        const where = [
          `file_id BETWEEN ${lo} AND ${hi}`,
          ...(skip.length > 0 ? [`file_id NOT IN (${skip.join(', ')})`] : []),
          `event_time >= ${Math.floor(state.keepFrom)}`,
        ];
        const select = sliceBinsSql(state.detections, where);
        await db.query(
          state.made
            ? `INSERT INTO ${state.table} ${select}`
            : `CREATE OR REPLACE TEMP TABLE ${state.table} AS ${select}`,
        );
        state.made = true;
        for (const id of fresh) state.seen.add(id);
        state.mark = Math.max(state.mark, hi);
        for (const id of state.seen) if (id <= state.mark - FILE_ID_SLACK) state.seen.delete(id);
        this.sliceCount++;
      }
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private async evaluateNow(
    list: readonly Detection[],
    since: number,
    until: number,
    now: number,
    horizon: number,
    from?: SqlSource,
    sliceMs = 0,
  ): Promise<LiveRun> {
    const started = performance.now() - sliceMs;
    const cpu = process.cpuUsage();
    const db = await this.connection();
    const run = async (sql: string) => (await db.query(sql)).rows;
    const src: SqlSource = from ?? {
      engine: 'duckdb' as const,
      ...(this.opts.rollups === true ? { rollups: true } : {}),
    };
    // A baseline detection's note (too little history, rollups missing) is logged once per detection and text.
    const found = await this.notSuperseded(
      db,
      list,
      await detectWithSql(list, src, { since, until }, run, undefined, (id, text) => {
        const key = `${id}\u0000${text.replace(/\d+/g, '#')}`;
        if (this.noted.has(key)) return;
        this.noted.add(key);
        this.opts.log?.('detection_note', { detection: id, note: text }, 'warn');
      }),
    );
    const detected = performance.now();
    const summary = await storeFindings(db, list, found, { engine: 'duckdb' }, run, horizon, Math.floor(now));
    await recordDetectionRun(db, {
      detections: list.map((d) => d.id),
      since,
      until,
      at: Math.floor(now),
      engine: 'duckdb',
    });
    const stored = performance.now();
    let notified = 0;
    const names = summary.ids.length > 0 ? await resourceNames(db) : undefined;
    for (const id of new Set(summary.ids)) {
      const f = await getFinding(db, id);
      if (f !== undefined)
        notified += await this.notify(db, f, list, Math.floor(now), entityLabel(names, f.entity));
    }
    const r: LiveRun = {
      at: Math.floor(now),
      detections: list.map((d) => d.id),
      created: summary.created,
      updated: summary.updated,
      notified,
      ms: Math.round(performance.now() - started),
      phases: {
        detect: Math.round(detected - started),
        store: Math.round(stored - detected),
        notify: Math.round(performance.now() - stored),
      },
      cpuMs: Math.round((process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000),
    };
    this.runs.push(r);
    if (this.runs.length > 50) this.runs.shift();
    if (found.length > 0 || r.ms > 5000)
      this.opts.log?.('detections_evaluated', { ...r, since, until, findings: found.length });
    return r;
  }

  /**
   * `supersededBy` across runs: a detection's windows close at other times than the faster variant it names, so
   * detectWithSql (which drops superseded findings within one run) never sees both; here a finding is also dropped
   * when the stored findings hold the named detection's finding on the same entity, overlapping in time.
   */
  private async notSuperseded(
    db: Store,
    list: readonly Detection[],
    found: readonly DetectedFinding[],
  ): Promise<DetectedFinding[]> {
    const by = new Map(list.flatMap((d) => (d.supersededBy ? [[d.id, d.supersededBy] as const] : [])));
    if (by.size === 0 || !found.some((f) => by.has(f.detection)) || !(await db.hasTable('findings')))
      return [...found];
    const out: DetectedFinding[] = [];
    for (const f of found) {
      const other = by.get(f.detection);
      if (other !== undefined) {
        const r = await db.query(
          'SELECT 1 FROM findings WHERE detection = $1 AND entity = $2 AND start_time <= $3 AND end_time >= $4 LIMIT 1',
          [other, f.entity, f.end, f.start],
        );
        if (r.rows.length > 0) continue;
      }
      out.push(f);
    }
    return out;
  }

  /** Tells each topic of the finding's actions, once per severity it reaches; returns the messages published. */
  private async notify(
    db: Store,
    f: StoredFinding,
    list: readonly Detection[],
    now: number,
    name: string | undefined,
  ): Promise<number> {
    if (this.dispatcher === undefined || this.actions.length === 0) return 0;
    const json = findingDetailJson(f, now);
    if (json.state !== 'open') return 0; // acknowledged or suppressed: the team has seen it
    const severity = f.severity as Severity;
    const topics = topicsForFinding(this.actions, f.detection, severity);
    let n = 0;
    for (const topic of topics) {
      const before = await db.query(
        'SELECT severity FROM finding_notifications WHERE finding_id = $1 AND topic = $2',
        [f.id, topic],
      );
      const told = before.rows[0]?.['severity'] as Severity | undefined;
      if (told !== undefined && SEVERITIES.indexOf(told) >= SEVERITIES.indexOf(severity)) continue;
      const d = list.find((x) => x.id === f.detection);
      const message: PlainMessage = {
        kind: 'message',
        Subject: findingSubject(f, told),
        Message: JSON.stringify({ source: 'flowwatch', type: 'finding', finding: json }),
        AWSAccountId: this.opts.account,
        region: this.opts.region,
        source: `finding ${f.detection}`,
        text: findingText(f, d, told, name),
      };
      try {
        await this.dispatcher.publish(topic, message, {
          messageId: hashUuid(`${f.id}\n${severity}\n${topic}`),
        });
        await db.query(
          `INSERT INTO finding_notifications VALUES ($1, $2, $3, $4)
           ON CONFLICT (finding_id, topic) DO UPDATE SET severity = excluded.severity, notified_at = excluded.notified_at`,
          [f.id, topic, severity, now],
        );
        n++;
      } catch (err) {
        this.opts.log?.(
          'finding_notification_failed',
          { finding: f.id, topic, error: (err as Error).message },
          'error',
        );
      }
    }
    return n;
  }
}

/**
 * The subject of a finding's message, cut to SNS's 99 characters.
 *
 * @example findingSubject(f) // 'HIGH finding: Vertical port scan (many ports on one host) on 10.0.1.5'
 */
export function findingSubject(f: StoredFinding, before?: Severity): string {
  return subjectLine(
    `${f.severity.toUpperCase()} finding${before !== undefined ? ` (was ${before})` : ''}: ${f.title} on ${f.entity}`,
  );
}

const SAMPLE_COLUMNS = [
  'start',
  'interface_id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'action',
];

/** The readable body of a finding's mail and Slack message. */
export function findingText(
  f: StoredFinding,
  d: Detection | undefined,
  before?: Severity,
  name?: string,
): string {
  const lines = [
    `flowwatch found: ${f.title}${before !== undefined ? ` (severity rose from ${before} to ${f.severity})` : ''}`,
    '',
    `Severity:  ${f.severity}`,
    `Entity:    ${f.entity}${name !== undefined ? ` (${name})` : ''}`,
    `Peers:     ${f.peers.length === 0 ? '-' : f.peers.slice(0, 10).join(', ')}${f.morePeers || f.peers.length > 10 ? ' (and more)' : ''}`,
    `First:     ${isoUtc(f.start)}`,
    `Last:      ${isoUtc(f.end)}`,
    `Windows:   ${f.windows.length} (peak ${f.peak})`,
    `Evidence:  ${f.evidenceCount} records`,
  ];
  if (d?.attack !== undefined)
    lines.push(
      `MITRE:     ${d.attack.tactic} ${d.attack.tacticName} / ${d.attack.technique} ${d.attack.techniqueName}`,
    );
  if (d !== undefined) lines.push('', d.description.trim());
  if (f.sample.length > 0) {
    lines.push('', `First ${f.sample.length} evidence records:`);
    const cols = SAMPLE_COLUMNS.filter((c) => f.sample.some((r) => r[c] !== undefined && r[c] !== null));
    const cell = (r: Record<string, unknown>, c: string) =>
      c === 'start' && typeof r[c] === 'number' ? isoUtc(r[c] as number) : String(r[c] ?? '-');
    const widths = cols.map((c) => Math.max(c.length, ...f.sample.map((r) => cell(r, c).length)));
    lines.push(cols.map((c, i) => c.padEnd(widths[i]!)).join('  '));
    for (const r of f.sample)
      lines.push(
        cols
          .map((c, i) => cell(r, c).padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
  }
  lines.push('', `See it: flowwatch findings show ${f.id}`, `Acknowledge: flowwatch findings ack ${f.id}`);
  return lines.join('\n');
}
