// The AWS account a notification speaks for when flowwatch.yaml does not say (monitor.account unset): the most
// common 12-digit account-id among the records of the alarm's periods, else among the stored files' S3 keys,
// else among all stored records.

import type { Store } from '../storage/store.js';

/** The placeholder account of an unset `monitor.account` (not a real AWS account). */
export const UNSET_ACCOUNT = '000000000000';

const TWELVE_DIGITS = `'^[0-9]{12}$'`;

/**
 * The most common account id of the records in [since, until) (by `start`), else of the stored files (from
 * their S3 keys), else of every stored record; undefined when none carries one.
 *
 * @example await recordsAccount(store, t0, t1) // '123456789012'
 */
export async function recordsAccount(
  store: Store,
  since: number,
  until: number,
): Promise<string | undefined> {
  const first = async (sql: string, params: (number | string)[] = []) => {
    const r = await store.query(sql, params);
    const v = r.rows[0]?.['a'];
    return v == null ? undefined : String(v);
  };
  return (
    (await first(
      `SELECT account_id AS a FROM flows
       WHERE event_time >= $1 AND event_time < $2 AND regexp_full_match(account_id, ${TWELVE_DIGITS})
       GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
      [since, until],
    )) ??
    (await first(
      `SELECT account AS a FROM files WHERE regexp_full_match(account, ${TWELVE_DIGITS})
       GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    )) ??
    (await first(
      `SELECT account_id AS a FROM flows WHERE regexp_full_match(account_id, ${TWELVE_DIGITS})
       GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    ))
  );
}
