// Threat intelligence in the store: feeds (versioned, with source and licence), their indicators as 128-bit key
// ranges, the disjoint segments that index them, and THE one matcher of stored flow records against indicators
// (intelMatchSql / intelMatches), used by `flowwatch hunt`, the known-bad-address detection and anything else.
//
// Address keys (src/enrich/ip-range.ts): IPv6 as its 128-bit value, IPv4 as ::ffff:a.b.c.d, stored as UHUGEINT,
// so one sorted order holds both families. A record's address text is turned into a key in SQL, once per
// distinct address of the period; the keys find their segment with an ASOF join (greatest segment start at or
// below the key), and the segment lists the indicators covering it.

import type { Indicator } from '../enrich/indicator.js';
import {
  addressKeyText,
  dottedQuadAt,
  type IndexedIndicator,
  SegmentIndex,
} from '../enrich/segment-index.js';
import { type Segment, segmentsOf } from '../enrich/segments.js';
import { DST_ADDRESS, fileIdsIn, SRC_ADDRESS, uncoveredFiles } from './address-dictionary.js';
import { INTEL_DDL } from './schema.js';
import { ident } from './sql.js';
import type { Store } from './store.js';

/** The relations a match reads: the stored intel, or a hunt's temporary copy. */
export interface IntelRelations {
  readonly indicators: string;
  readonly segments: string;
  /** The indicators' ids and ranges when the caller holds them (a hunt's --ioc): intelCandidates reads no table. */
  readonly inMemory?: readonly IndexedIndicator[] | undefined;
  /**
   * The indicators not yet in `indicators` (a hunt's --ioc, id n + 1 for the n-th): intelCandidates stores only
   * those some address matched (writing 100k indicators cost 0.7 CPU-s of a 10M-record hunt).
   */
  readonly deferred?: { readonly feed: string; readonly indicators: readonly Indicator[] } | undefined;
}

export const STORED_INTEL: IntelRelations = { indicators: 'intel_indicators', segments: 'intel_segments' };

/**
 * SQL turning address text (column `a` of `relation`) into its key `k` (UHUGEINT; NULL when it is not an
 * address): IPv4 dotted quads as ::ffff:a.b.c.d; IPv6 with `::` expanded; `::ffff:a.b.c.d` as its IPv4 key.
 * Other IPv6 spellings with an embedded dotted tail give NULL (AWS writes IPv6 in hex groups).
 */
export function addressKeySql(relation: string): string {
  const v4 = (e: string) =>
    `(281470681743360::UHUGEINT
      + (try_cast(split_part(${e}, '.', 1) AS UTINYINT)::UHUGEINT << 24)
      + (try_cast(split_part(${e}, '.', 2) AS UTINYINT)::UHUGEINT << 16)
      + (try_cast(split_part(${e}, '.', 3) AS UTINYINT)::UHUGEINT << 8)
      + try_cast(split_part(${e}, '.', 4) AS UTINYINT)::UHUGEINT)`;
  const group = (i: number) =>
    `(try_cast('0x' || CASE WHEN g[${i}] = '' THEN '0' ELSE g[${i}] END AS INTEGER)::UHUGEINT << ${(8 - i) * 16})`;
  const side = (n: 1 | 2) =>
    `CASE WHEN contains(a, '::') AND a NOT LIKE '%::%::%' THEN CASE WHEN split_part(a, '::', ${n}) = ''
      THEN []::VARCHAR[] ELSE string_split(lower(split_part(a, '::', ${n})), ':') END END`;
  return `(SELECT a, CASE
      WHEN NOT contains(a, ':') THEN CASE WHEN a NOT LIKE '%.%.%.%.%' THEN ${v4('a')} END
      WHEN contains(a, '.') THEN CASE WHEN lower(a) LIKE '::ffff:%' AND a NOT LIKE '%.%.%.%.%'
        THEN ${v4('substr(a, 8)')} END
      WHEN len(g) = 8 AND list_bool_and(list_transform(g, x -> len(x) <= 4))
        THEN ${Array.from({ length: 8 }, (_, i) => group(i + 1)).join('\n        + ')}
    END AS k
  FROM (SELECT a, CASE WHEN NOT contains(a, ':') THEN NULL
      WHEN contains(a, '::') THEN l || list_transform(range(8 - len(l) - len(r)), x -> '0') || r
      ELSE string_split(lower(a), ':') END AS g
    FROM (SELECT a, ${side(1)} AS l, ${side(2)} AS r FROM ${relation})))`;
}

