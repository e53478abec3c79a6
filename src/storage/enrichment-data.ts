// Enrichment data the user loads into the store (AWS ip-ranges.json): the latest copy of each kind, with where it
// came from and when it was published.

import type { Store } from './store.js';

/** A stored enrichment file. */
export interface EnrichmentData {
  readonly kind: string;
  readonly source: string;
  readonly loadedAt: string;
  /** The publication time the file states, as written (e.g. createDate). */
  readonly published: string | null;
  readonly body: string;
}

/** Stores (replacing) the data of a kind. */
export async function saveEnrichmentData(
  store: Store,
  kind: string,
  source: string,
  published: string | null,
  body: string,
): Promise<void> {
  await store.query(
    `INSERT INTO enrichment_data VALUES ($1, $2, now(), $3, $4)
     ON CONFLICT (kind) DO UPDATE SET source = excluded.source, loaded_at = excluded.loaded_at,
       published = excluded.published, body = excluded.body`,
    [kind, source, published, body],
  );
}

/** The stored data of a kind, or undefined (also on a read-only store older than the table). */
export async function enrichmentData(store: Store, kind: string): Promise<EnrichmentData | undefined> {
  if (!(await store.hasTable('enrichment_data'))) return undefined;
  const r = await store.query(
    `SELECT kind, source, CAST(loaded_at AS VARCHAR) AS loaded_at, published, body FROM enrichment_data WHERE kind = $1`,
    [kind],
  );
  const x = r.rows[0];
  if (!x) return undefined;
  return {
    kind: String(x['kind']),
    source: String(x['source']),
    loadedAt: String(x['loaded_at']),
    published: x['published'] === null ? null : String(x['published']),
    body: String(x['body']),
  };
}
