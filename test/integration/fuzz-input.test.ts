import { createHash } from 'node:crypto';
import { Harness, startHarness } from '../support/harness';
import { CHANNEL, CHANNEL_DATA, execute, personalMessage, user, User } from '../support/teams';

// 10,000 generated card payloads and activities — valid shapes with hostile values, and
// garbage — against the running server: no crash, no 5xx from the bot's own code, and the
// business collections unchanged (none of these inputs is valid).
const N = 10_000;
const CONCURRENCY = 20;
let h: Harness;

// A small seeded PRNG (mulberry32): the same run every time, so a failure reproduces.
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261122);
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];

const HOSTILE: unknown[] = [
  { $ne: null }, { $gt: '' }, { $where: 'sleep(1000)' }, { 'a.b': 1 }, ['x', { $in: [1] }], null, 0, -1, 1e308, NaN, true, '', ' ',
  'x'.repeat(100_000), '<script>alert(1)</script>', '${t.title}', '\u0000\u202e', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'T-2026-0001', 'T-2026-0001:11111111-1111-4111-8111-111111111111',
  { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }, [[[[[[[[[[[]]]]]]]]]]], '2020-01-01', '25:99', 'javascript:alert(1)',
];
const VERBS = [
  'order.submit', 'order.cancel', 'order.offerTo', 'order.offerTop', 'offer.accept', 'offer.decline', 'assignment.withdraw', 'expert.saveProfile',
  'expert.approve', 'expert.reject', 'expert.pause', 'expert.resume', 'expert.editProfile', 'privacy.confirmErasure', 'feedback.orderer', 'feedback.expert',
  'nonexistent.verb', '', '$ne',
];
const FIELDS = ['orderId', 'offerId', 'expertId', 'userId', 'reason', 'themes', 'taskType', 'title', 'date', 'time', 'seats', 'displayName', 'consent', 'tookPlace', '$set', 'a.b', '__proto__'];
const TEXTS = ['tilaa', 'help', 'why x T-2026-0001', 'palkkiot 2026-13', 'fees ../../etc', 'digest now', 'omat tiedot', 'koordinaattorikanava', '', 'x'.repeat(5000), '<at>x</at>'];

function hostileData(): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const n = Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) data[pick(FIELDS)] = pick(HOSTILE);
  return data;
}

const users: User[] = Array.from({ length: 30 }, (_, i) => user(`Fuzz ${i}`));

function payload(i: number): { body: string; contentType: string } {
  const u = pick(users);
  const kind = rand();
  if (kind < 0.6) {
    const inChannel = rand() < 0.2;
    const a = execute(h, u, pick(VERBS), hostileData(), inChannel ? CHANNEL : undefined, inChannel ? CHANNEL_DATA : undefined) as unknown as Record<string, unknown>;
    if (rand() < 0.2) (a.value as Record<string, unknown>).action = pick(HOSTILE);
    if (rand() < 0.1) a.value = pick(HOSTILE);
    return { body: JSON.stringify(a), contentType: 'application/json' };
  }
  if (kind < 0.85) {
    const a = personalMessage(h, u, rand() < 0.5 ? pick(TEXTS) : String(pick(HOSTILE))) as unknown as Record<string, unknown>;
    if (rand() < 0.3) a.value = pick(HOSTILE);
    if (rand() < 0.1) a.from = pick(HOSTILE);
    if (rand() < 0.1) a.conversation = pick(HOSTILE);
    return { body: JSON.stringify(a), contentType: 'application/json' };
  }
  // Garbage: broken JSON, non-objects, wrong content types, missing fields.
  return pick([
    { body: '{"type": "message", ', contentType: 'application/json' },
    { body: '[]', contentType: 'application/json' },
    { body: '"just a string"', contentType: 'application/json' },
    { body: JSON.stringify({ type: pick(['message', 'invoke', 'conversationUpdate', 'bogus']), id: String(i) }), contentType: 'application/json' },
    { body: 'type=message', contentType: 'application/x-www-form-urlencoded' },
    { body: '\u0000\u0001\u0002', contentType: 'application/octet-stream' },
  ]);
}

const BUSINESS = ['experts', 'orders', 'offers', 'assignments', 'withdrawals', 'erasureRequests', 'feedback', 'anonymousFeedback', 'orderForms', 'orderNumberHints', 'settings'];
// Written legitimately during the run, so not compared: conversations and processedActivities
// (every well-formed activity refreshes its reference), outbox (replies), jobRuns (the
// every-minute wave job).

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of BUSINESS) {
    const docs = await h.bot.database.db.collection(name).find().sort({ _id: 1 }).toArray();
    out[name] = `${docs.length}:${createHash('sha256').update(JSON.stringify(docs)).digest('hex')}`;
  }
  return out;
}

beforeAll(async () => {
  h = await startHarness(__filename);
  // A little real state that hostile input must not touch.
  // (Its owner sends nothing here: pausing one's own profile is a valid action.)
  await h.bot.store.experts.saveProfile(user('Asiantuntija').aad, { displayName: 'Fuzz 0', themes: ['mental-health'], taskTypes: ['talk'], municipalities: [], remoteOk: true, languages: ['fi'], description: 'x', feePreference: 'fee' }, new Date());
});
afterAll(() => h.stop());

test(`${N} hostile payloads: no crash, no 5xx, business data unchanged`, async () => {
  const before = await snapshot();
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const p = payload(i);
      const res = await fetch(`${h.url}/api/messages`, { method: 'POST', headers: { 'content-type': p.contentType }, body: p.body });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const fiveHundreds = [...statuses].filter(([s]) => s >= 500);
  expect(fiveHundreds).toEqual([]);
  expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  expect(await snapshot()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}, 240_000);
