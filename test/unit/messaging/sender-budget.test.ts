import { expect, test } from '@jest/globals';
import { createLogger } from '../../../src/log';
import { AppBudget, SharedAppBudget } from '../../../src/messaging/appBudget';
import { RateLimiter } from '../../../src/messaging/limits';
import { OutboxSender, REQUEST_LEAD_MS } from '../../../src/messaging/sender';
import { StartWindow, StartWindowMissed, Transport } from '../../../src/messaging/transport';
import type { OutboxItem, OutboxRepo } from '../../../src/store/outbox';
import type { RateToken } from '../../../src/messaging/appBudget';

// With the app-wide budget shared through the database (src/messaging/appBudget.ts), each
// request needs a token of its own and must start inside it: a token the sender got too late
// (a busy event loop) is thrown away, never used, or requests could crowd Teams' window.

function item(key: string, conversationId: string, now: number): OutboxItem {
  return {
    _id: key, key, conversationId, op: 'send', activity: { type: 'message', text: key }, status: 'sending', attempts: 0,
    nextAttemptAt: new Date(now), leaseSeq: 1, createdAt: new Date(now), lockedBy: 'me', lockedUntil: new Date(now + 60_000),
  };
}

test('each request goes to the transport with its token as its start window; a token it is too late for is not used', async () => {
  const now = 1_000_000;
  let served = false;
  const sent: string[] = [];
  const outbox = {
    claimBatch: async () => {
      if (served) return [];
      served = true;
      return [item('k1', 'c1', now), item('k2', 'c2', now)];
    },
    markSent: async (key: string) => {
      sent.push(key);
      return true;
    },
    release: async () => true,
    idle: async () => sent.length === 2,
    counts: async () => ({}),
    pruneLeases: async () => 0,
    recoverUnqueued: async () => 0,
  } as unknown as OutboxRepo;
  const tokens: RateToken[] = [
    { at: now - 100, until: now - 50 }, // its time has passed
    { at: now, until: now + 30 },
    { at: now, until: now + 30 },
  ];
  const handed: RateToken[] = [];
  const leads: (number | undefined)[] = [];
  const appBudget: AppBudget = {
    take: async (_deadline, leadMs) => {
      leads.push(leadMs);
      const t = tokens.shift() ?? null;
      if (t) handed.push(t);
      return t;
    },
  };
  const starts: number[] = [];
  const windows: (StartWindow | undefined)[] = [];
  const sender = new OutboxSender({
    outbox,
    conversations: {
      get: async (id: string) => ({ _id: id, reachable: true, reference: { conversation: { id } } }) as never,
      markUnreachable: async () => undefined,
    },
    transport: {
      send: async (_ref, _activity, window) => {
        starts.push(now);
        windows.push(window);
        return { activityId: `a${starts.length}` };
      },
      update: async () => undefined,
    },
    log: createLogger('silent'),
    limiter: new RateLimiter({ app: [] }),
    appBudget,
    clock: () => now,
    idleMs: 60_000,
  });
  sender.start();
  await sender.drain(5_000);
  await sender.stop();
  expect(sent.sort()).toEqual(['k1', 'k2']);
  expect(handed).toHaveLength(3); // the stale token was taken and thrown away
  expect(starts).toHaveLength(2);
  expect(tokens).toHaveLength(0);
  // The transport holds each request until its token's time: the token comes that much ahead.
  expect(windows).toEqual([{ at: now, until: now + 30 }, { at: now, until: now + 30 }]);
  expect(leads.every((l) => l === REQUEST_LEAD_MS)).toBe(true);
});

/** A sender given one item (k1 for c1) and `appBudget`; records what it sent and handed back. */
function oneItem(now: number, appBudget: AppBudget, drained: (r: { sent: string[]; released: string[] }) => boolean, transport?: Transport) {
  return senderOf(now, appBudget, [item('k1', 'c1', now)], drained, transport);
}

/**
 * A sender whose first claim of the queue gets `batch` (or, `claimedAsQueued`, whose post gets
 * it claimed as it is queued, and whose claims find nothing); records what it sent and handed back.
 */
function senderOf(now: number, appBudget: AppBudget, batch: OutboxItem[], drained: (r: { sent: string[]; released: string[] }) => boolean, transport: Transport = { send: async () => ({ activityId: 'a1' }), update: async () => undefined }, claimedAsQueued = false) {
  let served = claimedAsQueued;
  const sent: string[] = [];
  const released: string[] = [];
  const outbox = {
    claimBatch: async () => {
      if (served) return [];
      served = true;
      return batch;
    },
    enqueueClaiming: async () => ({ queued: batch.length, claimed: batch }),
    markSent: async (key: string) => {
      sent.push(key);
      return true;
    },
    release: async (key: string) => {
      released.push(key);
      return true;
    },
    idle: async () => drained({ sent, released }),
    counts: async () => ({}),
    pruneLeases: async () => 0,
    recoverUnqueued: async () => 0,
  } as unknown as OutboxRepo;
  const sender = new OutboxSender({
    outbox,
    conversations: { get: async (id: string) => ({ _id: id, reachable: true, reference: { conversation: { id } } }) as never, markUnreachable: async () => undefined },
    transport,
    log: createLogger('silent'),
    limiter: new RateLimiter({ app: [] }),
    appBudget,
    clock: () => now,
    idleMs: 60_000,
  });
  return { sender, sent, released };
}

