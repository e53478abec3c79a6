// The SNS side of a notification: subject, message text, topic ARN, message id and the HTTP/JSON envelope (spec §7.3, §8).

import { createHash } from 'node:crypto';
import {
  type AlarmNotification,
  type AlarmTrigger,
  type Evidence,
  isPlainMessage,
  type Notification,
} from './message.js';
import { regionOfArn } from './regions.js';

/** SNS's limit on a published message, in UTF-8 bytes (spec §7.1). */
export const MAX_MESSAGE_BYTES = 262_144;

/** SNS's limit on a subject: fewer than 100 characters (spec §7.1). */
export const MAX_SUBJECT_CHARS = 99;

/**
 * The body SNS POSTs to an HTTP(S) subscriber for a notification (spec §7.3), keys in SNS's order.
 * flowwatch also writes it as the stdout line.
 */
export interface SnsEnvelope {
  readonly Type: 'Notification';
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string | undefined;
  /** The {@link AlarmNotification} as a JSON string. */
  readonly Message: string;
  /** ISO 8601 UTC with milliseconds, fixed when the notification was published. */
  readonly Timestamp: string;
  readonly SignatureVersion: string;
  readonly Signature: string;
  readonly SigningCertURL: string;
  readonly UnsubscribeURL: string;
}

/**
 * CloudWatch's subject for an alarm notification, full length (used for mail).
 *
 * @example alarmSubject(n) // 'ALARM: "vpc-rejects-high" in Europe (Ireland)'
 */
export function alarmSubject(n: AlarmNotification): string {
  return `${n.NewStateValue}: "${n.AlarmName}" in ${n.Region}`;
}

/**
 * The subject as SNS carries it: line breaks become spaces and a subject of 100 characters or more is cut
 * to 99, ending in `...` (Publish refuses longer subjects).
 *
 * @example snsSubject(n) // 'ALARM: "vpc-rejects-high" in Europe (Ireland)'
 */
export function snsSubject(n: AlarmNotification): string {
  return subjectLine(alarmSubject(n));
}

/**
 * Any text as an SNS subject: line breaks become spaces, and 100 characters or more are cut to 99 ending in `...`.
 *
 * @example subjectLine('a\nb') // 'a b'
 */
export function subjectLine(text: string): string {
  const s = text.replace(/[\r\n]+/g, ' ');
  const chars = [...s];
  return chars.length <= MAX_SUBJECT_CHARS ? s : `${chars.slice(0, MAX_SUBJECT_CHARS - 3).join('')}...`;
}

/**
 * The topic ARN a notification is published to: the SNS ARN among the alarm's actions whose last field is the
 * topic's name, else `arn:aws:sns:{alarm's region}:{alarm's account}:{topic}`.
 *
 * @example topicArnFor(n, 'netmon-alerts') // 'arn:aws:sns:eu-west-1:111122223333:netmon-alerts'
 */
export function topicArnFor(n: Notification, topic: string): string {
  if (isPlainMessage(n)) return `arn:aws:sns:${n.region}:${n.AWSAccountId}:${topic}`;
  const named = [...n.AlarmActions, ...n.OKActions, ...n.InsufficientDataActions].find(
    (a) => a.startsWith('arn:') && a.split(':')[2] === 'sns' && a.split(':').at(-1) === topic,
  );
  if (named) return named;
  return `arn:aws:sns:${regionOfArn(n.AlarmArn) ?? 'us-east-1'}:${n.AWSAccountId}:${topic}`;
}

/**
 * A UUID (RFC 9562 version 8, "custom") made from the SHA-256 of a text: the same text gives the same UUID.
 *
 * @example hashUuid('x') === hashUuid('x') // true; 36 characters, version nibble 8
 */
