import { MongoClient } from 'mongodb';
import { OutboxRepo, TAKEOVER_MARGIN_MS } from '../../src/store/outbox';
import { testConfig, testDbName } from '../support/harness';
import { Collections, collectionsOf } from '../support/db';

// The outbox's own guarantees, against the real local database (no sender, no connector).
let client: MongoClient;
let outbox: OutboxRepo;
/** The outbox's collections through the driver, to set up what a crash leaves and check what was stored. */
let raw: Collections;
const t0 = new Date('2025-03-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
/** One due item, for tests that take one at a time. */
const claimOne = async (repo: OutboxRepo, owner: string, now: Date, leaseMs: number, skip: string[] = []) => (await repo.claimBatch(owner, now, leaseMs, 1, skip))[0] ?? null;
const card = { attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', 'x.y': 1 } }] };

beforeAll(async () => {
  client = new MongoClient(testConfig(__filename).mongodbUri);
  const db = client.db(testDbName(__filename));
  await db.dropDatabase();
  outbox = new OutboxRepo(db);
  raw = collectionsOf(db);
  await outbox.ensureIndexes();
});
afterAll(() => client.close());
beforeEach(async () => {
  for (const col of [raw.outbox, raw.outboxOutcomes, raw.outboxDue, raw.outboxBodies, raw.outboxLeases]) await col.deleteMany({});
});

test('enqueue: a key already queued is a no-op, in one batch or across calls', async () => {
  expect(await outbox.enqueue([{ key: 'offer:1', conversationId: 'c1', activity: card }, { key: 'offer:1', conversationId: 'c1', activity: card }], t0)).toBe(1);
  expect(await outbox.enqueue([{ key: 'offer:1', conversationId: 'c1', activity: card }, { key: 'offer:2', conversationId: 'c1', activity: card }], t0)).toBe(1);
  expect(await raw.outbox.countDocuments()).toBe(2);
  expect(await outbox.counts()).toEqual({ pending: 2, sending: 0, sent: 0, failed: 0 });
});

test('activities keep "$schema" and dotted keys (stored as JSON text)', async () => {
  await outbox.enqueue([{ key: 'k', conversationId: 'c1', activity: card }], t0);
  const item = await claimOne(outbox, 'me', t0, 1000);
  expect(item!.activity).toEqual(card);
});

test('claims: due items only, oldest first, one owner each, even when claimed concurrently', async () => {
  await outbox.enqueue(Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, conversationId: `c${i % 3}`, activity: { text: `${i}` }, notBefore: at(i) })), t0);
  await outbox.enqueue([{ key: 'later', conversationId: 'c1', activity: {}, notBefore: at(60_000) }], t0);
  const first = await claimOne(outbox, 'a', at(100), 5000);
  expect(first).toMatchObject({ key: 'k0', status: 'sending', lockedBy: 'a', lockedUntil: at(5100) });
  // 30 claimers at once: nobody gets an item twice; a claimer that lost every race gets null.
  const claims = (await Promise.all(Array.from({ length: 30 }, (_, i) => claimOne(outbox, `o${i}`, at(100), 5000)))).filter((c) => c !== null);
  for (let next = await claimOne(outbox, 'late', at(100), 5000); next; next = await claimOne(outbox, 'late', at(100), 5000)) claims.push(next);
  const keys = claims.map((c) => c!.key);
  expect(keys).toHaveLength(19);
  expect(new Set(keys).size).toBe(19);
  expect(keys).not.toContain('later');
  for (const c of claims) expect((await outbox.get(c!.key))!.lockedBy).toBe(c!.lockedBy);
});

test('a claim skips conversations the sender knows are rate-limited', async () => {
  await outbox.enqueue([{ key: 'a', conversationId: 'busy', activity: {} }, { key: 'b', conversationId: 'quiet', activity: {} }], t0);
  expect((await claimOne(outbox, 'me', t0, 1000, ['busy']))!.key).toBe('b');
  expect(await claimOne(outbox, 'me', t0, 1000, ['busy'])).toBeNull();
});

test('an expired lease makes a "sending" item claimable again; a live one does not', async () => {
  await outbox.enqueue([{ key: 'k', conversationId: 'c', activity: {} }], t0);
  await claimOne(outbox, 'dead', t0, 1000);
  expect(await claimOne(outbox, 'live', at(999), 1000)).toBeNull();
  const again = await claimOne(outbox, 'live', at(1000), 1000);
  expect(again).toMatchObject({ key: 'k', lockedBy: 'live' });
  // The dead owner can no longer record anything for it.
  expect(await outbox.markSent(again!._id, 'dead', 'x', at(1001))).toBe(false);
  expect(await outbox.markSent(again!._id, 'live', 'act-1', at(1001))).toBe(true);
  expect(await outbox.get('k')).toMatchObject({ status: 'sent', sentActivityId: 'act-1', attempts: 1, sentAt: at(1001) });
  expect(await outbox.sentActivityIdOf('k')).toBe('act-1');
});

