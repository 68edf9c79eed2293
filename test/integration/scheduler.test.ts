import { MongoClient } from 'mongodb';
import { createLogger } from '../../src/log';
import { JobContext, LeaseLostError, RunOutcome, Scheduler, SchedulerOptions } from '../../src/jobs/scheduler';
import { JobRunRepo } from '../../src/store/jobRuns';
import { testDbName } from '../support/harness';
import { collectionsOf } from '../support/db';

// Every "instance" has a client (connection pool) and an owner of its own, as separate bot
// processes would; they share one database.
const clients: MongoClient[] = [];
const schedulers: Scheduler[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Well above the database's latency under a loaded test run: a renewal slower than a sixth of
// the lease counts as lost, by design.
const LEASE = 1000;

async function instance(opts: Partial<SchedulerOptions> = {}): Promise<{ s: Scheduler; repo: JobRunRepo }> {
  const client = await new MongoClient(process.env.TEST_MONGODB_URI!).connect();
  clients.push(client);
  const repo = new JobRunRepo(client.db(testDbName(__filename)));
  const s = new Scheduler({ repo, timeZone: 'Europe/Helsinki', log: createLogger('silent'), leaseMs: LEASE, ...opts });
  schedulers.push(s);
  return { s, repo };
}

let repo: JobRunRepo;
/** The job runs as stored, read through the driver (the first instance's connection). */
const storedRuns = () => collectionsOf(clients[0].db(testDbName(__filename))).jobRuns;

beforeAll(async () => {
  const { repo: r } = await instance();
  await clients[0].db(testDbName(__filename)).dropDatabase();
  await r.ensureIndexes();
  repo = r;
});
afterAll(async () => {
  for (const s of schedulers) await s.stop(1000);
  for (const c of clients) await c.close();
});

const occurrence = (i: number) => new Date(Date.UTC(2026, 10, 22, 6, i, 0, 3)); // 08:i Helsinki, with jitter

test('two instances ticking the same occurrence concurrently run it exactly once', async () => {
  const [a, b] = [await instance(), await instance()];
  const runs: string[] = [];
  for (const { s } of [a, b]) {
    s.register({ name: 'tick-once', cron: '* * * * *', run: async (ctx) => { runs.push(ctx.runKey); await sleep(20); } });
  }
  for (let i = 0; i < 15; i++) {
    const late = new Date(occurrence(i).getTime() + 850); // b's timer fired later in the same minute
    const outcomes = await Promise.all([a.s.tick('tick-once', occurrence(i)), b.s.tick('tick-once', late)]);
    expect(outcomes.filter((o) => o === 'done')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'running-elsewhere' || o === 'already-done')).toHaveLength(1);
  }
  expect(runs).toHaveLength(15);
  expect(new Set(runs).size).toBe(15);
  expect(runs[0]).toBe('tick-once@2026-11-22T06:00:00.000Z');
});

test('a finished run is not repeated after a restart', async () => {
  const a = await instance();
  let count = 0;
  a.s.register({ name: 'restart', cron: '0 8 * * *', run: async () => { count++; } });
  expect(await a.s.tick('restart', occurrence(0))).toBe('done');
  await a.s.stop();

  const restarted = await instance();
  restarted.s.register({ name: 'restart', cron: '0 8 * * *', run: async () => { count++; } });
  expect(restarted.s.owner).not.toBe(a.s.owner);
  expect(await restarted.s.tick('restart', new Date(occurrence(0).getTime() + 500))).toBe('already-done');
  expect(await restarted.s.recoverStale()).toEqual([]);
  expect(count).toBe(1);
  const [last] = await repo.recent('restart', 5);
  expect(last).toMatchObject({ status: 'done', attempt: 1, owner: a.s.owner });
});

/** Sends to four conversations, checkpointing after each; records what it sent. */
function sendingJob(sent: string[], seen: Pick<JobContext, 'attempt' | 'progress'>[], failAfter?: number) {
  return async (ctx: JobContext) => {
    seen.push({ attempt: ctx.attempt, progress: ctx.progress });
    const start = (ctx.progress?.done as number | undefined) ?? 0;
    for (let i = start; i < 4; i++) {
      sent.push(`digest:${ctx.localDate}:conv-${i}`);
      await ctx.checkpoint({ done: i + 1 });
      if (failAfter !== undefined && i + 1 === failAfter && ctx.attempt === 1) throw new TypeError('transport down');
    }
  };
}

