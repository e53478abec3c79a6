// The stored findings of the detections (table `findings`, added without a schema version bump): one row per
// episode, its windows, peers, evidence query and sample, and its state (open, acknowledged, suppressed).

import type { Store } from './store.js';

/** The findings transaction running on each store's connection (one at a time: see inFindingsTransaction). */
const running = new WeakMap<Store, Promise<unknown>>();

/**
 * Runs `fn` inside BEGIN … COMMIT (ROLLBACK on error), after any other findings transaction on the same store: the
 * monitor's live detections and the API's ack/suppress share one connection, and DuckDB refuses a transaction
 * begun inside another.
 */
async function inFindingsTransaction<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const before = running.get(store) ?? Promise.resolve();
  const next = before
    .then(
      () => undefined,
      () => undefined,
    )
    .then(async () => {
      await store.query('BEGIN TRANSACTION');
      try {
        const out = await fn();
        await store.query('COMMIT');
        return out;
      } catch (err) {
        await store.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  running.set(store, next);
  return next;
}

/** DDL of the findings table (see baseSchema). */
export const FINDINGS_DDL = `CREATE TABLE IF NOT EXISTS findings (
  id VARCHAR PRIMARY KEY,
  detection VARCHAR NOT NULL,
  title VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  group_key VARCHAR NOT NULL,
  entity VARCHAR NOT NULL,
  peers VARCHAR NOT NULL,
  more_peers BOOLEAN NOT NULL,
  start_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  first_window BIGINT NOT NULL,
  last_window BIGINT NOT NULL,
  windows VARCHAR NOT NULL,
  evidence_count BIGINT NOT NULL,
  peak DOUBLE NOT NULL,
  evidence_sql VARCHAR NOT NULL,
  evidence_engine VARCHAR NOT NULL,
  sample VARCHAR NOT NULL,
  closed BOOLEAN NOT NULL,
  state VARCHAR NOT NULL,
  state_reason VARCHAR,
  state_until BIGINT,
  state_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)`;

/** User states of a finding. */
export type FindingState = 'open' | 'acknowledged' | 'suppressed';

/** A finding row as stored (JSON columns parsed). */
export interface StoredFinding {
  readonly id: string;
  readonly detection: string;
  readonly title: string;
  readonly severity: string;
  readonly key: readonly string[];
  readonly entity: string;
  readonly peers: readonly string[];
  readonly morePeers: boolean;
  readonly start: number;
  readonly end: number;
  readonly firstWindow: number;
  readonly lastWindow: number;
  readonly windows: readonly Record<string, unknown>[];
  readonly evidenceCount: number;
  readonly peak: number;
  readonly evidenceSql: string;
  readonly evidenceEngine: string;
  readonly sample: readonly Record<string, unknown>[];
  readonly closed: boolean;
  /** The state as set (see effectiveState for an expired suppression). */
  readonly state: FindingState;
  readonly stateReason: string | undefined;
  readonly stateUntil: number | undefined;
  readonly stateAt: number | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What is written for a finding (state columns are kept on update). */
export type FindingRow = Omit<
  StoredFinding,
  'state' | 'stateReason' | 'stateUntil' | 'stateAt' | 'createdAt' | 'updatedAt'
>;

function fromRow(r: Record<string, unknown>): StoredFinding {
  const n = (k: string) => (r[k] === null || r[k] === undefined ? undefined : Number(r[k]));
  return {
    id: String(r['id']),
    detection: String(r['detection']),
    title: String(r['title']),
    severity: String(r['severity']),
    key: JSON.parse(String(r['group_key'])) as string[],
    entity: String(r['entity']),
    peers: JSON.parse(String(r['peers'])) as string[],
    morePeers: r['more_peers'] === true,
    start: Number(r['start_time']),
    end: Number(r['end_time']),
    firstWindow: Number(r['first_window']),
    lastWindow: Number(r['last_window']),
    windows: JSON.parse(String(r['windows'])) as Record<string, unknown>[],
    evidenceCount: Number(r['evidence_count']),
    peak: Number(r['peak']),
    evidenceSql: String(r['evidence_sql']),
    evidenceEngine: String(r['evidence_engine']),
    sample: JSON.parse(String(r['sample'])) as Record<string, unknown>[],
    closed: r['closed'] === true,
    state: String(r['state']) as FindingState,
    stateReason: r['state_reason'] === null ? undefined : String(r['state_reason']),
    stateUntil: n('state_until'),
    stateAt: n('state_at'),
    createdAt: Number(r['created_at']),
    updatedAt: Number(r['updated_at']),
  };
}

/**
 * The stored findings of these detections whose windows reach into [from, to], by first window: what findingsNear
 * returns for each of their groups within that span, in one query (storeFindings picks the groups in memory).
 */
export async function findingsAround(
  store: Store,
  detections: readonly string[],
  from: number,
  to: number,
): Promise<StoredFinding[]> {
  if (detections.length === 0) return [];
  const r = await store.query(
    `SELECT * FROM findings WHERE detection IN (${numbered(detections.length, 3)}) AND last_window >= $1 AND first_window <= $2 ORDER BY first_window, id`,
    [from, to, ...detections],
  );
  return r.rows.map(fromRow);
}

/** The columns an update of a stored finding sets (its state and creation time are kept). */
const UPSERT = `ON CONFLICT (id) DO UPDATE SET detection = excluded.detection, title = excluded.title, severity = excluded.severity,
  group_key = excluded.group_key, entity = excluded.entity, peers = excluded.peers, more_peers = excluded.more_peers,
  start_time = excluded.start_time, end_time = excluded.end_time, first_window = excluded.first_window,
  last_window = excluded.last_window, windows = excluded.windows, evidence_count = excluded.evidence_count,
  peak = excluded.peak, evidence_sql = excluded.evidence_sql, evidence_engine = excluded.evidence_engine,
  sample = excluded.sample, closed = excluded.closed, updated_at = excluded.updated_at`;

/** A finding's written columns, in the table's order (`findings` up to `closed`). */
const rowValues = (f: FindingRow) => [
  f.id,
  f.detection,
  f.title,
  f.severity,
  JSON.stringify(f.key),
  f.entity,
  JSON.stringify(f.peers),
  f.morePeers,
  f.start,
  f.end,
  f.firstWindow,
  f.lastWindow,
  JSON.stringify(f.windows),
  f.evidenceCount,
  f.peak,
  f.evidenceSql,
  f.evidenceEngine,
  JSON.stringify(f.sample),
  f.closed,
];

/** Rows (or ids) per statement of saveFindings and getFindings (an INSERT row has 19 parameters). */
const ROWS_PER_STATEMENT = 100;

/** `$first, $first+1, …`: `count` numbered parameters. */
const numbered = (count: number, first = 1) =>
  Array.from({ length: count }, (_, k) => `$${first + k}`).join(', ');

/**
 * Writes many findings in one transaction: first deletes `deleted` (findings merged into others, and any id written
 * fresh after it was deleted), then inserts `rows` (distinct ids) or updates their facts keeping their state and
 * creation time, a hundred rows per statement. The same end state as saveFinding for each in turn, where each
 * finding's `replaces` went to `deleted` and only an id's last row to `rows`: a single-row INSERT cost ~8 ms of CPU
 * (176 findings: 1.5 CPU-s), one of a hundred rows about as much.
 */
export async function saveFindings(
  store: Store,
  rows: readonly FindingRow[],
  deleted: readonly string[],
  nowSeconds: number,
): Promise<void> {
  if (rows.length === 0 && deleted.length === 0) return;
  await inFindingsTransaction(store, async () => {
    for (let i = 0; i < deleted.length; i += ROWS_PER_STATEMENT) {
      const ids = deleted.slice(i, i + ROWS_PER_STATEMENT);
      await store.query(`DELETE FROM findings WHERE id IN (${numbered(ids.length)})`, ids);
    }
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const part = rows.slice(i, i + ROWS_PER_STATEMENT);
      const values = part.map((_, r) => `(${numbered(19, r * 19 + 2)}, 'open', NULL, NULL, NULL, $1, $1)`);
      await store.query(`INSERT INTO findings VALUES ${values.join(', ')}\n${UPSERT}`, [
        nowSeconds,
        ...part.flatMap(rowValues),
      ]);
    }
  });
}

/** Findings by id (those stored), in one query. */
export async function getFindings(store: Store, ids: readonly string[]): Promise<Map<string, StoredFinding>> {
  const out = new Map<string, StoredFinding>();
  for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
    const part = ids.slice(i, i + ROWS_PER_STATEMENT);
    const r = await store.query(`SELECT * FROM findings WHERE id IN (${numbered(part.length)})`, [...part]);
    for (const row of r.rows) out.set(String(row['id']), fromRow(row));
  }
  return out;
}

/** Filters of listFindings. */
export interface FindingFilter {
  readonly detection?: string;
  readonly severities?: readonly string[];
  readonly states?: readonly FindingState[];
  /** Findings active at or after this time (end ≥ since). */
  readonly since?: number;
  /** Findings that started before this time. */
  readonly until?: number;
  readonly limit?: number;
}

/** Findings, most recent activity first. */
export async function listFindings(store: Store, f: FindingFilter = {}): Promise<StoredFinding[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const p = (v: string | number) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.detection !== undefined) where.push(`detection = ${p(f.detection)}`);
  if (f.severities !== undefined && f.severities.length > 0)
    where.push(`severity IN (${f.severities.map(p).join(', ')})`);
  if (f.since !== undefined) where.push(`end_time >= ${p(f.since)}`);
  if (f.until !== undefined) where.push(`start_time < ${p(f.until)}`);
  const limit = Math.max(1, Math.min(f.limit ?? 1000, 100_000));
  const r = await store.query(
    `SELECT * FROM findings${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY end_time DESC, id LIMIT ${limit}`,
    params,
  );
  return r.rows.map(fromRow);
}

