// Topics, their subscriptions (email, webhook, slack, stdout), SMTP and retry settings, and their validation.

import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import type { EpisodeSettings } from './episodes.js';

/** The kinds of subscription flowwatch delivers to. */
export const SUBSCRIPTION_TYPES = ['email', 'webhook', 'slack', 'stdout'] as const;
export type SubscriptionType = (typeof SUBSCRIPTION_TYPES)[number];

/** HTTP timeout of webhook and Slack deliveries when none is given: SNS's 15 s (spec §7.3). */
export const DEFAULT_HTTP_TIMEOUT_SECONDS = 15;

interface SubscriptionBase {
  /**
   * Stable identity of the subscription inside its topic: given as `id`, else derived from the type and the
   * endpoint. Pending deliveries find their subscription by it after a restart.
   */
  readonly id: string;
}

/** Plain-text + HTML mail to one or more addresses, sent through the SMTP settings. */
export interface EmailSubscription extends SubscriptionBase {
  readonly type: 'email';
  readonly to: readonly string[];
}

/** An HTTP(S) endpoint that receives the SNS-shaped JSON body. */
export interface WebhookSubscription extends SubscriptionBase {
  readonly type: 'webhook';
  readonly url: string;
  /** HMAC key of the `x-flowwatch-signature` header, given literally... */
  readonly secret?: string | undefined;
  /** ...or as the name of an environment variable holding it. */
  readonly secretEnv?: string | undefined;
  /** Extra request headers (not `x-amz-sns-*`, `x-flowwatch-*`, `content-type`, `content-length`, `host`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
}

/** A Slack incoming webhook. */
export interface SlackSubscription extends SubscriptionBase {
  readonly type: 'slack';
  readonly url: string;
  readonly timeoutSeconds: number;
}

/** One JSON line per notification on the dispatcher's output stream. */
export interface StdoutSubscription extends SubscriptionBase {
  readonly type: 'stdout';
}

export type Subscription = EmailSubscription | WebhookSubscription | SlackSubscription | StdoutSubscription;

/**
 * An SNS-like topic: alarms publish to it by name (or by an SNS ARN ending in the name), and every
 * subscription gets each notification.
 *
 * @example
 * const t: Topic = { name: 'netmon-alerts', subscriptions: [{ type: 'stdout', id: 'stdout' }] };
 */
export interface Topic {
  readonly name: string;
  readonly subscriptions: readonly Subscription[];
  /**
   * Grouping of each alarm's notifications per episode (`episodes: { quietMinutes }` in the file); default
   * {@link DEFAULT_EPISODES} (15 quiet minutes). `quietSeconds` 0 delivers every state change.
   */
  readonly episodes?: EpisodeSettings | undefined;
}

/** How mail leaves: an SMTP server. Credentials come from environment variables, never from the file. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  readonly secure: boolean;
  readonly auth?: { readonly userEnv: string; readonly passEnv: string } | undefined;
  /** The From header, e.g. `flowwatch <alerts@example.com>`. */
  readonly from: string;
  readonly timeoutSeconds: number;
}

/** Retry schedule of failed deliveries: exponential backoff with jitter, then the dead-letter list. */
export interface RetryPolicy {
  /** Delay before the second attempt (before jitter). */
  readonly baseDelaySeconds: number;
  /** Upper bound of any delay. */
  readonly maxDelaySeconds: number;
  /** Attempts in all, the first included; after the last failure the delivery is dead-lettered. */
  readonly maxAttempts: number;
}

/** The defaults: 10 s, 20 s, 40 s ... capped at 10 minutes, 8 attempts (about 21 minutes in all). */
export const DEFAULT_RETRY: RetryPolicy = { baseDelaySeconds: 10, maxDelaySeconds: 600, maxAttempts: 8 };

/**
 * An invalid topic, SMTP or retry setting. `key` is the dotted path of the offending property inside the
 * object checked (`subscriptions.1.url`; `''` for the object itself), `path` the same as an array, so that a
 * config loader can point at its line; `expected` says what would be accepted.
 */
export class NotifyConfigError extends UserError {
  readonly key: string;
  readonly path: readonly (string | number)[];
  readonly expected: string;
  constructor(
    code: string,
    path: readonly (string | number)[],
    problem: string,
    expected: string,
    hint?: string,
  ) {
    super(code, `${problem}; expected ${expected}`, hint);
    this.path = path;
    this.key = path.join('.');
    this.expected = expected;
  }
}

