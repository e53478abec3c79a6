#!/usr/bin/env node
// flowwatch command-line entry point: sizes Node's libuv thread pool, then runs the compiled CLI from dist/
// (built by `npm ci` via the prepare script). A CommonJS file (bin/package.json), so that nothing has used the
// thread pool yet when UV_THREADPOOL_SIZE is set: an ES module entry is itself read through the pool.

// DuckDB queries and store writes each hold one pool thread while DuckDB works, beside file reads and gzip:
// with Node's default of 4, four slow dashboard queries stopped ingestion. 16 threads, of which user queries
// may take at most half (src/storage/query-gate.ts). A value given in the environment is kept.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';

// A reader that stops early (`flowwatch query --list | head`) closes the pipe: stop quietly, as other tools
// do, instead of an "Unhandled 'error' event ... EPIPE" stack trace.
process.stdout.on('error', (err) => {
  if (err?.code === 'EPIPE') process.exit(0);
  throw err;
});

import('../dist/cli/main.js').then(({ main }) =>
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`flowwatch: internal error: ${err?.stack ?? err}\n`);
      process.exitCode = 70;
    },
  ),
);
