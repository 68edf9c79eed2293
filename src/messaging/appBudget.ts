import { Logger } from '../log';
import { RateToken, RateTokenRepo, TokenRules } from '../store/rateTokens';
import { TEAMS_APP_WINDOWS } from './limits';

/**
 * The app-wide request budget, shared by every instance of the bot: Teams' 50 requests per
 * second are per app, so three instances each keeping 50/s on their own would send 150/s.
 */
export interface AppBudget {
  /**
   * A token for one request: it must start between `at` and `until`, or not at all. Null when
   * none can be had by `deadlineMs`.
   */
  take(deadlineMs: number): Promise<RateToken | null>;
}

export interface SharedAppBudgetOptions {
  tokens: Pick<RateTokenRepo, 'claim'>;
  owner: string;
  log: Logger;
  clock?: () => number;
  /** Default: Teams' per-app limit (50 per 1 s). */
  limit?: number;
  windowMs?: number;
  /** A margin for requests that reach Teams a little out of the order they were sent in. */
  wireMs?: number;
  /** Time a request has after its claim returned, for the event loop to get to it. */
  slackMs?: number;
  /** Tokens claimed at most at once, however many requests wait. */
  maxBatch?: number;
  /** Waits while the bot's window is full (injectable, so tests need not wait). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * This process's share of the app-wide budget: tokens claimed from the database
 * (RateTokenRepo) when requests are about to start, one claim for all the requests waiting at
 * that moment. Each token is valid from its claim for the claim's round trip (as this process
 * has lately measured it, doubled) plus `slackMs`: what it takes to get the request out. A token
 * not used in time is thrown away: a lost token makes the bot send a little less, never more.
 */
export class SharedAppBudget implements AppBudget {
  private readonly rules: TokenRules;
  private readonly clock: () => number;
  private readonly maxBatch: number;
  private readonly slackMs: number;
  /** Tokens in hand, earliest first. */
  private readonly tokens: RateToken[] = [];
  private waiting = 0;
  private claiming?: Promise<number | null>;
  private failures = 0;
  /** Recent claims' round trip (ms), smoothed; it sets how long new tokens stay valid. */
  private roundTripMs = 10;

  constructor(private readonly o: SharedAppBudgetOptions) {
    const app = TEAMS_APP_WINDOWS[0];
    this.rules = { limit: o.limit ?? app.limit, windowMs: o.windowMs ?? app.ms, wireMs: o.wireMs ?? 10 };
    this.clock = o.clock ?? Date.now;
    this.maxBatch = o.maxBatch ?? 16;
    this.slackMs = o.slackMs ?? 20;
  }

  /** How long tokens claimed now are valid: a slow database (or a busy process) costs rate, never a 429. */
  get validMs(): number {
    return Math.min(500, Math.ceil(2 * this.roundTripMs) + this.slackMs);
  }

  async take(deadlineMs: number): Promise<RateToken | null> {
    this.waiting += 1;
    try {
      for (;;) {
        const now = this.clock();
        while (this.tokens.length > 0 && this.tokens[0].until < now) this.tokens.shift(); // too late to use
        if (this.tokens.length > 0) return this.tokens.shift() as RateToken;
        if (now >= deadlineMs) return null;
        const nextAt = await this.refill();
        if (nextAt === null) return null;
        if (this.tokens.length === 0 && nextAt > this.clock()) {
          // The bot's window is full: wait for its next free moment, unless that is too late.
          if (nextAt > deadlineMs) return null;
          await (this.o.sleep ?? sleep)(nextAt - this.clock());
        }
      }
    } finally {
      this.waiting -= 1;
    }
  }

  /**
   * One claim at a time for the whole process, for as many requests as wait. Resolves the time
   * the next token is free (now, when tokens were claimed), or null when the database could not
   * be asked.
   */
  private refill(): Promise<number | null> {
    if (!this.claiming) {
      this.claiming = (async () => {
        try {
          const now = this.clock();
          const want = Math.min(this.maxBatch, Math.max(1, this.waiting));
          const got = await this.o.tokens.claim(this.o.owner, now, want, this.validMs, this.rules);
          const took = this.clock() - now;
          this.roundTripMs = 0.8 * this.roundTripMs + 0.2 * took;
          this.tokens.push(...got.tokens);
          this.failures = 0;
          return got.nextAt ?? now;
        } catch (error) {
          this.failures += 1;
          if (this.failures === 1) this.o.log.warn({ err: (error as Error).name }, 'rate budget: cannot claim tokens from the database');
          return null;
        } finally {
          this.claiming = undefined;
        }
      })();
    }
    return this.claiming;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
