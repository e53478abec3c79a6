// Crash points for the crash-safety tests (test/cli/crash.test.ts), off unless their environment variables are
// set. They let a test kill a real ingest process at a known moment, instead of racing a timer against a corpus
// large enough that the kill lands somewhere in the middle (480k records ingested five times: 43 CPU-s).
//
//   FLOWWATCH_TEST_KILL=<point>:<n>    the process SIGKILLs itself the n-th time it reaches <point>:
//                                      'batch-commit' (a batch's rows written, its COMMIT not run) or
//                                      'batch-committed' (right after that COMMIT)
//   FLOWWATCH_TEST_BATCH_PAUSE_MS=<ms> each batch waits this long before it is loaded: a run stays in the middle
//                                      of its ingest (scratch files on disk) for seconds without spending CPU

import { setTimeout as sleep } from 'node:timers/promises';

const killAt = /^([a-z-]+):(\d+)$/.exec(process.env['FLOWWATCH_TEST_KILL'] ?? '');
const pauseMs = Number(process.env['FLOWWATCH_TEST_BATCH_PAUSE_MS'] ?? 0) || 0;
const reached = new Map<string, number>();

/** SIGKILLs this process when FLOWWATCH_TEST_KILL names `point` and this is its n-th time here. */
export function crashPoint(point: 'batch-commit' | 'batch-committed'): void {
  if (killAt === null || killAt[1] !== point) return;
  const n = (reached.get(point) ?? 0) + 1;
  reached.set(point, n);
  if (n === Number(killAt[2])) process.kill(process.pid, 'SIGKILL');
}

/** Waits FLOWWATCH_TEST_BATCH_PAUSE_MS before a batch is loaded (nothing when it is unset). */
export async function batchPause(): Promise<void> {
  if (pauseMs > 0) await sleep(pauseMs);
}
