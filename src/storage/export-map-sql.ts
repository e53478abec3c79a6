// The OCSF 1.1 and ECS mappings of `flowwatch export` as DuckDB SQL: one JSON document per record built in SQL
// (json-sql.ts) and written by DuckDB's own COPY, field for field the documents of the JS mappers
// (src/export/ocsf.ts, ecs.ts: the reference, checked against this by test/export/duckdb-mapping.test.ts).
// Also the OCSF Network Activity rows as typed columns for Parquet in Amazon Security Lake's layout.
//
// Absent values follow the mappers' `str`/`num`: NULL is absent, and so is "-" in a string column.

import { IANA_KEYWORDS } from '../core/protocols.js';
import { ECS_VERSION } from '../export/ecs.js';
import {
  AS_UNMAPPED,
  BOUNDARY,
  DIRECTION,
  MAPPED,
  OCSF_PROFILES,
  OCSF_VERSION,
  VERDICT,
} from '../export/ocsf.js';
import { NAME_COLUMNS } from '../network/resource-names.js';
import { FIELDS, type FieldDef } from '../records/catalog.js';
import { type ExportRange, type ParquetCodec, PLACEHOLDER, rangeWhere } from './export-sql.js';
import { type JsonSql, jArr, jCase, jConst, jIf, jNum, jObj, jObjKeep, jParts, jStr } from './json-sql.js';
import { ident, literal } from './sql.js';

/** Columns of the temporary enrichment table (one row per address the packaged data knows). */
export const ENRICH_COLUMNS = [
  { name: 'ip', type: 'VARCHAR' },
  { name: 'as_number', type: 'BIGINT' },
  { name: 'as_org', type: 'VARCHAR' },
  { name: 'country', type: 'VARCHAR' },
] as const;

/** A column of the record row `r`. */
const col = (c: string) => `r.${ident(c)}`;
/**
 * The mappers' `str`: the text of a column, NULL when absent or "-". Computed once per row in the records
 * sub-select (`~<column>`, see sharedSql), not in every member that reads it.
 */
const S = (c: string) => col(`~${c}`);
/** A value computed once per row in the records sub-select (see sharedSql). */
const R = (name: string) => col(`=${name}`);

/** The endpoint addresses an export looks up: OCSF the packet-level address first, ECS the interface's. */
export type EnrichKey = 'ocsf' | 'ecs';

function endpointAddress(key: EnrichKey, side: 'src' | 'dst'): string {
  return key === 'ocsf' ? R(`ocsf_${side}`) : S(`${side}addr`);
}

/** The text columns read through `S`: the VARCHAR columns of the catalog and the file key's account and region. */
const TEXT_COLUMNS = [
  ...FIELDS.filter((f) => f.duckdb === 'VARCHAR').map((f) => f.column),
  'file_account',
  'file_region',
];

/**
 * The two layers of per-row values every member shares, each computed once per row (DuckDB would otherwise
 * evaluate them in every member that uses them): first `~<column>` = nullif(column, '-') of the text columns, then
 * on those `=<name>`: the endpoint addresses, the direction, the event time and the ISO texts of the times, the
 * account and the region.
 * Columns no member reads are dropped by DuckDB's optimizer.
 */
function sharedSql(inner: string): string {
  const x = (c: string) => `x.${ident(c)}`;
  const first = TEXT_COLUMNS.map((c) => `nullif(${x(c)}, '-') AS ${ident(`~${c}`)}`).join(', ');
  const s = (c: string) => `y.${ident(`~${c}`)}`;
  const time = `coalesce(y."event_time", y."start")`;
  const second: [string, string][] = [
    ['ocsf_src', `coalesce(${s('pkt_srcaddr')}, ${s('srcaddr')})`],
    ['ocsf_dst', `coalesce(${s('pkt_dstaddr')}, ${s('dstaddr')})`],
    ['dir', `(CASE WHEN ${s('flow_direction')} IN ('ingress', 'egress') THEN ${s('flow_direction')} END)`],
    ['time', time],
    ['iso_time', isoSql(time)],
    ['iso_start', isoSql('y."start"')],
    ['iso_end', isoSql('y."end"')],
    ['account', `coalesce(${s('account_id')}, ${s('file_account')})`],
    ['region', `coalesce(${s('region')}, ${s('file_region')})`],
  ];
  return `(SELECT y.*, ${second.map(([k, v]) => `${v} AS ${ident(`=${k}`)}`).join(', ')}
  FROM (SELECT x.*, ${first} FROM (${inner}) x) y)`;
}

/** The distinct endpoint addresses of the records in range (to be looked up, then loaded into the enrichment table). */
export function enrichAddressesSql(key: EnrichKey, range: ExportRange): string {
  const sel = (side: 'src' | 'dst') =>
    `SELECT ${endpointAddress(key, side)} AS ip ${recordsFrom(range, key, undefined)}`;
  return `SELECT DISTINCT ip FROM (${sel('src')} UNION ALL ${sel('dst')}) WHERE ip IS NOT NULL`;
}

