import { MongoNetworkError } from 'mongodb';
import http from 'node:http';
import net from 'node:net';
import { Db, MongoClient } from 'mongodb';
import { createLogger } from '../../src/log';
import { OutboxSender, OutboxSenderOptions } from '../../src/messaging/sender';
import { BotTransport, DeliveryError, StartWindowMissed, startsInWindow } from '../../src/messaging/transport';
import { ConversationRepo } from '../../src/store/conversations';
import { OutboxItem, OutboxRepo } from '../../src/store/outbox';
import { createAdapter } from '../../src/teams/adapter';
import { ConnectorCall, FakeConnector } from '../support/connector';
import { testConfig, testDbName } from '../support/harness';
import { Collections, collectionsOf } from '../support/db';
import { waitUntil } from '../support/bot-process';

// The sender end to end: real database, real TeamsAdapter (local mode: no app id, plain-http
// loopback service URL) and BotTransport, talking to the stand-in Bot Connector.
type Injected = { status: number; headers?: Record<string, string> };

let client: MongoClient;
let db: Db;
let outbox: OutboxRepo;
let raw: Collections;
let conversations: ConversationRepo;
let connector: FakeConnector;
let transport: BotTransport;
/** Every request the connector saw, failed ones included (FakeConnector.calls keeps successes only). */
let attempts: ConnectorCall[] = [];
let inject: ((call: ConnectorCall) => Injected | undefined) | undefined;
const senders: OutboxSender[] = [];

beforeAll(async () => {
  connector = await new FakeConnector().start();
  connector.respond = (call) => {
    attempts.push(call);
    return inject?.(call);
  };
  const config = testConfig(__filename);
  client = new MongoClient(config.mongodbUri);
  db = client.db(testDbName(__filename));
  await db.dropDatabase();
  outbox = new OutboxRepo(db);
  raw = collectionsOf(db);
  conversations = new ConversationRepo(db);
  await outbox.ensureIndexes();
  await conversations.ensureIndexes();
  expect(config.localMode).toBe(true);
  transport = new BotTransport(createAdapter(config), config.bot.id ?? '');
});
afterAll(async () => {
  await connector.stop();
  await client.close();
});
beforeEach(async () => {
  for (const col of [raw.outbox, raw.outboxOutcomes, raw.outboxDue, raw.outboxBodies]) await col.deleteMany({});
  connector.reset();
  attempts = [];
  inject = undefined;
});
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.stop()));
});

async function addConversation(id: string, serviceUrl = connector.url): Promise<void> {
  await conversations.upsert(
    { _id: id, scope: 'personal', reference: { bot: { id: '28:valittaja' }, channelId: 'msteams', serviceUrl, conversation: { id, conversationType: 'personal' }, user: { id: `29:${id}` } } },
    new Date(),
  );
}

function message(key: string, conversationId: string, text = key) {
  return { key, conversationId, activity: { type: 'message', text } };
}

function started(opts: Partial<OutboxSenderOptions> = {}): OutboxSender {
  const s = new OutboxSender({
    outbox,
    conversations,
    transport,
    log: createLogger(process.env.OUTBOX_TEST_LOG ?? 'silent'),
    idleMs: 50,
    retry: { baseMs: 50, capMs: 2000 },
    ...opts,
  });
  senders.push(s);
  s.start();
  return s;
}

const texts = (calls: ConnectorCall[]) => calls.filter((c) => c.method === 'POST').map((c) => String(c.body.text));
const arrivals = (conversationId: string) => connector.calls.filter((c) => c.conversationId === conversationId).map((c) => c.at);

