// bench:store-size — where a store's bytes go, and what other layouts of its records would take (issue 20, item 2:
// "store size ≤ the gzip input").
//
// Usage: npm run bench:store-size -- --db STORE [--gzip BYTES | --corpus DIR] [--variants] [--sample-files N]
//   --db STORE        a store written by `flowwatch ingest` (opened read-only; a copy is safer while it is in use)
//   --gzip / --corpus the gzip input's size in bytes, or the folder it was ingested from (summed), for the ratio
//   --variants        also copy a sample of the largest record table (its first N files, default 7) into fresh
//                     database files in other layouts and compare: as stored, file/line order, sorted by
//                     (file, start) and by (file, interface, start), derived columns (ENUM strings, event_time NULL
//                     when it equals start, time_source NULL when 'start', end as a duration), Parquet ZSTD/Snappy
// Prints the store's size, bytes per table and per column with DuckDB's chosen compression (from
// pragma_storage_info: a segment's bytes are the distance to the next segment in its block, so a block's unused
// tail is counted with its last segment), and the variants' bytes per record with the CPU seconds of each copy.
// Results: bench/results/store-size.json.

import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dbPath = opt('db');
if (!dbPath) {
  console.error('usage: npm run bench:store-size -- --db STORE [--gzip BYTES | --corpus DIR] [--variants]');
  process.exit(2);
}
const sampleFiles = Number(opt('sample-files', '7'));
const scratch = join(root, 'bench', 'data', 'scratch-store-size');

function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() && /\.(log|gz|parquet)$/.test(e.name))
      n += statSync(join(e.parentPath ?? e.path, e.name)).size;
  return n;
}
const gzip = opt('gzip') ? Number(opt('gzip')) : opt('corpus') ? dirBytes(opt('corpus')) : undefined;

const SIZES = (
  table,
) => `SELECT *, coalesce(lead(block_offset) OVER (PARTITION BY block_id ORDER BY block_offset), 262144 - 8)
    - block_offset + 262144 * len(additional_block_ids) AS bytes
  FROM pragma_storage_info('${table}') WHERE persistent AND block_id >= 0`;

const mb = (b) => (Number(b) / 1e6).toFixed(2);
const db = await DuckDBInstance.create(resolve(dbPath), { access_mode: 'READ_ONLY' });
const c = await db.connect();
const q = async (s) => (await c.runAndReadAll(s)).getRowObjectsJS();

const fileBytes = statSync(dbPath).size + (statSync(`${dbPath}.wal`, { throwIfNoEntry: false })?.size ?? 0);
const [info] = await q('PRAGMA database_size');
const tables = await q(`SELECT table_name AS t, estimated_size AS n FROM duckdb_tables() ORDER BY 1`);
const parts = [];
for (const { t } of tables) parts.push(...(await q(`SELECT '${t}' AS tbl, * FROM (${SIZES(t)})`)));
const records = tables.filter((x) => /^flows_\d+$/.test(x.t)).reduce((a, x) => a + Number(x.n), 0);
const result = {
  store: resolve(dbPath),
  fileBytes,
  usedBytes: Number(info.used_blocks) * Number(info.block_size),
  freeBlocks: Number(info.free_blocks),
  gzip,
  records,
  tables: [],
  columns: [],
  variants: [],
};

const byTable = new Map();
const byColumn = new Map();
for (const p of parts) {
  byTable.set(p.tbl, (byTable.get(p.tbl) ?? 0) + Number(p.bytes));
  const k = `${p.tbl}\t${p.column_name}\t${p.segment_type === 'VALIDITY' ? 'validity' : 'values'}`;
  const e = byColumn.get(k) ?? { bytes: 0, comp: new Set() };
  e.bytes += Number(p.bytes);
  e.comp.add(p.compression);
  byColumn.set(k, e);
}
console.log(
  `store ${dbPath}: ${mb(fileBytes)} MB on disk (database + WAL), ${mb(result.usedBytes)} MB in used blocks, ${result.freeBlocks} free blocks`,
);
if (gzip)
  console.log(
    `gzip input ${mb(gzip)} MB: store / gzip = ${(fileBytes / gzip).toFixed(2)} (used blocks ${(result.usedBytes / gzip).toFixed(2)})`,
  );
console.log(
  `records ${records.toLocaleString('en')}: ${(fileBytes / records).toFixed(2)} B/record on disk${gzip ? `, gzip ${(gzip / records).toFixed(2)} B/record` : ''}`,
);
console.log('\n| table | rows | MB | B/record |\n| --- | ---: | ---: | ---: |');
for (const [t, b] of [...byTable].sort((a, z) => z[1] - a[1])) {
  if (b < 300_000) continue;
  const rows = Number(tables.find((x) => x.t === t)?.n ?? 0);
  result.tables.push({ table: t, rows, bytes: b });
  console.log(`| ${t} | ${rows.toLocaleString('en')} | ${mb(b)} | ${(b / records).toFixed(2)} |`);
}
console.log(
  '\n| table | column | part | MB | bits/row | compression |\n| --- | --- | --- | ---: | ---: | --- |',
);
for (const [k, e] of [...byColumn].sort((a, z) => z[1].bytes - a[1].bytes)) {
  const [t, col, part] = k.split('\t');
  const rows = Number(tables.find((x) => x.t === t)?.n ?? 1);
  result.columns.push({ table: t, column: col, part, bytes: e.bytes, compression: [...e.comp] });
  if (e.bytes < 250_000) continue;
  console.log(
    `| ${t} | ${col} | ${part} | ${mb(e.bytes)} | ${((e.bytes * 8) / rows).toFixed(1)} | ${[...e.comp].join(', ')} |`,
  );
}

