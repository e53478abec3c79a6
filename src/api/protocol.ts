// The wire protocols of the CloudWatch-compatible API: AWS JSON 1.1 / 1.0 (with the query-compatible error
// header) and AWS Query (form-encoded requests, XML answers). One error class carries AWS's error type, the
// query-protocol code, the HTTP status and any extra members, and is written in each protocol's shape.

import { randomUUID } from 'node:crypto';

/** An error in AWS's shape: `type` is the model's shape name (`ResourceNotFoundException`). */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** The query-protocol `Code` when it differs from the type (`ResourceNotFound`, `InvalidParameterValue`). */
    readonly queryCode?: string,
    /** Extra members of the error shape (`queryCompileError`, …). */
    readonly extra?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'AwsError';
  }
  /** Sender for client faults, Receiver for server faults. */
  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** An answer to send: status, headers, body. */
export interface AwsAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export const newRequestId = (): string => randomUUID();

/** A JSON protocol success answer (`{}` when the operation has no output). */
export function jsonAnswer(version: '1.0' | '1.1', requestId: string, output: unknown): AwsAnswer {
  return {
    status: 200,
    headers: {
      'content-type': `application/x-amz-json-${version}`,
      'x-amzn-requestid': requestId,
    },
    body: JSON.stringify(output ?? {}),
  };
}

/** A JSON protocol error answer; `queryCompatible` adds `x-amzn-query-error` (CloudWatch over JSON 1.0). */
export function jsonError(
  version: '1.0' | '1.1',
  requestId: string,
  err: AwsError,
  queryCompatible: boolean,
): AwsAnswer {
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${version}`,
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': err.type,
  };
  if (queryCompatible) headers['x-amzn-query-error'] = `${err.queryCode ?? err.type};${err.fault}`;
  return {
    status: err.status,
    headers,
    body: JSON.stringify({ __type: err.type, message: err.message, ...(err.extra ?? {}) }),
  };
}

/** Escapes text for XML content. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** A value for {@link toXml}: lists become `<member>` items, Dates ISO 8601, maps must be pre-shaped. */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | XmlValue[]
  | { [k: string]: XmlValue };

/** Serialises an output structure in the query protocol's XML (lists as `<member>`). */
export function toXml(v: XmlValue): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    return Object.entries(v)
      .filter(([, x]) => x !== undefined && x !== null)
      .map(([k, x]) => `<${k}>${toXml(x)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(v));
}

/** A query protocol success answer. */
export function queryAnswer(
  namespace: string,
  action: string,
  requestId: string,
  result: { [k: string]: XmlValue } | undefined,
): AwsAnswer {
  const inner = result === undefined ? '' : `<${action}Result>${toXml(result)}</${action}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

/** A query protocol error answer. */
export function queryError(namespace: string, requestId: string, err: AwsError): AwsAnswer {
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>${err.fault}</Type><Code>${xmlEscape(err.queryCode ?? err.type)}</Code><Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** A parsed form body: the flat `Name.member.1=…` pairs. */
export type FormParams = ReadonlyMap<string, string>;

/** Parses an `application/x-www-form-urlencoded` body. */
export function parseForm(body: string): FormParams {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body)) out.set(k, v);
  return out;
}

/**
 * Rebuilds a nested value from flattened query parameters under `prefix`: `X.member.N` lists, `X.entry.N.key`
 * maps are left to the caller; here `prefix.member.N[.rest]` becomes an array of the `rest` maps (or strings).
 *
 * @example memberList(parseForm('A.member.1=x&A.member.2=y'), 'A') // ['x', 'y']
 */
export function memberList(p: FormParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; p.has(`${prefix}.member.${i}`); i++) out.push(p.get(`${prefix}.member.${i}`)!);
  return out;
}

/** The structures of a `prefix.member.N.Field` list, each as a map of its (dotted) fields. */
export function memberStructs(p: FormParams, prefix: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (let i = 1; ; i++) {
    const head = `${prefix}.member.${i}.`;
    const m = new Map<string, string>();
    for (const [k, v] of p) if (k.startsWith(head)) m.set(k.slice(head.length), v);
    if (m.size === 0) break;
    out.push(m);
  }
  return out;
}
