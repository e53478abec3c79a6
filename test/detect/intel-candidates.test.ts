// known-bad-address through the run's intel candidates (intelCandidates once per run, SqlSource.intelCandidates):
// the same findings and evidence samples as the matcher keying every address itself, with untimed indicators
// (one candidate per address: the matcher's join form) and with timed ones (STIX validity: the general form); the
// evidence query stored with a finding never names the temporary table. Records are hand-made (cases.ts).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/detect/catalog.js';
import { storeFindings } from '../../src/detect/findings.js';
import { detectWithSql, type RunSql } from '../../src/detect/run.js';
import { hitsSql, type SqlSource } from '../../src/detect/to-sql.js';
import { parsePlainList } from '../../src/enrich/feeds/plain-list.js';
import type { Indicator } from '../../src/enrich/indicator.js';
import { ingest } from '../../src/ingest/ingest.js';
import { listFindings } from '../../src/storage/findings.js';
import { CANDIDATES_TABLE, intelCandidates, saveFeed } from '../../src/storage/intel.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec, T } from './cases.js';

let dir: string;
let store: Store;
const catalog = builtinCatalog()
  .filter((d) => d.id === 'known-bad-address')
  .map((d) => ({ ...d, enabled: true }));
const d = catalog[0]!;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cands-'));
  store = await Store.open(join(dir, 's.duckdb'));
  const lines = [
    // 10.0.1.5 with 198.51.100.7: out (700 B), the reply (800), an unlisted address (900), out again (1000)
    rec('eni-k', '10.0.1.5', '198.51.100.7', 40000, 443, 6, 'ACCEPT', T + 30, 700),
    rec('eni-k', '198.51.100.7', '10.0.1.5', 443, 40000, 6, 'ACCEPT', T + 40, 800),
    rec('eni-k', '10.0.1.5', '8.8.8.8', 40002, 443, 6, 'ACCEPT', T + 45, 900),
    rec('eni-k', '10.0.1.5', '198.51.100.7', 40001, 443, 6, 'ACCEPT', T + 50, 1000),
    // 10.0.1.6 with 198.51.100.9 at T+60 (1100 B)
    rec('eni-k', '10.0.1.6', '198.51.100.9', 40003, 443, 6, 'ACCEPT', T + 60, 1100),
  ];
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  await ingest(store, [join(dir, 'f.log')], {});
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const run: RunSql = async (sql) => (await store.query(sql)).rows;

async function feed(name: string, indicators: readonly Indicator[]): Promise<void> {
  await saveFeed(store, {
    name,
    format: 'list',
    source: `${name}.txt`,
    sha256: name,
    licence: 'test',
    indicators,
    skipped: 0,
    revoked: 0,
  });
}

/** Findings of known-bad-address over [T, T + 3600), stored: entity → [evidence count, sample bytes]. */
async function detectAndStore(src: SqlSource): Promise<Record<string, [number, number[]]>> {
  const range = { since: T, until: T + 3600 };
  const found = await detectWithSql(catalog, src, range, run);
  await storeFindings(store, catalog, found, src, run, T + 3600, T + 100_000);
  const out: Record<string, [number, number[]]> = {};
  for (const f of await listFindings(store))
    out[f.entity] = [f.evidenceCount, f.sample.map((r) => Number(r['bytes']))];
  return out;
}

/** The same run without the candidates, on the same records (the findings of the first run deleted). */
async function withoutCandidates(): Promise<Record<string, [number, number[]]>> {
  await store.query('DELETE FROM findings');
  return detectAndStore({ engine: 'duckdb', shareScan: true });
}

describe('known-bad-address through the run intel candidates', () => {
  it('untimed indicators: one candidate per address, same findings and samples', async () => {
    await feed('case', parsePlainList('198.51.100.0/24\n').indicators);
    const c = await intelCandidates(store, { since: T, until: T + 3600 });
    expect(c).toEqual({ addresses: 2, oneEach: true });
    const src: SqlSource = {
      engine: 'duckdb',
      shareScan: true,
      intelCandidates: { table: CANDIDATES_TABLE, oneEach: true, since: T, until: T + 3600 },
    };
    // the hits query reads the table (the path is taken) ...
    expect(hitsSql(src, d, { since: T, until: T + 3600 })).toContain(CANDIDATES_TABLE);
    // ... but not for a range reaching outside the candidates' (an address of that hour may be missing)
    expect(hitsSql(src, d, { since: T - 3600, until: T + 3600 })).not.toContain(CANDIDATES_TABLE);
    const got = await detectAndStore(src);
    // 10.0.1.5: the three records with 198.51.100.7 (not 8.8.8.8), in event-time order; 10.0.1.6: one
    expect(got).toEqual({ '10.0.1.5': [3, [700, 800, 1000]], '10.0.1.6': [1, [1100]] });
    // the stored evidence query stands alone: it runs (and gives the sample) once the table is gone
    await store.dropTempTable(CANDIDATES_TABLE);
    for (const f of await listFindings(store)) {
      expect(f.evidenceSql).not.toContain(CANDIDATES_TABLE);
      expect((await store.query(f.evidenceSql)).rows.map((r) => Number(r['bytes']))).toEqual(
        f.sample.map((r) => Number(r['bytes'])),
      );
    }
    expect(await withoutCandidates()).toEqual(got);
  });

  it('timed indicators: the general form honours their validity alike', async () => {
    await feed('case', parsePlainList('198.51.100.7\n').indicators);
    // 198.51.100.9 listed only until T+50 (its record at T+60 is not a match); 198.51.100.7 listed twice
    const [nine, seven] = parsePlainList('198.51.100.9\n198.51.100.7\n').indicators;
    await feed('timed', [
      { ...nine!, validUntil: T + 50 },
      { ...seven!, validFrom: T + 45 },
    ]);
    const c = await intelCandidates(store, { since: T, until: T + 3600 });
    expect(c.oneEach).toBe(false);
    const got = await detectAndStore({
      engine: 'duckdb',
      shareScan: true,
      intelCandidates: { table: CANDIDATES_TABLE, oneEach: false, since: T, until: T + 3600 },
    });
    expect(got).toEqual({ '10.0.1.5': [3, [700, 800, 1000]] });
    expect(await withoutCandidates()).toEqual(got);
  });
});
