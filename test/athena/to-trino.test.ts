// Golden tests of the Trino backend of Logs Insights over library queries, and what it refuses. Expected SQL
// written by hand from the plan's stages (filter → stats → sort/limit → output) in Trino syntax.

import { describe, expect, it } from 'vitest';
import { analyze, findLibraryQuery, InsightsError, parseQuery } from '../../src/insights/index.js';
import { toTrino } from '../../src/insights/to-trino.js';

const COLUMNS = [
  'version',
  'account_id',
  'interface_id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log_status',
];
const NOW = 1716200000;
/** The source relation: string columns read AWS's `-` placeholder as NULL (text tables keep it as text). */
const SOURCE =
  `SELECT v."version", nullif(v."account_id", '-') AS "account_id", nullif(v."interface_id", '-') AS "interface_id", ` +
  `nullif(v."srcaddr", '-') AS "srcaddr", nullif(v."dstaddr", '-') AS "dstaddr", v."srcport", v."dstport", ` +
  `v."protocol", v."packets", v."bytes", v."start", v."end", nullif(v."action", '-') AS "action", ` +
  `nullif(v."log_status", '-') AS "log_status", from_unixtime(v."start") AS "__ts"`;
const trino = (q: string, env: Partial<Parameters<typeof toTrino>[1]> = {}) =>
  toTrino(analyze(parseQuery(q), NOW), { table: 'vpc_flow_logs', columns: COLUMNS, ...env });
const lib = (name: string) => findLibraryQuery(name)!.query;

describe('to-trino', () => {
  it('top-rejected-sources', () => {
    expect(trino(lib('top-rejected-sources'))).toBe(
      [
        `WITH s0 AS (${SOURCE} FROM "vpc_flow_logs" v),`,
        `s1 AS (SELECT * FROM s0 WHERE ("action" = 'REJECT')),`,
        's2 AS (SELECT "srcaddr" AS "_c1", count(*) AS "_c2" FROM s1 GROUP BY 1),',
        's3 AS (SELECT * FROM s2 ORDER BY "_c2" DESC NULLS LAST, "_c1" ASC NULLS LAST LIMIT 20)',
        'SELECT t."_c1" AS "srcAddr", t."_c2" AS "numRejections" FROM s3 t ORDER BY t."_c2" DESC NULLS LAST, t."_c1" ASC NULLS LAST LIMIT 100000',
      ].join('\n'),
    );
  });

  it('ssh-attempts', () => {
    expect(trino(lib('ssh-attempts'))).toBe(
      [
        `WITH s0 AS (${SOURCE} FROM "vpc_flow_logs" v),`,
        's1 AS (SELECT * FROM s0 WHERE (("protocol" = 6) AND ("dstport" = 22))),',
        's2 AS (SELECT "srcaddr" AS "_c1", "action" AS "_c2", count(*) AS "_c3", count(DISTINCT "dstaddr") AS "_c4" FROM s1 GROUP BY 1, 2),',
        's3 AS (SELECT * FROM s2 ORDER BY "_c3" DESC NULLS LAST, "_c1" ASC NULLS LAST, "_c2" ASC NULLS LAST LIMIT 20)',
        'SELECT t."_c1" AS "srcAddr", t."_c2" AS "action", t."_c3" AS "attempts", t."_c4" AS "targets" FROM s3 t ORDER BY t."_c3" DESC NULLS LAST, t."_c1" ASC NULLS LAST, t."_c2" ASC NULLS LAST LIMIT 100000',
      ].join('\n'),
    );
  });

  it('skipdata-per-hour, with a time range and an injected partition', () => {
    expect(
      trino(lib('skipdata-per-hour'), {
        table: 'flowlogs.vpc_flow_logs',
        since: 1716163200,
        until: 1716249599,
        partitionFilter: `"acct" = '111122223333'`,
      }),
    ).toBe(
      [
        `WITH s0 AS (${SOURCE} FROM "flowlogs"."vpc_flow_logs" v WHERE v."start" >= 1716163200 AND v."start" <= 1716249599 AND ("acct" = '111122223333')),`,
        `s1 AS (SELECT * FROM s0 WHERE ("log_status" = 'SKIPDATA')),`,
        's2 AS (SELECT from_unixtime("start" - ("start" % 3600)) AS "_c1", count(*) AS "_c2" FROM s1 GROUP BY 1)',
        `SELECT substr(date_format(t."_c1", '%Y-%m-%d %H:%i:%s.%f'), 1, 23) AS "t", t."_c2" AS "count(*)" FROM s2 t ORDER BY t."_c1" DESC NULLS LAST, t."_c1" ASC NULLS LAST LIMIT 10000`,
      ].join('\n'),
    );
  });

  it('IPv4 subnets: a text guard, then the partial octet by integer division', () => {
    const sql = trino('filter isIpv4InSubnet(srcAddr, "10.0.0.0/12") | fields srcAddr');
    expect(sql).toContain(
      `(CASE WHEN strpos("srcaddr", '10.') = 1 THEN coalesce(regexp_like("srcaddr", '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$') AND TRY_CAST(split_part("srcaddr", '.', 2) AS INTEGER) / 16 = 0, false) ELSE false END)`,
    );
  });

  it('refuses what Trino cannot render, with a stable code', () => {
    for (const q of [
      'parse @message "* *" as a, b | fields a',
      'fields @ingestionTime',
      'filter isIpv6InSubnet(srcAddr, "2001:db8::/32")',
    ]) {
      let err: unknown;
      try {
        trino(q);
      } catch (e) {
        err = e;
      }
      expect(err, q).toBeInstanceOf(InsightsError);
      expect((err as InsightsError).code).toBe('INSIGHTS_NO_TRINO');
    }
  });
});
