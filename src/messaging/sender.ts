import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '../log';
import { ConversationRepo } from '../store/conversations';
import { NewOutboxItem, OutboxItem, OutboxRepo } from '../store/outbox';
import { AppBudget } from './appBudget';
import { RateLimiter } from './limits';
import { decide, DEFAULT_RETRY, errorClass, Failure, RetryPolicy } from './retry';
import { DeliveryError, StartWindow, StartWindowMissed, Transport } from './transport';
import { sleep } from './wait';

export interface OutboxSenderOptions {
  outbox: OutboxRepo;
  conversations: Pick<ConversationRepo, 'get' | 'markUnreachable'>;
  transport: Transport;
  log: Logger;
  /** Called once per item that will never be delivered (permanent error or retries used up). */
  onPermanentFailure?: (item: OutboxItem) => void | Promise<void>;
  /** Lease holder name; unique per process. */
  owner?: string;
  /** Deliveries in flight at once: enough that the app-wide 50/s is reachable while busy conversations wait. */
  concurrency?: number;
  /** Claim loops; one is enough, as each claims a batch (as many items as there are free workers). */
  claimers?: number;
  /** Must outlast a limiter wait plus a transport call (BotTransport times out at 15 s), or a live item looks dead. */
  leaseMs?: number;
  /** How often to look for due items when there were none. */
  idleMs?: number;
  /** A conversation that must wait longer than this is handed back to the queue rather than holding a worker. */
  maxLimiterWaitMs?: number;
  /**
   * How long a delivery waits for a token of the shared app budget before it is handed back.
   * Every delivery of every instance waits for the same budget, so a handed-back item gains
   * nothing and costs an update of its queue entry and a new claim (in a fan-out by three
   * instances, 100 such hand-backs held FerretDB's writes for seconds); far below the lease.
   */
  maxBudgetWaitMs?: number;
  limiter?: RateLimiter;
  /**
   * The app-wide budget shared with the other instances (the database's rate tokens). Without
   * it the limiter's own app window is the only app-wide limit: right for one instance only.
   */
  appBudget?: AppBudget;
  retry?: Partial<RetryPolicy>;
  clock?: () => number;
}

/**
 * A rate-limit slot taken (`done` dates the request when it ends; `window`, with a shared app
 * budget, is when the request may leave), none within maxLimiterWaitMs, or none because the
 * sender is stopping.
 */
type Slot = { done: (finishedAt: number) => void; window?: StartWindow } | { tooLong: true } | { stopping: true };

/**
 * How long before its token's time a delivery hands its request to the transport, which
 * builds, serializes and signs it and holds it at the wire until the time (BotTransport's
 * start window): a card's request takes some milliseconds to build, more when the machine is
 * busy, and a slot's requests are built one after another on one event loop.
 */
export const REQUEST_LEAD_MS = 30;
/** How often drain() looks whether the outbox is idle. */
const DRAIN_LOOK_MS = 50;
/** Start windows a delivery may miss in a row before it is handed back to the queue. */
const MAX_WINDOWS_MISSED = 5;

/** How long an update may wait for an original that was never enqueued before it is failed. */
const ORPHAN_UPDATE_MS = 60 * 60_000;
/** Leases are only needed while a claim is in progress; a day is far beyond any lease. */
const LEASE_RETENTION_MS = 24 * 60 * 60_000;

/**
 * Works the outbox: claims due items (several at once), waits for the conversation's and the
 * app's rate limits, sends or updates through the Transport and records the outcome. Retryable
 * failures go back to the queue with backoff; permanent ones are kept as 'failed', the
 * conversation is marked unreachable when that is what the error means, and the app is told.
 */
export class OutboxSender {
  readonly owner: string;
  readonly stats = { sent: 0, retried: 0, failed: 0, deferred: 0, windowMissed: 0 };
  private readonly o: Required<Omit<OutboxSenderOptions, 'onPermanentFailure' | 'retry' | 'appBudget'>> & Pick<OutboxSenderOptions, 'onPermanentFailure' | 'appBudget'>;
  private readonly retry: RetryPolicy;
  private readonly inFlight = new Set<Promise<void>>();
  /** Conversations with an item in this sender's hands: one at a time each, so they stay in order and one busy conversation cannot take every worker. */
  private readonly inHand = new Set<string>();
  private lastPrune = 0;
  private running = false;
  private loop?: Promise<void>;
  private readonly sleepers = new Set<() => void>();
  /** Wakes deliveries waiting for a rate-limit slot when the sender stops. */
  private readonly stopping = new Set<() => void>();

