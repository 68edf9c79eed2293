import { MongoClient } from 'mongodb';
import { createLogger } from '../../src/log';
import { OutboxSender } from '../../src/messaging/sender';
import { BotTransport } from '../../src/messaging/transport';
import { ConversationRepo } from '../../src/store/conversations';
import { openDatabase, Database } from '../../src/store/db';
import { OutboxRepo } from '../../src/store/outbox';
import { createAdapter } from '../../src/teams/adapter';
import { Cable } from '../support/cable';
import { FakeConnector } from '../support/connector';
import { testConfig, testDbName } from '../support/harness';

let direct: MongoClient;
let viaCable: Database;
let cable: Cable;
let connector: FakeConnector;
let outbox: OutboxRepo;
let conversations: ConversationRepo;
const logs: string[] = [];

beforeAll(async () => {
  const config = testConfig(__filename);
  const dbName = testDbName(__filename);
  direct = new MongoClient(config.mongodbUri);
  await direct.db(dbName).dropDatabase();
  outbox = new OutboxRepo(direct.db(dbName));
  conversations = new ConversationRepo(direct.db(dbName));
  await outbox.ensureIndexes();
  cable = new Cable(Number(new URL(config.mongodbUri).port));
  viaCable = openDatabase(`mongodb://127.0.0.1:${await cable.start()}/?directConnection=true`, dbName);
  connector = await new FakeConnector().start();
});
afterAll(async () => {
  await viaCable.close();
  await cable.stop();
  await direct.close();
  await connector.stop();
});

test('the sender survives a database outage: it logs, backs off, and delivers everything exactly once afterwards', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => `o:${i}`);
  for (const id of ids) {
    await conversations.upsert({ _id: id, scope: 'personal', reference: { bot: { id: '28:b' }, channelId: 'msteams', serviceUrl: connector.url, conversation: { id }, user: { id: `29:${id}` } } }, new Date());
  }
  const config = testConfig(__filename);
  const sender = new OutboxSender({
    outbox: new OutboxRepo(viaCable.db),
    conversations: new ConversationRepo(viaCable.db),
    transport: new BotTransport(createAdapter(config), ''),
    log: createLogger('warn', { write: (line: string) => void logs.push(line) }),
    idleMs: 50,
    // The production lease (60 s): a delivery whose outcome cannot be written keeps its claim
    // through an outage as long as the driver's stuck check takes to be found (17.5 s with the
    // defaults, src/store/db.ts), so it is not taken over and sent twice.
  });
  sender.start();
  try {
    await outbox.enqueue(ids.slice(0, 10).map((id) => ({ key: `${id}-a`, conversationId: id, activity: { text: `${id}-a body` } })), new Date());
    await connector.waitFor((calls) => calls.length >= 3, 10_000);
    cable.cut(); // mid-run: some deliveries are in flight, some not claimed yet
    await outbox.enqueue(ids.slice(10).map((id) => ({ key: `${id}-b`, conversationId: id, activity: { text: `${id}-b body` } })), new Date());
    // Workers busy when the cable was cut keep retrying to record their outcome while their lease
    // lasts; idle ones fail to claim. Either way the sender says so, and keeps going.
    const said = (l: string) => l.includes('outbox: cannot claim items') || l.includes('outbox: cannot record the outcome yet');
    for (const until = Date.now() + 4000; !logs.some(said) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    const during = connector.calls.length;
    expect(logs.some(said)).toBe(true);
    expect(logs.join('')).not.toMatch(/-[ab] body/); // no message texts in the logs (keys are ids and may appear)
    cable.restore();
    await sender.drain(30_000);
    const texts = connector.calls.map((c) => String(c.body.text)).sort();
    expect(texts).toEqual([...ids.slice(0, 10).map((id) => `${id}-a body`), ...ids.slice(10).map((id) => `${id}-b body`)].sort());
    if (process.env.OUTBOX_TEST_LOG) console.log(logs.join(""));
    console.log(`outage: ${during} of 20 delivered before the cable was restored; ${logs.length} warnings logged`);
  } finally {
    await sender.stop();
  }
}, 60_000);