test('a claimer that died right after its lease insert delays the item by one lease, not forever', async () => {
  await outbox.enqueue([{ key: 'k', conversationId: 'c', activity: {} }], t0);
  const item = await outbox.get('k');
  await raw.outboxLeases.insertOne({ _id: `${item!.key}:1`, key: item!.key, seq: 1, owner: 'dead', at: t0, until: at(1000) }); // its claimer stopped here
  expect(await claimOne(outbox, 'me', at(500), 1000)).toBeNull(); // maybe still in progress
  expect(await claimOne(outbox, 'me', at(1000), 1000)).toMatchObject({ key: 'k', lockedBy: 'me', leaseSeq: 2 });
});

test('enqueueClaiming: the queuer claims what it asked for as it queues (sends due now, one per conversation, none it skips), with the activity and reference it wrote; the rest wait for any claimer', async () => {
  const reference = { bot: { id: '28:bot' }, channelId: 'msteams', serviceUrl: 'https://smba.example/emea/', conversation: { id: 'c1', conversationType: 'personal' }, user: { id: '29:u', aadObjectId: 'u' } };
  const items = [
    { key: 'q1', conversationId: 'c1', activity: card, reference },
    { key: 'q2', conversationId: 'c1', activity: { text: 'second for c1' } },
    { key: 'q3', conversationId: 'busy', activity: { text: 'busy' } },
    { key: 'q4', conversationId: 'c4', activity: { text: 'later' }, notBefore: at(60_000) },
    { key: 'q5', conversationId: 'c5', op: 'update' as const, updateOf: 'q1', activity: { text: 'update' } },
    { key: 'q6', conversationId: 'c6', activity: { text: 'six' } },
    { key: 'q7', conversationId: 'c7', activity: { text: 'seven' } },
  ];
  const { queued, claimed } = await outbox.enqueueClaiming(items, t0, { owner: 'poster', leaseMs: 1000, max: 2, skip: new Set(['busy']) });
  expect(queued).toBe(7);
  expect(claimed.map((i) => i.key)).toEqual(['q1', 'q6']);
  expect(claimed[0]).toMatchObject({ status: 'sending', lockedBy: 'poster', lockedUntil: at(1000), leaseSeq: 1, attempts: 0, activity: card, reference });
  expect(await outbox.get('q6')).toMatchObject({ status: 'sending', lockedBy: 'poster', leaseSeq: 1 });
  // Another claimer gets the rest that is due (as across instances, c1's next one too), never the two claimed.
  const others = await outbox.claimBatch('other', at(1), 60_000, 10);
  expect(others.map((i) => i.key).sort()).toEqual(['q2', 'q3', 'q5', 'q7']);
  // The poster records its deliveries like any claimer.
  expect(await outbox.markSent('q1', 'poster', 'act-q1', at(10))).toBe(true);
  expect(await outbox.get('q1')).toMatchObject({ status: 'sent', sentActivityId: 'act-q1', attempts: 1, leaseSeq: 1 });
  // A key queued before is not new: neither queued nor claimed again.
  expect(await outbox.enqueueClaiming([items[0]], at(20), { owner: 'poster', leaseMs: 1000, max: 5, skip: new Set() })).toEqual({ queued: 0, claimed: [] });
});

test('enqueueClaiming: a queuer that died before delivering what it claimed delays those items by one lease, then another sender takes them over', async () => {
  const { claimed } = await outbox.enqueueClaiming([{ key: 'd1', conversationId: 'c1', activity: {} }], t0, { owner: 'died', leaseMs: 1000, max: 1, skip: new Set() });
  expect(claimed.map((i) => i.key)).toEqual(['d1']);
  expect(await claimOne(outbox, 'me', at(999), 1000)).toBeNull();
  expect(await claimOne(outbox, 'me', at(1000), 1000)).toMatchObject({ key: 'd1', lockedBy: 'me', leaseSeq: 2 });
  expect(await outbox.markSent('d1', 'died', 'late', at(1001))).toBe(false);
});

test('reschedule counts an attempt and keeps the error class; release does not count', async () => {
  await outbox.enqueue([{ key: 'k', conversationId: 'c', activity: {} }], t0);
  let item = await claimOne(outbox, 'me', t0, 1000);
  expect(await outbox.reschedule(item!._id, 'me', at(500), 'http 429')).toBe(true);
  expect(await claimOne(outbox, 'me', at(499), 1000)).toBeNull();
  item = await claimOne(outbox, 'me', at(500), 1000);
  expect(item).toMatchObject({ attempts: 1, lastError: 'http 429' });
  expect(await outbox.release(item!._id, 'me', at(700))).toBe(true);
  item = await claimOne(outbox, 'me', at(700), 1000);
  expect(item!.attempts).toBe(1);
  expect(await outbox.markFailed(item!._id, 'me', 'http 403', at(710))).toBe(true);
  const failed = await outbox.get('k');
  expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastError: 'http 403' });
  expect(failed!.lockedBy).toBeUndefined();
  expect(await outbox.counts()).toEqual({ pending: 0, sending: 0, sent: 0, failed: 1 });
});

