// Running detections through a SQL backend: the hits query's rows (one per hit window and peer) read back as
// hits, then merged into episodes. The caller supplies how to run SQL (a store reader, the local Athena).

import { baselineBinsSql, binsDetection, binsRange, dataStartSql, scoreBaseline } from './baseline.js';
import { beaconHit } from './beacon.js';
import type { BaselineDetection, BeaconDetection, Detection, FirstSeenDetection } from './definition.js';
import { type DetectedFinding, episodes } from './episodes.js';
import type { Hit } from './evaluate.js';
import { firstSeenPairsSql, firstSeenStartSql, pairsRange, scoreFirstSeen } from './first-seen.js';
import { rollable, rollupBins } from './rollups.js';
import type { SamplePicks } from './sample-picks.js';
import { silenceSql } from './silence.js';
import {
  type AddressSetTable,
  addressSetSql,
  beaconSql,
  binsTogetherSql,
  cidrFields,
  hitsSql,
  rangeCovers,
  type SqlSource,
  sameBinsShape,
  sharedBinsSql,
  sharedScopeSql,
  type TimeRange,
} from './to-sql.js';

/** Runs one SELECT and returns its rows. */
export type RunSql = (sql: string) => Promise<readonly Record<string, unknown>[]>;

/**
 * The hits of the hits query's rows (see hitsSql), in its order: one per group and window, its peers from its
 * consecutive rows. `value` names the column holding the metric (binsTogetherSql's rows hold one per detection).
 */
export function hitsFromRows(d: Detection, rows: readonly Record<string, unknown>[], value = 'value'): Hit[] {
  const out: Hit[] = [];
  const kc = d.groupBy.map((_, i) => `k${i}`);
  let last: (Hit & { peers: string[] }) | undefined;
  for (const r of rows) {
    const w = Number(r['w']);
    // the same group and window as the row before: another peer of the same hit
    if (last === undefined || last.w !== w || kc.some((k, i) => String(r[k]) !== last!.key[i])) {
      last = {
        key: kc.map((k) => String(r[k])),
        w,
        value: Number(r[value]),
        records: Number(r['records']),
        firstSeen: Number(r['first_seen']),
        lastSeen: Number(r['last_seen']),
        peerCount: Number(r['peer_count']),
        peers: [],
      };
      out.push(last);
    }
    if (r['peer'] !== null && r['peer'] !== undefined) last.peers.push(String(r['peer']));
  }
  return out;
}

const nums = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);

/** The hits of the beacon query's rows (see beaconSql): each pair scored by beacon.ts, as in memory. */
export function beaconHitsFromRows(d: BeaconDetection, rows: readonly Record<string, unknown>[]): Hit[] {
  return rows.flatMap(
    (r) =>
      beaconHit(d, {
        key: d.groupBy.map((_, i) => String(r[`k${i}`])),
        w: Number(r['w']),
        ts: nums(r['ts']),
        sizes: nums(r['sizes']),
        records: Number(r['records']),
        firstSeen: Number(r['first_seen']),
        lastSeen: Number(r['last_seen']),
        lo: Number(r['lo']),
        hi: Number(r['hi']),
        sources: Number(r['sources']),
        allSources: Number(r['all_sources']),
      }) ?? [],
  );
}

/** Progress of a run: called before each detection. */
export type DetectProgress = (done: number, total: number, id: string) => void;

/** What a run must tell the user about one detection (e.g. a baseline short of history). */
export type DetectNote = (detection: string, message: string) => void;

/**
 * The pre-aggregate a run's baseline detections read their bins from (sharedBinsSql over binsRange), made when the
 * first of them needs bins from the records; undefined when there is none (the bins are read from the records).
 */
export type SharedBins = (d: BaselineDetection) => Promise<SqlSource | undefined>;

/**
 * The bins rows of a baseline detection computed together with others of the same records (binsTogetherSql), as
 * its own bins query would return them; undefined when it has none (its bins query runs).
 */
export type BinsTogether = (
  d: BaselineDetection,
) => Promise<{ readonly rows: readonly Record<string, unknown>[]; readonly value: string }> | undefined;

/**
 * A baseline detection through SQL: its bins over the lookback (from the ingest rollups when every file has them,
 * else from the run's shared pre-aggregate when there is one, else from the records), the first record time, then
 * the scoring.
 */
