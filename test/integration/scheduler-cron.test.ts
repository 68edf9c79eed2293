import { MongoClient } from 'mongodb';
import { createLogger } from '../../src/log';
import { Scheduler } from '../../src/jobs/scheduler';
import { JobRunRepo } from '../../src/store/jobRuns';
import { testDbName } from '../support/harness';

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('start() fires a six-field every-second job through node-cron, once per second, and stop() leaves no timers', async () => {
  const before = timeouts();
  const client = await new MongoClient(process.env.TEST_MONGODB_URI!).connect();
  const repo = new JobRunRepo(client.db(testDbName(__filename)));
  await client.db(testDbName(__filename)).dropDatabase();
  await repo.ensureIndexes();
  const s = new Scheduler({ repo, timeZone: 'Europe/Helsinki', log: createLogger('silent') });
  const fired: string[] = [];
  s.register({ name: 'every-second', cron: '* * * * * *', run: async (ctx) => { fired.push(ctx.key); } });

  s.start();
  const deadline = Date.now() + 5000;
  while (fired.length < 2 && Date.now() < deadline) await sleep(50);
  await s.stop();
  const firedAtStop = fired.length;

  expect(firedAtStop).toBeGreaterThanOrEqual(2);
  expect(new Set(fired).size).toBe(fired.length);
  for (const key of fired) expect(key).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  const runs = await repo.recent('every-second', 20);
  expect(runs.map((r) => r.status)).toEqual(fired.map(() => 'done'));

  await sleep(1500);
  expect(fired.length).toBe(firedAtStop);
  await client.close();
  expect(timeouts()).toBeLessThanOrEqual(before);
});
