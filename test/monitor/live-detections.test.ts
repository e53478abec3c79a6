// The detection catalog live in the monitor (issue 14 item 3): records arrive over Firehose, the built-in
// vertical-port-scan runs when its 600 s window closes, the finding is stored, and `findingActions` tells a real
// webhook receiver and a real SMTP server, once per severity reached. Expected values worked out by hand from the
// built-in's definition (REJECT, TCP/UDP, dstport < 32768, distinct dstport per (dstaddr, srcaddr); low ≥ 15,
// medium ≥ 50, high ≥ 250).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { listFindings } from '../../src/storage/findings.js';
import {
  type MailServer,
  parseMail,
  type Receiver,
  startMailServer,
  startReceiver,
} from '../notify/helpers.js';

const T = 1716199200; // 2024-05-20T10:00:00Z, a multiple of 600: the detection's windows start here
const SCANNER = '203.0.113.50';
const TARGET = '10.0.1.10';

/** `n` rejected TCP records from the scanner to the target, ports from `first`, one per second from `t`. */
function scan(first: number, n: number, t: number): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      `2 111122223333 eni-a ${SCANNER} ${TARGET} ${40000 + i} ${first + i} 6 1 44 ${t + i} ${t + i + 1} REJECT OK`,
  );
}

let dir: string;
let monitor: Monitor;
let hook: Receiver;
let mail: MailServer;
let clock = T + 5;
const logs: string[] = [];

async function firehose(requestId: string, lines: readonly string[]) {
  const r = await fetch(`${monitor.url}/firehose`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-amz-firehose-protocol-version': '1.0',
      'x-amz-firehose-request-id': requestId,
      'x-amz-firehose-access-key': 'k3y',
    },
    body: JSON.stringify({
      requestId,
      timestamp: Date.now(),
      records: lines.map((l) => ({ data: Buffer.from(l).toString('base64') })),
    }),
  });
  expect(r.status).toBe(200);
}

/** Waits (real time) until the runner has evaluated a window ending at or after `until`. */
async function evaluatedThrough(runs: number): Promise<void> {
  for (let i = 0; i < 200 && monitor.detections.runs.length < runs; i++)
    await new Promise((r) => setTimeout(r, 50));
  await monitor.detections.idle();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-live-detect-'));
  hook = await startReceiver();
  mail = await startMailServer();
  const config = parseConfig(
    'flowwatch.yaml',
    `
detections:
  # Only the scan detection runs here, so the counts below are about it alone.
  horizontal-sweep: { enabled: false }
  brute-force-login: { enabled: false }
  outbound-scan: { enabled: false }
  unusual-protocol: { enabled: false }
  nacl-reply-drop: { enabled: false }
  skipdata: { enabled: false }
findingActions:
  - minSeverity: low
    topics: [security]
topics:
  - name: security
    subscriptions:
      - { type: webhook, url: "${hook.url}" }
      - { type: email, to: [secops@example.com] }
smtp: { host: 127.0.0.1, port: ${mail.port}, from: "flowwatch <fw@example.com>" }
sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 50, evaluationDelaySeconds: 1, account: "111122223333", region: eu-west-1 }
`,
  );
  monitor = await startMonitor({
    config,
    db: join(dir, 'm.duckdb'),
    log: createLogger((l) => logs.push(l)),
    env: { FH_KEY: 'k3y' },
    now: () => clock,
  });
});