test('an update item is claimable like any other (the sender makes it wait for its original)', async () => {
  await outbox.enqueue([{ key: 'filled:1', conversationId: 'c', op: 'update', updateOf: 'offer:1', activity: { text: 'filled' } }], t0);
  expect(await claimOne(outbox, 'me', t0, 1000)).toMatchObject({ key: 'filled:1', op: 'update', updateOf: 'offer:1' });
});

test('leases older than the retention are pruned; newer ones stay', async () => {
  await raw.outboxLeases.deleteMany({});
  await outbox.enqueue([{ key: 'a', conversationId: 'c', activity: {} }, { key: 'b', conversationId: 'c', activity: {} }], t0);
  await claimOne(outbox, 'me', t0, 1000);
  await claimOne(outbox, 'me', at(5000), 1000);
  expect(await outbox.pruneLeases(at(1))).toBe(1);
  expect(await raw.outboxLeases.countDocuments()).toBe(1);
});

test('an enqueue interrupted between the record and its queue entry is queued again by recoverUnqueued', async () => {
  await outbox.enqueue([{ key: 'half', conversationId: 'c', activity: { text: 'x' } }], t0);
  await raw.outboxDue.deleteMany({}); // the enqueuer died here
  expect(await claimOne(outbox, 'me', at(1), 1000)).toBeNull();
  expect(await outbox.enqueue([{ key: 'half', conversationId: 'c', activity: { text: 'x' } }], t0)).toBe(0); // a re-run does not see it as new
  expect(await outbox.recoverUnqueued(at(2))).toBe(1);
  expect(await outbox.recoverUnqueued(at(3))).toBe(0);
  expect(await claimOne(outbox, 'me', at(3), 1000)).toMatchObject({ key: 'half', activity: { text: 'x' } });
});

test('an outcome recorded just before a crash (its queue entry not yet removed) is not sent again', async () => {
  await outbox.enqueue([{ key: 'done2', conversationId: 'c', activity: {} }], t0);
  const item = await claimOne(outbox, 'dead', t0, 1000);
  // What markSent writes first, and then the process died before removing the entry:
  await raw.outboxOutcomes.insertOne({ _id: item!.key, status: 'sent', sentActivityId: 'a2', sentAt: at(1), attempts: 1, leaseSeq: 1, at: at(1) });
  expect(await claimOne(outbox, 'live', at(500), 1000)).toBeNull(); // the dead claim's lease still runs
  expect(await raw.outboxDue.countDocuments()).toBe(1);
  expect(await claimOne(outbox, 'live', at(1000), 1000)).toBeNull(); // taken over, found finished, dropped
  expect(await raw.outboxDue.countDocuments()).toBe(0);
  expect(await outbox.get('done2')).toMatchObject({ status: 'sent', sentActivityId: 'a2' });
  expect(await outbox.markSent(item!.key, 'dead', 'late', at(1001))).toBe(false);
});

test('across instances: a claim taken over after its lease ran out can no longer be recorded by its first holder', async () => {
  const there = new OutboxRepo(client.db(testDbName(__filename)));
  await outbox.enqueue([{ key: 'x', conversationId: 'c', activity: {} }, { key: 'y', conversationId: 'd', activity: {} }], t0);
  const mine = await outbox.claimBatch('here', t0, 1000, 2);
  expect(mine.map((i) => i.key).sort()).toEqual(['x', 'y']);
  expect(await claimOne(there, 'there', at(999), 1000)).toBeNull(); // both held
  // The first instance stalls past its lease; the other takes both over.
  const taken = await there.claimBatch('there', at(1000), 1000, 2);
  expect(taken.map((i) => [i.key, i.leaseSeq]).sort()).toEqual([['x', 2], ['y', 2]]);
  expect(await outbox.markSent('x', 'here', 'late', at(1001))).toBe(false);
  expect(await outbox.reschedule('y', 'here', at(2000), 'http 502')).toBe(false);
  expect(await there.markSent('x', 'there', 'act-x', at(1002))).toBe(true);
  expect(await there.markFailed('y', 'there', 'http 403', at(20))).toBe(true);
  expect(await outbox.get('x')).toMatchObject({ status: 'sent', sentActivityId: 'act-x', leaseSeq: 2 });
  expect(await outbox.get('y')).toMatchObject({ status: 'failed', lastError: 'http 403' });
  expect(await raw.outboxDue.countDocuments()).toBe(0);
});