test('(a) 30 messages to one conversation keep 7 per 1 s and 8 per 2 s; another conversation is not held up', async () => {
  await addConversation('a:busy');
  await addConversation('a:quiet');
  await outbox.enqueue(Array.from({ length: 30 }, (_, i) => message(`a-${i}`, 'a:busy')), new Date());
  await outbox.enqueue(Array.from({ length: 5 }, (_, i) => message(`q-${i}`, 'a:quiet')), new Date());
  const begin = Date.now();
  await started().drain(25_000);
  const busy = arrivals('a:busy');
  expect(texts(connector.calls).filter((t) => t.startsWith('a-')).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `a-${i}`).sort());
  for (let i = 0; i + 7 < busy.length; i++) expect(busy[i + 7] - busy[i]).toBeGreaterThanOrEqual(1000);
  for (let i = 0; i + 8 < busy.length; i++) expect(busy[i + 8] - busy[i]).toBeGreaterThanOrEqual(2000);
  const quiet = arrivals('a:quiet');
  expect(quiet).toHaveLength(5);
  expect(quiet[4]).toBeLessThan(busy[8]); // done while the busy one still waits out its first 2 s
  console.log(`(a) 30 to one conversation in ${busy[29] - busy[0]} ms; the other conversation done after ${quiet[4] - begin} ms`);
});

test('(b) 429 with Retry-After, 412, 502 and 504 are retried; every message arrives exactly once', async () => {
  await addConversation('b:1');
  const firstFailure: Record<string, Injected> = {
    'b-429': { status: 429, headers: { 'retry-after': '1' } },
    'b-429-date': { status: 429 }, // its Retry-After date is set when the call comes in
    'b-412': { status: 412 },
    'b-502': { status: 502 },
    'b-504': { status: 504 },
  };
  const seen = new Map<string, number>();
  let retryAt = 0;
  inject = (call) => {
    const text = String(call.body.text);
    seen.set(text, (seen.get(text) ?? 0) + 1);
    if (seen.get(text) !== 1) return undefined;
    if (text !== 'b-429-date') return firstFailure[text];
    retryAt = Date.now() + 2000;
    return { status: 429, headers: { 'retry-after': new Date(retryAt).toUTCString() } };
  };
  await outbox.enqueue([...Object.keys(firstFailure), 'b-ok'].map((k) => message(k, 'b:1')), new Date());
  const sender = started();
  await sender.drain(20_000);
  expect(texts(connector.calls).sort()).toEqual([...Object.keys(firstFailure), 'b-ok'].sort());
  for (const [key, failure] of Object.entries(firstFailure)) {
    // Two attempts, both ours: the SDK's own hidden retries are switched off.
    expect(await outbox.get(key)).toMatchObject({ status: 'sent', attempts: 2, lastError: `http ${failure.status}` });
    expect(texts(attempts).filter((t) => t === key)).toHaveLength(2);
  }
  const gap = (key: string) => {
    const [first, second] = attempts.filter((c) => c.body.text === key).map((c) => c.at);
    return second - first;
  };
  expect(gap('b-429')).toBeGreaterThanOrEqual(1000);
  const [firstDated] = attempts.filter((c) => c.body.text === 'b-429-date').map((c) => c.at);
  expect(gap('b-429-date')).toBeGreaterThanOrEqual(Math.floor(retryAt / 1000) * 1000 - firstDated); // HTTP dates have 1 s resolution
  expect(sender.stats).toMatchObject({ sent: 6, retried: 5, failed: 0 });
});

test('(b) network errors are retried up to maxAttempts, then the item is failed and reported, not dropped', async () => {
  const closed = await freePort();
  await addConversation('b:down', `http://127.0.0.1:${closed}/`);
  const reported: OutboxItem[] = [];
  await outbox.enqueue([message('b-down', 'b:down')], new Date());
  await started({ retry: { baseMs: 20, capMs: 100, maxAttempts: 3 }, onPermanentFailure: (i) => void reported.push(i) }).drain(10_000);
  expect(await outbox.get('b-down')).toMatchObject({ status: 'failed', attempts: 3, lastError: 'network (after 3 attempts)' });
  expect(reported.map((i) => i.key)).toEqual(['b-down']);
  expect((await conversations.get('b:down'))!.reachable).toBe(true); // our network, not the user's choice
});

