// `flowwatch athena`: Athena DDL and SQL run locally (catalog in the store, DuckDB over the tables' files).

import { readFileSync } from 'node:fs';
import { CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import type { Command } from 'commander';
import { splitStatements } from '../athena/lexer.js';
import { athenaClient, runRemote, sendAthena, withInterrupt } from '../athena/remote.js';
import { S3Mirror } from '../athena/s3-mirror.js';
import { AthenaSession } from '../athena/session.js';
import { renderSetup, setupPlan } from '../athena/setup.js';
import { UsageError, UserError } from '../core/errors.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, positiveInt, timeoutFlag } from './context.js';
import { parseOutput, render } from './output.js';
import { DEFAULT_CLI_TIMEOUT } from './sql-command.js';

interface Flags {
  file?: string;
  db?: string;
  database?: string;
  output: string;
  maxRows: string;
  timeout: string;
  locationRoot?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3Cache?: string;
}

export function registerAthena(program: Command, io: Io): void {
  const athena = program.command('athena');
  registerAthenaSetup(athena, io);
  athena
    .description(
      'run Athena statements locally: CREATE EXTERNAL TABLE, ADD PARTITION, MSCK REPAIR, SELECT ...',
    )
    .argument('[statement]', 'one Athena statement (or use --file)')
    .option('-f, --file <script.sql>', 'run the statements of a file, separated by ;')
    .option('--db <file>', 'store holding the catalog (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--database <name>', 'database unqualified table names refer to (default: default)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .option('--max-rows <n>', 'stop after this many rows', '10000')
    .option(
      '--timeout <duration>',
      'stop a SELECT after this long (e.g. 30s, 10m; 0 for no limit)',
      DEFAULT_CLI_TIMEOUT,
    )
    .option(
      '--location-root <dir>',
      'read s3://bucket/key locations from <dir>/bucket/key (a local mirror); a table created with it keeps it',
    )
    .option('--s3-endpoint <url>', 'S3 endpoint for s3:// locations (path-style), e.g. http://127.0.0.1:4568')
    .option('--s3-region <region>', 'AWS region of the buckets (default: $AWS_REGION or us-east-1)')
    .option('--s3-cache <dir>', 'where objects read from S3 are kept (default: <store>.s3-cache)')
    .addHelpText(
      'after',
      `
Statements: CREATE DATABASE, CREATE EXTERNAL TABLE (text or Parquet, PARTITIONED BY, projection.*),
ALTER TABLE ADD PARTITION, MSCK REPAIR TABLE, DROP TABLE, SHOW TABLES/DATABASES/PARTITIONS, USE, SELECT, WITH.
SELECT has Athena's (Trino's) function semantics: day_of_week, date_format, from_unixtime, date_diff, ...

Example:
  flowwatch athena --location-root ./mirror --file tables.sql
  flowwatch athena "SELECT action, count(*) FROM vpc_flow_logs GROUP BY 1"`,
    )
    .action(async (statement: string | undefined, flags: Flags) => {
      const output = parseOutput(flags.output);
      const maxRows = positiveInt(flags.maxRows, '--max-rows');
      const timeoutMs = timeoutFlag(flags.timeout);
      if ((statement === undefined) === (flags.file === undefined)) {
        throw new UsageError('ATHENA_USAGE', 'give either one statement or --file <script.sql>');
      }
      let script = statement ?? '';
      if (flags.file !== undefined) {
        try {
          script = readFileSync(flags.file, 'utf8');
        } catch (err) {
          throw new UsageError('ATHENA_FILE', `cannot read ${flags.file}: ${(err as Error).message}`);
        }
      }
      const store = await Store.open(dbPath(io, flags.db));
      try {
        const session = await AthenaSession.open(store, {
          maxRows,
          timeoutMs,
          ...(flags.database === undefined ? {} : { database: flags.database }),
          ...(flags.locationRoot === undefined ? {} : { s3Root: flags.locationRoot }),
          s3: new S3Mirror({
            cacheDir: flags.s3Cache ?? `${dbPath(io, flags.db)}.s3-cache`,
            region: flags.s3Region,
            endpoint: flags.s3Endpoint,
            forcePathStyle: flags.s3Endpoint !== undefined,
          }),
        });
        for (const s of splitStatements(script)) {
          let r: Awaited<ReturnType<AthenaSession['run']>>;
          try {
            r = await session.run(s.text);
          } catch (err) {
            if (err instanceof UserError && flags.file !== undefined) {
              const line = script.slice(0, s.offset).split('\n').length;
              err.detail = `  in the statement at ${flags.file}:${line}\n${err.detail ?? ''}`.trimEnd();
            }
            throw err;
          }
          if (r.columns.length > 0) io.out(render({ columns: r.columns, rows: r.rows }, output));
          if (r.message !== undefined && r.columns.length === 0) io.err(`${r.message}\n`);
          if (r.truncated)
            io.err(`(only the first ${maxRows} rows are shown; raise --max-rows to see more)\n`);
        }
      } finally {
        store.close();
      }
    });
}

// `flowwatch athena setup`: prints (and with --apply creates) the Glue database, projected table and workgroup.
interface SetupFlags {
  format: string;
  bucket: string;
  prefix?: string;
  layout: string;
  partition: string;
  fileFormat: string;
  database: string;
  table: string;
  workgroup: string;
  results?: string;
  region?: string;
  regions?: string;
  endpoint?: string;
  glueEndpoint?: string;
  apply?: boolean;
}

function oneOf<T extends string>(v: string, allowed: readonly T[], what: string): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError('BAD_OPTION', `${what} "${v}" is not one of ${allowed.join(', ')}`);
}

export function registerAthenaSetup(athena: Command, io: Io): void {
  athena
    .command('setup')
    .description('generate (and with --apply create) the Glue database, table and workgroup for Athena')
    .requiredOption('--format <format>', 'the flow log format, e.g. "${version} ${account-id} ..."')
    .requiredOption('--bucket <name>', 'the S3 bucket the flow logs are delivered to')
    .option('--prefix <prefix>', 'the prefix before AWSLogs/ in the bucket')
    .option('--layout <layout>', 'plain or hive (Hive-compatible S3 prefixes)', 'plain')
    .option('--partition <p>', 'daily or hourly', 'daily')
    .option('--file-format <f>', 'text or parquet', 'text')
    .option('--database <name>', 'Glue database', 'flowlogs')
    .option('--table <name>', 'table', 'vpc_flow_logs')
    .option('--workgroup <name>', 'Athena workgroup', 'flowwatch')
    .option('--results <s3uri>', 'query result location (default: s3://<bucket>/athena-results/)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION or us-east-1)')
    .option('--regions <list>', 'regions the table projects, comma-separated (default: --region)')
    .option('--endpoint <url>', 'Athena endpoint URL')
    .option('--glue-endpoint <url>', 'Glue endpoint URL')
    .option('--apply', 'make the API calls instead of only printing them')
    .action(async (flags: SetupFlags) => {
      const region = flags.region ?? io.env['AWS_REGION'] ?? 'us-east-1';
      const plan = setupPlan({
        format: flags.format,
        bucket: flags.bucket,
        prefix: flags.prefix,
        layout: oneOf(flags.layout, ['plain', 'hive'], '--layout'),
        partition: oneOf(flags.partition, ['daily', 'hourly'], '--partition'),
        fileFormat: oneOf(flags.fileFormat, ['text', 'parquet'], '--file-format'),
        database: flags.database,
        table: flags.table,
        workgroup: flags.workgroup,
        results: flags.results ?? `s3://${flags.bucket}/athena-results/`,
        regions: (flags.regions ?? region).split(',').map((r) => r.trim()),
      });
      io.out(renderSetup(plan));
      if (!flags.apply) return;
      const athenaApi = athenaClient({ region, endpoint: flags.endpoint });
      const glue = new GlueClient({
        region,
        ...(flags.glueEndpoint === undefined ? {} : { endpoint: flags.glueEndpoint }),
      });
      for (const call of plan.calls) {
        if (call.action === 'CreateWorkGroup') {
          try {
            await sendAthena('CreateWorkGroup', () =>
              athenaApi.send(new CreateWorkGroupCommand(call.input as never)),
            );
          } catch (err) {
            if (!/already (created|exists)/i.test((err as Error).message)) throw err;
          }
        } else if (call.action === 'CreateDatabase') {
          try {
            await sendAthena('(Glue) CreateDatabase', () =>
              glue.send(new CreateDatabaseCommand(call.input as never)),
            );
          } catch (err) {
            if (!/AlreadyExistsException/.test((err as Error).message)) throw err;
          }
        } else {
          const input = call.input as { QueryString: string };
          await withInterrupt((signal) =>
            runRemote(athenaApi, input.QueryString, {
              workgroup: flags.workgroup,
              database: flags.database,
              signal,
            }),
          );
        }
        io.err(`applied: ${call.service === 'glue' ? 'Glue' : 'Athena'} ${call.action}\n`);
      }
    });
}