test('items another instance is delivering are passed over without reading their leases, and taken over once those ran out', async () => {
  // With several instances the head of the queue is their deliveries in progress: a claim that
  // looked at each one's lease read 3.5 leases per delivered message in a fan-out by three.
  const monitored = await new MongoClient(testConfig(__filename).mongodbUri, { monitorCommands: true }).connect();
  try {
    const commands: string[] = [];
    monitored.on('commandStarted', (e) => commands.push(`${e.commandName} ${e.command[e.commandName]}`));
    const there = new OutboxRepo(monitored.db(testDbName(__filename)));
    await outbox.enqueue(Array.from({ length: 5 }, (_, i) => ({ key: `held${i}`, conversationId: `h${i}`, activity: {} })), t0);
    expect(await outbox.claimBatch('here', at(1), 60_000, 5)).toHaveLength(5);
    expect(await there.claimBatch('there', at(1000), 60_000, 5)).toEqual([]);
    expect(commands.filter((c) => c === 'find outboxLeases')).toEqual([]);
    // Remembered: the next claim does not even try their leases again, and finds what is new.
    await outbox.enqueue([{ key: 'new', conversationId: 'n', activity: {} }], at(2000));
    commands.length = 0;
    expect((await there.claimBatch('there', at(2000), 60_000, 5)).map((i) => i.key)).toEqual(['new']);
    expect(commands.filter((c) => c.endsWith('outboxLeases'))).toEqual(['insert outboxLeases']);
    expect(await raw.outboxLeases.countDocuments({ owner: 'there' })).toBe(1);
    // Once a lease could have run out (from half a lease after the item was due), it is looked
    // at: still held at 59 s, taken over after 60 s.
    expect(await there.claimBatch('there', at(59_000), 60_000, 5)).toEqual([]);
    expect(commands.filter((c) => c === 'find outboxLeases').length).toBeGreaterThanOrEqual(5);
    const taken = await there.claimBatch('there', at(60_002), 60_000, 5);
    expect(taken.map((i) => [i.key, i.leaseSeq]).sort()).toEqual(Array.from({ length: 5 }, (_, i) => [`held${i}`, 2]));
  } finally {
    await monitored.close();
  }
});

test('a long queue for a conversation left out is not searched whole on every claim; an item for another one is found at once', async () => {
  const monitored = await new MongoClient(testConfig(__filename).mongodbUri, { monitorCommands: true }).connect();
  try {
    let searches = 0;
    monitored.on('commandStarted', (e) => {
      if (e.commandName === 'find' && e.command.find === 'outboxDue' && Object.keys(e.command.filter ?? {}).length > 0) searches += 1;
    });
    const repo = new OutboxRepo(monitored.db(testDbName(__filename)));
    await repo.enqueue(Array.from({ length: 300 }, (_, i) => ({ key: `busy${i}`, conversationId: 'busy', activity: {} })), t0);
    expect(await repo.claimBatch('me', at(1), 1000, 10, ['busy'])).toEqual([]);
    expect(searches).toBe(1);
    for (let i = 0; i < 5; i++) expect(await repo.claimBatch('me', at(2 + i), 1000, 10, ['busy'])).toEqual([]);
    expect(searches).toBe(1);
    // The pause lasts 500 ms by the claimers' clock (not the machine's, which a busy test run slows).
    expect(await repo.claimBatch('me', at(500), 1000, 10, ['busy'])).toEqual([]);
    expect(searches).toBe(1);
    expect(await repo.claimBatch('me', at(501), 1000, 10, ['busy'])).toEqual([]);
    expect(searches).toBe(2);
    // Something for another conversation ends the pause.
    await repo.enqueue([{ key: 'quiet', conversationId: 'quiet', activity: {} }], t0);
    expect((await repo.claimBatch('me', at(510), 1000, 10, ['busy'])).map((i) => i.key)).toEqual(['quiet']);
    expect(searches).toBe(3);
    // And the busy conversation, no longer left out, is claimed again.
    expect((await repo.claimBatch('me', at(511), 1000, 10)).map((i) => i.key)).toEqual(['busy0']);
  } finally {
    await monitored.close();
  }
});

test('claimBatch takes one item per conversation, oldest first, and skips the conversations asked', async () => {
  await outbox.enqueue(['a', 'a', 'b', 'c', 'd'].map((c, i) => ({ key: `k${i}`, conversationId: c, activity: {}, notBefore: at(i) })), t0);
  const batch = await outbox.claimBatch('me', at(100), 1000, 10, ['d']);
  expect(batch.map((i) => i.key).sort()).toEqual(['k0', 'k2', 'k3']);
  expect((await outbox.claimBatch('me', at(100), 1000, 10)).map((i) => i.key).sort()).toEqual(['k1', 'k4']);
});

