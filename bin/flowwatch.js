#!/usr/bin/env node
// flowwatch command-line entry point: runs the compiled CLI from dist/ (built by `npm ci` via the prepare script).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`flowwatch: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
