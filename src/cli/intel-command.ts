// `flowwatch intel add|list|remove`: threat-intelligence feeds kept in the store, matched by the detections and
// by `flowwatch hunt` (without --ioc).

import { basename, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { feedFormatFlag, printReport, readFeedFile } from '../enrich/read-feed.js';
import { plural } from '../metrics/alarms/format.js';
import { listFeeds, removeFeed, saveFeed } from '../storage/intel.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io } from './context.js';
import { parseOutput, render } from './output.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function registerIntel(program: Command, io: Io): void {
  const intel = program
    .command('intel')
    .description('threat-intelligence feeds kept in the store: add (or replace), list, remove');

  intel
    .command('add')
    .description('load a feed (IP/CIDR list, Spamhaus DROP JSON, abuse.ch CSV, STIX 2.1) as a new version')
    .argument('<file>', 'the feed file')
    .option('--name <name>', 'the feed name (default: the file name without extension)')
    .option('--format <format>', 'auto, list, spamhaus-drop, abusech-csv or stix', 'auto')
    .option('--licence <text>', 'the licence the feed is used under (recorded with it)')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .addHelpText(
      'after',
      `
Re-adding a name stores a new version and replaces the old version's indicators (the old version stays
listed). A bad line is reported as file:line and skipped; the rest loads. DROP and abuse.ch feeds record
their own licence when --licence is not given; other feeds are recorded as "unspecified".`,
    )
    .action(async (file: string, flags: { name?: string; format: string; licence?: string; db?: string }) => {
      const name = flags.name ?? basename(file, extname(file));
      if (!NAME.test(name)) {
        throw new UsageError(
          'BAD_FEED_NAME',
          `feed name "${name}" must be 1-64 letters, digits, dots, dashes or underscores`,
          'give one with --name',
        );
      }
      const feed = readFeedFile(file, feedFormatFlag(flags.format));
      printReport(feed.report, io.err);
      const licence = flags.licence ?? feed.parsed.licence ?? 'unspecified';
      const store = await Store.open(dbPath(io, flags.db));
      try {
        const version = await saveFeed(store, {
          name,
          format: feed.parsed.format,
          source: resolve(file),
          sha256: feed.sha256,
          licence,
          indicators: feed.parsed.indicators,
          skipped: feed.parsed.problems.length,
          revoked: feed.parsed.revoked,
        });
        await store.checkpoint();
        const v6 = feed.parsed.indicators.filter((i) => i.v6).length;
        io.out(
          `feed ${name} version ${version}: ${plural(feed.parsed.indicators.length, 'indicator')} (${feed.parsed.indicators.length - v6} IPv4, ${v6} IPv6) from ${file} as ${feed.parsed.format}` +
            `${feed.parsed.problems.length > 0 ? `, ${feed.parsed.problems.length} bad lines skipped` : ''}` +
            `${feed.parsed.revoked > 0 ? `, ${feed.parsed.revoked} revoked left out` : ''}; licence: ${licence}\n`,
        );
        if (licence === 'unspecified')
          io.err('note: no licence recorded for this feed; give the terms you use it under with --licence\n');
      } finally {
        store.close();
      }
    });

  intel
    .command('list')
    .description('every feed version: source, licence, indicators, and which version is matched')
    .option('--all', 'also the replaced and removed versions')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action(async (flags: { all?: boolean; db?: string; output: string }) => {
      const output = parseOutput(flags.output);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const feeds = (await listFeeds(store)).filter((f) => flags.all === true || f.current);
        if (feeds.length === 0 && output === 'table') {
          io.out(
            flags.all === true
              ? 'no feeds: add one with flowwatch intel add <file>\n'
              : 'no current feeds (flowwatch intel list --all shows removed ones); add one with flowwatch intel add <file>\n',
          );
          return;
        }
        const rows = feeds.map((f) => ({
          name: f.name,
          version: f.version,
          current: f.current ? 'yes' : 'no',
          format: f.format,
          indicators: f.indicators,
          skipped: f.skipped,
          loaded_at: f.loadedAt,
          licence: f.licence,
          source: f.source,
          sha256: f.sha256,
        }));
        const columns =
          output === 'table'
            ? [
                'name',
                'version',
                'current',
                'format',
                'indicators',
                'skipped',
                'loaded_at',
                'licence',
                'source',
              ]
            : Object.keys(rows[0] ?? { name: '' });
        io.out(render({ columns, rows }, output));
      } finally {
        store.close();
      }
    });

  intel
    .command('remove')
    .description('stop matching a feed (its versions stay listed with --all)')
    .argument('<name>', 'the feed name')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .action(async (name: string, flags: { db?: string }) => {
      const store = await Store.open(dbPath(io, flags.db));
      try {
        const removed = await removeFeed(store, name);
        if (removed === undefined) {
          const names = (await listFeeds(store)).filter((f) => f.current).map((f) => f.name);
          throw new UsageError(
            'NO_SUCH_FEED',
            `there is no current feed named "${name}"`,
            names.length > 0 ? `the feeds are: ${names.join(', ')}` : 'the store has no feeds',
          );
        }
        await store.checkpoint();
        io.out(`feed ${name} removed (${removed} indicators no longer matched)\n`);
      } finally {
        store.close();
      }
    });
}
