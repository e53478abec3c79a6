// Baseline detections (kind baseline): hand-worked cases run on the three backends (DuckDB SQL over the store,
// Trino SQL on the local Athena engine, the in-memory evaluator), plus the shared scoring's pieces and the
// definition errors. Expected z-scores are worked out by hand in the comments.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { AthenaSession } from '../../src/athena/session.js';
import { baselineAt, binsDetection, evaluateBaseline, median } from '../../src/detect/baseline.js';
import { builtinCatalog, effectiveCatalog } from '../../src/detect/catalog.js';
import type { BaselineDetection } from '../../src/detect/definition.js';
import { type DetectedFinding, episodes } from '../../src/detect/episodes.js';
import type { DetectRecord } from '../../src/detect/evaluate.js';
import { parseDefinitionText } from '../../src/detect/parse.js';
import { deriveRollups, ROLLUP_DDL } from '../../src/detect/rollups.js';
import { detectWithSql, hitsFromRows } from '../../src/detect/run.js';
import { hitsSql, sharedBinsSql } from '../../src/detect/to-sql.js';
import { ingest } from '../../src/ingest/ingest.js';
import { FIELDS } from '../../src/records/catalog.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec } from './cases.js';

const COLUMNS = HEADER.split(' ').map((f) => f.replaceAll('-', '_'));
const DAY = 86_400;
const HOUR = 3600;
/** 2024-05-20T00:00:00Z, a Monday. */
const T0 = 1716163200;
const GB = 1e9;
const MB = 1e6;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-baseline-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const builtin = (id: string) => builtinCatalog().find((d) => d.id === id) as BaselineDetection;

function memoryRecords(lines: readonly string[]): DetectRecord[] {
  return lines.map((line) => {
    const parts = line.split(' ');
    const r: Record<string, unknown> = {};
    COLUMNS.forEach((c, i) => {
      const v = parts[i];
      const type = FIELDS.find((f) => f.column === c)?.type;
      r[c] = v === '-' || v === undefined ? null : type === 'string' ? v : Number(v);
    });
    return { ...r, event_time: Number(r['start']) } as DetectRecord;
  });
}

interface Run {
  findings: DetectedFinding[];
  notes: string[];
}

async function runDuckdb(name: string, d: BaselineDetection, records: readonly string[]): Promise<Run> {
  const file = join(dir, `${name}.log`);
  writeFileSync(file, `${HEADER}\n${records.join('\n')}\n`);
  const store = await Store.open(join(dir, `${name}.duckdb`));
  try {
    await ingest(store, [file], {});
    const notes: string[] = [];
    const findings = await detectWithSql(
      [d],
      { engine: 'duckdb' },
      {},
      async (sql) => (await store.query(sql)).rows,
      undefined,
      (_id, m) => notes.push(m),
    );
    return { findings, notes };
  } finally {
    store.close();
  }
}

/**
 * DuckDB as `flowwatch detect` runs it (shareScan): the catalog's other baselines, renamed, beside the case's, so
 * that hourly and daily bins come from the run's shared pre-aggregate (sharedBinsSql) and per-minute ones from the
 * records.
 */
async function runShared(name: string, d: BaselineDetection, records: readonly string[]): Promise<Run> {
  const file = join(dir, `${name}-shared.log`);
  writeFileSync(file, `${HEADER}\n${records.join('\n')}\n`);
  const store = await Store.open(join(dir, `${name}-shared.duckdb`));
  try {
    await ingest(store, [file], {});
    const others = builtinCatalog()
      .filter((x) => x.kind === 'baseline' && x.id !== d.id)
      .map(({ supersededBy: _s, ...x }) => ({ ...x, id: `companion-${x.id}` }) as BaselineDetection);
    const notes: string[] = [];
    const findings = await detectWithSql(
      [d, ...others],
      { engine: 'duckdb', shareScan: true },
      {},
      async (sql) => (await store.query(sql)).rows,
      undefined,
      (id, m) => {
        if (id === d.id) notes.push(m);
      },
    );
    return { findings: findings.filter((f) => f.detection === d.id), notes };
  } finally {
    store.close();
  }
}