test('clean-up: delivered records after 30 days, activities a day after their item finished, never a queued one', async () => {
  await outbox.enqueue([{ key: 'old', conversationId: 'c1', activity: { text: 'personal' } }, { key: 'waiting', conversationId: 'c2', activity: {}, notBefore: at(10 * 86_400_000) }], t0);
  const item = await claimOne(outbox, 'me', t0, 1000);
  await outbox.markSent(item!.key, 'me', 'a1', t0);
  expect(await outbox.removeSentBefore(at(-1), at(3_600_000))).toBe(0); // an hour later: all kept
  expect(await raw.outbox.countDocuments({ activity: { $exists: true } })).toBe(2);
  expect(await outbox.removeSentBefore(at(-1), at(2 * 86_400_000))).toBe(0);
  expect((await raw.outbox.find({ activity: { $exists: true } }).toArray()).map((b) => b._id)).toEqual(['waiting']);
  expect(await outbox.removeSentBefore(at(1), at(31 * 86_400_000))).toBe(1);
  expect(await outbox.get('old')).toBeNull();
  expect(await outbox.get('waiting')).toMatchObject({ status: 'pending' });
});

test('deliveries recorded at the same moment are recorded together, each only by its own claimer', async () => {
  await outbox.enqueue(Array.from({ length: 12 }, (_, i) => ({ key: `g${i}`, conversationId: `c${i}`, activity: { text: `${i}` } })), t0);
  const mine = await outbox.claimBatch('me', at(1), 60_000, 10);
  const theirs = await outbox.claimBatch('them', at(1), 60_000, 10);
  expect(mine).toHaveLength(10);
  expect(theirs).toHaveLength(2);
  // All at once, plus two with the wrong owner (a lease lost meanwhile): those change nothing.
  const results = await Promise.all([
    ...mine.map((item, n) => outbox.markSent(item.key, 'me', `act-${n}`, at(2))),
    ...theirs.map((item) => outbox.markSent(item.key, 'me', 'stolen', at(2))),
  ]);
  expect(results).toEqual([...mine.map(() => true), false, false]);
  for (const [n, item] of mine.entries()) expect(await outbox.get(item.key)).toMatchObject({ status: 'sent', sentActivityId: `act-${n}`, attempts: 1 });
  for (const item of theirs) expect(await outbox.get(item.key)).toMatchObject({ status: 'sending', lockedBy: 'them' });
  expect((await raw.outboxDue.find().toArray()).map((d) => d._id).sort()).toEqual(theirs.map((i) => i.key).sort());
});

test('batch claims racing for the same items: every item has exactly one owner', async () => {
  await outbox.enqueue(Array.from({ length: 40 }, (_, i) => ({ key: `r${i}`, conversationId: `c${i}`, activity: {} })), t0);
  const batches = await Promise.all(Array.from({ length: 6 }, (_, i) => outbox.claimBatch(`s${i}`, at(1), 60_000, 40)));
  const owners = new Map<string, string[]>();
  batches.forEach((batch, i) => batch.forEach((item) => owners.set(item.key, [...(owners.get(item.key) ?? []), `s${i}`])));
  expect([...owners.values()].every((o) => o.length === 1)).toBe(true);
  // Whoever holds an item by lease is the one the queue entry names.
  for (const [key, [owner]] of owners) expect((await outbox.get(key))!.lockedBy).toBe(owner);
});

test('an entry queued again from a stale read (the record finished meanwhile) is not sent again', async () => {
  // recoverUnqueued reads the pending records, then the queue: a sender may record the item as
  // sent and remove its entry in between, and the item is queued again. What it then writes:
  await outbox.enqueue([{ key: 'raced', conversationId: 'c', activity: {} }], t0);
  const item = await claimOne(outbox, 'a', t0, 1000);
  expect(await outbox.markSent(item!.key, 'a', 'act-1', at(1))).toBe(true);
  await raw.outboxDue.insertOne({ _id: 'raced', conversationId: 'c', op: 'send', attempts: 0, at: at(2), leaseSeq: 0, recovered: true, createdAt: t0 });
  // (its first lease number is taken, so it is claimable once that lease has run out)
  expect(await claimOne(outbox, 'b', at(5000), 1000)).toBeNull();
  expect(await raw.outboxDue.countDocuments()).toBe(0);
  expect(await outbox.get('raced')).toMatchObject({ status: 'sent', sentActivityId: 'act-1' });
});

