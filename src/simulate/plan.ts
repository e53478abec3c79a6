// The corpus plan: how many records each hour gets (diurnal shape) and when and how big each attack is.

import type { Random } from './random.js';

/** The injected attack scenarios, in a fixed order. */
export const SCENARIOS = ['sshBruteForce', 'portScan', 'icmpDenied', 'exfiltration'] as const;

/** Name of an injected attack scenario. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** When an attack happens and how many records it is budgeted. */
export interface ScenarioPlan {
  /** Index (0-based) of the first hour of the attack. */
  readonly firstHour: number;
  /** Records budgeted to the attack in each hour of its window, starting at `firstHour`. */
  readonly perHour: readonly number[];
  /** Seconds after the top of each hour of the window between which the attack's flows start. */
  readonly from: number;
  readonly to: number;
}

/** How the records of a corpus are spread over its hours and its attacks. */
export interface Plan {
  /** Unix seconds of the first hour. */
  readonly start: number;
  readonly hours: number;
  /** Seconds simulated of the last hour: 3600, or fewer when the corpus ends inside it. */
  readonly lastHourSeconds: number;
  /** Background (non-attack) records of each hour. */
  readonly background: readonly number[];
  readonly scenarios: Readonly<Record<ScenarioName, ScenarioPlan>>;
}

const HOUR = 3600;

/**
 * Splits `total` into integers proportional to `weights` that add up to exactly `total`
 * (largest remainder; ties go to the lower index).
 *
 * @example split(10, [1, 1, 1]) // [4, 3, 3]
 */
export function split(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0)
    return split(
      total,
      weights.map(() => 1),
    );
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    out[i]!++;
    left--;
  }
  return out;
}

/** Relative traffic of an hour: low around 03:00 UTC, high around 15:00 UTC, quieter at weekends. */
function diurnal(unixHour: number): number {
  const hourOfDay = unixHour % 24;
  const dayOfWeek = (Math.floor(unixHour / 24) + 4) % 7; // 1970-01-01 was a Thursday (4); 0 = Sunday
  const weekend = dayOfWeek === 0 || dayOfWeek === 6 ? 0.7 : 1;
  return weekend * (0.3 + 0.7 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hourOfDay - 3)) / 24)));
}

/**
 * Plans a corpus of exactly `records` records over `hours` hours from `start`. Each attack gets a budget
 * proportional to the corpus with a floor (so small corpora still show every attack), capped at half of
 * the corpus together; the rest is background, spread over the hours by a diurnal curve.
 */
export function planCorpus(
  rng: Random,
  records: number,
  start: number,
  hours: number,
  lastHourSeconds = HOUR,
): Plan {
  // Attacks fall in whole hours: a cut last hour is left out when there is another.
  const whole = lastHourSeconds < HOUR && hours > 1 ? hours - 1 : hours;
  const wanted = [
    Math.max(30, Math.round(records * 0.01)), // SSH brute force: one record per attempt
    Math.max(250, Math.round(records * 0.01)), // port scan: one record per probed port
    Math.max(24, Math.round(records * 0.003)), // ICMP: request/reply pairs and denied requests
    Math.max(36, Math.round(records * 0.002)), // exfiltration: 6 records per connection-minute (via NAT)
  ];
  const sum = wanted.reduce((a, b) => a + b, 0);
  const cap = Math.floor(records / 2);
  const budgets = sum > cap ? wanted.map((w) => Math.floor((w * cap) / sum)) : wanted;

  const window = (length: number): number => rng.int(0, whole - Math.min(length, whole));
  const ssh = window(3);
  const scan = window(1);
  const icmp = window(2);
  // Exfiltration at night (01:00–04:59 UTC) when the span has such an hour.
  const night: number[] = [];
  for (let h = 0; h < whole; h++) {
    const hod = (Math.floor(start / HOUR) + h) % 24;
    if (hod >= 1 && hod <= 4) night.push(h);
  }
  const exfil = night.length > 0 ? rng.pick(night) : window(1);
  const scanFrom = rng.int(0, 2700);
  const exfilFrom = rng.int(0, 1200);

  const plan = (
    budget: number,
    firstHour: number,
    length: number,
    from: number,
    to: number,
  ): ScenarioPlan => {
    const n = Math.min(length, whole - firstHour);
    return { firstHour, perHour: split(budget, new Array<number>(n).fill(1)), from, to };
  };
  const scenarios: Record<ScenarioName, ScenarioPlan> = {
    sshBruteForce: plan(budgets[0]!, ssh, 3, 0, HOUR),
    portScan: plan(budgets[1]!, scan, 1, scanFrom, scanFrom + 900),
    icmpDenied: plan(budgets[2]!, icmp, 2, 0, HOUR),
    exfiltration: plan(budgets[3]!, exfil, 1, exfilFrom, exfilFrom + 2400),
  };
  const attack = budgets.reduce((a, b) => a + b, 0);
  const weights: number[] = [];
  for (let h = 0; h < hours; h++) {
    const share = h === hours - 1 ? lastHourSeconds / HOUR : 1;
    weights.push(diurnal(Math.floor(start / HOUR) + h) * (0.9 + 0.2 * rng.next()) * share);
  }
  return { start, hours, lastHourSeconds, background: split(records - attack, weights), scenarios };
}

/** Records budgeted to an attack in hour `hour` (0 outside its window). */
export function budgetAt(plan: ScenarioPlan, hour: number): number {
  return plan.perHour[hour - plan.firstHour] ?? 0;
}
