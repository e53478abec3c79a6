// `flowwatch notifications list|retry`: deliveries waiting for a retry or dead-lettered, and a second chance.

import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { UsageError } from '../core/errors.js';
import { type DeliveryState, Outbox } from '../notify/index.js';
import { isPlainMessage } from '../notify/message.js';
import type { Io } from './context.js';
import { parseOutput, render } from './output.js';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

export function registerNotifications(program: Command, io: Io): void {
  const cmd = program
    .command('notifications')
    .description('notification deliveries: pending retries and dead letters');
  const outboxOf = async (flags: { config: string; stateDir?: string }) =>
    Outbox.open(join(resolve(flags.stateDir ?? loadConfig(flags.config).monitor.stateDir), 'outbox'));
  cmd
    .command('list')
    .description('deliveries waiting for a retry (pending) and those that gave up (dead)')
    .option('--state <state>', 'only pending, dead or delivered (default: pending and dead)')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'the monitor state folder (default: monitor.stateDir of the config)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action(async (flags: { state?: string; config: string; stateDir?: string; output: string }) => {
      if (flags.state !== undefined && !['pending', 'dead', 'delivered'].includes(flags.state))
        throw new UsageError('BAD_STATE', `--state "${flags.state}" is not pending, dead or delivered`);
      const states = (flags.state === undefined ? ['pending', 'dead'] : [flags.state]) as DeliveryState[];
      const box = await outboxOf(flags);
      try {
        const found = [];
        for (const state of states) found.push(...(await box.list(state)));
        const rows = found.map((d) => ({
          id: d.id.slice(0, 12),
          delivery: d.state,
          alarm: isPlainMessage(d.notification) ? d.notification.source : d.notification.AlarmName,
          state: isPlainMessage(d.notification) ? '' : d.notification.NewStateValue,
          topic: d.topic,
          to: d.endpoint,
          attempts: d.attempts,
          created: iso(d.createdAt),
          next: d.state === 'pending' ? iso(d.nextAttemptAt) : '',
          error: d.lastError ?? '',
        }));
        io.out(
          render(
            {
              columns: [
                'id',
                'delivery',
                'alarm',
                'state',
                'topic',
                'to',
                'attempts',
                'created',
                'next',
                'error',
              ],
              rows,
            },
            parseOutput(flags.output),
          ),
        );
      } finally {
        await box.close();
      }
    });
  cmd
    .command('retry')
    .description('send a dead-lettered delivery again (a running monitor picks it up within 10 s)')
    .argument('<id>', 'the delivery id, or a unique prefix of it')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'the monitor state folder (default: monitor.stateDir of the config)')
    .action(async (id: string, flags: { config: string; stateDir?: string }) => {
      const box = await outboxOf(flags);
      try {
        const d = await box.requeue(id, Date.now());
        io.out(
          `queued ${d.id.slice(0, 12)} (${isPlainMessage(d.notification) ? d.notification.source : d.notification.AlarmName} → ${d.endpoint}) for another attempt\n`,
        );
      } finally {
        await box.close();
      }
    });
}
