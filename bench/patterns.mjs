// bench:patterns — the rejected-SSH filter pattern over 10M raw default-format flow log lines: flowwatch's in-memory
// matcher side by side with `mawk` doing the same field tests (both pinned to one core), and the same pattern as a
// DuckDB predicate (patternToSql) over the 10M stored records.
//
// Usage: npm run bench:patterns [-- --runs 5 --profile]
// The corpus (shared with bench:ingest), the uncompressed lines file and the store are made once in bench/data/ and
// reused. Results go to bench/results/patterns.json. `--profile` (automatic when the matcher is slower than mawk)
// runs the matcher child once more under `node --cpu-prof` and reports where its time goes.
//
// This file is also the child processes: `node bench/patterns.mjs --child matcher <lines file> [all|lines]` and
// `node bench/patterns.mjs --child sql <db>`, so that each measured process is exactly one job.

import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureCorpus, files, median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;

/** The metric filter teams use for rejected SSH (issue 3), over the 14 default-format fields. */
const PATTERN =
  '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';
/** The same field tests in awk: fields 7 and 8 numerically, 13 as a string, and the field-count rule. */
const AWK = '$7 == 22 && $8 == 6 && $13 == "REJECT" && NF == 14 {n++} END {print n+0, NR}';

const args = process.argv.slice(2);

/**
 * Counts the lines of `file` the compiled pattern matches, the way flowwatch reads files in bulk: the file is read
 * into a 4 MB Buffer, lines are cut with indexOf on the bytes, and `compileLineMatcher` tests each line where it
 * lies (no per-line decoding); the unfinished last line is moved to the start of the Buffer for the next read.
 * Prints {lines, matches, seconds}. `part` = `lines` measures only the reading and cutting (see --profile).
 */
async function matcherChild(file, part = 'all') {
  const { compileLineMatcher, parsePattern } = await import(dist('filter/index.js'));
  const compiled = compileLineMatcher(parsePattern(PATTERN));
  const match = part === 'lines' ? () => undefined : compiled;
  const t0 = performance.now();
  const fd = openSync(file, 'r');
  let lines = 0;
  let matches = 0;
  const scan = (buf, end) => {
    let s = 0;
    while (s < end) {
      let j = buf.indexOf(10, s);
      if (j < 0 || j > end) j = end;
      lines++;
      if (match(buf, s, j) !== undefined) matches++;
      s = j + 1;
    }
  };
  let buf = Buffer.allocUnsafe(4 << 20);
  let kept = 0; // bytes of an unfinished line, moved to the start of buf
  for (;;) {
    if (kept === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]); // a line longer than buf
    const n = readSync(fd, buf, kept, buf.length - kept, null);
    const filled = kept + n;
    if (n === 0) {
      if (filled > 0) scan(buf, filled);
      break;
    }
    const end = buf.lastIndexOf(10, filled - 1);
    if (end < 0) {
      kept = filled;
      continue;
    }
    scan(buf, end);
    buf.copy(buf, 0, end + 1, filled);
    kept = filled - end - 1;
  }
  closeSync(fd);
  process.stdout.write(JSON.stringify({ lines, matches, seconds: (performance.now() - t0) / 1000 }));
}

/** Opens the store read-only and runs the pattern's predicate as a count. Prints timings and counts as JSON. */
async function sqlChild(db) {
  const t0 = performance.now();
  const { parsePattern, patternToSql } = await import(dist('filter/index.js'));
  const { DEFAULT } = await import(dist('records/format.js'));
  const { Store } = await import(dist('storage/store.js'));
  const sql = `SELECT count(*) AS n FROM flows WHERE ${patternToSql(parsePattern(PATTERN), DEFAULT)}`;
  const store = await Store.open(db, { readOnly: true });
  const t1 = performance.now();
  const r = await store.query(sql);
  const t2 = performance.now();
  const total = await store.query('SELECT count(*) AS n FROM flows');
  store.close();
  process.stdout.write(
    JSON.stringify({
      sql,
      matches: Number(r.rows[0].n),
      records: Number(total.rows[0].n),
      openSeconds: (t1 - t0) / 1000,
      querySeconds: (t2 - t1) / 1000,
    }),
  );
}

