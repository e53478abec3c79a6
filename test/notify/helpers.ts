// Shared test parts: the notification used as input, a manual clock, and real loopback receivers (HTTP, SMTP).

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AlarmNotification, Clock, Evidence, EvidenceRecord } from '../../src/notify/index.js';
import { rsaSigner } from '../../src/notify/index.js';

/** Five rejected flows, in the default format's field names (AWS spelling). */
export const RECORDS: readonly EvidenceRecord[] = [
  rec('eni-0a1', '203.0.113.7', '10.0.1.5', 51000, 22, 3, 180),
  rec('eni-0a1', '203.0.113.7', '10.0.1.5', 51001, 22, 2, 120),
  rec('eni-0b2', '198.51.100.9', '10.0.1.6', 40000, 22, 1, 60),
  rec('eni-0a1', '203.0.113.7', '10.0.1.5', 51002, 3389, 1, 40),
  rec('eni-0b2', '198.51.100.9', '10.0.1.6', 40001, 22, 4, 240),
];

function rec(
  eni: string,
  src: string,
  dst: string,
  sport: number,
  dport: number,
  packets: number,
  bytes: number,
) {
  return {
    version: 2,
    'account-id': '111122223333',
    'interface-id': eni,
    srcaddr: src,
    dstaddr: dst,
    srcport: sport,
    dstport: dport,
    protocol: 6,
    packets,
    bytes,
    start: 1716200700,
    end: 1716200760,
    action: 'REJECT',
    'log-status': 'OK',
  };
}

/**
 * The summary of RECORDS, counted by hand:
 * 203.0.113.7 = records 1, 2, 4: 3 flows, 3+2+1 = 6 packets, 180+120+40 = 340 bytes;
 * 198.51.100.9 = records 3, 5: 2 flows, 1+4 = 5 packets, 60+240 = 300 bytes;
 * port 22/TCP = records 1, 2, 3, 5: 4 flows, 10 packets, 600 bytes; 3389/TCP = record 4: 1, 1, 40;
 * eni-0a1 = records 1, 2, 4 (as 203.0.113.7); eni-0b2 = records 3, 5 (as 198.51.100.9).
 */
export const EVIDENCE: Evidence = {
  records: 5,
  topSources: [
    { addr: '203.0.113.7', flows: 3, packets: 6, bytes: 340 },
    { addr: '198.51.100.9', flows: 2, packets: 5, bytes: 300 },
  ],
  topDestinationPorts: [
    { port: 22, protocol: 6, flows: 4, packets: 10, bytes: 600 },
    { port: 3389, protocol: 6, flows: 1, packets: 1, bytes: 40 },
  ],
  topInterfaces: [
    { interfaceId: 'eni-0a1', flows: 3, packets: 6, bytes: 340 },
    { interfaceId: 'eni-0b2', flows: 2, packets: 5, bytes: 300 },
  ],
  sampleRecords: [RECORDS[0]!, RECORDS[1]!],
};

export const REASON =
  'Threshold Crossed: 2 out of the last 3 datapoints [22.0 (20/05/24 10:25:00), 14.0 (20/05/24 10:15:00)] were greater than or equal to the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).';

/** Spec §8's constructed example, with the evidence above. */
export function notification(change: Partial<AlarmNotification> = {}): AlarmNotification {
  return {
    AlarmName: 'vpc-rejects-high',
    AlarmDescription: 'Rejected SSH >= 10 in 2 of 3 5-min periods',
    AWSAccountId: '111122223333',
    AlarmConfigurationUpdatedTimestamp: '2024-05-20T09:58:12.004+0000',
    NewStateValue: 'ALARM',
    NewStateReason: REASON,
    StateChangeTime: '2024-05-20T10:31:02.054+0000',
    Region: 'Europe (Ireland)',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:vpc-rejects-high',
    OldStateValue: 'OK',
    OKActions: [],
    AlarmActions: ['arn:aws:sns:eu-west-1:111122223333:netmon-alerts'],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'RejectedSSH',
      Namespace: 'Local/VPC',
      StatisticType: 'Statistic',
      Statistic: 'SUM',
      Unit: null,
      Dimensions: [],
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 10,
      TreatMissingData: 'notBreaching',
      EvaluateLowSampleCountPercentile: '',
    },
    evidence: EVIDENCE,
    ...change,
  };
}

