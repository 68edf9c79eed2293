import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { Lease, LeaseLostError } from '../../../src/jobs/lease';
import { JobRunDoc, JobRunRepo } from '../../../src/store/jobRuns';

// The lease's clock is injected and its renewals run on timers: jest's fake timers drive both,
// so no test waits in real time and none depends on how busy the machine is.
beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-03-01T10:00:00Z') });
});
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

/** The fake clock: the time jest's fake timers have advanced to. */
const now = () => new Date(jest.now());
/** Lets `ms` of fake time pass, running the timers and the promises they start. */
const pass = (ms: number) => jest.advanceTimersByTimeAsync(ms);
/** A database call that answers after `ms` of fake time. */
const after = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

/** Stands in for the repository (not the driver): answers renewals as told, records overlap. */
function fakeRepo(answer: () => Promise<boolean>) {
  const calls = { renew: 0, inFlight: 0, maxInFlight: 0 };
  const repo = {
    async renew() {
      calls.renew++;
      calls.inFlight++;
      calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
      try {
        return await answer();
      } finally {
        calls.inFlight--;
      }
    },
    finish: async () => undefined,
  };
  return { repo: repo as unknown as JobRunRepo, calls };
}

function lease(repo: JobRunRepo, leaseMs = 300): Lease {
  const run = { _id: 'j@k#1', runKey: 'j@k', attempt: 1, owner: 'me', leaseUntil: new Date(now().getTime() + leaseMs) } as JobRunDoc;
  const l = new Lease(repo, run, { leaseMs, now });
  l.start();
  return l;
}

test('renewals keep the lease while the database answers in time', async () => {
  const { repo, calls } = fakeRepo(async () => true);
  const l = lease(repo);
  await pass(1000);
  expect(l.signal.aborted).toBe(false);
  expect(calls.renew).toBe(10); // one every leaseMs / 3 = 100 ms
  l.close();
});

test('a later attempt in the database means the lease is lost', async () => {
  const { repo } = fakeRepo(async () => false);
  const l = lease(repo);
  await pass(99);
  expect(l.signal.aborted).toBe(false);
  await pass(1); // the first renewal, at 100 ms, finds the later attempt
  expect(l.signal.reason).toBeInstanceOf(LeaseLostError);
  await expect(l.checkpoint({ done: 1 })).rejects.toBeInstanceOf(LeaseLostError);
});

test('with the database unreachable the owner gives up before its lease expires, so no one else runs alongside', async () => {
  const { repo } = fakeRepo(async () => { throw new Error('MongoNetworkError'); });
  const l = lease(repo, 600); // leaseUntil at 600 ms; given up after leaseUntil - leaseMs/6 = 500 ms
  await pass(500);
  expect(l.signal.aborted).toBe(false);
  await pass(100); // the beat at 600 ms is past the 500 ms deadline
  expect(l.signal.reason).toBeInstanceOf(LeaseLostError);
  expect((l.signal.reason as Error).message).toBe('lease ran out unrenewed');
});

test('a renewal acknowledged after the deadline does not count', async () => {
  const { repo } = fakeRepo(() => after(170, true));
  const l = lease(repo, 300); // deadline 250 ms; the renewal sent at 100 ms is answered at 270 ms
  await pass(269);
  expect(l.signal.aborted).toBe(false);
  await pass(1); // before the next beat (300 ms) could notice the deadline itself
  expect(l.signal.reason).toBeInstanceOf(LeaseLostError);
  expect((l.signal.reason as Error).message).toBe('renewal acknowledged too late');
});

test('checkpoints and renewals never overlap (an update is read-then-replace on FerretDB)', async () => {
  const { repo, calls } = fakeRepo(() => after(30, true));
  const l = lease(repo, 300); // beats every 100 ms, while five checkpoints take 150 ms
  const checkpoints = Promise.all([1, 2, 3, 4, 5].map((i) => l.checkpoint({ done: i })));
  await pass(300);
  await checkpoints;
  expect(calls.maxInFlight).toBe(1);
  expect(calls.renew).toBeGreaterThan(5); // beats renewed in between, one at a time
  expect(l.progress).toEqual({ done: 5 });
  expect(l.signal.aborted).toBe(false);
  l.close();
});
