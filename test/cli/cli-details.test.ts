// CLI details a new user meets in the first hour (issue 13, item 7): a missing ingest path leaves no store
// behind, `notifications list` shows pending deliveries by default, `query --list` fits 100 columns, and
// `demo --help` says what the demo does. Run in-process through main().

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPort } from '../../src/cli/demo-command.js';
import { main } from '../../src/cli/main.js';
import { type DeliveryRecord, Outbox } from '../../src/notify/index.js';
import { io } from '../support/capture-io.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-details-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI details', () => {
  it('ingest of a missing file names the path, exits 1 and creates no store', async () => {
    const o = io();
    const db = join(dir, 'typo.duckdb');
    const missing = join(dir, 'no-such-file.log.gz');
    expect(await main(['ingest', missing, '--db', db], o)).toBe(1);
    expect(o.stderr).toContain(`${missing}: no such file or directory`);
    expect(existsSync(db)).toBe(false);
    expect(existsSync(`${db}.wal`)).toBe(false);
  });

  it('ingest of a folder names the files it skipped for their names, loudly when nothing was read', async () => {
    const folder = join(dir, 'renamed');
    mkdirSync(folder, { recursive: true });
    const line = (n: number) =>
      `2 123456789012 eni-a 10.0.0.${n} 10.0.0.2 1000 22 6 1 40 1796601000 1796601030 ACCEPT OK`;
    writeFileSync(join(folder, 'flows.txt'), `${line(1)}\n${line(2)}\n`);
    writeFileSync(join(folder, 'README.md'), 'notes\n');
    const db = join(dir, 'renamed.duckdb');
    const o = io();
    expect(await main(['ingest', folder, '--db', db], o)).toBe(0);
    const text = (o.stdout + o.stderr).replace(/\s+/g, ' ');
    expect(text).toContain('Ingested 0 files');
    // README.md and flows.txt, sorted: 2 files, both named.
    expect(text).toContain('Warning: nothing was read. Skipped 2 files in the folders given');
    expect(text).toContain(`${join(folder, 'README.md')}, ${join(folder, 'flows.txt')}.`);
    // Named itself, the file is read whatever its name: its 2 records.
    const again = io();
    expect(await main(['ingest', join(folder, 'flows.txt'), '--db', db], again)).toBe(0);
    expect(again.stdout + again.stderr).toContain('2 records');
    expect(again.stdout + again.stderr).not.toContain('Skipped');
  });

  it('notifications list shows pending and dead deliveries by default, delivered ones only when asked', async () => {
    const stateDir = join(dir, 'state');
    const box = await Outbox.open(join(stateDir, 'outbox'));
    const record = (id: string, alarm: string): DeliveryRecord => ({
      version: 1,
      id,
      state: 'pending',
      topic: 'ops',
      topicArn: 'arn:aws:sns:us-east-1:111122223333:ops',
      subscriptionId: 's1',
      subscriptionType: 'webhook',
      endpoint: 'http://127.0.0.1:9/hook',
      messageId: `m-${id}`,
      timestamp: '2026-01-05T00:00:00.000Z',
      notification: { AlarmName: alarm, NewStateValue: 'ALARM' } as DeliveryRecord['notification'],
      createdAt: Date.UTC(2026, 0, 5),
      attempts: 1,
      nextAttemptAt: Date.UTC(2026, 0, 5, 0, 1),
      lastAttemptAt: Date.UTC(2026, 0, 5),
      lastError: 'connect ECONNREFUSED',
      finishedAt: null,
      revision: 1,
    });
    await box.add(record('a'.repeat(32), 'waiting'));
    await box.add(record('b'.repeat(32), 'gave-up'));
    await box.finish({ ...record('b'.repeat(32), 'gave-up'), state: 'dead', revision: 2 });
    await box.add(record('c'.repeat(32), 'sent'));
    await box.finish({ ...record('c'.repeat(32), 'sent'), state: 'delivered', revision: 2 });
    await box.close();
    const list = async (...extra: string[]) => {
      const o = io();
      expect(await main(['notifications', 'list', '--state-dir', stateDir, '-o', 'json', ...extra], o)).toBe(
        0,
      );
      return (JSON.parse(o.stdout) as { alarm: string; delivery: string }[]).map((r) => [
        r.alarm,
        r.delivery,
      ]);
    };
    expect(await list()).toEqual([
      ['waiting', 'pending'],
      ['gave-up', 'dead'],
    ]);
    expect(await list('--state', 'delivered')).toEqual([['sent', 'delivered']]);
  });

  it('demo: a busy default port gives way to the next free one, said on stderr; a busy --port is refused', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen({ host: '127.0.0.1', port: 0 }, r));
    const port = (busy.address() as { port: number }).port;
    try {
      const o = io();
      const got = await demoPort(o, port, false);
      expect(got).toBeGreaterThan(port);
      expect(o.stderr).toBe(`Port ${port} is busy: serving on port ${got} instead.\n`);
      const given = io();
      const demoDir = join(dir, 'demo');
      expect(await main(['demo', '--dir', demoDir, '--records', '100', '--port', String(port)], given)).toBe(
        1,
      );
      expect(given.stderr).toContain(`port ${port} is already in use on 127.0.0.1`);
      expect(existsSync(demoDir)).toBe(false); // refused before simulating anything
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it('demo --help says what the demo does: live dashboard by default, --report for a printed report', async () => {
    const o = io();
    expect(await main(['demo', '--help'], o)).toBe(0);
    const help = o.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('streams flow logs live into the monitor and its dashboard');
    expect(help).toContain('the next free port is taken');
    expect(help).not.toContain('print a traffic report (what npm start runs)');
  });

  it('demo --report prints commands that run from where it was started', { timeout: 120_000 }, async () => {
    const { runCliInProcess } = await import('../support/run-cli.js');
    // Started outside the repository: the printed `node <script>` must name the real bin/flowwatch.js from there.
    const r = await runCliInProcess(['demo', '--report', '--records', '300', '--dir', 'd'], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    const m = /^ {2}node (\S+) top rejected --db (\S+)$/m.exec(r.out);
    expect(m, r.out).not.toBeNull();
    expect(existsSync(resolve(dir, m![1]!))).toBe(true);
    expect(resolve(dir, m![1]!)).toBe(resolve(import.meta.dirname, '../../bin/flowwatch.js'));
    expect(existsSync(resolve(dir, m![2]!))).toBe(true);
    // From the repository itself, the README's short form.
    const here = await runCliInProcess(['demo', '--report', '--records', '300', '--dir', join(dir, 'd2')], {
      cwd: resolve(import.meta.dirname, '../..'),
    });
    expect(here.code, here.err).toBe(0);
    expect(here.out).toContain('  node bin/flowwatch.js top rejected --db ');
  });

  it('query --list fits 100 columns and still shows every query whole', async () => {
    const o = io();
    expect(await main(['query', '--list'], o)).toBe(0);
    const lines = o.stdout.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    // The first query of the library, from AWS's Logs Insights guide, across its wrapped lines.
    expect(o.stdout.replace(/\s+/g, ' ')).toContain(
      'top-rejected-sources Top 20 source addresses with the most rejected requests filter action = "REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20',
    );
  });
});
