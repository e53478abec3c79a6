// bench:detect-eval — generates the labelled corpus, ingests it, loads its indicator list (`flowwatch intel add`),
// runs `flowwatch detect` and scores the findings against truth.json: per kind, attacks found (right entity, overlapping window), recall, false findings.
//
// Usage: npm run bench:detect-eval [-- --hours 192 --seed 1 --scale 1 --slack 300 --keep --no-home-net --cli <bin/flowwatch.js>
//                                      --detect-arg <arg> ...]
//        --hours: 192 (8 days) by default, the shortest corpus on which every kind can be judged: the baseline
//        detections (exfiltration, flood) need 3 days of history and first-seen 7 days of learning, so on a 48 h
//        corpus (--hours 48, a quicker run) their attacks fall in the cold start and count as missed.
//        npm run bench:detect-eval -- --corpus-only <dir>     (write the corpus and stop)
//        npm run bench:detect-eval -- --reuse <dir>   (detect again over the corpus and store a --keep run left)
//        npm run bench:detect-eval -- --anomalies [--anomaly-arg <arg> ...]   (also run `flowwatch anomalies`, the
//            Random Cut Forest, and score its kind-less findings: any attack they hit, false findings)
// Needs the built CLI (npm run build). Exit codes: 0 scored, 1 failure, 2 `detect` missing or bad usage.
// Results: bench/results/detect-eval.md and bench/results/detect-eval.json (--results <dir> elsewhere).

import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const value = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(2, `--${name} needs a value`);
  return v;
};
const number = (name, dflt) => {
  const v = value(name, undefined);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(2, `--${name} must be a number, got "${v}"`);
  return n;
};
function fail(code, message) {
  process.stderr.write(`bench:detect-eval: ${message}\n`);
  process.exit(code);
}
/** The flowwatch CLI to evaluate (default: this checkout's bin/flowwatch.js; --cli <path> for another build). */
const cli = resolve(value('cli', join(root, 'bin', 'flowwatch.js')));
const detectArgs = args.flatMap((a, i) => (args[i - 1] === '--detect-arg' ? [a] : []));

/** Runs a command; resolves { code, out, err } (never rejects on a bad exit). */
function run(cmd, argv) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', rej);
    child.on('exit', (code) => res({ code: code ?? -1, out, err }));
  });
}

const dist = join(root, 'dist', 'simulate', 'labelled');
if (!existsSync(join(dist, 'generate.js')))
  fail(2, 'the built CLI is missing (dist/simulate/labelled): run `npm run build` first');
const { generateLabelled } = await import(join(dist, 'generate.js'));
const { parseFindings, score, markdown, scoreAnomalies, anomalyMarkdown } = await import(
  join(dist, 'score.js')
);
const anomalyArgs = args.flatMap((a, i) => (args[i - 1] === '--anomaly-arg' ? [a] : []));

const options = {
  seed: number('seed', 1),
  hours: number('hours', 192),
  scale: number('scale', 1),
};
const slack = number('slack', 300);

const corpusOnly = value('corpus-only', undefined);
if (corpusOnly !== undefined) {
  const t0 = performance.now();
  const { truth, truthPath, logsDir, indicatorsPath } = await generateLabelled({
    out: corpusOnly,
    ...options,
  });
  process.stdout.write(
    `Wrote ${truth.records.toLocaleString('en-US')} records in ${truth.files} files (${options.hours} h, seed ${options.seed}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n` +
      `  logs:       ${logsDir}\n  truth:      ${truthPath} (${truth.attacks.length} attacks, ${truth.benign.length} benign look-alikes)\n` +
      `  indicators: ${indicatorsPath}\n`,
  );
  process.exit(0);
}

