import { hostname } from 'node:os';
import { MongoClient } from 'mongodb';
import { createStore, Store } from '../../src/store';
import { leaseIdOf } from '../../src/store/outboxDocs';
import { gridSizes } from '../../src/store/rateTokens';
import { TEAMS_APP_GRID } from '../../src/messaging/appBudget';
import { BotProcess, buildBot, startBotProcess, waitUntil } from '../support/bot-process';
import { FakeConnector, TeamsRateLimits } from '../support/connector';
import { testDbName } from '../support/harness';
import { BOT, TENANT, user, User } from '../support/teams';
import { collectionsOf } from '../support/db';

// Issue 12, "Many instances": each process used to keep Teams' per-app limit (50 requests per
// second) on its own, so three instances could send 150/s and meet 429 storms. Now the budget
// is shared through the database (src/store/rateTokens.ts).
//
// Three bot processes (compiled src/) share one database and a connector stand-in that answers
// 429 to anything over Teams' limits, per conversation and per app, as Teams does. 1,000 offers
// are queued in the outbox; all three deliver them. Then: 0 × 429, every offer delivered exactly
// once. In the middle one instance is killed (SIGKILL); the other two finish its work, including
// the offers it had claimed (after their lease, 60 s, runs out).
//
// The at-least-once window (a message the connector accepted whose outcome the killed process
// had not yet recorded would be posted again, as test/integration/crash-fanout.test.ts explains)
// is closed on purpose so that "exactly once" can be asserted: the connector holds its answers,
// the kill comes once everything it accepted is recorded, and the held requests of the killed
// process die unanswered with it.
const ITEMS = 1000;
const INSTANCES = 3;
const KILL_AFTER = 300;

const dbName = testDbName(__filename);
let build: ReturnType<typeof buildBot>;
let client: MongoClient;
let store: Store;
let connector: FakeConnector;
const bots: BotProcess[] = [];
const experts: User[] = Array.from({ length: ITEMS }, (_, i) => user(`Asiantuntija ${i}`));

async function freePort(): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../scripts/lib/ferretdb.cjs') as { freePort(): Promise<number> }).freePort();
}

async function startBot(): Promise<BotProcess> {
  const bot = await startBotProcess(build.entry, {
    MONGODB_URI: process.env.TEST_MONGODB_URI!,
    MONGODB_DB: dbName,
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
  }, 120_000); // three processes loading botbuilder at once on a busy machine
  bots.push(bot);
  return bot;
}

beforeAll(async () => {
  build = buildBot('fan-out-instances');
  connector = await new FakeConnector().start();
  connector.limits = new TeamsRateLimits();
  client = new MongoClient(process.env.TEST_MONGODB_URI!);
  await client.db(dbName).dropDatabase();
  store = createStore(client.db(dbName));
  const now = new Date();
  for (let i = 0; i < ITEMS; i += 500) {
    await collectionsOf(client.db(dbName)).conversations.insertMany(
      experts.slice(i, i + 500).map((e) => ({
        _id: e.personal, scope: 'personal' as const, tenantId: TENANT, userAadObjectId: e.aad, locale: 'fi-FI', reachable: true, createdAt: now, updatedAt: now,
        reference: { bot: BOT, channelId: 'msteams', serviceUrl: connector.url, conversation: { id: e.personal, conversationType: 'personal', tenantId: TENANT }, locale: 'fi-FI', user: { id: e.id, aadObjectId: e.aad } },
      })),
    );
  }
}, 180_000);

afterAll(async () => {
  for (const b of bots) if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
  await Promise.all(bots.map((b) => b.exited));
  await connector?.stop();
  await client?.close();
  build?.remove();
});

