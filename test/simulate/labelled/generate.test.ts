// The labelled corpus: deterministic for a seed, and its truth.json agrees with the records it wrote.

import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_START, generateLabelled } from '../../../src/simulate/labelled/generate.js';
import type { Attack, Truth } from '../../../src/simulate/labelled/truth.js';
import { runCliInProcess } from '../../support/run-cli.js';

/** One record read back with a parser of the test's own: header names → values ('-' kept as text). */
type Row = Record<string, string> & { file: string };

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out.sort();
}

function readRows(dir: string): Row[] {
  const rows: Row[] = [];
  for (const f of files(dir)) {
    const [header, ...lines] = gunzipSync(readFileSync(f)).toString('latin1').trimEnd().split('\n');
    const names = header!.split(' ');
    for (const line of lines) {
      const v = line.split(' ');
      if (v.length !== names.length) throw new Error(`${f}: ${v.length} values for ${names.length} names`);
      const r = { file: f } as Row;
      names.forEach((n, i) => {
        r[n] = v[i]!;
      });
      rows.push(r);
    }
  }
  return rows;
}

/** IPv4 in a CIDR, by integer arithmetic (independent of the code under test). */
function inCidr4(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(net!) / size);
}

// A 2-hour corpus from 01:00 UTC on a Monday: it holds the 02:00 nightly backup and dev-1's night (NODATA).
const START = DEFAULT_START + 3600;
let dir: string;
let truth: Truth;
let rows: Row[];
const attack = (id: string): Attack => {
  const a = truth.attacks.find((x) => x.id === id);
  if (!a) throw new Error(`no attack ${id}`);
  return a;
};
const eni = (name: string) => truth.vpcs.flatMap((v) => v.interfaces).find((i) => i.name === name)!;
const within = (r: Row, a: { start: number; end: number }) =>
  Number(r.start) >= a.start && Number(r.end) <= a.end;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labelled-'));
  truth = (await generateLabelled({ out: join(dir, 'a'), seed: 5, start: START, hours: 2 })).truth;
  rows = readRows(join(dir, 'a', 'logs'));
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('labelled corpus', () => {
  it('is byte-identical for the same seed and differs for another seed', async () => {
    await generateLabelled({ out: join(dir, 'b'), seed: 5, start: START, hours: 2 });
    const a = files(join(dir, 'a'));
    const b = files(join(dir, 'b'));
    expect(b.map((f) => f.slice(join(dir, 'b').length))).toEqual(
      a.map((f) => f.slice(join(dir, 'a').length)),
    );
    for (let i = 0; i < a.length; i++) expect(readFileSync(b[i]!).equals(readFileSync(a[i]!))).toBe(true);
    const c = await generateLabelled({ out: join(dir, 'c'), seed: 6, start: START, hours: 2 });
    expect(JSON.stringify(c.truth.attacks)).not.toEqual(JSON.stringify(truth.attacks));
  }, 120_000);

  it('writes one file per VPC per 5-minute slot, named for its slot, holding records that end in it', () => {
    // 2 h = 24 slots; each of the 3 VPCs has traffic in every slot.
    expect(truth.files).toBe(72);
    expect(rows.length).toBe(truth.records);
    for (const r of rows) {
      const m = /_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_[0-9a-f]{8}\.log\.gz$/.exec(r.file)!;
      const slot = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) / 1000;
      expect(Number(r.end)).toBeGreaterThanOrEqual(slot);
      expect(Number(r.end)).toBeLessThan(slot + 300);
    }
    // Three formats: default v2 (14 fields), custom v5 and custom v4.
    const versions = new Set(rows.map((r) => r.version));
    expect([...versions].sort()).toEqual(['2', '4', '5']);
    expect(rows.some((r) => r.type === 'IPv6')).toBe(true);
  });

  it('labels every kind with at least one attack, inbound and outbound, IPv4 and IPv6', () => {
    expect(new Set(truth.attacks.map((a) => a.kind))).toEqual(new Set(truth.kinds));
    expect(new Set(truth.attacks.map((a) => a.direction))).toEqual(
      new Set(['inbound', 'outbound', 'internal']),
    );
    expect(new Set(truth.attacks.map((a) => a.family))).toEqual(new Set([4, 6]));
    for (const a of truth.attacks) {
      expect(a.start).toBeGreaterThanOrEqual(truth.start);
      expect(a.end).toBeLessThan(truth.end);
      expect(a.end).toBeGreaterThanOrEqual(a.start);
    }
  });

  it('every attack with records has records naming its entity inside its window', () => {
    for (const a of truth.attacks) {
      if (a.kind === 'coverage-gap') continue;
      const names = [a.entity, ...a.alt];
      const mine = rows.filter(
        (r) =>
          within(r, a) &&
          (names.includes(r.srcaddr!) || names.includes(r.dstaddr!) || names.includes(r['interface-id']!)),
      );
      expect(mine.length, a.id).toBeGreaterThan(0);
    }
  });

  it('vertical scans touch exactly the stated number of distinct ports of their target', () => {
    for (const id of ['a01-vscan-fast', 'a02-vscan-slow', 'a03-vscan-v6', 'a04-vscan-internal']) {
      const a = attack(id);
      const ports = new Set(
        rows.filter((r) => r.srcaddr === a.entity && r.dstaddr === a.details.target).map((r) => r.dstport),
      );
      expect(ports.size, id).toBe(a.details.ports);
      expect(ports.size, id).toBeGreaterThanOrEqual(20);
    }
  });

  it('sweeps and outbound scans touch the stated number of distinct hosts on one port', () => {
    for (const id of [
      'b01-sweep-inbound',
      'b02-sweep-internal',
      'b03-sweep-slow',
      'c01-outscan-v4',
      'c02-outscan-v6',
    ]) {
      const a = attack(id);
      // Counted on the sweeper's own interface when it has one (its NAT gateway logs the flow again).
      const own = truth.vpcs
        .flatMap((v) => v.interfaces)
        .find((i) => i.ip4 === a.entity || i.ip6 === a.entity);
      const hosts = new Set(
        rows
          .filter((r) => r.srcaddr === a.entity && r.dstport === String(a.details.port))
          .filter((r) => own === undefined || r['interface-id'] === own.eni)
          .map((r) => r.dstaddr),
      );
      expect(hosts.size, id).toBe(a.details.hosts);
    }
    // The NAT gateway logs the Redis sweep too, with its own address as the source and pkt-dstaddr the target.
    const nat = eni('nat');
    const natSide = rows.filter(
      (r) => r['interface-id'] === nat.eni && r.srcaddr === nat.ip4 && r.dstport === '6379',
    );
    expect(natSide.length).toBe(attack('c01-outscan-v4').details.hosts);
  });

  it('brute forces make the stated number of attempts on the target port', () => {
    for (const id of ['d01-ssh-fast', 'd02-ssh-low-slow', 'd03-rdp', 'd04-ssh-v6', 'd06-winrm']) {
      const a = attack(id);
      const attempts = rows.filter(
        (r) =>
          r.srcaddr === a.entity && r.dstaddr === a.details.target && r.dstport === String(a.details.port),
      );
      expect(attempts.length, id).toBe(a.details.attempts);
      // A new connection each time: no two attempts share source port and start.
      expect(new Set(attempts.map((r) => `${r.srcport} ${r.start}`)).size, id).toBe(attempts.length);
    }
    const d05 = attack('d05-ssh-distributed');
    const bots = rows.filter(
      (r) =>
        r.dstaddr === d05.entity &&
        r.dstport === '22' &&
        within(r, d05) &&
        !['b-ci-ssh'].includes(r.srcaddr!),
    );
    const botSources = new Set(bots.map((r) => r.srcaddr));
    // Bots plus the CI runner (and maybe an office login) share port 22 in the window.
    expect(botSources.size).toBeGreaterThanOrEqual(Number(d05.details.sources));
  });

  it('unusual protocols are accepted with the stated protocol number', () => {
    for (const id of ['e01-gre-inbound', 'e02-6in4-outbound', 'e03-sctp-inbound']) {
      const a = attack(id);
      const recs = rows.filter((r) => r.protocol === String(a.details.protocol));
      expect(recs.length, id).toBe(2 * Number(a.details.minutes));
      expect(recs.every((r) => r.action === 'ACCEPT' && within(r, a))).toBe(true);
    }
  });

  it('NACL reply drops: every rejected reply answers an accepted request on the reversed 5-tuple', () => {
    for (const id of ['f01-nacl-tcp', 'f02-nacl-v6', 'f03-nacl-internal']) {
      const a = attack(id);
      const host = truth.vpcs
        .flatMap((v) => v.interfaces)
        .find((i) => i.ip4 === a.entity || i.ip6 === a.entity)!;
      const here = rows.filter((r) => r['interface-id'] === host.eni && within(r, a));
      const replies = here.filter((r) => r.srcaddr === a.entity && r.action === 'REJECT');
      expect(replies.length, id).toBeGreaterThan(0);
      const accepted = new Set(
        here
          .filter((r) => r.dstaddr === a.entity && r.action === 'ACCEPT')
          .map((r) => `${r.srcaddr} ${r.srcport} ${r.dstport} ${r.protocol}`),
      );
      for (const r of replies)
        expect(accepted.has(`${r.dstaddr} ${r.dstport} ${r.srcport} ${r.protocol}`), id).toBe(true);
    }
  });

  it('known-bad addresses are in the indicator file; the near-miss client is not, and nothing else is', () => {
    const list = readFileSync(join(dir, 'a', truth.indicators), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    const v4 = list.filter((l) => !l.includes(':')).map((l) => (l.includes('/') ? l : `${l}/32`));
    const listed = (ip: string) => !ip.includes(':') && v4.some((c) => inCidr4(ip, c));
    expect(listed(attack('g01-c2-outbound').entity)).toBe(true);
    expect(listed(attack('g02-listed-cidr-inbound').entity)).toBe(true);
    expect(listed(attack('g04-listed-cidr-outbound').entity)).toBe(true);
    expect(attack('g03-listed-v6-inbound').entity.startsWith('2a0b:4340:a1:')).toBe(true);
    expect(list).toContain('2a0b:4340:a1::/48');
    const near = truth.benign.find((b) => b.id === 'b-near-indicator');
    if (near) expect(listed(near.entity)).toBe(false);
    // No background record involves a listed IPv4 address.
    const bad = new Set(truth.attacks.filter((a) => a.kind === 'known-bad').map((a) => a.entity));
    for (const r of rows) {
      for (const ip of [r.srcaddr!, r.dstaddr!]) if (ip !== '-' && listed(ip)) expect(bad.has(ip)).toBe(true);
    }
  });

  it('coverage gaps: SKIPDATA a minute, silent interfaces write nothing in their window but log before it', () => {
    const h01 = attack('h01-skipdata');
    const skips = rows.filter((r) => r['log-status'] === 'SKIPDATA');
    expect(skips.length).toBe(Math.round((h01.end + 1 - h01.start) / 60));
    expect(skips.every((r) => r['interface-id'] === h01.entity)).toBe(true);
    for (const id of ['h02-silent-eni', 'h03-silent-eni-v2']) {
      const a = attack(id);
      const mine = rows.filter((r) => r['interface-id'] === a.entity);
      expect(mine.filter((r) => Number(r.start) >= a.start && Number(r.start) < a.end).length, id).toBe(0);
      expect(mine.filter((r) => Number(r.end) < a.start).length, id).toBeGreaterThan(0);
    }
  });

  it('exfiltration bytes, flood sources and beacon periods are as stated', () => {
    for (const id of ['i01-exfil-night', 'i02-exfil-slow-v6']) {
      const a = attack(id);
      const host = truth.vpcs
        .flatMap((v) => v.interfaces)
        .find((i) => i.ip4 === a.entity || i.ip6 === a.entity)!;
      const bytes = rows
        .filter(
          (r) =>
            r['interface-id'] === host.eni && r.srcaddr === a.entity && r.dstaddr === a.details.destination,
        )
        .reduce((s, r) => s + Number(r.bytes), 0);
      expect(bytes, id).toBe(a.details.bytes);
    }
    const j01 = attack('j01-syn-flood');
    const syn = rows.filter(
      (r) => r.dstaddr === j01.entity && r['tcp-flags'] === '2' && r.dstport === '443' && within(r, j01),
    );
    expect(new Set(syn.map((r) => r.srcaddr)).size).toBe(j01.details.sources);
    for (const id of ['k01-beacon-v4', 'k02-beacon-v6']) {
      const a = attack(id);
      const host = truth.vpcs
        .flatMap((v) => v.interfaces)
        .find((i) => i.ip4 === a.entity || i.ip6 === a.entity)!;
      const starts = rows
        .filter(
          (r) =>
            r['interface-id'] === host.eni && r.srcaddr === a.entity && r.dstaddr === a.details.destination,
        )
        .map((r) => Number(r.start))
        .sort((x, y) => x - y);
      expect(starts.length, id).toBe(a.details.checkins);
      // 300 s ± 1% (297–303 s), ± 1 s more because record times are whole seconds.
      for (let i = 1; i < starts.length; i++) {
        expect(starts[i]! - starts[i - 1]!, id).toBeGreaterThanOrEqual(296);
        expect(starts[i]! - starts[i - 1]!, id).toBeLessThanOrEqual(304);
      }
    }
  });

  it('benign look-alikes: a busy web server, periodic health checks, the 02:00 backup, NODATA at night', () => {
    const web = eni('web-1');
    const https = rows.filter((r) => r.dstaddr === web.ip4 && r.dstport === '443' && r.action === 'ACCEPT');
    expect(new Set(https.map((r) => r.srcaddr)).size).toBeGreaterThan(100);
    const lb = eni('lb-a');
    const app2 = eni('app-2');
    const checks = rows
      .filter(
        (r) =>
          r['interface-id'] === lb.eni &&
          r.srcaddr === lb.ip4 &&
          r.dstaddr === app2.ip4 &&
          r.dstport === '8080' &&
          r['tcp-flags'] === '3',
      )
      .map((r) => Number(r.start))
      .sort((a, b) => a - b);
    expect(checks.length).toBe(240); // 2 h / 30 s
    const backup = truth.benign.find((b) => b.id === 'b-nightly-backup')!;
    expect(new Date(backup.start * 1000).getUTCHours()).toBe(2);
    const dev = eni('dev-1');
    expect(rows.filter((r) => r['interface-id'] === dev.eni && r['log-status'] === 'NODATA').length).toBe(24);
  });

  it('the keep-alive look-alike: web-2 writes a record to the log service every minute on few source ports', () => {
    const web2 = eni('web-2');
    const keep = truth.benign.find((b) => b.id === 'b-keepalive')!;
    const service = keep.alt[1]!;
    const out = rows.filter(
      (r) =>
        r['interface-id'] === web2.eni &&
        r.srcaddr === web2.ip4 &&
        r.dstaddr === service &&
        r.dstport === '6514',
    );
    expect(new Set(out.map((r) => r.start)).size).toBe(120); // 2 h of minutes
    // a reconnect in an hour has probability 1/3: over 2 h at most 3 sessions
    const ports = new Set(out.map((r) => r.srcport)).size;
    expect(ports).toBeGreaterThanOrEqual(1);
    expect(ports).toBeLessThanOrEqual(3);
  });

  it('flowwatch ingest reads every line: zero rejected lines', async () => {
    const db = join(dir, 'store.duckdb');
    // In this process: what is checked is the ingest's summary, not the process (a child's start-up ~0.5 CPU-s).
    const r = await runCliInProcess(['ingest', join(dir, 'a', 'logs'), '--db', db, '--json'], {
      timeoutMs: 110_000,
    });
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.rejected).toBe(0);
    expect(s.records).toBe(truth.records);
  }, 120_000);
});
