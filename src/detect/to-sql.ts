// Compiles a detection definition to SQL: the per-window hits query (one row per hit window and peer) and the
// evidence query of a finding, for DuckDB over the store's `flows` view or Trino over an Athena table.
//
// Semantics shared with the in-memory evaluator (evaluate.ts), checked by test/detect/conformance:
//   * a record is in scope when its event time is in [since, until), every filter test holds, every group-by
//     field is present, and no allow-list entry matches it;
//   * windows are tumbling, aligned to the unix epoch: w = t - t mod window;
//   * a window of a group is a hit when its metric reaches the lowest threshold;
//   * peers are the first 20 distinct peer values of the window in byte order.

import { parseCidr } from '../insights/analyze.js';
import { FIELDS } from '../records/catalog.js';
import { type Dialect, dialectOf, UnsupportedSqlError } from '../sql/index.js';
import { intelMatchSql } from '../storage/intel.js';
import { STROBE_CONNECTIONS } from './beacon.js';
import {
  type BeaconDetection,
  type Condition,
  type Detection,
  type FieldTest,
  fieldsUsed,
  minThreshold,
} from './definition.js';
import { DetectCompileError } from './errors.js';

/** The SQL family a query is rendered in. */
export type SqlEngine = 'duckdb' | 'trino';

/** Peers kept per window (and per finding). */
export const PEER_LIMIT = 20;

/** Where the records are read from. */
export interface SqlSource {
  readonly engine: SqlEngine;
  /** Trino: the (optionally database-qualified) table; DuckDB always reads `flows`. */
  readonly table?: string;
  /** Trino: the table's columns (those a definition needs must be among them). */
  readonly columns?: readonly string[];
  /** Trino: an extra predicate on the table (partitions). */
  readonly partitionFilter?: string;
  /**
   * Trino: the threat-intelligence indicators a `kind: intel` detection matches (inlined as CIDR tests; the
   * DuckDB backend joins the store's intel tables instead).
   */
  readonly intel?: readonly IntelEntry[];
  /** DuckDB: read this relation instead of `flows` (one file's rows, for the baseline rollups at ingest). */
  readonly relation?: string;
  /** DuckDB: baseline detections read their bins from the ingest rollups when every file has them. */
  readonly rollups?: boolean;
  /**
   * DuckDB over `flows`: the threshold and pair detections of a run read their records from one temporary table,
   * filled by one scan with the union of their scopes (sharedScopeSql), instead of one scan each.
   */
  readonly shareScan?: boolean;
  /**
   * DuckDB: `relation` is a pre-aggregate of the records (sharedBinsSql): each row stands for `fw_n` records of one
   * group of its fields in one bin (`event_time` is the bin's start), with their first and last event time
   * (`fw_t0`, `fw_t1`) and the sums of the summed fields (`fw_sum_<field>`). The hits query sums those.
   */
  readonly aggregated?: boolean;
  /**
   * DuckDB, `kind: intel`: the run's indicator candidates, matched once (intelCandidates, src/storage/intel.ts, from
   * the store's address dictionary when it has one) and left in a temporary table. The hits and evidence-sample
   * queries of a range inside theirs read them instead of keying every address of the range again; the evidence
   * query stored with a finding never does (the table is gone after the run).
   */
  readonly intelCandidates?: IntelCandidates;
  /**
   * DuckDB over `flows`: the run's distinct addresses of the fields CIDR tests read, one temporary table per field
   * and range, made once by the run (run.ts, addressSetSql) instead of a DISTINCT over the records in every query
   * that tests a CIDR block. A query over records of a range inside a table's range reads the table (its values are
   * a superset of the query's own, which gives each membership test the same truth); the stored evidence query
   * never does (the tables are gone after the run). docs/decisions/79-detect-run-address-sets.md.
   */
  readonly addressSets?: readonly AddressSetTable[];
}

