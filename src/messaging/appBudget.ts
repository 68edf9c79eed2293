import { Logger } from '../log';
import { RateTokenBlock, RateTokenRepo, TokenGrid, gridSizes } from '../store/rateTokens';
import { TEAMS_APP_WINDOWS } from './limits';
import { sleep, sleepUntil } from './wait';

/** One request's right to reach Teams: it must start between `at` and `until` (ms). */
export interface RateToken {
  at: number;
  until: number;
}

/**
 * The app-wide request budget, shared by every instance of the bot: Teams' 50 requests per
 * second are per app, so three instances each keeping 50/s on their own would send 150/s.
 */
export interface AppBudget {
  /**
   * A token for one request, returned `leadMs` before its time (the time it takes to get the
   * request ready): the request must start between `at` and `until`, or not at all. Null when
   * none can be had by `deadlineMs`.
   */
  take(deadlineMs: number, leadMs?: number): Promise<RateToken | null>;
}

/**
 * The grid the instances share (src/store/rateTokens.ts): Teams' 50 per second as ten slots per
 * period of 5 requests each, in blocks of one request. Every instance must run with the same grid.
 * A period is 1,060 ms (1 s + 20 ms to start a slot's requests + 40 ms for the wire and for the
 * instances' clocks), so the bot sends at most 47.2 a second, 5 at a time every 106 ms. Small
 * slots matter: the requests of a slot start one after another on one event loop, and 25 at once
 * were often too late for their time (measured under load: 9-14 % of the tokens lost with 25 per
 * slot, 1-5 % with 10, under 1 % with 5); 10 ms to start lost about 15 % of the tokens of three
 * instances (the bot sent less), 20 ms under 1 %. Blocks of one request let an instance claim
 * exactly what it has waiting: with one block of 5 per slot, three instances each delivering a
 * third of a fan-out threw away 3 % of their tokens (a block claimed for 2 waiting requests).
 * The wire allowance is what a request may arrive later than its lane-mate, measured against the
 * tokens' times at the connector stand-in (three instances, load 2): p50 8 ms, p99 26 ms, at most
 * 49 ms (start within the 20 ms, then the request's own path and the receiver). 30 ms met seven
 * 429s in one of three runs of test/integration/fan-out-instances.test.ts in the full suite;
 * 40 ms none in four runs beside another test.
 * Since 2026-12-05 a request is built before its slot and held at the wire until the slot's time
 * (BotTransport's start window, REQUEST_LEAD_MS in sender.ts): a slot's requests then leave
 * within a few ms of each other. Three instances, 1,000 offers: tokens lost for lateness 28-70
 * → a median of 15 per run, arrivals after the slot's start p99 28 → 20-28 ms. The grid is
 * unchanged.
 */
export const TEAMS_APP_GRID: TokenGrid = {
  limit: TEAMS_APP_WINDOWS[0].limit,
  windowMs: TEAMS_APP_WINDOWS[0].ms,
  useMs: 20,
  wireMs: 40,
  slotsPerPeriod: 10,
  blocksPerSlot: 5,
};

/**
 * A claim takes up to this many slots' blocks, and after a claim that found every block in reach
 * taken, the next look waits until a new slot comes within reach plus a random 0 to
 * CLAIM_SLOTS - 1 slots. Hungry instances otherwise all looked at the same moment for the same
 * new slot: one won it and each other paid a write to learn it was gone. Spread out, an instance
 * usually finds two or three new slots and takes them in one insert, and after the database held
 * its claims up (FerretDB's writes take 0.1-0.6 s under a fan-out's load), it catches up in one
 * claim. Three instances, 1,000 offers, seven alternating runs: median 22.3 s against 24.0 s,
 * tokens left unused median 25 against 95 (docs/performance.md).
 */
export const CLAIM_SLOTS = 3;

export interface SharedAppBudgetOptions {
  tokens: Pick<RateTokenRepo, 'claim'>;
  owner: string;
  log: Logger;
  clock?: () => number;
  grid?: TokenGrid;
  /** Blocks claimed at most at once, however many requests wait (default: CLAIM_SLOTS slots'). */
  maxBlocks?: number;
  /** How far ahead blocks are claimed (default: one period). */
  aheadMs?: number;
  /** Picks the spread of the next look after a claim that won nothing, in [0, 1) (injectable for tests). */
  random?: () => number;
  /** Waits for a block's time (injectable, so tests need not wait). */
  sleep?: (ms: number) => Promise<void>;
}

interface HeldBlock extends RateTokenBlock {
  /** Tokens of the block not yet handed to a request. */
  left: number;
}

/**
 * This process's share of the app-wide budget: blocks of tokens claimed from the database
 * (RateTokenRepo) ahead of their time, one claim for all the requests waiting at that moment,
 * so the claim's round trip is off the requests' path. A request waits for its block's time;
 * a token not used in time is thrown away: a lost token makes the bot send a little less,
 * never more.
 */
