import { parseConfig } from '../../src/config';
import { AssignmentRepo, RECENT_COUNTS_REUSE_MS } from '../../src/store/assignments';
import { ChannelRepo } from '../../src/store/channels';
import { ConversationRepo } from '../../src/store/conversations';
import { EarningsGuardRepo } from '../../src/store/earningsGuards';
import { ExpertRepo } from '../../src/store/experts';
import { openDatabase, Database } from '../../src/store/db';
import { testConfig } from '../support/harness';

// The benchmarks' database command counts (BENCH_STATS=1, docs/performance.md): counted by the
// driver's command monitoring, exact per command and collection, and off unless asked for.
let counted: Database;
let plain: Database;

beforeAll(() => {
  const config = testConfig(__filename);
  counted = openDatabase(config.mongodbUri, config.mongodbDb, { countCommands: true });
  plain = openDatabase(config.mongodbUri, config.mongodbDb);
});

afterAll(async () => {
  await counted.db.dropDatabase().catch(() => undefined);
  await Promise.all([counted.close(), plain.close()]);
});

test('counts each command by name and collection', async () => {
  const before = counted.commandCounts() ?? {};
  await counted.db.collection('things').insertOne({ _id: 'a' } as never);
  await counted.db.collection('things').findOne({ _id: 'a' } as never);
  await counted.db.collection('things').findOne({ _id: 'b' } as never);
  const after = counted.commandCounts() ?? {};
  expect((after['insert things'] ?? 0) - (before['insert things'] ?? 0)).toBe(1);
  expect((after['find things'] ?? 0) - (before['find things'] ?? 0)).toBe(2);
});

test('is off unless asked for (production)', async () => {
  await plain.db.collection('things').findOne({});
  expect(plain.commandCounts()).toBeNull();
  expect(plain.client.options.monitorCommands).toBe(false);
});

test('BENCH_STATS=1 switches it on; the default is off', () => {
  const base = { MONGODB_URI: 'mongodb://127.0.0.1:1/' };
  const on = parseConfig({ ...base, BENCH_STATS: '1' });
  const off = parseConfig(base);
  expect(on.ok && on.config.benchStats).toBe(true);
  expect(off.ok && off.config.benchStats).toBe(false);
});