/** Which records a match looks at. */
export interface IntelMatchOptions {
  /** Unix seconds: records whose event time lies in [since, until). */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** The indicator relations (default: the stored intel). */
  readonly relations?: IntelRelations | undefined;
  /**
   * A relation of precomputed candidates (a, id, always; see intelCandidates) standing in for the matcher's own
   * address keys and segment join: the indicators' other columns still come from `relations`.
   */
  readonly candidates?: string | undefined;
  /**
   * Only the records this predicate over `flows`' columns keeps (flowwatch's own SQL, never a user's): a record's
   * match does not depend on the other records, so the answer is the unrestricted one's rows for these records.
   */
  readonly where?: string | undefined;
  /**
   * With `candidates`: every address has one candidate, an indicator valid at all times (intelCandidates says so
   * in `oneEach`). Then a record side's most specific valid indicator is that one: no validity test and no window
   * over the sides, and each side is found by a join of the records with the candidates (two scans reading only
   * `columns`; measured at 10M records: 1.2 CPU-s against 2.3 for the general form).
   */
  readonly oneEach?: boolean | undefined;
  /** The record columns the answer needs (default: all of them); with `oneEach` only these are read. */
  readonly columns?: readonly RecordColumn[] | undefined;
}

/** The record columns a match carries, in the answer's order. */
const RECORD_COLUMNS = [
  'file_id',
  'line',
  'event_time',
  'interface_id',
  'action',
  'protocol',
  'srcport',
  'dstport',
  'bytes',
  'packets',
] as const;
export type RecordColumn = (typeof RECORD_COLUMNS)[number];

/** One record side that lies in a valid indicator (the most specific one when several cover it). */
export interface IntelMatch {
  /** The record: file id and line (with event time) identify it in `flows`. */
  readonly fileId: number;
  readonly line: number;
  readonly eventTime: number;
  /** Which address matched: the record's source (pkt-srcaddr, else srcaddr) or destination. */
  readonly side: 'src' | 'dst';
  readonly address: string;
  /** The other side's address. */
  readonly peer: string | null;
  readonly interfaceId: string | null;
  readonly action: string | null;
  readonly protocol: number | null;
  readonly srcport: number | null;
  readonly dstport: number | null;
  readonly bytes: number | null;
  readonly packets: number | null;
  readonly indicatorId: number;
  /** The indicator as its feed wrote it (address, CIDR or range). */
  readonly indicator: string;
  readonly feed: string;
  readonly version: number;
  readonly description: string | null;
  readonly labels: string | null;
  /** How many valid indicators cover the address (the one reported is the most specific). */
  readonly covering: number;
}

/**
 * The one matcher: SQL returning a row per record side (source, destination) whose address lies in an indicator
 * valid at the record's event time (valid_from ≤ t < valid_until), with the most specific such indicator
 * (smallest range; ties: lowest id). Columns: file_id, line, event_time, side ('src'|'dst'), address, peer,
 * interface_id, action, protocol, srcport, dstport, bytes, packets, indicator_id, indicator, feed, version,
 * description, labels, covering. Parameters $1/$2 are `since`/`until` (NULL: unbounded). Addresses are the
 * packet-level ones when the format has them (pkt-srcaddr, pkt-dstaddr), else srcaddr/dstaddr.
 *
 * @example const { sql, params } = intelMatchSql({ since: 1716200000 }); await store.query(`SELECT count(*) FROM (${sql})`, params)
 */
