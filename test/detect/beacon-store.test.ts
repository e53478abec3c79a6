// A beacon finding stored and read back: its summary survives the store (kept in the windows JSON) and shows
// in the list and detail JSON; a re-run changes nothing; the evidence query returns the pair's records.
// Records: the first beacon case of cases.ts (every 300 s for 12 h from 10.0.1.5 to 198.51.100.7:443).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { builtinCatalog } from '../../src/detect/catalog.js';
import { findingDetailJson, findingJson, storeFindings } from '../../src/detect/findings.js';
import { detectWithSql, type RunSql } from '../../src/detect/run.js';
import { ingest } from '../../src/ingest/ingest.js';
import { getFinding, listFindings } from '../../src/storage/findings.js';
import { Store } from '../../src/storage/store.js';
import { io } from '../support/capture-io.js';
import { HEADER, rec, T } from './cases.js';

let dir: string;
let store: Store;
const beacon = builtinCatalog().filter((d) => d.id === 'beacon');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-beacon-'));
  store = await Store.open(join(dir, 's.duckdb'));
  const lines = Array.from({ length: 144 }, (_, i) =>
    rec('eni-b', '10.0.1.5', '198.51.100.7', 40000 + i, 443, 6, 'ACCEPT', T + i * 300, 640),
  );
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  await ingest(store, [join(dir, 'f.log')], {});
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const run: RunSql = async (sql) => (await store.query(sql)).rows;
const now = T + 200_000;
async function detect() {
  const found = await detectWithSql(beacon, { engine: 'duckdb' }, {}, run);
  return storeFindings(store, beacon, found, { engine: 'duckdb' }, run, T + 50_000, now);
}

describe('a stored beacon finding', () => {
  it('keeps its summary, and a re-run changes nothing', async () => {
    expect((await detect()).created).toBe(1);
    const [f] = await listFindings(store);
    const json = findingJson(f!, now);
    expect(json).toMatchObject({
      detection: 'beacon',
      entity: '10.0.1.5',
      severity: 'high',
      peak: 100,
      summary: 'every 300 s ± 0%, 640 B each, for 11.9 h (144 check-ins)',
    });
    const again = await detect();
    expect([again.created, again.updated, again.unchanged]).toEqual([0, 0, 1]);
    const detail = findingDetailJson((await getFinding(store, f!.id))!, now);
    expect(detail.summary).toBe(json.summary);
    expect(detail.evidence.count).toBe(144);
    expect((await store.query(detail.evidence.query)).rows).toHaveLength(144);
  });
});

describe('flowwatch detections show beacon', () => {
  it('prints the beacon keys beside the thresholds', async () => {
    const c = io();
    expect(await main(['detections', 'show', 'beacon', '--config', join(dir, 'none.yaml')], c)).toBe(0);
    expect(c.stdout).toContain('beacon score (0-100)');
    expect(c.stdout).toContain('≥ 4 connections; a record within 120 s');
    expect(c.stdout).toContain('> 50% of sources (and ≥ 3) reach is shared');
    expect(c.stdout).toContain('allow       dstport = 123');
  });
});
