// `flowwatch fields`: the field catalog, with the three names of every field.

import type { Command } from 'commander';
import { FIELDS } from '../records/catalog.js';
import type { Io } from './context.js';
import { parseOutput, render } from './output.js';

export function registerFields(program: Command, io: Io): void {
  program
    .command('fields')
    .description('list every flow log field: AWS, column and Logs Insights names, version, types')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .option('--all', 'include the description column in table output')
    .action((flags: { output: string; all?: boolean }) => {
      const output = parseOutput(flags.output);
      const rows = FIELDS.map((f) => ({
        aws: f.aws,
        column: f.column,
        insights: f.insights,
        version: f.version,
        type: f.type,
        parquet: f.parquet,
        scope: f.scope,
        confirmed: f.confirmed ? 'yes' : 'no',
        description: f.description,
      }));
      const columns = ['aws', 'column', 'insights', 'version', 'type', 'parquet', 'scope', 'confirmed'];
      if (output !== 'table' || flags.all) columns.push('description');
      io.out(render({ columns, rows }, output));
    });
}