/** The commands `run` sends through a connection of its own, as "<command> <collection>" with how many times. */
async function commandsOf(run: (repo: OutboxRepo) => Promise<unknown>): Promise<Record<string, number>> {
  const monitored = await new MongoClient(testConfig(__filename).mongodbUri, { monitorCommands: true }).connect();
  try {
    const repo = new OutboxRepo(monitored.db(testDbName(__filename)));
    const sent: Record<string, number> = {};
    monitored.on('commandStarted', (e) => {
      const name = `${e.commandName} ${String(e.command[e.commandName])}`;
      sent[name] = (sent[name] ?? 0) + 1;
    });
    await run(repo);
    return { ...sent }; // (closing the connection sends a command of its own)
  } finally {
    await monitored.close();
  }
}

test('an enqueue is two inserts (the record with its activity, then the due entry), however many items; a claimed batch reads one record per item', async () => {
  expect(await commandsOf((repo) => repo.enqueue([{ key: 'one', conversationId: 'c1', activity: card }], t0))).toEqual({ 'insert outbox': 1, 'insert outboxDue': 1 });
  expect(await commandsOf((repo) => repo.enqueue(['a', 'b', 'c'].map((c) => ({ key: `three:${c}`, conversationId: c, activity: { text: c } })), t0))).toEqual({ 'insert outbox': 1, 'insert outboxDue': 1 });
  // A key enqueued before: its record insert is the duplicate, and nothing is queued.
  expect(await commandsOf((repo) => repo.enqueue([{ key: 'one', conversationId: 'c1', activity: card }], t0))).toEqual({ 'insert outbox': 1 });
  expect((await raw.outbox.findOne({ _id: 'one' }))!.activity).toBe(JSON.stringify(card));
  let claimed: string[] = [];
  const sent = await commandsOf(async (repo) => {
    claimed = (await repo.claimBatch('me', t0, 1000, 10)).map((i) => JSON.stringify(i.activity)).sort();
  });
  expect(claimed).toEqual([JSON.stringify(card), ...['a', 'b', 'c'].map((c) => JSON.stringify({ text: c }))].sort());
  expect(sent['find outbox']).toBe(4);
  expect(sent['find outboxBodies']).toBeUndefined();
  // Queued and claimed in one step: the leases go beside the entries, and nothing is read back.
  const posted = await commandsOf((repo) => repo.enqueueClaiming(['d', 'e'].map((c) => ({ key: `posted:${c}`, conversationId: c, activity: { text: c } })), t0, { owner: 'me', leaseMs: 1000, max: 10, skip: new Set() }));
  expect(posted).toEqual({ 'insert outbox': 1, 'insert outboxDue': 1, 'insert outboxLeases': 1 });
});

test('recording a delivery: a claim with TAKEOVER_MARGIN_MS of its lease left reads whether it is still queued, not the next lease; one nearer its end also reads the next lease and sees a takeover', async () => {
  const lease = TAKEOVER_MARGIN_MS * 2;
  await outbox.enqueue([{ key: 'young', conversationId: 'c1', activity: {} }, { key: 'old', conversationId: 'c2', activity: {} }], t0);
  const young = await commandsOf(async (repo) => {
    expect((await claimOne(repo, 'me', t0, lease, ['c2']))?.key).toBe('young');
    expect(await repo.markSent('young', 'me', 'act-1', at(lease - TAKEOVER_MARGIN_MS))).toBe(true);
  });
  expect(young['find outboxLeases']).toBeUndefined();
  expect(await outbox.get('young')).toMatchObject({ status: 'sent', sentActivityId: 'act-1' });
  // The holder's clock says its lease has under TAKEOVER_MARGIN_MS left; another instance's
  // (ahead of it) says the lease ran out and takes the item over.
  const there = new OutboxRepo(client.db(testDbName(__filename)));
  const old = await commandsOf(async (repo) => {
    expect((await claimOne(repo, 'me', t0, lease))?.key).toBe('old');
    expect((await claimOne(there, 'there', at(lease), lease))?.leaseSeq).toBe(2);
    expect(await repo.markSent('old', 'me', 'late', at(lease - TAKEOVER_MARGIN_MS + 1))).toBe(false);
  });
  expect(old['find outboxLeases']).toBe(1);
  expect(await there.markSent('old', 'there', 'act-2', at(lease + 1))).toBe(true);
  expect(await outbox.get('old')).toMatchObject({ status: 'sent', sentActivityId: 'act-2', leaseSeq: 2 });
});