  constructor(opts: OutboxSenderOptions) {
    this.owner = opts.owner ?? `${hostname()}#${process.pid}#${randomBytes(3).toString('hex')}`;
    this.o = {
      ...opts,
      owner: this.owner,
      concurrency: opts.concurrency ?? 32,
      claimers: opts.claimers ?? 1,
      leaseMs: opts.leaseMs ?? 60_000,
      idleMs: opts.idleMs ?? 500,
      maxLimiterWaitMs: opts.maxLimiterWaitMs ?? 2000,
      maxBudgetWaitMs: opts.maxBudgetWaitMs ?? 10_000,
      limiter: opts.limiter ?? new RateLimiter(),
      clock: opts.clock ?? Date.now,
    };
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = Promise.all(Array.from({ length: this.o.claimers }, () => this.run())).then(() => undefined);
  }

  /**
   * Stops claiming and waits for deliveries in flight to be recorded. Items claimed but not yet
   * sent (waiting for a rate-limit slot) are handed back at once, so another instance takes them
   * now rather than when their lease runs out; a request already on its way to the connector is
   * waited for (BotTransport times it out), as sending it again elsewhere could post it twice.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    for (const wake of [...this.stopping]) wake();
    await this.loop;
    // Until none is left: a delivery may have begun meanwhile (one posted just before the stop).
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Skips the idle wait, e.g. right after a fan-out was enqueued. `conversations`: whom the new
   * items are for. When this sender could take none of them now (an item of each is in hand, or
   * each must wait for its rate limit), a claim would only read the queue to find nothing, so it
   * is not woken: a burst of orders, each queueing a card for the one coordinators' channel that
   * Teams lets the bot post to a few times a second, read the whole queue once per order.
   */
  wake(conversations?: readonly string[]): void {
    if (conversations && conversations.length > 0) {
      const busy = new Set([...this.inHand, ...this.o.limiter.saturated(this.o.clock(), this.o.maxLimiterWaitMs)]);
      if (conversations.every((c) => busy.has(c))) return;
    }
    for (const wake of [...this.sleepers]) wake();
  }

  /** For tests and benchmarks: resolves once no item is pending or being sent. */
  async drain(timeoutMs = 30_000): Promise<void> {
    // Counted in looks, not read off a clock: a test's clock may stand still.
    const looks = Math.ceil(timeoutMs / DRAIN_LOOK_MS);
    let last: unknown;
    for (let look = 1; ; look++) {
      try {
        // Idle means nothing queued AND nothing of this sender's still finishing: a delivery
        // that failed for good is marked failed before its conversation is marked unreachable
        // and the app is told, and those steps belong to the drain too.
        if (this.inFlight.size === 0 && (await this.o.outbox.idle())) return;
        last = this.inFlight.size > 0 ? 'deliveries finishing' : 'items still queued';
      } catch (error) {
        last = (error as Error).name;
      }
      if (look >= looks) throw new Error(`outbox not drained in ${timeoutMs} ms: ${JSON.stringify(last)} ${JSON.stringify(await this.o.outbox.counts().catch(() => null))}`);
      this.wake();
      await sleep(DRAIN_LOOK_MS);
    }
  }

  private async run(): Promise<void> {
    let dbFailures = 0;
    while (this.running) {
      const free = this.o.concurrency - this.inFlight.size;
      // Claims go in batches (a quarter of the workers at least): each claim scans the queue, and
      // a scan per finished delivery was most of the database work of a large fan-out.
      if (free <= 0 || (free < Math.ceil(this.o.concurrency / 4) && this.inFlight.size > 0)) {
        await Promise.race(this.inFlight);
        continue;
      }
      let items: OutboxItem[];
      try {
        const now = this.o.clock();
        const skip = [...this.inHand, ...this.o.limiter.saturated(now, this.o.maxLimiterWaitMs)];
        // Several at once: one scan of the queue serves a whole batch of deliveries.
        items = await this.o.outbox.claimBatch(this.owner, new Date(now), this.o.leaseMs, free, skip);
        dbFailures = 0;
      } catch (error) {
        // Database down: keep the loop alive, back off up to 10 s, and try again.
        dbFailures += 1;
        const retryInMs = Math.min(10_000, this.o.idleMs * 2 ** Math.min(dbFailures, 5));
        this.o.log.warn({ err: (error as Error).name, retryInMs }, 'outbox: cannot claim items');
        await this.idle(retryInMs);
        continue;
      }
      if (items.length === 0) {
        await this.housekeeping();
        await this.idle(this.o.idleMs);
        continue;
      }
      await this.beginTogether(items);
    }
  }

