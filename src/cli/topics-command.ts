// `flowwatch topics put | subscribe | unsubscribe | list`: the SNS-like topics of flowwatch.yaml from the command
// line (CreateTopic, Subscribe, Unsubscribe, ListSubscriptions), validated as the file is, written keeping its
// comments, and applied to a running monitor.

import type { Command } from 'commander';
import { isMap, isSeq } from 'yaml';
import {
  addSubscription,
  type Config,
  DEFAULT_CONFIG,
  loadConfig,
  putNamed,
  removeSubscription,
} from '../config/config.js';
import { UsageError, UserError } from '../core/errors.js';
import { checkTopic, endpointOf, SUBSCRIPTION_TYPES, type Subscription } from '../notify/index.js';
import { saveAndApply } from './alarms-put-command.js';
import type { Io } from './context.js';
import { parseOutput, render } from './output.js';

/** The option each subscription key comes from. */
const OPTION_OF: Readonly<Record<string, string>> = {
  type: '--protocol',
  to: '--notification-endpoint',
  url: '--notification-endpoint',
  id: '--id',
  secretEnv: '--secret-env',
};

/** The raw subscriptions of a topic as written in the file. */
function rawSubscriptions(config: Config, topic: string): unknown[] | undefined {
  const seq = config.doc.get('topics', true);
  if (!isSeq(seq)) return undefined;
  const t = seq.items.find((it) => isMap(it) && it.get('name') === topic);
  if (!t) return undefined;
  const json = (t as unknown as { toJSON(): { subscriptions?: unknown } }).toJSON();
  return Array.isArray(json.subscriptions) ? json.subscriptions : [];
}

function noTopic(config: Config, topic: string): UserError {
  const names = config.topics.map((t) => t.name);
  return new UserError(
    'NO_SUCH_TOPIC',
    `${config.path} has no topic "${topic}"`,
    names.length > 0
      ? `the topics are ${names.join(', ')}; create one with: flowwatch topics put --name ${topic}`
      : `create it with: flowwatch topics put --name ${topic}`,
  );
}

interface SubscribeFlags {
  config: string;
  topic: string;
  protocol: string;
  notificationEndpoint?: string;
  id?: string;
  secretEnv?: string;
}

/** The subscription the flags describe, as written in flowwatch.yaml. */
function subscriptionOf(f: SubscribeFlags): Record<string, unknown> {
  if (!(SUBSCRIPTION_TYPES as readonly string[]).includes(f.protocol)) {
    throw new UsageError(
      'BAD_PROTOCOL',
      `--protocol: "${f.protocol}" is not a flowwatch channel`,
      `use one of ${SUBSCRIPTION_TYPES.join(', ')}`,
    );
  }
  const needsEndpoint = f.protocol !== 'stdout';
  if (needsEndpoint && f.notificationEndpoint === undefined) {
    throw new UsageError(
      'MISSING_ENDPOINT',
      `--notification-endpoint is required for --protocol ${f.protocol}`,
      f.protocol === 'email' ? 'an email address' : 'an https:// URL',
    );
  }
  if (f.secretEnv !== undefined && f.protocol !== 'webhook') {
    throw new UsageError('BAD_OPTION', '--secret-env applies to --protocol webhook only');
  }
  const e = f.notificationEndpoint;
  return {
    type: f.protocol,
    ...(f.id !== undefined ? { id: f.id } : {}),
    ...(f.protocol === 'email' ? { to: e!.split(',').map((a) => a.trim()) } : {}),
    ...(f.protocol === 'webhook' || f.protocol === 'slack' ? { url: e } : {}),
    ...(f.secretEnv !== undefined ? { secretEnv: f.secretEnv } : {}),
  };
}

