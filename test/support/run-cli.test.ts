// The async child-process helper every test uses: output, stdin, exit codes, and a clear SIGKILL at the timeout.

import { describe, expect, it } from 'vitest';
import { runProcess } from './run-cli.js';

describe('runProcess', () => {
  it('collects stdout and stderr, feeds input to stdin and reports the exit code', async () => {
    const r = await runProcess(
      'node',
      [
        '-e',
        'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{process.stdout.write(s.toUpperCase());process.stderr.write("e");process.exit(3)})',
      ],
      { input: 'abc\n' },
    );
    expect(r).toMatchObject({ code: 3, out: 'ABC\n', err: 'e', timedOut: false, signal: null });
  });

  it('kills a child that outlives the timeout with SIGKILL and says so', async () => {
    const r = await runProcess('node', ['-e', 'process.on("SIGTERM",()=>{});setInterval(()=>{},1000)'], {
      timeoutMs: 500,
    });
    expect(r.code).toBe(-1);
    expect(r.signal).toBe('SIGKILL');
    expect(r.timedOut).toBe(true);
    expect(r.err).toMatch(/did not finish within 500 ms and was killed \(SIGKILL\)/);
  });

  it('rejects when the command cannot be started', async () => {
    await expect(runProcess('/nonexistent/command', [])).rejects.toThrow(
      /could not run \/nonexistent\/command/,
    );
  });
});
