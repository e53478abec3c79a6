// The ingest time of a record whose format has no `start` (and no other time source) is the transaction's
// now(), in whole seconds *not after* now: `--last` ends at this second + 1 (exclusive), so a record stamped one
// second ahead by rounding (a DOUBLE cast to BIGINT rounds in DuckDB) was missed by a query right after the ingest.

import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../src/records/format.js';
import { eventTimeSql } from '../../src/storage/ingest-sql.js';

describe('ingest time', () => {
  it('is the whole second now() falls in, never the next one', async () => {
    // A format without ${start}: the ingest time is the only candidate.
    const { time, source } = eventTimeSql(parseFormat('${srcaddr} ${dstaddr} ${action}'), {});
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      // now() fixed at 0.9 s past 2026-01-01T00:00:00Z (unix 1767225600): the record's time is 1767225600.
      const at = (ts: string) => time.replaceAll('now()', `TIMESTAMPTZ '${ts}'`);
      const r = await c.runAndReadAll(
        `SELECT ${at('2026-01-01 00:00:00.9+00')} AS late, ${at('2026-01-01 00:00:00.1+00')} AS early, ${source} AS s`,
      );
      expect(r.getRowObjectsJS()).toEqual([{ late: 1767225600n, early: 1767225600n, s: 'ingest' }]);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
});