/**
 * Unix seconds → ISO-8601 UTC with milliseconds, as JavaScript's toISOString writes it (years past 9999 and
 * before 0 as a signed six-digit year).
 */
export function isoSql(seconds: string): string {
  const ts = `make_timestamp(CAST(${seconds} AS BIGINT) * 1000000)`;
  return `(CASE WHEN ${seconds} IS NULL THEN NULL
    WHEN ${seconds} BETWEEN -62167219200 AND 253402300799 THEN strftime(${ts}, '%Y-%m-%dT%H:%M:%S.000Z')
    ELSE (CASE WHEN ${seconds} < 0 THEN '-' ELSE '+' END) || lpad(CAST(abs(year(${ts})) AS VARCHAR), 6, '0')
      || strftime(${ts}, '-%m-%dT%H:%M:%S.000Z') END)`;
}

/** `CASE <expr> WHEN k THEN v ... END` from a table. */
function caseOf(expr: string, table: Readonly<Record<string | number, string | number>>): string {
  const arms = Object.entries(table).map(
    ([k, v]) => `WHEN ${/^\d+$/.test(k) ? k : literal(k)} THEN ${typeof v === 'number' ? v : literal(v)}`,
  );
  return `(CASE ${expr} ${arms.join(' ')} END)`;
}

function verdict(field: keyof (typeof VERDICT)['ACCEPT']): string {
  return caseOf(S('action'), {
    ACCEPT: VERDICT.ACCEPT[field],
    REJECT: VERDICT.REJECT[field],
  });
}

/** A catalog column's raw value as JSON (numbers as numbers, strings as strings; "-" kept). */
function raw(f: FieldDef): JsonSql {
  return f.duckdb === 'VARCHAR' ? jStr(col(f.column)) : jNum(col(f.column));
}

/** The row expressions both OCSF shapes (JSON text and Parquet) share. */
const O = {
  activityId: `coalesce(${verdict('activity_id')}, 0)`,
  activityName: `coalesce(${verdict('activity_name')}, 'Unknown')`,
  time: R('time'),
  dir: R('dir'),
  ip: (side: 'src' | 'dst') => endpointAddress('ocsf', side),
  intermediate: (side: 'src' | 'dst') =>
    `(CASE WHEN ${S(`pkt_${side}addr`)} <> ${S(`${side}addr`)} THEN ${S(`${side}addr`)} END)`,
  /** The side that owns the interface: egress → src, ingress → dst. */
  owns: (side: 'src' | 'dst') =>
    `(${S('flow_direction')} = ${literal(side === 'src' ? 'egress' : 'ingress')})`,
  account: R('account'),
  region: R('region'),
  boundaryId: `(CASE WHEN ${col('traffic_path')} IS NOT NULL THEN ${col('traffic_path')} + 3
    WHEN ${R('dir')} IS NOT NULL THEN 99 END)`,
  boundary: `(CASE WHEN ${col('traffic_path')} IS NOT NULL THEN coalesce(${caseOf(col('traffic_path'), BOUNDARY)}, CAST(${col('traffic_path')} AS VARCHAR))
    WHEN ${R('dir')} IS NOT NULL THEN '-' END)`,
  directionId: caseOf(S('flow_direction'), { ingress: DIRECTION.ingress[0], egress: DIRECTION.egress[0] }),
  direction: caseOf(S('flow_direction'), { ingress: DIRECTION.ingress[1], egress: DIRECTION.egress[1] }),
  protocolName: caseOf(col('protocol'), IANA_KEYWORDS),
} as const;

const ENI = [
  ['interface_uid', 'interface_id'],
  ['vpc_uid', 'vpc_id'],
  ['subnet_uid', 'subnet_id'],
  ['instance_uid', 'instance_id'],
] as const;

/** A column of the names table `nm` (joined by interface id when `named`), else NULL. */
const N = (c: string, named: boolean) => (named ? `nm.${ident(c)}` : 'NULL::VARCHAR');

/**
 * An interface id of the record (see the JS mapper's eniId): its own value ("-" absent), else, when its format
 * lacks the field (NULL), the newest network snapshot's (`snapshot_<column>` of the names table).
 */
function eniId(c: (typeof ENI)[number][1], named: boolean): string {
  if (c === 'interface_id' || !named) return S(c);
  return `(CASE WHEN ${col(c)} IS NULL THEN ${N(`snapshot_${c}`, named)} ELSE ${S(c)} END)`;
}

/** The owning endpoint's `name`: the instance's Name tag, when its instance is the snapshot's. */
function endpointName(named: boolean): string {
  return named
    ? `(CASE WHEN ${eniId('instance_id', named)} = nm."snapshot_instance_id" THEN nm."instance_name" END)`
    : 'NULL::VARCHAR';
}

