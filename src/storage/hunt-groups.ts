// A retro hunt's answer (`flowwatch hunt`): the matches grouped by indicator, matched address and peer, kept in a
// temporary table of the connection, and read back as the command needs it: the totals, the first N groups as
// rows (the table for people), or the whole answer as the exact JSON or CSV text `render` would print for its
// rows, written by DuckDB in chunks (no row objects, no JSON.parse/JSON.stringify in JS: at 300k groups those
// cost 1.2 CPU-s of a single core).

import { CANDIDATES_TABLE, type IntelMatchOptions, intelCandidates, intelMatchSql } from './intel.js';
import type { Store } from './store.js';

/** The temporary table huntGroupTable fills: one row per group. */
export const HUNT_GROUPS = 'hunt_groups';
/** Beside it: each group's place `n` (1 = first) in the answer, by its row id `r` in HUNT_GROUPS. */
export const HUNT_ORDER = 'hunt_order';

/** Groups per chunk of text read from DuckDB (one value each). */
const CHUNK = 20_000;

/** What a hunt found: the groups, and the matching record sides they hold (the sum of `flows`). */
export interface HuntTotals {
  readonly groups: number;
  readonly sides: number;
  /**
   * A text column of some group holds a control character (U+0000-U+001F): DuckDB spells some of their JSON
   * escapes in upper case (\u000B) where JSON.stringify writes \u000b, so huntJsonText then goes through JS.
   */
  readonly controlChars: boolean;
}

/** The answer's fields, in the order of its JSON objects; text fields are JSON strings, the rest integers. */
const FIELDS: readonly { readonly name: string; readonly text: boolean }[] = [
  { name: 'indicator', text: true },
  { name: 'feed', text: true },
  { name: 'address', text: true },
  { name: 'peer', text: true },
  { name: 'sides', text: true },
  { name: 'first_seen', text: true },
  { name: 'last_seen', text: true },
  { name: 'flows', text: false },
  { name: 'bytes', text: false },
  { name: 'packets', text: false },
  { name: 'rejected', text: false },
  { name: 'description', text: true },
];

/** The CSV columns of a hunt (every field but packets), as the command lists them. */
export const HUNT_CSV_COLUMNS: readonly string[] = FIELDS.map((f) => f.name).filter((n) => n !== 'packets');

/** Integers past 2^53 come as strings, as store.query gives them (a JS number would round them). */
const BIG = 9007199254740991;

/**
 * Matches the records of [since, until) (see intelCandidates, intelMatchSql) and leaves their groups in HUNT_GROUPS,
 * and their order (most matching records first, then bytes, indicator, address, peer) in HUNT_ORDER. Returns the
 * totals.
 */
export async function huntGroupTable(store: Store, opts: IntelMatchOptions): Promise<HuntTotals> {
  const found = await intelCandidates(store, opts);
  const { sql, params } = intelMatchSql({
    ...opts,
    candidates: CANDIDATES_TABLE,
    oneEach: found.oneEach,
    columns: ['event_time', 'action', 'bytes', 'packets'],
  });
  await store.query(
    `CREATE OR REPLACE TEMP TABLE ${HUNT_GROUPS} AS
     SELECT indicator, feed, address, peer,
       -- string_agg(DISTINCT side, ',' ORDER BY side) spelt out: a DISTINCT aggregate cost 1.3 CPU-s at 300k groups
       CASE WHEN bool_or(side = 'dst') THEN CASE WHEN bool_or(side = 'src') THEN 'dst,src' ELSE 'dst' END
         ELSE 'src' END AS sides,
       strftime(to_timestamp(min(event_time)), '%Y-%m-%dT%H:%M:%SZ') AS first_seen,
       strftime(to_timestamp(max(event_time)), '%Y-%m-%dT%H:%M:%SZ') AS last_seen,
       count(*) AS flows, sum(bytes) AS bytes, sum(packets) AS packets,
       count(*) FILTER (WHERE action = 'REJECT') AS rejected, any_value(description) AS description
     FROM (${sql})
     GROUP BY indicator, feed, address, peer`,
    params,
  );
  // The answer's order as a place per row id: a window over the group rows themselves carried every column
  // through its sort (measured at 300k groups: 0.85 CPU-s against 0.45 for the row ids alone).
  await store.query(
    `CREATE OR REPLACE TEMP TABLE ${HUNT_ORDER} AS
     SELECT rowid AS r, row_number() OVER (ORDER BY flows DESC, bytes DESC NULLS LAST, indicator, address, peer) AS n
     FROM ${HUNT_GROUPS}`,
  );
  const texts = FIELDS.filter((f) => f.text).map((f) => `coalesce(${f.name}, '')`);
  const r = await store.query(
    `SELECT count(*) AS groups, coalesce(sum(flows), 0)::VARCHAR AS sides,
       coalesce(bool_or(regexp_matches(concat(${texts.join(', ')}), '[\\x00-\\x1f]')), false) AS control
     FROM ${HUNT_GROUPS}`,
  );
  const x = r.rows[0] ?? {};
  return {
    groups: Number(x['groups'] ?? 0),
    sides: Number(x['sides'] ?? 0),
    controlChars: x['control'] === true,
  };
}

