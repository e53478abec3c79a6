// Validation of topics, SMTP settings and retry policies: codes, keys and defaults (not wording).

import { describe, expect, it } from 'vitest';
import { checkRetryPolicy, checkSmtp, checkTopic, NotifyConfigError } from '../../src/notify/index.js';

function problems(r: ReturnType<typeof checkTopic | typeof checkSmtp | typeof checkRetryPolicy>): string[] {
  return r.ok ? [] : r.errors.map((e) => `${e.code} ${e.key}`);
}

describe('checkTopic', () => {
  it('accepts every subscription type and fills defaults', () => {
    const r = checkTopic({
      name: 'netmon-alerts',
      subscriptions: [
        { type: 'email', to: 'ops@example.com' },
        { type: 'email', id: 'sec', to: ['sec@example.com', 'soc@example.com'] },
        {
          type: 'webhook',
          url: 'https://hooks.example.com/x?token=1',
          secretEnv: 'HOOK_SECRET',
          headers: { Authorization: 'Bearer t' },
        },
        { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/xyz', timeoutSeconds: 5 },
        { type: 'stdout' },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [email, sec, hook, slack, out] = r.value.subscriptions;
    expect(email).toMatchObject({ type: 'email', to: ['ops@example.com'] });
    expect(email!.id).toMatch(/^email-[0-9a-f]{12}$/);
    expect(sec!.id).toBe('sec');
    expect(hook).toMatchObject({ type: 'webhook', secretEnv: 'HOOK_SECRET', timeoutSeconds: 15 });
    expect(slack).toMatchObject({ type: 'slack', timeoutSeconds: 5 });
    expect(out).toEqual({ type: 'stdout', id: 'stdout' });
    // Derived ids do not change between loads of the same configuration.
    const again = checkTopic({ name: 'x', subscriptions: [{ type: 'email', to: 'ops@example.com' }] });
    expect(again.ok && again.value.subscriptions[0]!.id).toBe(email!.id);
  });

  it.each<[string, unknown, string[]]>([
    ['not a mapping', ['a'], ['NOTIFY_TYPE ']],
    ['missing keys', {}, ['NOTIFY_MISSING_KEY name', 'NOTIFY_MISSING_KEY subscriptions']],
    ['unknown key', { name: 'a', subscriptions: [], color: 'red' }, ['NOTIFY_UNKNOWN_KEY color']],
    ['bad topic name', { name: 'net mon', subscriptions: [] }, ['NOTIFY_BAD_NAME name']],
    ['topic name not a string', { name: 5, subscriptions: [] }, ['NOTIFY_TYPE name']],
    [
      'subscriptions not a list',
      { name: 'a', subscriptions: { type: 'stdout' } },
      ['NOTIFY_TYPE subscriptions'],
    ],
    [
      'unknown type',
      { name: 'a', subscriptions: [{ type: 'sms' }] },
      ['NOTIFY_BAD_SUBSCRIPTION_TYPE subscriptions.0.type'],
    ],
    [
      'type missing',
      { name: 'a', subscriptions: [{ url: 'http://x' }] },
      ['NOTIFY_UNKNOWN_KEY subscriptions.0.url', 'NOTIFY_MISSING_KEY subscriptions.0.type'],
    ],
    [
      'bad address in a list',
      { name: 'a', subscriptions: [{ type: 'email', to: ['ok@x.org', 'nope'] }] },
      ['NOTIFY_BAD_EMAIL subscriptions.0.to.1'],
    ],
    [
      'empty address list',
      { name: 'a', subscriptions: [{ type: 'email', to: [] }] },
      ['NOTIFY_TYPE subscriptions.0.to'],
    ],
    [
      'ftp URL',
      { name: 'a', subscriptions: [{ type: 'webhook', url: 'ftp://x/y' }] },
      ['NOTIFY_BAD_URL subscriptions.0.url'],
    ],
    [
      'not a URL',
      { name: 'a', subscriptions: [{ type: 'slack', url: 'hooks.slack.com' }] },
      ['NOTIFY_BAD_URL subscriptions.0.url'],
    ],
    [
      'secret and secretEnv',
      { name: 'a', subscriptions: [{ type: 'webhook', url: 'http://x', secret: 's', secretEnv: 'S' }] },
      ['NOTIFY_SECRET_CONFLICT subscriptions.0.secretEnv'],
    ],
    [
      'secretEnv holding a value',
      { name: 'a', subscriptions: [{ type: 'webhook', url: 'http://x', secretEnv: 'abc def' }] },
      ['NOTIFY_BAD_ENV_NAME subscriptions.0.secretEnv'],
    ],
    [
      'reserved header',
      {
        name: 'a',
        subscriptions: [{ type: 'webhook', url: 'http://x', headers: { 'X-Amz-Sns-Message-Id': '1' } }],
      },
      ['NOTIFY_RESERVED_HEADER subscriptions.0.headers.X-Amz-Sns-Message-Id'],
    ],
    [
      'header value with a line break',
      { name: 'a', subscriptions: [{ type: 'webhook', url: 'http://x', headers: { A: 'b\r\nC: d' } }] },
      ['NOTIFY_BAD_HEADER subscriptions.0.headers.A'],
    ],
    [
      'timeout out of range',
      { name: 'a', subscriptions: [{ type: 'slack', url: 'https://x', timeoutSeconds: 0 }] },
      ['NOTIFY_BAD_NUMBER subscriptions.0.timeoutSeconds'],
    ],
    [
      'key of another type',
      { name: 'a', subscriptions: [{ type: 'stdout', url: 'http://x' }] },
      ['NOTIFY_UNKNOWN_KEY subscriptions.0.url'],
    ],
    [
      'bad id',
      { name: 'a', subscriptions: [{ type: 'stdout', id: 'a b' }] },
      ['NOTIFY_BAD_ID subscriptions.0.id'],
    ],
    [
      'same endpoint twice',
      { name: 'a', subscriptions: [{ type: 'stdout' }, { type: 'stdout' }] },
      ['NOTIFY_DUPLICATE_SUBSCRIPTION subscriptions.1'],
    ],
    [
      'several errors at once',
      { name: '', subscriptions: [{ type: 'email', to: 'x' }, { type: 'webhook' }] },
      ['NOTIFY_TYPE name', 'NOTIFY_BAD_EMAIL subscriptions.0.to', 'NOTIFY_MISSING_KEY subscriptions.1.url'],
    ],
  ])('%s', (_, raw, expected) => {
    expect(problems(checkTopic(raw))).toEqual(expected);
  });

  it('errors carry what was expected and are UserErrors with a path', () => {
    const r = checkTopic({ name: 'a', subscriptions: [{ type: 'webhook', url: 'ftp://x' }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = r.errors[0]!;
    expect(e).toBeInstanceOf(NotifyConfigError);
    expect(e.path).toEqual(['subscriptions', 0, 'url']);
    expect(e.expected).toBe('an http:// or https:// URL');
    expect(e.message).toContain(e.expected);
  });
});

describe('checkSmtp', () => {
  it('defaults port and secure', () => {
    const r = checkSmtp({ host: 'smtp.example.com', from: 'flowwatch <alerts@example.com>' });
    expect(r).toEqual({
      ok: true,
      value: {
        host: 'smtp.example.com',
        port: 587,
        secure: false,
        auth: undefined,
        from: 'flowwatch <alerts@example.com>',
        timeoutSeconds: 30,
      },
    });
    const tls = checkSmtp({ host: 'h', from: 'a@b', secure: true, auth: { userEnv: 'U', passEnv: 'P' } });
    expect(tls.ok && tls.value).toMatchObject({
      port: 465,
      secure: true,
      auth: { userEnv: 'U', passEnv: 'P' },
    });
  });

  it.each<[string, unknown, string[]]>([
    ['missing host and from', {}, ['NOTIFY_MISSING_KEY host', 'NOTIFY_MISSING_KEY from']],
    ['port out of range', { host: 'h', from: 'a@b', port: 70000 }, ['NOTIFY_BAD_NUMBER port']],
    ['port not an integer', { host: 'h', from: 'a@b', port: 25.5 }, ['NOTIFY_BAD_NUMBER port']],
    ['secure not a boolean', { host: 'h', from: 'a@b', secure: 'yes' }, ['NOTIFY_TYPE secure']],
    [
      'password in place of a variable name',
      { host: 'h', from: 'a@b', auth: { userEnv: 'U', passEnv: 'hunter 2' } },
      ['NOTIFY_BAD_ENV_NAME auth.passEnv'],
    ],
    [
      'auth without passEnv',
      { host: 'h', from: 'a@b', auth: { userEnv: 'U' } },
      ['NOTIFY_MISSING_KEY auth.passEnv'],
    ],
    [
      'literal password key',
      { host: 'h', from: 'a@b', auth: { user: 'u', pass: 'p' } },
      [
        'NOTIFY_UNKNOWN_KEY auth.user',
        'NOTIFY_UNKNOWN_KEY auth.pass',
        'NOTIFY_MISSING_KEY auth.userEnv',
        'NOTIFY_MISSING_KEY auth.passEnv',
      ],
    ],
    ['bad from', { host: 'h', from: 'flowwatch' }, ['NOTIFY_BAD_EMAIL from']],
  ])('%s', (_, raw, expected) => {
    expect(problems(checkSmtp(raw))).toEqual(expected);
  });
});

describe('checkRetryPolicy', () => {
  it('defaults and limits', () => {
    expect(checkRetryPolicy(undefined)).toEqual({
      ok: true,
      value: { baseDelaySeconds: 10, maxDelaySeconds: 600, maxAttempts: 8 },
    });
    expect(problems(checkRetryPolicy({ maxAttempts: 0 }))).toEqual(['NOTIFY_BAD_NUMBER maxAttempts']);
    expect(problems(checkRetryPolicy({ baseDelaySeconds: 60, maxDelaySeconds: 30 }))).toEqual([
      'NOTIFY_BAD_NUMBER maxDelaySeconds',
    ]);
    expect(problems(checkRetryPolicy({ jitter: true }))).toEqual(['NOTIFY_UNKNOWN_KEY jitter']);
  });
});