/** The enrichment columns of one side (`es`/`ed` joins), NULL when enrichment is off. */
function enrichCols(side: 'src' | 'dst', enrich: boolean) {
  const a = side === 'src' ? 'es' : 'ed';
  return enrich
    ? { asNumber: `${a}.as_number`, asOrg: `${a}.as_org`, country: `${a}.country` }
    : { asNumber: 'NULL::BIGINT', asOrg: 'NULL::VARCHAR', country: 'NULL::VARCHAR' };
}

function ocsfEndpoint(side: 'src' | 'dst', enrich: boolean, named: boolean): JsonSql {
  const e = enrichCols(side, enrich);
  return jObj([
    ['ip', jStr(O.ip(side))],
    ['intermediate_ips', jArr([jStr(O.intermediate(side))])],
    ['port', jNum(col(`${side}port`))],
    ['svc_name', jStr(S(`pkt_${side}_aws_service`))],
    ...ENI.map(([k, c]) => [k, jIf(O.owns(side), jStr(eniId(c, named)))] as const),
    ...(named ? [['name', jIf(O.owns(side), jStr(endpointName(named)))] as const] : []),
    ['location', jObj([['country', jStr(e.country)]])],
  ]);
}

/** Each side's autonomous system under `unmapped` (AS_UNMAPPED: OCSF 1.1.0's network_endpoint has no place for it). */
function asUnmapped(enrich: boolean): (readonly [string, { number: string; name: string }])[] {
  if (!enrich) return [];
  return (['src', 'dst'] as const).map((side) => {
    const e = enrichCols(side, enrich);
    return [side, { number: e.asNumber, name: e.asOrg }] as const;
  });
}

function observable(name: string, type: string, typeId: number, value: string): JsonSql {
  const head = JSON.stringify({ name, type, type_id: typeId }).slice(0, -1);
  return jParts(`${value} IS NOT NULL`, [literal(`${head},"value":`), jStr(value).sql, `'}'`]);
}

/** A verdict attribute as JSON text (absent for NODATA/SKIPDATA). */
function verdictJson(field: keyof (typeof VERDICT)['ACCEPT']): JsonSql {
  return jCase(S('action'), { ACCEPT: VERDICT.ACCEPT[field], REJECT: VERDICT.REJECT[field] });
}

/** Always present: a verdict's text, else `fallback`. */
function verdictText(make: (name: string) => string, fallback: string): JsonSql {
  const c = jCase(S('action'), {
    ACCEPT: make(VERDICT.ACCEPT.activity_name),
    REJECT: make(VERDICT.REJECT.activity_name),
  });
  return { sql: `coalesce(${c.sql}, ${literal(JSON.stringify(make(fallback)))})`, always: true };
}

/**
 * One OCSF 1.1.0 Network Activity event per row of `r` (see toOcsf); `named`: the names table `nm` is joined (the
 * interface's names and ids from the newest network snapshot).
 */
export function ocsfJsonSql(enrich: boolean, columns: readonly FieldDef[] = FIELDS, named = false): JsonSql {
  return jObj(ocsfMembers(enrich, columns, named));
}

