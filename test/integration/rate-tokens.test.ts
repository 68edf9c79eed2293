import { MongoClient } from 'mongodb';
import { RateTokenBlock, RateTokenRepo, TokenGrid, gridSizes } from '../../src/store/rateTokens';
import { CLAIM_SLOTS, RateToken, SharedAppBudget, TEAMS_APP_GRID } from '../../src/messaging/appBudget';
import { createLogger } from '../../src/log';
import { testDbName } from '../support/harness';
import { collectionsOf } from '../support/db';

// The app-wide rate budget shared by the instances (src/store/rateTokens.ts), on the real local
// database: several claimers at once, as several processes would be (each repository object
// keeps its own view, like a process does). The clock is given, so nothing sleeps.

const dbName = testDbName(__filename);
let client: MongoClient;
const GRID: TokenGrid = TEAMS_APP_GRID;
const { periodMs, slotMs, tokensPerBlock } = gridSizes(GRID);

beforeAll(async () => {
  client = new MongoClient(process.env.TEST_MONGODB_URI!);
});

afterAll(async () => {
  await client.close();
});

/** A test's database of its own (repositories of several instances share it). */
const dbOf = (name: string) => client.db(`${dbName}_${name}`.slice(0, 63));
/** The blocks as stored, read through the driver. */
const storedBlocks = (name: string) => collectionsOf(dbOf(name)).rateTokens;

async function freshRepos(n: number, name: string): Promise<RateTokenRepo[]> {
  const db = dbOf(name);
  await db.dropDatabase();
  const repos = Array.from({ length: n }, () => new RateTokenRepo(db));
  await repos[0].ensureIndexes();
  return repos;
}