// `detect` must exist before anything is generated.
const help = await run('node', [cli, 'detect', '--help']);
if (help.code !== 0 || !/detect/.test(help.out)) {
  fail(
    2,
    'this build of flowwatch has no `detect` command (`flowwatch detect --help` failed), so there is nothing to score.\n' +
      '  Build a checkout that has it (npm run build), or write just the corpus with: npm run bench:detect-eval -- --corpus-only <dir>',
  );
}
const indicatorOption = /--(indicators|threat[-\w]*|known-bad[-\w]*|intel[-\w]*)\b/.exec(help.out)?.[0];

// --reuse <dir>: the folder a --keep run left (corpus/ and store.duckdb with the feed loaded): detect runs on a copy
// of its store, with no generation nor ingest, to compare two builds on the same records.
const reuse = value('reuse', undefined);
const work = reuse === undefined ? mkdtempSync(join(tmpdir(), 'flowwatch-detect-eval-')) : resolve(reuse);
const corpus = join(work, 'corpus');
const db = join(work, reuse === undefined ? 'store.duckdb' : 'store-reuse.duckdb');
try {
  let t0 = performance.now();
  let genSeconds = 0;
  let ingestSeconds = 0;
  let intelLoaded = reuse !== undefined;
  let truth;
  let indicatorsPath = join(corpus, 'indicators.txt');
  if (reuse !== undefined) {
    truth = JSON.parse(readFileSync(join(corpus, 'truth.json'), 'utf8'));
    for (const ext of ['', '.wal']) rmSync(`${db}${ext}`, { force: true });
    copyFileSync(join(work, 'store.duckdb'), db);
    process.stderr.write(`reusing ${work}: detect on a copy of its store (no generation, no ingest)\n`);
  } else {
    const gen = await generateLabelled({ out: corpus, ...options });
    truth = gen.truth;
    indicatorsPath = gen.indicatorsPath;
    const logsDir = gen.logsDir;
    genSeconds = (performance.now() - t0) / 1000;
    process.stderr.write(
      `generated ${truth.records} records in ${truth.files} files (${genSeconds.toFixed(1)} s); ingesting...\n`,
    );

    t0 = performance.now();
    const ing = await run('node', [cli, 'ingest', logsDir, '--db', db, '--json']);
    if (ing.code !== 0) fail(1, `flowwatch ingest failed (exit ${ing.code}):\n${ing.err}${ing.out}`);
    const summary = JSON.parse(ing.out);
    ingestSeconds = (performance.now() - t0) / 1000;
    if (summary.rejected > 0)
      process.stderr.write(
        `WARNING: ingest rejected ${summary.rejected} lines of the corpus: the scores below miss them\n`,
      );
    if (summary.records !== truth.records)
      process.stderr.write(
        `WARNING: ingest loaded ${summary.records} records, the corpus has ${truth.records}\n`,
      );

    // Load the corpus's indicator list into the store as a user would (`flowwatch intel add`), when this build has
    // threat-intel feeds; the known-bad detection matches the stored feeds.
    const intelHelp = await run('node', [cli, 'intel', 'add', '--help']);
    if (intelHelp.code === 0) {
      const add = await run('node', [cli, 'intel', 'add', indicatorsPath, '--name', 'corpus', '--db', db]);
      if (add.code !== 0) fail(1, `flowwatch intel add failed (exit ${add.code}):\n${add.err}${add.out}`);
      intelLoaded = true;
      process.stderr.write(`loaded ${indicatorsPath} with flowwatch intel add\n`);
    }
  }

  const detectArgv = [
    cli,
    'detect',
    '--db',
    db,
    '--since',
    String(truth.start),
    '--until',
    String(truth.end),
    '--output',
    'json',
  ];
  // Declare the estate's networks as a user does (flowwatch.yaml homeNet: its VPC CIDRs, IPv6 included: a VPC's
  // IPv6 addresses are public, so without it outbound-scan cannot tell ours from the internet's where the format
  // has no flow-direction). --no-home-net runs without it.
  const help2 = help.out + help.err;
  let homeNote = 'no homeNet';
  if (!flag('no-home-net') && help2.includes('--config') && !detectArgs.includes('--config')) {
    const cfg = join(work, 'flowwatch.yaml');
    const blocks = (truth.vpcs ?? []).flatMap((v) => v.cidrs ?? []);
    writeFileSync(cfg, `homeNet: [${blocks.join(', ')}]\n`);
    detectArgv.push('--config', cfg);
    homeNote = `homeNet: the corpus's VPC CIDRs (${blocks.length} blocks)`;
    process.stderr.write(
      `homeNet: ${blocks.join(', ')} (from the corpus's VPCs; --no-home-net to leave it out)\n`,
    );
  }
  if (indicatorOption && !detectArgs.includes(indicatorOption))
    detectArgv.push(indicatorOption, indicatorsPath);
  detectArgv.push(...detectArgs);
  process.stderr.write(`running: node ${detectArgv.slice(1).join(' ')}\n`);
  if (!indicatorOption && !intelLoaded)
    process.stderr.write(
      `NOTE: detect --help names no indicator option; known-bad detections get no list (pass one with --detect-arg)\n`,
    );
  t0 = performance.now();
  const det = await run('node', detectArgv);
  const detectSeconds = (performance.now() - t0) / 1000;
  if (det.code !== 0)
    fail(1, `flowwatch detect failed (exit ${det.code}):\n${det.err}${det.out.slice(0, 2000)}`);
  const findings = parseFindings(det.out);
  const result = score(truth, findings, slack);

  const header =
    `Corpus: seed ${truth.seed}, ${Math.round((truth.end - truth.start) / 3600)} h from ${new Date(truth.start * 1000).toISOString()}, ` +
    `${truth.records.toLocaleString('en-US')} records in ${truth.files} files, ${truth.attacks.length} attacks, ${truth.benign.length} benign look-alikes. ` +
    `Generate ${genSeconds.toFixed(0)} s, ingest ${ingestSeconds.toFixed(0)} s, detect ${detectSeconds.toFixed(1)} s; ${findings.length} findings; ${homeNote}.\n\n`;
  let md = header + markdown(result, 'Detection quality (bench:detect-eval)');
  if (flag('anomalies')) {
    const argv = [cli, 'anomalies', '--db', db, '--since', String(truth.start), '--until', String(truth.end)];
    argv.push('--output', 'json', ...anomalyArgs);
    process.stderr.write(`running: node ${argv.slice(1).join(' ')}\n`);
    t0 = performance.now();
    const an = await run('node', argv);
    if (an.code !== 0)
      fail(1, `flowwatch anomalies failed (exit ${an.code}):\n${an.err}${an.out.slice(0, 2000)}`);
    const seconds = (performance.now() - t0) / 1000;
    const found = parseFindings(an.out);
    md +=
      `\n${anomalyMarkdown(scoreAnomalies(truth, found, slack), 'Interface anomalies (Random Cut Forest, flowwatch anomalies)', slack)}` +
      `anomalies ${anomalyArgs.join(' ') || '(defaults)'}: ${found.length} findings in ${seconds.toFixed(1)} s.\n`;
  }
  process.stdout.write(md);
  for (const [d, c] of Object.entries(result.unmapped))
    process.stderr.write(
      `UNMAPPED detection id "${d}" (${c} findings): add a keyword to KIND_RULES in src/simulate/labelled/score.ts\n`,
    );
  const results = resolve(value('results', join(root, 'bench', 'results')));
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'detect-eval.md'), md);
  writeFileSync(
    join(results, 'detect-eval.json'),
    `${JSON.stringify({ options, slack, rows: result.rows, unmapped: result.unmapped, mapping: result.mapping, judged: result.judged }, null, 2)}\n`,
  );
  process.stderr.write(
    `wrote bench/results/detect-eval.md and .json${flag('keep') ? `; corpus and store kept in ${work}` : ''}\n`,
  );
} finally {
  if (reuse !== undefined) for (const ext of ['', '.wal']) rmSync(`${db}${ext}`, { force: true });
  else if (!flag('keep')) rmSync(work, { recursive: true, force: true });
}