/** The top-level members of ocsfJsonSql, in document order (timed one by one by bench:export --members). */
export function ocsfMembers(
  enrich: boolean,
  columns: readonly FieldDef[] = FIELDS,
  named = false,
): [string, JsonSql][] {
  const act = O.activityId;
  const unmapped: [string, JsonSql][] = columns
    .filter((f) => !MAPPED.has(f.column))
    .map((f) => [f.column, raw(f)]);
  for (const [, c] of ENI) unmapped.push([c, jIf(`${O.dir} IS NULL`, jStr(S(c)))]);
  if (named) for (const c of NAME_COLUMNS) unmapped.push([c, jStr(N(c, named))]);
  for (const [side, as] of asUnmapped(enrich)) {
    unmapped.push([`${side}_${AS_UNMAPPED.number}`, jNum(as.number)]);
    unmapped.push([`${side}_${AS_UNMAPPED.name}`, jStr(as.name)]);
  }
  const instance = eniId('instance_id', named);
  const t = O.time;
  return [
    ['class_uid', jConst(4001)],
    ['class_name', jConst('Network Activity')],
    ['category_uid', jConst(4)],
    ['category_name', jConst('Network Activity')],
    ['activity_id', { ...jNum(act), always: true }],
    ['activity_name', verdictText((n) => n, 'Unknown')],
    ['type_uid', { ...jNum(`(400100 + ${act})`), always: true }],
    ['type_name', verdictText((n) => `Network Activity: ${n}`, 'Unknown')],
    ['action_id', verdictJson('action_id')],
    ['action', verdictJson('action')],
    ['disposition_id', verdictJson('disposition_id')],
    ['disposition', verdictJson('disposition')],
    ['severity_id', jConst(1)],
    ['severity', jConst('Informational')],
    ['status_code', jStr(S('log_status'))],
    ['time', jNum(`${t} * 1000`)],
    ['time_dt', jStr(R('iso_time'))],
    ['start_time', jNum(`${col('start')} * 1000`)],
    ['start_time_dt', jStr(R('iso_start'))],
    ['end_time', jNum(`${col('end')} * 1000`)],
    ['end_time_dt', jStr(R('iso_end'))],
    [
      'metadata',
      jObjKeep([
        ['version', jConst(OCSF_VERSION)],
        ['profiles', jConst(OCSF_PROFILES)],
        [
          'product',
          jObjKeep([
            ['name', jConst('Amazon VPC')],
            ['vendor_name', jConst('AWS')],
            ['version', jStr(`CAST(${col('version')} AS VARCHAR)`)],
            ['feature', jConst({ name: 'Flowlogs' })],
          ]),
        ],
      ]),
    ],
    [
      'cloud',
      jObjKeep([
        ['provider', jConst('AWS')],
        ['region', jStr(O.region)],
        ['zone', jStr(S('az_id'))],
        ['account', jObj([['uid', jStr(O.account)]])],
      ]),
    ],
    ['src_endpoint', ocsfEndpoint('src', enrich, named)],
    ['dst_endpoint', ocsfEndpoint('dst', enrich, named)],
    [
      'connection_info',
      jObj([
        ['protocol_num', jNum(col('protocol'))],
        ['protocol_name', jCase(col('protocol'), IANA_KEYWORDS, true)],
        ['protocol_ver', jStr(S('type'))],
        ['tcp_flags', jNum(col('tcp_flags'))],
        ['boundary_id', jNum(O.boundaryId)],
        ['boundary', jStr(O.boundary)],
        [
          'direction_id',
          jCase(S('flow_direction'), { ingress: DIRECTION.ingress[0], egress: DIRECTION.egress[0] }),
        ],
        [
          'direction',
          jCase(S('flow_direction'), { ingress: DIRECTION.ingress[1], egress: DIRECTION.egress[1] }),
        ],
      ]),
    ],
    [
      'traffic',
      jObj([
        ['packets', jNum(col('packets'))],
        ['bytes', jNum(col('bytes'))],
      ]),
    ],
    [
      'observables',
      jArr([
        jIf(`${O.ip('src')} IS NOT NULL`, observable('src_endpoint.ip', 'IP Address', 2, O.ip('src'))),
        jIf(`${O.ip('dst')} IS NOT NULL`, observable('dst_endpoint.ip', 'IP Address', 2, O.ip('dst'))),
        jIf(
          `${O.owns('src')} AND ${instance} IS NOT NULL`,
          observable('src_endpoint.instance_uid', 'Resource UID', 10, instance),
        ),
        jIf(
          `${O.owns('dst')} AND ${instance} IS NOT NULL`,
          observable('dst_endpoint.instance_uid', 'Resource UID', 10, instance),
        ),
      ]),
    ],
    ['unmapped', jObj(unmapped)],
  ];
}

function ecsSide(side: 'src' | 'dst', enrich: boolean): JsonSql {
  const e = enrichCols(side, enrich);
  return jObj([
    ['ip', jStr(S(`${side}addr`))],
    ['port', jNum(col(`${side}port`))],
    [
      'as',
      jObj([
        ['number', jNum(e.asNumber)],
        ['organization', jObj([['name', jStr(e.asOrg)]])],
      ]),
    ],
    ['geo', jObj([['country_iso_code', jStr(e.country)]])],
  ]);
}

/** One ECS document per row of `r` (see toEcs). */
export function ecsJsonSql(enrich: boolean, columns: readonly FieldDef[] = FIELDS, named = false): JsonSql {
  return jObj(ecsMembers(enrich, columns, named));
}

