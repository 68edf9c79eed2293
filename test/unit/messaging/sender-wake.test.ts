import { expect, test } from '@jest/globals';
import { createLogger } from '../../../src/log';
import { RateLimiter } from '../../../src/messaging/limits';
import { OutboxSender } from '../../../src/messaging/sender';
import type { OutboxRepo } from '../../../src/store/outbox';

// A wake for conversations the sender cannot take now does not make it read the queue again.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('wake(conversations) claims only when one of them could be taken now', async () => {
  let claims = 0;
  const outbox = {
    claimBatch: async () => {
      claims += 1;
      return [];
    },
    idle: async () => true,
    pruneLeases: async () => 0,
    recoverUnqueued: async () => 0,
  } as unknown as OutboxRepo;
  const limiter = new RateLimiter();
  const now = Date.now();
  for (let i = 0; i < 8; i++) limiter.record('busy', now)(now); // over 7 a second: must wait
  const sender = new OutboxSender({
    outbox,
    conversations: { get: async () => null, markUnreachable: async () => undefined },
    transport: {} as never,
    log: createLogger('silent'),
    limiter,
    idleMs: 60_000,
    maxLimiterWaitMs: 0,
  });
  sender.start();
  await sleep(20);
  const first = claims;
  expect(first).toBeGreaterThanOrEqual(1);
  sender.wake(['busy']);
  await sleep(20);
  expect(claims).toBe(first);
  sender.wake(['busy', 'quiet']);
  await sleep(20);
  expect(claims).toBe(first + 1);
  sender.wake();
  await sleep(20);
  expect(claims).toBe(first + 2);
  await sender.stop();
});
