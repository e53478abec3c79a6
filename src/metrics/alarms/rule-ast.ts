// The composite-alarm rule language (spec §4) as a readonly AST: state functions, AT_LEAST, TRUE/FALSE, AND/OR/NOT.

import type { Span } from '../../core/errors.js';
import type { AlarmState } from './definition.js';

export type { Span } from '../../core/errors.js';

/** A child alarm as written in the rule: its name (the part after `:alarm:` for an ARN) and where it is. */
export interface AlarmRef {
  readonly name: string;
  /** The text as written, without quotes (a name or an ARN). */
  readonly ref: string;
  readonly span: Span;
}

/** `TRUE` or `FALSE`. */
export interface ConstNode {
  readonly kind: 'const';
  readonly value: boolean;
  readonly span: Span;
}

/** `ALARM(x)`, `OK(x)`, `INSUFFICIENT_DATA(x)`: true when alarm x is in that state. */
export interface StateNode {
  readonly kind: 'state';
  readonly state: AlarmState;
  readonly alarm: AlarmRef;
  readonly span: Span;
}

/** `NOT e`. */
export interface NotNode {
  readonly kind: 'not';
  readonly operand: RuleNode;
  readonly span: Span;
}

/** `a AND b`, `a OR b`. */
export interface BinaryNode {
  readonly kind: 'and' | 'or';
  readonly left: RuleNode;
  readonly right: RuleNode;
  readonly span: Span;
}

/** `AT_LEAST(2, ALARM, (a, b, c))` or `AT_LEAST(50%, NOT_OK, (a, b))` [AWS-kit]. */
export interface AtLeastNode {
  readonly kind: 'atLeast';
  /** A count of children, or a percentage of them (0–100). */
  readonly threshold: { readonly kind: 'count' | 'percent'; readonly value: number };
  /** The state a child must be in (or, when `negated`, must not be in) to count. */
  readonly state: AlarmState;
  readonly negated: boolean;
  readonly alarms: readonly AlarmRef[];
  readonly span: Span;
}

/** Any node of a parsed alarm rule. */
export type RuleNode = ConstNode | StateNode | NotNode | BinaryNode | AtLeastNode;

/**
 * Every child reference of a rule, in text order (duplicates kept).
 *
 * @example ruleRefs(parseAlarmRule('ALARM(a) OR OK(b)')).map(r => r.name) // ['a', 'b']
 */
export function ruleRefs(node: RuleNode): AlarmRef[] {
  switch (node.kind) {
    case 'const':
      return [];
    case 'state':
      return [node.alarm];
    case 'not':
      return ruleRefs(node.operand);
    case 'and':
    case 'or':
      return [...ruleRefs(node.left), ...ruleRefs(node.right)];
    case 'atLeast':
      return [...node.alarms];
    default: {
      const never: never = node;
      return never;
    }
  }
}
