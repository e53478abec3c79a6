// The SigV4 checker against signatures made by the AWS SDK's own signer (@smithy/signature-v4): an independent
// implementation of the same specification, so agreement means both follow it.

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { AwsError } from '../../src/api/protocol.js';
import { verifySigV4 } from '../../src/api/sigv4.js';

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** The SDK's Checksum interface over node:crypto (what @smithy/hash-node does). */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.h.digest();
  }
}

const creds = [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }];

async function signed(path: string, body: string, service = 'logs', secret = creds[0]!.secretAccessKey) {
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret },
    region: 'eu-west-1',
    service,
    sha256: Sha256,
  });
  const [p, q] = path.split('?');
  const query = Object.fromEntries(new URLSearchParams(q ?? ''));
  const req = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8080,
      path: p!,
      query,
      headers: {
        host: '127.0.0.1:8080',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Logs_20140328.X',
      },
      body,
    },
    { signingDate: new Date('2024-05-20T10:00:00Z') },
  );
  return { method: 'POST', url: path, headers: req.headers, body: Buffer.from(body) };
}

describe('verifySigV4', () => {
  it('accepts what the SDK signer signs (paths, queries, bodies) and says who signed', async () => {
    for (const [path, body] of [
      ['/', '{}'],
      ['/', '{"logGroupName":"/vpc/flow logs ü"}'],
      ['/a%20b/c', ''], // a path as sent on the wire (already encoded once)
      ['/?b=2&a=1&c=x%20y', 'Action=ListMetrics&Version=2010-08-01'],
    ] as const) {
      const r = await signed(path, body, 'monitoring');
      let got: unknown;
      try {
        got = verifySigV4(r, creds, false);
      } catch (e) {
        got = `${path}: ${(e as Error).message}`;
      }
      expect(got, path).toEqual({ accessKeyId: 'AKIDEXAMPLE', region: 'eu-west-1', service: 'monitoring' });
    }
  });

  it('refuses a changed body, a wrong secret, an unknown key and an unsigned request', async () => {
    const r = await signed('/', '{"a":1}');
    const code = (f: () => unknown) => {
      try {
        f();
        return 'accepted';
      } catch (e) {
        return (e as AwsError).type;
      }
    };
    expect(code(() => verifySigV4({ ...r, body: Buffer.from('{"a":2}') }, creds, false))).toBe(
      'SignatureDoesNotMatch',
    );
    const wrong = await signed('/', '{"a":1}', 'logs', 'other');
    expect(code(() => verifySigV4(wrong, creds, false))).toBe('SignatureDoesNotMatch');
    expect(code(() => verifySigV4(r, [{ accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' }], false))).toBe(
      'UnrecognizedClient',
    );
    expect(code(() => verifySigV4({ ...r, headers: {} }, creds, false))).toBe('MissingAuthenticationToken');
    expect(verifySigV4({ ...r, headers: {} }, creds, true)).toBeUndefined();
    expect(
      code(() => verifySigV4({ ...r, headers: { ...r.headers, authorization: 'Bearer x' } }, creds, false)),
    ).toBe('IncompleteSignature');
  });
});