/** A field as compact JSON (integers past 2^53 as strings). */
function jsonValue(f: { name: string; text: boolean }): string {
  if (f.text) return `to_json(${f.name})`;
  return `CASE WHEN abs(${f.name}) > ${BIG} THEN to_json(${f.name}::VARCHAR) ELSE to_json(${f.name}) END`;
}

/**
 * Chunks of HUNT_GROUPS as text, in the answer's order: `line` renders a group (SQL over its columns), `sep` joins
 * them inside a chunk. Only `limit` first groups when given.
 */
async function* chunks(store: Store, line: string, sep: string, limit?: number): AsyncGenerator<string> {
  const where = limit === undefined ? '' : ` WHERE o.n <= ${Math.floor(limit)}`;
  for await (const rows of store.streamRows(
    `SELECT string_agg(${line}, ${sep} ORDER BY o.n) AS t FROM ${HUNT_GROUPS} g JOIN ${HUNT_ORDER} o ON g.rowid = o.r${where}
     GROUP BY (o.n - 1) // ${CHUNK} ORDER BY (o.n - 1) // ${CHUNK}`,
  )) {
    for (const x of rows) yield String(x['t']);
  }
}

/**
 * The groups of HUNT_GROUPS (the first `limit` when given) as row objects, in order: indicator, feed, address,
 * peer, sides, first_seen, last_seen (ISO), flows, bytes, packets, rejected (numbers; strings past 2^53),
 * description. Read as JSON text in chunks: converting DuckDB's values row by row cost 15 µs a row.
 */
export async function huntRows(store: Store, limit?: number): Promise<Record<string, unknown>[]> {
  const obj = `json_object(${FIELDS.map((f) => `'${f.name}', ${jsonValue(f)}`).join(', ')})::VARCHAR`;
  const out: Record<string, unknown>[] = [];
  for await (const t of chunks(store, obj, "','", limit)) {
    for (const row of JSON.parse(`[${t}]`) as Record<string, unknown>[]) out.push(row);
  }
  return out;
}

/**
 * The whole answer as the text `render({ rows }, 'json')` prints for huntRows (JSON.stringify(rows, null, 2) and a
 * newline), byte for byte (the first `limit` groups when given), in pieces to write one after the other. DuckDB writes each group's lines; when a text
 * field holds a control character (totals.controlChars) the rows go through JSON.parse/JSON.stringify instead, as
 * DuckDB's escapes of some of them differ in letter case from JSON.stringify's.
 */
export async function* huntJsonText(
  store: Store,
  totals: HuntTotals,
  limit?: number,
): AsyncGenerator<string> {
  if (totals.groups === 0) {
    yield '[]\n';
    return;
  }
  if (totals.controlChars) {
    yield `${JSON.stringify(await huntRows(store, limit), null, 2)}\n`;
    return;
  }
  const nl = 'chr(10)';
  const parts = FIELDS.map(
    (f, i) =>
      `'${i === 0 ? '' : ','}' || ${nl} || '    "${f.name}": ' || coalesce(${jsonValue(f)}::VARCHAR, 'null')`,
  );
  const line = `concat('  {', ${parts.join(', ')}, ${nl}, '  }')`;
  let first = true;
  for await (const t of chunks(store, line, `',' || ${nl}`, limit)) {
    yield `${first ? '[\n' : ',\n'}${t}`;
    first = false;
  }
  yield '\n]\n';
}

/**
 * The whole answer as the text `render({ columns: HUNT_CSV_COLUMNS, rows }, 'csv')` prints for huntRows, byte for
 * byte (the first `limit` groups when given): a header line, then a line per group; a field holding a comma, quote or line break is quoted (quotes
 * doubled), NULL is empty.
 */
export async function* huntCsvText(store: Store, totals: HuntTotals, limit?: number): AsyncGenerator<string> {
  yield `${HUNT_CSV_COLUMNS.join(',')}\n`;
  if (totals.groups === 0) return;
  const cell = (name: string) => {
    const f = FIELDS.find((x) => x.name === name)!;
    if (!f.text) return `coalesce(${name}::VARCHAR, '')`;
    return `CASE WHEN ${name} IS NULL THEN '' WHEN regexp_matches(${name}, '[",\\r\\n]')
      THEN '"' || replace(${name}, '"', '""') || '"' ELSE ${name} END`;
  };
  const line = HUNT_CSV_COLUMNS.map(cell).join(` || ',' || `);
  for await (const t of chunks(store, line, 'chr(10)', limit)) yield `${t}\n`;
}
