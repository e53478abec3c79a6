// One conformance suite for every detection backend: each case of cases.ts runs on DuckDB SQL over a store
// the records were ingested into, on Trino SQL through the local Athena engine over the same file, and on
// the in-memory evaluator of the monitor; all must give the case's hand-worked findings.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { AthenaSession } from '../../src/athena/session.js';
import { builtinCatalog, effectiveCatalog } from '../../src/detect/catalog.js';
import type { Detection } from '../../src/detect/definition.js';
import { type DetectedFinding, episodes } from '../../src/detect/episodes.js';
import { type DetectRecord, evaluate } from '../../src/detect/evaluate.js';
import { IntelIndex, rangeCidrs } from '../../src/detect/intel-index.js';
import { detectWithSql, SHARED_BIN_SECONDS } from '../../src/detect/run.js';
import { parsePlainList } from '../../src/enrich/feeds/plain-list.js';
import { ingest } from '../../src/ingest/ingest.js';
import { FIELDS } from '../../src/records/catalog.js';
import { saveFeed } from '../../src/storage/intel.js';
import { Store } from '../../src/storage/store.js';
import { CASES, type DetectCase, type ExpectedFinding, HEADER } from './cases.js';

const columnsOf = (c: DetectCase) => (c.header ?? HEADER).split(' ').map((f) => f.replaceAll('-', '_'));

/** The case's indicators as a plain list feed. */
const indicatorsOf = (c: DetectCase) => parsePlainList((c.indicators ?? []).join('\n')).indicators;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-detect-'));
});
afterAll(async () => {
  for (const p of caseStores.values()) (await p.catch(() => undefined))?.close();
  (await athenaSession?.catch(() => undefined))?.store.close();
  rmSync(dir, { recursive: true, force: true });
});

function detectionOf(c: DetectCase): Detection {
  const text = c.config ?? '';
  const catalog = effectiveCatalog(parseDocument(text), 'flowwatch.yaml', text);
  const d = catalog.find((x) => x.id === c.detection);
  if (d === undefined) throw new Error(`no detection ${c.detection}`);
  return d;
}

function shape(f: DetectedFinding): ExpectedFinding {
  return {
    entity: f.entity,
    severity: f.severity,
    start: f.start,
    end: f.end,
    evidenceCount: f.evidenceCount,
    windows: f.windows.map((w) => w.w),
    peers: f.peers,
    morePeers: f.morePeers,
    ...(f.summary === undefined ? {} : { summary: f.summary }),
  };
}

function expected(c: DetectCase): ExpectedFinding[] {
  return c.expected.map((e) => ({ peers: [], morePeers: false, ...e }));
}

/** The records as the monitor holds them: catalog columns, `-` as missing, numbers typed. */
function memoryRecords(c: DetectCase): DetectRecord[] {
  const columns = columnsOf(c);
  return c.records.map((line) => {
    const parts = line.split(' ');
    const r: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const v = parts[i];
      const type = FIELDS.find((f) => f.column === c)?.type;
      r[c] = v === '-' || v === undefined ? null : type === 'string' ? v : Number(v);
    });
    return { ...r, event_time: Number(r['start']) } as DetectRecord;
  });
}

/**
 * The catalog's detections that share work with the case's, renamed so that they never supersede it: run beside
 * it, they put its records through what detectWithSql (src/detect/run.ts) shares in a shareScan run. Only the
 * threshold kind reads the shared scan (sharedScopeSql, the union of all their scopes and fields): a threshold case
 * gets every threshold detection. Only baselines read the shared bins: hourly (or daily) ones one pre-aggregate
 * (sharedBinsSql), per-minute ones one query per bins shape (binsTogetherSql): a baseline case gets the baselines it
 * would share with. Pair, intel, beacon, silence and first-seen detections read the store in any run, sharing
 * nothing with these: such a case gets two threshold detections, so that the shared scope table exists (made from
 * scopes that are not the case's) while it runs and the case must still read the store. The 16 threshold, pair and
 * baseline detections these cases had beside them shared nothing with them (3–6 of the file's 31–33 CPU-s).
 */
const companions = (d: Detection): Detection[] => {
  const catalog = builtinCatalog();
  const beside =
    d.kind === 'threshold'
      ? catalog.filter((x) => x.kind === 'threshold')
      : d.kind === 'baseline'
        ? catalog.filter(
            (x) =>
              x.kind === 'baseline' &&
              (x.window % SHARED_BIN_SECONDS === 0) === (d.window % SHARED_BIN_SECONDS === 0),
          )
        : catalog.filter((x) => x.kind === 'threshold').slice(0, 2);
  return beside.map(
    ({ supersededBy: _s, ...x }) => ({ ...x, id: `companion-${x.id}`, enabled: true }) as Detection,
  );
};

