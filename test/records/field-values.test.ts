// Tests no record can pass because of a value's spelling (records/field-values.ts) in the three languages: Logs
// Insights, SQL and filter patterns. The documented values come from the spec digest (flow-log-records.md): action
// ACCEPT/REJECT, log-status OK/NODATA/SKIPDATA, flow-direction ingress/egress, type IPv4/IPv6/EFA; every
// comparison is case-sensitive in AWS (logs-insights.md, filter-patterns.md).

import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../src/filter/index.js';
import { parseQuery } from '../../src/insights/parser.js';
import { valueWarnings } from '../../src/insights/value-check.js';
import { checkMetricFilter } from '../../src/metrics/metric-filter.js';
import { fitFilter } from '../../src/metrics/pattern-rewrite.js';
import { patternValueProblems } from '../../src/metrics/pattern-values.js';
import { field } from '../../src/records/catalog.js';
import { valueWarning } from '../../src/records/field-values.js';
import { DEFAULT, parseFormat } from '../../src/records/format.js';
import { sqlValueWarnings } from '../../src/storage/missing-fields.js';
import { runMain } from '../support/capture-io.js';

const SSH = (action: string) =>
  `[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = ${action}, flowlogstatus]`;

describe('valueWarning', () => {
  it('names the documented values and the likely meant one, only for values that cannot match', () => {
    expect(valueWarning(field('action'), 'action', 'reject')).toBe(
      'action is never "reject": its values are ACCEPT and REJECT, and comparisons are case-sensitive (did you mean "REJECT"?); as written the test matches no record',
    );
    expect(valueWarning(field('action'), 'action', 'REJECT')).toBeUndefined();
    expect(valueWarning(field('log-status'), 'logStatus', 'DENY')).toBe(
      'logStatus is never "DENY": its values are OK, NODATA and SKIPDATA, and comparisons are case-sensitive; as written the test matches no record',
    );
    expect(valueWarning(field('flow-direction'), 'flowDirection', 'Ingress', { negated: true })).toContain(
      '(did you mean "ingress"?); as written the test holds for every record',
    );
    // `-` is how a missing value is written; a field without documented values is never checked.
    expect(valueWarning(field('action'), 'action', '-')).toBeUndefined();
    expect(valueWarning(field('srcaddr'), 'srcaddr', 'anything')).toBeUndefined();
  });

  it('reads * as a wildcard for filter patterns', () => {
    expect(valueWarning(field('action'), 'action', 'REJ*', { glob: true })).toBeUndefined();
    expect(valueWarning(field('action'), 'action', 'rej*', { glob: true })).toContain(
      '(did you mean "REJECT"?)',
    );
    // Without glob, * is a plain character.
    expect(valueWarning(field('action'), 'action', 'REJ*')).toContain('is never "REJ*"');
  });
});