test('no token in time: the item is handed back with its place kept, not sent', async () => {
  const { sender, sent, released } = oneItem(1_000_000, { take: async () => null }, (r) => r.released.length === 1);
  sender.start();
  await sender.drain(5_000);
  await sender.stop();
  expect(released).toEqual(['k1']);
  expect(sent).toEqual([]);
  expect(sender.stats.deferred).toBe(1);
});

test('a delivery waits up to maxBudgetWaitMs (10 s) for the app budget, not the 2 s a busy conversation may hold a worker', async () => {
  // Every delivery of every instance waits for the same budget: handing an item back gains
  // nothing and costs an update of its queue entry and a new claim.
  const now = 2_000_000;
  const deadlines: number[] = [];
  const appBudget: AppBudget = {
    // The app's next token is 6 s away: within the budget's wait, beyond the conversation's.
    take: async (deadlineMs: number) => {
      deadlines.push(deadlineMs);
      return deadlineMs >= now + 6_000 ? { at: now, until: now + 20 } : null;
    },
  };
  const { sender, sent, released } = oneItem(now, appBudget, (r) => r.sent.length + r.released.length === 1);
  sender.start();
  await sender.drain(5_000);
  await sender.stop();
  expect(deadlines).toEqual([now + 10_000]);
  expect(sent).toEqual(['k1']);
  expect(released).toEqual([]);
  expect(sender.stats.deferred).toBe(0);
});

test('stopping does not wait for a token of the app budget: a waiting delivery is handed back at once', async () => {
  let asked!: () => void;
  const waiting = new Promise<void>((resolve) => (asked = resolve));
  const appBudget: AppBudget = {
    // The next token is seconds away (every instance is busy): this never answers in the test.
    take: () => {
      asked();
      return new Promise<RateToken | null>(() => undefined);
    },
  };
  const { sender, sent, released } = oneItem(3_000_000, appBudget, () => false);
  sender.start();
  await waiting;
  await sender.stop();
  expect(released).toEqual(['k1']);
  expect(sent).toEqual([]);
});

/** A budget handing out tokens one slot apart, as many as asked. */
function tokensEvery(now: number, slotMs: number): AppBudget & { handed: RateToken[] } {
  const handed: RateToken[] = [];
  return {
    handed,
    take: async () => {
      const at = now + handed.length * slotMs;
      const t = { at, until: at + 20 };
      handed.push(t);
      return t;
    },
  };
}

test('a request the transport could not start within its window is not counted as an attempt: it goes with the next token', async () => {
  const now = 4_000_000;
  const budget = tokensEvery(now, 106);
  const windows: StartWindow[] = [];
  const transport: Transport = {
    send: async (_ref, _activity, window) => {
      windows.push(window!);
      if (windows.length === 1) throw new StartWindowMissed();
      return { activityId: 'a1' };
    },
    update: async () => undefined,
  };
  const { sender, sent, released } = oneItem(now, budget, (r) => r.sent.length + r.released.length === 1, transport);
  sender.start();
  await sender.drain(5_000);
  await sender.stop();
  expect(sent).toEqual(['k1']);
  expect(released).toEqual([]);
  expect(windows).toEqual(budget.handed);
  expect(windows).toHaveLength(2);
  expect(sender.stats).toMatchObject({ sent: 1, windowMissed: 1, retried: 0, failed: 0, deferred: 0 });
});

test('a machine too busy to meet five windows in a row hands the item back with its place kept: not failed, not retried', async () => {
  const now = 5_000_000;
  const budget = tokensEvery(now, 106);
  const transport: Transport = {
    send: async () => {
      throw new StartWindowMissed();
    },
    update: async () => undefined,
  };
  const { sender, sent, released } = oneItem(now, budget, (r) => r.sent.length + r.released.length === 1, transport);
  sender.start();
  await sender.drain(5_000);
  await sender.stop();
  expect(sent).toEqual([]);
  expect(released).toEqual(['k1']);
  expect(budget.handed).toHaveLength(5);
  expect(sender.stats).toMatchObject({ sent: 0, windowMissed: 5, retried: 0, failed: 0, deferred: 1 });
});

test('deliveries begun together share one claim of the shared budget: a queued slice or a claimed batch asks once for all of its items', async () => {
  const now = 2_000_000;
  for (const path of ['claimed by the sender', 'claimed as queued'] as const) {
    const wants: number[] = [];
    const budget = new SharedAppBudget({
      // Every block asked for is won, usable now: what matters is how many each claim asks for.
      tokens: { claim: async (_owner, nowMs, blocks) => {
        wants.push(blocks);
        return { blocks: Array.from({ length: blocks }, () => ({ at: nowMs, until: nowMs + 20, tokens: 1 })) };
      } },
      owner: 'me', log: createLogger('silent'), clock: () => now, sleep: async () => undefined,
    });
    const batch = Array.from({ length: 10 }, (_, i) => item(`k${i}`, `c${i}`, now));
    const { sender, sent } = senderOf(now, budget, batch, (r) => r.sent.length === batch.length, undefined, path === 'claimed as queued');
    sender.start();
    if (path === 'claimed as queued') await sender.post(batch.map((b) => ({ key: b.key, conversationId: b.conversationId, activity: b.activity })));
    await sender.drain(5_000);
    await sender.stop();
    expect(sent).toHaveLength(10);
    // One claim for the ten: begun one after another, the first delivery's claim saw only itself.
    expect({ path, wants }).toEqual({ path, wants: [10] });
  }
});
