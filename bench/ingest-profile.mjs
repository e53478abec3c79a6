// Where ingest CPU goes, in process (process.cpuUsage counts every thread): the Node pass alone (probe, SHA-256,
// inflate, split), the whole ingest (its final CHECKPOINT apart), and DuckDB's own read_csv + CHECKPOINT over the
// same files. Usage: node bench/ingest-profile.mjs <corpus dir> [--files N] [--runs R]
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { files, median } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const corpus = resolve(args[0]);
const opt = (n, d) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const all = files(corpus);
const list = all.slice(0, opt('files', all.length));
const RUNS = opt('runs', 1);
const only = args.includes('--only')
  ? args[args.indexOf('--only') + 1].split(',')
  : ['node', 'ingest', 'duckdb'];
const { Store } = await import(join(root, 'dist/storage/store.js'));
const { ingest } = await import(join(root, 'dist/ingest/ingest.js'));
const { fileKind, sha256File } = await import(join(root, 'dist/ingest/file-probe.js'));
const { normalize } = await import(join(root, 'dist/ingest/normalize.js'));
const { detectHeader, DEFAULT } = await import(join(root, 'dist/records/format.js'));
const { DuckDBInstance } = await import('@duckdb/node-api');
const tmp = join(process.env.TMPDIR ?? '/tmp', `ingest-profile-${process.pid}`);
mkdirSync(tmp, { recursive: true });
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const out = { node: [], ingest: [], checkpoint: [], duckdb: [], wall: [] };
let records = 0;
for (let r = 0; r < RUNS; r++) {
  if (only.includes('node')) {
    const c0 = cpu();
    for (const f of list) {
      await fileKind(f);
      await sha256File(f);
      await normalize(
        f,
        true,
        (first) => {
          const h = detectHeader(first);
          return h ? { format: h, header: true } : { format: DEFAULT, header: false };
        },
        join(tmp, 'n.txt'),
        join(tmp, 'o.txt'),
      );
    }
    out.node.push(cpu() - c0);
  }
  if (only.includes('ingest')) {
    const db = join(tmp, 'fw.duckdb');
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
    const store = await Store.open(db);
    if (args.includes('--pio')) await store.conn.run('SET preserve_insertion_order = true');
    const cp = store.checkpoint.bind(store);
    let cpCpu = 0;
    store.checkpoint = async () => {
      const c = cpu();
      await cp();
      cpCpu += cpu() - c;
    };
    const stmts = new Map();
    if (args.includes('--breakdown')) {
      const orig = store.loader.bind(store);
      store.loader = async (d) => {
        const l = await orig(d);
        const conn = l.conn;
        const wrap =
          (name) =>
          async (sql, ...rest) => {
            const c = cpu();
            try {
              return await conn[name](sql, ...rest);
            } finally {
              const k = sql.replace(/\s+/g, ' ').trim().slice(0, 60);
              const e = stmts.get(k) ?? { n: 0, cpu: 0 };
              e.n++;
              e.cpu += cpu() - c;
              stmts.set(k, e);
            }
          };
        l.conn = new Proxy(conn, {
          get: (t, p) =>
            p === 'run' || p === 'runAndReadAll' ? wrap(p) : typeof t[p] === 'function' ? t[p].bind(t) : t[p],
        });
        return l;
      };
    }
    const c0 = cpu();
    const w0 = performance.now();
    const s = await ingest(store, list, {
      concurrency: opt('conc', undefined),
      ...(args.includes('--scratch') ? { scratch: args[args.indexOf('--scratch') + 1] } : {}),
      ...(opt('lines', 0) > 0 ? { batch: { lines: opt('lines', 0) } } : {}),
    });
    out.dbMb = (await import('node:fs')).statSync(db).size / 1e6;
    if (stmts.size) {
      const rows = [...stmts.entries()].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, 25);
      for (const [k, v] of rows) console.error(v.cpu.toFixed(3).padStart(8), String(v.n).padStart(6), k);
    }
    out.ingest.push(cpu() - c0);
    out.wall.push((performance.now() - w0) / 1000);
    out.checkpoint.push(cpCpu);
    records = s.records;
    store.close();
  }
  if (only.includes('duckdb')) {
    const db = join(tmp, 'duck.duckdb');
    rmSync(db, { force: true });
    const c0 = cpu();
    const inst = await DuckDBInstance.create(db);
    const c = await inst.connect();
    const hdr = (
      await c.runAndReadAll(
        `SELECT * FROM read_csv(${JSON.stringify(list[0]).replaceAll('"', "'")}, header=false, delim='\\x01', quote='', escape='', auto_detect=false, columns={'l':'VARCHAR'}) LIMIT 1`,
      )
    ).getRowObjectsJS()[0].l;
    const cols = hdr.split(' ').map((n) => n.replaceAll('-', '_'));
    const ints = new Set([
      'version',
      'srcport',
      'dstport',
      'protocol',
      'packets',
      'bytes',
      'start',
      'end',
      'tcp_flags',
      'traffic_path',
      'sublocation_id',
    ]);
    const big = new Set(['packets', 'bytes', 'start', 'end']);
    const columns = cols
      .map((c) => `'${c}': '${big.has(c) ? 'BIGINT' : ints.has(c) ? 'INTEGER' : 'VARCHAR'}'`)
      .join(', ');
    const listSql = `[${list.map((f) => `'${f}'`).join(', ')}]`;
    await c.run(
      `CREATE TABLE t AS SELECT * FROM read_csv(${listSql}, header = true, delim = ' ', quote = '', escape = '', auto_detect = false, nullstr = '-', columns = {${columns}})`,
    );
    await c.run('CHECKPOINT');
    c.closeSync();
    inst.closeSync();
    out.duckdb.push(cpu() - c0);
  }
}
rmSync(tmp, { recursive: true, force: true });
const m = Object.fromEntries(
  Object.entries(out)
    .filter(([, v]) => v.length)
    .map(([k, v]) => [k, +median(v).toFixed(2)]),
);
console.log(
  JSON.stringify({
    files: list.length,
    records,
    cpu: m,
    ratio: m.duckdb && m.ingest ? +(m.duckdb / m.ingest).toFixed(3) : null,
    all: out,
  }),
);
