// The store's address dictionary: every distinct source and destination address (pkt-srcaddr/pkt-dstaddr when
// logged, else srcaddr/dstaddr) of the covered files, so that a hunt reads ~1M dictionary rows instead of
// aggregating every record's two addresses. Brought up to date after each `flowwatch ingest` (and when the monitor
// stops) from the files not yet covered, by one anti-join insert; a hunt reads the dictionary plus, for files it
// does not cover yet (written before it existed, or by the monitor since its last update), their records.
// Entries are never removed with a file (`forget`, replaced files): an address no record holds any more only adds
// a candidate that the hunt's fetch of the matching records then drops. Decision record 58-hunt-dictionary.

import type { Store } from './store.js';

/** The dictionary and the marker of the files whose addresses it holds (created without a schema version bump). */
export const ADDRESS_DICTIONARY_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS address_keys (address VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS address_key_files (file_id INTEGER PRIMARY KEY)`,
];

/** Statement removing a file's coverage mark (with the file); $1 is its id. Its addresses stay (see above). */
export const DELETE_ADDRESS_KEY_FILE = 'DELETE FROM address_key_files WHERE file_id = $1';

/** The match side of a record: its packet-level address when logged, else the interface-level one. */
export const SRC_ADDRESS = 'coalesce(pkt_srcaddr, srcaddr)';
export const DST_ADDRESS = 'coalesce(pkt_dstaddr, dstaddr)';

/** Stored files the dictionary does not cover yet, by id (a store without a dictionary: undefined). */
export async function uncoveredFiles(store: Store): Promise<number[] | undefined> {
  if (!(await store.hasTable('address_key_files'))) return undefined;
  const r = await store.query(
    `SELECT id FROM files f WHERE NOT EXISTS (SELECT 1 FROM address_key_files k WHERE k.file_id = f.id) ORDER BY id`,
  );
  return r.rows.map((x) => Number(x['id']));
}

/** `file_id IN (...)` for these ids (never empty: callers check). */
export const fileIdsIn = (ids: readonly number[]): string =>
  `file_id IN (${ids.map((x) => Math.trunc(x)).join(', ')})`;

/** The update under way per database file (':memory:' stores share one line: harmless). */
const running = new Map<string, Promise<unknown>>();

/**
 * Adds the addresses of every stored file not yet covered to the dictionary (those not in it already) and marks
 * the files covered, in one transaction of the store's connection. Calls on one database file are serialised (two at
 * once would add the same addresses twice); other stores' calls do not wait for them. On a store written before the dictionary existed the first call covers every file: one
 * grouping of all stored addresses (about 4 CPU-s for 10M records), once. Returns the files covered.
 *
 * @example await updateAddressDictionary(store) // after an ingest, before the checkpoint
 */
export function updateAddressDictionary(store: Store): Promise<number> {
  const key = store.path;
  const run = (running.get(key) ?? Promise.resolve()).then(async () => {
    if (!(await store.hasTable('address_key_files'))) return 0;
    await store.query('BEGIN TRANSACTION');
    try {
      const ids = (await uncoveredFiles(store)) ?? [];
      if (ids.length === 0) {
        await store.query('COMMIT');
        return 0;
      }
      await store.query(
        `INSERT INTO address_keys
         SELECT a FROM (SELECT DISTINCT a FROM (
             SELECT ${SRC_ADDRESS} AS a FROM flows WHERE ${fileIdsIn(ids)}
             UNION ALL SELECT ${DST_ADDRESS} AS a FROM flows WHERE ${fileIdsIn(ids)})
           WHERE a IS NOT NULL) n
         WHERE NOT EXISTS (SELECT 1 FROM address_keys k WHERE k.address = n.a)`,
      );
      // A plain insert of the markers (the ids were read as uncovered in this transaction) and the commit, in one
      // call to DuckDB: `ON CONFLICT DO NOTHING` cost several times as much (see rollupFilesSql).
      await store.query(
        `INSERT INTO address_key_files VALUES ${ids.map((id) => `(${Math.trunc(id)})`).join(', ')}; COMMIT`,
      );
      return ids.length;
    } catch (err) {
      await store.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
  const settled = run.catch(() => undefined);
  running.set(key, settled);
  void settled.then(() => {
    if (running.get(key) === settled) running.delete(key);
  });
  return run;
}