async function runTrino(name: string, d: BaselineDetection, records: readonly string[]): Promise<Run> {
  const store = await Store.open(join(dir, `${name}-athena.duckdb`));
  try {
    const mirror = join(dir, 'mirror');
    mkdirSync(join(mirror, 'bucket', name), { recursive: true });
    writeFileSync(join(mirror, 'bucket', name, 'part.log'), `${HEADER}\n${records.join('\n')}\n`);
    const athena = await AthenaSession.open(store, { s3Root: mirror });
    await athena.run(`CREATE EXTERNAL TABLE vpc_flow_logs (
  version int, account_id string, interface_id string, srcaddr string, dstaddr string, srcport int, dstport int,
  protocol int, packets bigint, bytes bigint, start bigint, \`end\` bigint, action string, log_status string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://bucket/${name}/'
TBLPROPERTIES ("skip.header.line.count"="1")`);
    const notes: string[] = [];
    const findings = await detectWithSql(
      [d],
      { engine: 'trino', table: 'vpc_flow_logs', columns: COLUMNS },
      {},
      async (sql) => (await athena.run(sql)).rows,
      undefined,
      (_id, m) => notes.push(m),
    );
    return { findings, notes };
  } finally {
    store.close();
  }
}

function runMemory(d: BaselineDetection, records: readonly string[]): Run {
  const r = evaluateBaseline(d, memoryRecords(records), {});
  return { findings: episodes(d, r.hits), notes: r.notes };
}

const shape = (f: DetectedFinding) => ({
  entity: f.entity,
  severity: f.severity,
  windows: f.windows.map((w) => w.w),
  peak: f.peak,
  evidenceCount: f.evidenceCount,
  summary: f.windows.map((w) => w.summary),
});

// --- exfiltration: a nightly backup is its own baseline, an upload at a quiet hour is not ---------------------
// backup 10.0.0.5 sends 2 GB at 02:00 on days 0-3 (2.1 GB on day 3); host 10.0.0.6 sends 10 MB at 03:00 on days
// 0-2 and 5 GB at 03:00 on day 3. The first record is at day 0 02:00, so day 3's hours have 3 full days of
// history: an hour-of-day baseline over days 0-2 (hour-of-week needs 21 days).
//   backup, day 3 02:00: samples 2, 2, 2 GB: median 2 GB, MAD 0, σ = max(0, 10% of 2 GB = 200 MB,
//     1% of 1 GiB = 10.74 MB) = 200 MB; z = 0.1 GB / 200 MB = 0.5 < 6: no finding.
//   host, day 3 03:00: samples 10, 10, 10 MB: median 10 MB, MAD 0, σ = max(1 MB, 10 737 418.24) = 10.74 MB;
//     z = (5e9 − 1e7) / 10 737 418.24 = 464.73 ≥ 50 (critical); 5 GB ≥ 1 GiB and ≥ 10 × 10 MB.
//   days 0-2: fewer than 3 days of history (cold start); 2 GB is below the 100 GiB cold-start limit.
const EXFIL: string[] = [];
for (let day = 0; day < 4; day++) {
  const t = T0 + day * DAY;
  EXFIL.push(
    rec(
      'eni-b',
      '10.0.0.5',
      '198.51.100.7',
      44000,
      443,
      6,
      'ACCEPT',
      t + 2 * HOUR + 60,
      day === 3 ? 2.1 * GB : 2 * GB,
    ),
  );
  EXFIL.push(
    rec(
      'eni-h',
      '10.0.0.6',
      '203.0.113.9',
      50000,
      443,
      6,
      'ACCEPT',
      t + 3 * HOUR + 600,
      day === 3 ? 5 * GB : 10 * MB,
    ),
  );
  // replies from the internet and private traffic are out of scope
  EXFIL.push(rec('eni-h', '203.0.113.9', '10.0.0.6', 443, 50000, 6, 'ACCEPT', t + 3 * HOUR + 600, 9 * GB));
  EXFIL.push(rec('eni-h', '10.0.0.6', '10.0.0.7', 50001, 5432, 6, 'ACCEPT', t + 3 * HOUR + 900, 9 * GB));
}
const EXFIL_EXPECTED = [
  {
    entity: '10.0.0.6',
    severity: 'critical',
    windows: [T0 + 3 * DAY + 3 * HOUR],
    peak: 464.73,
    evidenceCount: 1,
    summary: ["5.0 GB, 464.7σ above 10.0.0.6's 03:00 UTC baseline of 10.0 MB (median of 3 days, σ 10.7 MB)"],
  },
];