/** Most requests in any `windowMs` (Teams counts (now - windowMs, now]) among these times. */
function worstWindow(times: number[], windowMs: number): number {
  const s = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i] - s[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

test('the grid: slots of one lane are a window plus the use time and the wire apart; a period holds the limit', () => {
  expect(periodMs).toBe(GRID.windowMs + GRID.useMs + GRID.wireMs);
  expect(slotMs * GRID.slotsPerPeriod).toBe(periodMs);
  expect(tokensPerBlock * GRID.blocksPerSlot * GRID.slotsPerPeriod).toBe(GRID.limit);
  expect(() => gridSizes({ ...GRID, blocksPerSlot: 4 })).toThrow(/divide/); // 5 tokens in 4 blocks
  expect(() => gridSizes({ ...GRID, slotsPerPeriod: 3 })).toThrow(/divide/); // 50 in 3 slots
});

test('three claimers at once for 9 s: each block won once, every claimer told what it won, and no second over the limit however each request starts in its block and reaches Teams', async () => {
  const repos = await freshRepos(3, 'three');
  const t0 = Date.parse('2026-12-04T10:00:00.003Z');
  let now = t0;
  const won: RateTokenBlock[][] = [[], [], []];
  // Each claimer wants more than the whole budget, every 100 ms, as three busy senders would
  // (for 9 s: blocks are pruned 10 s after their time).
  for (let round = 0; round < 90; round++) {
    const claims = await Promise.all(repos.map((r, k) => r.claim(`instance-${k}`, now, GRID.blocksPerSlot, periodMs, GRID)));
    claims.forEach((c, k) => won[k].push(...c.blocks));
    now += 100;
  }
  const stored = await storedBlocks('three').find({}).toArray();
  const all = won.flat();
  expect(all).toHaveLength(stored.length); // what each was told it won is what is stored: no block twice
  expect(new Set(stored.map((b) => b.owner)).size).toBe(3); // shared, not taken by one
  expect(stored.every((b) => b.tokens === tokensPerBlock)).toBe(true);
  // Every block of every slot in those 9 s was handed out (the budget is not wasted by the claims).
  const slots = new Set(stored.map((b) => b._id.split('.')[0]));
  expect(slots.size).toBeGreaterThanOrEqual(Math.floor((now - t0) / slotMs) - 1);
  expect(stored.length).toBe(slots.size * GRID.blocksPerSlot);
  // The worst the instances can do: every request as late as its block allows and reaching
  // Teams a wire later, or as early as allowed; or each block's requests split between the two.
  const late = all.flatMap((b) => Array(b.tokens).fill(b.until + GRID.wireMs) as number[]);
  const early = all.flatMap((b) => Array(b.tokens).fill(b.at) as number[]);
  const split = all.flatMap((b, n) => Array.from({ length: b.tokens }, (_, i) => ((n + i) % 2 === 0 ? b.at : b.until + GRID.wireMs)));
  for (const times of [late, early, split]) expect(worstWindow(times, GRID.windowMs)).toBeLessThanOrEqual(GRID.limit);
  // ... and the budget is the limit's: 47 a second.
  expect(all.reduce((n, b) => n + b.tokens, 0)).toBeGreaterThanOrEqual(Math.floor(((now - t0) / periodMs) * GRID.limit) - GRID.limit);
});

test('a claimer takes the earliest free blocks up to a period ahead, then says when the next slot comes within reach; old blocks are pruned', async () => {
  const [a, b] = await freshRepos(2, 'reach');
  const t0 = Math.ceil(Date.parse('2026-12-04T10:00:00Z') / slotMs) * slotMs; // a slot's start
  const first = await a.claim('a', t0, GRID.blocksPerSlot, periodMs, GRID);
  expect(first.blocks).toHaveLength(GRID.blocksPerSlot);
  expect(first.blocks.every((x) => x.at === t0 && x.until === t0 + GRID.useMs)).toBe(true);
  // b has never looked: it finds slot t0's blocks taken and gets (some of) the next slot's.
  const second = await b.claim('b', t0, 2, periodMs, GRID);
  expect(second.blocks.length).toBeGreaterThanOrEqual(1);
  expect(second.blocks.every((x) => x.at === t0 + slotMs)).toBe(true);
  // Half the use time gone: the slot under way is not claimed any more (a round trip might not fit).
  const c = new RateTokenRepo(dbOf('reach'));
  const late = await c.claim('c', t0 + slotMs + GRID.useMs / 2 + 1, 1, periodMs, GRID);
  expect(late.blocks.map((x) => x.at)).toEqual([t0 + 2 * slotMs]);
  // Everything in reach taken: nothing won, and when to look again.
  for (let i = 0; i < 50 && (await a.claim('a', t0, GRID.blocksPerSlot, periodMs, GRID)).nextAt === undefined; i++);
  const full = await b.claim('b', t0, 1, periodMs, GRID);
  expect(full.blocks).toEqual([]);
  expect(full.nextAt).toBe(t0 + (GRID.slotsPerPeriod + 1) * slotMs - periodMs);
  expect(full.nextAt).toBeGreaterThan(t0);
  expect(await storedBlocks('reach').countDocuments({ owner: 'b' })).toBe(second.blocks.length);
  // Long after, every block goes.
  const storedNow = await storedBlocks('reach').countDocuments();
  expect(await a.prune(t0 + 60_000)).toBe(storedNow);
  expect(await storedBlocks('reach').countDocuments()).toBe(0);
});

/**
 * A fake clock for sleepers side by side: each wakes at its own time, the earliest first, and
 * what it does then runs before the next one wakes (a sleep that just added its time to a shared
 * clock would wake ten sleepers of one slot ten sleeps late).
 */
function sleepersSideBySide(start: number) {
  let now = start;
  const slept: number[] = [];
  const timers: { at: number; wake: () => void }[] = [];
  let pending = false;
  const fire = (): void => {
    pending = false;
    timers.sort((a, b) => a.at - b.at);
    const t = timers.shift();
    if (!t) return;
    now = Math.max(now, t.at);
    t.wake();
    if (timers.length > 0) schedule();
  };
  const schedule = (): void => {
    if (!pending) {
      pending = true;
      setImmediate(fire);
    }
  };
  return {
    slept,
    clock: () => now,
    sleep: (ms: number) =>
      new Promise<void>((wake) => {
        slept.push(ms);
        timers.push({ at: now + ms, wake });
        schedule();
      }),
  };
}

test('SharedAppBudget: a slot\'s requests start at its time, the next slot\'s half a period later; none when no block comes by the deadline', async () => {
  const [repo] = await freshRepos(1, 'budget');
  const timers = sleepersSideBySide(Math.ceil(Date.parse('2026-12-04T10:00:00Z') / slotMs) * slotMs + 100); // 100 ms into a slot
  const { slept } = timers;
  const budget = new SharedAppBudget({ tokens: repo, owner: 'me', log: createLogger('silent'), clock: timers.clock, sleep: timers.sleep });
  let now = timers.clock();
  const perSlot = GRID.limit / GRID.slotsPerPeriod;
  const start = now;
  const tokens = await Promise.all(Array.from({ length: perSlot + 5 }, () => budget.take(start + 2000)));
  now = timers.clock();
  const ats = tokens.map((t) => t!.at);
  const next = Math.ceil(start / slotMs) * slotMs;
  expect(ats.filter((at) => at === next)).toHaveLength(perSlot);
  expect(ats.filter((at) => at === next + slotMs)).toHaveLength(5);
  expect(tokens.every((t) => t!.until - t!.at === GRID.useMs)).toBe(true);
  expect(now).toBeGreaterThanOrEqual(next + slotMs); // each waited for its block's time
  // One claim for all who asked at once (up to CLAIM_SLOTS slots' blocks): not a claim per request.
  const stored = await storedBlocks('budget').find({ owner: 'me' }).toArray();
  expect(stored.length).toBe(GRID.blocksPerSlot + Math.ceil(5 / tokensPerBlock));
  expect(CLAIM_SLOTS).toBeGreaterThanOrEqual(2);
  expect(budget.stats.claims).toBe(1);
  // A deadline before any block in reach: null at once, nothing more claimed.
  const other = new RateTokenRepo(dbOf('budget'));
  for (let i = 0; i < 3; i++) await other.claim('other', now, GRID.blocksPerSlot, periodMs, GRID);
  const before = slept.length;
  expect(await budget.take(now + 1)).toBeNull();
  expect(slept.length).toBe(before);
});

test('SharedAppBudget: tokens whose time is over are never handed out; the database away gives null, not a token', async () => {
  let now = 1_000_000 * slotMs;
  const handed: RateToken[] = [];
  let failing = false;
  const budget = new SharedAppBudget({
    tokens: {
      claim: async (_owner, at) => {
        if (failing) throw Object.assign(new Error('down'), { name: 'MongoNetworkError' });
        return { blocks: [{ at: Math.ceil(at / slotMs) * slotMs, until: Math.ceil(at / slotMs) * slotMs + GRID.useMs, tokens: tokensPerBlock }] };
      },
    },
    owner: 'me', log: createLogger('silent'), clock: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  handed.push((await budget.take(now + 2000))!);
  now += GRID.useMs + 1; // the block's time is over with 4 tokens left
  handed.push((await budget.take(now + 2000))!);
  expect(handed[1].at).toBeGreaterThan(handed[0].until);
  expect(handed.every((t) => t.at <= t.until)).toBe(true);
  now = handed[1].until + 1;
  failing = true;
  expect(await budget.take(now + 2000)).toBeNull();
});

test('SharedAppBudget: with a lead, a token is handed out that long before its time (for the transport to hold the request at the wire), never earlier', async () => {
  let now = 2_000_000 * slotMs + 1; // just after a slot began: the next slot's block is won
  const woke: number[] = [];
  const budget = new SharedAppBudget({
    tokens: {
      claim: async (_owner, at) => {
        const next = Math.ceil(at / slotMs) * slotMs;
        return { blocks: [{ at: next, until: next + GRID.useMs, tokens: tokensPerBlock }] };
      },
    },
    owner: 'me', log: createLogger('silent'), clock: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  const token = (await budget.take(now + 2000, 30))!;
  woke.push(now);
  expect(token.at - woke[0]).toBe(30);
  // A token already inside its lead is handed out at once, without a sleep.
  const again = (await budget.take(now + 2000, 30))!;
  expect(again.at).toBe(token.at);
  expect(now).toBe(woke[0]);
});

test('SharedAppBudget: after a claim that found every block in reach taken, the next look waits for a new slot plus a random share of CLAIM_SLOTS - 1 slots', async () => {
  let now = 3_000_000 * slotMs;
  const slept: number[] = [];
  const asked: number[] = [];
  const nextAt = now + 40;
  const budget = new SharedAppBudget({
    tokens: {
      claim: async (_owner, at, blocks) => {
        asked.push(blocks);
        if (asked.length === 1) return { blocks: [], nextAt };
        const next = Math.ceil(at / slotMs) * slotMs;
        return { blocks: [{ at: next, until: next + GRID.useMs, tokens: tokensPerBlock }] };
      },
    },
    owner: 'me', log: createLogger('silent'), clock: () => now, random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  const token = await budget.take(now + 5000);
  expect(token).not.toBeNull();
  // Spread: the new slot's time plus half of (CLAIM_SLOTS - 1) slots.
  expect(slept[0]).toBeCloseTo(40 + 0.5 * (CLAIM_SLOTS - 1) * slotMs, 6);
  expect(asked).toEqual([1, 1]);
});