test('an erasure between a delivery\'s claim check and its outcome leaves no outcome behind (the key names the person)', async () => {
  const there = new OutboxRepo(client.db(testDbName(__filename)));
  await outbox.enqueue([{ key: 'erased:aad-1', conversationId: 'c1', activity: {} }, { key: 'erased:aad-2', conversationId: 'c2', activity: {} }], t0);
  const claimed = await outbox.claimBatch('me', t0, 60_000, 2);
  expect(claimed).toHaveLength(2);
  // Another instance erases both items just after this one checked its claims, before it writes their outcomes.
  const outcomes = (outbox as unknown as { outcomes: { insertMany: (...a: unknown[]) => Promise<unknown> } }).outcomes;
  const insertMany = outcomes.insertMany.bind(outcomes);
  outcomes.insertMany = async (...args: unknown[]) => {
    await there.eraseItemsOf(['aad-1', 'aad-2'], []);
    return insertMany(...args);
  };
  try {
    await Promise.all([outbox.markSent('erased:aad-1', 'me', 'act-1', at(10)), outbox.markFailed('erased:aad-2', 'me', 'http 403', at(10))]);
  } finally {
    outcomes.insertMany = insertMany;
  }
  for (const col of [raw.outbox, raw.outboxOutcomes, raw.outboxDue]) expect(await col.countDocuments({ _id: /^erased:/ })).toBe(0);
});

test('clean-up: a finished item\'s activity is removed from its record a day after enqueueing, a waiting one\'s is kept, and the record stays', async () => {
  await outbox.enqueue([
    { key: 'sent', conversationId: 'c1', activity: { text: 'Eero, 040 123 4567' } },
    { key: 'failed', conversationId: 'c2', activity: { text: 'Liisa' } },
    { key: 'waiting', conversationId: 'c3', activity: { text: 'Ville' }, notBefore: at(10 * 86_400_000) },
  ], t0);
  for (const item of await outbox.claimBatch('me', t0, 1000, 10)) {
    if (item.key === 'sent') await outbox.markSent(item.key, 'me', 'a1', t0);
    else await outbox.markFailed(item.key, 'me', 'http 403', at(10));
  }
  // Enqueued later, within the day: kept although finished.
  await outbox.enqueue([{ key: 'recent', conversationId: 'c4', activity: { text: 'Aino' } }], at(23 * 3_600_000));
  const recent = await claimOne(outbox, 'me', at(23 * 3_600_000), 1000);
  await outbox.markSent(recent!.key, 'me', 'a2', at(23 * 3_600_000));
  const withActivity = async () => (await raw.outbox.find({ activity: { $exists: true } }).toArray()).map((r) => r._id).sort();
  expect(await outbox.removeSentBefore(at(-1), at(3_600_000))).toBe(0);
  expect(await withActivity()).toEqual(['failed', 'recent', 'sent', 'waiting']);
  expect(await outbox.removeSentBefore(at(-1), at(86_400_000 + 1))).toBe(0);
  expect(await withActivity()).toEqual(['recent', 'waiting']);
  expect((await raw.outbox.find().toArray()).map((r) => r._id).sort()).toEqual(['failed', 'recent', 'sent', 'waiting']);
  expect(await outbox.get('sent')).toMatchObject({ status: 'sent', sentActivityId: 'a1', activity: {} });
  expect(await outbox.get('failed')).toMatchObject({ status: 'failed', activity: {} });
  expect(await outbox.get('waiting')).toMatchObject({ status: 'pending', activity: { text: 'Ville' } });
  expect(await claimOne(outbox, 'me', at(10 * 86_400_000), 1000)).toMatchObject({ key: 'waiting', activity: { text: 'Ville' } });
});

test('a reference queued with an item comes with its claim (the sender reads no chat) and goes with its activity', async () => {
  const reference = { bot: { id: '28:bot' }, channelId: 'msteams', serviceUrl: 'https://smba.example/emea/', conversation: { id: 'a:1chat', conversationType: 'personal' }, user: { id: '29:u', aadObjectId: 'u' } };
  await outbox.enqueue([{ key: 'with', conversationId: 'a:1chat', activity: { text: 'x' }, reference }, { key: 'without', conversationId: 'a:2chat', activity: { text: 'y' } }], t0);
  const claimed = await outbox.claimBatch('me', t0, 1000, 10);
  expect(claimed.find((i) => i.key === 'with')!.reference).toEqual(reference);
  expect(claimed.find((i) => i.key === 'without')!.reference).toBeUndefined();
  for (const item of claimed) await outbox.markSent(item.key, 'me', `a-${item.key}`, t0);
  expect(await outbox.removeSentBefore(at(-1), at(86_400_000 + 1))).toBe(0);
  expect(await raw.outbox.countDocuments({ reference: { $exists: true } })).toBe(0);
  expect(await raw.outbox.countDocuments({ activity: { $exists: true } })).toBe(0);
});

test('clean-up keeps the activity of a record that was never queued (the enqueuer died): recovery still sends it', async () => {
  await outbox.enqueue([{ key: 'half', conversationId: 'c', activity: { text: 'x' } }], t0);
  await raw.outboxDue.deleteMany({}); // the enqueuer died here
  await outbox.removeSentBefore(at(-1), at(2 * 86_400_000));
  expect(await outbox.recoverUnqueued(at(2 * 86_400_000))).toBe(1);
  expect(await claimOne(outbox, 'me', at(2 * 86_400_000), 1000)).toMatchObject({ key: 'half', activity: { text: 'x' } });
});