// --- flood: zero filling -------------------------------------------------------------------------------------
// target 10.0.1.10 gets 5 distinct internet sources a minute in minutes 0-29 of 10:00 on days 0-3 and nothing
// in minutes 30-59; on day 3 at 10:45, 300 distinct sources. Baseline of day 3's 10:00 hour: the 60 minutes of
// 10:00 on days 0-2 = 180 samples, 90 of 5 and 90 of 0 (zero-filled): median (0 + 5) / 2 = 2.5, every
// deviation 2.5 so MAD 2.5, σ = max(1.4826 × 2.5 = 3.7065, 0.25, 1% of 100 = 1) = 3.7065;
// z = (300 − 2.5) / 3.7065 = 80.26 (critical), 300 ≥ 100 and ≥ 5 × 2.5.
// Without zero filling the median would be 5 and MAD 0 (z = 295/1 = 295): the test pins the zero filling.
// Day 3's minutes 0-29 (5 sources) score z = 0.67: no finding.
const FLOOD: string[] = [];
for (let day = 0; day < 4; day++) {
  for (let m = 0; m < 30; m++) {
    const t = T0 + day * DAY + 10 * HOUR + m * 60;
    for (let s = 1; s <= 5; s++)
      FLOOD.push(rec('eni-w', `198.51.100.${s}`, '10.0.1.10', 40000 + m, 443, 6, 'ACCEPT', t));
  }
}
const FLOOD_T = T0 + 3 * DAY + 10 * HOUR + 45 * 60;
for (let s = 0; s < 300; s++)
  FLOOD.push(
    rec(
      'eni-w',
      `203.0.${113 + (s >> 8)}.${s & 255}`,
      '10.0.1.10',
      50000,
      443,
      6,
      'ACCEPT',
      FLOOD_T + (s % 50),
    ),
  );
const FLOOD_EXPECTED = [
  {
    entity: '10.0.1.10',
    severity: 'critical',
    windows: [FLOOD_T],
    peak: 80.26,
    evidenceCount: 300,
    summary: [
      "300 distinct srcaddr, 80.3σ above 10.0.1.10's 10:00 UTC per-minute baseline of 2.5 distinct srcaddr (median of 3 days, σ 3.7 distinct srcaddr)",
    ],
  },
];

const CASES = [
  { name: 'exfil', id: 'exfiltration-baseline', records: EXFIL, expected: EXFIL_EXPECTED },
  { name: 'flood', id: 'flood-fan-in', records: FLOOD, expected: FLOOD_EXPECTED },
];

describe('baseline detections agree with the hand-worked findings on every backend', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it('in memory (the monitor)', () => {
        expect(runMemory(builtin(c.id), c.records).findings.map(shape)).toEqual(c.expected);
      });
      it('DuckDB SQL over the store', async () => {
        expect((await runDuckdb(c.name, builtin(c.id), c.records)).findings.map(shape)).toEqual(c.expected);
      });
      it('DuckDB SQL as detect runs it (the shared pre-aggregate of hourly bins)', async () => {
        expect((await runShared(c.name, builtin(c.id), c.records)).findings.map(shape)).toEqual(c.expected);
      });
      it('Trino SQL on the local Athena engine', async () => {
        expect((await runTrino(c.name, builtin(c.id), c.records)).findings.map(shape)).toEqual(c.expected);
      });
    });
  }
});

