// Runs every Logs Insights conformance case of cases.ts against its dataset store.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from '../../src/insights/index.js';
import { Store } from '../../src/storage/store.js';
import { CASES, type InsightsCase, isErrorCase } from './cases.js';
import { type DatasetName, type OpenDataset, openDataset } from './datasets.js';

const datasetOf = (c: InsightsCase): DatasetName => c.dataset ?? 'default';

/**
 * Each dataset's store, ingested once and opened once read-only, as runQuery opens a path (the ~250 cases are about
 * the language: one DuckDB instance per case cost ~4 CPU-s).
 */
const stores = new Map<DatasetName, OpenDataset & { store: Store }>();
beforeAll(async () => {
  for (const name of new Set(CASES.map(datasetOf))) {
    const d = await openDataset(name);
    stores.set(name, { ...d, store: await Store.open(d.path, { readOnly: true }) });
  }
});
afterAll(() => {
  for (const s of stores.values()) {
    s.store.close();
    s.cleanup();
  }
});

/** 64-bit integers may come back as bigint; compare them as numbers (every value here is far below 2^53). */
const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

/**
 * The actual cell, replaced by the expected one when both are numbers and the expected value is not an
 * integer and they agree to 9 decimal places (toBeCloseTo(…, 9)), so that one toEqual shows the whole table.
 */
function cell(actual: unknown, expected: unknown): unknown {
  const a = plain(actual);
  if (
    typeof expected === 'number' &&
    !Number.isInteger(expected) &&
    typeof a === 'number' &&
    Math.abs(a - expected) < 10 ** -9 / 2
  ) {
    return expected;
  }
  return a;
}

describe('Logs Insights conformance cases', () => {
  it('has at least 120 cases, with unique names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(120);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const store = stores.get(datasetOf(c))!.store;
      if (isErrorCase(c)) {
        let err: unknown;
        try {
          await runQuery(store, c.query);
        } catch (e) {
          err = e;
        }
        expect(err, `expected ${c.error.code} for: ${c.query}`).toBeDefined();
        const e = err as { code?: unknown; start?: unknown; end?: unknown };
        expect(e.code).toBe(c.error.code);
        if (c.error.start !== undefined) expect(e.start).toBe(c.error.start);
        if (c.error.end !== undefined) expect(e.end).toBe(c.error.end);
        return;
      }
      const result = await runQuery(store, c.query);
      expect(result.columns).toEqual(c.expect.columns);
      const rows = result.rows.map((r, i) =>
        c.expect.columns.map((col, j) => cell(r[col], c.expect.rows[i]?.[j])),
      );
      expect(rows).toEqual(c.expect.rows);
    });
  }
});
