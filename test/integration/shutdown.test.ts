import { MongoClient } from 'mongodb';
import { createStore, Store } from '../../src/store';
import { ExpertDoc } from '../../src/store/experts';
import { leaseIdOf } from '../../src/store/outboxDocs';
import { JobRunRepo } from '../../src/store/jobRuns';
import { Scheduler } from '../../src/jobs/scheduler';
import { createLogger } from '../../src/log';
import { BotProcess, buildBot, SlowConnector, startBotProcess, waitUntil } from '../support/bot-process';
import { testDbName } from '../support/harness';
import { BOT, cardOf, execute, personalMessage, TENANT, text, user, User } from '../support/teams';
import { orderFormData } from '../support/orders';
import { collectionsOf } from '../support/db';

// Requirement (issue 12): "on SIGTERM /readyz answers 503 at once, in-flight requests finish, job
// leases and outbox claims are released, then exit".
//
// The bot runs as its own process (compiled src/, as `npm run serve` runs it). An order in auto
// mode fans out 100 offers through a connector stand-in that answers each call after 40 ms, while
// the outbox sender keeps to Teams' 50/s. Meanwhile a user's "ohje" is in flight: the bot's reply
// to it is held by the connector, so that request cannot finish until the connector answers.
// SIGTERM comes in the middle of the fan-out. Then:
// - /readyz answers 503 while the process is still up (before: the listener closed at once);
// - the held reply is answered, and the user's request completes with 200;
// - the process exits with 0;
// - no outbox item is left claimed (those waiting for a rate-limit slot were handed back), so a
//   second process delivers the rest at once, not after the 60 s lease of a dead sender, and
//   every expert gets exactly one offer.
const EXPERTS = 100;
const DELAY_MS = 40;
const OFFER_ID = /"offerId":"(T-\d{4}-\d{4,6}:[0-9a-f-]{36})"/;

const dbName = testDbName(__filename);
let build: ReturnType<typeof buildBot>;
let client: MongoClient;
let store: Store;
let connector: SlowConnector;
const bots: BotProcess[] = [];
const orderer = user('Aino Ammattilainen');
const experts: User[] = Array.from({ length: EXPERTS }, (_, i) => user(`Asiantuntija ${i}`));

async function freePort(): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../scripts/lib/ferretdb.cjs') as { freePort(): Promise<number> }).freePort();
}

async function startBot(): Promise<BotProcess> {
  const bot = await startBotProcess(build.entry, {
    MONGODB_URI: process.env.TEST_MONGODB_URI!,
    MONGODB_DB: dbName,
    BROKERING_MODE: 'auto',
    WAVE_SIZE: '100',
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE_SECONDS: '20',
  });
  bots.push(bot);
  await waitUntil('bot ready', async () => (await fetch(`${bot.url}/readyz`)).status === 200, 30_000);
  return bot;
}

beforeAll(async () => {
  build = buildBot('shutdown');
  connector = await new SlowConnector(DELAY_MS).start();
  client = new MongoClient(process.env.TEST_MONGODB_URI!);
  await client.db(dbName).dropDatabase();
  store = createStore(client.db(dbName));
  const now = new Date();
  await collectionsOf(client.db(dbName)).experts.insertMany(
    experts.map((e): ExpertDoc => ({
      _id: e.aad, aadObjectId: e.aad, status: 'active', paused: false, displayName: e.name, themes: ['mental-health'], taskTypes: ['talk'], municipalities: [],
      remoteOk: true, languages: ['fi'], description: 'Kokemusta.', feePreference: 'fee', createdAt: now, updatedAt: now,
    })),
  );
  await collectionsOf(client.db(dbName)).conversations.insertMany(
    experts.map((e) => ({
      _id: e.personal, scope: 'personal' as const, tenantId: TENANT, userAadObjectId: e.aad, locale: 'fi-FI', reachable: true, createdAt: now, updatedAt: now,
      reference: { bot: BOT, channelId: 'msteams', serviceUrl: connector.url, conversation: { id: e.personal, conversationType: 'personal', tenantId: TENANT }, locale: 'fi-FI', user: { id: e.id, aadObjectId: e.aad } },
    })),
  );
}, 120_000);

afterAll(async () => {
  for (const b of bots) if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
  await Promise.all(bots.map((b) => b.exited));
  await connector?.stop();
  await client?.close();
  build?.remove();
});

/** Outbox items whose latest lease (above the queue entry's leaseSeq) has not run out: claimed by someone. */
async function liveClaims(now: Date): Promise<string[]> {
  const due = await collectionsOf(client.db(dbName)).outboxDue.find({}).toArray();
  const claimed: string[] = [];
  for (const d of due) {
    const lease = await collectionsOf(client.db(dbName)).outboxLeases.findOne({ _id: leaseIdOf(d._id, d.leaseSeq + 1) });
    if (lease && (lease.until?.getTime() ?? 0) > now.getTime()) claimed.push(d._id);
  }
  return claimed;
}