  /**
   * Queues items, and starts delivering at once those of them this sender can take now (as many
   * as it has free workers, none for a conversation it is busy with): they are claimed as they
   * are queued, so their first request does not wait for a claim to read the queue and the
   * records back. The rest wait in the queue for any instance's sender. Returns how many were new.
   */
  async post(items: NewOutboxItem[]): Promise<number> {
    const now = this.o.clock();
    const free = this.running ? this.o.concurrency - this.inFlight.size : 0;
    const skip = new Set([...this.inHand, ...this.o.limiter.saturated(now, this.o.maxLimiterWaitMs)]);
    const { queued, claimed } = await this.o.outbox.enqueueClaiming(items, new Date(now), { owner: this.owner, leaseMs: this.o.leaseMs, max: free, skip });
    // Stopped meanwhile (a shutdown while a request was queueing): handed back at once, as
    // stop() does. One try only, not to hold the request up: failing that, the lease runs out.
    if (this.running) await this.beginTogether(claimed);
    else for (const item of claimed) await this.o.outbox.release(item.key, this.owner, item.nextAttemptAt).catch(() => undefined);
    this.wake(items.map((i) => i.conversationId));
    return queued;
  }

  /**
   * Starts delivering claimed items all in the same moment, so that their requests ask the
   * shared app budget together and share one claim of its blocks for all of them. Begun one
   * after another (an await each), the first delivery's claim saw only itself: it won one block,
   * and the rest of the slot had often passed before the next claim came back (4 of the grid's
   * tokens lost at the start of a fan-out, docs/performance.md).
   */
  private async beginTogether(items: OutboxItem[]): Promise<void> {
    await Promise.all(items.map((item) => this.begin(item)));
  }

  /** Starts delivering a claimed item, one at a time per conversation. */
  private async begin(claimed: OutboxItem): Promise<void> {
    if (this.inHand.has(claimed.conversationId)) {
      // Another claim took an item of this conversation meanwhile: one at a time.
      await this.o.outbox.release(claimed.key, this.owner, claimed.nextAttemptAt).catch(() => undefined);
      return;
    }
    this.inHand.add(claimed.conversationId);
    const p: Promise<void> = this.deliver(claimed)
      .catch((error: Error) => {
        // Typically the database went away mid-delivery; the lease expires and the item is retried.
        this.o.log.error({ item: claimed.key, err: error.name }, 'outbox: delivery not recorded');
      })
      .finally(() => {
        this.inHand.delete(claimed.conversationId);
        this.inFlight.delete(p);
        this.wake();
      });
    this.inFlight.add(p);
  }

  /**
   * Now and then, when idle (and at the first idle moment after start): lease records are only
   * needed while claims are in progress, and an item whose enqueuer died half-way is queued again.
   */
  private async housekeeping(): Promise<void> {
    const now = this.o.clock();
    if (this.lastPrune !== 0 && now - this.lastPrune < 10 * 60_000) return;
    this.lastPrune = now;
    try {
      await this.o.outbox.pruneLeases(new Date(now - LEASE_RETENTION_MS));
      const requeued = await this.o.outbox.recoverUnqueued(new Date(now));
      if (requeued > 0) this.o.log.warn({ requeued }, 'outbox: queued items an interrupted enqueue had left out');
    } catch (error) {
      this.o.log.warn({ err: (error as Error).name }, 'outbox: housekeeping failed');
    }
  }