export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:netmon-alerts';

/** One RSA key for the tests (generating one per state directory would cost time). */
const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const PUBLIC_KEY_PEM = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
export const SIGNER = rsaSigner(
  pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  'https://flowwatch.test/key.pem',
  '2',
);

export function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'flowwatch-notify-'));
}

/** Virtual time: timers fire only when the test advances the clock. */
export class ManualClock implements Clock {
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.seq += 1;
    this.timers.set(this.seq, { at: this.t + Math.max(0, ms), fn });
    return this.seq;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** When the earliest timer is due, in ms from now; undefined without timers. */
  nextIn(): number | undefined {
    const at = Math.min(...[...this.timers.values()].map((x) => x.at));
    return Number.isFinite(at) ? at - this.t : undefined;
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.timers.delete(first[0]);
      this.t = first[1].at;
      first[1].fn();
    }
    this.t = end;
  }
}

/** What a receiver answers to its i-th request (0-based). */
export type Answer = number | 'reset' | 'hang';

export interface Request {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly answer: Answer;
}

/** A real HTTP server on 127.0.0.1 recording every request. */
export interface Receiver {
  readonly url: string;
  readonly requests: Request[];
  plan: (i: number) => Answer;
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(plan: (i: number) => Answer = () => 200): Promise<Receiver> {
  const requests: Request[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: '',
    requests,
    plan,
    waitFor: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = receiver.plan(requests.length);
      requests.push({
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answer,
      });
      for (const w of waiters.filter((x) => requests.length >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      if (answer === 'hang') return;
      if (answer === 'reset') {
        req.socket.resetAndDestroy();
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' });
      res.end(answer >= 200 && answer < 300 ? 'ok' : 'receiver failure');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

export interface Mail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
}

/** A real SMTP server on 127.0.0.1 (no STARTTLS) that checks credentials and keeps every message. */
export interface MailServer {
  readonly port: number;
  readonly mails: Mail[];
  /** Credentials seen by AUTH. */
  readonly logins: { user: string; pass: string }[];
  /** How many DATA commands to refuse with 451 before accepting. */
  refuse: number;
  close(): Promise<void>;
}

export async function startMailServer(): Promise<MailServer> {
  const mails: Mail[] = [];
  const logins: { user: string; pass: string }[] = [];
  const state = { refuse: 0 };
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ user: auth.username ?? '', pass: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.refuse > 0) {
          state.refuse -= 1;
          const err = new Error('try again later') as Error & { responseCode: number };
          err.responseCode = 451;
          callback(err);
          return;
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((a) => a.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    logins,
    get refuse() {
      return state.refuse;
    },
    set refuse(n: number) {
      state.refuse = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A parsed MIME message: unfolded headers (lower-case names) and the decoded text and HTML parts. */
export interface ParsedMail {
  readonly headers: Map<string, string>;
  readonly text: string;
  readonly html: string;
}

function splitHead(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, at).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(at + 4) };
}

function decode(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'quoted-printable':
      return Buffer.from(
        body
          .replace(/=\r\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
        'latin1',
      ).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`); space between two of them is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decode(text.replace(/_/g, ' '), 'quoted-printable'),
    );
}

/** Enough MIME for nodemailer's multipart/alternative output: headers, text/plain and text/html parts. */
export function parseMail(raw: string): ParsedMail {
  const { headers: encoded, body } = splitHead(raw);
  const headers = new Map([...encoded].map(([k, v]) => [k, decodeWords(v)]));
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  let text = '';
  let html = '';
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const part of parts) {
    const p = splitHead(part.replace(/^\r\n/, ''));
    const content = decode(p.body.replace(/\r\n$/, ''), p.headers.get('content-transfer-encoding')).replace(
      /\r\n/g,
      '\n',
    );
    const type = p.headers.get('content-type') ?? '';
    if (type.startsWith('text/plain')) text = content;
    else if (type.startsWith('text/html')) html = content;
  }
  return { headers, text, html };
}