/** The top-level members of ecsJsonSql, in document order (`named`: the names table `nm` is joined). */
export function ecsMembers(
  enrich: boolean,
  columns: readonly FieldDef[] = FIELDS,
  named = false,
): [string, JsonSql][] {
  const action = S('action');
  const p = col('protocol');
  return [
    ['@timestamp', jStr(R('iso_time'))],
    ['ecs', jConst({ version: ECS_VERSION })],
    [
      'event',
      jObjKeep([
        ['kind', jConst('event')],
        ['category', jConst(['network'])],
        [
          'type',
          {
            sql: `(CASE ${action} WHEN 'ACCEPT' THEN ${jConst(['connection', 'allowed']).sql} WHEN 'REJECT' THEN ${jConst(['connection', 'denied']).sql} ELSE ${jConst(['connection']).sql} END)`,
            always: true,
          },
        ],
        ['action', jStr(`lower(${action})`)],
        ['outcome', jCase(action, { ACCEPT: 'success', REJECT: 'failure' })],
        ['start', jStr(R('iso_start'))],
        ['end', jStr(R('iso_end'))],
        ['dataset', jConst('aws.vpcflow')],
        ['provider', jConst('vpcflowlogs')],
      ]),
    ],
    ['source', ecsSide('src', enrich)],
    ['destination', ecsSide('dst', enrich)],
    [
      'network',
      jObj([
        ['transport', jStr(`coalesce(${O.protocolName}, CAST(${p} AS VARCHAR))`)],
        ['iana_number', jStr(`CAST(${p} AS VARCHAR)`)],
        ['type', jCase(S('type'), { IPv4: 'ipv4', IPv6: 'ipv6' })],
        ['bytes', jNum(col('bytes'))],
        ['packets', jNum(col('packets'))],
        ['direction', jStr(S('flow_direction'))],
      ]),
    ],
    [
      'cloud',
      jObjKeep([
        ['provider', jConst('aws')],
        ['account', jObj([['id', jStr(O.account)]])],
        ['region', jStr(O.region)],
        ['availability_zone', jStr(S('az_id'))],
        [
          'instance',
          jObj([
            ['id', jStr(S('instance_id'))],
            // the instance's Name tag from the newest network snapshot (`nm`: the names table, by interface)
            ['name', jStr(named ? 'nm.instance_name' : 'NULL::VARCHAR')],
          ]),
        ],
      ]),
    ],
    ['aws', jObjKeep([['vpcflow', jObjKeep(columns.map((f) => [f.column, raw(f)] as const))]])],
  ];
}

/**
 * The records in range as rows `r` (every catalog column, the event time and the file key's account and region)
 * joined to the enrichment table of each side when `enrichTable` is given, in store order.
 */
function recordsFrom(
  range: ExportRange,
  key: EnrichKey,
  enrichTable: string | undefined,
  namesTable?: string,
): string {
  const joins =
    (enrichTable === undefined
      ? ''
      : `\nLEFT JOIN ${ident(enrichTable)} es ON es.ip = ${endpointAddress(key, 'src')}` +
        `\nLEFT JOIN ${ident(enrichTable)} ed ON ed.ip = ${endpointAddress(key, 'dst')}`) +
    (namesTable === undefined
      ? ''
      : `\nLEFT JOIN ${ident(namesTable)} nm ON nm.interface_id = r.interface_id`);
  return `FROM ${sharedSql(`SELECT f.*, fi.account AS file_account, fi.region AS file_region
  FROM flows f LEFT JOIN files fi ON fi.id = f.file_id WHERE ${rangeWhere(range)}`)} r${joins}`;
}

/** How many rows each lookup table of an ordered export holds (its bucket count: see dictSql). */
export interface LookupSizes {
  readonly files: number;
  readonly enrich?: number | undefined;
  readonly names?: number | undefined;
}

/**
 * A lookup table as one row of one column: a list of `buckets` lists of the table's rows (as structs), the row
 * with key k in bucket `hash(k) % buckets`. Read by a projection (dictGet), not a join: DuckDB keeps the store's
 * order through projections and a cross product with one row, where its hash joins give it up (a COPY over a
 * hash join is written by every thread in any order; decision record 67-export-determinism).
 */
function dictSql(table: string, key: string, buckets: number, as: string): string {
  const n = Math.max(1, Math.floor(buckets));
  return `(SELECT list(x.b ORDER BY i.i) AS ${ident(as)}
  FROM range(${n}) i(i)
  LEFT JOIN (SELECT hash(t.${ident(key)}) % ${n} AS h, list(t ORDER BY t.${ident(key)}) AS b
    FROM ${ident(table)} t GROUP BY 1) x ON x.h = i.i)`;
}

/** The row of a dictSql table whose `key` equals `value` (a struct of its columns), else NULL. */
function dictGet(dict: string, key: string, value: string, buckets: number): string {
  const n = Math.max(1, Math.floor(buckets));
  return `list_filter(${dict}[CAST(hash(${value}) % ${n} AS BIGINT) + 1], e -> e.${ident(key)} = ${value})[1]`;
}

/**
 * The records in range as rows `r` like recordsFrom's, with the enrichment of each side (`es`, `ed`) and the
 * snapshot names (`nm`) as structs read from dictionaries (dictSql) instead of joined: every operator between the
 * store's scan and the COPY keeps the order, so the documents come in store order with no sort.
 */