describe('the shared pre-aggregate of hourly bins', () => {
  // 10.0.0.5 sends 100 B to 8.8.8.8 at T0+10 (accepted), 200 B at T0+1800, 400 B at T0+3000 and 50 B at
  // T0+3600+5; 800 B to 10.0.0.9 at T0+20 (private: out of exfiltration's scope); 8.8.8.8 is refused by 10.0.0.7
  // at T0+30 (1,600 B) and T0+40. Over [T0+15, T0+3000): exfiltration-baseline's bin of 10.0.0.5 at T0 holds
  // only the 200 B record (T0+10 is before the range, T0+3000 at its end): value 200, 1 record, first and last
  // seen T0+1800; reject-spike's bin of 8.8.8.8 at T0 counts 2 records (T0+30, T0+40). exfiltration-daily's bin
  // at T0 (a day) is the same 200 B. The range edges cut the hour: the pre-aggregate keeps the range's records only.
  const T = T0;
  const records = [
    rec('eni-a', '10.0.0.5', '8.8.8.8', 40000, 443, 6, 'ACCEPT', T + 10, 100),
    rec('eni-a', '10.0.0.5', '10.0.0.9', 40001, 443, 6, 'ACCEPT', T + 20, 800),
    rec('eni-a', '10.0.0.7', '8.8.8.8', 40002, 22, 6, 'REJECT', T + 30, 1600),
    rec('eni-a', '10.0.0.7', '8.8.8.8', 40003, 22, 6, 'REJECT', T + 40, 60),
    rec('eni-a', '10.0.0.5', '8.8.8.8', 40004, 443, 6, 'ACCEPT', T + 1800, 200),
    rec('eni-a', '10.0.0.5', '8.8.8.8', 40005, 443, 6, 'ACCEPT', T + 3000, 400),
    rec('eni-a', '10.0.0.5', '8.8.8.8', 40006, 443, 6, 'ACCEPT', T + 3605, 50),
  ];
  it('gives each detection the bins it reads from the records, with the range cutting an hour', async () => {
    const file = join(dir, 'agg.log');
    writeFileSync(file, `${HEADER}\n${records.join('\n')}\n`);
    const store = await Store.open(join(dir, 'agg.duckdb'));
    try {
      await ingest(store, [file], {});
      const run = async (sql: string) => (await store.query(sql)).rows;
      const ds = ['exfiltration-baseline', 'reject-spike', 'exfiltration-daily'].map(builtin);
      // binsRange widens `since` by the lookback; here the bins' own range is given directly
      const range = { since: T + 15, until: T + 3000 };
      await run(sharedBinsSql(ds.map(binsDetection), range, 'agg_test'));
      const bins = async (d: BaselineDetection) =>
        hitsFromRows(
          d,
          await run(
            hitsSql({ engine: 'duckdb', relation: 'agg_test', aggregated: true }, binsDetection(d), {}),
          ),
        ).map((h) => [h.key, h.w, h.value, h.records, h.firstSeen, h.lastSeen]);
      expect(await bins(ds[0]!)).toEqual([[['10.0.0.5'], T, 200, 1, T + 1800, T + 1800]]);
      expect(await bins(ds[1]!)).toEqual([[['8.8.8.8'], T, 2, 2, T + 30, T + 40]]);
      expect(await bins(ds[2]!)).toEqual([[['10.0.0.5'], T, 200, 1, T + 1800, T + 1800]]);
      // the same as the bins query over the records (baselineBinsSql widens since by the lookback: none before)
      const fromRecords = hitsFromRows(
        ds[0]!,
        await run(hitsSql({ engine: 'duckdb' }, binsDetection(ds[0]!), range)),
      ).map((h) => [h.key, h.w, h.value, h.records, h.firstSeen, h.lastSeen]);
      expect(fromRecords).toEqual(await bins(ds[0]!));
    } finally {
      store.close();
    }
  });
});

