// The order in which the suite's files start. vitest's own order runs the longest files first when it has their
// durations from an earlier run, and the largest files first when it has none (a fresh clone, as in CI), where
// size says little about time: a long file started last keeps one worker busy alone at the end. Without earlier
// durations, the files known to be long (measured on this project's 2-core machine, quiet, in seconds) go
// first, heaviest first. And when the whole suite started the demo early (test/support/early-demo.ts), the
// dashboard's end-to-end test goes last, so the demo's live brute force and its alarm have happened by then.

import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that take longest (seconds of wall time, whole-suite run on the quiet 2-core machine, 2026-12-07, fifth
 * session; conformance and the page files after that session's cuts, estimated); the rest take under 10 s each.
 */
const KNOWN_LONG: Record<string, number> = {
  'test/detect/conformance.test.ts': 30,
  'test/web/dashboard-pages.test.ts': 27,
  'test/web/security-pages.test.ts': 24,
  'test/web/field-views-pages.test.ts': 20,
  'test/storage/backends-agree.test.ts': 21,
  'test/export/export-determinism.test.ts': 18,
  'test/server/query-capacity.test.ts': 17,
  'test/simulate/labelled/score.test.ts': 13,
  'test/web/baseline-bands.test.ts': 12,
  'test/simulate/labelled/generate.test.ts': 12,
  'test/detect/detect-athena.test.ts': 11,
  // Its kills at named points (src/core/crash-points.ts) on a 24k-record corpus, mostly waiting.
  'test/cli/crash.test.ts': 11,
  'test/server/sandbox-escape.test.ts': 10,
  'test/cli/cli.test.ts': 10,
};

const LAST = 'test/e2e/dashboard.test.ts';

/**
 * The files that drive Chromium or the AWS CLI (they await test/support/test-tools.ts). While `npm test` installs
 * those tools beside the suite (FLOWWATCH_TEST_TOOLS), they start after the known long files, so that both workers
 * have other work during the install.
 */
const NEEDS_TOOLS = (path: string) =>
  path.startsWith('test/web/') || path.startsWith('test/e2e/') || path === 'test/api/aws-cli-lab.test.ts';

export default class Sequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const path = (f: TestSpecification) => relative(root, f.moduleId);
    const cache = this.ctx.cache;
    const known = files.every((f) => cache.getFileTestResults(`${f.project.name}:${path(f)}`) !== undefined);
    let sorted = known
      ? await super.sort(files)
      : [...files].sort((a, b) => (KNOWN_LONG[path(b)] ?? 0) - (KNOWN_LONG[path(a)] ?? 0));
    if ((process.env['FLOWWATCH_TEST_TOOLS'] ?? '') !== '') {
      const firstTool = sorted.findIndex((f) => NEEDS_TOOLS(path(f)));
      const lastLong = sorted.findLastIndex(
        (f) => KNOWN_LONG[path(f)] !== undefined && !NEEDS_TOOLS(path(f)),
      );
      if (firstTool !== -1 && firstTool < lastLong) {
        const early = sorted.slice(0, lastLong + 1);
        sorted = [
          ...early.filter((f) => !NEEDS_TOOLS(path(f))),
          ...early.filter((f) => NEEDS_TOOLS(path(f))),
          ...sorted.slice(lastLong + 1),
        ];
      }
    }
    if (process.env['FLOWWATCH_EARLY_DEMO'] === '1') {
      sorted = [...sorted.filter((f) => path(f) !== LAST), ...sorted.filter((f) => path(f) === LAST)];
    }
    return sorted;
  }
}
