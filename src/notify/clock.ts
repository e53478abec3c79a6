// The time source and timers of the notification dispatcher, injectable so that backoff tests need not wait.

/** Milliseconds since the epoch plus one-shot timers; `systemClock` in production, a manual clock in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's longest timer (about 24.8 days); longer waits are cut to it and the dispatcher re-arms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The real clock. Its timers are unref'd: a pending retry never keeps a process alive on its own (the
 * delivery stays in the outbox and a later dispatcher resumes it).
 *
 * @example const d = await Dispatcher.open({ stateDir, topics, clock: systemClock });
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
