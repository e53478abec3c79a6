// Each channel through the dispatcher, against real receivers on loopback: SMTP server, HTTP webhook, Slack hook, stdout.

import { createHmac, createVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import {
  type AlarmNotification,
  checkTopic,
  type DispatchEvent,
  Dispatcher,
  dispatchEventLevel,
  type SnsEnvelope,
  type Topic,
  verifyWebhookSignature,
} from '../../src/notify/index.js';
import {
  EVIDENCE,
  ManualClock,
  notification,
  parseMail,
  REASON,
  type Receiver,
  SIGNER,
  startMailServer,
  startReceiver,
  stateDir,
  TOPIC_ARN,
} from './helpers.js';

function topic(subscriptions: unknown[]): Topic {
  const r = checkTopic({ name: 'netmon-alerts', subscriptions });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.value;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(plan?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(plan);
  cleanups.push(() => r.close());
  return r;
}

async function dispatcher(options: Partial<Parameters<typeof Dispatcher.open>[0]> & { topics: Topic[] }) {
  const d = await Dispatcher.open({ stateDir: stateDir(), signer: SIGNER, rescanSeconds: 0, ...options });
  cleanups.push(() => d.stop());
  d.start();
  return d;
}

describe('webhook', () => {
  it('POSTs the SNS envelope with SNS headers and a verifiable HMAC', async () => {
    const hook = await receiver();
    const clock = new ManualClock(Date.UTC(2024, 4, 20, 10, 31, 3));
    const d = await dispatcher({
      clock,
      topics: [
        topic([
          { type: 'webhook', url: hook.url, secret: 's3cret', headers: { Authorization: 'Bearer abc' } },
        ]),
      ],
    });
    const result = await d.publish('netmon-alerts', notification());
    await d.idle();
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(req.headers['x-amz-sns-message-type']).toBe('Notification');
    expect(req.headers['x-amz-sns-message-id']).toBe(result.messageId);
    expect(req.headers['x-amz-sns-topic-arn']).toBe(TOPIC_ARN);
    expect(req.headers['x-amz-sns-subscription-arn']).toMatch(
      new RegExp(`^${TOPIC_ARN}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
    );
    expect(req.headers['authorization']).toBe('Bearer abc');
    expect(req.headers['x-flowwatch-attempt']).toBe('1');
    expect(req.headers['x-flowwatch-delivery-id']).toBe(result.deliveries[0]!.id);

    const body = JSON.parse(req.body) as SnsEnvelope;
    expect(body.Type).toBe('Notification');
    expect(body.MessageId).toBe(result.messageId);
    expect(body.TopicArn).toBe(TOPIC_ARN);
    expect(body.Subject).toBe('ALARM: "vpc-rejects-high" in Europe (Ireland)');
    expect(body.Timestamp).toBe('2024-05-20T10:31:03.000Z');
    expect(body.UnsubscribeURL).toBe('');
    const message = JSON.parse(body.Message) as AlarmNotification;
    expect(message).toEqual(notification());
    expect(message.evidence).toEqual(EVIDENCE);

    // HMAC-SHA256 over "{timestamp}.{raw body}", computed here without flowwatch's helper.
    const ts = req.headers['x-flowwatch-timestamp'] as string;
    expect(ts).toBe(String(Date.UTC(2024, 4, 20, 10, 31, 3) / 1000));
    const mac = createHmac('sha256', 's3cret').update(`${ts}.${req.body}`).digest('hex');
    expect(req.headers['x-flowwatch-signature']).toBe(`sha256=${mac}`);
    const check = { signature: `sha256=${mac}`, timestamp: ts, body: req.body, now: Number(ts) + 10 };
    expect(verifyWebhookSignature('s3cret', check)).toBe(true);
    expect(verifyWebhookSignature('wrong', check)).toBe(false);
    expect(verifyWebhookSignature('s3cret', { ...check, body: `${req.body} ` })).toBe(false);
    expect(verifyWebhookSignature('s3cret', { ...check, now: Number(ts) + 301 })).toBe(false);
  });

  it('signs envelopes with the state directory key when no signer is given', async () => {
    const hook = await receiver();
    const dir = stateDir();
    const d = await dispatcher({
      stateDir: dir,
      signer: undefined,
      topics: [topic([{ type: 'webhook', url: hook.url }])],
    });
    await d.publish('netmon-alerts', notification());
    await d.idle();
    const body = JSON.parse(hook.requests[0]!.body) as SnsEnvelope;
    expect(body.SignatureVersion).toBe('2');
    expect(body.SigningCertURL).toBe(`file://${join(dir, 'signing-key.pub.pem')}`);
    expect(hook.requests[0]!.headers['x-flowwatch-signature']).toBeUndefined();
    const toSign = `Message\n${body.Message}\nMessageId\n${body.MessageId}\nSubject\n${body.Subject}\nTimestamp\n${body.Timestamp}\nTopicArn\n${body.TopicArn}\nType\nNotification\n`;
    const v = createVerify('RSA-SHA256');
    v.update(toSign);
    expect(v.verify(readFileSync(join(dir, 'signing-key.pub.pem'), 'utf8'), body.Signature, 'base64')).toBe(
      true,
    );
  });

  it('a secret from the environment; a missing variable fails the delivery, not the others', async () => {
    const hook = await receiver();
    const events: DispatchEvent[] = [];
    const d = await dispatcher({
      env: { HOOK_SECRET: 'from-env' },
      retry: { baseDelaySeconds: 1, maxDelaySeconds: 1, maxAttempts: 1 },
      onEvent: (e) => events.push(e),
      topics: [
        topic([
          { type: 'webhook', url: hook.url, secretEnv: 'HOOK_SECRET' },
          { type: 'webhook', url: `${hook.url}?2`, secretEnv: 'NOT_SET' },
        ]),
      ],
    });
    await d.publish('netmon-alerts', notification());
    await d.idle();
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0]!;
    const mac = createHmac('sha256', 'from-env').update(
      `${req.headers['x-flowwatch-timestamp']}.${req.body}`,
    );
    expect(req.headers['x-flowwatch-signature']).toBe(`sha256=${mac.digest('hex')}`);
    const dead = await d.listDeadLetters();
    expect(dead.map((x) => x.lastError)).toEqual([
      'environment variable NOT_SET (the webhook secret) is not set',
    ]);
  });
});

describe('slack', () => {
  it('POSTs text and blocks as JSON', async () => {
    const hook = await receiver();
    const d = await dispatcher({ topics: [topic([{ type: 'slack', url: hook.url }])] });
    await d.publish('netmon-alerts', notification());
    await d.idle();
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    const payload = JSON.parse(req.body) as {
      text: string;
      blocks: { type: string; text?: { text: string } }[];
    };
    expect(payload.text).toBe(`ALARM: "vpc-rejects-high" in Europe (Ireland): ${REASON}`);
    expect(payload.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'divider',
      'section',
      'context',
    ]);
    expect(payload.blocks[1]!.text!.text).toContain('*OK → ALARM*');
    const evidence = payload.blocks[4]!.text!.text;
    expect(evidence).toContain('Evidence: 5 flow records');
    expect(evidence).toMatch(/203\.0\.113\.7 +3 +6 +340/);
    expect(evidence).toMatch(/22 +TCP +4 +10 +600/);
  });
});

describe('stdout', () => {
  it('writes one JSON line per notification', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    const d = await dispatcher({ stdout: out, topics: [topic([{ type: 'stdout' }])] });
    await d.publish('netmon-alerts', notification());
    await d.publish(
      'netmon-alerts',
      notification({ NewStateValue: 'OK', OldStateValue: 'ALARM', evidence: undefined }),
    );
    await d.idle();
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const first = JSON.parse(lines[0]!) as SnsEnvelope;
    expect(first.Type).toBe('Notification');
    expect(JSON.parse(first.Message)).toEqual(notification());
    const second = JSON.parse(JSON.parse(lines[1]!).Message) as AlarmNotification;
    expect(second.NewStateValue).toBe('OK');
    expect('evidence' in second).toBe(false);
  });
});

describe('email', () => {
  it('logs an SMTP failure as a warning with its reason (the monitor logs dispatcher events so)', async () => {
    const smtp = await startMailServer();
    cleanups.push(() => smtp.close());
    smtp.refuse = 1;
    const clock = new ManualClock(Date.UTC(2024, 4, 20, 10, 31, 3));
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    const d = await dispatcher({
      clock,
      random: () => 0,
      onEvent: (e) => log('notification', { ...e }, dispatchEventLevel(e)),
      retry: { baseDelaySeconds: 2, maxDelaySeconds: 60, maxAttempts: 3 },
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        from: 'alerts@example.com',
        timeoutSeconds: 5,
      },
      topics: [topic([{ type: 'email', to: ['ops@example.com'] }])],
    });
    await d.publish('netmon-alerts', notification());
    await d.idle();
    clock.advance(1000);
    await d.idle();
    const logged = lines.map((l) => JSON.parse(l) as { level: string; type: string; error?: string });
    expect(logged.map((l) => [l.type, l.level])).toEqual([
      ['attempt', 'info'],
      ['retry', 'warn'],
      ['attempt', 'info'],
      ['delivered', 'info'],
    ]);
    expect(logged[1]!.error).toMatch(/^SMTP 451/);
  });

  it('sends the alarm mail through SMTP with credentials from the environment, retrying a 451', async () => {
    const smtp = await startMailServer();
    cleanups.push(() => smtp.close());
    smtp.refuse = 1;
    const clock = new ManualClock(Date.UTC(2024, 4, 20, 10, 31, 3));
    const events: DispatchEvent[] = [];
    const d = await dispatcher({
      clock,
      random: () => 0,
      onEvent: (e) => events.push(e),
      retry: { baseDelaySeconds: 2, maxDelaySeconds: 60, maxAttempts: 3 },
      env: { SMTP_USER: 'mailer', SMTP_PASS: 'pa55' },
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        auth: { userEnv: 'SMTP_USER', passEnv: 'SMTP_PASS' },
        from: 'flowwatch <alerts@example.com>',
        timeoutSeconds: 5,
      },
      topics: [topic([{ type: 'email', to: ['ops@example.com', 'sec@example.com'] }])],
    });
    await d.publish('netmon-alerts', notification());
    await d.idle();
    expect(smtp.mails).toHaveLength(0);
    expect(events.find((e) => e.type === 'retry')).toMatchObject({
      delayMs: 1000,
      error: expect.stringMatching(/^SMTP 451/),
    });
    clock.advance(1000);
    await d.idle();
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.logins).toEqual([
      { user: 'mailer', pass: 'pa55' },
      { user: 'mailer', pass: 'pa55' },
    ]);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('alerts@example.com');
    expect(mail.to).toEqual(['ops@example.com', 'sec@example.com']);
    const parsed = parseMail(mail.raw);
    expect(parsed.headers.get('subject')).toBe('ALARM: "vpc-rejects-high" in Europe (Ireland)');
    expect(parsed.headers.get('to')).toBe('ops@example.com, sec@example.com');
    expect(parsed.headers.get('from')).toBe('flowwatch <alerts@example.com>');
    const deliveryId = (await d.outbox.list('delivered'))[0]!.id;
    expect(parsed.headers.get('message-id')).toBe(`<${deliveryId}@flowwatch>`);

    const text = parsed.text;
    expect(text).toContain(
      'Amazon CloudWatch Alarm "vpc-rejects-high" in the Europe (Ireland) region has entered the ALARM state',
    );
    expect(text).toContain(`- Reason for State Change:    ${REASON}`);
    expect(text).toContain('- State Change:               OK -> ALARM');
    expect(text).toContain(
      'GreaterThanOrEqualToThreshold 10.0 for at least 2 of the last 3 period(s) of 300 seconds',
    );
    expect(text).toMatch(/^ {2}203\.0\.113\.7 +3 +6 +340$/m);
    expect(text).toMatch(/^ {2}198\.51\.100\.9 +2 +5 +300$/m);
    expect(text).toMatch(/^ +22 {2}TCP +4 +10 +600$/m);
    expect(text).toMatch(/^ {2}eni-0b2 +2 +5 +300$/m);
    expect(text).toContain(
      '  2 111122223333 eni-0a1 203.0.113.7 10.0.1.5 51001 22 6 2 120 1716200700 1716200760 REJECT OK',
    );
    expect(parsed.html).toContain('<td>eni-0a1</td><td align="right">3</td>');
    expect(parsed.html).toContain('vpc-rejects-high');
  });

  it('refuses email subscriptions without SMTP settings', async () => {
    await expect(
      Dispatcher.open({
        stateDir: stateDir(),
        signer: SIGNER,
        topics: [topic([{ type: 'email', to: 'a@b.c' }])],
      }),
    ).rejects.toMatchObject({ code: 'NOTIFY_SMTP_MISSING' });
  });
});