export async function baselineWithSql(
  d: BaselineDetection,
  src: SqlSource,
  range: TimeRange,
  run: RunSql,
  note?: DetectNote,
  memo: Map<string, Promise<readonly Record<string, unknown>[]>> = new Map(),
  sharedBins?: SharedBins,
  together?: BinsTogether,
): Promise<DetectedFinding[]> {
  let bins: Hit[] | undefined;
  if (src.engine === 'duckdb' && src.rollups === true && rollable(d)) {
    const r = await rollupBins(d, range, run);
    if ('bins' in r) bins = r.bins;
    // Rollups are opt-in (ingest --baseline-rollups): a store with none reads the records, as it always does, and
    // says nothing; a store with some files rolled up and others not is worth a word.
    else if (r.missing < r.total)
      note?.(
        d.id,
        `${r.missing} of ${r.total} stored files have no baseline rollups (ingested without --baseline-rollups, or before this detection's rollups existed): bins read from the records instead (slower; re-ingest them with --replace --baseline-rollups)`,
      );
  }
  if (bins === undefined) {
    // the shared pre-aggregate holds the records of binsRange(range) only: no range over it
    const agg = await sharedBins?.(d);
    const shared = agg === undefined ? await together?.(d) : undefined;
    bins =
      shared !== undefined
        ? hitsFromRows(d, shared.rows, shared.value)
        : hitsFromRows(
            d,
            await run(
              agg === undefined ? baselineBinsSql(src, d, range) : hitsSql(agg, binsDetection(d), {}),
            ),
          );
  }
  // The history the store holds: one query per run, shared by its baseline detections.
  const startSql = dataStartSql(src, binsRange(range));
  if (!memo.has(startSql)) memo.set(startSql, run(startSql));
  const first = (await memo.get(startSql)!)[0]?.['t'];
  const dataStart = first === null || first === undefined ? undefined : Number(first);
  const scored = scoreBaseline(d, bins, dataStart, range);
  for (const n of scored.notes) note?.(d.id, n);
  return episodes(d, scored.hits);
}

/** A first-seen detection through SQL: its pairs over the lookback, the first record time, then the scoring. */
export async function firstSeenWithSql(
  d: FirstSeenDetection,
  src: SqlSource,
  range: TimeRange,
  run: RunSql,
  note?: DetectNote,
  memo: Map<string, Promise<readonly Record<string, unknown>[]>> = new Map(),
): Promise<DetectedFinding[]> {
  // first-seen-country and first-seen-asn read the same (source, destination) pairs: one query for both
  const pairsSql = firstSeenPairsSql(src, d, range);
  if (!memo.has(pairsSql)) memo.set(pairsSql, run(pairsSql));
  const pairs = hitsFromRows({ ...d, groupBy: [...d.groupBy, d.value.field] }, await memo.get(pairsSql)!);
  const startSql = firstSeenStartSql(src, range);
  if (!memo.has(startSql)) memo.set(startSql, run(startSql));
  const first = (await memo.get(startSql)!)[0]?.['t'];
  const dataStart = first === null || first === undefined ? undefined : Number(first);
  const scored = scoreFirstSeen(d, pairs, dataStart, range);
  for (const n of scored.notes) note?.(d.id, n);
  return episodes(d, scored.hits);
}

/**
 * Runs the enabled detections over a range and returns their findings (episodes within the range). With `picks`
 * (DuckDB over `flows`), the hits queries of the threshold, pair and intel detections also pick their hit windows'
 * evidence samples into it, for storeFindings.
 *
 * @example await detectWithSql(catalog, { engine: 'duckdb' }, { since }, (sql) => reader.query(sql).then((r) => r.rows))
 */
