import { MongoClient } from 'mongodb';
import { RateToken, RateTokenRepo, TokenRules } from '../../src/store/rateTokens';
import { SharedAppBudget } from '../../src/messaging/appBudget';
import { createLogger } from '../../src/log';
import { testDbName } from '../support/harness';
import { collectionsOf } from '../support/db';

// The app-wide rate budget shared by the instances (src/store/rateTokens.ts), on the real local
// database: several claimers at once, as several processes would be (each repository object
// keeps its own view, like a process does). The clock is given, so nothing sleeps.

const dbName = testDbName(__filename);
let client: MongoClient;
const RULES: TokenRules = { limit: 50, windowMs: 1000, wireMs: 10 };
const VALID_MS = 30;

beforeAll(async () => {
  client = new MongoClient(process.env.TEST_MONGODB_URI!);
});

afterAll(async () => {
  await client.close();
});

/** A test's database of its own (repositories of several instances share it). */
const dbOf = (name: string) => client.db(`${dbName}_${name}`.slice(0, 63));
/** The tokens as stored, read through the driver. */
const storedTokens = (name: string) => collectionsOf(dbOf(name)).rateTokens;

async function freshRepos(n: number, name: string): Promise<RateTokenRepo[]> {
  const db = dbOf(name);
  await db.dropDatabase();
  const repos = Array.from({ length: n }, () => new RateTokenRepo(db));
  await repos[0].ensureIndexes();
  return repos;
}

/** Most requests in any `windowMs` among these start times. */
function worstWindow(starts: number[], windowMs: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i] - s[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

test('three claimers at once: one gap-free sequence, each token once, no second of it over 50 however late in its validity each starts', async () => {
  const repos = await freshRepos(3, 'three');
  const t0 = Date.parse('2026-12-04T10:00:00Z');
  let now = t0;
  const got: RateToken[][] = [[], [], []];
  for (let round = 0; round < 40; round++) {
    const claims = await Promise.all(repos.map((r, k) => r.claim(`instance-${k}`, now, 16, VALID_MS, RULES)));
    claims.forEach((c, k) => got[k].push(...c.tokens));
    now += 100;
  }
  const tokens = await storedTokens('three').find({}).sort({ _id: 1 }).toArray();
  expect(tokens.length).toBeGreaterThan(150);
  expect(tokens.map((t) => t._id)).toEqual(tokens.map((_, i) => i)); // no gaps, no number twice
  expect(new Set(tokens.map((t) => t.owner)).size).toBe(3); // shared, not taken by one
  expect(got.flat().length).toBe(tokens.length); // every claimer was told exactly what it won
  const at = tokens.map((t) => t.at.getTime());
  const until = tokens.map((t) => t.until.getTime());
  for (let n = 1; n < at.length; n++) expect(at[n]).toBeGreaterThanOrEqual(at[n - 1]);
  for (let n = RULES.limit; n < at.length; n++) expect(at[n] - until[n - RULES.limit]).toBeGreaterThanOrEqual(RULES.windowMs + RULES.wireMs);
  // The worst a set of instances can do with them: start some as late as allowed, some at once.
  expect(worstWindow(at.map((t, n) => (n % 3 === 0 ? until[n] : t)), RULES.windowMs)).toBeLessThanOrEqual(RULES.limit);
  expect(worstWindow(until, RULES.windowMs)).toBeLessThanOrEqual(RULES.limit);
  // The first 50 go within the first rounds (the burst Teams allows); the 51st not before a second after the first's validity.
  expect(at[49] - t0).toBeLessThan(RULES.windowMs);
  expect(at[50]).toBeGreaterThanOrEqual(t0 + VALID_MS + RULES.windowMs + RULES.wireMs);
});

test('a claimer whose view is stale continues the sequence and waits for the window; pruning keeps the newest tokens', async () => {
  const [a, b] = await freshRepos(2, 'stale');
  const t0 = Date.parse('2026-12-04T10:00:00Z');
  expect((await a.claim('a', t0, 50, VALID_MS, RULES)).tokens).toHaveLength(50);
  // b has never looked: it must not start a numbering of its own at 0, and the window is full.
  const full = await b.claim('b', t0, 5, VALID_MS, RULES);
  expect(full).toEqual({ tokens: [], nextAt: t0 + VALID_MS + RULES.windowMs + RULES.wireMs });
  const later = await b.claim('b', full.nextAt!, 5, VALID_MS, RULES);
  expect(later.tokens.map((t) => t.at)).toEqual(Array(5).fill(full.nextAt));
  expect(await storedTokens('stale').countDocuments({ owner: 'b', _id: { $gte: 50, $lt: 55 } })).toBe(5);
  // Long after, the old tokens go, but never the newest: the sequence continues from them.
  expect(await a.prune(t0 + 60_000, RULES.limit)).toBe(0); // 55 tokens: all among the newest 2 × 50 + 1
  for (let i = 0; i < 5; i++) await a.claim('a', t0 + 60_000 + i * 2000, 50, VALID_MS, RULES);
  expect(await a.prune(t0 + 120_000, RULES.limit)).toBeGreaterThan(0);
  const left = await storedTokens('stale').find({}).sort({ _id: 1 }).toArray();
  const max = left[left.length - 1]._id;
  expect(left[0]._id).toBe(max - 2 * RULES.limit);
  expect((await b.claim('b', t0 + 120_000, 1, VALID_MS, RULES)).tokens).toHaveLength(1);
  expect(await storedTokens('stale').countDocuments({ _id: max + 1, owner: 'b' })).toBe(1);
});

test('SharedAppBudget: a burst of 50 at once, then waits for the window, and says when none comes in time', async () => {
  const [repo] = await freshRepos(1, 'budget');
  let now = Date.parse('2026-12-04T10:00:00Z');
  const slept: number[] = [];
  const budget = new SharedAppBudget({
    tokens: repo, owner: 'me', log: createLogger('silent'), clock: () => now, maxBatch: 50,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  const first = await Promise.all(Array.from({ length: 50 }, () => budget.take(now + 2000)));
  expect(first.every((t) => t !== null && t.at === first[0]!.at)).toBe(true);
  // Valid for the claim's round trip and a little: not more than half a second.
  expect(first[0]!.until - first[0]!.at).toBeGreaterThanOrEqual(20);
  expect(first[0]!.until - first[0]!.at).toBeLessThanOrEqual(500);
  const firstUntil = first[0]!.until;
  // The window is full until a second after the first tokens' validity: too late for this deadline…
  expect(await budget.take(now + 100)).toBeNull();
  expect(await storedTokens('budget').countDocuments()).toBe(50); // nothing claimed ahead
  // …but not for this one: it waits (on the injected clock) and gets one then.
  const next = await budget.take(now + 2000);
  expect(next!.at).toBe(firstUntil + 1000 + 10);
  expect(slept).toHaveLength(1);
});