export function registerTopics(program: Command, io: Io): void {
  const topics = program
    .command('topics')
    .description('the SNS-like topics of flowwatch.yaml: put, subscribe, unsubscribe, list');

  topics
    .command('put')
    .description('create a topic (CreateTopic: nothing changes when it exists)')
    .requiredOption('--name <name>', 'topic name: letters, digits, "-" or "_"')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .action((flags: { name: string; config: string }) => {
      const checked = checkTopic({ name: flags.name, subscriptions: [] });
      if (!checked.ok) {
        const e = checked.errors[0]!;
        throw new UsageError(e.code, `--name: ${e.message}`, e.hint);
      }
      const config = loadConfig(flags.config);
      if (config.topics.some((t) => t.name === flags.name)) {
        io.out(`Topic "${flags.name}" already exists in ${flags.config}.\n`);
        return;
      }
      const { text } = putNamed(config, 'topics', { name: flags.name, subscriptions: [] });
      const applied = saveAndApply(flags.config, text, 'topics');
      io.out(`Added topic "${flags.name}" to ${flags.config}. ${applied}\n`);
    });

  topics
    .command('subscribe')
    .description('add a subscription to a topic (Subscribe)')
    .requiredOption('--topic <name>', 'the topic (a name or an SNS ARN ending in it)')
    .requiredOption('--protocol <channel>', SUBSCRIPTION_TYPES.join(', '))
    .option('--notification-endpoint <endpoint>', 'email address(es, comma-separated) or https:// URL')
    .option('--id <id>', 'a stable id for the subscription (default: derived from the endpoint)')
    .option('--secret-env <VAR>', 'webhook: environment variable holding the HMAC signing key')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .addHelpText(
      'after',
      `
Examples:
  flowwatch topics subscribe --topic netops --protocol email --notification-endpoint ops@example.com
  flowwatch topics subscribe --topic netops --protocol webhook --notification-endpoint https://hooks.example.com/fw --secret-env FW_HOOK_SECRET
  flowwatch topics subscribe --topic netops --protocol stdout`,
    )
    .action((flags: SubscribeFlags) => {
      const topic = flags.topic.split(':').pop() ?? flags.topic;
      const sub = subscriptionOf(flags);
      const config = loadConfig(flags.config);
      const existing = rawSubscriptions(config, topic);
      if (existing === undefined) throw noTopic(config, topic);
      const checked = checkTopic({ name: topic, subscriptions: [...existing, sub] });
      if (!checked.ok) {
        const e = checked.errors[0]!;
        const key = e.path.find((p): p is string => typeof p === 'string' && p !== 'subscriptions');
        throw new UsageError(e.code, `${(key && OPTION_OF[key]) ?? '--topic'}: ${e.message}`, e.hint);
      }
      const added = checked.value.subscriptions[checked.value.subscriptions.length - 1]!;
      const text = addSubscription(config, topic, sub)!;
      const applied = saveAndApply(flags.config, text, 'topics');
      io.out(`Subscribed ${added.type} ${endpointOf(added)} to "${topic}" (id ${added.id}). ${applied}\n`);
    });

  topics
    .command('unsubscribe')
    .description('remove a subscription from a topic (Unsubscribe), by id or endpoint')
    .requiredOption('--topic <name>', 'the topic')
    .option('--id <id>', 'the subscription id (see flowwatch topics list)')
    .option('--notification-endpoint <endpoint>', 'or its email address / URL')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .action((flags: { topic: string; id?: string; notificationEndpoint?: string; config: string }) => {
      if ((flags.id === undefined) === (flags.notificationEndpoint === undefined)) {
        throw new UsageError('BAD_OPTION', 'give exactly one of --id and --notification-endpoint');
      }
      const topicName = flags.topic.split(':').pop() ?? flags.topic;
      const config = loadConfig(flags.config, true);
      const topic = config.topics.find((t) => t.name === topicName);
      if (!topic) throw noTopic(config, topicName);
      const endpoint = (s: Subscription) =>
        s.type === 'email' ? s.to.join(',') : s.type === 'stdout' ? 'stdout' : s.url;
      const index = topic.subscriptions.findIndex((s) =>
        flags.id !== undefined ? s.id === flags.id : endpoint(s) === flags.notificationEndpoint,
      );
      if (index < 0) {
        throw new UserError(
          'NO_SUCH_SUBSCRIPTION',
          `topic "${topicName}" has no subscription ${flags.id !== undefined ? `with id "${flags.id}"` : `to ${flags.notificationEndpoint}`}`,
          `its subscriptions: ${topic.subscriptions.map((s) => `${s.id} (${s.type} ${endpointOf(s)})`).join(', ') || 'none'}`,
        );
      }
      const text = removeSubscription(config, topicName, index)!;
      const applied = saveAndApply(flags.config, text, 'topics');
      io.out(`Unsubscribed ${topic.subscriptions[index]!.id} from "${topicName}". ${applied}\n`);
    });

  topics
    .command('list')
    .description('every topic with its subscriptions (ListSubscriptions)')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action((flags: { config: string; output: string }) => {
      const output = parseOutput(flags.output);
      const config = loadConfig(flags.config);
      const rows = config.topics.flatMap((t) =>
        t.subscriptions.length === 0
          ? [{ topic: t.name, id: '', protocol: '', endpoint: '(no subscriptions)' }]
          : t.subscriptions.map((s) => ({
              topic: t.name,
              id: s.id,
              protocol: s.type,
              endpoint: endpointOf(s),
            })),
      );
      io.out(render({ columns: ['topic', 'id', 'protocol', 'endpoint'], rows }, output));
    });
}