function orderedRecordsFrom(
  range: ExportRange,
  key: EnrichKey,
  enrichTable: string | undefined,
  namesTable: string | undefined,
  sizes: LookupSizes,
): string {
  const dicts = [dictSql('files', 'id', sizes.files, '~files')];
  if (enrichTable !== undefined) dicts.push(dictSql(enrichTable, 'ip', sizes.enrich ?? 1, '~en'));
  if (namesTable !== undefined) dicts.push(dictSql(namesTable, 'interface_id', sizes.names ?? 1, '~nm'));
  // the lookups right beside the cross product (a dictionary carried through the projections costs more)
  const t = (c: string) => `nullif(f.${ident(c)}, '-')`;
  const address = (side: 'src' | 'dst') =>
    key === 'ocsf' ? `coalesce(${t(`pkt_${side}addr`)}, ${t(`${side}addr`)})` : t(`${side}addr`);
  const looked = [
    `${dictGet('d."~files"', 'id', 'f.file_id', sizes.files)} AS fl`,
    ...(enrichTable === undefined
      ? []
      : (['src', 'dst'] as const).map(
          (side) => `${dictGet('d."~en"', 'ip', address(side), sizes.enrich ?? 1)} AS e${side[0]}`,
        )),
    ...(namesTable === undefined
      ? []
      : [`${dictGet('d."~nm"', 'interface_id', 'f.interface_id', sizes.names ?? 1)} AS nm`]),
  ];
  const inner = `SELECT f.* EXCLUDE (fl), f.fl.account AS file_account, f.fl.region AS file_region
  FROM (SELECT f.*, ${looked.join(', ')}
    FROM flows f, (SELECT * FROM ${dicts.map((x, i) => `${x} d${i}`).join(', ')}) d
    WHERE ${rangeWhere(range)}) f`;
  return `FROM ${sharedSql(inner)} r`;
}

/**
 * The SELECT of one JSON document (`line`) per record in range. With `sizes` (the rows of the files, enrichment and
 * names tables): in the store's order, the lookups read by projections (orderedRecordsFrom), so DuckDB writes the
 * documents in that order without a sort (a sort of the documents cost 1.5-5.5× the unordered export at 200k records; decision record
 * 67-export-determinism); `orderBy` adds an explicit `ORDER BY r.file_id, r.line` (the fallback when DuckDB would
 * not keep the order: a store with `preserve_insertion_order` off). Without `sizes`: joined, in no defined order
 * (bench:export's member timings).
 */
export function jsonLinesSelect(
  format: 'ocsf' | 'ecs',
  range: ExportRange,
  enrichTable: string | undefined,
  columns: readonly FieldDef[] = FIELDS,
  namesTable?: string,
  sizes?: LookupSizes,
  orderBy = false,
): string {
  const enrich = enrichTable !== undefined;
  const named = namesTable !== undefined;
  const doc = format === 'ocsf' ? ocsfJsonSql(enrich, columns, named) : ecsJsonSql(enrich, columns, named);
  const from =
    sizes === undefined
      ? recordsFrom(range, format, enrichTable, namesTable)
      : orderedRecordsFrom(range, format, enrichTable, namesTable, sizes);
  return `SELECT ${doc.sql} AS line\n${from}${orderBy ? '\nORDER BY r.file_id, r.line' : ''}`;
}

/**
 * The rows `r` of recordsFrom that pass `where`, sorted by `orderBy` before any mapping: the sort carries the narrow
 * record rows (the joined enrichment and names rows `es`, `ed`, `nm` as structs, which the mappings then read by the
 * same names), not the mapped structs, lists and maps. The mapping over it is a projection, which keeps the order.
 */
function sortedRecords(
  range: ExportRange,
  key: EnrichKey,
  enrichTable: string | undefined,
  namesTable: string | undefined,
  where: string,
  orderBy: string,
): string {
  const joined = `${enrichTable !== undefined ? ', es, ed' : ''}${namesTable !== undefined ? ', nm' : ''}`;
  return `(SELECT r.*${joined}
${recordsFrom(range, key, enrichTable, namesTable)}
WHERE ${where}
ORDER BY ${orderBy}) r`;
}

/** A struct of the given members, NULL when every member is NULL (the JSON documents leave it out). */
function structOrNull(members: readonly (readonly [string, string])[]): string {
  const test = members.map(([, v]) => `${v} IS NOT NULL`).join(' OR ');
  return `(CASE WHEN ${test} THEN struct_pack(${members.map(([k, v]) => `${ident(k)} := ${v}`).join(', ')}) END)`;
}

const int = (expr: string) => `CAST(${expr} AS INTEGER)`;
const big = (expr: string) => `CAST(${expr} AS BIGINT)`;
const txt = (expr: string) => `CAST(${expr} AS VARCHAR)`;