/** The outcome of a check: the value, or every error found. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly NotifyConfigError[] };

type Path = readonly (string | number)[];

class Checker {
  readonly errors: NotifyConfigError[] = [];

  fail(code: string, path: Path, problem: string, expected: string, hint?: string): undefined {
    this.errors.push(new NotifyConfigError(code, path, problem, expected, hint));
    return undefined;
  }

  /** A mapping with only `allowed` keys and all `required` ones; undefined (and errors) otherwise. */
  mapping(
    raw: unknown,
    path: Path,
    allowed: readonly string[],
    required: readonly string[],
  ): Record<string, unknown> | undefined {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return this.fail('NOTIFY_TYPE', path, `is ${describe(raw)}`, `a mapping with ${allowed.join(', ')}`);
    }
    const m = raw as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      if (!allowed.includes(k)) {
        this.fail('NOTIFY_UNKNOWN_KEY', [...path, k], `unknown key "${k}"`, `one of ${allowed.join(', ')}`);
      }
    }
    for (const k of required) {
      if (m[k] === undefined)
        this.fail('NOTIFY_MISSING_KEY', [...path, k], `"${k}" is missing`, describeKey(k));
    }
    return m;
  }

  string(raw: unknown, path: Path, expected = 'a non-empty string'): string | undefined {
    if (typeof raw === 'string' && raw.length > 0) return raw;
    return this.fail('NOTIFY_TYPE', path, `is ${describe(raw)}`, expected);
  }

  number(raw: unknown, path: Path, min: number, max: number, integer: boolean): number | undefined {
    const expected = `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      return this.fail('NOTIFY_TYPE', path, `is ${describe(raw)}`, expected);
    }
    if (raw < min || raw > max || (integer && !Number.isInteger(raw))) {
      return this.fail('NOTIFY_BAD_NUMBER', path, `is ${raw}`, expected);
    }
    return raw;
  }

  boolean(raw: unknown, path: Path): boolean | undefined {
    if (typeof raw === 'boolean') return raw;
    return this.fail('NOTIFY_TYPE', path, `is ${describe(raw)}`, 'true or false');
  }

  url(raw: unknown, path: Path): string | undefined {
    const text = this.string(raw, path, 'an http:// or https:// URL');
    if (text === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      return this.fail('NOTIFY_BAD_URL', path, `"${text}" is not a URL`, 'an http:// or https:// URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      return this.fail('NOTIFY_BAD_URL', path, `"${text}" uses ${u.protocol}`, 'an http:// or https:// URL');
    }
    return text;
  }

  envName(raw: unknown, path: Path): string | undefined {
    const text = this.string(raw, path, 'the name of an environment variable');
    if (text !== undefined && !ENV_NAME.test(text)) {
      return this.fail(
        'NOTIFY_BAD_ENV_NAME',
        path,
        `"${text}" is not an environment variable name`,
        'letters, digits and _, not starting with a digit',
        'give the name of the variable (e.g. SMTP_PASSWORD), not its value',
      );
    }
    return text;
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const SUBSCRIPTION_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** An addr-spec: no spaces, brackets or separators; one `@` with something on both sides. */
const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+$/;
/** An RFC 9110 header field name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RESERVED_HEADER =
  /^(x-amz-sns-.*|x-flowwatch-.*|content-type|content-length|host|transfer-encoding|connection)$/i;

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  return `${typeof v} ${String(v)}`;
}

function describeKey(k: string): string {
  switch (k) {
    case 'name':
      return 'a topic name';
    case 'subscriptions':
      return 'a list of subscriptions';
    case 'quietMinutes':
      return 'minutes out of ALARM that end an episode (0: deliver every state change)';
    case 'type':
      return SUBSCRIPTION_TYPES.join(', ');
    case 'to':
      return 'an email address or a list of them';
    case 'url':
      return 'an http:// or https:// URL';
    case 'host':
      return 'the SMTP server host name';
    case 'from':
      return 'the From address, e.g. "flowwatch <alerts@example.com>"';
    case 'userEnv':
    case 'passEnv':
      return 'the name of an environment variable';
    default:
      return `a value for ${k}`;
  }
}

/** The derived id of a subscription: its type and a hash of its endpoint (URLs may hold secrets). */
function derivedId(type: SubscriptionType, endpoint: string): string {
  if (type === 'stdout') return 'stdout';
  return `${type}-${createHash('sha256').update(endpoint).digest('hex').slice(0, 12)}`;
}

const KEYS: Record<SubscriptionType, readonly string[]> = {
  email: ['type', 'id', 'to'],
  webhook: ['type', 'id', 'url', 'secret', 'secretEnv', 'headers', 'timeoutSeconds'],
  slack: ['type', 'id', 'url', 'timeoutSeconds'],
  stdout: ['type', 'id'],
};
const REQUIRED_KEYS: Record<SubscriptionType, readonly string[]> = {
  email: ['type', 'to'],
  webhook: ['type', 'url'],
  slack: ['type', 'url'],
  stdout: ['type'],
};

function checkSubscription(c: Checker, raw: unknown, path: Path): Subscription | undefined {
  const errorsBefore = c.errors.length;
  const rawType =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['type'] : undefined;
  if (rawType !== undefined && !(SUBSCRIPTION_TYPES as readonly unknown[]).includes(rawType)) {
    return c.fail(
      'NOTIFY_BAD_SUBSCRIPTION_TYPE',
      [...path, 'type'],
      `subscription type ${describe(rawType)} is unknown`,
      SUBSCRIPTION_TYPES.join(', '),
    );
  }
  const type = (rawType ?? 'stdout') as SubscriptionType;
  const m = c.mapping(
    raw,
    path,
    rawType === undefined ? ['type'] : KEYS[type],
    rawType === undefined ? ['type'] : REQUIRED_KEYS[type],
  );
  if (m === undefined || rawType === undefined) return undefined;
  let id: string | undefined;
  if (m['id'] !== undefined) {
    id = c.string(m['id'], [...path, 'id'], 'an id of letters, digits, ".", "_" and "-" (at most 64)');
    if (id !== undefined && !SUBSCRIPTION_ID.test(id)) {
      id = c.fail(
        'NOTIFY_BAD_ID',
        [...path, 'id'],
        `"${id}" is not a valid id`,
        'at most 64 letters, digits, ".", "_", "-"',
      );
    }
  }
  const timeout = (): number =>
    m['timeoutSeconds'] === undefined
      ? DEFAULT_HTTP_TIMEOUT_SECONDS
      : (c.number(m['timeoutSeconds'], [...path, 'timeoutSeconds'], 0.001, 300, false) ?? 0);
  let sub: Subscription | undefined;
  switch (type) {
    case 'email': {
      const rawTo = m['to'];
      const list = typeof rawTo === 'string' ? [rawTo] : Array.isArray(rawTo) ? rawTo : undefined;
      if (rawTo !== undefined && (list === undefined || list.length === 0)) {
        c.fail(
          'NOTIFY_TYPE',
          [...path, 'to'],
          `is ${describe(rawTo)}`,
          'an email address or a non-empty list of them',
        );
      }
      const to: string[] = [];
      (list ?? []).forEach((a, i) => {
        const p = typeof rawTo === 'string' ? [...path, 'to'] : [...path, 'to', i];
        const addr = c.string(a, p, 'an email address');
        if (addr === undefined) return;
        if (!EMAIL.test(addr))
          c.fail('NOTIFY_BAD_EMAIL', p, `"${addr}" is not an email address`, 'name@domain');
        else to.push(addr);
      });
      sub = { type, id: id ?? derivedId(type, to.join(',').toLowerCase()), to };
      break;
    }
    case 'webhook': {
      const url = (m['url'] === undefined ? undefined : c.url(m['url'], [...path, 'url'])) ?? '';
      const secret = m['secret'] === undefined ? undefined : c.string(m['secret'], [...path, 'secret']);
      const secretEnv =
        m['secretEnv'] === undefined ? undefined : c.envName(m['secretEnv'], [...path, 'secretEnv']);
      if (m['secret'] !== undefined && m['secretEnv'] !== undefined) {
        c.fail(
          'NOTIFY_SECRET_CONFLICT',
          [...path, 'secretEnv'],
          'both secret and secretEnv are given',
          'one of secret or secretEnv',
        );
      }
      const headers: Record<string, string> = {};
      if (m['headers'] !== undefined) {
        const h = m['headers'];
        if (typeof h !== 'object' || h === null || Array.isArray(h)) {
          c.fail(
            'NOTIFY_TYPE',
            [...path, 'headers'],
            `is ${describe(h)}`,
            'a mapping of header name to value',
          );
        } else {
          for (const [name, value] of Object.entries(h)) {
            const p = [...path, 'headers', name];
            if (!HEADER_NAME.test(name)) {
              c.fail('NOTIFY_BAD_HEADER', p, `"${name}" is not a header name`, 'letters, digits and -');
            } else if (RESERVED_HEADER.test(name)) {
              c.fail(
                'NOTIFY_RESERVED_HEADER',
                p,
                `header "${name}" is set by flowwatch`,
                'a header other than x-amz-sns-*, x-flowwatch-*, content-type, content-length, host',
              );
            } else if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
              c.fail('NOTIFY_BAD_HEADER', p, `is ${describe(value)}`, 'a string without line breaks');
            } else {
              headers[name] = value;
            }
          }
        }
      }
      sub = {
        type,
        id: id ?? derivedId(type, url),
        url,
        secret,
        secretEnv,
        headers,
        timeoutSeconds: timeout(),
      };
      break;
    }
    case 'slack': {
      const url = (m['url'] === undefined ? undefined : c.url(m['url'], [...path, 'url'])) ?? '';
      sub = { type, id: id ?? derivedId(type, url), url, timeoutSeconds: timeout() };
      break;
    }
    case 'stdout':
      sub = { type, id: id ?? derivedId(type, '') };
      break;
    default: {
      const never: never = type;
      throw new Error(`unhandled subscription type ${String(never)}`);
    }
  }
  return c.errors.length === errorsBefore ? sub : undefined;
}

function result<T>(c: Checker, value: T | undefined): Checked<T> {
  if (c.errors.length > 0 || value === undefined) return { ok: false, errors: c.errors };
  return { ok: true, value };
}

/**
 * Validates a topic as read from a configuration file. Collects every error (code, key, expected) rather than
 * stopping at the first.
 *
 * @example
 * checkTopic({ name: 'alerts', subscriptions: [{ type: 'webhook', url: 'ftp://x' }] })
 * // { ok: false, errors: [NotifyConfigError NOTIFY_BAD_URL at subscriptions.0.url] }
 */
export function checkTopic(raw: unknown): Checked<Topic> {
  const c = new Checker();
  const m = c.mapping(raw, [], ['name', 'subscriptions', 'episodes'], ['name', 'subscriptions']);
  if (m === undefined) return result<Topic>(c, undefined);
  let name: string | undefined;
  if (m['name'] !== undefined) {
    name = c.string(m['name'], ['name'], 'a topic name');
    if (name !== undefined && !TOPIC_NAME.test(name)) {
      name = c.fail(
        'NOTIFY_BAD_NAME',
        ['name'],
        `topic name "${name}" is not valid`,
        '1 to 256 letters, digits, "-" or "_" (as SNS requires)',
      );
    }
  }
  const subscriptions: Subscription[] = [];
  const raws = m['subscriptions'];
  if (raws !== undefined && !Array.isArray(raws)) {
    c.fail('NOTIFY_TYPE', ['subscriptions'], `is ${describe(raws)}`, 'a list of subscriptions');
  } else if (Array.isArray(raws)) {
    const seen = new Map<string, number>();
    raws.forEach((r, i) => {
      const s = checkSubscription(c, r, ['subscriptions', i]);
      if (s === undefined) return;
      const first = seen.get(s.id);
      if (first !== undefined) {
        c.fail(
          'NOTIFY_DUPLICATE_SUBSCRIPTION',
          ['subscriptions', i],
          `repeats subscription ${first} (id "${s.id}")`,
          'each endpoint once per topic',
          'give the two an explicit, different "id" if both are meant',
        );
        return;
      }
      seen.set(s.id, i);
      subscriptions.push(s);
    });
  }
  let episodes: EpisodeSettings | undefined;
  if (m['episodes'] !== undefined) {
    const e = c.mapping(m['episodes'], ['episodes'], ['quietMinutes'], ['quietMinutes']);
    const minutes =
      e === undefined
        ? undefined
        : c.number(e['quietMinutes'], ['episodes', 'quietMinutes'], 0, 10_080, false);
    if (minutes !== undefined) episodes = { quietSeconds: Math.round(minutes * 60) };
  }
  return result(
    c,
    name === undefined ? undefined : { name, subscriptions, ...(episodes === undefined ? {} : { episodes }) },
  );
}

/**
 * Validates the SMTP settings. `port` defaults to 465 when `secure`, else 587; `secure` defaults to
 * `port === 465`; `timeoutSeconds` to 30.
 *
 * @example checkSmtp({ host: 'smtp.example.com', from: 'flowwatch <alerts@example.com>', auth: { userEnv: 'SMTP_USER', passEnv: 'SMTP_PASS' } })
 */
export function checkSmtp(raw: unknown): Checked<SmtpSettings> {
  const c = new Checker();
  const m = c.mapping(
    raw,
    [],
    ['host', 'port', 'secure', 'auth', 'from', 'timeoutSeconds'],
    ['host', 'from'],
  );
  if (m === undefined) return result<SmtpSettings>(c, undefined);
  const host = m['host'] === undefined ? undefined : c.string(m['host'], ['host'], describeKey('host'));
  const secureGiven = m['secure'] === undefined ? undefined : c.boolean(m['secure'], ['secure']);
  const port =
    m['port'] === undefined ? (secureGiven ? 465 : 587) : c.number(m['port'], ['port'], 1, 65535, true);
  const secure = secureGiven ?? port === 465;
  let auth: SmtpSettings['auth'];
  if (m['auth'] !== undefined) {
    const a = c.mapping(m['auth'], ['auth'], ['userEnv', 'passEnv'], ['userEnv', 'passEnv']);
    if (a !== undefined) {
      const userEnv = a['userEnv'] === undefined ? undefined : c.envName(a['userEnv'], ['auth', 'userEnv']);
      const passEnv = a['passEnv'] === undefined ? undefined : c.envName(a['passEnv'], ['auth', 'passEnv']);
      if (userEnv !== undefined && passEnv !== undefined) auth = { userEnv, passEnv };
    }
  }
  const fromText = m['from'] === undefined ? undefined : c.string(m['from'], ['from'], describeKey('from'));
  let from: string | undefined;
  if (fromText !== undefined) {
    const addr = /<([^<>]*)>\s*$/.exec(fromText)?.[1] ?? fromText;
    if (EMAIL.test(addr.trim())) from = fromText;
    else c.fail('NOTIFY_BAD_EMAIL', ['from'], `"${fromText}" is not an email address`, describeKey('from'));
  }
  const timeoutSeconds =
    m['timeoutSeconds'] === undefined
      ? 30
      : c.number(m['timeoutSeconds'], ['timeoutSeconds'], 0.001, 600, false);
  if (host === undefined || from === undefined || port === undefined || timeoutSeconds === undefined) {
    return result<SmtpSettings>(c, undefined);
  }
  return result(c, { host, port, secure, auth, from, timeoutSeconds });
}

/**
 * Validates a retry policy; missing keys take {@link DEFAULT_RETRY}'s values.
 *
 * @example checkRetryPolicy({ baseDelaySeconds: 5, maxAttempts: 3 }) // ok, maxDelaySeconds 600
 */
export function checkRetryPolicy(raw: unknown): Checked<RetryPolicy> {
  const c = new Checker();
  const m = c.mapping(raw ?? {}, [], ['baseDelaySeconds', 'maxDelaySeconds', 'maxAttempts'], []);
  if (m === undefined) return result<RetryPolicy>(c, undefined);
  const num = (k: keyof RetryPolicy, min: number, max: number, integer: boolean): number | undefined =>
    m[k] === undefined ? DEFAULT_RETRY[k] : c.number(m[k], [k], min, max, integer);
  const baseDelaySeconds = num('baseDelaySeconds', 0.001, 86_400, false);
  const maxDelaySeconds = num('maxDelaySeconds', 0.001, 86_400, false);
  const maxAttempts = num('maxAttempts', 1, 1000, true);
  if (baseDelaySeconds !== undefined && maxDelaySeconds !== undefined && maxDelaySeconds < baseDelaySeconds) {
    c.fail(
      'NOTIFY_BAD_NUMBER',
      ['maxDelaySeconds'],
      `is ${maxDelaySeconds}, less than baseDelaySeconds (${baseDelaySeconds})`,
      'a number at least baseDelaySeconds',
    );
  }
  if (baseDelaySeconds === undefined || maxDelaySeconds === undefined || maxAttempts === undefined) {
    return result<RetryPolicy>(c, undefined);
  }
  return result(c, { baseDelaySeconds, maxDelaySeconds, maxAttempts });
}

/**
 * Where a subscription delivers, for listings: addresses, the URL without credentials, path or query (Slack and
 * many webhook URLs carry their secret in the path), or `stdout`.
 *
 * @example endpointOf({ type: 'slack', id: 'x', url: 'https://hooks.slack.com/services/T/B/secret', timeoutSeconds: 15 }) // 'https://hooks.slack.com/…'
 */
export function endpointOf(s: Subscription): string {
  switch (s.type) {
    case 'email':
      return s.to.join(', ');
    case 'webhook':
    case 'slack': {
      try {
        const u = new URL(s.url);
        return `${u.protocol}//${u.host}${u.pathname === '/' && !u.search ? '/' : '/…'}`;
      } catch {
        return s.url;
      }
    }
    case 'stdout':
      return 'stdout';
    default: {
      const never: never = s;
      throw new Error(`unhandled subscription ${String(never)}`);
    }
  }
}