test('(c) a 403 fails the item, marks the conversation unreachable and tells the app; later items do not try', async () => {
  await addConversation('c:blocked');
  await addConversation('c:fine');
  inject = (call) => (call.conversationId === 'c:blocked' ? { status: 403 } : undefined);
  const reported: OutboxItem[] = [];
  const sender = started({ onPermanentFailure: (i) => void reported.push(i) });
  await outbox.enqueue([message('c-1', 'c:blocked'), message('c-ok', 'c:fine')], new Date());
  await sender.drain(10_000);
  expect(await outbox.get('c-1')).toMatchObject({ status: 'failed', attempts: 1, lastError: 'http 403' });
  expect((await conversations.get('c:blocked'))!.reachable).toBe(false);
  expect((await conversations.get('c:fine'))!.reachable).toBe(true);
  expect(reported.map((i) => i.key)).toEqual(['c-1']);
  expect(texts(connector.calls)).toEqual(['c-ok']);

  await outbox.enqueue([message('c-2', 'c:blocked')], new Date());
  await sender.drain(10_000);
  expect(await outbox.get('c-2')).toMatchObject({ status: 'failed', lastError: 'unreachable' });
  expect(attempts.filter((c) => c.conversationId === 'c:blocked')).toHaveLength(1);
  expect(reported.map((i) => i.key)).toEqual(['c-1', 'c-2']);
  expect(await outbox.counts()).toMatchObject({ pending: 0, sending: 0 });
});

test('(d) the same key enqueued twice is sent once', async () => {
  await addConversation('d:1');
  const sender = started();
  await outbox.enqueue([message('offer:d1', 'd:1'), message('offer:d1', 'd:1')], new Date());
  await outbox.enqueue([message('offer:d1', 'd:1')], new Date());
  await sender.drain(10_000);
  await outbox.enqueue([message('offer:d1', 'd:1')], new Date()); // a re-run of a finished fan-out
  await sender.drain(10_000);
  expect(texts(connector.calls)).toEqual(['offer:d1']);
});

test('(d) upgrade: an item enqueued before activities moved into the records (its activity only in outboxBodies) is delivered with it', async () => {
  await addConversation('d:old');
  const now = new Date();
  // What the enqueue of the version before wrote: body, record, due entry.
  await raw.outboxBodies.insertOne({ _id: 'offer:d-old', activity: JSON.stringify({ type: 'message', text: 'from before the upgrade' }), createdAt: now });
  await raw.outbox.insertOne({ _id: 'offer:d-old', key: 'offer:d-old', conversationId: 'd:old', op: 'send', createdAt: now });
  await raw.outboxDue.insertOne({ _id: 'offer:d-old', conversationId: 'd:old', op: 'send', attempts: 0, at: now, leaseSeq: 0, createdAt: now });
  await outbox.enqueue([message('offer:d-new', 'd:old', 'after the upgrade')], now);
  await started().drain(10_000);
  expect(texts(connector.calls).sort()).toEqual(['after the upgrade', 'from before the upgrade']);
  expect(await outbox.get('offer:d-old')).toMatchObject({ status: 'sent', activity: { text: 'from before the upgrade' } });
});

test('(e) an update waits for its original, then PUTs to the activity id the original was delivered as', async () => {
  await addConversation('e:1');
  const sender = started();
  await outbox.enqueue([{ key: 'filled:e1', conversationId: 'e:1', op: 'update', updateOf: 'offer:e1', activity: { type: 'message', text: 'filled' } }], new Date());
  await new Promise((r) => setTimeout(r, 300)); // the sender has seen the update and put it back to wait
  expect(connector.calls).toHaveLength(0);
  expect(await outbox.get('filled:e1')).toMatchObject({ status: 'pending', attempts: 0 });
  await outbox.enqueue([message('offer:e1', 'e:1', 'offer')], new Date());
  await sender.drain(10_000);
  const activityId = await outbox.sentActivityIdOf('offer:e1');
  expect(activityId).toMatch(/^act-/);
  expect(connector.calls.map((c) => `${c.method} ${c.activityId ?? ''}`)).toEqual(['POST ', `PUT ${activityId}`]);
  expect(connector.calls[1].body).toMatchObject({ type: 'message', text: 'filled', id: activityId });
  expect(await outbox.get('filled:e1')).toMatchObject({ status: 'sent', sentActivityId: activityId, attempts: 1 });
});