  private async deliver(item: OutboxItem): Promise<void> {
    // Queued with its reference (a wave of offers, from the chats it had just read): not read
    // again. A chat found unreachable meanwhile costs one refused request, then is marked so.
    const read = await this.beforeSending(item, async () => (item.reference ? { reference: item.reference, reachable: true } : await this.o.conversations.get(item.conversationId)));
    if (!read) return;
    const conversation = read.value;
    if (!conversation || !conversation.reachable) {
      // Already known unreachable: trying would only spend the rate limit on certain 403s.
      await this.fail(item, conversation ? 'unreachable' : 'no conversation', false);
      return;
    }
    let activityId = '';
    if (item.op === 'update') {
      const target = await this.beforeSending(item, () => this.targetOf(item));
      if (target?.value === undefined) return;
      activityId = target.value;
    }
    let failure: Failure | undefined;
    let missed = 0;
    for (;;) {
      const slot = await this.slotFor(item.conversationId);
      if ('stopping' in slot) {
        // Shutting down: handed back as it was, for the next sender (another instance, or this one restarted).
        await this.persist(item, () => this.o.outbox.release(item.key, this.owner, item.nextAttemptAt));
        return;
      }
      if ('tooLong' in slot) {
        // Handed back with its place in the queue kept; the conversation is skipped until it cools down.
        this.stats.deferred += 1;
        await this.persist(item, () => this.o.outbox.release(item.key, this.owner, item.nextAttemptAt));
        return;
      }
      try {
        if (item.op === 'send') activityId = (await this.o.transport.send(conversation.reference, item.activity, slot.window)).activityId;
        else await this.o.transport.update(conversation.reference, activityId, item.activity, slot.window);
      } catch (error) {
        // Not sent (ready too late for its token): another token, no attempt counted.
        if (error instanceof StartWindowMissed) {
          this.stats.windowMissed += 1;
          if (++missed < MAX_WINDOWS_MISSED) continue;
          // The machine is too busy for this now: handed back with its place in the queue kept.
          this.stats.deferred += 1;
          await this.persist(item, () => this.o.outbox.release(item.key, this.owner, item.nextAttemptAt));
          return;
        }
        failure = error instanceof DeliveryError ? { statusCode: error.statusCode, retryAfterMs: error.retryAfterMs } : {};
        if (!(error instanceof DeliveryError)) this.o.log.warn({ item: item.key, err: (error as Error).name }, 'outbox: transport threw');
      } finally {
        // A request not sent is still dated here: the conversation's limits count it, which only errs on the safe side.
        slot.done(this.o.clock());
      }
      break;
    }
    if (!failure) {
      this.stats.sent += 1;
      await this.persist(item, () => this.o.outbox.markSent(item.key, this.owner, activityId, new Date(this.o.clock())));
      return;
    }
    await this.onFailure(item, failure);
  }

  /**
   * What a delivery reads before it sends (the chat, the original of an update). When the
   * database is away, the item is handed back as soon as the database takes it, its attempt not
   * counted; left claimed, it waited for its lease to run out (a minute) after the database came
   * back. Null when handed back.
   */
  private async beforeSending<T>(item: OutboxItem, read: () => Promise<T>): Promise<{ value: T } | null> {
    try {
      return { value: await read() };
    } catch (error) {
      this.o.log.warn({ item: item.key, err: (error as Error).name }, 'outbox: cannot read what the delivery needs; handing it back');
      await this.persist(item, () => this.o.outbox.release(item.key, this.owner, item.nextAttemptAt));
      return null;
    }
  }

  /**
   * The activity id an update replaces. Until its original is sent the update is handed back
   * to wait (no attempt counted); if the original failed, or never turns up, so does the update.
   */
  private async targetOf(item: OutboxItem): Promise<string | undefined> {
    // The usual case, an original long delivered, costs one lookup of its record.
    const delivered = item.updateOf ? await this.o.outbox.sentActivityIdOf(item.updateOf) : null;
    if (delivered) return delivered;
    const original = item.updateOf ? await this.o.outbox.get(item.updateOf) : null;
    const now = this.o.clock();
    if (original?.status === 'sent' && original.sentActivityId) return original.sentActivityId;
    if (original?.status === 'failed' || original?.status === 'sent') {
      await this.fail(item, 'original not delivered', false);
    } else if (!original && now - item.createdAt.getTime() > ORPHAN_UPDATE_MS) {
      await this.fail(item, 'original not found', false);
    } else {
      const at = Math.max(now + 1000, original?.nextAttemptAt.getTime() ?? 0);
      await this.persist(item, () => this.o.outbox.release(item.key, this.owner, new Date(at)));
    }
    return undefined;
  }