const q = (p) => `'${p.replaceAll("'", "'\\''")}'`;

/** Self time per function from a .cpuprofile, largest first. */
function profileSummary(path) {
  const prof = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    const f = byId.get(id).callFrame;
    const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pct: +((100 * us) / total).toFixed(1) }));
}

async function main() {
  const argNum = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const RUNS = argNum('runs', 5);
  const RECORDS = 10_000_000;
  const data = join(root, 'bench', 'data');
  const corpus = join(data, `corpus-default-${RECORDS}`);
  const linesFile = join(data, `lines-default-${RECORDS}.txt`);
  const db = join(data, 'patterns.duckdb');
  const scratch = join(data, 'scratch');
  const cli = join(root, 'bin', 'flowwatch.js');
  mkdirSync(scratch, { recursive: true });

  // One core each: taskset when the machine has it.
  const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const pin = (cmd, argv) => (hasTaskset ? ['taskset', ['-c', '0', cmd, ...argv]] : [cmd, argv]);

  // 1. The corpus (the one bench:ingest uses), generated once.
  await ensureCorpus(root, 'default', RECORDS);
  const gz = files(corpus);

  // 2. The lines once, uncompressed and without the header lines, so decompression stays out of the comparison.
  if (!existsSync(linesFile)) {
    process.stderr.write(`writing ${linesFile} (once)...\n`);
    const tmp = `${linesFile}.tmp`;
    await run('sh', ['-c', `for f in ${gz.map(q).join(' ')}; do zcat "$f" | tail -n +2; done > ${q(tmp)}`]);
    renameSync(tmp, linesFile);
  }
  const textBytes = statSync(linesFile).size;

  // 3. The store, ingested once.
  if (!existsSync(db)) {
    process.stderr.write(`ingesting the corpus into ${db} (once)...\n`);
    const r = await run('node', [cli, 'ingest', corpus, '--db', `${db}.tmp`, '--json']);
    process.stderr.write(`  ${JSON.parse(r.out).records} records in ${r.seconds.toFixed(1)} s\n`);
    rmSync(`${db}.tmp.wal`, { force: true });
    renameSync(`${db}.tmp`, db);
  }

  // 4. Matcher and mawk, side by side in each run (order alternating between runs), one core each.
  const results = { matcher: [], mawk: [], cli: [], sql: [] };
  let matcherCount;
  let mawkCount;
  let lineCount;
  for (let i = 0; i < RUNS; i++) {
    process.stderr.write(`run ${i + 1}/${RUNS}\n`);
    const doMawk = async () => {
      const r = await run(...pin('mawk', [AWK, linesFile]), { env: { ...process.env, LC_ALL: 'C' } });
      const [n, nr] = r.out.trim().split(/\s+/).map(Number);
      mawkCount = n;
      lineCount = nr;
      results.mawk.push(r);
    };
    const doMatcher = async () => {
      const r = await run(
        ...pin('node', [join(root, 'bench', 'patterns.mjs'), '--child', 'matcher', linesFile]),
      );
      const o = JSON.parse(r.out);
      matcherCount = o.matches;
      if (lineCount !== undefined && o.lines !== lineCount) {
        throw new Error(`the matcher read ${o.lines} lines, mawk ${lineCount}`);
      }
      results.matcher.push({ ...r, innerSeconds: o.seconds });
    };
    // The command a user runs: `flowwatch test-pattern --file <lines> --count`, whole process.
    const doCli = async () => {
      const r = await run(
        ...pin('node', [cli, 'test-pattern', PATTERN, '--file', linesFile, '--count', '-o', 'json']),
      );
      const o = JSON.parse(r.out);
      if (o.matched !== mawkCount || o.events !== lineCount)
        throw new Error(
          `test-pattern counted ${o.matched} of ${o.events}, mawk ${mawkCount} of ${lineCount}`,
        );
      results.cli.push(r);
    };
    if (i % 2 === 0) {
      await doMawk();
      await doMatcher();
      await doCli();
    } else {
      await doCli();
      await doMatcher();
      await doMawk();
    }
    if (matcherCount !== mawkCount)
      throw new Error(`match counts differ: matcher ${matcherCount}, mawk ${mawkCount}`);
  }

  // 5. The SQL backend over the stored records: a fresh process per run (open read-only, one count query).
  let sqlText;
  let sqlCount;
  let storedRecords;
  for (let i = 0; i < Math.max(5, RUNS); i++) {
    const r = await run('node', [join(root, 'bench', 'patterns.mjs'), '--child', 'sql', db]);
    const o = JSON.parse(r.out);
    sqlText = o.sql;
    sqlCount = o.matches;
    storedRecords = o.records;
    results.sql.push({ ...r, querySeconds: o.querySeconds, openSeconds: o.openSeconds });
  }
  if (sqlCount !== matcherCount)
    throw new Error(`SQL count ${sqlCount} differs from the matcher's ${matcherCount}`);
  if (storedRecords !== lineCount)
    throw new Error(`the store holds ${storedRecords} records, the file ${lineCount}`);

  const ratios = results.matcher.map((m, i) => results.mawk[i].seconds / m.seconds);
  const ratio = median(ratios);
  const cliRatios = results.cli.map((m, i) => results.mawk[i].seconds / m.seconds);
  const cliRatio = median(cliRatios);
  const summary = {
    date: new Date().toISOString(),
    pattern: PATTERN,
    awk: AWK,
    pinnedToOneCore: hasTaskset,
    lines: lineCount,
    textBytes,
    matches: matcherCount,
    runs: RUNS,
    matcherSeconds: median(results.matcher.map((r) => r.seconds)),
    matcherInnerSeconds: median(results.matcher.map((r) => r.innerSeconds)),
    mawkSeconds: median(results.mawk.map((r) => r.seconds)),
    matcherLinesPerSecond: median(results.matcher.map((r) => lineCount / r.seconds)),
    mawkLinesPerSecond: median(results.mawk.map((r) => lineCount / r.seconds)),
    ratioMatcherToMawk: ratio,
    ratioTargetMet: ratio >= 1,
    testPatternCliSeconds: median(results.cli.map((r) => r.seconds)),
    ratioTestPatternCliToMawk: cliRatio,
    testPatternCliPeakRssMb: Math.max(...results.cli.map((r) => r.peakMb)),
    matcherPeakRssMb: Math.max(...results.matcher.map((r) => r.peakMb)),
    mawkPeakRssMb: Math.max(...results.mawk.map((r) => r.peakMb)),
    sql: sqlText,
    sqlMatches: sqlCount,
    storedRecords,
    sqlQuerySeconds: median(results.sql.map((r) => r.querySeconds)),
    sqlProcessSeconds: median(results.sql.map((r) => r.seconds)),
    sqlPeakRssMb: Math.max(...results.sql.map((r) => r.peakMb)),
    all: {
      matcher: results.matcher.map((r) => +r.seconds.toFixed(3)),
      matcherInner: results.matcher.map((r) => +r.innerSeconds.toFixed(3)),
      mawk: results.mawk.map((r) => +r.seconds.toFixed(3)),
      testPatternCli: results.cli.map((r) => +r.seconds.toFixed(3)),
      cliRatio: cliRatios.map((r) => +r.toFixed(3)),
      ratio: ratios.map((r) => +r.toFixed(3)),
      sqlQuery: results.sql.map((r) => +r.querySeconds.toFixed(3)),
      sqlProcess: results.sql.map((r) => +r.seconds.toFixed(3)),
    },
  };
  summary.sqlTargetMet = summary.sqlQuerySeconds < 0.5;

  // 6. Where the matcher's time goes, when it is slower than mawk (or on --profile): one run under --cpu-prof.
  if (ratio < 1 || args.includes('--profile')) {
    process.stderr.write('profiling the matcher child once (node --cpu-prof)...\n');
    const profDir = join(scratch, 'patterns-cpuprof');
    rmSync(profDir, { recursive: true, force: true });
    await run(
      ...pin('node', [
        '--cpu-prof',
        '--cpu-prof-dir',
        profDir,
        join(root, 'bench', 'patterns.mjs'),
        '--child',
        'matcher',
        linesFile,
      ]),
    );
    const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    // The same child taken apart, once each, without the profiler: reading and cutting lines alone, then all.
    const child = (part) =>
      run(...pin('node', [join(root, 'bench', 'patterns.mjs'), '--child', 'matcher', linesFile, part]));
    const linesOnly = JSON.parse((await child('lines')).out).seconds;
    const whole = JSON.parse((await child('all')).out).seconds;
    summary.profile = {
      file: join(profDir, prof),
      selfTime: profileSummary(join(profDir, prof)),
      decomposition: {
        lineSplitterSeconds: +linesOnly.toFixed(3),
        matchingSeconds: +(whole - linesOnly).toFixed(3),
        wholeMatcherSeconds: +whole.toFixed(3),
      },
    };
  }

  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  // Arrays of numbers on one line, as the repository's formatter (biome) writes them.
  const json = JSON.stringify(summary, null, 2).replace(
    /\[\n\s*([-\d.,\s]+?)\n\s*\]/g,
    (_, xs) => `[${xs.split(/,\s*/).join(', ')}]`,
  );
  writeFileSync(join(root, 'bench', 'results', 'patterns.json'), `${json}\n`);

  const f2 = (x) => x.toFixed(2);
  const int = (x) => Math.round(x).toLocaleString('en-US');
  const runs = (xs) => xs.map(f2).join(' / ');
  process.stdout.write(`
| measure | median | runs | lines/s | peak RSS |
| --- | --- | --- | --- | --- |
| \`mawk\` field tests (one core) | ${f2(summary.mawkSeconds)} s | ${runs(summary.all.mawk)} | ${int(summary.mawkLinesPerSecond)} | ${Math.round(summary.mawkPeakRssMb)} MB |
| \`flowwatch test-pattern --file --count\` (one core, whole CLI process) | ${f2(summary.testPatternCliSeconds)} s | ${runs(summary.all.testPatternCli)} | ${int(lineCount / summary.testPatternCliSeconds)} | ${Math.round(summary.testPatternCliPeakRssMb)} MB |
| flowwatch matcher (one core, whole process) | ${f2(summary.matcherSeconds)} s | ${runs(summary.all.matcher)} | ${int(summary.matcherLinesPerSecond)} | ${Math.round(summary.matcherPeakRssMb)} MB |
| SQL backend: count over the stored records (query) | ${f2(summary.sqlQuerySeconds)} s | ${runs(summary.all.sqlQuery)} | | |
| SQL backend: whole child process (open + query) | ${f2(summary.sqlProcessSeconds)} s | ${runs(summary.all.sqlProcess)} | | ${Math.round(summary.sqlPeakRssMb)} MB |

matches: ${matcherCount} of ${lineCount} lines (matcher = mawk = SQL); ${(textBytes / 1e9).toFixed(2)} GB of text${hasTaskset ? '' : ' (taskset not found: not pinned)'}
matcher / mawk lines/s (median of paired runs): ${f2(ratio)}x (target >= 1x: ${ratio >= 1 ? 'met' : 'not met'})
test-pattern --file / mawk lines/s (median of paired runs): ${f2(cliRatio)}x (target >= 1x: ${cliRatio >= 1 ? 'met' : 'not met'})
SQL query: ${f2(summary.sqlQuerySeconds)} s (target < 0.5 s: ${summary.sqlTargetMet ? 'met' : 'not met'})
`);
  if (summary.profile) {
    process.stdout.write(`\nmatcher self time (${summary.profile.file}):\n`);
    for (const p of summary.profile.selfTime)
      process.stdout.write(`  ${String(p.pct).padStart(5)}%  ${p.ms} ms  ${p.fn}\n`);
    const d = summary.profile.decomposition;
    process.stdout.write(
      `matcher taken apart (one run each, inner seconds): reading and cutting lines ${f2(d.lineSplitterSeconds)} s, + matching ${f2(d.matchingSeconds)} s = ${f2(d.wholeMatcherSeconds)} s\n`,
    );
  }
}

// Last, so that every declaration above is initialised before it runs.
if (args[0] === '--child') {
  if (args[1] === 'matcher') await matcherChild(args[2], args[3]);
  else if (args[1] === 'sql') await sqlChild(args[2]);
  else throw new Error(`unknown child ${args[1]}`);
} else {
  await main();
}