export async function detectWithSql(
  detections: readonly Detection[],
  source: SqlSource,
  range: TimeRange,
  run: RunSql,
  progress?: DetectProgress,
  note?: DetectNote,
  picks?: SamplePicks,
): Promise<DetectedFinding[]> {
  const out: DetectedFinding[] = [];
  const enabled = detections.filter((d) => d.enabled);
  const memo = new Map<string, Promise<readonly Record<string, unknown>[]>>();
  // The distinct addresses CIDR tests read, one table per field and range, made once by the run when a detection
  // first needs them, instead of a DISTINCT over the records in each query (SqlSource.addressSets).
  const sets: AddressSetTable[] = [];
  const runSets = source.engine === 'duckdb' && source.shareScan === true && source.relation === undefined;
  const src: SqlSource = runSets ? { ...source, addressSets: sets } : source;
  const prepareSets = async (fields: readonly string[], r: TimeRange): Promise<void> => {
    if (!runSets) return;
    for (const field of fields) {
      if (sets.some((t) => t.field === field && rangeCovers(t, r))) continue;
      const table = `${ADDRESS_SET_TABLE}_${sets.length}`;
      await run(addressSetSql(field, r, table));
      sets.push({ field, table, since: r.since, until: r.until });
    }
  };
  // Threshold detections share one scan of the store (sharedScopeSql): one pass instead of one each. Pair
  // detections read the store themselves: nacl-reply-drop's scope is every record, which made the shared table a
  // copy of the store (through the spill files under detect's memory limit); its own two small joins cost less.
  const shared =
    src.engine === 'duckdb' && src.shareScan === true && src.relation === undefined
      ? enabled.filter((d) => d.kind === 'threshold')
      : [];
  const sharedSrc: SqlSource = shared.length >= 2 ? { ...src, relation: SHARED_SCOPE_TABLE } : src;
  // Baseline detections of hourly (or daily) bins read them from one pre-aggregate by hour and every field they
  // use, made once when the first of them needs bins from the records (the ingest rollups, when complete, need
  // none). Per-minute bins are left to the records: grouped by minute the store shrinks only to a quarter, and the
  // pre-aggregate plus the queries over it cost more than reading the records (measured at 10M records,
  // docs/decisions/62-detect-shared-aggregates.md).
  const baselines =
    src.engine === 'duckdb' && src.shareScan === true && src.relation === undefined
      ? enabled.filter(
          (d): d is BaselineDetection => d.kind === 'baseline' && d.window % SHARED_BIN_SECONDS === 0,
        )
      : [];
  let made: Promise<SqlSource> | undefined;
  const sharedBins: SharedBins | undefined =
    baselines.length >= 2
      ? (d) => {
          if (!baselines.includes(d)) return Promise.resolve(undefined);
          made ??= run(sharedBinsSql(baselines.map(binsDetection), binsRange(range), SHARED_BINS_TABLE)).then(
            () => ({ ...src, relation: SHARED_BINS_TABLE, aggregated: true }),
          );
          return made;
        }
      : undefined;
  // Baseline detections left to the records whose bins differ only in the metric (flood-fan-in and flood-packets:
  // internet sources to one address, per minute) compute them in one query, made when the first needs it.
  const apart =
    src.engine === 'duckdb' && src.shareScan === true && src.relation === undefined
      ? enabled.filter((d): d is BaselineDetection => d.kind === 'baseline' && !baselines.includes(d))
      : [];
  const groups = new Map<string, BaselineDetection[]>();
  for (const d of apart) {
    const k = sameBinsShape(binsDetection(d));
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  const togetherRows = new Map<string, Promise<readonly Record<string, unknown>[]>>();
  const together: BinsTogether = (d) => {
    const k = sameBinsShape(binsDetection(d));
    const ds = groups.get(k);
    if (ds === undefined || ds.length < 2) return undefined;
    if (!togetherRows.has(k))
      togetherRows.set(k, run(binsTogetherSql(src, ds.map(binsDetection), binsRange(range))));
    const value = `v${ds.indexOf(d)}`;
    // each detection's rows: its value, and the bins query's HAVING (value >= 0, its lowest threshold)
    return togetherRows.get(k)!.then((rows) => ({ rows: rows.filter((r) => Number(r[value]) >= 0), value }));
  };
  // the hits queries pick the samples only where storeFindings reads them (DuckDB over `flows`)
  const pick = src.engine === 'duckdb' && src.relation === undefined ? picks : undefined;
  // Which records a detection's CIDR tests read: the range's (the shared scan, the threshold, pair, intel and beacon
  // queries), the baselines' lookback when their bins come from the records, the first-seen lookback.
  const prepare = async (d: Detection): Promise<void> => {
    const fields = cidrFields(d);
    if (fields.length === 0) return;
    if (d.kind === 'first-seen') return prepareSets(fields, pairsRange(range));
    if (d.kind === 'baseline') {
      // from the shared pre-aggregate (no address set), or perhaps from the ingest rollups (no records read)
      if (baselines.includes(d) || (src.rollups === true && rollable(d))) return;
      return prepareSets(fields, binsRange(range));
    }
    if (d.kind === 'silence') return;
    return prepareSets(fields, range);
  };
  try {
    if (shared.length >= 2) {
      await prepareSets([...new Set(shared.flatMap(cidrFields))], range);
      await run(sharedScopeSql(shared, range, SHARED_SCOPE_TABLE, pick !== undefined, src));
    }
    await detectEach(
      enabled,
      src,
      sharedSrc,
      range,
      run,
      out,
      memo,
      progress,
      note,
      sharedBins,
      pick,
      together,
      prepare,
    );
  } finally {
    if (shared.length >= 2) await run(`DROP TABLE IF EXISTS ${SHARED_SCOPE_TABLE}`);
    if (made !== undefined) await run(`DROP TABLE IF EXISTS ${SHARED_BINS_TABLE}`);
    for (const t of sets) await run(`DROP TABLE IF EXISTS ${t.table}`);
  }
  progress?.(enabled.length, enabled.length, '');
  return superseded(enabled, out);
}

/** The temporary table of a run's shared scan. */
export const SHARED_SCOPE_TABLE = 'detect_shared_scope';

/** The bin of the baseline pre-aggregate: detections whose window is a whole number of these share it. */
export const SHARED_BIN_SECONDS = 3600;

/** The temporary table of a run's baseline pre-aggregate. */
export const SHARED_BINS_TABLE = 'detect_shared_bins';

/** The prefix of a run's address-set tables (SqlSource.addressSets): `detect_addresses_0`, `_1`, … */
export const ADDRESS_SET_TABLE = 'detect_addresses';

async function detectEach(
  enabled: readonly Detection[],
  src: SqlSource,
  sharedSrc: SqlSource,
  range: TimeRange,
  run: RunSql,
  out: DetectedFinding[],
  memo: Map<string, Promise<readonly Record<string, unknown>[]>>,
  progress?: DetectProgress,
  note?: DetectNote,
  sharedBins?: SharedBins,
  picks?: SamplePicks,
  together?: BinsTogether,
  prepare?: (d: Detection) => Promise<void>,
): Promise<void> {
  for (const [i, d] of enabled.entries()) {
    progress?.(i, enabled.length, d.id);
    await prepare?.(d);
    if (d.kind === 'baseline') {
      out.push(...(await baselineWithSql(d, src, range, run, note, memo, sharedBins, together)));
      continue;
    }
    if (d.kind === 'first-seen') {
      out.push(...(await firstSeenWithSql(d, src, range, run, note, memo)));
      continue;
    }
    if (d.kind === 'beacon') {
      out.push(...episodes(d, beaconHitsFromRows(d, await run(beaconSql(src, d, range)))));
      continue;
    }
    const rows = await run(
      d.kind === 'silence'
        ? silenceSql(src, d, range)
        : hitsSql(
            d.kind === 'threshold' ? sharedSrc : src,
            d,
            range,
            picks === undefined ? {} : { samples: picks.size },
          ),
    );
    if (d.kind !== 'silence') picks?.add(d, range, rows);
    out.push(...episodes(d, hitsFromRows(d, rows)));
  }
}

/**
 * Drops the findings of a detection with `supersededBy` when the named detection has a finding on the same
 * entity overlapping in time (a fast scan is not reported again by the hour-long variant).
 *
 * @example superseded(catalog, findings).length <= findings.length // true
 */
export function superseded(
  detections: readonly Detection[],
  findings: readonly DetectedFinding[],
): DetectedFinding[] {
  const by = new Map(detections.flatMap((d) => (d.supersededBy ? [[d.id, d.supersededBy] as const] : [])));
  return findings.filter((f) => {
    const other = by.get(f.detection);
    if (other === undefined) return true;
    return !findings.some(
      (g) => g.detection === other && g.entity === f.entity && g.start <= f.end && f.start <= g.end,
    );
  });
}