export function intelMatchSql(opts: IntelMatchOptions = {}): { sql: string; params: (number | null)[] } {
  const rel = opts.relations ?? STORED_INTEL;
  const ind = ident(rel.indicators);
  const seg = ident(rel.segments);
  // Two passes over the records: the distinct addresses of the period (two columns read), then only the records
  // with a listed address, whole. Materializing every record of the period first cost most of a 10M-record hunt.
  const scope = `(SELECT file_id, line, event_time, interface_id, action, protocol, srcport, dstport, bytes, packets,
      coalesce(pkt_srcaddr, srcaddr) AS src, coalesce(pkt_dstaddr, dstaddr) AS dst
    FROM flows
    WHERE (event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL)${opts.where === undefined ? '' : ` AND (${opts.where})`})`;
  const period = `(event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL)${opts.where === undefined ? '' : ` AND (${opts.where})`}`;
  if (opts.candidates !== undefined && opts.oneEach === true) {
    const want = new Set<string>(opts.columns ?? RECORD_COLUMNS);
    const record = RECORD_COLUMNS.filter((c) => want.has(c));
    const from = `(SELECT ${record.join(', ')}, ${SRC_ADDRESS} AS src, ${DST_ADDRESS} AS dst FROM flows WHERE ${period})`;
    const cands = `(SELECT c.a, c.always, i.id, i.indicator, i.feed, i.version, i.description, i.labels
      FROM ${ident(opts.candidates)} c JOIN ${ind} i ON i.id = c.id)`;
    const side = (name: 'src' | 'dst', other: 'src' | 'dst') => {
      const at = (c: string) => record.indexOf(c as RecordColumn);
      const before = record.filter((c) => at(c) <= at('event_time')).map((c) => `r.${c}`);
      const after = record.filter((c) => at(c) > at('event_time')).map((c) => `r.${c}`);
      return `SELECT ${[...before, `'${name}' AS side`, `r.${name} AS address`, `r.${other} AS peer`, ...after].join(', ')},
        c.id AS indicator_id, c.indicator, c.feed, c.version, c.description, c.labels, c.always AS covering
      FROM ${from} r JOIN ${cands} c ON r.${name} = c.a`;
    };
    return {
      sql: `${side('src', 'dst')}\n  UNION ALL\n  ${side('dst', 'src')}`,
      params: [opts.since ?? null, opts.until ?? null],
    };
  }
  const cols = `i.id, i.indicator, i.feed, i.version, i.description, i.labels, i.valid_from, i.valid_until,
      i.hi - i.lo AS span, (i.valid_from IS NOT NULL OR i.valid_until IS NOT NULL) AS timed`;
  const candidates =
    opts.candidates === undefined
      ? `addrs AS (SELECT DISTINCT a FROM (SELECT src AS a FROM ${scope} UNION ALL SELECT dst AS a FROM ${scope}) WHERE a IS NOT NULL),
  -- no \`WHERE k IS NOT NULL\`: DuckDB inlined the key expression into that filter and computed it twice (the
  -- largest cost of a hunt); a NULL key matches no segment in the ASOF join anyway.
  keyed AS MATERIALIZED (SELECT a, k FROM ${addressKeySql('addrs')}),
  hits AS (
    SELECT keyed.a, unnest(s.members) AS indicator_id
    FROM keyed ASOF JOIN ${seg} s ON keyed.k >= s.lo
    WHERE keyed.k <= s.hi
  ),
  -- Per address: every time-bounded indicator, but of those valid at all times only the most specific one (and
  -- how many there are): nested feeds then cost one candidate per record, not one per covering indicator.
  cands AS (
    SELECT h.a, ${cols},
      count(*) FILTER (WHERE i.valid_from IS NULL AND i.valid_until IS NULL) OVER (PARTITION BY h.a) AS always
    FROM hits h JOIN ${ind} i ON i.id = h.indicator_id
    QUALIFY (i.valid_from IS NOT NULL OR i.valid_until IS NOT NULL)
      OR row_number() OVER (PARTITION BY h.a, i.valid_from IS NULL AND i.valid_until IS NULL ORDER BY i.hi - i.lo, i.id) = 1
  ),`
      : `cands AS (SELECT c.a, ${cols}, c.always FROM ${ident(opts.candidates)} c JOIN ${ind} i ON i.id = c.id),`;
  const sql = `WITH ${candidates}
  listed AS (SELECT DISTINCT a FROM cands),
  recs AS MATERIALIZED (SELECT * FROM ${scope} WHERE src IN (SELECT a FROM listed) OR dst IN (SELECT a FROM listed)),
  sides AS (
    SELECT r.*, 'src' AS side, r.src AS address, r.dst AS peer, c.* EXCLUDE (a) FROM recs r JOIN cands c ON r.src = c.a
    UNION ALL
    SELECT r.*, 'dst' AS side, r.dst AS address, r.src AS peer, c.* EXCLUDE (a) FROM recs r JOIN cands c ON r.dst = c.a
  )
  SELECT file_id, line, event_time, side, address, peer, interface_id, action, protocol, srcport, dstport, bytes,
    packets, id AS indicator_id, indicator, feed, version, description, labels,
    sum(CASE WHEN timed THEN 1 ELSE always END) OVER (PARTITION BY file_id, line, side) AS covering
  FROM sides
  WHERE (valid_from IS NULL OR event_time >= valid_from) AND (valid_until IS NULL OR event_time < valid_until)
  QUALIFY row_number() OVER (PARTITION BY file_id, line, side ORDER BY span, id) = 1`;
  return { sql, params: [opts.since ?? null, opts.until ?? null] };
}