function ocsfEndpointStruct(side: 'src' | 'dst', enrich: boolean, named: boolean): string {
  const e = enrichCols(side, enrich);
  const inter = O.intermediate(side);
  return structOrNull([
    ['ip', txt(O.ip(side))],
    ['intermediate_ips', `(CASE WHEN ${inter} IS NOT NULL THEN [${inter}] END)`],
    ['port', int(col(`${side}port`))],
    ['svc_name', txt(S(`pkt_${side}_aws_service`))],
    ...ENI.map(([k, c]) => [k, txt(`(CASE WHEN ${O.owns(side)} THEN ${eniId(c, named)} END)`)] as const),
    // always in the struct (a Security Lake table's schema does not depend on whether a snapshot was loaded)
    ['name', txt(`(CASE WHEN ${O.owns(side)} THEN ${endpointName(named)} END)`)],
    ['location', structOrNull([['country', txt(e.country)]])],
  ]);
}

function observableStruct(cond: string, name: string, type: string, typeId: number, value: string): string {
  return `(CASE WHEN ${cond} THEN struct_pack(name := ${literal(name)}, type := ${literal(type)}, type_id := ${int(String(typeId))}, value := ${txt(value)}) END)`;
}

/**
 * The OCSF Network Activity columns of one row of `r`, typed for Parquet: the same attributes as ocsfJsonSql,
 * integers as OCSF's integer (INT32) or long (INT64), `*_dt` as UTC timestamps, absent objects NULL, and
 * `unmapped` as a string-to-string map (Parquet has no "any JSON value" type). `named`: the names table `nm` is
 * joined.
 */
export function ocsfParquetColumns(
  enrich: boolean,
  columns: readonly FieldDef[] = FIELDS,
  named = false,
): string {
  const act = O.activityId;
  const t = O.time;
  const instance = eniId('instance_id', named);
  const unmapped = [
    ...columns.filter((f) => !MAPPED.has(f.column)).map((f) => [f.column, txt(col(f.column))] as const),
    ...ENI.map(([, c]) => [c, `(CASE WHEN ${O.dir} IS NULL THEN ${S(c)} END)`] as const),
    ...(named ? NAME_COLUMNS.map((c) => [c, N(c, named)] as const) : []),
    ...asUnmapped(enrich).flatMap(([side, as]) => [
      [`${side}_${AS_UNMAPPED.number}`, txt(as.number)] as const,
      [`${side}_${AS_UNMAPPED.name}`, txt(as.name)] as const,
    ]),
  ].map(([k, v]) => `struct_pack(k := ${literal(k)}, v := ${v})`);
  const entries = `list_filter([${unmapped.join(', ')}], e -> e.v IS NOT NULL)`;
  const ts = (s: string) =>
    `(CASE WHEN ${s} IS NOT NULL THEN make_timestamptz(CAST(${s} AS BIGINT) * 1000000) END)`;
  const cols: [string, string][] = [
    ['class_uid', int('4001')],
    ['class_name', `'Network Activity'`],
    ['category_uid', int('4')],
    ['category_name', `'Network Activity'`],
    ['activity_id', int(act)],
    ['activity_name', O.activityName],
    ['type_uid', big(`400100 + ${act}`)],
    ['type_name', `'Network Activity: ' || ${O.activityName}`],
    ['action_id', int(verdict('action_id'))],
    ['action', txt(verdict('action'))],
    ['disposition_id', int(verdict('disposition_id'))],
    ['disposition', txt(verdict('disposition'))],
    ['severity_id', int('1')],
    ['severity', `'Informational'`],
    ['status_code', txt(S('log_status'))],
    ['time', big(`${t} * 1000`)],
    ['time_dt', ts(t)],
    ['start_time', big(`${col('start')} * 1000`)],
    ['start_time_dt', ts(col('start'))],
    ['end_time', big(`${col('end')} * 1000`)],
    ['end_time_dt', ts(col('end'))],
    [
      'metadata',
      `struct_pack(version := ${literal(OCSF_VERSION)}, profiles := [${OCSF_PROFILES.map((p) => literal(p)).join(', ')}],
        product := struct_pack(name := 'Amazon VPC', vendor_name := 'AWS', version := ${txt(col('version'))}, feature := struct_pack(name := 'Flowlogs')))`,
    ],
    [
      'cloud',
      `struct_pack(provider := 'AWS', region := ${txt(O.region)}, zone := ${txt(S('az_id'))}, account := ${structOrNull([['uid', txt(O.account)]])})`,
    ],
    ['src_endpoint', ocsfEndpointStruct('src', enrich, named)],
    ['dst_endpoint', ocsfEndpointStruct('dst', enrich, named)],
    [
      'connection_info',
      structOrNull([
        ['protocol_num', int(col('protocol'))],
        ['protocol_name', txt(O.protocolName)],
        ['protocol_ver', txt(S('type'))],
        ['tcp_flags', int(col('tcp_flags'))],
        ['boundary_id', int(O.boundaryId)],
        ['boundary', txt(O.boundary)],
        ['direction_id', int(O.directionId)],
        ['direction', txt(O.direction)],
      ]),
    ],
    [
      'traffic',
      structOrNull([
        ['packets', big(col('packets'))],
        ['bytes', big(col('bytes'))],
      ]),
    ],
    [
      'observables',
      `nullif(list_filter([${[
        observableStruct(`${O.ip('src')} IS NOT NULL`, 'src_endpoint.ip', 'IP Address', 2, O.ip('src')),
        observableStruct(`${O.ip('dst')} IS NOT NULL`, 'dst_endpoint.ip', 'IP Address', 2, O.ip('dst')),
        observableStruct(
          `${O.owns('src')} AND ${instance} IS NOT NULL`,
          'src_endpoint.instance_uid',
          'Resource UID',
          10,
          instance,
        ),
        observableStruct(
          `${O.owns('dst')} AND ${instance} IS NOT NULL`,
          'dst_endpoint.instance_uid',
          'Resource UID',
          10,
          instance,
        ),
      ].join(', ')}], o -> o IS NOT NULL), [])`,
    ],
    ['unmapped', `(CASE WHEN len(${entries}) > 0 THEN map_from_entries(${entries}) END)`],
  ];
  return cols.map(([k, v]) => `${v} AS ${ident(k)}`).join(',\n  ');
}