test('(e) an update of an original that failed for good fails too, so nothing waits forever', async () => {
  await addConversation('e:3');
  inject = (call) => (call.method === 'POST' ? { status: 400 } : undefined);
  await outbox.enqueue([message('offer:e3', 'e:3'), { key: 'filled:e3', conversationId: 'e:3', op: 'update', updateOf: 'offer:e3', activity: { text: 'filled' } }], new Date());
  await started().drain(10_000);
  expect(await outbox.get('offer:e3')).toMatchObject({ status: 'failed', lastError: 'http 400' });
  expect(await outbox.get('filled:e3')).toMatchObject({ status: 'failed', lastError: 'original not delivered' });
  expect((await conversations.get('e:3'))!.reachable).toBe(true); // a 400 is our message, not the user
});

test('(e) a 404 on an update (message deleted) fails that update only; the conversation stays reachable', async () => {
  await addConversation('e:2');
  inject = (call) => (call.method === 'PUT' ? { status: 404 } : undefined);
  const sender = started();
  await outbox.enqueue([message('offer:e2', 'e:2'), { key: 'filled:e2', conversationId: 'e:2', op: 'update', updateOf: 'offer:e2', activity: { text: 'filled' } }], new Date());
  await sender.drain(10_000);
  expect(await outbox.get('filled:e2')).toMatchObject({ status: 'failed', lastError: 'http 404' });
  expect((await conversations.get('e:2'))!.reachable).toBe(true);
});

test('(f) two senders on one outbox deliver every item exactly once', async () => {
  const ids = Array.from({ length: 10 }, (_, i) => `f:${i}`);
  for (const id of ids) await addConversation(id);
  const items = ids.flatMap((id) => Array.from({ length: 4 }, (_, j) => message(`${id}-${j}`, id)));
  await outbox.enqueue(items, new Date());
  const one = started({ owner: 'one' });
  const two = started({ owner: 'two' });
  await Promise.all([one.drain(15_000), two.drain(15_000)]);
  expect(texts(connector.calls).sort()).toEqual(items.map((i) => i.key).sort());
  expect(one.stats.sent + two.stats.sent).toBe(40);
  console.log(`(f) sender one sent ${one.stats.sent}, sender two ${two.stats.sent}`);
});

test('(f) two instances, each with its own connection and outbox, deliver every item exactly once', async () => {
  const ids = Array.from({ length: 10 }, (_, i) => `fi:${i}`);
  for (const id of ids) await addConversation(id);
  const items = ids.flatMap((id) => Array.from({ length: 4 }, (_, j) => message(`${id}-${j}`, id)));
  await outbox.enqueue(items, new Date());
  const secondClient = await new MongoClient(testConfig(__filename).mongodbUri).connect();
  try {
    const theirs = new OutboxRepo(secondClient.db(testDbName(__filename)));
    const one = started({ owner: 'here' });
    const two = started({ owner: 'there', outbox: theirs });
    await Promise.all([one.drain(20_000), two.drain(20_000)]);
    expect(texts(connector.calls).sort()).toEqual(items.map((i) => i.key).sort());
    expect(one.stats.sent + two.stats.sent).toBe(40);
    expect(await raw.outboxOutcomes.countDocuments({ _id: { $in: items.map((i) => i.key) }, status: 'sent' })).toBe(40);
    await two.stop();
  } finally {
    await secondClient.close();
  }
});

test('(g) an item left "sending" by a dead sender is picked up when its lease expires, not before', async () => {
  await addConversation('g:1');
  await addConversation('g:2');
  const longAgo = new Date(Date.now() - 120_000);
  await outbox.enqueue([message('g-slow', 'g:2')], longAgo);
  const claimedAt = Date.now();
  expect((await outbox.claimBatch('slow', new Date(claimedAt), 1500, 1))[0].key).toBe('g-slow'); // alive for 1.5 s more
  await outbox.enqueue([message('g-dead', 'g:1')], longAgo);
  expect((await outbox.claimBatch('crashed', longAgo, 60_000, 1))[0].key).toBe('g-dead'); // its lease ran out a minute ago
  const sender = started();
  await connector.waitFor((calls) => calls.length === 1);
  expect(texts(connector.calls)).toEqual(['g-dead']);
  await sender.drain(10_000);
  expect(texts(connector.calls)).toEqual(['g-dead', 'g-slow']);
  expect(connector.calls[1].at - claimedAt).toBeGreaterThanOrEqual(1500);
  expect(await outbox.get('g-dead')).toMatchObject({ status: 'sent', attempts: 1, leaseSeq: 2 });
});