function toMatch(r: Record<string, unknown>): IntelMatch {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    fileId: Number(r['file_id']),
    line: Number(r['line']),
    eventTime: Number(r['event_time']),
    side: r['side'] === 'src' ? 'src' : 'dst',
    address: String(r['address']),
    peer: s(r['peer']),
    interfaceId: s(r['interface_id']),
    action: s(r['action']),
    protocol: n(r['protocol']),
    srcport: n(r['srcport']),
    dstport: n(r['dstport']),
    bytes: n(r['bytes']),
    packets: n(r['packets']),
    indicatorId: Number(r['indicator_id']),
    indicator: String(r['indicator']),
    feed: String(r['feed']),
    version: Number(r['version']),
    description: s(r['description']),
    labels: s(r['labels']),
    covering: Number(r['covering']),
  };
}

/**
 * Every record side of [since, until) lying in a stored indicator valid at its event time (see intelMatchSql),
 * ordered by event time, file and line. For large results prefer composing intelMatchSql into an aggregate.
 *
 * @example for (const m of await intelMatches(store, { since: 1716200000 })) console.log(m.address, m.feed)
 */
export async function intelMatches(store: Store, opts: IntelMatchOptions = {}): Promise<IntelMatch[]> {
  const { sql, params } = intelMatchSql(opts);
  const r = await store.query(`${sql}\nORDER BY event_time, file_id, line, side`, params);
  return r.rows.map(toMatch);
}

/** The temporary relation intelCandidates fills. */
export const CANDIDATES_TABLE = 'intel_candidates';

/**
 * Matches the distinct addresses of [since, until) against the indicators in memory and leaves the answer in
 * the temporary table CANDIDATES_TABLE (a: address text, id: indicator id, always: how many indicators valid at
 * all times cover it), for intelMatchSql's `candidates`: the same rows its own key and segment join would give
 * (every timed indicator, and the most specific one valid at all times). The store reads only the two address
 * columns once (one DISTINCT); the addresses reach JS as one text, their keys are computed there (spellings the
 * JS rule does not decide are keyed by addressKeySql), and the segments are searched by binary search. Returns
 * how many addresses matched, and whether each has one candidate valid at all times (intelMatchSql's `oneEach`).
 *
 * @example const n = await intelCandidates(store, {}); await store.query(intelMatchSql({ candidates: CANDIDATES_TABLE }).sql, [null, null])
 */
