/**
 * The bot's clock: the one source of "now" for everything the bot decides (order deadlines,
 * offer expiry, feedback requests, digests, job runs). Durations a piece of code measures for
 * itself (timeouts, rate limits, retry back-off, outbox delivery) use the system clock instead:
 * they are about the machine, not about the tasks.
 */
export interface Clock {
  now(): Date;
  /** How far this clock runs ahead of the system clock, in ms (0 unless moved locally). */
  offsetMs(): number;
}

/** The system's time, where no clock was given (the composition root always gives one). */
export function systemNow(): Date {
  return new Date();
}

/** The most one `move time` may add: a month is enough to pass any task, digest or reminder. */
export const MAX_ADVANCE_MS = 31 * 86_400_000;

/**
 * The system clock plus an offset that only grows. The composition root lets the offset be
 * moved only in local mode (no bot credentials), so a demo or a test can let time pass: a
 * task ends, its feedback is due, the next digest comes. The offset lives in this process;
 * a restart goes back to the system time.
 */
export class MovableClock implements Clock {
  private offset = 0;

  constructor(private readonly system: () => number = Date.now) {}

  now(): Date {
    return new Date(this.system() + this.offset);
  }

  offsetMs(): number {
    return this.offset;
  }

  /** Moves the clock forward. Never back: deadlines already acted on must stay passed. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_ADVANCE_MS) throw new RangeError(`advance: 0 < ms <= ${MAX_ADVANCE_MS}`);
    this.offset += ms;
  }
}
