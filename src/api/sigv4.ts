// AWS Signature Version 4 checking for the CloudWatch-compatible API: the header form that the AWS CLI and the
// SDKs send (`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`), recomputed from the
// request as the SigV4 specification describes (canonical request → string to sign → HMAC-derived key).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from './protocol.js';

/** An access key the API accepts. */
export interface ApiCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What a verified signature says about the caller. */
export interface SignedBy {
  readonly accessKeyId: string;
  readonly region: string;
  /** The signing name of the scope: `logs`, `monitoring`, `sns`. */
  readonly service: string;
}

/** The parts of a request the signature covers. */
export interface SignedRequest {
  readonly method: string;
  /** The path and query as sent (`/`, `/?a=b`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX (upper case). */
function uriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const ch of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(ch);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${ch.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

/** The canonical URI: every segment decoded then encoded twice (non-S3 services encode the path twice). */
function canonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  const segments = path.split('/').map((seg) => uriEncode(uriEncode(decode(seg), false), false));
  return segments.join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? '' : p.slice(i + 1);
      return [uriEncode(decode(k), false), uriEncode(decode(v), false)] as const;
    });
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(h: string | string[] | undefined): string | undefined {
  if (h === undefined) return undefined;
  return Array.isArray(h) ? h.join(',') : h;
}

const AUTH =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;

/** The parsed Authorization header, or undefined when the request carries none. */
export function parseAuthorization(header: string | undefined):
  | {
      accessKeyId: string;
      date: string;
      region: string;
      service: string;
      signedHeaders: string[];
      signature: string;
    }
  | undefined {
  if (header === undefined || header === '') return undefined;
  const m = AUTH.exec(header.trim());
  const scope = m?.[1]?.split('/');
  if (!m || !scope || scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new AwsError(
      'IncompleteSignature',
      'the Authorization header is not a SigV4 header: expected "AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request, SignedHeaders=…, Signature=…"',
      403,
    );
  }
  return {
    accessKeyId: scope[0]!,
    date: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: m[2]!.split(';'),
    signature: m[3]!,
  };
}

/**
 * The signature a request should carry, computed from the SigV4 specification.
 *
 * @example signature({ method: 'POST', url: '/', headers, body }, secret, ['content-type', 'host', 'x-amz-date'], '20240520', 'us-east-1', 'logs')
 */
export function signature(
  req: SignedRequest,
  secretAccessKey: string,
  signedHeaders: readonly string[],
  date: string,
  region: string,
  service: string,
): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const lower: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) lower[k.toLowerCase()] = v;
  const headers = signedHeaders
    .map((h) => `${h}:${(headerValue(lower[h]) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payload = headerValue(lower['x-amz-content-sha256']) ?? sha256(req.body);
  const canonical = [
    req.method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(query),
    headers,
    signedHeaders.join(';'),
    payload === 'UNSIGNED-PAYLOAD' ? 'UNSIGNED-PAYLOAD' : payload,
  ].join('\n');
  const amzDate = headerValue(lower['x-amz-date']) ?? '';
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/**
 * Checks a request's SigV4 header against the configured credentials. Returns who signed it, or undefined for
 * an unsigned request when `allowUnsigned` (the caller only passes that on loopback). Throws AwsError
 * (`MissingAuthenticationToken`, `UnrecognizedClient`, `SignatureDoesNotMatch`, 403) otherwise. The payload
 * hash is always recomputed from the body (a declared `x-amz-content-sha256` must match it), and the clock is
 * not checked (a local tool; see docs/decisions/22-cloudwatch-api.md).
 */
export function verifySigV4(
  req: SignedRequest,
  credentials: readonly ApiCredential[],
  allowUnsigned: boolean,
): SignedBy | undefined {
  const auth = parseAuthorization(headerValue(req.headers['authorization']));
  if (auth === undefined) {
    if (allowUnsigned) return undefined;
    throw new AwsError(
      'MissingAuthenticationToken',
      'the request is not signed: configure the AWS CLI or SDK with one of the access keys of api.credentials in flowwatch.yaml',
      403,
    );
  }
  const cred = credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (cred === undefined) {
    throw new AwsError(
      'UnrecognizedClient',
      `the access key id ${auth.accessKeyId} is not one of api.credentials in flowwatch.yaml`,
      403,
    );
  }
  for (const needed of ['host', 'x-amz-date']) {
    if (!auth.signedHeaders.includes(needed)) {
      throw new AwsError('IncompleteSignature', `the signed headers must include ${needed}`, 403);
    }
  }
  const declared = headerValue(req.headers['x-amz-content-sha256']);
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD' && declared !== sha256(req.body)) {
    throw new AwsError(
      'SignatureDoesNotMatch',
      'x-amz-content-sha256 is not the SHA-256 of the request body',
      403,
    );
  }
  const expected = signature(
    req,
    cred.secretAccessKey,
    auth.signedHeaders,
    auth.date,
    auth.region,
    auth.service,
  );
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new AwsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      403,
    );
  }
  return { accessKeyId: auth.accessKeyId, region: auth.region, service: auth.service };
}
