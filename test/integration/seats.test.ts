import { randomUUID } from 'node:crypto';
import { CommandStartedEvent, MongoClient } from 'mongodb';
import { AssignmentRepo } from '../../src/store/assignments';
import { testConfig, testDbName } from '../support/harness';
import { collectionsOf } from '../support/db';

// Seats against the real local database: a burst of accepts asks the database once per seat
// and process, and a seat freed through this process is free at once.
let client: MongoClient;
let other: MongoClient;
let inserts = 0;

beforeAll(async () => {
  const uri = testConfig(__filename).mongodbUri;
  client = new MongoClient(uri, { monitorCommands: true });
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'insert' && e.command.insert === 'assignments') inserts += 1;
  });
  other = new MongoClient(uri);
  await client.db(testDbName(__filename)).dropDatabase();
  await new AssignmentRepo(client.db(testDbName(__filename))).ensureIndexes();
});
afterAll(async () => {
  await client.close();
  await other.close();
});

/** The seats as stored, read through the driver. */
const assignments = () => collectionsOf(client.db(testDbName(__filename))).assignments;
const order = (seats = 1) => ({ _id: `T-2026-${Math.floor(Math.random() * 9000) + 1000}`, seats, startsAt: new Date(Date.now() + 86_400_000), endsAt: new Date(Date.now() + 90_000_000) });

test('30 accepts at once on a one-seat order: one winner, 29 told it is full, one seat insert', async () => {
  const repo = new AssignmentRepo(client.db(testDbName(__filename)));
  const o = order();
  inserts = 0;
  const now = new Date();
  const claims = await Promise.all(Array.from({ length: 30 }, () => repo.claimSeat(o, randomUUID(), now)));
  expect(claims.filter((c) => c.kind === 'won')).toHaveLength(1);
  expect(claims.filter((c) => c.kind === 'full')).toHaveLength(29);
  expect(inserts).toBe(1);
  expect(await assignments().countDocuments({ orderId: o._id })).toBe(1);
  // The winner clicking again is told the seat is theirs.
  const winner = claims.find((c) => c.kind === 'won')!;
  if (winner.kind !== 'won') throw new Error('no winner');
  expect((await repo.claimSeat(o, winner.assignment.expertId, now)).kind).toBe('already');
});

test('a seat withdrawn through this process can be taken again at once', async () => {
  const repo = new AssignmentRepo(client.db(testDbName(__filename)));
  const o = order();
  const [first, second] = [randomUUID(), randomUUID()];
  expect((await repo.claimSeat(o, first, new Date())).kind).toBe('won');
  expect((await repo.claimSeat(o, second, new Date())).kind).toBe('full');
  expect(await repo.withdraw(o._id, first, new Date())).toMatchObject({ first: true });
  expect((await repo.claimSeat(o, second, new Date())).kind).toBe('won');
});

test('another instance sees a seat its neighbour freed within the memo time, and never gives one seat twice', async () => {
  const here = new AssignmentRepo(client.db(testDbName(__filename)));
  const there = new AssignmentRepo(other.db(testDbName(__filename)));
  const o = order(2);
  const experts = Array.from({ length: 20 }, () => randomUUID());
  // The clicks' clock: the memo is dated by it, so the test sets the time instead of waiting.
  const t = new Date();
  const later = (ms: number) => new Date(t.getTime() + ms);
  // Both instances at once, ten clicks each: two seats, two winners, across the instances.
  const claims = await Promise.all(experts.map((e, i) => (i % 2 ? here : there).claimSeat(o, e, t)));
  expect(claims.filter((c) => c.kind === 'won')).toHaveLength(2);
  expect(await assignments().countDocuments({ orderId: o._id })).toBe(2);
  const winners = claims.flatMap((c) => (c.kind === 'won' ? [c.assignment] : []));
  // One winner withdraws on 'there'; 'here' saw both seats taken: within the memo time it still
  // answers "full" without asking the database, and once the memo time is over it finds the free seat.
  await there.withdraw(o._id, winners[0].expertId, later(10));
  const late = randomUUID();
  inserts = 0;
  expect((await here.claimSeat(o, late, later(1999))).kind).toBe('full');
  expect(inserts).toBe(0);
  expect((await here.claimSeat(o, late, later(2000))).kind).toBe('won');
  expect(await assignments().countDocuments({ orderId: o._id })).toBe(2);
});