test('three instances fan out 1,000 offers: 0 × 429, none lost, none twice; one killed mid-way, the others finish its work', async () => {
  await Promise.all(Array.from({ length: INSTANCES }, () => startBot()));
  await Promise.all(bots.map((b) => waitUntil('bot ready', async () => (await fetch(`${b.url}/readyz`)).status === 200, 60_000)));

  const queuedAt = Date.now();
  const enqueued = await store.outbox.enqueue(
    experts.map((e, i) => ({ key: `offer:fan-out-instances:${i}`, conversationId: e.personal, activity: { type: 'message', text: `offer ${i}` } })),
    new Date(),
  );
  expect(enqueued).toBe(ITEMS);

  // In the middle: hold the connector's answers, let what it accepted be recorded, kill one.
  await waitUntil(`${KILL_AFTER} offers delivered`, () => connector.calls.length >= KILL_AFTER, 180_000, 10);
  connector.hold();
  const keyOf = (c: { body: Record<string, unknown> }) => `offer:fan-out-instances:${String(c.body.text).slice('offer '.length)}`;
  await waitUntil('accepted offers recorded', async () => {
    const accepted = connector.calls.map(keyOf);
    return (await collectionsOf(client.db(dbName)).outboxOutcomes.countDocuments({ _id: { $in: accepted }, status: 'sent' })) === accepted.length;
  }, 20_000, 100);
  const victim = bots[1];
  victim.child.kill('SIGKILL');
  expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
  const acceptedAtKill = connector.calls.length;
  // Let the connector see the killed process's connections close before it answers what it
  // held: those requests must die unanswered (the process exit and the sockets' close are
  // separate events; on loopback they are microseconds apart).
  await new Promise((r) => setTimeout(r, 200));
  connector.release();

  // One small read per poll (outbox.idle): counting the whole outbox every 250 ms took much of
  // the database's time away from the bots.
  await waitUntil('outbox drained', () => store.outbox.idle(), 300_000, 500).catch((error: Error) => {
    throw new Error(`${error.message}: ${connector.calls.length} accepted, ${connector.throttled} × 429`);
  });
  const drainedS = (Date.now() - queuedAt) / 1000;

  const perConversation = new Map<string, number>();
  for (const c of connector.calls) perConversation.set(c.conversationId, (perConversation.get(c.conversationId) ?? 0) + 1);
  const lost = experts.filter((e) => !perConversation.has(e.personal)).length;
  const duplicated = [...perConversation.values()].reduce((a, n) => a + n - 1, 0);
  // Who did what: the first lease of each offer names the process that claimed it first.
  const victimOwner = `${hostname()}#${victim.child.pid}#`;
  const firstClaims = await collectionsOf(client.db(dbName)).outboxLeases.find({ _id: { $in: experts.map((_, i) => leaseIdOf(`offer:fan-out-instances:${i}`, 1)) } }).toArray();
  const claimers = new Set(firstClaims.map((l) => String(l.owner).replace(/#[0-9a-f]+$/, '')));
  const outcomes = await collectionsOf(client.db(dbName)).outboxOutcomes.find({ _id: /^offer:fan-out-instances:/ }).toArray();
  const victimClaimed = new Set(firstClaims.filter((l) => String(l.owner).startsWith(victimOwner)).map((l) => l.key));
  const takenOver = outcomes.filter((o) => victimClaimed.has(o._id) && o.leaseSeq > 1).length;
  // How late after its slot's start each request reached the stand-in: the grid keeps the app
  // under 50 a second while this stays under useMs + wireMs (60 ms), so a 429 needs a request
  // later than that. Counted within a slot (106 ms), as bench/fanout-instances.mjs does.
  const { slotMs } = gridSizes(TEAMS_APP_GRID);
  const lateMs = connector.calls.map((c) => c.at - Math.floor(c.at / slotMs) * slotMs).sort((a, b) => a - b);
  process.stdout.write(
    `fan-out-instances: ${ITEMS} offers by ${INSTANCES} instances in ${drainedS.toFixed(1)} s (one killed after ${acceptedAtKill}); ` +
      `${connector.throttled} × 429; arrival after the slot's start p99 ${Math.round(lateMs[Math.floor(0.99 * lateMs.length)])} ms, ` +
      `max ${Math.round(lateMs[lateMs.length - 1])} ms (the grid allows ${TEAMS_APP_GRID.useMs + TEAMS_APP_GRID.wireMs}); ` +
      `first claims by ${claimers.size} processes; ${takenOver} of the killed one's offers finished by the others\n`,
  );

  expect(connector.throttled).toBe(0);
  expect(lost).toBe(0);
  expect(duplicated).toBe(0);
  expect(connector.calls).toHaveLength(ITEMS);
  expect(await store.outbox.counts()).toEqual({ pending: 0, sending: 0, sent: ITEMS, failed: 0 });
  expect(claimers.size).toBe(INSTANCES); // all three took part
  expect(takenOver).toBeGreaterThan(0); // the killed one held offers, and the others delivered them
}, 600_000);
