// The notification layer's public API: topics and subscriptions, the alarm message, channels, outbox and dispatcher.

export { type Clock, systemClock } from './clock.js';
export {
  backoffDelayMs,
  type DispatchEvent,
  Dispatcher,
  type DispatcherOptions,
  deliveryId,
  dispatchEventLevel,
  NotifyError,
  type PublishedDelivery,
  type PublishResult,
  subscriptionArn,
} from './dispatcher.js';
export { createEmailTransport, type EmailDelivery, type EmailTransport, sendAlarmEmail } from './email.js';
export { type AlarmEmail, type EmailOptions, javaDouble, mailTime, renderAlarmEmail } from './email-body.js';
export {
  alarmMessage,
  alarmMessageId,
  alarmSubject,
  type EnvelopeInput,
  type EnvelopeSigner,
  hashUuid,
  MAX_MESSAGE_BYTES,
  type SnsEnvelope,
  snsEnvelope,
  snsStringToSign,
  snsSubject,
  topicArnFor,
} from './envelope.js';
export {
  DEFAULT_EPISODES,
  type EpisodeDecision,
  EpisodeGrouper,
  type EpisodeSettings,
  type EpisodeSummary,
  type EpisodesJson,
  type EpisodeTransition,
} from './episodes.js';
export { DeliveryError } from './http-post.js';
export {
  type AlarmDimension,
  type AlarmNotification,
  type AlarmState,
  type AlarmTrigger,
  buildEvidence,
  cloudWatchTime,
  type Evidence,
  type EvidenceOptions,
  type EvidenceRecord,
  episodeLine,
  type InterfaceCount,
  type NotificationEpisode,
  type PortCount,
  parseCloudWatchTime,
  type SourceCount,
  type TrafficCount,
} from './message.js';
export {
  type DeliveryRecord,
  type DeliveryState,
  Outbox,
  OutboxError,
  type OutboxOptions,
} from './outbox.js';
export { regionDisplayName, regionOfArn } from './regions.js';
export {
  keySigner,
  loadOrCreateSigningKey,
  rsaSigner,
  SIGNATURE_HEADER,
  type SigningKey,
  TIMESTAMP_HEADER,
  verifySnsSignature,
  verifyWebhookSignature,
  type WebhookCheck,
  webhookSignature,
} from './signing.js';
export { postSlack, type SlackBlock, type SlackPayload, slackPayload } from './slack.js';
export { writeLine } from './stdout.js';
export {
  type Checked,
  checkRetryPolicy,
  checkSmtp,
  checkTopic,
  DEFAULT_RETRY,
  type EmailSubscription,
  endpointOf,
  NotifyConfigError,
  type RetryPolicy,
  type SlackSubscription,
  type SmtpSettings,
  type StdoutSubscription,
  SUBSCRIPTION_TYPES,
  type Subscription,
  type SubscriptionType,
  type Topic,
  type WebhookSubscription,
} from './topic.js';
export { postWebhook, USER_AGENT, type WebhookDelivery, webhookHeaders } from './webhook.js';
