// The views over the newest fields: encryption in transit (encryption-status) and traffic kinds (IP version, EFA, reject reasons).

import { literal } from './sql.js';
import type { Store } from './store.js';
import { encRows, encTalkerRows, kindsRows, rolledRows } from './view-rollups.js';

/** What the encryption report groups by: the service port is the lower of a record's two ports. */
export type EncryptionGroup = 'vpc' | 'subnet' | 'interface' | 'port';
export const ENCRYPTION_GROUPS: readonly EncryptionGroup[] = ['vpc', 'subnet', 'interface', 'port'];

/** Unix seconds; records whose event time lies in [since, until). */
export interface ReportRange {
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** false: read the records only, never the per-hour rollups (view-rollups.ts); for tests and benchmarks. */
  readonly rollup?: boolean | undefined;
}

/** The meaning of each `encryption-status` value (spec §10.2). */
export const ENCRYPTION_MEANINGS: Readonly<Record<string, string>> = {
  '0': 'not encrypted',
  '1': 'encrypted by Nitro hardware',
  '2': 'encrypted at the application layer (TLS)',
  '3': 'Nitro and application layer',
  unknown: 'not computed (-)',
};

/** How many traffic records of the range carry a field (their format has it). */
export interface Coverage {
  /** Traffic records (log-status OK or absent) in the range. */
  readonly records: number;
  /** Of those, records whose format has the field. */
  readonly covered: number;
  /** covered / records (0 when there are no records). */
  readonly share: number;
}

export interface EncryptionReport {
  readonly field: 'encryption-status';
  readonly coverage: Coverage;
  /** Loud notes: no or partial coverage, missing group field. Empty when everything was covered. */
  readonly warnings: readonly string[];
  /** One row per status (0–3, unknown) over the covered records. */
  readonly statuses: readonly StatusRow[];
  readonly by: EncryptionGroup;
  /** Per group key: flows and bytes, and the unencrypted (status 0) share. Largest unencrypted bytes first. */
  readonly groups: readonly GroupRow[];
  /** Who sends and receives unencrypted (status 0) traffic, and on which service ports. */
  readonly unencrypted: {
    readonly sources: readonly TalkerRow[];
    readonly destinations: readonly TalkerRow[];
    readonly ports: readonly TalkerRow[];
  };
  /** Per hour (unix seconds of the hour's start): covered flows and bytes, and unencrypted ones. */
  readonly trend: readonly TrendRow[];
}

export interface StatusRow {
  readonly status: string;
  readonly meaning: string;
  readonly flows: number;
  readonly bytes: number;
  readonly flowShare: number;
  readonly byteShare: number;
}

export interface GroupRow {
  readonly key: string | null;
  readonly flows: number;
  readonly bytes: number;
  readonly unencryptedFlows: number;
  readonly unencryptedBytes: number;
  /** unencryptedBytes / bytes (0 when bytes is 0). */
  readonly unencryptedByteShare: number;
}

export interface TalkerRow {
  readonly key: string | null;
  readonly flows: number;
  readonly bytes: number;
}

export interface TrendRow {
  readonly hour: number;
  readonly flows: number;
  readonly bytes: number;
  readonly unencryptedFlows: number;
  readonly unencryptedBytes: number;
}

const GROUP_SQL: Record<EncryptionGroup, { expr: string; field: string }> = {
  vpc: { expr: 'vpc_id', field: 'vpc-id' },
  subnet: { expr: 'subnet_id', field: 'subnet-id' },
  interface: { expr: 'interface_id', field: 'interface-id' },
  port: { expr: 'CAST(least(srcport, dstport) AS VARCHAR)', field: 'srcport and dstport' },
};

/** Traffic records: NODATA and SKIPDATA records carry no traffic. */
const TRAFFIC = `(log_status IS NULL OR log_status = 'OK')`;
/** The range as two bound BIGINTs, never NULL (see rangeParams), so DuckDB can push it into the scan. */
export const RANGE = `event_time >= $1::BIGINT AND event_time < $2::BIGINT`;