describe('reads shared or reused to save commands (docs/performance.md)', () => {
  const count = (before: Record<string, number>, key: string) => (counted.commandCounts()?.[key] ?? 0) - (before[key] ?? 0);

  test('concurrent reads of the coordinators\' channel are one command; a change is seen by every read after it', async () => {
    const channels = new ChannelRepo(counted.db);
    const at = new Date('2026-12-01T10:00:00Z');
    await channels.setCoordinatorsChannel({ conversationId: '19:a@thread.tacv2', teamId: 't' }, 'x', at, 'fi');
    const before = { ...counted.commandCounts() };
    const read = await Promise.all(Array.from({ length: 10 }, () => channels.coordinatorsChannel()));
    expect(count(before, 'find settings')).toBe(1);
    expect(read.every((c) => c?.conversationId === '19:a@thread.tacv2')).toBe(true);
    // Each caller gets its own copy.
    read[0]!.conversationId = 'changed';
    expect(read[1]!.conversationId).toBe('19:a@thread.tacv2');
    // Nothing is kept after the read: a change made elsewhere (another instance) is seen at once.
    await counted.db.collection('settings').updateOne({ _id: 'coordinatorsChannel' } as never, { $set: { 'value.conversationId': '19:b@thread.tacv2' } });
    expect((await channels.coordinatorsChannel())?.conversationId).toBe('19:b@thread.tacv2');
    // A change made here while a read is in flight: callers after it see the change.
    const inFlight = channels.coordinatorsChannel();
    await channels.setCoordinatorsChannel({ conversationId: '19:c@thread.tacv2', teamId: 't' }, 'x', at, 'fi');
    expect((await channels.coordinatorsChannel())?.conversationId).toBe('19:c@thread.tacv2');
    await inFlight;
  });

  test('recent-assignment counts are reused briefly, and dropped when a seat is taken here', async () => {
    const assignments = new AssignmentRepo(counted.db);
    const now = new Date('2026-12-01T10:00:00Z');
    const since = (ms: number) => new Date(now.getTime() + ms - 90 * 86_400_000);
    const order = (id: string) => ({ _id: id, seats: 1, startsAt: new Date('2026-12-05T10:00:00Z'), endsAt: new Date('2026-12-05T11:00:00Z') });
    await assignments.claimSeat(order('T-2026-0001'), 'e1', now);
    const before = { ...counted.commandCounts() };
    expect((await assignments.countsSince(since(0))).get('e1')).toBe(1);
    const again = await assignments.countsSince(since(RECENT_COUNTS_REUSE_MS - 1));
    expect(count(before, 'aggregate assignments')).toBe(1);
    // Callers cannot change each other's counts.
    again.set('e1', 99);
    expect((await assignments.countsSince(since(1000))).get('e1')).toBe(1);
    expect(count(before, 'aggregate assignments')).toBe(1);
    // A seat taken through this process is counted at once.
    await assignments.claimSeat(order('T-2026-0002'), 'e1', now);
    expect((await assignments.countsSince(since(2000))).get('e1')).toBe(2);
    expect(count(before, 'aggregate assignments')).toBe(2);
    // Older than the reuse time: read again (a change by another instance is counted by then).
    await counted.db.collection('assignments').insertOne({ ...order('T-2026-0003'), _id: 'T-2026-0003#1', orderId: 'T-2026-0003', expertId: 'e1', seat: 1, status: 'accepted', createdAt: now, updatedAt: now } as never);
    expect((await assignments.countsSince(since(2000 + RECENT_COUNTS_REUSE_MS))).get('e1')).toBe(3);
    expect(count(before, 'aggregate assignments')).toBe(3);
  });

  test('concurrent reads of who is paused at their earnings limit are one command; a guard saved or erased before a call is seen by it', async () => {
    const guards = new EarningsGuardRepo(counted.db);
    const at = new Date('2026-12-01T10:00:00Z');
    const pausing = { limitCents: 50_000, per: 'month' as const, pauseAtLimit: true, volunteerMonths: [] };
    await guards.save('g1', pausing, at);
    const before = { ...counted.commandCounts() };
    const [x, y] = await Promise.all([guards.pausingAtLimit(), guards.pausingAtLimit()]);
    expect(count(before, 'find earningsGuards')).toBe(1);
    expect(x.map((g) => g._id)).toEqual(['g1']);
    // Each caller gets its own copy.
    x[0].limitCents = 1;
    expect(y[0].limitCents).toBe(50_000);
    // Nothing is kept after the read: a guard written elsewhere (another instance) is seen by the next read.
    await counted.db.collection('earningsGuards').insertOne({ _id: 'g2', ...pausing, updatedAt: at } as never);
    expect((await guards.pausingAtLimit()).map((g) => g._id).sort()).toEqual(['g1', 'g2']);
    expect(count(before, 'find earningsGuards')).toBe(2);
    // A guard saved here while a read is in flight: a call after the save sees it (the read in flight may not).
    const inFlight = guards.pausingAtLimit();
    await guards.save('g3', pausing, at);
    expect((await guards.pausingAtLimit()).map((g) => g._id).sort()).toEqual(['g1', 'g2', 'g3']);
    // Erased the same way.
    const inFlight2 = guards.pausingAtLimit();
    await guards.eraseExpert('g1');
    expect((await guards.pausingAtLimit()).map((g) => g._id).sort()).toEqual(['g2', 'g3']);
    await Promise.all([inFlight, inFlight2]);
  });

  test('a ranking reads every available expert in one reply; every chat comes in replies of at most 250', async () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const n = 600;
    await counted.db.collection('experts').insertMany(Array.from({ length: n }, (_, i) => ({
      _id: `e${i}`, aadObjectId: `e${i}`, displayName: `Asiantuntija ${i}`, themes: [], taskTypes: [], municipalities: [], remoteOk: true,
      languages: ['fi'], description: '', feePreference: 'fee', status: 'active', paused: false, createdAt: at, updatedAt: at,
    })) as never[]);
    await counted.db.collection('conversations').insertMany(Array.from({ length: n }, (_, i) => ({
      _id: `a:${i}`, scope: 'personal', tenantId: 't', userAadObjectId: `e${i}`, reference: { conversation: { id: `a:${i}` } }, createdAt: at, updatedAt: at,
    })) as never[]);

    let before = { ...counted.commandCounts() };
    expect(await new ExpertRepo(counted.db).available()).toHaveLength(n);
    expect(count(before, 'find experts')).toBe(1);
    expect(count(before, 'getMore')).toBe(0);

    // Decoded a piece at a time, so the event loop is free in between for requests held for their time.
    const replies: number[] = [];
    const listen = (e: { reply?: { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } } }) => {
      const batch = e.reply?.cursor?.firstBatch ?? e.reply?.cursor?.nextBatch;
      if (batch) replies.push(batch.length);
    };
    counted.client.on('commandSucceeded', listen);
    before = { ...counted.commandCounts() };
    try {
      expect((await new ConversationRepo(counted.db).personalOfEveryone()).size).toBe(n);
    } finally {
      counted.client.off('commandSucceeded', listen);
    }
    expect(count(before, 'find conversations')).toBe(1);
    expect(Math.max(...replies)).toBeLessThanOrEqual(250);
    expect(replies.reduce((a, b) => a + b, 0)).toBe(n);
  });
});