test('(g) a delivery that cannot read its chat (the database away for a moment) hands its item back at once, not after its lease', async () => {
  await addConversation('g:3');
  await outbox.enqueue([message('g-unread', 'g:3')], new Date());
  let failures = 1;
  const flaky = Object.create(conversations) as typeof conversations;
  flaky.get = async (id: string) => {
    if (failures-- > 0) throw new MongoNetworkError('connection closed');
    return conversations.get(id);
  };
  // The production lease (a minute): the item must not wait for it.
  const sender = started({ conversations: flaky, leaseMs: 60_000 });
  await sender.drain(10_000);
  expect(texts(connector.calls)).toEqual(['g-unread']);
  expect(await outbox.get('g-unread')).toMatchObject({ status: 'sent', attempts: 1 });
});

test('(h) post: items the posting sender has room for are claimed by it as they are queued, and sent by it; the rest by any sender; each once', async () => {
  const ids = Array.from({ length: 6 }, (_, i) => `h:${i}`);
  for (const id of ids) await addConversation(id);
  const items = ids.map((id) => message(`${id}-post`, id));
  const poster = started({ owner: 'poster', concurrency: 2 });
  expect(await poster.post(items)).toBe(6);
  const other = started({ owner: 'other' });
  await Promise.all([poster.drain(10_000), other.drain(10_000)]);
  expect(texts(connector.calls).sort()).toEqual(items.map((i) => i.key).sort());
  expect(poster.stats.sent + other.stats.sent).toBe(6);
  // Its two workers' worth, claimed with their first lease as they were queued.
  for (const key of ['h:0-post', 'h:1-post']) {
    expect(await outbox.get(key)).toMatchObject({ status: 'sent', attempts: 1, leaseSeq: 1 });
    expect(await raw.outboxLeases.findOne({ _id: `${key}:1` })).toMatchObject({ owner: 'poster' });
  }
  // Posting the same keys again sends nothing twice.
  expect(await poster.post(items)).toBe(0);
  await poster.drain(5_000);
  expect(connector.calls).toHaveLength(6);
});

test('(h) post on a sender that is not running only queues: another sender delivers it all', async () => {
  await addConversation('h:idle');
  const resting = new OutboxSender({ outbox, conversations, transport, log: createLogger('silent'), owner: 'resting' });
  expect(await resting.post([message('h-resting', 'h:idle')])).toBe(1);
  expect(await raw.outboxLeases.countDocuments({ key: 'h-resting' })).toBe(0);
  const other = started({ owner: 'other' });
  await other.drain(10_000);
  expect(texts(connector.calls)).toEqual(['h-resting']);
  expect(resting.stats.sent).toBe(0);
});

test('(h) a sender stopped while it was queueing hands back what it claimed at once: another sender delivers it without waiting for the lease', async () => {
  await addConversation('h:stop');
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const slow = Object.create(outbox) as OutboxRepo;
  slow.enqueueClaiming = async (...args: Parameters<OutboxRepo['enqueueClaiming']>) => {
    const result = await outbox.enqueueClaiming(...args);
    await gate; // the stop comes while the request is still queueing
    return result;
  };
  // A delivery begun anyway would still be reading its chat when the stop returns.
  const slowChats = Object.create(conversations) as typeof conversations;
  slowChats.get = async (id: string) => {
    await new Promise((r) => setTimeout(r, 500));
    return conversations.get(id);
  };
  const poster = started({ owner: 'stopping', outbox: slow, conversations: slowChats, leaseMs: 60_000 });
  const posting = poster.post([message('h-stopped', 'h:stop')]);
  await waitUntil('the post\'s claim', async () => (await raw.outboxLeases.countDocuments({ key: 'h-stopped' })) > 0, 5000, 10);
  await poster.stop(); // returns with nothing in flight: the post is still queueing
  open();
  await posting;
  expect(await outbox.get('h-stopped')).toMatchObject({ status: 'pending', attempts: 0 });
  const other = started({ owner: 'other' });
  await other.drain(10_000);
  expect(texts(connector.calls)).toEqual(['h-stopped']);
  expect(poster.stats.sent).toBe(0);
});

