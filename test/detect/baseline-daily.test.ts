// The daily-bin baseline (exfiltration-daily): a slow trickle under 1 GiB in every hour is found by its day's
// total against the host's previous days; a nightly backup of the same size every night is not. Expected values
// are worked out by hand in the comments; DuckDB SQL over the store and the in-memory evaluator.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateBaseline } from '../../src/detect/baseline.js';
import { builtinCatalog } from '../../src/detect/catalog.js';
import type { BaselineDetection } from '../../src/detect/definition.js';
import { episodes } from '../../src/detect/episodes.js';
import type { DetectRecord } from '../../src/detect/evaluate.js';
import { detectWithSql } from '../../src/detect/run.js';
import { ingest } from '../../src/ingest/ingest.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec } from './cases.js';

const DAY = 86_400;
const HOUR = 3600;
/** 2024-05-20T00:00:00Z, a Monday. */
const T0 = 1716163200;
const GB = 1e9;
const MB = 1e6;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-baseline-daily-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const builtin = (id: string) => builtinCatalog().find((d) => d.id === id) as BaselineDetection;

// backup 10.0.0.5 sends 13 GB at 02:00 on days 0-4; host 10.0.0.6 sends 100 MB at 12:00 on days 0-3 and
// 800 MB at each of 10:00, 11:00, 12:00 and 13:00 on day 4 (3.2 GB; under 1 GiB in every hour).
// History from day 0 02:00. Day 4's bin (T0 + 4 d): floor((4 d − 2 h) / 1 d) = 3 days: hour-of-day mode over
// days 1-3 (the previous 3 days' totals).
//   host: samples 100, 100, 100 MB: median 100 MB, MAD 0, σ = max(0, 10 MB, 1% of 2 GiB = 21 474 836.48) =
//     21.47 MB; z = (3.2e9 − 1e8) / 21 474 836.48 = 144.3549987 → 144.35 ≥ 50 (critical); 3.2 GB ≥ 2 GiB and ≥ 10 × 100 MB.
//   backup: samples 13, 13, 13 GB, x = 13 GB: z = 0.
//   day 3 and before: under 3 days (cold start), nothing near the 1 TiB cold-start limit.
// The hourly exfiltration-baseline finds nothing: no hour reaches 1 GiB.
const RECORDS: string[] = [];
for (let day = 0; day < 5; day++) {
  const t = T0 + day * DAY;
  RECORDS.push(rec('eni-b', '10.0.0.5', '198.51.100.7', 44000, 443, 6, 'ACCEPT', t + 2 * HOUR, 13 * GB));
  if (day < 4)
    RECORDS.push(rec('eni-h', '10.0.0.6', '203.0.113.9', 50000, 443, 6, 'ACCEPT', t + 12 * HOUR, 100 * MB));
}
for (let h = 10; h < 14; h++)
  RECORDS.push(
    rec('eni-h', '10.0.0.6', '203.0.113.9', 50000 + h, 443, 6, 'ACCEPT', T0 + 4 * DAY + h * HOUR, 800 * MB),
  );

const EXPECTED = {
  detection: 'exfiltration-daily',
  entity: '10.0.0.6',
  severity: 'critical',
  windows: [T0 + 4 * DAY],
  peak: 144.35,
  summary: "3.2 GB, 144.4σ above 10.0.0.6's daily baseline of 100 MB (median of 3 days, σ 21.5 MB)",
};

describe('exfiltration-daily', () => {
  it.each([
    ['', false],
    [' as detect runs it (hourly and daily bins from one shared pre-aggregate)', true],
  ])(
    'finds the slow trickle and not the nightly backup (DuckDB SQL, with the hourly detection beside it)%s',
    async (_name, shareScan) => {
      const file = join(dir, `daily-${shareScan}.log`);
      writeFileSync(file, `${HEADER}\n${RECORDS.join('\n')}\n`);
      const store = await Store.open(join(dir, `daily-${shareScan}.duckdb`));
      try {
        await ingest(store, [file], {});
        const found = await detectWithSql(
          [builtin('exfiltration-baseline'), builtin('exfiltration-daily')],
          { engine: 'duckdb', shareScan },
          {},
          async (sql) => (await store.query(sql)).rows,
        );
        expect(
          found.map((f) => ({
            detection: f.detection,
            entity: f.entity,
            severity: f.severity,
            windows: f.windows.map((w) => w.w),
            peak: f.peak,
            summary: f.windows[0]!.summary,
          })),
        ).toEqual([EXPECTED]);
      } finally {
        store.close();
      }
    },
  );

  it('the in-memory evaluator agrees', () => {
    const d = builtin('exfiltration-daily');
    const records: DetectRecord[] = RECORDS.map((line) => {
      const p = line.split(' ');
      return {
        srcaddr: p[3],
        dstaddr: p[4],
        srcport: Number(p[5]),
        dstport: Number(p[6]),
        protocol: Number(p[7]),
        packets: Number(p[8]),
        bytes: Number(p[9]),
        start: Number(p[10]),
        end: Number(p[11]),
        action: p[12],
        event_time: Number(p[10]),
      };
    });
    const r = evaluateBaseline(d, records, {});
    const f = episodes(d, r.hits);
    expect(f.map((x) => [x.entity, x.severity, x.peak, x.windows[0]!.summary])).toEqual([
      [EXPECTED.entity, EXPECTED.severity, EXPECTED.peak, EXPECTED.summary],
    ]);
    expect(r.notes[0]).toMatch(/^baseline needs 3 days of history; 0 available/);
  });
});