/** What the enqueue before this version wrote: the record without its activity, the activity in `outboxBodies`, the due entry. */
async function enqueuedBeforeUpgrade(key: string, conversationId: string, activity: object, createdAt: Date): Promise<void> {
  await raw.outboxBodies.insertOne({ _id: key, activity: JSON.stringify(activity), createdAt });
  await raw.outbox.insertOne({ _id: key, key, conversationId, op: 'send', createdAt });
  await raw.outboxDue.insertOne({ _id: key, conversationId, op: 'send', attempts: 0, at: createdAt, leaseSeq: 0, createdAt });
}

test('upgrade: an item whose activity is only in outboxBodies is claimed with it (one extra read, for it alone), and its old body is cleaned up as before', async () => {
  await enqueuedBeforeUpgrade('old', 'c1', card, t0);
  await outbox.enqueue([{ key: 'new', conversationId: 'c2', activity: { text: 'new' } }], t0);
  expect(await outbox.get('old')).toMatchObject({ status: 'pending', activity: card });
  let claimed: Record<string, unknown> = {};
  const sent = await commandsOf(async (repo) => {
    const batch = await repo.claimBatch('me', t0, 1000, 10);
    claimed = Object.fromEntries(batch.map((i) => [i.key, i.activity]));
    for (const item of batch) expect(await repo.markSent(item.key, 'me', `a-${item.key}`, t0)).toBe(true);
  });
  expect(claimed).toEqual({ old: card, new: { text: 'new' } });
  // The claim's reads (recording the deliveries reads neither collection).
  expect(sent['find outbox']).toBe(2);
  expect(sent['find outboxBodies']).toBe(1);
  expect(await outbox.removeSentBefore(at(-1), at(3_600_000))).toBe(0);
  expect(await raw.outboxBodies.countDocuments()).toBe(1);
  expect(await outbox.removeSentBefore(at(-1), at(2 * 86_400_000))).toBe(0);
  expect(await raw.outboxBodies.countDocuments()).toBe(0);
  expect(await raw.outbox.countDocuments({ activity: { $exists: true } })).toBe(0);
});

test('upgrade: a waiting item re-rendered after an erasure is sent with the new activity, not its old body', async () => {
  await enqueuedBeforeUpgrade('old', 'c1', { text: 'Anna, 040 555 0101' }, t0);
  expect(await outbox.replaceWaitingBody('old', { text: 'without Anna' })).toBe(true);
  expect(await claimOne(outbox, 'me', t0, 1000)).toMatchObject({ key: 'old', activity: { text: 'without Anna' } });
});

test('erasure: the items of a person go with their activities (in the record or an old body); finished items\' activities are dropped at once, waiting ones\' kept', async () => {
  await outbox.enqueue([
    { key: 'offer:T-1:anna', conversationId: 'c-other', activity: { text: 'offer' } },
    { key: 'notice:1', conversationId: 'chat-anna', activity: { text: 'notice' } },
    { key: 'digest:1', conversationId: 'channel', activity: { text: 'Anna in a digest' } },
    { key: 'reminder:1', conversationId: 'channel', activity: { text: 'waiting' }, notBefore: at(86_400_000) },
  ], t0);
  await enqueuedBeforeUpgrade('erasure:anna', 'c-old', { text: 'old' }, t0);
  await enqueuedBeforeUpgrade('digest:0', 'channel-2', { text: 'Anna in an old digest' }, t0);
  for (const item of await outbox.claimBatch('me', t0, 1000, 10)) if (item.key.startsWith('digest:')) await outbox.markSent(item.key, 'me', 'a', t0);
  expect(await outbox.eraseItemsOf(['anna', 'chat-anna'], ['chat-anna'])).toBe(3);
  expect((await raw.outbox.find().toArray()).map((r) => r._id).sort()).toEqual(['digest:0', 'digest:1', 'reminder:1']);
  expect((await raw.outboxBodies.find().toArray()).map((r) => r._id)).toEqual(['digest:0']);
  expect(await outbox.dropFinishedBodies()).toBe(2);
  expect((await raw.outbox.find({ activity: { $exists: true } }).toArray()).map((r) => r._id)).toEqual(['reminder:1']);
  expect(await raw.outboxBodies.countDocuments()).toBe(0);
  expect(await outbox.get('digest:1')).toMatchObject({ status: 'sent', activity: {} });
  expect(await outbox.get('reminder:1')).toMatchObject({ status: 'pending', activity: { text: 'waiting' } });
});