export function hashUuid(text: string): string {
  const h = createHash('sha256').update(text).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * The MessageId of an alarm notification on a topic, derived from the topic ARN, the alarm ARN, the new state
 * and `StateChangeTime`: publishing the same transition twice (e.g. after a crash) gives the same id, so its
 * deliveries are not duplicated (spec §3.6: "dedupe on StateChangeTime").
 *
 * @example alarmMessageId('arn:aws:sns:eu-west-1:1:t', n) // a UUID, stable for this transition
 */
export function alarmMessageId(topicArn: string, n: AlarmNotification): string {
  return hashUuid(`${topicArn}\n${n.AlarmArn}\n${n.NewStateValue}\n${n.StateChangeTime}`);
}

function orderedTrigger(t: AlarmTrigger): AlarmTrigger {
  return {
    MetricName: t.MetricName,
    Namespace: t.Namespace,
    StatisticType: t.StatisticType,
    ...(t.Statistic !== undefined ? { Statistic: t.Statistic } : {}),
    ...(t.ExtendedStatistic !== undefined ? { ExtendedStatistic: t.ExtendedStatistic } : {}),
    Unit: t.Unit,
    Dimensions: t.Dimensions.map((d) => ({ value: d.value, name: d.name })),
    Period: t.Period,
    EvaluationPeriods: t.EvaluationPeriods,
    ...(t.DatapointsToAlarm !== undefined ? { DatapointsToAlarm: t.DatapointsToAlarm } : {}),
    ComparisonOperator: t.ComparisonOperator,
    ...(t.Threshold !== undefined ? { Threshold: t.Threshold } : {}),
    ...(t.ThresholdMetricId !== undefined ? { ThresholdMetricId: t.ThresholdMetricId } : {}),
    ...(t.Metrics !== undefined ? { Metrics: t.Metrics } : {}),
    TreatMissingData: t.TreatMissingData,
    EvaluateLowSampleCountPercentile: t.EvaluateLowSampleCountPercentile,
  };
}

/** The notification with its keys in the order of spec §8 (and of CloudWatch's payloads). */
function ordered(n: AlarmNotification, evidence: Evidence | undefined): AlarmNotification {
  return {
    AlarmName: n.AlarmName,
    AlarmDescription: n.AlarmDescription,
    AWSAccountId: n.AWSAccountId,
    AlarmConfigurationUpdatedTimestamp: n.AlarmConfigurationUpdatedTimestamp,
    NewStateValue: n.NewStateValue,
    NewStateReason: n.NewStateReason,
    StateChangeTime: n.StateChangeTime,
    Region: n.Region,
    AlarmArn: n.AlarmArn,
    OldStateValue: n.OldStateValue,
    OKActions: n.OKActions,
    AlarmActions: n.AlarmActions,
    InsufficientDataActions: n.InsufficientDataActions,
    Trigger: orderedTrigger(n.Trigger),
    ...(evidence !== undefined ? { evidence } : {}),
  };
}

/** Shortens the evidence one step: drop a sample record, else halve the longest top list; undefined when empty. */
function shrink(e: Evidence): Evidence | undefined {
  if (e.sampleRecords.length > 0)
    return { ...e, sampleRecords: e.sampleRecords.slice(0, -1), truncated: true };
  const lists = [e.topSources.length, e.topDestinationPorts.length, e.topInterfaces.length];
  const longest = Math.max(...lists);
  if (longest === 0) return undefined;
  const half = <T>(l: readonly T[]): readonly T[] =>
    l.length === longest ? l.slice(0, Math.floor(longest / 2)) : l;
  return {
    ...e,
    topSources: half(e.topSources),
    topDestinationPorts: half(e.topDestinationPorts),
    topInterfaces: half(e.topInterfaces),
    truncated: true,
  };
}

/**
 * The `Message` string of the SNS envelope: the notification as JSON, keys in spec §8 order. When it would
 * exceed 256 KB, sample records and then top-list entries are dropped (and `evidence.truncated` set) until it
 * fits; CloudWatch's own keys are never cut.
 *
 * @example JSON.parse(alarmMessage(n)).AlarmName // 'vpc-rejects-high'
 */
export function alarmMessage(n: AlarmNotification): string {
  let evidence = n.evidence;
  let text = JSON.stringify(ordered(n, evidence));
  while (evidence !== undefined && Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
    evidence = shrink(evidence);
    text = JSON.stringify(ordered(n, evidence));
  }
  return text;
}

/** The fields of spec §7.4 step 3, without the signature itself. */
export type UnsignedEnvelope = Omit<SnsEnvelope, 'Signature'>;

/**
 * The string SNS signs for a Notification (spec §7.4 step 3): `key\nvalue\n` for Message, MessageId, Subject
 * (only when present), Timestamp, TopicArn, Type, in that order.
 *
 * @example snsStringToSign(env).startsWith('Message\n') // true
 */
export function snsStringToSign(e: UnsignedEnvelope): string {
  const parts: [string, string | undefined][] = [
    ['Message', e.Message],
    ['MessageId', e.MessageId],
    ['Subject', e.Subject],
    ['Timestamp', e.Timestamp],
    ['TopicArn', e.TopicArn],
    ['Type', e.Type],
  ];
  return parts.map(([k, v]) => (v === undefined ? '' : `${k}\n${v}\n`)).join('');
}

/** Signs SNS envelopes (see `rsaSigner` in signing.ts). */
export interface EnvelopeSigner {
  /** `1` (SHA1withRSA) or `2` (SHA256withRSA). */
  readonly signatureVersion: string;
  readonly signingCertUrl: string;
  /** The base64 signature of a string to sign. */
  sign(stringToSign: string): string;
}

/** What {@link snsEnvelope} needs besides the notification. */
export interface EnvelopeInput {
  readonly topicArn: string;
  readonly messageId: string;
  /** ISO 8601 UTC with milliseconds. */
  readonly timestamp: string;
  readonly signer: EnvelopeSigner;
  /** Empty when flowwatch offers no unsubscribe link (the default). */
  readonly unsubscribeUrl?: string | undefined;
}

/**
 * The SNS Notification envelope of an alarm notification (spec §7.3), signed as SNS signs (spec §7.4).
 * The same inputs give the same envelope, so every retry carries identical bytes.
 *
 * @example JSON.stringify(snsEnvelope(n, { topicArn, messageId, timestamp, signer }))
 */
export function snsEnvelope(n: Notification, input: EnvelopeInput): SnsEnvelope {
  const plain = isPlainMessage(n);
  const unsigned: UnsignedEnvelope = {
    Type: 'Notification',
    MessageId: input.messageId,
    TopicArn: input.topicArn,
    // A message published without a subject has none in its envelope (and none in the string to sign).
    Subject: plain ? (n.Subject ?? undefined) : snsSubject(n),
    Message: plain ? n.Message : alarmMessage(n),
    Timestamp: input.timestamp,
    SignatureVersion: input.signer.signatureVersion,
    SigningCertURL: input.signer.signingCertUrl,
    UnsubscribeURL: input.unsubscribeUrl ?? '',
  };
  return {
    Type: unsigned.Type,
    MessageId: unsigned.MessageId,
    TopicArn: unsigned.TopicArn,
    ...(unsigned.Subject !== undefined ? { Subject: unsigned.Subject } : {}),
    Message: unsigned.Message,
    Timestamp: unsigned.Timestamp,
    SignatureVersion: unsigned.SignatureVersion,
    Signature: input.signer.sign(snsStringToSign(unsigned)),
    SigningCertURL: unsigned.SigningCertURL,
    UnsubscribeURL: unsigned.UnsubscribeURL,
  };
}