export class SharedAppBudget implements AppBudget {
  /**
   * For metrics and the benchmark: blocks won, tokens used, tokens lost (their time passed
   * unused, or their taker woke too late), and claims slower than a slot (the database busy).
   */
  readonly stats = { claims: 0, blocks: 0, handedOut: 0, unused: 0, late: 0, slowClaims: 0, maxClaimMs: 0 };
  private readonly grid: TokenGrid;
  private readonly clock: () => number;
  private readonly maxBlocks: number;
  private readonly aheadMs: number;
  private readonly tokensPerBlock: number;
  private readonly slotMs: number;
  /** Blocks in hand, earliest first. */
  private readonly held: HeldBlock[] = [];
  /** Requests waiting for a token not yet handed out. */
  private waiting = 0;
  private claiming?: Promise<number | null>;
  private failures = 0;

  constructor(private readonly o: SharedAppBudgetOptions) {
    this.grid = o.grid ?? TEAMS_APP_GRID;
    const { periodMs, slotMs, tokensPerBlock } = gridSizes(this.grid);
    this.tokensPerBlock = tokensPerBlock;
    this.slotMs = slotMs;
    this.clock = o.clock ?? Date.now;
    this.maxBlocks = o.maxBlocks ?? this.grid.blocksPerSlot * CLAIM_SLOTS;
    this.aheadMs = o.aheadMs ?? periodMs;
  }

  async take(deadlineMs: number, leadMs = 0): Promise<RateToken | null> {
    this.waiting += 1;
    let counted = true;
    try {
      for (;;) {
        const now = this.clock();
        const token = this.handOut(now, deadlineMs);
        if (token) {
          this.waiting -= 1;
          counted = false;
          // No earlier than `leadMs` before the block.
          await sleepUntil(token.at - leadMs, this.clock, this.o.sleep);
          if (this.clock() > token.until) {
            // Woken too late (a busy event loop): the token is lost; look for another.
            this.stats.late += 1;
            this.waiting += 1;
            counted = true;
            continue;
          }
          this.stats.handedOut += 1;
          return token;
        }
        // Tokens in hand that start only after the deadline: any claimed now would start later still.
        if (now >= deadlineMs || this.tokensInHand(now) > 0) return null;
        const nextAt = await this.refill();
        if (nextAt === null) return null;
        if (!this.hasTokens(this.clock(), deadlineMs) && nextAt > this.clock()) {
          // Every block in reach is taken: wait until a new one comes within reach, unless that is too late.
          if (nextAt > deadlineMs) return null;
          await (this.o.sleep ?? sleep)(nextAt - this.clock());
        }
      }
    } finally {
      if (counted) this.waiting -= 1;
    }
  }

  /** The earliest token in hand still usable now and starting by the deadline; drops blocks whose time is over. */
  private handOut(now: number, deadlineMs: number): RateToken | null {
    while (this.held.length > 0 && (this.held[0].until < now || this.held[0].left === 0)) this.stats.unused += (this.held.shift() as HeldBlock).left;
    for (const b of this.held) {
      if (b.at > deadlineMs) return null;
      if (b.left > 0 && b.until >= now) {
        b.left -= 1;
        return { at: b.at, until: b.until };
      }
    }
    return null;
  }

  private hasTokens(now: number, deadlineMs: number): boolean {
    return this.held.some((b) => b.left > 0 && b.until >= now && b.at <= deadlineMs);
  }

  private tokensInHand(now: number): number {
    return this.held.reduce((n, b) => n + (b.until >= now ? b.left : 0), 0);
  }

  /**
   * One claim at a time for the whole process, for as many requests as wait beyond the tokens
   * in hand. Resolves when a requester should look again (now, when blocks were won or none were
   * needed), or null when the database could not be asked.
   */
  private refill(): Promise<number | null> {
    if (!this.claiming) {
      this.claiming = (async () => {
        try {
          // Requests that ask in the same moment (a batch of deliveries) share this claim.
          await Promise.resolve();
          const now = this.clock();
          const short = this.waiting - this.tokensInHand(now);
          if (short <= 0) return now;
          const want = Math.min(this.maxBlocks, Math.ceil(short / this.tokensPerBlock));
          const got = await this.o.tokens.claim(this.o.owner, now, want, this.aheadMs, this.grid);
          this.stats.claims += 1;
          // A claim slower than a slot (the database busy) leaves slots to pass unclaimed.
          const tookMs = this.clock() - now;
          if (tookMs > this.slotMs) this.stats.slowClaims += 1;
          this.stats.maxClaimMs = Math.max(this.stats.maxClaimMs, tookMs);
          this.stats.blocks += got.blocks.length;
          for (const b of got.blocks) this.held.push({ ...b, left: b.tokens });
          this.held.sort((x, y) => x.at - y.at);
          this.failures = 0;
          if (got.blocks.length > 0 || got.nextAt === undefined) return now;
          return got.nextAt + (this.o.random ?? Math.random)() * (CLAIM_SLOTS - 1) * this.slotMs;
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
