// The `api` section: validation with the key path, secrets from the environment, and never an open API except
// unsigned on loopback when asked.

import { describe, expect, it } from 'vitest';
import { apiCredentials, checkApi } from '../../src/config/api-config.js';
import { MonitorConfigError } from '../../src/config/monitor-config.js';

const base = { credentials: [], allowUnsigned: false, maxBodyMegabytes: 16, requestTimeoutSeconds: 60 };

describe('api settings', () => {
  it('validates keys and names the offending one', () => {
    expect(checkApi({}, ['api']).value).toEqual(base);
    const r = checkApi(
      { credentials: [{ accessKeyId: 'AK', secretAccessKey: 'x', secretAccessKeyEnv: 'Y' }] },
      ['api'],
    );
    expect(r.errors[0]?.path).toEqual(['api', 'credentials', 0]);
    expect(checkApi({ allowUnsigned: 'yes' }, ['api']).errors[0]?.path).toEqual(['api', 'allowUnsigned']);
    expect(checkApi({ nope: 1 }, ['api']).errors[0]?.message).toContain('unknown key "nope"');
  });

  it('reads secrets from the environment and refuses an API open to anyone', () => {
    const env = { S: 'secret' };
    const api = { ...base, credentials: [{ accessKeyId: 'AK', secretAccessKeyEnv: 'S' }] };
    expect(apiCredentials(api, env, '0.0.0.0:8080').credentials).toEqual([
      { accessKeyId: 'AK', secretAccessKey: 'secret' },
    ]);
    expect(() => apiCredentials(api, {}, '127.0.0.1:8080')).toThrow(/S \(the secret of AK\) is not set/);
    expect(() => apiCredentials(base, {}, '127.0.0.1:8080')).toThrow(MonitorConfigError);
    expect(apiCredentials({ ...base, allowUnsigned: true }, {}, '127.0.0.1:8080').allowUnsigned).toBe(true);
    expect(() => apiCredentials({ ...base, allowUnsigned: true }, {}, '0.0.0.0:8080')).toThrow(
      /only honoured on loopback/,
    );
  });
});

describe('unsigned requests on loopback', () => {
  it('are taken when allowUnsigned is set (aws --no-sign-request), with any dummy key too; bodies are size-limited', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadConfig } = await import('../../src/config/config.js');
    const { startMonitor } = await import('../../src/monitor/monitor.js');
    const dir = mkdtempSync(join(tmpdir(), 'fw-cwapi-unsigned-'));
    const file = join(dir, 'flowwatch.yaml');
    writeFileSync(
      file,
      `monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}" }\napi: { allowUnsigned: true, maxBodyMegabytes: 1 }\n`,
    );
    const m = await startMonitor({
      config: loadConfig(file, true),
      configPath: file,
      db: join(dir, 'm.duckdb'),
      log: () => undefined,
      env: {},
    });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(m.url, {
          method: 'POST',
          headers: {
            'x-amz-target': 'Logs_20140328.DescribeLogGroups',
            'content-type': 'application/x-amz-json-1.1',
            ...headers,
          },
          body: '{}',
        });
      const r = await post({});
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ logGroups: [] });
      const dummy = await post({
        authorization: `AWS4-HMAC-SHA256 Credential=test/20240520/us-east-1/logs/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      });
      expect(dummy.status).toBe(200);
      // Over api.maxBodyMegabytes: refused before the body is read, in the protocol's error shape.
      const big = await fetch(m.url, {
        method: 'POST',
        headers: {
          'x-amz-target': 'Logs_20140328.PutLogEvents',
          'content-type': 'application/x-amz-json-1.1',
        },
        body: `{"logGroupName":"${'x'.repeat(2 * 1024 * 1024)}"}`,
      });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { __type: string }).__type).toBe('InvalidParameterException');
    } finally {
      await m.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
