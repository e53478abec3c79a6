// Values of the wrong shape for their field (records/field-values.ts), which match nothing in silence: a port or
// protocol by name (flow logs record numbers: the spec's srcport/dstport "port", protocol "IANA protocol number"),
// an IPv6 address or an ID in upper case (AWS writes them in lower case, and comparisons are case-sensitive), a CIDR
// block compared with = to a field holding one address. Expected numbers from IANA's registries: ssh 22, https 443,
// rdp 3389; tcp 6, udp 17, icmp 1.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../src/filter/index.js';
import { parseQuery } from '../../src/insights/parser.js';
import { valueWarnings } from '../../src/insights/value-check.js';
import { checkMetricFilter } from '../../src/metrics/metric-filter.js';
import { fitFilter } from '../../src/metrics/pattern-rewrite.js';
import { patternValueProblems } from '../../src/metrics/pattern-values.js';
import { field } from '../../src/records/catalog.js';
import { logStreamWarning, valueWarning } from '../../src/records/field-values.js';
import { DEFAULT } from '../../src/records/format.js';
import { sqlValueWarnings } from '../../src/storage/missing-fields.js';
import { runMain } from '../support/capture-io.js';

const PATTERN = (dstport: string, protocol: string) =>
  `[version, account, eni, source, destination, srcport, destport = ${dstport}, protocol = ${protocol}, packets, bytes, windowstart, windowend, action, flowlogstatus]`;

describe('valueWarning on fields with a shape', () => {
  it('a port or protocol by name, with the number meant', () => {
    expect(valueWarning(field('dstport'), 'dstPort', 'ssh')).toBe(
      'dstPort is never "ssh": flow logs record port numbers, not service names (did you mean 22?); as written the test matches no record',
    );
    expect(valueWarning(field('srcport'), 'srcport', 'HTTPS')).toContain('(did you mean 443?)');
    expect(valueWarning(field('dstport'), 'dstport', 'my-app')).toBe(
      'dstport is never "my-app": flow logs record port numbers, not service names; as written the test matches no record',
    );
    expect(valueWarning(field('protocol'), 'protocol', 'TCP')).toBe(
      'protocol is never "TCP": flow logs record the IANA protocol number, not its name (did you mean 6?); as written the test matches no record',
    );
    expect(valueWarning(field('protocol'), 'protocol', 'udp', { negated: true })).toContain(
      '(did you mean 17?); as written the test holds for every record',
    );
    // Numbers (also as strings) can match; `-` is a missing value.
    expect(valueWarning(field('dstport'), 'dstPort', '22')).toBeUndefined();
    expect(valueWarning(field('protocol'), 'protocol', '6')).toBeUndefined();
    expect(valueWarning(field('dstport'), 'dstPort', '-')).toBeUndefined();
  });

  it('upper-case IPv6 addresses and IDs, a CIDR block given to =', () => {
    expect(valueWarning(field('srcaddr'), 'srcAddr', '2001:DB8::A8DE')).toBe(
      'srcAddr is never "2001:DB8::A8DE": flow logs write IPv6 addresses in lower case, and comparisons are case-sensitive (did you mean "2001:db8::a8de"?); as written the test matches no record',
    );
    expect(valueWarning(field('interface-id'), 'interfaceId', 'ENI-0A1B2C')).toContain(
      '(did you mean "eni-0a1b2c"?)',
    );
    expect(valueWarning(field('region'), 'region', 'US-EAST-1')).toContain('(did you mean "us-east-1"?)');
    expect(valueWarning(field('dstaddr'), 'dstAddr', '10.0.0.0/16')).toBe(
      'dstAddr is never "10.0.0.0/16": it holds one address per record, never a CIDR block, so = cannot test membership (in Logs Insights write isIpInSubnet(dstAddr, "10.0.0.0/16")); as written the test matches no record',
    );
    expect(valueWarning(field('srcaddr'), 'srcAddr', '2001:db8::a8de')).toBeUndefined();
    expect(valueWarning(field('srcaddr'), 'srcAddr', '10.0.1.5')).toBeUndefined();
    expect(valueWarning(field('interface-id'), 'interfaceId', 'eni-0a1b2c')).toBeUndefined();
    // Fields of free text are not judged.
    expect(valueWarning(field('ecs-cluster-name'), 'ecsClusterName', 'Prod')).toBeUndefined();
  });

  it('a value copied with a space (no field of a space-delimited record holds one)', () => {
    expect(valueWarning(field('srcaddr'), 'srcAddr', '10.0.1.22 ')).toBe(
      'srcAddr is never "10.0.1.22 ": a flow log field never holds a space (did you mean "10.0.1.22"?); as written the test matches no record',
    );
  });

  it('@logStream given as CloudWatch names the stream (the ENI id with -all): here it is the ENI id', () => {
    // CloudWatch Logs stream name of a flow log: eni-0c19436730cc350ae-all (spec, flow-log-records.md section 7).
    expect(
      valueWarnings(parseQuery('filter @logStream = "eni-0c19436730cc350ae-all" | stats count(*)')),
    ).toEqual([logStreamWarning('eni-0c19436730cc350ae-all')]);
    expect(logStreamWarning('eni-0c19436730cc350ae-all')).toBe(
      '@logStream is never "eni-0c19436730cc350ae-all": here it is the interface id without CloudWatch\'s traffic-type suffix (did you mean "eni-0c19436730cc350ae"?); as written the test matches no record',
    );
    expect(valueWarnings(parseQuery('filter @logStream in ["eni-0a-reject", "eni-0b-accept"]'))).toHaveLength(
      2,
    );
    expect(valueWarnings(parseQuery('filter @logStream = "eni-0c19436730cc350ae"'))).toEqual([]);
  });

  it('a filter pattern wildcard is left alone', () => {
    expect(valueWarning(field('dstport'), 'destport', '2*', { glob: true })).toBeUndefined();
  });
});

