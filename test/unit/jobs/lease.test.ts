import { Lease, LeaseLostError } from '../../../src/jobs/lease';
import { JobRunDoc, JobRunRepo } from '../../../src/store/jobRuns';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  const run = { _id: 'j@k#1', runKey: 'j@k', attempt: 1, owner: 'me', leaseUntil: new Date(Date.now() + leaseMs) } as JobRunDoc;
  const l = new Lease(repo, run, { leaseMs, now: () => new Date() });
  l.start();
  return l;
}

test('renewals keep the lease while the database answers in time', async () => {
  const { repo, calls } = fakeRepo(async () => true);
  const l = lease(repo);
  await sleep(1000);
  expect(l.signal.aborted).toBe(false);
  expect(calls.renew).toBeGreaterThanOrEqual(3);
  l.close();
});

test('a later attempt in the database means the lease is lost', async () => {
  const { repo } = fakeRepo(async () => false);
  const l = lease(repo);
  await sleep(150);
  expect(l.signal.reason).toBeInstanceOf(LeaseLostError);
  await expect(l.checkpoint({ done: 1 })).rejects.toBeInstanceOf(LeaseLostError);
});

test('with the database unreachable the owner gives up before its lease expires, so no one else runs alongside', async () => {
  const { repo } = fakeRepo(async () => { throw new Error('MongoNetworkError'); });
  const l = lease(repo, 600);
  await sleep(200);
  expect(l.signal.aborted).toBe(false);
  await sleep(500); // past leaseUntil - leaseMs/6 = 500 ms
  expect(l.signal.reason).toBeInstanceOf(LeaseLostError);
});

test('a renewal acknowledged after the deadline does not count', async () => {
  const { repo } = fakeRepo(() => sleep(400).then(() => true));
  const l = lease(repo, 300);
  await sleep(600);
  expect(l.signal.reason).toBeInstanceOf(LeaseLostError);
});

test('checkpoints and renewals never overlap (an update is read-then-replace on FerretDB)', async () => {
  const { repo, calls } = fakeRepo(() => sleep(30).then(() => true));
  const l = lease(repo, 90);
  await Promise.all([1, 2, 3, 4, 5].map((i) => l.checkpoint({ done: i })));
  await sleep(100);
  expect(calls.maxInFlight).toBe(1);
  expect(l.progress).toEqual({ done: 5 });
  l.close();
});