describe('too little history says so', () => {
  it('names the days needed and available, and reports nothing below the cold-start limit', async () => {
    // only days 0-1 of the exfiltration case: at most 1 full day of history before any hour
    const two = EXFIL.filter((l) => Number(l.split(' ')[10]) < T0 + 2 * DAY);
    const r = await runDuckdb('short', builtin('exfiltration-baseline'), two);
    expect(r.findings).toEqual([]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(
      /^baseline needs 3 days of history; 0 available \(records from 2024-05-20T02:01:00Z\)/,
    );
    expect(r.notes[0]).toMatch(/only the cold-start rule applies \(≥ 107 GB in an hour\)/);
    expect(runMemory(builtin('exfiltration-baseline'), two).notes).toEqual(r.notes);
  });
  it('reports a cold-start finding at or above the absolute limit', () => {
    const d = builtin('flood-fan-in'); // cold start: ≥ 1000 sources in a minute
    const lines: string[] = [];
    for (let s = 0; s < 1000; s++)
      lines.push(
        rec('eni-w', `203.0.${113 + (s >> 8)}.${s & 255}`, '10.0.1.10', 50000, 443, 6, 'ACCEPT', T0 + 30),
      );
    const r = runMemory(d, lines);
    expect(r.findings.map((f) => [f.entity, f.severity, f.windows.map((w) => w.w)])).toEqual([
      ['10.0.1.10', 'medium', [T0]],
    ]);
    expect(r.findings[0]!.windows[0]!.summary).toContain('cold-start limit of 1,000 distinct srcaddr');
    expect(r.notes[0]).toMatch(/^baseline needs 3 days of history; 0 available/);
  });
  it('says when hour-of-day stands in for hour-of-week', () => {
    expect(runMemory(builtin('exfiltration-baseline'), EXFIL).notes).toContain(
      'hour-of-week baseline needs 21 days; 3 available: compared with the same hour of the previous days instead',
    );
  });
});

describe('baseline statistics', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
  it('uses hour-of-week slots from 21 days on, with at most 4 weeks', () => {
    const d = builtin('exfiltration-baseline');
    const h = T0 + 30 * DAY + 3 * HOUR;
    // values one, two and three weeks before; one day before is ignored in hour-of-week mode
    const v = new Map([
      [h - 7 * DAY, 100],
      [h - 14 * DAY, 300],
      [h - 21 * DAY, 200],
      [h - DAY, 1e12],
    ]);
    const b = baselineAt(d, v, h, 22)!;
    // 22 days: floor(22/7) = 3 weeks sampled: 100, 300, 200: median 200, deviations 100, 100, 0: MAD 100
    expect([b.mode, b.periods, b.median, b.mad]).toEqual(['hour-of-week', 3, 200, 100]);
    expect(baselineAt(d, v, h, 2)).toBeUndefined();
    const day = baselineAt(d, v, h, 5)!;
    // 5 days of hour-of-day: 1e12 and four zeros: median 0
    expect([day.mode, day.periods, day.median]).toEqual(['hour-of-day', 5, 0]);
  });
});

describe('baseline definitions', () => {
  const def = (extra: string) =>
    `id: x\ntitle: X\nkind: baseline\nwindow: 3600\ngroupBy: [srcaddr]\nmetric: { sum: bytes }\nthresholds: { low: 3 }\n${extra}`;
  it('parses a user definition in flowwatch.yaml', () => {
    const text = `detections:\n  my-exfil:\n    kind: baseline\n    title: Mine\n    window: 3600\n    groupBy: [srcaddr]\n    metric: { sum: bytes }\n    baseline: { minValue: 1000, minRatio: 2 }\n    thresholds: { low: 4 }\n`;
    const d = effectiveCatalog(parseDocument(text), 'flowwatch.yaml', text).find((x) => x.id === 'my-exfil');
    expect(d).toMatchObject({
      kind: 'baseline',
      baseline: { minValue: 1000, minRatio: 2, coldStart: undefined },
    });
  });
  it('refuses a bin other than a minute or an hour', () => {
    expect(() => parseDefinitionText('f.yaml', def('baseline: {}\n').replace('3600', '600'))).toThrow(
      expect.objectContaining({ code: 'DETECT_BASELINE_BIN' }),
    );
  });
  it('refuses a missing baseline block, an unknown key in it, and baseline on another kind', () => {
    expect(() => parseDefinitionText('f.yaml', def(''))).toThrow(
      expect.objectContaining({ code: 'DETECT_MISSING_KEY' }),
    );
    expect(() => parseDefinitionText('f.yaml', def('baseline: { minValu: 3 }\n'))).toThrow(
      expect.objectContaining({ code: 'DETECT_UNKNOWN_KEY', hint: 'did you mean "minValue"?' }),
    );
    expect(() =>
      parseDefinitionText(
        'f.yaml',
        def('baseline: { minValue: 3 }\n').replace('kind: baseline', 'kind: threshold'),
      ),
    ).toThrow(expect.objectContaining({ code: 'DETECT_KIND_KEY' }));
    expect(() => parseDefinitionText('f.yaml', def('baseline: { minRatio: 0.5 }\n'))).toThrow(
      expect.objectContaining({ code: 'DETECT_TYPE' }),
    );
  });
});