/**
 * One store per case, the case's records ingested once: both DuckDB runs read it (neither writes to it). In memory:
 * the detections are the point, and 49 store files each checkpointed at close cost about 5 CPU-seconds.
 */
const caseStores = new Map<string, Promise<Store>>();

function caseStore(c: DetectCase, file: string): Promise<Store> {
  let p = caseStores.get(c.name);
  if (p === undefined) {
    p = (async () => {
      const store = await Store.open(':memory:');
      await ingest(store, [file], {});
      if (c.indicators !== undefined) {
        await saveFeed(store, {
          name: 'case',
          format: 'list',
          source: 'case.txt',
          sha256: '0',
          licence: 'test',
          indicators: indicatorsOf(c),
          skipped: 0,
          revoked: 0,
        });
      }
      return store;
    })();
    caseStores.set(c.name, p);
  }
  return p;
}

async function runDuckdb(
  c: DetectCase,
  d: Detection,
  file: string,
  shareScan = false,
): Promise<DetectedFinding[]> {
  const store = await caseStore(c, file);
  const run = async (sql: string) => (await store.query(sql)).rows;
  if (!shareScan) return await detectWithSql([d], { engine: 'duckdb' }, {}, run);
  const all = await detectWithSql([d, ...companions(d)], { engine: 'duckdb', shareScan: true }, {}, run);
  return all.filter((f) => f.detection === d.id);
}

/**
 * One local Athena engine for the file, on a store of its own: each case creates its table over its own folder of
 * the mirror (dropping the previous case's), as a user would over a new prefix; an engine and its catalog per case
 * cost ~0.1 CPU-s each.
 */
let athenaSession: Promise<{ store: Store; athena: AthenaSession }> | undefined;

async function runTrino(c: DetectCase, d: Detection): Promise<DetectedFinding[]> {
  const mirror = join(dir, 'mirror');
  athenaSession ??= Store.open(':memory:').then(async (store) => ({
    store,
    athena: await AthenaSession.open(store, { s3Root: mirror }),
  }));
  const { athena } = await athenaSession;
  const bucketDir = join(mirror, 'bucket', slug(c));
  mkdirSync(bucketDir, { recursive: true });
  writeFileSync(join(bucketDir, 'part.log'), `${c.header ?? HEADER}\n${c.records.join('\n')}\n`);
  const cols = columnsOf(c).map(
    (n) =>
      `${n === 'end' ? '`end`' : n} ${FIELDS.find((f) => f.column === n)?.type === 'string' ? 'string' : 'bigint'}`,
  );
  await athena.run('DROP TABLE IF EXISTS vpc_flow_logs');
  await athena.run(`CREATE EXTERNAL TABLE vpc_flow_logs (
  ${cols.join(', ')})
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://bucket/${slug(c)}/'
TBLPROPERTIES ("skip.header.line.count"="1")`);
  return await detectWithSql(
    [d],
    {
      engine: 'trino',
      table: 'vpc_flow_logs',
      columns: columnsOf(c),
      intel: indicatorsOf(c).map((i) => ({
        cidrs: rangeCidrs(i.lo, i.hi, i.v6),
        validFrom: i.validFrom,
        validUntil: i.validUntil,
      })),
    },
    {},
    async (sql) => (await athena.run(sql)).rows,
  );
}

const slug = (c: DetectCase) => c.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

describe('detections agree with the hand-worked findings on every backend', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const file = () => {
        const p = join(dir, `${slug(c)}.log`);
        writeFileSync(p, `${c.header ?? HEADER}\n${c.records.join('\n')}\n`);
        return p;
      };
      it.skipIf(c.skip?.includes('memory'))('in memory (the monitor)', () => {
        const d = detectionOf(c);
        const intel = c.indicators === undefined ? undefined : new IntelIndex(indicatorsOf(c));
        expect(episodes(d, evaluate(d, memoryRecords(c), intel)).map(shape)).toEqual(expected(c));
      });
      it.skipIf(c.skip?.includes('duckdb'))('DuckDB SQL over the store', async () => {
        const d = detectionOf(c);
        expect((await runDuckdb(c, d, file())).map(shape)).toEqual(expected(c));
      });
      it('DuckDB SQL, one shared scan with the catalog beside it', async () => {
        const d = detectionOf(c);
        expect((await runDuckdb(c, d, file(), true)).map(shape)).toEqual(expected(c));
      });
      it.skipIf(c.skip?.includes('trino'))('Trino SQL on the local Athena engine', async () => {
        const d = detectionOf(c);
        expect((await runTrino(c, d)).map(shape)).toEqual(expected(c));
      });
    });
  }
});