test('app-wide: 120 conversations at once stay within 50 requests per second', async () => {
  const ids = Array.from({ length: 120 }, (_, i) => `w:${i}`);
  for (const id of ids) await addConversation(id);
  await outbox.enqueue(ids.map((id) => message(`${id}-m`, id)), new Date());
  const begin = Date.now();
  // Generous: the local database is the slow part, more so on a busy machine.
  await started().drain(90_000);
  const at = connector.calls.map((c) => c.at).sort((x, y) => x - y);
  expect(at).toHaveLength(120);
  for (let i = 0; i + 50 < at.length; i++) expect(at[i + 50] - at[i]).toBeGreaterThanOrEqual(1000);
  console.log(`app-wide: 120 messages to 120 conversations in ${Date.now() - begin} ms`);
}, 120_000);

test('transport: a connector that never answers times out as a retryable network failure', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => void sockets.push(s)); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;
  const slow = new BotTransport(createAdapter(testConfig(__filename)), '', { timeoutMs: 300 });
  const error = await slow.send({ bot: { id: '28:b' }, channelId: 'msteams', serviceUrl: url, conversation: { id: 't:1' }, user: { id: '29:u' } }, { text: 'x' }).catch((e: unknown) => e);
  // An AbortError is the transport's own timeout: without it the call would hang until jest's.
  expect(error).toBeInstanceOf(DeliveryError);
  expect(error).toMatchObject({ statusCode: undefined, code: 'AbortError' });
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

test('transport: local mode reaches an Agents Playground style service URL (http, localhost, /_connector) without a token', async () => {
  const seen: { method?: string; url?: string; auth?: string }[] = [];
  const playground = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'pg-1' }));
    });
  });
  await new Promise<void>((r) => playground.listen(0, '127.0.0.1', r));
  const serviceUrl = `http://localhost:${(playground.address() as net.AddressInfo).port}/_connector`;
  const ref = { bot: { id: '28:b' }, channelId: 'msteams', serviceUrl, conversation: { id: 'a:1 personal' }, user: { id: '29:u' } };
  try {
    expect(await transport.send(ref, { text: 'hei' })).toEqual({ activityId: 'pg-1' });
    await transport.update(ref, 'pg-1', { text: 'päivitetty' });
    expect(seen).toEqual([
      { method: 'POST', url: '/_connector/v3/conversations/a%3A1%20personal/activities', auth: undefined },
      { method: 'PUT', url: '/_connector/v3/conversations/a%3A1%20personal/activities/pg-1', auth: undefined },
    ]);
  } finally {
    playground.closeAllConnections();
    await new Promise((r) => playground.close(r));
  }
});

