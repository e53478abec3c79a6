// The monitor's alarm runner groups notifications per episode: a flapping alarm sends one ALARM mail and, after
// the topic's quiet period, one OK mail with the episode (first and last ALARM, re-triggers), through a real
// loopback SMTP server; the alarm's history keeps every transition; a webhook topic with quietMinutes 0 gets all.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { AlarmsRunner } from '../../src/monitor/alarms-runner.js';
import { Dispatcher } from '../../src/notify/index.js';
import { Store } from '../../src/storage/store.js';
import {
  type MailServer,
  parseMail,
  type Receiver,
  startMailServer,
  startReceiver,
} from '../notify/helpers.js';

const T = Date.UTC(2024, 4, 20, 10, 0, 0) / 1000; // 2024-05-20 10:00:00 UTC

let dir: string;
let smtp: MailServer;
let hook: Receiver;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-episodes-'));
  smtp = await startMailServer();
  hook = await startReceiver();
  store = await Store.open(join(dir, 'e.duckdb'));
});

afterAll(async () => {
  store?.close();
  await smtp?.close();
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('notification episodes in the monitor', () => {
  it('a flapping alarm: one ALARM mail, then one OK mail with the episode; history keeps all 4 transitions', async () => {
    const config = parseConfig(
      join(dir, 'flowwatch.yaml'),
      `
metricFilters:
  - name: rejected-ssh
    pattern: "[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]"
    metricNamespace: FlowLogs
    metricName: RejectedSSH
    metricValue: "1"
alarms:
  - name: ssh
    metric: { namespace: FlowLogs, metricName: RejectedSSH }
    statistic: Sum
    period: 60
    evaluationPeriods: 3
    datapointsToAlarm: 2
    threshold: 5
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: ignore
    alarmActions: [netops, audit]
    okActions: [netops, audit]
topics:
  - name: netops
    episodes: { quietMinutes: 15 }
    subscriptions:
      - { type: email, to: [ops@example.com] }
  - name: audit
    episodes: { quietMinutes: 0 }
    subscriptions:
      - { type: webhook, url: "${hook.url}" }
smtp: { host: 127.0.0.1, port: ${smtp.port}, from: "flowwatch <fw@example.com>" }
monitor: { stateDir: "${join(dir, 'state')}", account: "111122223333", region: eu-west-1 }
`,
    );
    const stateDir = join(dir, 'state');
    const dispatcher = await Dispatcher.open({
      stateDir,
      topics: config.topics,
      smtp: config.smtp,
      stdout: undefined,
    });
    dispatcher.start();
    try {
      const runner = await AlarmsRunner.open(config, store, dispatcher, {
        stateDir,
        context: { account: '111122223333', region: 'eu-west-1' },
        delaySeconds: 0,
        now: () => T,
      });
      // ALARM at 10:01, OK at 10:03, ALARM at 10:05 (2 min after the OK < 15: a re-trigger), OK at 10:07.
      await runner.setState('ssh', 'ALARM', 'test', T + 60);
      await runner.setState('ssh', 'OK', 'test', T + 180);
      await runner.setState('ssh', 'ALARM', 'test', T + 300);
      await runner.setState('ssh', 'OK', 'test', T + 420);
      await dispatcher.idle();
      // netops: only the first ALARM so far. audit (quietMinutes 0): every one of the four transitions.
      expect(smtp.mails.map((m) => parseMail(m.raw).headers.get('subject'))).toEqual([
        'ALARM: "ssh" in Europe (Ireland)',
      ]);
      expect(hook.requests).toHaveLength(4);
      const first = parseMail(smtp.mails[0]!.raw).text;
      expect(first).toContain('Episode: in ALARM since 2024-05-20 10:01 UTC.');

      // 10:07 + 15 min = 10:22: at 10:21:59 the episode is still quiet, at 10:22 it ends and the OK of 10:07 goes out.
      await runner.resolveEpisodes(T + 420 + 899);
      await dispatcher.idle();
      expect(smtp.mails).toHaveLength(1);
      await runner.resolveEpisodes(T + 420 + 900);
      await dispatcher.idle();
      expect(smtp.mails).toHaveLength(2);
      const ok = parseMail(smtp.mails[1]!.raw);
      expect(ok.headers.get('subject')).toBe('OK: "ssh" in Europe (Ireland)');
      expect(ok.text).toContain(
        'Episode: first ALARM 2024-05-20 10:01 UTC, last ALARM 2024-05-20 10:05 UTC, 1 re-trigger folded; ' +
          'out of ALARM since 2024-05-20 10:07 UTC (15 quiet minutes).',
      );
      // The webhook body carries the same summary as JSON on the grouped topic only: audit's messages have none.
      const audit = hook.requests.map((r) => JSON.parse(JSON.parse(r.body).Message));
      expect(audit.map((m) => m.NewStateValue)).toEqual(['ALARM', 'OK', 'ALARM', 'OK']);
      expect(audit.every((m) => m.episode === undefined)).toBe(true);
      // History (CloudWatch fidelity): every transition is kept.
      const transitions = runner.machine
        .history('ssh')
        .map((h) => h.summary)
        .filter((s) => s.startsWith('Alarm updated from'));
      expect(transitions).toEqual([
        'Alarm updated from INSUFFICIENT_DATA to ALARM',
        'Alarm updated from ALARM to OK',
        'Alarm updated from OK to ALARM',
        'Alarm updated from ALARM to OK',
      ]);
    } finally {
      await dispatcher.stop();
    }
  });
});
