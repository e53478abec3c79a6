// Debian's chromium and awscli, which the browser tests and the AWS CLI lab drive, are installed by
// scripts/ensure-test-tools.mjs when missing (a fresh machine). `npm test` runs that install beside the suite
// instead of before it (about 20 s of apt on a fresh machine, when the suite's other files need neither tool), and
// names in FLOWWATCH_TEST_TOOLS a file it writes when the install has ended. The files that need a tool await
// `testToolsSettled()` at their top, before they look for it; the sequencer starts them after the suite's
// longest files. Without the variable (tools already there, a single file run, `npx vitest`) it returns at once.

import { existsSync } from 'node:fs';

/** How long a file waits for the install before it fails with a message (apt on a slow mirror). */
const LIMIT_MS = 15 * 60_000;

/**
 * Resolves when the test tools' install, if `npm test` started one beside the suite, has ended (installed or
 * not: each file then checks for its tool as before and reports itself skipped when it is missing).
 *
 * @example await testToolsSettled(); const hasBrowser = existsSync(CHROMIUM);
 */
export async function testToolsSettled(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const marker = env['FLOWWATCH_TEST_TOOLS'];
  if (marker === undefined || marker === '') return;
  const t0 = Date.now();
  while (!existsSync(marker)) {
    if (Date.now() - t0 > LIMIT_MS)
      throw new Error(
        `the test tools' install (chromium, awscli) has not ended after ${LIMIT_MS / 60_000} minutes: ` +
          'run "node scripts/ensure-test-tools.mjs" by hand to see why',
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