/** One Security Lake file: the account, region and hour (unix hours) of event time of its records, its UTC day. */
export interface LakeFile {
  readonly account: string;
  readonly region: string;
  readonly hour: number;
  /** `YYYYMMDD` of the hour. */
  readonly day: string;
  /** `<account>_<region>_<YYYYMMDD>T<HH>Z`, the file's name without `.parquet`. */
  readonly stem: string;
}

/** The partition values of a record: its own account and region (else its file key's, else PLACEHOLDER). */
const LAKE_ACCOUNT = `coalesce(CASE WHEN regexp_full_match(${O.account}, '[0-9]{12}') THEN ${O.account} END, ${literal(PLACEHOLDER.account)})`;
const LAKE_REGION = `coalesce(CASE WHEN regexp_full_match(${O.region}, '[a-z0-9-]+') THEN ${O.region} END, ${literal(PLACEHOLDER.region)})`;
const LAKE_HOUR = `(CAST(coalesce(${O.time}, 0) AS BIGINT) // 3600)`;

/**
 * The Security Lake files an OCSF Parquet export of `range` writes (rows: LakeFile's members), in order: one per
 * account, region and hour of event time, in Amazon Security Lake's custom-source layout
 * `region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/<stem>.parquet`.
 */
export function ocsfParquetFilesSql(range: ExportRange): string {
  const ts = 'make_timestamp(hour * 3600 * 1000000)';
  return `SELECT account, region, hour, strftime(${ts}, '%Y%m%d') AS day,
  account || '_' || region || '_' || strftime(${ts}, '%Y%m%dT%HZ') AS stem
FROM (SELECT DISTINCT ${LAKE_ACCOUNT} AS account, ${LAKE_REGION} AS region, ${LAKE_HOUR} AS hour
${recordsFrom(range, 'ocsf', undefined)})
ORDER BY hour, account, region`;
}

/**
 * One COPY writing one Security Lake file (see ocsfParquetFilesSql): the records of `range` in the file's hour,
 * account and region as OCSF Network Activity Parquet at `path`, rows in time order. One plain COPY per file, not
 * one partitioned COPY: DuckDB's PARTITION_BY writer flushes each thread's buffer of a partition on its own, so its
 * files were not strictly in time order (5 of 24 hour files of a 1M-record export stepped back), and sorting an
 * hour at a time costs less than one spilled sort of the whole export (decision record 55-export-order-speed).
 */
export function ocsfParquetFileSql(
  range: ExportRange,
  file: LakeFile,
  path: string,
  enrichTable: string | undefined,
  codec: ParquetCodec = 'zstd',
  columns: readonly FieldDef[] = FIELDS,
  namesTable?: string,
): string {
  // The hour's records only: a range on event_time, which DuckDB prunes by row group before reading.
  const from = file.hour * 3600;
  const hour: ExportRange = {
    since: range.since === undefined ? from : Math.max(range.since, from),
    until: range.until === undefined ? from + 3600 : Math.min(range.until, from + 3600),
  };
  // Sorted before mapping (sortedRecords: 10-15% less CPU than sorting the mapped rows).
  const where = `${LAKE_HOUR} = ${file.hour} AND ${LAKE_ACCOUNT} = ${literal(file.account)} AND ${LAKE_REGION} = ${literal(file.region)}`;
  const sorted = sortedRecords(hour, 'ocsf', enrichTable, namesTable, where, `${O.time}, r.file_id, r.line`);
  const select = `SELECT ${ocsfParquetColumns(enrichTable !== undefined, columns, namesTable !== undefined)}
FROM ${sorted}`;
  return `COPY (${select}) TO ${literal(path)} (FORMAT parquet, COMPRESSION ${codec})`;
}
