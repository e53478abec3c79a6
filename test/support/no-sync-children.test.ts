// Guards the rule of test/support/run-cli.ts: no test blocks its vitest worker on a child process (a synchronous
// child call longer than 60 s fails the whole run with "Timeout calling onTaskUpdate"). Use runCli/runProcess.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SELF = resolve(import.meta.filename);
const NAMES = ['spawn', 'execFile', 'exec'].map((n) => `${n}Sync`).join('|');
// A call (also as child_process.<name>) or an import of one of the names, even aliased or spread over lines.
const CALL = new RegExp(`\\b(?:${NAMES})\\s*\\(`);
const IMPORT = new RegExp(`\\bimport\\s*\\{[^}]*\\b(?:${NAMES})\\b[^}]*\\}\\s*from`, 'g');

/** `line: text` of every synchronous child-process call or import in a source text. */
function offences(text: string): string[] {
  const lines = text.split('\n');
  const found = new Set<number>();
  lines.forEach((l, i) => {
    if (CALL.test(l) && !/^\s*(?:\/\/|\*)/.test(l)) found.add(i);
  });
  for (const m of text.matchAll(IMPORT)) found.add(text.slice(0, m.index).split('\n').length - 1);
  return [...found].sort((a, b) => a - b).map((i) => `${i + 1}: ${lines[i]!.trim()}`);
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(?:[cm]?[jt]s|tsx)$/.test(e.name)) out.push(p);
  }
  return out;
}

describe('no synchronous child processes in tests', () => {
  it('finds a call, a member call and an import, naming the line; not a mention in a comment', () => {
    const sample = [
      "import { spawn, spawnSync } from 'node:child_process';",
      '// spawnSync(...) froze the worker',
      "const r = cp.execFileSync('ls');",
      "const s = execSync ('ls');",
      "import {\n  execFileSync as run,\n} from 'node:child_process';",
    ].join('\n');
    expect(offences(sample)).toEqual([
      "1: import { spawn, spawnSync } from 'node:child_process';",
      "3: const r = cp.execFileSync('ls');",
      "4: const s = execSync ('ls');",
      '5: import {',
    ]);
  });

  it('test/ and packages/*/test use runCli/runProcess from test/support/run-cli.ts instead', () => {
    const roots = [
      join(ROOT, 'test'),
      ...readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => join(ROOT, 'packages', e.name, 'test')),
    ].filter((d) => {
      try {
        return readdirSync(d) !== undefined;
      } catch {
        return false;
      }
    });
    const bad = roots
      .flatMap(sources)
      .filter((f) => f !== SELF) // its own samples above
      .flatMap((f) => offences(readFileSync(f, 'utf8')).map((o) => `${relative(ROOT, f)}:${o}`));
    expect(bad, 'await runCli/runProcess (test/support/run-cli.ts) instead of a synchronous child').toEqual(
      [],
    );
  });
});
