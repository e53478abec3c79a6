// Signatures: SNS-style RSA signatures of envelopes (spec §7.4) and the HMAC-SHA256 header of webhook deliveries.

import { createHmac, createPublicKey, generateKeyPairSync, sign, timingSafeEqual, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileDurable } from './durable-file.js';
import { type EnvelopeSigner, type SnsEnvelope, snsStringToSign } from './envelope.js';

/** The webhook header carrying `sha256=<hex>` (see {@link webhookSignature}). */
export const SIGNATURE_HEADER = 'x-flowwatch-signature';
/** The webhook header carrying the attempt's time in unix seconds, covered by the signature. */
export const TIMESTAMP_HEADER = 'x-flowwatch-timestamp';

/**
 * Signs envelopes with an RSA private key: SHA1withRSA for version `1`, SHA256withRSA for version `2`
 * (spec §7.4 step 4).
 *
 * @example const signer = rsaSigner(pem, 'https://example.com/flowwatch.pem', '2');
 */
export function rsaSigner(
  privateKeyPem: string,
  signingCertUrl: string,
  version: '1' | '2' = '2',
): EnvelopeSigner {
  const algorithm = version === '1' ? 'sha1' : 'sha256';
  return {
    signatureVersion: version,
    signingCertUrl,
    sign: (text) => sign(algorithm, Buffer.from(text, 'utf8'), privateKeyPem).toString('base64'),
  };
}

/** A key pair kept in the state directory. */
export interface SigningKey {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  /** The public key file, for `SigningCertURL`. */
  readonly publicKeyPath: string;
}

/**
 * Loads the state directory's RSA key pair (`signing-key.pem`, mode 0600, and `signing-key.pub.pem`), creating
 * a 2048-bit pair on first use. flowwatch has no certificate authority, so the "certificate" it points
 * `SigningCertURL` at is this public key in PEM (`crypto.verify` accepts either).
 *
 * @example const key = await loadOrCreateSigningKey('/var/lib/flowwatch/notify');
 */
export async function loadOrCreateSigningKey(dir: string): Promise<SigningKey> {
  const privatePath = join(dir, 'signing-key.pem');
  const publicKeyPath = join(dir, 'signing-key.pub.pem');
  try {
    const privateKeyPem = await readFile(privatePath, 'utf8');
    const publicKeyPem = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    return { privateKeyPem, publicKeyPem, publicKeyPath };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await writeFileDurable(publicKeyPath, publicKeyPem, 0o644);
  await writeFileDurable(privatePath, privateKeyPem, 0o600);
  return { privateKeyPem, publicKeyPem, publicKeyPath };
}

/** The signer of a state directory's key, with `SigningCertURL` = the public key's file URL unless given. */
export function keySigner(key: SigningKey, signingCertUrl?: string): EnvelopeSigner {
  return rsaSigner(key.privateKeyPem, signingCertUrl ?? pathToFileURL(key.publicKeyPath).href, '2');
}

/**
 * Verifies an envelope's `Signature` as spec §7.4 steps 3–4 describe, with a public key or certificate in PEM.
 * (Fetching the certificate and checking its host, steps 1–2, are the receiver's business.)
 *
 * @example verifySnsSignature(JSON.parse(body), publicKeyPem) // true
 */
export function verifySnsSignature(envelope: SnsEnvelope, publicKeyOrCertPem: string): boolean {
  const algorithm = envelope.SignatureVersion === '1' ? 'sha1' : 'sha256';
  try {
    return verify(
      algorithm,
      Buffer.from(snsStringToSign(envelope), 'utf8'),
      publicKeyOrCertPem,
      Buffer.from(envelope.Signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/**
 * The value of `x-flowwatch-signature`: `sha256=` + hex HMAC-SHA256, keyed with the subscription's secret, of
 * `{timestamp}.{raw body}` where `timestamp` is the `x-flowwatch-timestamp` header (unix seconds).
 *
 * @example webhookSignature('s3cret', 1716201062, '{"Type":"Notification"}') // 'sha256=…'
 */
export function webhookSignature(secret: string, timestamp: number, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** What a receiver checks with {@link verifyWebhookSignature}. */
export interface WebhookCheck {
  /** The `x-flowwatch-signature` header. */
  readonly signature: string | undefined;
  /** The `x-flowwatch-timestamp` header. */
  readonly timestamp: string | undefined;
  /** The raw request body, exactly as received. */
  readonly body: string | Buffer;
  /** Now, in unix seconds (default: the system clock). */
  readonly now?: number | undefined;
  /** Oldest acceptable timestamp, in seconds before (or after) now; default 300. */
  readonly toleranceSeconds?: number | undefined;
}

/**
 * A receiver's check of a flowwatch webhook delivery: the HMAC matches (compared in constant time) and the
 * timestamp is within the tolerance, which stops replays of old deliveries.
 *
 * @example verifyWebhookSignature('s3cret', { signature: req.headers['x-flowwatch-signature'], timestamp: req.headers['x-flowwatch-timestamp'], body })
 */
export function verifyWebhookSignature(secret: string, check: WebhookCheck): boolean {
  if (check.signature === undefined || check.timestamp === undefined || !/^\d+$/.test(check.timestamp))
    return false;
  const ts = Number(check.timestamp);
  const now = check.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (check.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookSignature(secret, ts, check.body));
  const given = Buffer.from(check.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