test('SIGTERM: /readyz 503 at once, the request in flight finishes, outbox claims are handed back, exit 0', async () => {
  const first = await startBot();
  const serviceUrl = { connector: { url: connector.url } } as never;

  const res = await fetch(`${first.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(execute(serviceUrl, orderer, 'order.submit', orderFormData({ title: 'Mielenterveysviikko' }, 7))),
  });
  expect(text(cardOf({ status: res.status, body: (await res.json()) as unknown }))).toContain('Tilaus vastaanotettu');
  expect(await collectionsOf(client.db(dbName)).outbox.countDocuments({ key: /^offer:/ })).toBe(EXPERTS);

  // A user's request in flight: the bot's reply to "ohje" waits for the connector.
  connector.holdIf = (call) => call.conversationId === orderer.personal;
  const help = fetch(`${first.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(personalMessage(serviceUrl, orderer, 'ohje')),
  }).then((r) => r.status);
  await waitUntil('the reply to "ohje" is held', () => connector.held.some((c) => c.conversationId === orderer.personal), 10_000, 5);
  await waitUntil('the fan-out is under way', () => connector.received.length >= 25, 20_000, 5);

  first.child.kill('SIGTERM');
  const termAt = Date.now();
  // "At once": the process is still up and says it is not ready, while the request is in flight.
  await waitUntil('/readyz 503', async () => (await fetch(`${first.url}/readyz`).then((r) => r.status, () => 0)) === 503, 2_000, 10);
  expect(Date.now() - termAt).toBeLessThan(2_000);
  expect(first.child.exitCode).toBeNull();

  // Had the process not waited for it, this request would fail (connection closed), not answer 200.
  connector.answerHeld();
  expect(await help).toBe(200);
  expect(connector.accepted.filter((c) => c.conversationId === orderer.personal).length).toBeGreaterThanOrEqual(1);
  expect(await first.exited).toEqual({ code: 0, signal: null });
  const exitedAt = new Date();

  // Cut in the middle: some offers sent, the rest queued, none left claimed by the stopped process.
  const counts = await store.outbox.counts();
  expect(counts.sent).toBeGreaterThan(0);
  expect(counts.pending).toBeGreaterThan(0);
  expect(counts.sending).toBe(0);
  expect(await liveClaims(exitedAt)).toEqual([]);

  // A second process delivers the rest well within one lease (60 s): nothing waits for a lease to lapse.
  const restartAt = Date.now();
  await startBot();
  await waitUntil('outbox drained', async () => {
    const c = await store.outbox.counts();
    return c.pending === 0 && c.sending === 0;
  }, 30_000, 100);
  expect(Date.now() - restartAt).toBeLessThan(30_000);
  const offersTo = new Map<string, string[]>();
  for (const c of connector.accepted) {
    const id = OFFER_ID.exec(JSON.stringify(c.body))?.[1];
    if (id) offersTo.set(c.conversationId, [...(offersTo.get(c.conversationId) ?? []), id]);
  }
  expect(experts.filter((e) => offersTo.get(e.personal)?.length !== 1).map((e) => e.name)).toEqual([]);
  expect(await store.outbox.counts()).toEqual({ pending: 0, sending: 0, sent: EXPERTS, failed: 0 });
}, 120_000);

test('a job halted by a shutdown gives its lease up, and another instance resumes it at its next sweep', async () => {
  const repo = new JobRunRepo(client.db(dbName));
  await repo.ensureIndexes();
  const log = createLogger('silent');
  let t = Date.parse('2026-12-04T10:00:00Z');
  const now = () => new Date(t);
  const a = new Scheduler({ repo, timeZone: 'Europe/Helsinki', log, owner: 'instance-a', leaseMs: 60_000, now });
  let checkpointed = false;
  a.register({
    name: 'long-job',
    async run(ctx) {
      await ctx.checkpoint({ step: 1 });
      checkpointed = true;
      // Works until told to stop, as a long job does.
      await new Promise<void>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
    },
  });
  const running = a.runNow('long-job', { key: 'k1' });
  await waitUntil('job checkpointed', () => checkpointed, 5_000, 5);

  await a.stop(0, 5_000);
  expect(await running).toBe('abandoned');
  const attempt = await repo.latest('long-job@k1');
  expect(attempt).toMatchObject({ status: 'running', owner: 'instance-a', progress: { step: 1 } });
  expect(attempt!.leaseUntil.getTime()).toBeLessThanOrEqual(t);

  // One millisecond later, not a lease (60 s) later, another instance's sweep takes it over.
  t += 1;
  let resumedFrom: unknown;
  const b = new Scheduler({ repo, timeZone: 'Europe/Helsinki', log, owner: 'instance-b', leaseMs: 60_000, now });
  b.register({ name: 'long-job', async run(ctx) { resumedFrom = ctx.progress; } });
  expect(await b.recoverStale()).toEqual(['done']);
  expect(resumedFrom).toEqual({ step: 1 });
  expect(await repo.latest('long-job@k1')).toMatchObject({ attempt: 2, owner: 'instance-b', status: 'done' });
  await b.stop(0);
});
