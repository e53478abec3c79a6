// Slack channel: an incoming-webhook message (text + Block Kit blocks) with state, reason, metric and evidence.

import { evidenceHeading, evidenceLines, javaDouble, mailTime } from './email-body.js';
import { alarmSubject } from './envelope.js';
import { httpPost } from './http-post.js';
import { type AlarmNotification, type AlarmState, episodeLine, type PlainMessage } from './message.js';
import type { SlackSubscription } from './topic.js';
import { USER_AGENT } from './webhook.js';

/** A Slack Block Kit block (only the kinds flowwatch sends). */
export type SlackBlock =
  | { readonly type: 'header'; readonly text: { readonly type: 'plain_text'; readonly text: string } }
  | {
      readonly type: 'section';
      readonly text?: { readonly type: 'mrkdwn'; readonly text: string };
      readonly fields?: readonly { readonly type: 'mrkdwn'; readonly text: string }[];
    }
  | {
      readonly type: 'context';
      readonly elements: readonly { readonly type: 'mrkdwn'; readonly text: string }[];
    }
  | { readonly type: 'divider' };

/** The JSON body POSTed to a Slack incoming webhook: `text` is the notification fallback. */
export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Slack's limits: header text 150 characters, section text 3000, field text 2000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

const ICONS: Readonly<Record<AlarmState, string>> = {
  ALARM: ':rotating_light:',
  OK: ':white_check_mark:',
  INSUFFICIENT_DATA: ':grey_question:',
};

/** Escapes the three characters Slack's mrkdwn reserves. */
function md(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * The Slack message of a notification: a header with the subject, the state change and reason, the metric,
 * threshold and time as fields, the evidence tables in a code block, and a context line naming the alarm ARN.
 *
 * @example slackPayload(n).text // 'ALARM: "vpc-rejects-high" in Europe (Ireland)'
 */
export function slackPayload(
  n: AlarmNotification,
  options: { readonly topic?: string | undefined } = {},
): SlackPayload {
  const t = n.Trigger;
  const subject = alarmSubject(n);
  const statistic = t.StatisticType === 'ExtendedStatistic' ? t.ExtendedStatistic : t.Statistic;
  const m = t.DatapointsToAlarm ?? t.EvaluationPeriods;
  const field = (label: string, value: string) => ({
    type: 'mrkdwn' as const,
    text: cut(`*${label}*\n${md(value)}`, FIELD_MAX),
  });
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(subject, HEADER_MAX) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: cut(
          `${ICONS[n.NewStateValue]} *${md(n.OldStateValue)} → ${md(n.NewStateValue)}*\n${md(n.NewStateReason)}`,
          SECTION_MAX,
        ),
      },
    },
    {
      type: 'section',
      fields: [
        field('Metric', `${t.Namespace} ${t.MetricName}`),
        field('Statistic', `${statistic ?? ''} over ${t.Period} s`),
        field(
          'Threshold',
          `${t.ComparisonOperator} ${javaDouble(t.Threshold)} for ${m} of ${t.EvaluationPeriods} periods`,
        ),
        field('Time', mailTime(n.StateChangeTime)),
        field('Account', n.AWSAccountId),
        field('Region', n.Region),
      ],
    },
  ];
  if (n.episode) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: cut(md(episodeLine(n.episode)), SECTION_MAX) },
    });
  }
  if (n.evidence) {
    const table = evidenceLines(n.evidence).join('\n');
    const head = `*${md(evidenceHeading(n.evidence))}*\n`;
    const room = SECTION_MAX - head.length - 8;
    blocks.push(
      { type: 'divider' },
      { type: 'section', text: { type: 'mrkdwn', text: `${head}\`\`\`${md(cut(table, room))}\`\`\`` } },
    );
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: cut(
          `flowwatch${options.topic ? ` · topic ${md(options.topic)}` : ''} · ${md(n.AlarmArn)}`,
          FIELD_MAX,
        ),
      },
    ],
  });
  return { text: `${subject}: ${n.NewStateReason}`, blocks };
}

/**
 * POSTs the payload to the subscription's incoming-webhook URL (`content-type: application/json`); resolves on
 * 2xx, throws DeliveryError otherwise.
 *
 * @example await postSlack(sub, slackPayload(n));
 */
export async function postSlack(
  sub: SlackSubscription,
  payload: SlackPayload,
  signal?: AbortSignal,
): Promise<void> {
  await httpPost(
    sub.url,
    JSON.stringify(payload),
    { 'content-type': 'application/json; charset=utf-8', 'user-agent': USER_AGENT },
    sub.timeoutSeconds * 1000,
    signal,
  );
}

/**
 * The Slack message of a {@link PlainMessage}: its subject as the header and its text in a section (cut to
 * Slack's limits), with a context line naming what published it.
 *
 * @example messageSlackPayload(m).text // the subject, or the first line of the text
 */
export function messageSlackPayload(
  m: PlainMessage,
  options: { readonly topic?: string | undefined } = {},
): SlackPayload {
  const body = m.text ?? m.Message;
  const title = m.Subject ?? body.split('\n')[0] ?? '';
  const blocks: SlackBlock[] = [];
  if (m.Subject !== null)
    blocks.push({ type: 'header', text: { type: 'plain_text', text: cut(m.Subject, HEADER_MAX) } });
  blocks.push(
    { type: 'section', text: { type: 'mrkdwn', text: cut(md(body), SECTION_MAX) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: cut(
            `flowwatch${options.topic ? ` · topic ${md(options.topic)}` : ''} · ${md(m.source)}`,
            FIELD_MAX,
          ),
        },
      ],
    },
  );
  return { text: cut(title, SECTION_MAX), blocks };
}