/** See SqlSource.addressSets: a temporary table (column `a`) of the distinct values of `field` in `flows` over a range. */
export interface AddressSetTable {
  readonly field: string;
  readonly table: string;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

/** Whether [since, until) of `outer` holds the whole of `range` (an open end holds every time on its side). */
export function rangeCovers(outer: TimeRange, range: TimeRange): boolean {
  const from = outer.since === undefined || (range.since !== undefined && range.since >= outer.since);
  const to = outer.until === undefined || (range.until !== undefined && range.until <= outer.until);
  return from && to;
}

/**
 * The run's address-set table of `field` whose range holds `range`, if any: read by a query over records of
 * `range` (never over a pre-aggregate, whose event times are bin starts).
 */
export function addressSetFor(src: SqlSource, field: string, range: TimeRange): AddressSetTable | undefined {
  if (src.engine !== 'duckdb' || src.aggregated === true) return undefined;
  return src.addressSets?.find((t) => t.field === field && rangeCovers(t, range));
}

/**
 * DuckDB: the temporary table of `field`'s distinct values (column `a`) in `flows` over `range` (see
 * SqlSource.addressSets).
 *
 * @example addressSetSql('srcaddr', { since: 1716163200 }, 'detect_addresses_0')
 */
export function addressSetSql(field: string, range: TimeRange, table: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${ident(table)} AS SELECT DISTINCT ${ident(field)} AS a FROM flows${rangeWhereSql(range)}`;
}

/** The fields a detection's scope tests with CIDR blocks (filter, any-of, the allow-list): what AddressSets reads. */
export function cidrFields(d: Detection): string[] {
  const out = new Set<string>();
  for (const t of [...d.filter, ...d.anyOf.flat()])
    if (t.cond.op === 'cidr' || t.cond.op === 'not_cidr') out.add(t.field);
  for (const a of d.allow.cidrs) if (a.cidrs.length > 0) out.add(a.field);
  return [...out];
}

/** See SqlSource.intelCandidates: intelCandidates' table, its `oneEach`, and the range it matched. */
export interface IntelCandidates {
  readonly table: string;
  readonly oneEach: boolean;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

/** The run's candidates when they cover `range` (the addresses of a wider range are a superset), else undefined. */
function candidatesFor(src: SqlSource, range: TimeRange): IntelCandidates | undefined {
  const c = src.intelCandidates;
  if (src.engine !== 'duckdb' || c === undefined) return undefined;
  return rangeCovers(c, range) ? c : undefined;
}

/** One indicator for the Trino backend: CIDR blocks (or addresses) and when it holds (unix seconds). */
export interface IntelEntry {
  readonly cidrs: readonly string[];
  readonly validFrom?: number | undefined;
  readonly validUntil?: number | undefined;
}

/** Inclusive-exclusive range of event times, unix seconds. */
export interface TimeRange {
  readonly since?: number;
  readonly until?: number;
}

const ident = (name: string) => dialectOf('duckdb').ident(name);
const literal = (v: string) => dialectOf('duckdb').string(v);
const val = (v: string | number) => (typeof v === 'number' ? String(Math.trunc(v)) : literal(v));
const dialect = (engine: SqlEngine): Dialect => dialectOf(engine);

function cidrSql(engine: SqlEngine, x: string, cidr: string): string {
  const c = parseCidr(cidr);
  if (c === undefined) throw new DetectCompileError(`"${cidr}" is not a CIDR block`);
  try {
    return dialect(engine).inCidr(x, c);
  } catch (err) {
    // Trino has no IPv6 form in the dialect (no IPADDRESS type on the local engine): the narrower test below.
    if (err instanceof UnsupportedSqlError && c.v === 6) return ipv6Trino(x, c.bytes, c.prefix, cidr);
    throw err;
  }
}

/** x in any of the blocks: DuckDB tests the family once and parses an IPv6 address once for all blocks. */
function cidrsSql(engine: SqlEngine, x: string, cidrs: readonly string[]): string {
  if (engine === 'duckdb') {
    return dialect(engine).inCidrs(
      x,
      cidrs.map((b) => {
        const c = parseCidr(b);
        if (c === undefined) throw new DetectCompileError(`"${b}" is not a CIDR block`);
        return c;
      }),
    );
  }
  return `(${cidrs.map((b) => cidrSql(engine, x, b)).join(' OR ')})`;
}

/**
 * IPv6 membership in Trino without the IPADDRESS type (the local engine lacks it): /128 blocks by the
 * canonical text, blocks of /16 or shorter by the first group padded to four digits (a lexicographic range:
 * lower-case hex sorts as its value). Longer IPv6 blocks are refused for this backend.
 */
function ipv6Trino(x: string, bytes: readonly number[], prefix: number, text: string): string {
  const lower = `lower(${x})`;
  if (prefix === 128) {
    const groups = Array.from({ length: 8 }, (_, i) =>
      ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16),
    );
    const canon = groups
      .join(':')
      .replace(/(^|:)0(:0)+(:|$)/, '::')
      .replace(/:::+/, '::');
    return `coalesce(${lower} = ${literal(canon)}, false)`;
  }
  if (prefix > 16) {
    throw new DetectCompileError(
      `the Trino backend tests IPv6 blocks of /16 or shorter (and single addresses); ${text} is longer`,
      'run this detection with --engine duckdb, or use a shorter block',
    );
  }
  const first = (bytes[0]! << 8) | bytes[1]!;
  const size = 2 ** (16 - prefix);
  const lo = Math.floor(first / size) * size;
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return `(CASE WHEN strpos(${x}, ':') > 0 THEN coalesce(lpad(split_part(${lower}, ':', 1), 4, '0') BETWEEN ${literal(hex(lo))} AND ${literal(hex(lo + size - 1))}, false) ELSE false END)`;
}

/** One condition as a boolean that is false (never NULL) for a missing field. */
export function conditionSql(engine: SqlEngine, x: string, c: Condition): string {
  switch (c.op) {
    case 'in':
      return `coalesce(${x} IN (${c.values.map(val).join(', ')}), false)`;
    case 'not_in':
      return `coalesce(${x} NOT IN (${c.values.map(val).join(', ')}), false)`;
    case 'cmp': {
      const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[c.cmp];
      return `coalesce(${x} ${op} ${c.value}, false)`;
    }
    case 'cidr':
      return cidrsSql(engine, x, c.cidrs);
    case 'not_cidr':
      return `(${x} IS NOT NULL AND NOT ${cidrsSql(engine, x, c.cidrs)})`;
    case 'present':
      return `(${x} IS NOT NULL)`;
    case 'missing':
      return `(${x} IS NULL)`;
    default: {
      const never: never = c;
      return never;
    }
  }
}

/**
 * The distinct addresses of the fields CIDR tests read, each a CTE behind OFFSET 0 (so that DuckDB cannot push the
 * tests below the DISTINCT, back onto every record: measured 196 s against 1.5 s at 10M records).
 */
class AddressSets {
  readonly fields = new Set<string>();
  /** `run`: the run's address-set tables (SqlSource.addressSets) that hold the source's values, by field. */
  constructor(
    private readonly source: string,
    private readonly run: (field: string) => AddressSetTable | undefined = () => undefined,
  ) {}
  /** The CTE holding the distinct values (column `a`) of `field`, or the run's table of them. */
  use(field: string): string {
    const t = this.run(field);
    if (t !== undefined) return ident(t.table);
    this.fields.add(field);
    return ident(`addresses_${field}`);
  }
  ctes(): string[] {
    return [...this.fields].map(
      // OFFSET 0: DuckDB pushes filters on a DISTINCT's column below it, and through MATERIALIZED too
      (f) =>
        `${ident(`addresses_${f}`)} AS MATERIALIZED (SELECT DISTINCT ${ident(f)} AS a FROM (${this.source}) d OFFSET 0)`,
    );
  }
}

/**
 * A CIDR condition over DuckDB as a membership test in the set of the relation's distinct addresses that lie in
 * the blocks: the block tests (string work, heavy for IPv6) then run once per distinct address instead of once
 * per record. Same truth as conditionSql's: its block tests are never NULL, and a NULL address is in no block.
 */
function cidrSetSql(
  x: string,
  field: string,
  cidrs: readonly string[],
  negate: boolean,
  from: AddressSets,
): string {
  const test = conditionSql('duckdb', 'a', { op: 'cidr', cidrs });
  const set = `(SELECT a FROM ${from.use(field)} WHERE ${test})`;
  return negate
    ? `(${x} IS NOT NULL AND NOT coalesce(${x} IN ${set}, false))`
    : `coalesce(${x} IN ${set}, false)`;
}

/**
 * Each test as a boolean. With `from` (DuckDB: the relation the records come from), CIDR tests go through the
 * relation's distinct addresses (cidrSetSql).
 */
function testsSql(engine: SqlEngine, tests: readonly FieldTest[], alias = '', from?: AddressSets): string[] {
  return tests.map((t) => {
    const x = `${alias}${ident(t.field)}`;
    if (engine === 'duckdb' && from !== undefined && (t.cond.op === 'cidr' || t.cond.op === 'not_cidr'))
      return cidrSetSql(x, t.field, t.cond.cidrs, t.cond.op === 'not_cidr', from);
    return conditionSql(engine, x, t.cond);
  });
}

/** The allow-list as one boolean: true when some entry matches the record. */
function allowSql(engine: SqlEngine, d: Detection, from?: AddressSets): string | undefined {
  const parts: string[] = [];
  for (const a of d.allow.cidrs) {
    if (a.cidrs.length > 0)
      parts.push(
        engine === 'duckdb' && from !== undefined
          ? cidrSetSql(ident(a.field), a.field, a.cidrs, false, from)
          : conditionSql(engine, ident(a.field), { op: 'cidr', cidrs: a.cidrs }),
      );
  }
  for (const a of d.allow.values) {
    if (a.values.length > 0) parts.push(conditionSql(engine, ident(a.field), { op: 'in', values: a.values }));
  }
  return parts.length === 0 ? undefined : `(${parts.join(' OR ')})`;
}

/** DuckDB: ` WHERE` the event time lies in the range (unix seconds, either end open), or '' for no range. */
export function rangeWhereSql(range: TimeRange): string {
  const w: string[] = [];
  if (range.since !== undefined) w.push(`event_time >= ${Math.floor(range.since)}`);
  if (range.until !== undefined) w.push(`event_time < ${Math.floor(range.until)}`);
  return w.length > 0 ? ` WHERE ${w.join(' AND ')}` : '';
}

/** The record relation with `event_time`, limited to the range. */
export function sourceSql(
  src: SqlSource,
  d: Detection,
  range: TimeRange,
  narrow: boolean,
  ids = false,
): string {
  if (src.engine === 'duckdb') {
    // Naming the columns lets DuckDB read only those from the record tables (see flow-views.ts).
    const extra =
      d.kind === 'intel' ? ['file_id', 'line', 'pkt_srcaddr', 'pkt_dstaddr'] : ids ? ['file_id', 'line'] : [];
    const agg = src.aggregated === true;
    const cols = narrow
      ? [
          ...new Set([
            ...(agg ? aggregateKeys(d) : fieldsUsed(d)),
            ...extra,
            'event_time',
            ...(agg ? aggregatedColumns(d) : []),
          ]),
        ]
          .map(ident)
          .join(', ')
      : '*';
    return `SELECT ${cols} FROM ${src.relation ?? 'flows'}${rangeWhereSql(range)}`;
  }
  const columns = src.columns ?? [];
  // A field only tested inside `filter.any` may be absent from the table: there it reads as missing (NULL).
  const optional = new Set(d.anyOf.flatMap((g) => g.map((t) => t.field)));
  for (const f of d.filter) optional.delete(f.field);
  for (const f of fieldsUsed(d)) if (!d.anyOf.some((g) => g.some((t) => t.field === f))) optional.delete(f);
  if (d.kind === 'intel') for (const f of ['pkt_srcaddr', 'pkt_dstaddr']) optional.add(f);
  if (d.kind === 'silence') for (const f of ['account_id', 'flow_direction']) optional.add(f);
  const wanted = [...new Set([...fieldsUsed(d), ...optional])];
  const missing = wanted.filter((f) => !columns.includes(f) && !optional.has(f));
  if (missing.length > 0) {
    throw new DetectCompileError(
      `${d.id} reads ${missing.join(', ')}, which the Athena table does not have`,
      'give the table’s flow log format with --format, or disable this detection with --only',
    );
  }
  // Text tables keep AWS's `-` placeholder in string columns: read it as missing. The event time of raw
  // files is `start` (DESIGN.md, "Event time").
  const cols = wanted.map((c) => {
    const type = FIELDS.find((f) => f.column === c)?.type ?? 'string';
    if (!columns.includes(c))
      return `CAST(NULL AS ${type === 'string' ? 'varchar' : 'bigint'}) AS ${ident(c)}`;
    return type === 'string' ? `nullif(v.${ident(c)}, '-') AS ${ident(c)}` : `v.${ident(c)}`;
  });
  cols.push('v."start" AS "event_time"');
  const w: string[] = [];
  if (range.since !== undefined) w.push(`v."start" >= ${Math.floor(range.since)}`);
  if (range.until !== undefined) w.push(`v."start" < ${Math.floor(range.until)}`);
  if (src.partitionFilter !== undefined) w.push(`(${src.partitionFilter})`);
  const table = (src.table ?? 'vpc_flow_logs').split('.').map(ident).join('.');
  return `SELECT ${cols.join(', ')} FROM ${table} v${w.length > 0 ? ` WHERE ${w.join(' AND ')}` : ''}`;
}

/**
 * A test that is a conjunct of the WHERE clause itself, in the plain form DuckDB pushes into the table scan
 * (`action = 'REJECT'`, `dstport < 32768`): there a NULL drops the row as false does, so conditionSql's
 * coalesce(…, false) is not needed. Undefined for CIDR tests (see cidrSetSql).
 */
function topLevelTestSql(t: FieldTest): string | undefined {
  const x = ident(t.field);
  const c = t.cond;
  switch (c.op) {
    case 'in':
      return c.values.length === 1
        ? `${x} = ${val(c.values[0]!)}`
        : `${x} IN (${c.values.map(val).join(', ')})`;
    case 'not_in':
      return `${x} NOT IN (${c.values.map(val).join(', ')})`;
    case 'cmp':
      return `${x} ${{ lt: '<', lte: '<=', gt: '>', gte: '>=' }[c.cmp]} ${c.value}`;
    case 'present':
      return `${x} IS NOT NULL`;
    case 'missing':
      return `${x} IS NULL`;
    default:
      return undefined;
  }
}

/** The predicate putting a record in scope (filter, group fields present, not allowed). */
export function scopeSql(engine: SqlEngine, d: Detection, from?: AddressSets): string {
  const conds = d.filter.map(
    (t) => (engine === 'duckdb' ? topLevelTestSql(t) : undefined) ?? testsSql(engine, [t], '', from)[0]!,
  );
  if (d.anyOf.length > 0) {
    const alts = d.anyOf.map((g) => {
      const t = testsSql(engine, g, '', from);
      return t.length === 0 ? 'true' : `(${t.map((c) => `(${c})`).join(' AND ')})`;
    });
    conds.push(`(${alts.join(' OR ')})`);
  }
  if (d.kind !== 'intel') for (const g of d.groupBy) conds.push(`${ident(g)} IS NOT NULL`);
  const allow = allowSql(engine, d, from);
  if (allow !== undefined) conds.push(`NOT ${allow}`);
  return conds.length === 0 ? 'true' : conds.map((c) => `(${c})`).join(' AND ');
}

/**
 * One scan for several DuckDB detections: a temporary table `table` holding the records of the range that are in
 * the scope of at least one of them, with the columns any of them reads. Each detection then runs over it as its
 * `relation` and applies its own scope again, so its records (and so its hits) are those it reads from `flows`.
 * With `ids`, the table also keeps each record's `file_id` and `line` (for hitsSql's `samples`).
 *
 * @example sharedScopeSql([verticalScan, sweep], { since: 1716163200 }, 'detect_scope')
 */
export function sharedScopeSql(
  ds: readonly Detection[],
  range: TimeRange,
  table: string,
  ids = false,
  src?: SqlSource,
): string {
  const cols = [
    ...new Set([...ds.flatMap((d) => fieldsUsed(d)), ...(ids ? ['file_id', 'line'] : []), 'event_time']),
  ];
  const source = `SELECT ${cols.map(ident).join(', ')} FROM flows${rangeWhereSql(range)}`;
  const sets = new AddressSets(source, (f) => (src === undefined ? undefined : addressSetFor(src, f, range)));
  // each scope once: a slow variant (vertical-port-scan-slow) has its fast one's scope, and an OR of a test with
  // itself is the test
  const scopes = [...new Set(ds.map((d) => `(${scopeSql('duckdb', d, sets)})`))];
  const ctes = sets.ctes();
  return `CREATE OR REPLACE TEMP TABLE ${ident(table)} AS ${ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n` : ''}SELECT * FROM (${source}) s WHERE ${scopes.join('\n  OR ')}`;
}

/** The columns a pre-aggregate (SqlSource.aggregated) holds for a detection beyond its fields and bin. */
function aggregatedColumns(d: Detection): string[] {
  const sum =
    (d.kind === 'threshold' || d.kind === 'baseline') && d.metric.kind === 'sum' ? d.metric.field : undefined;
  return ['fw_n', 'fw_t0', 'fw_t1', ...(sum === undefined ? [] : [`fw_sum_${sum}`])];
}

/** The fields a pre-aggregate groups by for a detection: those it tests, groups by, names as peers or counts distinct. */
function aggregateKeys(d: Detection): string[] {
  const keys = new Set<string>();
  for (const t of [...d.filter, ...d.anyOf.flat()]) keys.add(t.field);
  for (const a of [...d.allow.cidrs, ...d.allow.values]) keys.add(a.field);
  for (const g of d.groupBy) keys.add(g);
  if (d.peers !== undefined) keys.add(d.peers);
  if ((d.kind === 'threshold' || d.kind === 'baseline') && d.metric.kind === 'distinct')
    for (const f of d.metric.fields) keys.add(f);
  return [...keys];
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * One pre-aggregate of the records for several DuckDB threshold-like detections (the bins of a run's baseline
 * detections): a temporary table `table` grouping the records of the range by every field any of them tests,
 * groups by or counts distinct, and by the bin of the greatest common
 * divisor of their windows (epoch-aligned, so each detection's window is a whole number of bins), with the count,
 * first and last event time and the sum of each summed field. Each detection then runs over it as its `relation`
 * with `aggregated` and no range (the table holds the range's records only), applying its own scope again to the
 * grouped fields: its sums, counts, distinct counts and times are those it reads from `flows`.
 * docs/decisions/62-detect-shared-aggregates.md.
 *
 * @example sharedBinsSql([exfiltration, floodPackets], { since: 1716163200 }, 'detect_shared_bins')
 */
export function sharedBinsSql(ds: readonly Detection[], range: TimeRange, table: string): string {
  const shape = binShape(ds, ['threshold', 'baseline'], 'share a pre-aggregate');
  const cols = [...new Set([...shape.keys, ...shape.sums, 'event_time'])];
  const source = `SELECT ${cols.map(ident).join(', ')} FROM flows${rangeWhereSql(range)}`;
  // No scope filter here: the union of the baselines' scopes is nearly every record, and testing it (CIDR sets,
  // one per detection) cost more than the rows it drops (measured at 10M: 3.7 against 2.0 CPU-s).
  return `CREATE OR REPLACE TEMP TABLE ${ident(table)} AS ${binsAggregateSql(shape, source)}`;
}

/** What a bins pre-aggregate groups by (keys), sums, and its bin (the greatest common divisor of the windows). */
interface BinShape {
  readonly keys: readonly string[];
  readonly sums: readonly string[];
  readonly bin: number;
}

/** The bin shape of `ds`, whose kinds must be among `kinds` (else: they cannot `why`). */
function binShape(ds: readonly Detection[], kinds: readonly Detection['kind'][], why: string): BinShape {
  const keys = new Set<string>();
  const sums = new Set<string>();
  for (const d of ds) {
    if (!kinds.includes(d.kind) || (d.kind !== 'threshold' && d.kind !== 'baseline'))
      throw new DetectCompileError(`${d.id}: only ${kinds.join(' and ')} detections ${why}`);
    for (const f of aggregateKeys(d)) keys.add(f);
    if (d.metric.kind === 'sum') sums.add(d.metric.field);
  }
  return { keys: [...keys], sums: [...sums], bin: ds.map((d) => Math.trunc(d.window)).reduce(gcd) };
}

/**
 * The SELECT grouping the rows of `source` (and `where`, a predicate over them, when given) by the shape's keys and
 * bin, with the count, first and last event time and each sum: the rows of a bins pre-aggregate.
 */
function binsAggregateSql(shape: BinShape, source: string, where?: string): string {
  const k = shape.keys.map(ident);
  const out = [
    ...k.map((c) => `x.${c}`),
    'x.fw_w AS "event_time"',
    'count(*) AS fw_n',
    'min(x."event_time") AS fw_t0',
    'max(x."event_time") AS fw_t1',
    ...shape.sums.map((f) => `sum(x.${ident(f)}) AS ${ident(`fw_sum_${f}`)}`),
  ];
  return `SELECT ${out.join(', ')}
FROM (SELECT s.*, ${dialect('duckdb').epochBucket('s."event_time"', shape.bin)} AS fw_w FROM (${source}) s${where === undefined ? '' : ` WHERE ${where}`}) x
GROUP BY ${[...k.map((c) => `x.${c}`), 'x.fw_w'].join(', ')}`;
}

/** The window start of a record (the dialect's epoch bucket of its event time). */
const win = (e: SqlEngine, d: Detection, alias = '') =>
  dialect(e).epochBucket(`${alias}"event_time"`, d.window);

/** How matchedCtes reads the records beyond the source and range. */
interface MatchedOptions {
  /** Only the columns the definition reads (else every column of `flows`, for the evidence). Default true. */
  readonly narrow?: boolean;
  /** With narrow: also `file_id` and `line`, which identify a record in `flows`. */
  readonly ids?: boolean;
  /** DuckDB: materialize `scoped` (read twice by the hits query). Default true; pair detections never do. */
  readonly materialize?: boolean;
  /**
   * DuckDB, `kind: intel`: only records with one of these addresses on a side (packet-level address first), in
   * `scoped` and in the matcher. The evidence of findings whose listed addresses are known: a record's match does
   * not depend on the other records, so this drops only records no such finding counts.
   */
  readonly intelAddresses?: readonly string[];
  /** DuckDB, `kind: intel`: match through SqlSource.intelCandidates when they cover the range. */
  readonly candidates?: boolean;
  /** DuckDB: a further predicate on `scoped` that drops only records no wanted group counts. */
  readonly where?: string;
  /** DuckDB: materialize `matched` too (read twice when hitsSql picks the samples: the hits and the picks). */
  readonly materializeMatched?: boolean;
  /** DuckDB: CIDR tests read the run's address-set tables (SqlSource.addressSets) that hold the range's values. */
  readonly runSets?: boolean;
}

/** The packet-level source and destination of a record (what the intel matcher tests). */
const INTEL_SIDES = ['coalesce("pkt_srcaddr", "srcaddr")', 'coalesce("pkt_dstaddr", "dstaddr")'] as const;

/** A record with one of `addresses` on a side (see MatchedOptions.intelAddresses). */
export function intelSidesSql(addresses: readonly string[]): string {
  const list = `(${addresses.map(literal).join(', ')})`;
  return `(${INTEL_SIDES.map((x) => `${x} IN ${list}`).join(' OR ')})`;
}

/** CTEs `scoped` (records in scope) and `matched` (those the metric is over). */
function matchedCtes(src: SqlSource, d: Detection, range: TimeRange, opts: MatchedOptions = {}): string[] {
  const e = src.engine;
  // DuckDB computes a CTE once only when told (it is read twice: the hits and the peers, or both pair sides).
  const m = e === 'duckdb' ? ' MATERIALIZED' : '';
  const source = sourceSql(src, d, range, opts.narrow ?? true, opts.ids === true);
  const sets =
    e === 'duckdb'
      ? new AddressSets(source, (f) => (opts.runSets === true ? addressSetFor(src, f, range) : undefined))
      : undefined;
  let scope = scopeSql(e, d, sets);
  const only = e === 'duckdb' && d.kind === 'intel' ? opts.intelAddresses : undefined;
  if (only !== undefined) scope = `${scope} AND ${intelSidesSql(only)}`;
  if (e === 'duckdb' && opts.where !== undefined) scope = `${scope} AND (${opts.where})`;
  // A pair detection reads its records twice through small joins (replies, then the requests they name): two scans
  // cost less than materializing every record in scope (all of them for nacl-reply-drop). In DuckDB each side is
  // its own scan of the source with its tests in the scan (pairCtes): a `scoped` CTE read twice is materialized by
  // DuckDB whatever it is told (every record of the store, copied: docs/decisions/74-detect-pair-scans-beacon-tuples.md). The
  // evidence query (every column, stored with the finding) keeps its text: a finding's stored fields do not change.
  if (d.kind === 'pair' && e === 'duckdb' && opts.narrow !== false)
    return [...(sets?.ctes() ?? []), ...pairCtes(d, source, scope, m, opts)];
  const ms = d.kind === 'pair' || opts.materialize === false ? '' : m;
  const ctes = [...(sets?.ctes() ?? []), `scoped AS${ms} (SELECT * FROM (${source}) s WHERE ${scope})`];
  const mm = opts.materializeMatched === true ? m : '';
  if (d.kind === 'intel') {
    ctes.push(
      intelMatchedSql(src, range, only, opts.candidates === true ? candidatesFor(src, range) : undefined, mm),
    );
    return ctes;
  }
  if (d.kind !== 'pair') {
    ctes.push('matched AS (SELECT * FROM scoped)');
    return ctes;
  }
  const req = testsSql(e, d.request, 'q.');
  const rep = testsSql(e, d.reply, 'r.');
  ctes.push(
    `replies AS${m} (SELECT * FROM scoped r${rep.length > 0 ? ` WHERE ${rep.map((c) => `(${c})`).join(' AND ')}` : ''})`,
    ...pairJoinCtes(e, d, `scoped q`, req, mm),
  );
  return ctes;
}

const PAIR_FIELDS = ['interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol'] as const;

/**
 * `wanted`, `requests` and `matched` of a pair detection, from `replies` and the request records (`from`, aliased
 * q, with the request tests `req` as its WHERE). The replies are few (rejected records, typically) and the requests
 * most of the store: the requests are looked up by the replies' reversed 5-tuples (a join whose build side is small)
 * instead of a DISTINCT over every request, which was the largest query of a 10M-record detect
 * (docs/decisions/46-detect-at-scale.md).
 */
function pairJoinCtes(
  e: SqlEngine,
  d: Detection,
  from: string,
  req: readonly string[],
  mm: string,
): string[] {
  const reversed = {
    interface_id: 'interface_id',
    srcaddr: 'dstaddr',
    dstaddr: 'srcaddr',
    srcport: 'dstport',
    dstport: 'srcport',
    protocol: 'protocol',
  } as const;
  return [
    `wanted AS (SELECT DISTINCT ${PAIR_FIELDS.map((p) => `${ident(reversed[p])} AS ${ident(p)}`).join(', ')}, ${win(e, d)} AS w FROM replies)`,
    `requests AS (SELECT DISTINCT ${PAIR_FIELDS.map((p) => `q.${ident(p)}`).join(', ')}, k.w FROM ${from} JOIN wanted k ON ${PAIR_FIELDS.map((p) => `k.${ident(p)} = q.${ident(p)}`).join(' AND ')} AND k.w = ${win(e, d, 'q.')}${req.length > 0 ? ` WHERE ${req.map((c) => `(${c})`).join(' AND ')}` : ''})`,
    `matched AS${mm} (SELECT r.* FROM replies r WHERE EXISTS (SELECT 1 FROM requests q WHERE q."interface_id" = r."interface_id" AND q."srcaddr" = r."dstaddr" AND q."dstaddr" = r."srcaddr" AND q."srcport" = r."dstport" AND q."dstport" = r."srcport" AND q."protocol" = r."protocol" AND q.w = ${win(e, d, 'r.')}))`,
  ];
}

/**
 * DuckDB: a pair detection's CTEs with no `scoped`: the replies are one scan of `source` with the scope and the reply
 * tests as its WHERE, the requests another with the scope and the request tests, each test in the plain form DuckDB
 * pushes into the table scan where it has one (topLevelTestSql; a conjunct of the WHERE, where NULL drops the row as
 * false does). The records each side sees are those `scoped` filtered by its tests held. A `scoped` CTE read by both
 * sides was materialized by DuckDB (every record in scope: all of them for nacl-reply-drop) and read twice from the
 * copy: 7.4 CPU-s against 1.5 at 10M records (docs/decisions/74-detect-pair-scans-beacon-tuples.md).
 */
function pairCtes(d: Detection, source: string, scope: string, m: string, opts: MatchedOptions): string[] {
  if (d.kind !== 'pair') throw new DetectCompileError(`${d.id} is not a pair detection`);
  const plain = (tests: readonly FieldTest[]) =>
    tests.map((t) => `(${topLevelTestSql(t) ?? conditionSql('duckdb', ident(t.field), t.cond)})`);
  const where = (tests: readonly FieldTest[]) => [`(${scope})`, ...plain(tests)].join(' AND ');
  const mm = opts.materializeMatched === true ? m : '';
  return [
    `replies AS${m} (SELECT * FROM (${source}) r WHERE ${where(d.reply)})`,
    ...pairJoinCtes('duckdb', d, `(SELECT * FROM (${source}) s WHERE ${where(d.request)}) q`, [], mm),
  ];
}

/**
 * `matched` of a `kind: intel` detection: a row per record side lying in a valid indicator, with `host` (the
 * other side), `known_bad` (the listed address) and `fw_rank` (intelRank: 1 rejected, 2 accepted inbound, 3
 * accepted outbound). DuckDB joins the one matcher over the store's intel tables (src/storage/intel.ts); Trino tests the
 * indicators the source carries inline.
 */
function intelMatchedSql(
  src: SqlSource,
  range: TimeRange,
  addresses?: readonly string[],
  candidates?: IntelCandidates,
  materialized = '',
): string {
  // intelRank: a reply (lower source port than destination port) belongs to the other side's connection
  const reply = 'coalesce(s."srcport" < s."dstport", false)';
  const rank = (badIsSource: string) =>
    `CASE WHEN coalesce(s."action" = 'ACCEPT', false) THEN (CASE WHEN (${badIsSource}) <> ${reply} THEN 2 ELSE 3 END) ELSE 1 END`;
  if (src.engine === 'duckdb') {
    const m = intelMatchSql({
      ...(addresses === undefined ? {} : { where: intelSidesSql(addresses) }),
      ...(candidates === undefined ? {} : { candidates: candidates.table, oneEach: candidates.oneEach }),
    });
    const sql = m.sql
      .replaceAll('$1', range.since === undefined ? 'NULL' : String(Math.floor(range.since)))
      .replaceAll('$2', range.until === undefined ? 'NULL' : String(Math.floor(range.until)));
    return `matched AS${materialized} (SELECT s.*, m.peer AS "host", m.address AS "known_bad", ${rank("m.side = 'src'")} AS "fw_rank"
  FROM scoped s JOIN (${sql}) m ON m.file_id = s.file_id AND m.line = s.line)`;
  }
  const entries = src.intel ?? [];
  const listed = (x: string) => {
    if (entries.length === 0) return 'false';
    const parts = entries.map((i) => {
      const t = [`(${i.cidrs.map((c) => cidrSql('trino', x, c)).join(' OR ')})`];
      if (i.validFrom !== undefined) t.push(`s."event_time" >= ${Math.floor(i.validFrom)}`);
      if (i.validUntil !== undefined) t.push(`s."event_time" < ${Math.floor(i.validUntil)}`);
      return `(${t.join(' AND ')})`;
    });
    return `(${parts.join(' OR ')})`;
  };
  const a = 'coalesce(s."pkt_srcaddr", s."srcaddr")';
  const b = 'coalesce(s."pkt_dstaddr", s."dstaddr")';
  return `matched AS (SELECT s.*, ${b} AS "host", ${a} AS "known_bad", ${rank('true')} AS "fw_rank" FROM scoped s WHERE ${a} IS NOT NULL AND ${listed(a)}
  UNION ALL
  SELECT s.*, ${a} AS "host", ${b} AS "known_bad", ${rank('false')} AS "fw_rank" FROM scoped s WHERE ${b} IS NOT NULL AND ${listed(b)})`;
}

function metricSql(e: SqlEngine, d: Detection, aggregated = false): string {
  const count = aggregated ? 'sum(fw_n)' : 'count(*)';
  if (d.kind === 'pair') return 'count(*)';
  if (d.kind === 'intel') return 'max("fw_rank")';
  if (d.kind === 'beacon') throw new DetectCompileError(`${d.id} is a beacon detection: use beaconSql`);
  if (d.kind === 'silence') throw new DetectCompileError(`${d.id} is a silence detection: use silenceSql`);
  if (d.kind === 'first-seen')
    throw new DetectCompileError(`${d.id} is a first-seen detection: use firstSeenPairsSql`);
  const m = d.metric;
  switch (m.kind) {
    case 'count':
      return count;
    case 'sum':
      return `coalesce(sum(${ident(aggregated ? `fw_sum_${m.field}` : m.field)}), 0)`;
    case 'distinct':
      return dialect(e).countDistinct(
        m.fields.length === 1
          ? ident(m.fields[0]!)
          : m.fields.map((f) => dialect(e).cast(ident(f), 'varchar')).join(` || '|' || `),
      );
    default: {
      const never: never = m;
      return never;
    }
  }
}

/**
 * The hits query: columns k0..kn (group values as text), w (window start), value, records, first_seen,
 * last_seen, peer_count and peer (one row per kept peer; NULL when there is none), ordered.
 *
 * With `samples` (DuckDB over `flows` or a shared scan holding `file_id` and `line`; threshold, pair and intel
 * kinds), each row also carries `fw_sample`: the first `samples` records of its hit window (by event time, then
 * file and line) as a list of structs (`file_id`, `line` and matchedExtras(d)), picked from the records the query
 * has already matched: the evidence samples of the run's findings without matching again
 * (docs/decisions/71-detect-samples-in-hits.md).
 *
 * @example hitsSql({ engine: 'duckdb' }, detection, { since: 1716163200 })
 */
export function hitsSql(
  src: SqlSource,
  d: Detection,
  range: TimeRange,
  opts: { readonly samples?: number } = {},
): string {
  const e = src.engine;
  const text = (x: string) => dialect(e).cast(x, 'varchar');
  const keys = d.groupBy.map((g, i) => `${text(ident(g))} AS k${i}`);
  const kcols = d.groupBy.map((_, i) => `k${i}`);
  const agg = src.aggregated === true;
  if (agg && d.kind !== 'threshold')
    throw new DetectCompileError(`${d.id}: only a threshold detection reads a pre-aggregate`);
  const samples =
    opts.samples !== undefined && e === 'duckdb' && !agg && ['threshold', 'pair', 'intel'].includes(d.kind)
      ? Math.trunc(opts.samples)
      : undefined;
  const ctes = matchedCtes(src, d, range, {
    candidates: true,
    runSets: true,
    ...(samples === undefined ? {} : { ids: true, materializeMatched: true }),
  });
  const groups = [...d.groupBy.map((g) => text(ident(g))), win(e, d)];
  // DuckDB, a distinct count over records: only groups of at least the lowest threshold's records can reach it
  // (a distinct count is at most the count), found by a plain GROUP BY first; the distinct counts (a hash set per
  // group) are then kept for those. A threshold detection's group fields are never NULL in scope, so `=` matches.
  const few =
    e === 'duckdb' &&
    !agg &&
    d.kind === 'threshold' &&
    d.metric.kind === 'distinct' &&
    minThreshold(d.thresholds) > 1;
  if (few)
    ctes.push(
      `fw_big AS (SELECT ${groups.map((g, i) => `${g} AS g${i}`).join(', ')} FROM matched GROUP BY ${groups.join(', ')} HAVING count(*) >= ${minThreshold(d.thresholds)})`,
    );
  const big = few
    ? ` WHERE EXISTS (SELECT 1 FROM fw_big b WHERE ${groups.map((g, i) => `b.g${i} = ${g}`).join(' AND ')})`
    : '';
  ctes.push(
    `hits AS${e === 'duckdb' ? ' MATERIALIZED' : ''} (SELECT ${keys.join(', ')}, ${win(e, d)} AS w, ${metricSql(e, d, agg)} AS value, ${agg ? 'sum(fw_n)' : 'count(*)'} AS records, ${agg ? 'min(fw_t0)' : 'min("event_time")'} AS first_seen, ${agg ? 'max(fw_t1)' : 'max("event_time")'} AS last_seen, ${d.peers === undefined ? '0' : dialect(e).countDistinct(ident(d.peers))} AS peer_count FROM matched${big} GROUP BY ${groups.join(', ')} HAVING ${metricSql(e, d, agg)} >= ${minThreshold(d.thresholds)})`,
  );
  let peerJoin = '';
  let peerCol = `${text('NULL')} AS peer`;
  if (d.peers !== undefined) {
    ctes.push(
      `keyed AS (SELECT ${[...d.groupBy.map((g, i) => `${text(ident(g))} AS k${i}`), `${win(e, d)} AS w`, `${text(ident(d.peers))} AS peer`].join(', ')} FROM matched WHERE ${ident(d.peers)} IS NOT NULL)`,
      // only the hit windows' peers are ranked (most groups of a large store never reach a threshold)
      `peers AS (SELECT DISTINCT x.* FROM keyed x WHERE EXISTS (SELECT 1 FROM hits y WHERE ${[...kcols, 'w'].map((c) => `y.${c} = x.${c}`).join(' AND ')}))`,
      `ranked AS (SELECT p.*, row_number() OVER (PARTITION BY ${[...kcols, 'w'].join(', ')} ORDER BY peer) AS rn FROM peers p)`,
    );
    peerJoin = ` LEFT JOIN ranked p ON ${[...kcols, 'w'].map((c) => `p.${c} = h.${c}`).join(' AND ')} AND p.rn <= ${PEER_LIMIT}`;
    peerCol = 'p.peer AS peer';
  }
  let sampleJoin = '';
  if (samples !== undefined) {
    const extras = matchedExtras(d).map(ident);
    const fields = ['"file_id"', '"line"', ...extras];
    ctes.push(
      `fw_ranked AS (SELECT x.*, row_number() OVER (PARTITION BY ${[...kcols, 'w'].join(', ')} ORDER BY "event_time", "file_id", "line") AS fw_rn FROM (SELECT ${[...keys, `${win(e, d)} AS w`, '"event_time"', ...fields].join(', ')} FROM matched) x WHERE EXISTS (SELECT 1 FROM hits y WHERE ${[...kcols, 'w'].map((c) => `y.${c} = x.${c}`).join(' AND ')}))`,
      `fw_picks AS (SELECT ${[...kcols, 'w'].join(', ')}, list(struct_pack(${fields.map((f) => `${f} := ${f}`).join(', ')}) ORDER BY fw_rn) AS fw_sample FROM fw_ranked WHERE fw_rn <= ${samples} GROUP BY ${[...kcols, 'w'].join(', ')})`,
    );
    sampleJoin = ` LEFT JOIN fw_picks s ON ${[...kcols, 'w'].map((c) => `s.${c} = h.${c}`).join(' AND ')}`;
  }
  const out = [
    ...kcols.map((c) => `h.${c}`),
    'h.w',
    'h.value',
    'h.records',
    'h.first_seen',
    'h.last_seen',
    'h.peer_count',
    peerCol,
    ...(samples === undefined ? [] : ['s.fw_sample']),
  ];
  return `WITH ${ctes.join(',\n')}\nSELECT ${out.join(', ')} FROM hits h${peerJoin}${sampleJoin}\nORDER BY ${[...kcols.map((c) => `h.${c}`), 'h.w', 'peer'].join(', ')}`;
}

/**
 * DuckDB: the bins of several threshold detections (binsDetection of baseline ones) that read the same records the
 * same way (sameBinsShape: scope, group fields and window; no peers) in one query: hitsSql's columns with one
 * value per detection, `v0`, `v1`, … in the order of `ds`, and no `value` (so no HAVING: a bins query's lowest
 * threshold is 0, which every count, sum and distinct count reaches). Each detection's bins are its hits query's
 * rows with `value` = its `v<i>` (the GROUP BY is the same, only the metric differs): two per-minute flood
 * baselines read the store once instead of twice. docs/decisions/71-detect-samples-in-hits.md.
 *
 * @example binsTogetherSql({ engine: 'duckdb' }, [binsDetection(floodFanIn), binsDetection(floodPackets)], range)
 */
export function binsTogetherSql(src: SqlSource, ds: readonly Detection[], range: TimeRange): string {
  const d = ds[0];
  if (d === undefined || ds.some((x) => sameBinsShape(x) !== sameBinsShape(d)))
    throw new DetectCompileError('binsTogetherSql: the detections must share their scope, groups and window');
  for (const x of ds)
    if (x.kind !== 'threshold' || minThreshold(x.thresholds) > 0)
      throw new DetectCompileError(`${x.id}: only bins (threshold 0) are computed together`);
  if (src.engine !== 'duckdb' || src.aggregated === true)
    throw new DetectCompileError('binsTogetherSql reads DuckDB records');
  const e = src.engine;
  const text = (x: string) => dialect(e).cast(x, 'varchar');
  const keys = d.groupBy.map((g, i) => `${text(ident(g))} AS k${i}`);
  const kcols = d.groupBy.map((_, i) => `k${i}`);
  // the records of the range with every field one of them reads (their scope is the same)
  const cols = [...new Set([...ds.flatMap((x) => fieldsUsed(x)), 'event_time'])];
  const source = `SELECT ${cols.map(ident).join(', ')} FROM ${src.relation ?? 'flows'}${rangeWhereSql(range)}`;
  const sets = new AddressSets(source, (f) => addressSetFor(src, f, range));
  const scope = scopeSql(e, d, sets); // before sets.ctes(): it names the address sets the scope uses
  const ctes = [...sets.ctes(), `matched AS (SELECT * FROM (${source}) s WHERE ${scope})`];
  const values = ds.map((x, i) => `${metricSql(e, x)} AS v${i}`);
  return `WITH ${ctes.join(',\n')}
SELECT ${[...keys, `${win(e, d)} AS w`, ...values, 'count(*) AS records', 'min("event_time") AS first_seen', 'max("event_time") AS last_seen', '0 AS peer_count', `${text('NULL')} AS peer`].join(', ')}
FROM matched GROUP BY ${[...d.groupBy.map((g) => text(ident(g))), win(e, d)].join(', ')}
ORDER BY ${[...kcols, 'w'].join(', ')}`;
}

/** What makes detections' bins computable together (binsTogetherSql): scope, group fields, window, no peers. */
export function sameBinsShape(d: Detection): string {
  return JSON.stringify([d.kind, d.filter, d.anyOf, d.allow, d.groupBy, d.window, d.peers ?? null]);
}

/**
 * The beacon query: per pair (k0..k3 = srcaddr, dstaddr, dstport, protocol) and analysis window w, the
 * connection timestamps `ts` and sizes `sizes` (sorted lists), the pair's records, first_seen and last_seen,
 * the window's first and last connection (lo, hi), and the destination's prevalence (`sources` of
 * `all_sources`). Only pairs with at least minConnections unique timestamps and fewer than STROBE_CONNECTIONS
 * connections are returned; beacon.ts scores them.
 *
 * Connections: the records of one 5-tuple (the pair and its srcport) in a window, ordered by start, split where
 * a record starts more than `gap` seconds after every earlier one ended; a connection's timestamp is its first
 * start, its size the sum of its bytes.
 *
 * The split (two window functions) runs only where its result can matter (docs/decisions/46-detect-at-scale.md):
 * over the tuples of candidate pairs, found with plain GROUP BYs first, and over the few tuples whose last
 * connection could be the window's last one (hi). Candidates: a connection's timestamp is a record's start, so
 * a pair with fewer than minConnections distinct starts has fewer distinct connection timestamps; each
 * srcport's first record starts a connection, so a pair with STROBE_CONNECTIONS srcports is a strobe; a shared
 * destination (prevalence) is never scored. lo is the window's first start (the first record of any tuple starts a
 * connection); hi is at least the latest first start of a tuple (`floor_hi`), and only a tuple with a record
 * after that can have a later connection.
 */
export function beaconSql(src: SqlSource, d: BeaconDetection, range: TimeRange): string {
  const e = src.engine;
  const sq = dialect(e);
  const text = (x: string) => sq.cast(x, 'varchar');
  // Keys as the columns' own types (integers group and join cheaper than their text), as text in the answer only:
  // a cast of an integer to text is one-to-one, so the groups are the same; the answer is ordered by the text.
  const numeric = (g: string) => FIELDS.find((f) => f.column === g)?.type !== 'string';
  const keys = d.groupBy.map((g, i) => `${numeric(g) ? ident(g) : text(ident(g))} AS k${i}`);
  const kc = d.groupBy.map((_, i) => `k${i}`);
  const out = (a: string) =>
    d.groupBy.map((g, i) => (numeric(g) ? `${text(`${a}.k${i}`)} AS k${i}` : `${a}.k${i}`));
  const k = kc.join(', ');
  const tuple = `${k}, sp, w`;
  const same = (a: string, b: string, cols: readonly string[]) =>
    cols.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ');
  // srcport may be missing (NULL): one tuple of its own, as GROUP BY and PARTITION BY make it
  const sameTuple = (a: string, b: string) =>
    `${same(a, b, [...kc, 'w'])} AND ${a}.sp IS NOT DISTINCT FROM ${b}.sp`;
  const agg = (x: string) => (e === 'duckdb' ? `list(${x} ORDER BY ${x})` : `array_agg(${x} ORDER BY ${x})`);
  const m = e === 'duckdb' ? ' MATERIALIZED' : '';
  const { percent, minSources } = d.prevalence;
  const ctes = matchedCtes(src, d, range, { runSets: true });
  ctes.push(
    `recs AS${m} (SELECT ${keys.join(', ')}, ${ident('srcport')} AS sp, ${win(e, d)} AS w, "event_time" AS t, coalesce(${ident('end')}, "event_time") AS e, coalesce(${ident('bytes')}, 0) AS b FROM matched)`,
    `tup AS${m} (SELECT ${tuple}, count(*) AS n, min(t) AS t0, max(t) AS t1, sum(b) AS sb FROM recs GROUP BY ${tuple})`,
    `stats AS${m} (SELECT ${k}, w, sum(n) AS records, min(t0) AS first_seen, max(t1) AS last_seen, count(*) AS ports FROM tup GROUP BY ${k}, w)`,
    `everyone AS (SELECT w, ${sq.countDistinct('k0')} AS n FROM stats GROUP BY w)`,
    // stats has one row per k0 of each (w, k1, k2, k3): count(k0) is the distinct count of the records' k0, a
    // missing (NULL) k0 not counted, as count(DISTINCT) over the records left it out
    `shared AS (SELECT w, k1, k2, k3, count(k0) AS n FROM stats GROUP BY w, k1, k2, k3)`,
    `cand AS (SELECT st.* FROM stats st JOIN shared sh ON ${same('sh', 'st', ['w', 'k1', 'k2', 'k3'])} JOIN everyone ev ON ev.w = st.w WHERE st.records >= ${Math.floor(d.minConnections)} AND st.ports < ${STROBE_CONNECTIONS} AND NOT (sh.n >= ${Math.floor(minSources)} AND sh.n * 100 > ${Number(percent)} * ev.n))`,
    `bound AS (SELECT w, min(t0) AS lo, max(t0) AS floor_hi FROM tup GROUP BY w)`,
    `sel AS${m} (SELECT x.* FROM tup x WHERE EXISTS (SELECT 1 FROM cand c WHERE ${same('c', 'x', [...kc, 'w'])}) OR EXISTS (SELECT 1 FROM bound b WHERE b.w = x.w AND x.t1 > b.floor_hi))`,
    // sel holds one row per tuple: the join keeps each record of a tuple of several records once
    `part AS (SELECT r.* FROM recs r JOIN sel x ON ${sameTuple('x', 'r')} WHERE x.n > 1)`,
    `marked AS (SELECT r.*, CASE WHEN r.t > coalesce(max(r.e) OVER (PARTITION BY ${tuple} ORDER BY r.t, r.e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), r.t - ${Math.floor(d.gap)} - 1) + ${Math.floor(d.gap)} THEN 1 ELSE 0 END AS fresh FROM part r)`,
    `numbered AS (SELECT m.*, sum(m.fresh) OVER (PARTITION BY ${tuple} ORDER BY m.t, m.e ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cid FROM marked m)`,
    `conns AS${m} (SELECT ${k}, w, min(t) AS ts, sum(b) AS size FROM numbered GROUP BY ${tuple}, cid UNION ALL SELECT ${k}, w, t0 AS ts, sb AS size FROM sel WHERE n = 1)`,
    `pairs AS (SELECT c.${kc.join(', c.')}, c.w, ${agg('c.ts')} AS ts, ${agg('c.size')} AS sizes FROM conns c WHERE EXISTS (SELECT 1 FROM cand x WHERE ${same('x', 'c', [...kc, 'w'])}) GROUP BY c.${kc.join(', c.')}, c.w HAVING ${sq.countDistinct('c.ts')} >= ${Math.floor(d.minConnections)} AND count(*) < ${STROBE_CONNECTIONS})`,
    `span AS (SELECT b.w, b.lo, greatest(b.floor_hi, coalesce(max(c.ts), b.floor_hi)) AS hi FROM bound b LEFT JOIN conns c ON c.w = b.w GROUP BY b.w, b.lo, b.floor_hi)`,
  );
  const on = (a: string, cols: string[]) => cols.map((c) => `${a}.${c} = p.${c}`).join(' AND ');
  return `WITH ${ctes.join(',\n')}
SELECT ${out('p').join(', ')}, p.w, p.ts, p.sizes, st.records, st.first_seen, st.last_seen, s.lo, s.hi, sh.n AS sources, ev.n AS all_sources
FROM pairs p JOIN stats st ON ${on('st', [...kc, 'w'])} JOIN span s ON ${on('s', ['w'])} JOIN everyone ev ON ${on('ev', ['w'])} JOIN shared sh ON ${on('sh', ['w', 'k1', 'k2', 'k3'])}
ORDER BY ${kc.map((c, i) => (numeric(d.groupBy[i]!) ? text(`p.${c}`) : `p.${c}`)).join(', ')}, p.w`;
}

/**
 * The evidence query of a finding: exactly the records counted in its hit windows, in event-time order.
 * `key` holds the group values (text, as the hits query returned them).
 */
export function evidenceSql(
  src: SqlSource,
  d: Detection,
  key: readonly string[],
  windows: readonly number[],
): string {
  const ctes = matchedCtes(
    src,
    d,
    {
      since: Math.min(...windows),
      until: Math.max(...windows) + d.window,
    },
    { narrow: false, ...listedOf(d, [key]) },
  );
  const e = src.engine;
  const where = d.groupBy.map((g, i) => `${dialect(e).cast(ident(g), 'varchar')} = ${literal(key[i] ?? '')}`);
  where.push(`${win(e, d)} IN (${windows.map((w) => String(Math.trunc(w))).join(', ')})`);
  return `WITH ${ctes.join(',\n')}\nSELECT * FROM matched WHERE ${where.join(' AND ')}\nORDER BY "event_time"`;
}

/**
 * DuckDB, `kind: intel` grouped by `known_bad`: the listed addresses of these groups, so that the evidence reads
 * only records with one of them (MatchedOptions.intelAddresses) instead of matching every record of the range.
 */
function listedOf(
  d: Detection,
  keys: readonly (readonly string[])[],
): { intelAddresses?: readonly string[] } {
  const i = d.groupBy.indexOf('known_bad');
  if (d.kind !== 'intel' || i < 0) return {};
  return { intelAddresses: [...new Set(keys.map((k) => k[i] ?? ''))].sort() };
}

/**
 * DuckDB: the records of these groups only, by the group fields that are text columns of `flows` (a test DuckDB
 * runs in the scan). A pair detection's records of a group include the requests, whose addresses are the
 * reply's reversed: only the fields both sides share (interface_id) are tested there; intel groups are by the
 * matcher's columns (listedOf).
 */
function groupsIn(d: Detection, keys: readonly (readonly string[])[]): { where?: string } {
  if (d.kind === 'intel' || d.kind === 'silence') return {};
  const tests: string[] = [];
  for (const [j, g] of d.groupBy.entries()) {
    if (d.kind === 'pair' && g !== 'interface_id') continue;
    if (FIELDS.find((f) => f.column === g)?.type !== 'string') continue;
    const values = [...new Set(keys.map((k) => k[j] ?? ''))].sort();
    tests.push(`${ident(g)} IN (${values.map(literal).join(', ')})`);
  }
  return tests.length === 0 ? {} : { where: tests.join(' AND ') };
}

/** One finding whose evidence sample evidenceSamplesSql picks: its group values and hit windows. */
export interface SampleWanted {
  readonly key: readonly string[];
  readonly windows: readonly number[];
}

/** The columns `matched` adds to a record's (`flows`') columns: the intel kind's side, listed address and rank. */
export function matchedExtras(d: Detection): readonly string[] {
  return d.kind === 'intel' ? ['host', 'known_bad', 'fw_rank'] : [];
}

/**
 * DuckDB: which records are the first `size` evidence records (by event time, then file and line) of each of
 * several findings of one detection, in one query over the columns the detection reads, instead of one evidence
 * query each over every column (a run with a hundred findings read the store a hundred times:
 * docs/decisions/53-detect-whole-run.md). Rows: `fw_i` (the finding's index in `wanted`), `fw_rn` (1..size),
 * `file_id` and `line` (the record, see evidenceRowsSql) and matchedExtras(d), ordered by fw_i and fw_rn. The
 * records of each finding are the first of those its evidenceSql returns.
 *
 * @example evidenceSamplesSql({ engine: 'duckdb' }, bruteForce, [{ key: ['10.0.1.5', '22'], windows: [1716163200] }], 5)
 */
export function evidenceSamplesSql(
  src: SqlSource,
  d: Detection,
  wanted: readonly SampleWanted[],
  size: number,
): string {
  if (src.engine !== 'duckdb') throw new DetectCompileError('evidence samples in one query are DuckDB SQL');
  const all = wanted.flatMap((f) => f.windows);
  const ctes = matchedCtes(
    src,
    d,
    { since: Math.min(...all), until: Math.max(...all) + d.window },
    // `scoped` is read once here: no need to materialize it
    {
      ids: true,
      materialize: false,
      candidates: true,
      ...listedOf(
        d,
        wanted.map((f) => f.key),
      ),
      ...groupsIn(
        d,
        wanted.map((f) => f.key),
      ),
    },
  );
  const kcols = d.groupBy.map((_, i) => `k${i}`);
  const rows = wanted.flatMap((f, i) =>
    f.windows.map(
      (w) =>
        `(${[String(i), ...d.groupBy.map((_, j) => literal(f.key[j] ?? '')), String(Math.trunc(w))].join(', ')})`,
    ),
  );
  ctes.push(`fw_wanted (${['fw_i', ...kcols, 'w'].join(', ')}) AS (VALUES ${rows.join(', ')})`);
  const on = [
    ...d.groupBy.map((g, i) => `${dialect('duckdb').cast(`m.${ident(g)}`, 'varchar')} = x.k${i}`),
    `${win('duckdb', d, 'm.')} = x.w`,
  ];
  const extras = matchedExtras(d)
    .map((c) => `, m.${ident(c)}`)
    .join('');
  ctes.push(
    `fw_picked AS (SELECT x.fw_i, row_number() OVER (PARTITION BY x.fw_i ORDER BY m."event_time", m."file_id", m."line") AS fw_rn, m."file_id", m."line"${extras} FROM matched m JOIN fw_wanted x ON ${on.join(' AND ')})`,
  );
  return `WITH ${ctes.join(',\n')}\nSELECT * FROM fw_picked WHERE fw_rn <= ${Math.trunc(size)}\nORDER BY fw_i, fw_rn`;
}

/** evidenceRowsSql: past this many files, one `file_id IN (…) AND line IN (…)` (a UNION ALL that long is slow to plan). */
const MAX_FILE_SELECTS = 64;

/**
 * DuckDB: every column of the records these (file, line) identify, from `flows` (with file_id and line): one SELECT
 * per file, `file_id = f AND line BETWEEN lo AND hi AND line IN (that file's lines)`, all three tested in the scan,
 * so exactly these records are returned (the store's records lie in file order and each file's in line order:
 * few row groups and vectors are read). One `file_id IN (…) AND line IN (…)` for all files (still the form past
 * MAX_FILE_SELECTS files) matches every picked line in every file: 23 times the rows at 10M records.
 */
export function evidenceRowsSql(
  records: readonly { readonly fileId: number; readonly line: number }[],
): string {
  const byFile = new Map<number, Set<number>>();
  for (const r of records) {
    const f = Math.trunc(r.fileId);
    if (!byFile.has(f)) byFile.set(f, new Set());
    byFile.get(f)!.add(Math.trunc(r.line));
  }
  if (byFile.size > MAX_FILE_SELECTS) {
    const files = [...byFile.keys()].sort((a, b) => a - b);
    const lines = [...new Set(records.map((r) => Math.trunc(r.line)))].sort((a, b) => a - b);
    return `SELECT * FROM flows WHERE "file_id" IN (${files.join(', ')}) AND "line" IN (${lines.join(', ')})`;
  }
  return [...byFile.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([f, set]) => {
      const lines = [...set].sort((a, b) => a - b);
      return `SELECT * FROM flows WHERE "file_id" = ${f} AND "line" BETWEEN ${lines[0]} AND ${lines.at(-1)} AND "line" IN (${lines.join(', ')})`;
    })
    .join('\nUNION ALL ');
}

/**
 * One slice of a live incremental evaluation (docs/decisions/66-live-incremental.md): the records of `flows`
 * matching `where` (DuckDB predicates: the slice's files and event times) that are in the scope of at least one
 * of the threshold detections `ds`, grouped as sharedBinsSql groups them (every field any of them tests, groups
 * by, names as peers or counts distinct; the bin of the greatest common divisor of their windows), as a SELECT
 * whose rows are added to a state table. Summed over all slices, these rows are the pre-aggregate of the whole
 * range: hitsSql over it (`aggregated`) gives each detection the hits it finds over `flows`.
 *
 * @example sliceBinsSql([verticalScan, bruteForce], ['file_id BETWEEN 7 AND 9', 'event_time >= 1716163200'])
 */
export function sliceBinsSql(ds: readonly Detection[], where: readonly string[]): string {
  const shape = binShape(ds, ['threshold'], 'are evaluated by slices');
  const cols = [
    ...new Set([...ds.flatMap((d) => fieldsUsed(d)), ...shape.keys, ...shape.sums, 'event_time']),
  ];
  const source = `SELECT ${cols.map(ident).join(', ')} FROM flows${where.length > 0 ? ` WHERE ${where.map((c) => `(${c})`).join(' AND ')}` : ''}`;
  const sets = new AddressSets(source);
  const scopes = ds.map((d) => `(${scopeSql('duckdb', d, sets)})`);
  const ctes = sets.ctes();
  return `${ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n` : ''}${binsAggregateSql(shape, source, scopes.join('\n  OR '))}`;
}
