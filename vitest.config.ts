import { defineConfig } from 'vitest/config';
import Sequencer from './test/support/sequencer.js';

// The worker processes inherit this when vitest is run directly (`npx vitest run ...`); `npm test` sets it before
// vitest starts. 16 libuv threads, as bin/flowwatch.js gives the product: each DuckDB query holds one while it
// runs, and Node's default of 4 starved a worker running two monitors beside a dashboard in Chromium.
process.env['UV_THREADPOOL_SIZE'] ||= '16';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Starts `flowwatch demo` at the beginning of a whole-suite run (FLOWWATCH_EARLY_DEMO=1, set by `npm test`
    // without arguments) so that the dashboard test finds its alarm already fired: test/support/early-demo.ts.
    globalSetup: ['test/support/early-demo.ts'],
    // FLOWWATCH_CPU_LOG=<file>: one line of CPU seconds per test file (test/support/cpu-meter.ts).
    setupFiles: ['test/support/cpu-meter.ts'],
    // The longest files first, the dashboard's end-to-end test last when the demo started early.
    sequence: { sequencer: Sequencer },
    pool: 'forks',
    // Two worker processes, each running its test files one after the other in the same process (isolate:
    // false): a file no longer pays a fresh process with its own DuckDB, AWS SDK and Chromium driver imports.
    // Measured on the whole suite: no test depends on a fresh process; tests that set process.env set
    // only fake AWS credentials, which no other test reads.
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
  },
});