describe('in the three languages', () => {
  it('Logs Insights, SQL and filter patterns', () => {
    expect(valueWarnings(parseQuery('filter dstPort = "ssh" and protocol = "tcp" | stats count(*)'))).toEqual(
      [valueWarning(field('dstport'), 'dstPort', 'ssh'), valueWarning(field('protocol'), 'protocol', 'tcp')],
    );
    expect(sqlValueWarnings("SELECT 1 FROM flows WHERE interface_id = 'ENI-0A1B'")).toEqual([
      valueWarning(field('interface-id'), 'interface_id', 'ENI-0A1B'),
    ]);
    const problems = patternValueProblems(parsePattern(PATTERN('ssh', 'tcp')));
    expect(problems.map((p) => p.matchesNothing)).toEqual([true, true]);
    expect(problems[0]!.message).toContain('destport (dstport) is never "ssh"');
    expect(patternValueProblems(parsePattern(PATTERN('22', '6')))).toEqual([]);
  });

  it('a metric filter with a port by name cannot apply (it would count nothing)', () => {
    const fit = fitFilter(
      checkMetricFilter({
        name: 'ssh',
        pattern: PATTERN('ssh', '6'),
        metricNamespace: 'N',
        metricName: 'M',
        metricValue: '1',
      }),
      DEFAULT,
    );
    expect(fit.status === 'cannot' && fit.code).toBe('NEVER_MATCHES');
  });
});

describe('CLI', () => {
  it('query warns, sql names the number in its conversion error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-shapes-'));
    try {
      writeFileSync(
        join(dir, 'a.log'),
        '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 40 1716199200 1716199260 REJECT OK\n',
      );
      const db = join(dir, 's.duckdb');
      expect((await runMain(['ingest', join(dir, 'a.log'), '--db', db])).code).toBe(0);
      const q = await runMain([
        'query',
        'filter dstPort = "ssh" | stats count(*) as n',
        '--db',
        db,
        '-o',
        'json',
      ]);
      expect(JSON.parse(q.out)).toEqual([{ n: 0 }]);
      expect(q.err).toContain('warning: dstPort is never "ssh"');
      expect(q.err).toContain('(did you mean 22?)');
      // DuckDB refuses to compare an INTEGER column with 'ssh'; the hint gives the number.
      const s = await runMain(['sql', "SELECT count(*) FROM flows WHERE dstport = 'ssh'", '--db', db]);
      expect(s.code).toBe(1);
      expect(s.err).toContain(
        "hint: srcport and dstport hold port numbers, not service names: write 22 for 'ssh'",
      );
      const p = await runMain(['sql', "SELECT count(*) FROM flows WHERE protocol = 'tcp'", '--db', db]);
      expect(p.err).toContain("write 6 for 'tcp'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