describe('rollups kept at ingest', () => {
  it('give the same findings as the records, and are not counted twice when a file is ingested again', async () => {
    const d = builtin('exfiltration-baseline');
    const file = join(dir, 'rollup.log');
    writeFileSync(file, `${HEADER}\n${EXFIL.join('\n')}\n`);
    const store = await Store.open(join(dir, 'rollup.duckdb'));
    try {
      for (const ddl of ROLLUP_DDL) await store.query(ddl);
      const derive = deriveRollups([d]);
      await ingest(store, [file], { derive });
      await ingest(store, [file], { derive }); // skipped: already stored
      const notes: string[] = [];
      const run = async (sql: string) => (await store.query(sql)).rows;
      const found = await detectWithSql(
        [d],
        { engine: 'duckdb', rollups: true },
        {},
        run,
        undefined,
        (_i, m) => notes.push(m),
      );
      expect(found.map(shape)).toEqual(EXFIL_EXPECTED);
      expect(notes.some((n) => n.includes('no baseline rollups'))).toBe(false);
      // the hour of the upload: one bin of 5 GB from one file (the replies and private traffic are out of scope)
      const rows = await run(
        `SELECT k, w, value, records FROM baseline_bins WHERE w = ${T0 + 3 * DAY + 3 * HOUR}`,
      );
      expect(rows.map((r) => [r['k'], Number(r['w']), Number(r['value']), Number(r['records'])])).toEqual([
        ['10.0.0.6', T0 + 3 * DAY + 3 * HOUR, 5 * GB, 1],
      ]);
    } finally {
      store.close();
    }
  });
  it('a store whose files have none reads the records and says nothing (rollups are opt-in)', async () => {
    const d = builtin('exfiltration-baseline');
    const file = join(dir, 'norollup.log');
    writeFileSync(file, `${HEADER}\n${EXFIL.join('\n')}\n`);
    const store = await Store.open(join(dir, 'norollup.duckdb'));
    try {
      await ingest(store, [file], {});
      const notes: string[] = [];
      const found = await detectWithSql(
        [d],
        { engine: 'duckdb', rollups: true },
        {},
        async (sql) => (await store.query(sql)).rows,
        undefined,
        (_i, m) => notes.push(m),
      );
      expect(found.map(shape)).toEqual(EXFIL_EXPECTED);
      expect(notes.filter((n) => n.includes('rollups'))).toEqual([]);
    } finally {
      store.close();
    }
  });
  it('a store with some files rolled up and others not reads the records and says how many lack them', async () => {
    const d = builtin('exfiltration-baseline');
    const rolled = join(dir, 'mixed-a.log');
    const plain = join(dir, 'mixed-b.log');
    // the same records split in two files: the first with rollups, the second without
    const half = Math.ceil(EXFIL.length / 2);
    writeFileSync(rolled, `${HEADER}\n${EXFIL.slice(0, half).join('\n')}\n`);
    writeFileSync(plain, `${HEADER}\n${EXFIL.slice(half).join('\n')}\n`);
    const store = await Store.open(join(dir, 'mixed.duckdb'));
    try {
      for (const ddl of ROLLUP_DDL) await store.query(ddl);
      await ingest(store, [rolled], { derive: deriveRollups([d]) });
      await ingest(store, [plain], {});
      const notes: string[] = [];
      const found = await detectWithSql(
        [d],
        { engine: 'duckdb', rollups: true },
        {},
        async (sql) => (await store.query(sql)).rows,
        undefined,
        (_i, m) => notes.push(m),
      );
      expect(found.map(shape)).toEqual(EXFIL_EXPECTED);
      expect(notes.filter((n) => n.includes('rollups'))).toEqual([
        expect.stringMatching(
          /^1 of 2 stored files have no baseline rollups \(ingested without --baseline-rollups/,
        ),
      ]);
    } finally {
      store.close();
    }
  });
  it('flood fan-in (distinct sources) is not rollable: distinct counts do not add up across files', () => {
    expect(deriveRollups([builtin('flood-fan-in')])).toBeUndefined();
    expect(deriveRollups([builtin('flood-packets')])).toBeDefined();
  });
});