test('a job that throws after checkpointing is resumed by another instance once its retry is due, without redoing sent steps', async () => {
  const [a, b] = [await instance(), await instance()];
  const sent: string[] = [];
  const seen: Pick<JobContext, 'attempt' | 'progress'>[] = [];
  for (const { s } of [a, b]) s.register({ name: 'digest-fail', cron: '0 8 * * *', run: sendingJob(sent, seen, 2) });

  expect(await a.s.tick('digest-fail', occurrence(0))).toBe('failed');
  const failed = await repo.latest('digest-fail@2026-11-22T06:00:00.000Z');
  expect(failed).toMatchObject({ status: 'failed', attempt: 1, progress: { done: 2 }, error: { name: 'TypeError' } });
  expect(JSON.stringify(failed!.error)).not.toContain('transport down'); // no messages, they may carry personal data
  expect(await b.s.recoverStale()).toEqual([]); // retry not due yet
  expect(await b.s.tick('digest-fail', occurrence(0))).toBe('failed-before');

  await sleep(LEASE + 100);
  expect(await b.s.recoverStale()).toEqual(['done']);
  expect(seen).toEqual([{ attempt: 1, progress: undefined }, { attempt: 2, progress: { done: 2 } }]);
  expect(sent).toEqual(['digest:2026-11-22:conv-0', 'digest:2026-11-22:conv-1', 'digest:2026-11-22:conv-2', 'digest:2026-11-22:conv-3']);
  expect(await repo.latest('digest-fail@2026-11-22T06:00:00.000Z')).toMatchObject({ status: 'done', attempt: 2, owner: b.s.owner });
  expect(await a.s.recoverStale()).toEqual([]);
});

test('a run whose owner died is resumed by exactly one of several instances after the lease expires', async () => {
  const [b, c, d] = [await instance(), await instance(), await instance()];
  const sent: string[] = [];
  const seen: Pick<JobContext, 'attempt' | 'progress'>[] = [];
  for (const { s } of [b, c, d]) s.register({ name: 'digest-dead', cron: '0 8 * * *', run: sendingJob(sent, seen) });
  // What a process killed mid-run leaves: a claimed attempt with a checkpoint and nobody renewing it.
  const ref = { job: 'digest-dead', key: '2026-11-22T06:00:00.000Z', scheduledFor: new Date('2026-11-22T06:00:00Z') };
  const claim = await repo.claim(ref, { owner: 'dead-host:1:000000', now: new Date(), leaseMs: LEASE });
  if (!claim.claimed) throw new Error('claim failed');
  await repo.checkpoint(claim.run, { done: 3 }, claim.run.leaseUntil);

  expect(await b.s.tick('digest-dead', occurrence(0))).toBe('running-elsewhere');
  expect(await b.s.recoverStale()).toEqual([]);
  await sleep(LEASE + 100);
  const outcomes = (await Promise.all([b, c, d].map(({ s }) => s.recoverStale()))).flat();
  expect(outcomes).toEqual(['done']);
  expect(seen).toEqual([{ attempt: 2, progress: { done: 3 } }]);
  expect(sent).toEqual(['digest:2026-11-22:conv-3']);
  expect(await storedRuns().countDocuments({ runKey: 'digest-dead@2026-11-22T06:00:00.000Z' })).toBe(2);
});

test('a job running longer than its lease keeps renewing it and is not taken over', async () => {
  const [a, b] = [await instance(), await instance()];
  let runs = 0;
  let aborted = false;
  const run = async (ctx: JobContext) => {
    runs++;
    await sleep(3 * LEASE + 300);
    aborted = ctx.signal.aborted;
  };
  for (const { s } of [a, b]) s.register({ name: 'long', cron: '0 8 * * *', run });
  let settled = false;
  const started = Date.now();
  const running = a.s.tick('long', occurrence(0)).finally(() => (settled = true));
  const others: RunOutcome[] = [];
  let lastTry = 0;
  await sleep(50);
  while (!settled) {
    const [tick, swept] = await Promise.all([b.s.tick('long', occurrence(0)), b.s.recoverStale()]);
    if (!settled) {
      others.push(tick, ...swept);
      lastTry = Date.now() - started;
    }
    await sleep(100);
  }
  expect(await running).toBe('done');
  expect(lastTry).toBeGreaterThan(2 * LEASE); // b kept trying well after a's first lease would have expired
  expect(aborted).toBe(false);
  expect(runs).toBe(1);
  expect(new Set(others)).toEqual(new Set(['running-elsewhere']));
  expect(await storedRuns().countDocuments({ runKey: 'long@2026-11-22T06:00:00.000Z' })).toBe(1);
});