describe('Logs Insights', () => {
  const warn = (q: string) => valueWarnings(parseQuery(q));

  it('warns for =, != and in with an impossible value, on either side', () => {
    expect(warn('filter action = "reject" | stats count(*)')).toEqual([
      valueWarning(field('action'), 'action', 'reject'),
    ]);
    expect(warn('filter "egress " = flowDirection')).toEqual([
      valueWarning(field('flow-direction'), 'flowDirection', 'egress '),
    ]);
    expect(warn('filter type != "ipv6"')).toEqual([
      valueWarning(field('type'), 'type', 'ipv6', { negated: true }),
    ]);
    const [w] = warn('filter logStatus in ["OK", "nodata"]');
    expect(w).toContain('logStatus is never "nodata"');
    expect(w).toContain('that item matches no record');
  });

  it('is quiet for the documented spellings and for fields without documented values', () => {
    expect(
      warn(
        'filter action = "REJECT" and logStatus in ["OK", "SKIPDATA"] and srcAddr = "x" | stats count(*) by type',
      ),
    ).toEqual([]);
  });

  it('explains that % is no wildcard in like, with the substring and the regular expression to write', () => {
    expect(warn('filter srcAddr like "10.0.1.%"')).toEqual([
      'like "10.0.1.%" looks for the text "10.0.1.%" itself: in Logs Insights, like "text" is a case-sensitive substring test and % is not a wildcard (SQL\'s LIKE); write like "10.0.1." for a substring, or a regular expression such as like /^10\\.0\\.1\\./',
    ]);
    expect(warn('filter srcAddr like "%.0.1.%"')[0]).toContain('like /\\.0\\.1\\./');
    expect(warn('filter srcAddr like "10.0.1."')).toEqual([]);
  });

  it('reaches the CLI: the answer is 0 and the warning says why', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'fw-values-'));
    try {
      writeFileSync(
        join(dir, 'a.log'),
        '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 40 1716199200 1716199260 REJECT OK\n',
      );
      const db = join(dir, 's.duckdb');
      expect((await runMain(['ingest', join(dir, 'a.log'), '--db', db])).code).toBe(0);
      const q = await runMain([
        'query',
        'filter action = "reject" | stats count(*) as n',
        '--db',
        db,
        '-o',
        'json',
      ]);
      expect(JSON.parse(q.out)).toEqual([{ n: 0 }]);
      expect(q.err).toContain('warning: action is never "reject"');
      const s = await runMain(['sql', "SELECT count(*) AS n FROM flows WHERE action = 'reject'", '--db', db]);
      expect(s.err).toContain('warning: action is never "reject"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQL', () => {
  it('reads col = literal, literal = col, <>, != and [NOT] IN outside comments', () => {
    expect(sqlValueWarnings("SELECT count(*) FROM flows WHERE action = 'reject'")).toEqual([
      valueWarning(field('action'), 'action', 'reject'),
    ]);
    expect(sqlValueWarnings("SELECT 1 FROM flows WHERE 'Egress' = flow_direction")).toEqual([
      valueWarning(field('flow-direction'), 'flow_direction', 'Egress'),
    ]);
    expect(sqlValueWarnings('SELECT 1 FROM flows WHERE "action" <> \'accept\'')[0]).toContain(
      'as written the test holds for every record',
    );
    const [w] = sqlValueWarnings("SELECT 1 FROM flows WHERE log_status NOT IN ('OK', 'skipdata')");
    expect(w).toContain('log_status is never "skipdata"');
    expect(sqlValueWarnings("SELECT 1 FROM flows -- action = 'reject'\nWHERE action = 'REJECT'")).toEqual([]);
    // A column of another name that ends like one (my_action) is not the field.
    expect(sqlValueWarnings("SELECT 1 FROM t WHERE my_action = 'reject'")).toEqual([]);
  });
});

describe('filter patterns', () => {
  it('checks a [...] slot as the field it is named after or sits at', () => {
    const [p] = patternValueProblems(parsePattern(SSH('reject')));
    expect(p).toEqual({
      message: valueWarning(field('action'), 'action', 'reject', { glob: true }),
      matchesNothing: true,
    });
    // Named "verdict", at the position of action in the default format.
    const [q] = patternValueProblems(parsePattern('[..., verdict = Reject, status]'));
    expect(q?.message).toContain('verdict (action) is never "Reject"');
    expect(patternValueProblems(parsePattern(SSH('REJECT')))).toEqual([]);
    expect(patternValueProblems(parsePattern('[..., action = REJ*, status]'))).toEqual([]);
    // `!=` holds for every line: a problem, but not a zero.
    expect(patternValueProblems(parsePattern('[..., action != reject, status]'))[0]?.matchesNothing).toBe(
      false,
    );
    // One impossible branch of an || is not a zero: left alone.
    expect(patternValueProblems(parsePattern('[..., action = reject || action = REJECT, status]'))).toEqual(
      [],
    );
  });

  it('checks terms against the documented values', () => {
    expect(patternValueProblems(parsePattern('reject'))).toEqual([
      {
        message:
          'the term "reject" never appears in a flow log line, which writes "REJECT": terms are case-sensitive; as written the pattern matches no line',
        matchesNothing: true,
      },
    ]);
    expect(patternValueProblems(parsePattern('REJECT'))).toEqual([]);
    expect(patternValueProblems(parsePattern('-nodata'))[0]?.matchesNothing).toBe(false);
  });

  it('makes a metric filter "cannot apply" on every format, with the reason', () => {
    const checked = checkMetricFilter({
      name: 'ssh',
      pattern: SSH('reject'),
      metricNamespace: 'FlowLogs',
      metricName: 'RejectedSSH',
      metricValue: '1',
    });
    for (const format of [
      DEFAULT,
      parseFormat('${version} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${action} ${log-status}'),
    ]) {
      const fit = fitFilter(checked, format);
      expect(fit.status).toBe('cannot');
      expect(fit.status === 'cannot' && fit.code).toBe('NEVER_MATCHES');
    }
    const good = checkMetricFilter({ ...checked.filter, pattern: SSH('REJECT') });
    expect(fitFilter(good, DEFAULT).status).toBe('fits');
  });

  it('test-pattern and metric-filter put warn on stderr', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'fw-values-mf-'));
    try {
      const put = await runMain([
        'metric-filter',
        'put',
        '--config',
        join(dir, 'fw.yaml'),
        '--name',
        'ssh',
        '--pattern',
        SSH('reject'),
        '--namespace',
        'FlowLogs',
        '--metric-name',
        'RejectedSSH',
      ]);
      expect(put.code).toBe(0);
      expect(put.err).toContain('warning: action is never "reject"');
      const t = await runMain(['test-pattern', '--count', 'reject', '--file', join(dir, 'fw.yaml')]);
      expect(t.err).toContain('warning: the term "reject" never appears in a flow log line');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
