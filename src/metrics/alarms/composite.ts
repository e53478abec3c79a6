// Composite alarm evaluation (spec §4): a rule over its children's current states gives ALARM or OK, with
// CloudWatch's reason ("… transitioned to ALARM at …") and reasonData (triggeringAlarms); dependency order and cycles.

import type { AlarmState, CompositeAlarm } from './definition.js';
import { type AlarmContext, alarmArn, DEFAULT_CONTEXT, type StateValue } from './events.js';
import { isoTime, javaJson, longTime } from './format.js';
import { type AlarmRef, type RuleNode, ruleRefs } from './rule-ast.js';

/** The reason of the INSUFFICIENT_DATA state every alarm starts in. */
export const CREATION_REASON = 'Unchecked: Initial alarm creation';

/** A child's state by alarm name; undefined for an alarm that does not exist. */
export type ChildStates = (name: string) => StateValue | undefined;

function holds(state: AlarmState | undefined, want: AlarmState, negated: boolean): boolean {
  // A missing child is in no state: it satisfies neither ALARM(x) nor OK(x) nor INSUFFICIENT_DATA(x).
  if (state === undefined) return false;
  return (state === want) !== negated;
}

function atLeast(node: Extract<RuleNode, { kind: 'atLeast' }>, stateOf: ChildStates): boolean {
  const count = node.alarms.filter((a) => holds(stateOf(a.name)?.value, node.state, node.negated)).length;
  const total = node.alarms.length;
  return node.threshold.kind === 'count'
    ? count >= node.threshold.value
    : count * 100 >= node.threshold.value * total;
}

/**
 * The truth of a rule given the children's states.
 *
 * @example evaluateRule(parseAlarmRule('ALARM(a) AND NOT OK(b)'), (n) => states.get(n)) // true or false
 */
export function evaluateRule(node: RuleNode, stateOf: ChildStates): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'state':
      return holds(stateOf(node.alarm.name)?.value, node.state, false);
    case 'not':
      return !evaluateRule(node.operand, stateOf);
    case 'and':
      return evaluateRule(node.left, stateOf) && evaluateRule(node.right, stateOf);
    case 'or':
      return evaluateRule(node.left, stateOf) || evaluateRule(node.right, stateOf);
    case 'atLeast':
      return atLeast(node, stateOf);
    default: {
      const never: never = node;
      return never;
    }
  }
}

/** The children whose state pushes the rule towards `result` (walking through NOT flips the direction). */
function triggering(node: RuleNode, result: boolean, stateOf: ChildStates, out: AlarmRef[]): void {
  switch (node.kind) {
    case 'const':
      return;
    case 'state':
      if (holds(stateOf(node.alarm.name)?.value, node.state, false) === result) out.push(node.alarm);
      return;
    case 'not':
      triggering(node.operand, !result, stateOf, out);
      return;
    case 'and':
    case 'or':
      triggering(node.left, result, stateOf, out);
      triggering(node.right, result, stateOf, out);
      return;
    case 'atLeast':
      for (const a of node.alarms) {
        if (holds(stateOf(a.name)?.value, node.state, node.negated) === result) out.push(a);
      }
      return;
    default: {
      const never: never = node;
      throw new Error(`unhandled rule node ${String(never)}`);
    }
  }
}

/** What a composite alarm evaluates to. */
export interface CompositeEvaluation {
  readonly state: 'ALARM' | 'OK';
  readonly reason: string;
  readonly reasonData: string;
}

/**
 * Evaluates a composite alarm: ALARM when its rule is true, else OK (INSUFFICIENT_DATA only before the first
 * evaluation). The reason names the most recently changed child that supports the result, or says the alarm
 * was just created.
 *
 * @example evaluateComposite(c, rule, (n) => states.get(n), current, at).state // 'ALARM' | 'OK'
 */
export function evaluateComposite(
  alarm: CompositeAlarm,
  rule: RuleNode,
  stateOf: ChildStates,
  current: StateValue,
  ctx: AlarmContext = DEFAULT_CONTEXT,
): CompositeEvaluation {
  const result = evaluateRule(rule, stateOf);
  const state = result ? 'ALARM' : 'OK';
  const refs: AlarmRef[] = [];
  triggering(rule, result, stateOf, refs);
  const seen = new Set<string>();
  const children = refs.flatMap((r) => {
    const s = stateOf(r.name);
    if (s === undefined || seen.has(r.name)) return [];
    seen.add(r.name);
    return [{ name: r.name, state: s }];
  });
  const reasonData = javaJson({
    triggeringAlarms: children.map((c) => ({
      arn: alarmArn(c.name, ctx),
      state: { value: c.state.value, timestamp: isoTime(c.state.timestamp) },
    })),
  });
  const self = alarmArn(alarm.name, ctx);
  let reason: string;
  const latest = children.reduce<(typeof children)[number] | undefined>(
    (best, c) => (best === undefined || c.state.timestamp > best.state.timestamp ? c : best),
    undefined,
  );
  if (current.value === 'INSUFFICIENT_DATA' && current.reason === CREATION_REASON) {
    reason = `${self} was created and its alarm rule evaluates to ${state}`;
  } else if (latest !== undefined) {
    reason = `${alarmArn(latest.name, ctx)} transitioned to ${latest.state.value} at ${longTime(latest.state.timestamp)}`;
  } else {
    reason = `${self} alarm rule evaluates to ${state}`;
  }
  return { state, reason, reasonData };
}

/**
 * The order in which composite alarms must be evaluated so that a composite child is evaluated before its parents,
 * and the composites caught in a dependency cycle (CloudWatch stops evaluating those; their state is kept).
 *
 * @example compositeOrder([{ name: 'p', rule: parseAlarmRule('ALARM(c)') }, { name: 'c', rule: parseAlarmRule('TRUE') }])
 * // { order: ['c', 'p'], cycles: [] }
 */
export function compositeOrder(composites: readonly { readonly name: string; readonly rule: RuleNode }[]): {
  order: string[];
  cycles: string[];
} {
  const byName = new Map(composites.map((c) => [c.name, c]));
  const deps = new Map(
    composites.map((c) => [
      c.name,
      [...new Set(ruleRefs(c.rule).map((r) => r.name))].filter((n) => byName.has(n)),
    ]),
  );
  const order: string[] = [];
  const done = new Set<string>();
  const cyclic = new Set<string>();
  const visiting: string[] = [];
  const visit = (name: string): void => {
    if (done.has(name)) return;
    const at = visiting.indexOf(name);
    if (at >= 0) {
      for (const n of visiting.slice(at)) cyclic.add(n);
      return;
    }
    visiting.push(name);
    for (const d of deps.get(name) ?? []) visit(d);
    visiting.pop();
    done.add(name);
    order.push(name);
  };
  for (const c of composites) visit(c.name);
  // Anything that depends on a cycle cannot be evaluated either.
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, ds] of deps) {
      if (!cyclic.has(name) && ds.some((d) => cyclic.has(d))) {
        cyclic.add(name);
        grew = true;
      }
    }
  }
  return {
    order: order.filter((n) => !cyclic.has(n)),
    cycles: composites.map((c) => c.name).filter((n) => cyclic.has(n)),
  };
}
