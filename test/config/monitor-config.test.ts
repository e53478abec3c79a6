// The monitor's sections of flowwatch.yaml: alarms, topics, smtp, notifications, sources and monitor. A bad
// entry is refused at start with file, line and column (worked out by hand from the texts below).

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/config.js';
import { INIT_TEMPLATE } from '../../src/config/init-template.js';

const FILTER = `metricFilters:
  - name: ssh
    pattern: "[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]"
    metricNamespace: FlowLogs
    metricName: RejectedSSH
    metricValue: "1"
`;
const ALARM = (extra = '', actions = '[ops]') => `alarms:
  - name: a
    metric: { namespace: FlowLogs, metricName: RejectedSSH }
    statistic: Sum
    period: 60
    evaluationPeriods: 1
    threshold: 1
    comparisonOperator: GreaterThanOrEqualToThreshold
    alarmActions: ${actions}
${extra}`;
const TOPIC = `topics:
  - name: ops
    subscriptions:
      - { type: stdout }
`;

function where(text: string): [string, number, number] | undefined {
  try {
    parseConfig('fw.yaml', text);
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [err.code, err.line, err.column];
  }
}

describe('flowwatch.yaml monitor sections', () => {
  it('the file flowwatch init writes is valid: two filters, two alarms, a topic with email, a folder source', () => {
    const c = parseConfig('flowwatch.yaml', INIT_TEMPLATE);
    expect(c.filters.map((f) => f.filter.name)).toEqual(['rejected-ssh', 'denied-icmp']);
    expect(
      c.alarms.map((a) => [
        a.name,
        a.statistic,
        a.period,
        a.evaluationPeriods,
        a.threshold,
        a.comparisonOperator,
      ]),
    ).toEqual([
      ['rejected-ssh', 'Sum', 60, 3, 5, 'GreaterThanOrEqualToThreshold'],
      ['denied-icmp', 'Sum', 60, 3, 2, 'GreaterThanOrEqualToThreshold'],
    ]);
    // 2 of the 3 minutes (docs/decisions/24-alarm-episodes-and-demo.md); the topic groups per episode (15 minutes).
    expect(c.alarms.map((a) => a.datapointsToAlarm)).toEqual([2, 2]);
    expect(c.topics.map((t) => t.episodes)).toEqual([{ quietSeconds: 900 }]);
    expect(c.topics.map((t) => [t.name, t.subscriptions.map((s) => s.type)])).toEqual([
      ['netops', ['email', 'stdout']],
    ]);
    expect(c.smtp).toMatchObject({ host: 'localhost', port: 25 });
    expect(c.sources).toEqual([
      { name: 'local', type: 'directory', path: './flowlogs', pollSeconds: 2, settleSeconds: 2 },
    ]);
    expect(c.monitor).toMatchObject({ listen: '127.0.0.1:8080', stateDir: 'flowwatch-state' });
  });

  it('accepts a complete configuration and applies the defaults', () => {
    const c = parseConfig(
      'fw.yaml',
      `${FILTER}${ALARM()}${TOPIC}sources:
  - { name: fh, type: firehose, accessKeyEnv: FH_KEY }
  - { name: sub, type: subscription, path: /cwl, tokenEnv: SUB_TOKEN }
monitor: { listen: "0.0.0.0:9000", account: "111122223333" }
`,
    );
    expect(c.sources).toEqual([
      { name: 'fh', type: 'firehose', path: '/firehose', accessKeyEnv: 'FH_KEY', maxBodyMegabytes: 64 },
      { name: 'sub', type: 'subscription', path: '/cwl', tokenEnv: 'SUB_TOKEN', maxBodyMegabytes: 8 },
    ]);
    expect(c.monitor).toEqual({
      listen: '0.0.0.0:9000',
      stateDir: 'flowwatch-state',
      flushMillis: 250,
      flushRecords: 50_000,
      account: '111122223333',
      region: 'us-east-1',
      evaluationDelaySeconds: 2,
      maxBodyMegabytesInFlight: 256,
      memoryLimit: '1GB',
      queryConcurrency: 0,
      queryQueue: 64,
      threads: 0, // DuckDB's default: one per core
      baselineRollups: false, // opt-in: they cost ingest time (bench:baselines)
    });
  });

  it.each([
    // An action naming no topic: "    alarmActions: [nope]" is line 15; "nope" starts at column 20.
    ['unknown topic', `${FILTER}${ALARM('', '[nope]')}${TOPIC}`, ['CONFIG_UNKNOWN_TOPIC', 15, 20]],
    // An alarm on a metric no filter publishes: the metric mapping on line 9.
    [
      'unknown metric',
      `${FILTER}${ALARM().replace('RejectedSSH }', 'Other }')}${TOPIC}`,
      ['CONFIG_UNKNOWN_METRIC', 9, 13],
    ],
    // A period that is not 10, 20, 30 or a multiple of 60: line 11, column of the value.
    [
      'bad period',
      `${FILTER}${ALARM().replace('period: 60', 'period: 45')}${TOPIC}`,
      ['ALARM_BAD_PERIOD', 11, 13],
    ],
    ['unknown top-level key', `${FILTER}alarm:\n  - x\n`, ['CONFIG_UNKNOWN_KEY', 7, 1]],
    ['source without type', `sources:\n  - { name: x, path: /tmp }\n`, ['CONFIG_SOURCE_TYPE', 2, 5]],
    [
      'secret written in the file',
      `sources:\n  - { name: x, type: firehose, accessKeyEnv: "abc def" }\n`,
      ['CONFIG_TYPE', 2, 46],
    ],
    [
      'two endpoints on one path',
      `sources:\n  - { name: a, type: firehose }\n  - { name: b, type: subscription, path: /firehose }\n`,
      ['CONFIG_DUPLICATE_PATH', 3, 42],
    ],
    ['listen without port', `monitor: { listen: localhost }\n`, ['CONFIG_TYPE', 1, 20]],
    // "monitor: { memoryLimit: " is 24 characters: the value starts at column 25.
    ['memory limit without unit', `monitor: { memoryLimit: 512 }\n`, ['CONFIG_TYPE', 1, 25]],
    ['memory limit in words', `monitor: { memoryLimit: lots }\n`, ['CONFIG_TYPE', 1, 25]],
    // "monitor: { threads: " is 20 characters: the value starts at column 21.
    ['threads not whole', `monitor: { threads: 1.5 }\n`, ['CONFIG_BAD_NUMBER', 1, 21]],
    ['threads below 0', `monitor: { threads: -1 }\n`, ['CONFIG_BAD_NUMBER', 1, 21]],
    [
      'email without smtp',
      `topics:\n  - name: t\n    subscriptions:\n      - { type: email, to: [a@example.com] }\n`,
      ['CONFIG_NO_SMTP', 2, 3],
    ],
  ])('refuses %s at file, line and column', (_name, text, expected) => {
    expect(where(text)).toEqual(expected);
  });
});