  private async onFailure(item: OutboxItem, failure: Failure): Promise<void> {
    const attempt = item.attempts + 1;
    const decision = decide(failure, attempt, item.op, this.retry);
    const error = errorClass(failure);
    if (decision.retry) {
      this.stats.retried += 1;
      const at = this.o.clock() + decision.delayMs;
      if (failure.statusCode === 429) this.o.limiter.pause(item.conversationId, at);
      this.o.log.warn({ item: item.key, conversationId: item.conversationId, error, attempt, retryInMs: decision.delayMs }, 'outbox: delivery will be retried');
      await this.persist(item, () => this.o.outbox.reschedule(item.key, this.owner, new Date(at), error));
      return;
    }
    await this.fail(item, decision.reason === 'exhausted' ? `${error} (after ${attempt} attempts)` : error, decision.unreachable);
  }

  private async fail(item: OutboxItem, error: string, unreachable: boolean): Promise<void> {
    if (!(await this.persist(item, () => this.o.outbox.markFailed(item.key, this.owner, error, new Date(this.o.clock()))))) return; // another sender took it over
    this.stats.failed += 1;
    this.o.log.warn({ item: item.key, conversationId: item.conversationId, error, unreachable }, 'outbox: delivery failed for good');
    if (unreachable) await this.persist(item, () => this.o.conversations.markUnreachable(item.conversationId, new Date(this.o.clock())));
    const failed: OutboxItem = { ...item, status: 'failed', attempts: item.attempts + 1, lastError: error, lockedBy: undefined, lockedUntil: undefined };
    try {
      await this.o.onPermanentFailure?.(failed);
    } catch (hookError) {
      this.o.log.error({ item: item.key, err: (hookError as Error).name }, 'outbox: onPermanentFailure threw');
    }
  }

  /**
   * Waits (up to maxLimiterWaitMs) until the limiter lets this conversation go, and takes the
   * slot in the same synchronous step as the check, so concurrent workers cannot share it.
   * With a shared app budget, the request also needs a token of the whole bot's, and starts at
   * its time: the conversation's own limits stay with this process, which holds the item's claim.
   */
  private async slotFor(conversationId: string): Promise<Slot> {
    const start = this.o.clock();
    const deadline = start + this.o.maxLimiterWaitMs;
    const budgetDeadline = start + Math.max(this.o.maxLimiterWaitMs, this.o.maxBudgetWaitMs);
    for (;;) {
      if (!this.running) return { stopping: true };
      const now = this.o.clock();
      const wait = this.o.limiter.delayFor(conversationId, now);
      if (wait > 0) {
        if (now + wait > deadline) return { tooLong: true };
        await this.sleepUnlessStopping(wait);
        continue;
      }
      if (!this.o.appBudget) return { done: this.o.limiter.record(conversationId, now) };
      // A delivery waits up to maxBudgetWaitMs for the app's token; a stop does not wait with it:
      // the item is handed back at once (a token that comes later is simply not used).
      const token = await this.untilStopping(this.o.appBudget.take(budgetDeadline, REQUEST_LEAD_MS));
      if (!this.running) return { stopping: true };
      if (!token) return { tooLong: true };
      const readyAt = this.o.clock();
      // Too late for its token (a busy event loop): starting now could crowd Teams' window.
      if (readyAt > token.until) continue;
      // The transport holds the request until the token's time (a few ms): dated from now.
      return { done: this.o.limiter.record(conversationId, readyAt), window: { at: token.at, until: token.until } };
    }
  }

  /** `work`'s result, or undefined as soon as the sender stops. */
  private untilStopping<T>(work: Promise<T>): Promise<T | undefined> {
    let done = (): void => undefined;
    const stopped = new Promise<undefined>((resolve) => {
      done = () => resolve(undefined);
      this.stopping.add(done);
    });
    return Promise.race([work, stopped]).finally(() => this.stopping.delete(done));
  }

  private sleepUnlessStopping(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.stopping.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopping.add(done);
    });
  }

  /** Recording an outcome outlives short database blips: retried until the item's lease runs out. */
  private async persist<T>(item: OutboxItem, write: () => Promise<T>): Promise<T> {
    const deadline = item.lockedUntil?.getTime() ?? this.o.clock() + this.o.leaseMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await write();
      } catch (error) {
        if (delay === 100) this.o.log.warn({ item: item.key, err: (error as Error).name }, 'outbox: cannot record the outcome yet; retrying while the lease lasts');
        if (this.o.clock() + delay >= deadline) throw error;
        await sleep(delay);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