test('transport: a request given a start window leaves when it opens, and not at all once it has closed', async () => {
  const arrived: number[] = [];
  const connector = http.createServer((req, res) => {
    arrived.push(Date.now());
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `m-${arrived.length}` }));
    });
  });
  await new Promise<void>((r) => connector.listen(0, '127.0.0.1', r));
  const serviceUrl = `http://127.0.0.1:${(connector.address() as net.AddressInfo).port}/`;
  const ref = { bot: { id: '28:b' }, channelId: 'msteams', serviceUrl, conversation: { id: 'a:1 personal' }, user: { id: '29:u' } };
  try {
    // Opens 150 ms from now: the SDK builds the request at once, and it is held at the wire.
    const at = Date.now() + 150;
    expect(await transport.send(ref, { text: 'hei' }, { at, until: at + 20 })).toEqual({ activityId: 'm-1' });
    expect(arrived[0]).toBeGreaterThanOrEqual(at);
    const updateAt = Date.now() + 100;
    await transport.update(ref, 'm-1', { text: 'päivitetty' }, { at: updateAt, until: updateAt + 20 });
    expect(arrived[1]).toBeGreaterThanOrEqual(updateAt);
    // Closed already: nothing reaches the connector, and the error says so (not a delivery failure).
    const past = Date.now() - 100;
    await expect(transport.send(ref, { text: 'myöhässä' }, { at: past, until: past + 20 })).rejects.toBeInstanceOf(StartWindowMissed);
    await expect(transport.update(ref, 'm-1', { text: 'myöhässä' }, { at: past, until: past + 20 })).rejects.toBeInstanceOf(StartWindowMissed);
    expect(arrived).toHaveLength(2);
  } finally {
    connector.closeAllConnections();
    await new Promise((r) => connector.close(r));
  }
});

test('transport: the start window is the last step of the SDK\'s pipeline, after its credentials and signing (a future SDK that moves the pipeline shows here)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ConnectorClient, MicrosoftAppCredentials } = require('botframework-connector');
  const client = new ConnectorClient(new MicrosoftAppCredentials('', ''), { baseUri: 'https://smba.trafficmanager.net/emea/' });
  expect(startsInWindow(client, async () => undefined)).toBe(true);
  const names = (client.client.pipeline.getOrderedPolicies() as { name: string }[]).map((p) => p.name);
  expect(names[names.length - 1]).toBe('valittajaStartWindow');
  expect(names.indexOf('ServiceClientContext_Credentials_SignRequest')).toBeGreaterThanOrEqual(0);
  expect(names.indexOf('ServiceClientContext_Credentials_SignRequest')).toBeLessThan(names.length - 1);
});

test('transport: a channel gets a new post (create-conversation naming the channel), updated in the thread it started; a thread gets a reply', async () => {
  const seen: { method?: string; url?: string; body: Record<string, unknown> }[] = [];
  const connector = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body: JSON.parse(raw || '{}') as Record<string, unknown> });
      res.writeHead(req.url?.endsWith('/v3/conversations') ? 201 : 200, { 'content-type': 'application/json' });
      // As Teams answers a new channel post: the new thread's id and the post's activity id.
      res.end(JSON.stringify(req.url?.endsWith('/v3/conversations') ? { id: '19:ch@thread.tacv2;messageid=1700000000999' } : { id: 'r-1' }));
    });
  });
  await new Promise<void>((r) => connector.listen(0, '127.0.0.1', r));
  const serviceUrl = `http://127.0.0.1:${(connector.address() as net.AddressInfo).port}/`;
  const channel = { bot: { id: '28:b' }, channelId: 'msteams', serviceUrl, conversation: { id: '19:ch@thread.tacv2', conversationType: 'channel', tenantId: 't-1', isGroup: true } };
  try {
    // No activityId in the answer (some connectors): the post's id is read from the thread id.
    expect(await transport.send(channel, { text: 'uusi' })).toEqual({ activityId: '1700000000999' });
    await transport.update(channel, '1700000000999', { text: 'päivitetty' });
    await transport.send({ ...channel, conversation: { ...channel.conversation, id: '19:ch@thread.tacv2;messageid=42' } }, { text: 'ketjuun' });
    expect(seen.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /v3/conversations',
      `PUT /v3/conversations/${encodeURIComponent('19:ch@thread.tacv2;messageid=1700000000999')}/activities/1700000000999`,
      `POST /v3/conversations/${encodeURIComponent('19:ch@thread.tacv2;messageid=42')}/activities`,
    ]);
    expect(seen[0].body).toMatchObject({ isGroup: true, tenantId: 't-1', channelData: { channel: { id: '19:ch@thread.tacv2' }, tenant: { id: 't-1' } }, activity: { type: 'message', text: 'uusi' } });
  } finally {
    connector.closeAllConnections();
    await new Promise((r) => connector.close(r));
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
