// Commands start at once: `flowwatch --help` and light commands load no heavy module (DuckDB, the AWS SDK,
// fastify), and the command list main.ts prints without loading the modules says what the modules register.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../../src/cli/main.js';
import { runProcess } from '../support/run-cli.js';

const BIN = resolve(import.meta.dirname, '../../bin/flowwatch.js');
const HEAVY = /node_modules\/(@duckdb|@aws-sdk|fastify|@fastify|nodemailer)\//;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-lazy-'));
  // A module loader hook that writes down every module URL the process resolves.
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.FW_LOADED, r.url + '\\n');
  return r;
}\n`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    // ES modules through the resolve hook; CommonJS modules (src/storage/duckdb.ts loads DuckDB with require())
    // through require's own resolver.
    `import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  appendFileSync(process.env.FW_LOADED, 'file://' + file + '\\n');
  return file;
};\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the built CLI and returns the heavy modules it loaded. */
async function heavyLoaded(args: string[]): Promise<{ status: number | null; heavy: string[] }> {
  const log = join(dir, `loaded-${args.join('-').replace(/\W/g, '_')}.txt`);
  writeFileSync(log, '');
  const r = await runProcess(process.execPath, ['--import', join(dir, 'register.mjs'), BIN, ...args], {
    cwd: dir,
    env: { ...process.env, FW_LOADED: log },
  });
  const loaded = readFileSync(log, 'utf8').split('\n');
  expect(loaded.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true); // the hook saw the CLI
  const heavy = [...new Set(loaded.filter((u) => HEAVY.test(u)).map((u) => HEAVY.exec(u)![1]!))];
  return { status: r.code, heavy };
}

describe('lazy command loading', () => {
  it('--help loads no DuckDB, AWS SDK, fastify or nodemailer', async () => {
    expect(await heavyLoaded(['--help'])).toEqual({ status: 0, heavy: [] });
  });

  it('fields and test-pattern load none of them either', async () => {
    expect(await heavyLoaded(['fields'])).toEqual({ status: 0, heavy: [] });
    expect(await heavyLoaded(['test-pattern', '[x]', '--help'])).toEqual({ status: 0, heavy: [] });
  });

  it('a local query loads DuckDB but not the AWS SDK', async () => {
    const r = await heavyLoaded(['query', 'stats count(*)', '--db', join(dir, 'none.duckdb')]);
    expect(r.heavy).toContain('@duckdb');
    expect(r.heavy).not.toContain('@aws-sdk');
  });

  it('the command list says what each command module registers', async () => {
    const io = { out() {}, err() {}, isTTY: false, stdin: process.stdin, env: {} };
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load())(program, io, () => {});
      expect(program.commands.map((c) => c.name())).toEqual([entry.name]);
      const c = program.commands[0]!;
      const args = c.registeredArguments.map((a) => {
        const n = `${a.name()}${a.variadic ? '...' : ''}`;
        return a.required ? `<${n}>` : `[${n}]`;
      });
      expect({
        name: entry.name,
        summary: c.description(),
        args: [...(c.options.length > 0 ? ['[options]'] : []), ...args].join(' '),
      }).toEqual({
        name: entry.name,
        summary: entry.summary,
        args: entry.args,
      });
    }
  });

  it('--help lists every command with its usage, and help itself', async () => {
    let out = '';
    const io = {
      out: (t: string) => {
        out += t;
      },
      err() {},
      isTTY: false,
      stdin: process.stdin,
      env: {},
    };
    expect(await main(['--help'], io)).toBe(0);
    const terms = out
      .split('\n')
      .map((l) => /^ {2}(\S.*?)(?: {2,}|$)/.exec(l)?.[1])
      .filter((t) => t !== undefined);
    expect(terms).toEqual([
      '-V, --version',
      '--debug',
      '-h, --help',
      ...COMMANDS.map((c) => `${c.name} ${c.args}`.trim()),
      'help [command]',
    ]);
  });

  it('a reader that closes the pipe early (| head) ends the command quietly, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'query', '--list'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first write
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
