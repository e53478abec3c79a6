// Public API of CloudWatch-compatible alarms: definitions and validation, the rule language of composite alarms,
// evaluation, the state machine with history and events, and replay over stored data.

export {
  type ChildStates,
  type CompositeEvaluation,
  CREATION_REASON,
  compositeOrder,
  evaluateComposite,
  evaluateRule,
} from './composite.js';
export {
  ALARM_STATES,
  ALARM_STATISTICS,
  type AlarmActions,
  AlarmConfigError,
  type AlarmMetric,
  type AlarmSetPaths,
  type AlarmState,
  type AlarmStatistic,
  ANOMALY_OPERATORS,
  type CheckResult,
  COMPARISON_OPERATORS,
  COMPOSITE_ALARM_KEYS,
  type ComparisonOperator,
  type CompositeAlarm,
  type ConfigPath,
  checkAlarm,
  checkAlarmSet,
  checkCompositeAlarm,
  datapointsToAlarmOf,
  LOW_SAMPLE_COUNT_OPTIONS,
  type LowSampleCountOption,
  MAX_ACTIONS,
  MAX_ALARM_DIMENSIONS,
  METRIC_ALARM_KEYS,
  type MetricAlarm,
  pathText,
  percentileOf,
  TREAT_MISSING_DATA,
  type TreatMissingData,
} from './definition.js';
export {
  type AlarmEvaluation,
  breaches,
  type Decision,
  type DecisionRule,
  decide,
  type EvaluateOptions,
  effectiveTreatMissingData,
  evaluateAlarm,
  evaluationRange,
  evaluationStep,
  type Outcome,
  type RangeSlot,
  rangeSlots,
  windowEnd,
} from './evaluate.js';
export {
  type AlarmConfigurationChangeEvent,
  type AlarmContext,
  type AlarmStateChangeEvent,
  alarmArn,
  alarmConfiguration,
  type CompositeAlarmConfiguration,
  DEFAULT_CONTEXT,
  type EventState,
  type MetricAlarmConfiguration,
  type StateValue,
} from './events.js';
export { eventTime, isoTime, javaDouble, longTime, reasonTime } from './format.js';
export { type ReplayOptions, type ReplayResult, replay } from './replay.js';
export type {
  AlarmRef,
  AtLeastNode,
  BinaryNode,
  ConstNode,
  NotNode,
  RuleNode,
  Span,
  StateNode,
} from './rule-ast.js';
export { ruleRefs } from './rule-ast.js';
export { AlarmRuleError, lexAlarmRule, type RuleToken } from './rule-lexer.js';
export {
  alarmNameOf,
  checkRuleReferences,
  MAX_RULE_CHILDREN,
  MAX_RULE_ELEMENTS,
  MAX_RULE_LENGTH,
  parseAlarmRule,
} from './rule-parser.js';
export {
  type AlarmDefinition,
  type AlarmRecord,
  AlarmStateError,
  AlarmStateMachine,
  actionsFor,
  type HistoryItem,
  type HistoryType,
  type SavedAlarms,
  type StateChange,
  type StateMachineOptions,
} from './state-machine.js';
export {
  combine,
  type MetricDatapoint,
  type PeriodStats,
  percentile,
  periodValue,
  tooFewSamples,
} from './statistics.js';