export async function intelCandidates(
  store: Store,
  opts: IntelMatchOptions = {},
): Promise<{ addresses: number; oneEach: boolean }> {
  const rel = opts.relations ?? STORED_INTEL;
  const nl = 'chr(10)';
  let indicators = rel.inMemory;
  if (indicators === undefined) {
    const ind = await store.query(
      `SELECT string_agg(concat_ws(',', id, lo, hi, (valid_from IS NOT NULL OR valid_until IS NOT NULL)::INT), ${nl}) AS t
       FROM ${ident(rel.indicators)}`,
    );
    const read: IndexedIndicator[] = [];
    for (const l of String(ind.rows[0]?.['t'] ?? '').split('\n')) {
      if (l === '') continue;
      const [id, lo, hi, timed] = l.split(',');
      read.push({ id: Number(id), lo: BigInt(lo!), hi: BigInt(hi!), timed: timed === '1' });
    }
    indicators = read;
  }
  const index = new SegmentIndex(indicators);
  const period = `(event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL)`;
  const fromRecords = (files: string) =>
    `SELECT DISTINCT a FROM (SELECT ${SRC_ADDRESS} AS a FROM flows WHERE ${period}${files}
      UNION ALL SELECT ${DST_ADDRESS} AS a FROM flows WHERE ${period}${files}) WHERE a IS NOT NULL`;
  // The store's address dictionary (every address of the files it covers, whatever their time: an address
  // outside the period only adds a candidate the fetch of the period's records drops), plus the records' own
  // addresses for files it does not cover yet; a store without it (or covering nothing) groups every record's.
  const uncovered = await uncoveredFiles(store);
  const stored =
    uncovered === undefined
      ? 0
      : Number((await store.query('SELECT count(*) AS n FROM files')).rows[0]?.['n']);
  let addrs = `(${fromRecords('')})`;
  if (uncovered !== undefined && uncovered.length < stored) {
    const rest =
      uncovered.length === 0
        ? ''
        : ` UNION ALL ${fromRecords(
            uncovered.length <= 1000
              ? ` AND ${fileIdsIn(uncovered)}`
              : ' AND file_id NOT IN (SELECT file_id FROM address_key_files)',
          )}`;
    addrs = `(SELECT address AS a FROM address_keys${rest})`;
  }
  // One text of every address (a line each) rather than a row each: 1M row objects cost seconds. An address
  // holding a line break (not an address, but stored text all the same) comes as a list beside it.
  const r = await store.query(
    `SELECT string_agg(a, ${nl}) FILTER (WHERE NOT contains(a, ${nl})) AS t,
       list(a) FILTER (WHERE contains(a, ${nl})) AS odd
     FROM ${addrs}`,
    addrs.includes('$1') ? [opts.since ?? null, opts.until ?? null] : [],
  );
  const text = String(r.rows[0]?.['t'] ?? '');
  const undecided: string[] = [];
  for (const a of (r.rows[0]?.['odd'] as unknown[] | null) ?? []) undecided.push(String(a));
  const rows: [string, number, number][] = [];
  // An address can come twice (from the dictionary and from a file it does not cover yet): listed once.
  const listed = new Set<string>();
  const add = (a: string, k: number | bigint) => {
    const seg = index.segmentOf(k);
    if (seg < 0 || listed.has(a)) return;
    listed.add(a);
    const c = index.candidates(seg);
    for (const id of c.ids) rows.push([a, id, c.always]);
  };
  // Dotted quads are read in place (no string per address: a million of them cost seconds of allocation and
  // garbage collection); other spellings go through addressKeyText.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const v4 = dottedQuadAt(text, start, end);
    if (v4 === undefined) {
      const a = text.slice(start, end);
      const k = addressKeyText(a);
      if (k === undefined) undecided.push(a);
      else if (k !== null) add(a, k);
    } else if (v4 !== null && index.segmentOf(v4) >= 0) add(text.slice(start, end), v4);
    start = end + 1;
  }
  if (undecided.length > 0) {
    await store.tempTable(
      'intel_undecided',
      [{ name: 'a', type: 'VARCHAR' }],
      undecided.map((a) => [a]),
    );
    const keyed = await store.query(
      `SELECT a, k::VARCHAR AS k FROM ${addressKeySql('intel_undecided')} WHERE k IS NOT NULL`,
    );
    for (const x of keyed.rows) add(String(x['a']), BigInt(String(x['k'])));
    await store.dropTempTable('intel_undecided');
  }
  await store.tempTable(
    CANDIDATES_TABLE,
    [
      { name: 'a', type: 'VARCHAR' },
      { name: 'id', type: 'BIGINT' },
      { name: 'always', type: 'BIGINT' },
    ],
    rows,
  );
  if (rel.deferred !== undefined) {
    const used = [...new Set(rows.map((x) => x[1]))].sort((a, b) => a - b);
    await store.query(`DELETE FROM ${ident(rel.indicators)}`);
    await insertIndicators(store, rel.indicators, rel.deferred.feed, rel.deferred.indicators, used);
  }
  const timed = new Set(indicators.filter((i) => i.timed).map((i) => i.id));
  return {
    addresses: listed.size,
    oneEach: rows.length === listed.size && !rows.some((x) => timed.has(x[1])),
  };
}