test('a job whose run was taken over is told to stop and cannot checkpoint any more', async () => {
  const { s } = await instance({ leaseMs: 300 });
  let error: unknown;
  s.register({
    name: 'usurped',
    run: async (ctx) => {
      // As if another instance had judged this owner dead and claimed the next attempt.
      await storedRuns().insertOne({ ...(await repo.latest(ctx.runKey))!, _id: `${ctx.runKey}#2`, attempt: 2, owner: 'other' });
      while (!ctx.signal.aborted) await sleep(20);
      error = await ctx.checkpoint({ done: 1 }).catch((e: unknown) => e);
      throw ctx.signal.reason;
    },
  });
  expect(await s.runNow('usurped', { key: 'x1' })).toBe('abandoned');
  expect(error).toBeInstanceOf(LeaseLostError);
  expect(await repo.latest('usurped@x1')).toMatchObject({ attempt: 2, owner: 'other', status: 'running' });
});

test('runNow goes through the same claim: once per key, and "digest now" is the current minute\'s occurrence', async () => {
  const fixed = () => new Date('2026-11-22T06:00:41.500Z');
  const [a, b] = [await instance({ now: fixed }), await instance({ now: fixed })];
  const got: { key: string; params?: unknown; localDate: string }[] = [];
  for (const { s } of [a, b]) {
    s.register({ name: 'fees', run: async (ctx) => { got.push({ key: ctx.key, params: ctx.params, localDate: ctx.localDate }); } });
    s.register({ name: 'digest', cron: '0 8 * * *', run: async (ctx) => { got.push({ key: ctx.key, localDate: ctx.localDate }); } });
  }
  expect(await a.s.runNow('fees', { key: '2026-10', params: { month: '2026-10' } })).toBe('done');
  expect(await b.s.runNow('fees', { key: '2026-10', params: { month: '2026-10' } })).toBe('already-done');
  const both = await Promise.all([a.s.runNow('fees', { key: '2026-11' }), b.s.runNow('fees', { key: '2026-11' })]);
  expect(both.filter((o) => o === 'done')).toHaveLength(1);
  expect(both.filter((o) => o === 'running-elsewhere' || o === 'already-done')).toHaveLength(1);

  expect(await a.s.runNow('digest')).toBe('done');
  expect(await b.s.tick('digest', new Date('2026-11-22T06:00:00.004Z'))).toBe('already-done');
  expect(got).toEqual([
    { key: '2026-10', params: { month: '2026-10' }, localDate: '2026-11-22' },
    { key: '2026-11', params: undefined, localDate: '2026-11-22' },
    { key: '2026-11-22T06:00:00.000Z', localDate: '2026-11-22' },
  ]);
  await expect(a.s.runNow('fees', { key: 'bad key' })).rejects.toThrow('run key');
  await expect(a.s.runNow('nope')).rejects.toThrow('no job');
});

test('after maxAttempts failures a run waits for a coordinator, whose runNow retries it', async () => {
  const [a, b] = [await instance({ maxAttempts: 1 }), await instance({ maxAttempts: 1 })];
  let calls = 0;
  const run = async (ctx: JobContext) => {
    calls++;
    if (ctx.attempt === 1) throw new RangeError('bad data');
  };
  for (const { s } of [a, b]) s.register({ name: 'final', cron: '0 8 * * *', run });
  expect(await a.s.tick('final', occurrence(0))).toBe('failed');
  expect((await repo.latest('final@2026-11-22T06:00:00.000Z'))!.retryAt).toBeUndefined();
  await sleep(LEASE + 100);
  expect(await b.s.recoverStale()).toEqual([]);
  expect(await b.s.tick('final', occurrence(0))).toBe('failed-before');
  expect(await b.s.runNow('final', { key: '2026-11-22T06:00:00.000Z' })).toBe('done');
  expect(calls).toBe(2);
});