/** The parameters of RANGE: an open end becomes the widest BIGINT. */
export function rangeParams(r: ReportRange): [bigint, bigint] {
  return [
    r.since === undefined ? -(2n ** 63n) : BigInt(Math.floor(r.since)),
    r.until === undefined ? 2n ** 63n - 1n : BigInt(Math.ceil(r.until)),
  ];
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const share = (a: number, b: number): number => (b > 0 ? a / b : 0);

/**
 * SQL true for records whose format has `column`: their file's record table has the column (the view fills
 * a column a table lacks with NULL, which must not read as "-").
 */
export async function coveredPredicate(store: Store, column: string): Promise<string> {
  const r = await store.query(`SELECT name, field_set FROM record_tables`);
  const tables = r.rows
    .filter((row) => String(row['field_set']).split(',').includes(column))
    .map((row) => literal(String(row['name'])));
  if (tables.length === 0) return 'false';
  // Every record table has the column: true, with no lookup per record.
  if (tables.length === r.rows.length) return 'true';
  return `file_id IN (SELECT id FROM files WHERE record_table IN (${tables.join(', ')}))`;
}

export async function coverage(
  store: Store,
  covered: string,
  params: readonly (bigint | number)[],
): Promise<Coverage> {
  const r = await store.query(
    `SELECT count(*) AS records, count(*) FILTER (WHERE ${covered}) AS covered FROM flows WHERE ${TRAFFIC} AND ${RANGE}`,
    [...params],
  );
  const records = num(r.rows[0]?.['records']);
  const c = num(r.rows[0]?.['covered']);
  return { records, covered: c, share: share(c, records) };
}

/** The loud notes of a field's coverage: none stored, or only part. */
function coverageWarnings(field: string, version: number, c: Coverage): string[] {
  if (c.records === 0) return ['no traffic records in this time range'];
  if (c.covered === 0) {
    return [
      `no stored record has ${field}: add \${${field}} to the flow log format (version ${version}+); the figures below are empty, not zero`,
    ];
  }
  if (c.covered < c.records) {
    const pct = (c.share * 100).toFixed(1);
    return [
      `only ${c.covered} of ${c.records} traffic records (${pct}%) have ${field}; the figures cover those records only`,
    ];
  }
  return [];
}

/**
 * Encryption in transit from `encryption-status` (version 10): the share of flows and bytes per status, per
 * VPC, subnet, interface or service port, who sends and receives the unencrypted traffic, and an hourly
 * trend. Only records whose format has the field are counted; the coverage says how many that is and a
 * warning says so loudly when it is not all of them.
 *
 * @example const r = await encryptionReport(store, { by: 'subnet', since: 1716163200 })
 */
export async function encryptionReport(
  store: Store,
  opts: ReportRange & { by?: EncryptionGroup | undefined; limit?: number | undefined } = {},
): Promise<EncryptionReport> {
  const by = opts.by ?? 'vpc';
  const limit = Math.max(1, Math.min(opts.limit ?? 10, 10_000));
  const covered = await coveredPredicate(store, 'encryption_status');
  // Every traffic record once, grouped by (hour, status, the group's key): from the per-hour rollup for whole
  // hours, from the records for the range's edges (view-rollups.ts).
  const dimRows = await rolledRows(store, 'enc_rollup', `dim = '${by}'`, (f, w) => encRows(f, w, by), opts);
  // One pass for the coverage, the statuses and the hourly trend (integer keys only: cheap to group).
  const one = await store.query(
    `SELECT ${covered} AS cov, CASE WHEN ${covered} THEN status END AS status,
       CASE WHEN ${covered} THEN hour * 3600 END AS hour,
       sum(flows) AS flows, coalesce(sum(bytes), 0) AS bytes
     FROM (${dimRows}) AS r GROUP BY ALL`,
  );
  const records = one.rows.reduce((a, r) => a + num(r['flows']), 0);
  const inCov = one.rows.filter((r) => r['cov'] === true);
  const coveredRecords = inCov.reduce((a, r) => a + num(r['flows']), 0);
  const cov: Coverage = { records, covered: coveredRecords, share: share(coveredRecords, records) };
  const warnings = coverageWarnings('encryption-status', 10, cov);
  const byStatus = new Map<string, { flows: number; bytes: number }>();
  const byHour = new Map<number, { flows: number; bytes: number; uflows: number; ubytes: number }>();
  for (const r of inCov) {
    const status = r['status'] === null || r['status'] === undefined ? 'unknown' : String(r['status']);
    const flows = num(r['flows']);
    const bytes = num(r['bytes']);
    const st = byStatus.get(status) ?? { flows: 0, bytes: 0 };
    st.flows += flows;
    st.bytes += bytes;
    byStatus.set(status, st);
    const hour = num(r['hour']);
    const h = byHour.get(hour) ?? { flows: 0, bytes: 0, uflows: 0, ubytes: 0 };
    h.flows += flows;
    h.bytes += bytes;
    if (status === '0') {
      h.uflows += flows;
      h.ubytes += bytes;
    }
    byHour.set(hour, h);
  }
  const totalFlows = coveredRecords;
  const totalBytes = [...byStatus.values()].reduce((a, r) => a + r.bytes, 0);
  const statuses = [...byStatus.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([status, r]) => ({
      status,
      meaning: ENCRYPTION_MEANINGS[status] ?? 'value not documented by AWS',
      flows: r.flows,
      bytes: r.bytes,
      flowShare: share(r.flows, totalFlows),
      byteShare: share(r.bytes, totalBytes),
    }));

  const g = GROUP_SQL[by];
  const keyed = (rows: readonly Record<string, unknown>[]) =>
    rows.map((row) => ({
      key: row['key'] === null ? null : String(row['key']),
      flows: num(row['flows']),
      bytes: num(row['bytes']),
    }));
  const groupRows = await store.query(
    `SELECT key, sum(flows) AS flows, coalesce(sum(bytes), 0) AS bytes,
       coalesce(sum(flows) FILTER (WHERE status = 0), 0) AS uflows,
       coalesce(sum(bytes) FILTER (WHERE status = 0), 0) AS ubytes
     FROM (${dimRows}) AS r WHERE ${covered}
     GROUP BY 1 ORDER BY ubytes DESC, uflows DESC, bytes DESC, 1 NULLS LAST LIMIT ${limit}`,
  );
  const groups = groupRows.rows.map((r) => ({
    key: r['key'] === null ? null : String(r['key']),
    flows: num(r['flows']),
    bytes: num(r['bytes']),
    unencryptedFlows: num(r['uflows']),
    unencryptedBytes: num(r['ubytes']),
    unencryptedByteShare: share(num(r['ubytes']), num(r['bytes'])),
  }));
  if (cov.covered > 0 && groups.length > 0 && groups.every((r) => r.key === null)) {
    warnings.push(
      `no record with encryption-status has ${g.field}: add \${${g.field.split(' ')[0]}} to the format to group by ${by}`,
    );
  }

  const top = (rows: string) =>
    `SELECT key, sum(flows) AS flows, coalesce(sum(bytes), 0) AS bytes FROM (${rows}) AS r WHERE ${covered}
     GROUP BY 1 ORDER BY bytes DESC, flows DESC, 1 NULLS LAST LIMIT ${limit}`;
  const talkers = async (side: 'src' | 'dst'): Promise<TalkerRow[]> => {
    const rows = await rolledRows(
      store,
      'enc_talker_rollup',
      `side = '${side}'`,
      (f, w) => encTalkerRows(f, w, side),
      opts,
    );
    return keyed((await store.query(top(rows))).rows);
  };
  const portRows = await rolledRows(
    store,
    'enc_rollup',
    `dim = 'port' AND status = 0`,
    (f, w) => `SELECT * FROM (${encRows(f, w, 'port')}) WHERE status = 0`,
    opts,
  );
  const unencrypted = {
    sources: await talkers('src'),
    destinations: await talkers('dst'),
    ports: keyed((await store.query(top(portRows))).rows),
  };

  const trend = [...byHour.entries()]
    .sort(([a], [b]) => a - b)
    .map(([hour, r]) => ({
      hour,
      flows: r.flows,
      bytes: r.bytes,
      unencryptedFlows: r.uflows,
      unencryptedBytes: r.ubytes,
    }));
  return { field: 'encryption-status', coverage: cov, warnings, statuses, by, groups, unencrypted, trend };
}

/** One kind of traffic with its flows and bytes and their shares of the section's total. */
export interface KindRow {
  readonly kind: string;
  readonly flows: number;
  readonly bytes: number;
  readonly flowShare: number;
  readonly byteShare: number;
}

export interface TrafficKindsReport {
  /** IPv4 / IPv6 / EFA: from `type` (v3) where the format has it, else from the address's form. */
  readonly ipVersion: {
    readonly rows: readonly KindRow[];
    readonly coverage: Coverage;
    readonly source: string;
  };
  /** EFA traffic (`type` = EFA); needs `type`. */
  readonly efa: {
    readonly flows: number;
    readonly bytes: number;
    readonly coverage: Coverage;
    readonly interfaces: readonly TalkerRow[];
  };
  /** Rejected records by `reject-reason` (v8): BPA, EC, or "-" (any other reason: security group, NACL). */
  readonly rejectReasons: { readonly rows: readonly KindRow[]; readonly coverage: Coverage };
  /** Records by `interface-type` (v11) of the capturing interface, "-" as `instance or other`. */
  readonly interfaceTypes: { readonly rows: readonly KindRow[]; readonly coverage: Coverage };
  readonly warnings: readonly string[];
}

const REJECT_MEANINGS: Readonly<Record<string, string>> = {
  BPA: 'BPA (VPC Block Public Access)',
  EC: 'EC (VPC Encryption Controls)',
  '-': 'other (security group, network ACL, ...)',
};

function kindRows(rows: readonly Record<string, unknown>[], label = (k: string) => k): KindRow[] {
  const flows = rows.reduce((a, r) => a + num(r['flows']), 0);
  const bytes = rows.reduce((a, r) => a + num(r['bytes']), 0);
  return rows.map((r) => ({
    kind: label(String(r['kind'])),
    flows: num(r['flows']),
    bytes: num(r['bytes']),
    flowShare: share(num(r['flows']), flows),
    byteShare: share(num(r['bytes']), bytes),
  }));
}

/**
 * IPv4/IPv6 share, EFA traffic, reject reasons and interface types, each with the coverage of the field it
 * needs and a loud warning when no stored record (or only some) has that field.
 *
 * @example const r = await trafficKinds(store, { since: 1716163200 })
 */
export async function trafficKinds(
  store: Store,
  opts: ReportRange & { limit?: number | undefined } = {},
): Promise<TrafficKindsReport> {
  const limit = Math.max(1, Math.min(opts.limit ?? 10, 10_000));
  const warnings: string[] = [];
  const hasType = await coveredPredicate(store, 'type');
  const hasAddr = await coveredPredicate(store, 'srcaddr');
  const hasReason = await coveredPredicate(store, 'reject_reason');
  const hasItype = await coveredPredicate(store, 'interface_type');
  const rows = await rolledRows(store, 'kinds_rollup', 'true', kindsRows, opts);
  // One pass over the per-hour rollup (and the records at the range's edges): every section's keys are few (IP
  // kind, reject reason, interface type, EFA interfaces), so the sections are sums over this grouping, made here.
  const all = await store.query(
    `SELECT ${hasType} AS ct, (${hasType}) OR (${hasAddr}) AS cip, ${hasReason} AS cr, ${hasItype} AS cit,
       CASE WHEN ${hasType} THEN coalesce(type, 'unknown') WHEN ${hasAddr} THEN ipform END AS ip,
       CASE WHEN rejected AND ${hasReason} THEN coalesce(reject_reason, '-') END AS reason,
       CASE WHEN ${hasItype} THEN coalesce(interface_type, '-') END AS itype,
       coalesce(type = 'EFA', false) AS is_efa, efa_interface AS efa,
       sum(flows) AS flows, coalesce(sum(bytes), 0) AS bytes
     FROM (${rows}) AS r GROUP BY ALL`,
  );
  type Sum = { flows: number; bytes: number };
  const sums = (key: (r: Record<string, unknown>) => string | null | undefined) => {
    const m = new Map<string, Sum>();
    for (const r of all.rows) {
      const k = key(r);
      if (k === null || k === undefined) continue;
      const x = m.get(k) ?? { flows: 0, bytes: 0 };
      x.flows += num(r['flows']);
      x.bytes += num(r['bytes']);
      m.set(k, x);
    }
    return m;
  };
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const rowsOf = (m: Map<string, Sum>, order: (a: [string, Sum], b: [string, Sum]) => number) =>
    [...m.entries()].sort(order).map(([kind, x]) => ({ kind, flows: x.flows, bytes: x.bytes }));
  const cov = (flag: string): Coverage => {
    let records = 0;
    let covered = 0;
    for (const r of all.rows) {
      records += num(r['flows']);
      if (r[flag] === true) covered += num(r['flows']);
    }
    return { records, covered, share: share(covered, records) };
  };
  const str = (k: string) => (r: Record<string, unknown>) =>
    r[k] === null || r[k] === undefined ? null : String(r[k]);

  // IP version: `type` when the record's format has it, else the address's form (":" = IPv6).
  const typeCov = cov('ct');
  const ipCov = cov('cip');
  const ip = { rows: rowsOf(sums(str('ip')), ([a], [b]) => cmp(a, b)) };
  warnings.push(...coverageWarnings('srcaddr or type', 2, ipCov).filter((w) => !w.startsWith('no traffic')));
  const source =
    typeCov.covered === ipCov.covered
      ? 'type field'
      : typeCov.covered === 0
        ? 'address form (the format has no type field)'
        : 'type field where present, else address form';

  // EFA: only the `type` field tells.
  const efaBy = new Map<string | null, Sum>();
  for (const r of all.rows) {
    if (r['is_efa'] !== true) continue;
    const k = r['efa'] === null || r['efa'] === undefined ? null : String(r['efa']);
    const x = efaBy.get(k) ?? { flows: 0, bytes: 0 };
    x.flows += num(r['flows']);
    x.bytes += num(r['bytes']);
    efaBy.set(k, x);
  }
  const efaTotal = [...efaBy.values()].reduce(
    (a, x) => ({ flows: a.flows + x.flows, bytes: a.bytes + x.bytes }),
    { flows: 0, bytes: 0 },
  );
  const efaInterfaces = [...efaBy.entries()]
    .map(([key, x]) => ({ key, flows: x.flows, bytes: x.bytes }))
    .sort((a, b) => b.bytes - a.bytes || (a.key === null ? 1 : b.key === null ? -1 : cmp(a.key, b.key)))
    .slice(0, limit);
  if (typeCov.records > 0 && typeCov.covered === 0) {
    warnings.push(
      'no stored record has type: add ${type} to the flow log format (version 3+) to see EFA traffic; EFA is unknown, not zero',
    );
  } else if (typeCov.covered < typeCov.records) {
    warnings.push(...coverageWarnings('type', 3, typeCov).map((w) => `${w} (EFA)`));
  }

  // Reject reasons over rejected records whose format has reject-reason.
  const rejCov = cov('cr');
  const reasons = {
    rows: rowsOf(sums(str('reason')), ([ka, a], [kb, b]) => b.flows - a.flows || cmp(ka, kb)),
  };
  warnings.push(...coverageWarnings('reject-reason', 8, rejCov).filter((w) => !w.startsWith('no traffic')));

  const itCov = cov('cit');
  const itypes = {
    rows: rowsOf(sums(str('itype')), ([ka, a], [kb, b]) => b.bytes - a.bytes || cmp(ka, kb)),
  };
  warnings.push(...coverageWarnings('interface-type', 11, itCov).filter((w) => !w.startsWith('no traffic')));
  if (ipCov.records === 0) warnings.unshift('no traffic records in this time range');
  const efaRow = { rows: [efaTotal] };

  return {
    ipVersion: { rows: kindRows(ip.rows), coverage: ipCov, source },
    efa: {
      flows: efaRow.rows[0]!.flows,
      bytes: efaRow.rows[0]!.bytes,
      coverage: typeCov,
      interfaces: efaInterfaces,
    },
    rejectReasons: { rows: kindRows(reasons.rows, (k) => REJECT_MEANINGS[k] ?? k), coverage: rejCov },
    interfaceTypes: {
      rows: kindRows(itypes.rows, (k) => (k === '-' ? '- (instance or other)' : k)),
      coverage: itCov,
    },
    warnings,
  };
}
