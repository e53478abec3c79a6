// The `api` section of flowwatch.yaml: the CloudWatch-compatible API (CloudWatch Logs, CloudWatch, SNS) that the
// AWS CLI and SDKs reach with --endpoint-url. Its access keys (SigV4), the loopback-only unsigned mode, and limits.

import { isLoopbackListen, MonitorConfigError } from './monitor-config.js';

/** One access key: the id in the file, the secret in the file or (better) in an environment variable. */
export interface ApiCredentialConfig {
  readonly accessKeyId: string;
  readonly secretAccessKey?: string | undefined;
  readonly secretAccessKeyEnv?: string | undefined;
}

export interface ApiSettings {
  readonly credentials: readonly ApiCredentialConfig[];
  /** Accept unsigned requests (`aws --no-sign-request`, dummy keys): honoured only on a loopback listen address. */
  readonly allowUnsigned: boolean;
  /** Largest request body (default 16 MB: 10,000 flow log lines in one PutLogEvents). */
  readonly maxBodyMegabytes: number;
  /** A request still unanswered after this long is answered with a ServiceUnavailable error (default 60 s). */
  readonly requestTimeoutSeconds: number;
}

const KEYS = ['credentials', 'allowUnsigned', 'maxBodyMegabytes', 'requestTimeoutSeconds'];
const CRED_KEYS = ['accessKeyId', 'secretAccessKey', 'secretAccessKeyEnv'];

/** Validates the `api` section (errors carry the key path). */
export function checkApi(
  raw: unknown,
  path: readonly (string | number)[],
): { value?: ApiSettings; errors: MonitorConfigError[] } {
  const errors: MonitorConfigError[] = [];
  const fail = (at: readonly (string | number)[], message: string, hint?: string) =>
    errors.push(new MonitorConfigError('CONFIG_API', [...path, ...at], message, hint));
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    fail([], 'expected a mapping with credentials, allowUnsigned, maxBodyMegabytes, requestTimeoutSeconds');
    return { errors };
  }
  const m = raw as Record<string, unknown>;
  for (const k of Object.keys(m)) {
    if (!KEYS.includes(k)) fail([k], `unknown key "${k}"`, `expected one of ${KEYS.join(', ')}`);
  }
  const credentials: ApiCredentialConfig[] = [];
  const list = m['credentials'] ?? [];
  if (!Array.isArray(list)) fail(['credentials'], 'expected a list of {accessKeyId, secretAccessKeyEnv}');
  else {
    list.forEach((c, i) => {
      if (c === null || typeof c !== 'object' || Array.isArray(c)) {
        fail(['credentials', i], 'expected a mapping with accessKeyId and secretAccessKeyEnv');
        return;
      }
      const cm = c as Record<string, unknown>;
      for (const k of Object.keys(cm)) {
        if (!CRED_KEYS.includes(k))
          fail(['credentials', i, k], `unknown key "${k}"`, `expected one of ${CRED_KEYS.join(', ')}`);
      }
      const id = cm['accessKeyId'];
      if (typeof id !== 'string' || !/^[A-Za-z0-9]{1,128}$/.test(id)) {
        fail(
          ['credentials', i, 'accessKeyId'],
          'accessKeyId: expected letters and digits, e.g. AKIAFLOWWATCHLOCAL',
        );
        return;
      }
      const secret = cm['secretAccessKey'];
      const env = cm['secretAccessKeyEnv'];
      if ((secret === undefined) === (env === undefined)) {
        fail(
          ['credentials', i],
          'give exactly one of secretAccessKey and secretAccessKeyEnv',
          'secretAccessKeyEnv: the name of an environment variable holding the secret keeps it out of the file',
        );
        return;
      }
      if (secret !== undefined && (typeof secret !== 'string' || secret === '')) {
        fail(['credentials', i, 'secretAccessKey'], 'secretAccessKey: expected a non-empty string');
        return;
      }
      if (env !== undefined && (typeof env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env))) {
        fail(
          ['credentials', i, 'secretAccessKeyEnv'],
          'secretAccessKeyEnv: expected an environment variable name',
        );
        return;
      }
      credentials.push({
        accessKeyId: id,
        ...(secret !== undefined ? { secretAccessKey: secret as string } : {}),
        ...(env !== undefined ? { secretAccessKeyEnv: env as string } : {}),
      });
    });
  }
  const allowUnsigned = m['allowUnsigned'] ?? false;
  if (typeof allowUnsigned !== 'boolean') fail(['allowUnsigned'], 'allowUnsigned: expected true or false');
  const num = (key: string, dflt: number, min: number, max: number): number => {
    const v = m[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      fail([key], `${key}: expected a number from ${min} to ${max}`);
      return dflt;
    }
    return v;
  };
  const value: ApiSettings = {
    credentials,
    allowUnsigned: allowUnsigned === true,
    maxBodyMegabytes: num('maxBodyMegabytes', 16, 1, 1024),
    requestTimeoutSeconds: num('requestTimeoutSeconds', 60, 1, 3600),
  };
  return errors.length > 0 ? { errors } : { value, errors };
}

/**
 * The access keys with their secrets read from the environment, and whether unsigned requests are taken.
 * Throws MonitorConfigError (`API_NO_CREDENTIALS`) when the API would accept requests from anyone: no usable key
 * and no `allowUnsigned` on a loopback address.
 *
 * @example apiCredentials({ credentials: [{ accessKeyId: 'AKID', secretAccessKeyEnv: 'S' }], allowUnsigned: false, maxBodyMegabytes: 16, requestTimeoutSeconds: 60 }, { S: 'x' }, '127.0.0.1:8080')
 */
export function apiCredentials(
  api: ApiSettings,
  env: Readonly<Record<string, string | undefined>>,
  listen: string,
): { credentials: { accessKeyId: string; secretAccessKey: string }[]; allowUnsigned: boolean } {
  const credentials = api.credentials.map((c, i) => {
    const secret =
      c.secretAccessKey ?? (c.secretAccessKeyEnv === undefined ? undefined : env[c.secretAccessKeyEnv]);
    if (secret === undefined || secret === '') {
      throw new MonitorConfigError(
        'API_NO_CREDENTIALS',
        ['api', 'credentials', i],
        `api.credentials[${i}]: the environment variable ${c.secretAccessKeyEnv} (the secret of ${c.accessKeyId}) is ${secret === undefined ? 'not set' : 'empty'}`,
        `export ${c.secretAccessKeyEnv}=<secret> before starting flowwatch (the same secret the AWS CLI is configured with)`,
      );
    }
    return { accessKeyId: c.accessKeyId, secretAccessKey: secret };
  });
  if (api.allowUnsigned && !isLoopbackListen(listen)) {
    throw new MonitorConfigError(
      'API_NO_CREDENTIALS',
      ['api', 'allowUnsigned'],
      `api.allowUnsigned is only honoured on loopback, but flowwatch listens on ${listen}`,
      'listen on 127.0.0.1, or remove allowUnsigned and configure api.credentials',
    );
  }
  if (credentials.length === 0 && !api.allowUnsigned) {
    throw new MonitorConfigError(
      'API_NO_CREDENTIALS',
      ['api', 'credentials'],
      'the api section has no credentials: the AWS-compatible API would accept requests from anyone',
      'add credentials: [{accessKeyId: AKIAFLOWWATCHLOCAL, secretAccessKeyEnv: FLOWWATCH_API_SECRET}] under api:, or allowUnsigned: true for a test on 127.0.0.1 only',
    );
  }
  return { credentials, allowUnsigned: api.allowUnsigned };
}