/** The detections that have stored findings, sorted. */
export async function storedDetectionIds(store: Store): Promise<string[]> {
  const r = await store.query('SELECT DISTINCT detection FROM findings ORDER BY 1');
  return r.rows.map((x) => String(x['detection']));
}

/** One finding, or undefined. */
export async function getFinding(store: Store, id: string): Promise<StoredFinding | undefined> {
  const r = await store.query('SELECT * FROM findings WHERE id = $1', [id]);
  return r.rows.length === 0 ? undefined : fromRow(r.rows[0]!);
}

/** The state changes of findings (ack, suppress, reopen), one row per change; created on the first change. */
const FINDING_STATES_DDL = `CREATE TABLE IF NOT EXISTS finding_states (
  finding_id VARCHAR NOT NULL,
  changed_at BIGINT NOT NULL,
  from_state VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  reason VARCHAR,
  until BIGINT
)`;

/** One change of a finding's state. */
export interface FindingStateChange {
  readonly at: number;
  readonly from: FindingState;
  readonly state: FindingState;
  readonly reason?: string;
  readonly until?: number;
}

/** Sets a finding's state and records the change in its history; false when there is no such finding. */
export async function setFindingState(
  store: Store,
  id: string,
  state: FindingState,
  reason: string | undefined,
  until: number | undefined,
  nowSeconds: number,
): Promise<boolean> {
  await store.query(FINDING_STATES_DDL);
  return inFindingsTransaction(store, async () => {
    const before = await store.query('SELECT state FROM findings WHERE id = $1', [id]);
    const r = await store.query(
      'UPDATE findings SET state = $2, state_reason = $3, state_until = $4, state_at = $5 WHERE id = $1 RETURNING id',
      [id, state, reason ?? null, until ?? null, nowSeconds],
    );
    if (r.rows.length > 0)
      await store.query('INSERT INTO finding_states VALUES ($1, $2, $3, $4, $5, $6)', [
        id,
        nowSeconds,
        String(before.rows[0]?.['state'] ?? 'open'),
        state,
        reason ?? null,
        until ?? null,
      ]);
    return r.rows.length > 0;
  });
}

