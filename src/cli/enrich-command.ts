// `flowwatch enrich load-aws-ranges|lookup`: offline enrichment data (AWS ip-ranges.json loaded into the store;
// packaged country and ASN data) and a lookup of addresses.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SourceError, UsageError } from '../core/errors.js';
import { parseAwsRanges } from '../enrich/aws-ranges.js';
import { GEO_ASN_SOURCES } from '../enrich/geo-asn.js';
import { AWS_RANGES_KIND, enricherOf } from '../enrich/load-enricher.js';
import { parseAddress } from '../network/address.js';
import { enrichmentData, saveEnrichmentData } from '../storage/enrichment-data.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io } from './context.js';
import { parseOutput, render } from './output.js';

export function registerEnrich(program: Command, io: Io): void {
  const enrich = program
    .command('enrich')
    .description('offline enrichment: load AWS ip-ranges.json, look addresses up (AS, country, AWS service)');

  enrich
    .command('load-aws-ranges')
    .description(
      "store a copy of AWS's ip-ranges.json (replacing the previous one) for AWS service and region",
    )
    .argument('<file>', 'ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json, downloaded by you)')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .action(async (file: string, flags: { db?: string }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new SourceError('AWS_RANGES_UNREADABLE', file, 'cannot be read');
      }
      const parsed = parseAwsRanges(text, file);
      if (parsed.prefixes === 0)
        throw new SourceError('AWS_RANGES_EMPTY', file, 'holds no prefix with a service and region');
      const store = await Store.open(dbPath(io, flags.db));
      try {
        await saveEnrichmentData(store, AWS_RANGES_KIND, resolve(file), parsed.createDate ?? null, text);
        await store.checkpoint();
      } finally {
        store.close();
      }
      io.out(
        `AWS ranges loaded: ${parsed.prefixes} prefixes${parsed.skipped > 0 ? ` (${parsed.skipped} entries without a prefix, service or region skipped)` : ''}, published ${parsed.createDate ?? 'at an unknown date'}${parsed.syncToken !== undefined ? ` (syncToken ${parsed.syncToken})` : ''}\n`,
      );
    });

  enrich
    .command('lookup')
    .description('what is known about addresses: AS number and organisation, country, AWS service and region')
    .argument('<addresses...>', 'IPv4 or IPv6 addresses')
    .option('--db <file>', 'store with the AWS ranges (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action(async (addresses: string[], flags: { db?: string; output: string }) => {
      const output = parseOutput(flags.output);
      const bad = addresses.find((a) => parseAddress(a) === undefined);
      if (bad !== undefined) throw new UsageError('BAD_ADDRESS', `"${bad}" is not an IPv4 or IPv6 address`);
      let store: Store | undefined;
      try {
        store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      } catch {
        store = undefined; // no store: AS and country only
      }
      try {
        const aws = store ? await enrichmentData(store, AWS_RANGES_KIND) : undefined;
        const enricher = store
          ? await enricherOf(store)
          : new (await import('../enrich/enricher.js')).Enricher();
        const rows = addresses.map((a) => ({ address: a, ...enricher.fields('', a) }));
        io.out(render({ columns: Object.keys(rows[0]!), rows }, output));
        if (output === 'table') {
          io.out(
            `data: ${GEO_ASN_SOURCES.map((s) => `${s.package} (${s.licence})`).join('; ')}; AWS ranges: ${aws ? `${aws.source}, published ${aws.published ?? 'unknown'}` : 'none loaded (flowwatch enrich load-aws-ranges <ip-ranges.json>)'}\n`,
          );
        }
      } finally {
        store?.close();
      }
    });
}