if (args.includes('--variants')) {
  const big = [...byTable].filter(([t]) => /^flows_\d+$/.test(t)).sort((a, z) => z[1] - a[1])[0]?.[0];
  const cols = await q(
    `SELECT column_name AS c, data_type AS ty FROM duckdb_columns() WHERE table_name = '${big}' ORDER BY column_index`,
  );
  const has = (name) => cols.some((x) => x.c === name);
  const ids = (
    await q(`SELECT id FROM files WHERE record_table = '${big}' ORDER BY id LIMIT ${sampleFiles}`)
  ).map((r) => r.id);
  const where = `WHERE file_id IN (${ids.join(', ')})`;
  const all = cols.map((x) => `"${x.c}"`).join(', ');
  // Columns a stored layout could derive or type differently; the `flows` view would present them as today.
  const derived = cols
    .map(({ c: col, ty }) => {
      if (col === 'event_time' && has('start'))
        return `CASE WHEN event_time = "start" THEN NULL ELSE event_time END AS event_time`;
      if (col === 'time_source') return `nullif(time_source, 'start') AS time_source`;
      if (col === 'end' && has('start')) return `"end" - "start" AS duration`;
      if (
        ty === 'VARCHAR' &&
        ['action', 'log_status', 'account_id', 'flow_direction', 'traffic_path', 'type'].includes(col)
      )
        return `"${col}"::enum_${col} AS "${col}"`;
      return `"${col}"`;
    })
    .join(', ');
  const enums = cols
    .filter(
      ({ c: col, ty }) =>
        ty === 'VARCHAR' &&
        ['action', 'log_status', 'account_id', 'flow_direction', 'traffic_path', 'type'].includes(col),
    )
    .map(
      ({ c: col }) =>
        `CREATE TYPE enum_${col} AS ENUM (SELECT DISTINCT "${col}" FROM s.${big} WHERE "${col}" IS NOT NULL)`,
    );
  const variants = [
    ['as stored', `SELECT ${all} FROM s.${big} ${where}`],
    ['file, line order', `SELECT ${all} FROM s.${big} ${where} ORDER BY file_id, line`],
    ...(has('start')
      ? [['sorted by file, start', `SELECT ${all} FROM s.${big} ${where} ORDER BY file_id, "start", line`]]
      : []),
    ...(has('start') && has('interface_id')
      ? [
          [
            'sorted by file, interface, start',
            `SELECT ${all} FROM s.${big} ${where} ORDER BY file_id, interface_id, "start", line`,
          ],
        ]
      : []),
    [
      'derived columns (ENUM, event_time/time_source NULL when start, end as duration)',
      `SELECT ${derived} FROM s.${big} ${where}`,
    ],
    ...(has('start') && has('interface_id')
      ? [
          [
            'derived columns, sorted by file, interface, start',
            `SELECT ${derived} FROM s.${big} ${where} ORDER BY file_id, interface_id, "start", line`,
          ],
        ]
      : []),
  ];
  mkdirSync(scratch, { recursive: true });
  const out = join(scratch, 'variant.duckdb');
  const n = Number((await q(`SELECT count(*) AS n FROM ${big} ${where}`))[0].n);
  console.log(
    `\nVariants: ${big}, its first ${ids.length} files (${n.toLocaleString('en')} records), copied into a fresh database file each (DuckDB ${(await q('SELECT version() AS v'))[0].v}, storage 'latest')\n`,
  );
  console.log(
    '| layout | MB | B/record | × gzip B/record | copy CPU s |\n| --- | ---: | ---: | ---: | ---: |',
  );
  for (const [name, sql] of variants) {
    rmSync(out, { force: true });
    rmSync(`${out}.wal`, { force: true });
    const v = await DuckDBInstance.create(out, {
      storage_compatibility_version: 'latest',
      threads: '2',
      memory_limit: '2GB',
    });
    const vc = await v.connect();
    await vc.run(`ATTACH '${resolve(dbPath)}' AS s (READ_ONLY)`);
    await vc.run('SET preserve_insertion_order = true');
    for (const e of enums) await vc.run(e);
    const t0 = process.cpuUsage();
    await vc.run(`CREATE TABLE r AS ${sql}`);
    await vc.run('CHECKPOINT');
    const cpu = process.cpuUsage(t0);
    const bytes = Number(
      (await (await vc.runAndReadAll(`SELECT sum(bytes) AS b FROM (${SIZES('r')})`)).getRowObjectsJS())[0].b,
    );
    vc.closeSync();
    v.closeSync();
    report(name, bytes, (cpu.user + cpu.system) / 1e6);
  }
  for (const [name, o] of [
    ['Parquet, ZSTD (level 3)', 'COMPRESSION zstd'],
    ['Parquet, Snappy', 'COMPRESSION snappy'],
  ]) {
    const file = join(scratch, 'variant.parquet');
    const t0 = process.cpuUsage();
    await c.run(
      `COPY (SELECT ${all} FROM ${big} ${where}) TO '${file}' (FORMAT parquet, ${o}, ROW_GROUP_SIZE 122880)`,
    );
    const cpu = process.cpuUsage(t0);
    report(name, statSync(file).size, (cpu.user + cpu.system) / 1e6);
  }
  rmSync(scratch, { recursive: true, force: true });
  function report(name, bytes, cpu) {
    const per = bytes / n;
    result.variants.push({ layout: name, records: n, bytes, cpuSeconds: cpu });
    console.log(
      `| ${name} | ${mb(bytes)} | ${per.toFixed(2)} | ${gzip ? (per / (gzip / records)).toFixed(2) : '-'} | ${cpu.toFixed(1)} |`,
    );
  }
}
c.closeSync();
db.closeSync();
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'store-size.json'), `${JSON.stringify(result, null, 2)}\n`);