afterAll(async () => {
  if (process.env['FW_DEBUG']) process.stderr.write(logs.join(''));
  await monitor?.stop();
  await hook?.close();
  await mail?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('detections in the monitor', () => {
  it('finds nothing while the window is open', async () => {
    // 20 distinct ports (1..20) in [T, T+600): reaches "low" (15) but the window has not closed.
    await firehose('r1', scan(1, 20, T + 10));
    await evaluatedThrough(1); // the start-up look at the window that closed before T
    expect(await listFindings(monitor.store)).toEqual([]);
    expect(hook.requests).toHaveLength(0);
  });

  it('stores the finding when the window closes and tells the topic by webhook and email', async () => {
    const before = monitor.detections.runs.length;
    clock = T + 600 + 1.5; // the window [T, T+600) closed, plus the 1 s evaluation delay
    await evaluatedThrough(before + 1);
    const found = await listFindings(monitor.store);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      detection: 'vertical-port-scan',
      severity: 'low',
      entity: TARGET,
      peers: [SCANNER],
      evidenceCount: 20,
      start: T + 10,
      end: T + 29, // the event time (start) of the last record
    });
    await hook.waitFor(1);
    const envelope = JSON.parse(hook.requests[0]!.body) as {
      Subject: string;
      Message: string;
      TopicArn: string;
    };
    expect(envelope.Subject).toBe(`LOW finding: Vertical port scan (many ports on one host) on ${TARGET}`);
    expect(envelope.TopicArn).toBe('arn:aws:sns:eu-west-1:111122223333:security');
    const message = JSON.parse(envelope.Message) as { type: string; finding: Record<string, unknown> };
    expect(message.type).toBe('finding');
    expect(message.finding).toMatchObject({
      id: found[0]!.id,
      detection: 'vertical-port-scan',
      severity: 'low',
      entity: TARGET,
      evidence_count: 20,
    });
    for (let i = 0; i < 100 && mail.mails.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(mail.mails).toHaveLength(1);
    const m = parseMail(mail.mails[0]!.raw);
    expect(m.headers.get('subject')).toBe(envelope.Subject);
    expect(m.text).toContain(`Entity:    ${TARGET}`);
    expect(m.text).toContain('Evidence:  20 records');
    expect(m.text).toContain(`flowwatch findings show ${found[0]!.id}`);
    expect(m.text).toContain('T1046');
  });

  it('looks at the closed window again with the next one (late records) without telling anyone twice', async () => {
    const before = monitor.detections.runs.length;
    clock = T + 1200 + 1.5; // [T+600, T+1200) closed; the run covers [T, T+1200)
    await evaluatedThrough(before + 1);
    await monitor.dispatcher.idle();
    expect(hook.requests).toHaveLength(1);
    expect(await listFindings(monitor.store)).toHaveLength(1);
  });

  it('tells the topic again when the episode’s severity rises', async () => {
    // 60 more distinct ports (100..159) in [T+1200, T+1800): within the quiet period, so the same episode; that
    // window alone has 60 distinct ports ≥ 50: medium.
    await firehose('r2', scan(100, 60, T + 1210));
    const before = monitor.detections.runs.length;
    clock = T + 1800 + 1.5;
    await evaluatedThrough(before + 1);
    await hook.waitFor(2);
    const found = await listFindings(monitor.store);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'medium', evidenceCount: 80 });
    const envelope = JSON.parse(hook.requests[1]!.body) as { Subject: string };
    expect(envelope.Subject).toBe(
      `MEDIUM finding (was low): Vertical port scan (many ports on one host) on ${TARGET}`,
    );
  });

  it('drops the hour-long variant’s finding that the 10-minute detection already reported (supersededBy)', async () => {
    // [T, T+3600) closes: vertical-port-scan-slow sees the same 80 ports from the scanner on TARGET (≥ 15: a hit),
    // but vertical-port-scan's stored finding covers the same entity over an overlapping time, so nothing new.
    const before = monitor.detections.runs.length;
    clock = T + 3600 + 1.5;
    await evaluatedThrough(before + 1);
    await monitor.dispatcher.idle();
    expect(monitor.detections.runs.slice(before).flatMap((r) => r.detections)).toContain(
      'vertical-port-scan-slow',
    );
    expect((await listFindings(monitor.store)).map((f) => f.detection)).toEqual(['vertical-port-scan']);
    expect(hook.requests).toHaveLength(2);
  });
  it('finds records that arrived late for the window before, after the window that just closed', async () => {
    // [T+3000, T+3600) was evaluated at T+3600+1.5; 20 ports of another host in it arrive only now. At T+4200+1.5
    // the run of [T+3600, T+4200) comes first, then the window before it again: the late scan is found (20 ≥ 15:
    // low) and told.
    const late = scan(1, 20, T + 3100).map((l) => l.replace(` ${TARGET} `, ' 10.0.1.99 '));
    await firehose('r3', late);
    const before = monitor.detections.runs.length;
    clock = T + 4200 + 1.5;
    await evaluatedThrough(before + 2);
    await hook.waitFor(3);
    const found = (await listFindings(monitor.store)).filter((f) => f.entity === '10.0.1.99');
    expect(found).toMatchObject([{ detection: 'vertical-port-scan', severity: 'low', evidenceCount: 20 }]);
    expect(JSON.parse(hook.requests[2]!.body).Subject).toBe(
      'LOW finding: Vertical port scan (many ports on one host) on 10.0.1.99',
    );
  });
});