/** A stored feed version. */
export interface FeedInfo {
  readonly name: string;
  readonly version: number;
  readonly format: string;
  readonly source: string;
  readonly sha256: string;
  readonly licence: string;
  readonly loadedAt: string;
  readonly indicators: number;
  readonly skipped: number;
  readonly revoked: number;
  /** The version whose indicators are matched (false: replaced or removed; kept as history). */
  readonly current: boolean;
}

/** A feed to store. */
export interface NewFeed {
  readonly name: string;
  readonly format: string;
  readonly source: string;
  readonly sha256: string;
  readonly licence: string;
  readonly indicators: readonly Indicator[];
  readonly skipped: number;
  readonly revoked: number;
}

/** Field text safe inside the tab-separated rows of `rowsText` (tabs and line breaks become spaces). */
const field = (v: string) => v.replace(/[\t\r\n]/g, ' ');

/**
 * Indicators as one text parameter, a row a line and tab-separated fields (id, lo, hi, family, text,
 * valid_from, valid_until, description, labels, line): one bound string is far cheaper to pass to DuckDB than a
 * list per column (measured: 100k indicators, 0.1 s against 5 s).
 */
function indicatorRows(indicators: readonly Indicator[], ids?: readonly number[]): string {
  return indicators
    .map((i, n) =>
      [
        String(ids?.[n] ?? 0),
        i.lo.toString(),
        i.hi.toString(),
        i.v6 ? '6' : '4',
        field(i.text),
        i.validFrom === undefined ? '' : String(i.validFrom),
        i.validUntil === undefined ? '' : String(i.validUntil),
        field(i.description ?? ''),
        field(i.labels.join(', ')),
        String(i.line),
      ].join('\t'),
    )
    .join('\n');
}

/** SELECT over the rows of indicatorRows ($1); feed and version are $2 and $3; `id` is the given one or `idSql`. */
function indicatorSelect(idSql?: string): string {
  const f = (n: number) => `split_part(l, chr(9), ${n})`;
  return `SELECT ${idSql ?? `${f(1)}::BIGINT`}, $2, $3, ${f(2)}::UHUGEINT, ${f(3)}::UHUGEINT, ${f(4)}::TINYINT,
    ${f(5)}, nullif(${f(6)}, '')::BIGINT, nullif(${f(7)}, '')::BIGINT, nullif(${f(8)}, ''), nullif(${f(9)}, ''),
    ${f(10)}::INTEGER
  FROM (SELECT unnest(string_split($1, chr(10))) AS l) WHERE l <> ''`;
}

/** Inserts the indicators of these ids (n + 1 for the n-th) into a hunt's temporary `table` (version 0). */
async function insertIndicators(
  store: Store,
  table: string,
  feed: string,
  indicators: readonly Indicator[],
  ids: readonly number[],
): Promise<void> {
  if (ids.length === 0) return;
  await store.query(`INSERT INTO ${ident(table)} ${indicatorSelect()}`, [
    indicatorRows(
      ids.map((id) => indicators[id - 1]!),
      ids,
    ),
    feed,
    0,
  ]);
}