/** A finding's state changes, oldest first (none when no state was ever changed). */
export async function findingStateHistory(store: Store, id: string): Promise<FindingStateChange[]> {
  if (!(await store.hasTable('finding_states'))) return [];
  const r = await store.query(
    'SELECT changed_at, from_state, state, reason, until FROM finding_states WHERE finding_id = $1 ORDER BY changed_at, rowid',
    [id],
  );
  return r.rows.map((row) => ({
    at: Number(row['changed_at']),
    from: String(row['from_state']) as FindingState,
    state: String(row['state']) as FindingState,
    ...(row['reason'] === null ? {} : { reason: String(row['reason']) }),
    ...(row['until'] === null ? {} : { until: Number(row['until']) }),
  }));
}

/** DDL of the record of detection runs (created by the first run; the compliance report reads it). */
const DETECTION_RUNS_DDL = `CREATE TABLE IF NOT EXISTS detection_runs (
  since BIGINT,
  until BIGINT NOT NULL,
  ran_at BIGINT NOT NULL,
  engine VARCHAR NOT NULL,
  detections VARCHAR NOT NULL
)`;

/**
 * Records that `detections` ran over [since, until) (since null: from the first record), so a report can tell
 * "no finding" from "nothing looked". One row per run: `flowwatch detect` or a window the monitor closed.
 *
 * @example await recordDetectionRun(store, { detections: ['vertical-port-scan'], since: 1716163200, until: 1716166800, at: 1716166900, engine: 'duckdb' })
 */
export async function recordDetectionRun(
  store: Store,
  run: {
    readonly detections: readonly string[];
    readonly since: number | null;
    readonly until: number;
    readonly at: number;
    readonly engine: string;
  },
): Promise<void> {
  // Two autocommit statements, no transaction of its own: the monitor's sink may hold one open on this shared
  // connection, and a BEGIN (or the ROLLBACK after it failed) here would break the sink's batch.
  await store.query(DETECTION_RUNS_DDL);
  await store.query('INSERT INTO detection_runs VALUES ($1, $2, $3, $4, $5)', [
    run.since,
    run.until,
    run.at,
    run.engine,
    run.detections.join(','),
  ]);
}
