// The detect, findings and detections commands end to end (the CLI in-process): JSON shapes other tools consume, a
// re-run that adds nothing, states, a flowwatch.yaml mistake with its position, and an unknown --only id.
// Records: the 20-port vertical scan of cases.ts (one finding, low, 20 evidence records from T to T+190).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/run-cli.js';
import { HEADER, rec, T } from './cases.js';

let dir: string;
let db: string;
const cli = (args: string[]) =>
  runCliInProcess([...args], { cwd: dir, env: { ...process.env, FLOWWATCH_DB: db } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-detect-cli-'));
  db = join(dir, 's.duckdb');
  const lines = Array.from({ length: 20 }, (_, i) =>
    rec('eni-a', '203.0.113.9', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 10),
  );
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  const r = await cli(['ingest', 'f.log']);
  expect(r.code, r.err).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch detect / findings / detections', () => {
  let id = '';
  it('detect -o json stores one finding and reports it', async () => {
    const r = await cli(['detect', '--since', String(T), '--until', String(T + 3600), '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    const o = JSON.parse(r.out);
    expect([o.created, o.updated, o.unchanged]).toEqual([1, 0, 0]);
    expect(o.findings).toHaveLength(1);
    expect(o.findings[0]).toMatchObject({
      detection: 'vertical-port-scan',
      severity: 'low',
      entity: '10.0.1.10',
      start: T,
      end: T + 190,
      evidence_count: 20,
      state: 'open',
    });
    id = o.findings[0].id;
  });

  it('running it again adds nothing', async () => {
    const r = await cli(['detect', '--since', String(T), '--until', String(T + 3600), '-o', 'json']);
    expect([JSON.parse(r.out).created, JSON.parse(r.out).unchanged]).toEqual([0, 1]);
  });

  it('FLOWWATCH_DETECT_PROFILE names a file that gets one line per store query, by detection', async () => {
    const file = join(dir, 'profile.jsonl');
    const r = await runCliInProcess(
      [
        'detect',
        '--since',
        String(T),
        '--until',
        String(T + 3600),
        '--only',
        'vertical-port-scan',
        '-o',
        'json',
      ],
      { cwd: dir, env: { ...process.env, FLOWWATCH_DB: db, FLOWWATCH_DETECT_PROFILE: file } },
    );
    expect(r.code, r.err).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // the hits query of the one detection: 1 row (its one hit window with its one peer, 203.0.113.9)
    const hits = lines.find((l) => l.detection === 'vertical-port-scan');
    expect(hits).toMatchObject({ rows: 1 });
    expect(hits.sql).toMatch(/^WITH /);
    expect(typeof hits.cpuS).toBe('number');
    expect(typeof hits.wallS).toBe('number');
  });

  it('findings list -o json gives id, detection, severity, entity, start, end, evidence_count', async () => {
    const r = await cli(['findings', 'list', '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    const [f] = JSON.parse(r.out);
    expect(f).toMatchObject({ id, detection: 'vertical-port-scan', severity: 'low', entity: '10.0.1.10' });
    expect([f.start, f.end, f.evidence_count]).toEqual([T, T + 190, 20]);
  });

  it('ack and suppress change the state; suppress needs --until and --reason', async () => {
    expect((await cli(['findings', 'ack', id])).code).toBe(0);
    const bad = await cli(['findings', 'suppress', id, '--reason', 'pentest']);
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--until')]);
    expect((await cli(['findings', 'suppress', id, '--reason', 'pentest', '--until', '7d'])).code).toBe(0);
    const [f] = JSON.parse((await cli(['findings', 'list', '-o', 'json'])).out);
    expect([f.state, f.stateReason]).toEqual(['suppressed', 'pentest']);
    const unknown = await cli(['findings', 'show', 'nope']);
    expect([unknown.code, unknown.err]).toEqual([1, expect.stringContaining('no finding "nope"')]);
  });

  it('findings export writes one OCSF Detection Finding per finding', async () => {
    const r = await cli(['findings', 'export']);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((o) => [o.class_uid, o.finding_info.uid, o.status_id])).toEqual([[2004, id, 3]]);
    // no network snapshot in this store: said once on stderr, with how to load one
    expect(r.err.match(/no network snapshot is loaded/g)).toHaveLength(1);
    expect(r.err).toContain('flowwatch network load');
  });

  it('a misspelt key in flowwatch.yaml is refused with its position and a suggestion', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'detections:\n  vertical-port-scan:\n    treshold: { low: 3 }\n');
    const r = await cli(['detections', 'list', '--config', 'bad.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('bad.yaml:3:5:');
    expect(r.err).toContain('did you mean "thresholds"?');
    expect(r.err).toContain('    ^^^^^^^^');
  });

  it('--only names the detection when it does not exist', async () => {
    const r = await cli(['detect', '--only', 'vertical-portscan']);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('did you mean "vertical-port-scan"?')]);
  });

  it('detections list -o json shows effective thresholds', async () => {
    writeFileSync(join(dir, 'ok.yaml'), 'detections:\n  vertical-port-scan: { thresholds: { low: 30 } }\n');
    const r = await cli(['detections', 'list', '--config', 'ok.yaml', '-o', 'json']);
    const v = JSON.parse(r.out).find((d: { id: string }) => d.id === 'vertical-port-scan');
    expect(v.thresholds).toEqual({ low: 30, medium: 50, high: 250 });
  });
});