/** Inserts segments into `table` (one text parameter: lo, hi and comma-separated member ids a line). */
async function insertSegments(store: Store, table: string, segments: readonly Segment[]): Promise<void> {
  if (segments.length === 0) return;
  const text = segments.map((s) => `${s.lo}\t${s.hi}\t${s.members.join(',')}`).join('\n');
  await store.query(
    `INSERT INTO ${ident(table)} SELECT split_part(l, chr(9), 1)::UHUGEINT, split_part(l, chr(9), 2)::UHUGEINT,
       string_split(split_part(l, chr(9), 3), ',')::BIGINT[]
     FROM (SELECT unnest(string_split($1, chr(10))) AS l) WHERE l <> ''`,
    [text],
  );
}

/** Recomputes intel_segments from the current indicators (inside the caller's transaction). */
async function rebuildSegments(store: Store): Promise<void> {
  const r = await store.query(`SELECT id, lo::VARCHAR AS lo, hi::VARCHAR AS hi FROM intel_indicators`);
  const segments = segmentsOf(
    r.rows.map((x) => ({ id: Number(x['id']), lo: BigInt(String(x['lo'])), hi: BigInt(String(x['hi'])) })),
  );
  await store.query('DELETE FROM intel_segments');
  await insertSegments(store, 'intel_segments', segments);
}

