// vitest setup file, active when FLOWWATCH_CPU_LOG names a file: appends one JSON line per test file with the CPU
// seconds (user + system) its worker process and the child processes it waited for spent between the file's
// first and last hook. On this shared 2-core machine wall times say little; CPU seconds say where the suite's
// work goes (BENCHMARKS.md, "The test command"). Read /proc/self/stat: Linux only, silent elsewhere.

import { appendFileSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const log = process.env['FLOWWATCH_CPU_LOG'];

/** [own, children] CPU seconds of this process so far (utime+stime, cutime+cstime; clock ticks of 1/100 s). */
function cpu(): [number, number] | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state(3) ppid ... utime is field 14, i.e. index 11 here.
    const [u, s, cu, cs] = [f[11], f[12], f[13], f[14]].map(Number) as [number, number, number, number];
    return [(u + s) / 100, (cu + cs) / 100];
  } catch {
    return undefined;
  }
}

// Counted from this module's evaluation, before the test file is imported (setup files run again before each
// file), or else from the end of the previous file in the same worker: a file's imports and collection count.
let start: [number, number] | undefined;
let t0 = 0;
if (log) {
  start = cpu();
  t0 = performance.now();
  let file = '';
  beforeAll((suite) => {
    file = relative(process.cwd(), suite.file.filepath);
  });
  afterAll(() => {
    const end = cpu();
    if (start === undefined || end === undefined) return;
    const own = end[0] - start[0];
    const children = end[1] - start[1];
    appendFileSync(
      log,
      `${JSON.stringify({ file, own: +own.toFixed(2), children: +children.toFixed(2), wall: +((performance.now() - t0) / 1000).toFixed(1) })}\n`,
    );
    start = end;
    t0 = performance.now();
  });
}