/** Runs `fn` in one transaction of the store's connection. */
async function inTransaction<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  await store.query('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await store.query('COMMIT');
    return out;
  } catch (err) {
    await store.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Stores a feed as a new version of its name, in one transaction: the previous version stays listed (not
 * current) but its indicators are replaced by the new ones. Returns the new version number.
 *
 * @example await saveFeed(store, { name: 'drop', format: 'spamhaus-drop', source: 'drop_v4.json', ... }) // 1
 */
export async function saveFeed(store: Store, feed: NewFeed): Promise<number> {
  return inTransaction(store, async () => {
    const v = await store.query(
      `SELECT coalesce(max(version), 0) + 1 AS v FROM intel_feeds WHERE name = $1`,
      [feed.name],
    );
    const version = Number(v.rows[0]!['v']);
    await store.query(`UPDATE intel_feeds SET current = false WHERE name = $1 AND current`, [feed.name]);
    await store.query(`DELETE FROM intel_indicators WHERE feed = $1`, [feed.name]);
    await store.query(`INSERT INTO intel_feeds VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8, $9, true)`, [
      feed.name,
      version,
      feed.format,
      feed.source,
      feed.sha256,
      feed.licence,
      feed.indicators.length,
      feed.skipped,
      feed.revoked,
    ]);
    if (feed.indicators.length > 0) {
      await store.query(`INSERT INTO intel_indicators ${indicatorSelect("nextval('intel_ids')")}`, [
        indicatorRows(feed.indicators),
        feed.name,
        version,
      ]);
    }
    await rebuildSegments(store);
    return version;
  });
}

/** Every stored feed version, by name then version. */
export async function listFeeds(store: Store): Promise<FeedInfo[]> {
  if (!(await store.hasTable('intel_feeds'))) return [];
  const r = await store.query(
    `SELECT name, version, format, source, sha256, licence, CAST(loaded_at AS VARCHAR) AS loaded_at,
       indicators, skipped, revoked, current FROM intel_feeds ORDER BY name, version`,
  );
  return r.rows.map((x) => ({
    name: String(x['name']),
    version: Number(x['version']),
    format: String(x['format']),
    source: String(x['source']),
    sha256: String(x['sha256']),
    licence: String(x['licence']),
    loadedAt: String(x['loaded_at']),
    indicators: Number(x['indicators']),
    skipped: Number(x['skipped']),
    revoked: Number(x['revoked']),
    current: x['current'] === true,
  }));
}

/**
 * Stops matching a feed: its indicators are deleted and its versions stay listed as not current. Returns the
 * number of indicators removed, or undefined when no current feed has that name.
 */
export async function removeFeed(store: Store, name: string): Promise<number | undefined> {
  return inTransaction(store, async () => {
    const r = await store.query(`SELECT indicators FROM intel_feeds WHERE name = $1 AND current`, [name]);
    if (r.rows.length === 0) return undefined;
    await store.query(`UPDATE intel_feeds SET current = false WHERE name = $1`, [name]);
    await store.query(`DELETE FROM intel_indicators WHERE feed = $1`, [name]);
    await rebuildSegments(store);
    return Number(r.rows[0]!['indicators']);
  });
}

/**
 * Loads indicators into temporary tables of the store's connection (works on a read-only store) for a one-off
 * match (`flowwatch hunt`); nothing is stored. Returns the relations to pass to intelMatchSql. With
 * `segments: false` the segments table is left empty (enough for intelCandidates, not for intelMatchSql alone).
 */
export async function loadTemporaryIntel(
  store: Store,
  feed: string,
  indicators: readonly Indicator[],
  opts: { segments?: boolean } = {},
): Promise<IntelRelations> {
  const ids = indicators.map((_, n) => n + 1);
  const relations: IntelRelations = {
    indicators: 'hunt_indicators',
    segments: 'hunt_segments',
    inMemory: indicators.map((i, n) => ({
      id: ids[n]!,
      lo: i.lo,
      hi: i.hi,
      timed: i.validFrom !== undefined || i.validUntil !== undefined,
    })),
  };
  const ddl = INTEL_DDL.filter((d) => /intel_(indicators|segments)/.test(d)).map((d) =>
    d.replace('CREATE TABLE IF NOT EXISTS intel_', 'CREATE OR REPLACE TEMP TABLE hunt_'),
  );
  for (const d of ddl) await store.query(d);
  // intelCandidates builds its own index in memory and stores only the indicators that matched; only the SQL
  // matcher reads the segments and every indicator.
  if (opts.segments === false) return { ...relations, deferred: { feed, indicators } };
  await insertIndicators(store, relations.indicators, feed, indicators, ids);
  await insertSegments(
    store,
    'hunt_segments',
    segmentsOf(indicators.map((i, n) => ({ id: ids[n]!, lo: i.lo, hi: i.hi }))),
  );
  return relations;
}

/** What a hunt searched: the records of the period and their event-time span. */
export interface SearchedSpan {
  readonly records: number;
  readonly first: number | null;
  readonly last: number | null;
  /** Records in the whole store (to tell an empty store from an empty period). */
  readonly stored: number;
}

/** How many records lie in [since, until), their first and last event time, and how many are stored at all. */
export async function searchedSpan(
  store: Store,
  opts: { since?: number | undefined; until?: number | undefined },
): Promise<SearchedSpan> {
  const r = await store.query(
    `SELECT count(*) FILTER (WHERE (event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL)) AS n,
       min(event_time) FILTER (WHERE (event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL)) AS first,
       max(event_time) FILTER (WHERE (event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL)) AS last,
       count(*) AS stored
     FROM flows`,
    [opts.since ?? null, opts.until ?? null],
  );
  const x = r.rows[0] ?? {};
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    records: Number(x['n'] ?? 0),
    first: num(x['first']),
    last: num(x['last']),
    stored: Number(x['stored'] ?? 0),
  };
}

/** How many indicators (IPv4, IPv6) a relation holds. */
export async function indicatorCounts(
  store: Store,
  relations: IntelRelations,
): Promise<{ v4: number; v6: number }> {
  if (relations.deferred !== undefined) {
    const v6 = relations.deferred.indicators.filter((i) => i.v6).length;
    return { v4: relations.deferred.indicators.length - v6, v6 };
  }
  // A store written before intel existed, opened read-only, has no intel tables yet.
  if (!(await store.hasTable(relations.indicators))) return { v4: 0, v6: 0 };
  const r = await store.query(
    `SELECT count(*) FILTER (WHERE family = 4) AS v4, count(*) FILTER (WHERE family = 6) AS v6 FROM ${ident(relations.indicators)}`,
  );
  return { v4: Number(r.rows[0]?.['v4'] ?? 0), v6: Number(r.rows[0]?.['v6'] ?? 0) };
}
