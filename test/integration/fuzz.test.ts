import { decisionData } from '../support/experts';
import { createHash } from 'node:crypto';
import { Harness, startHarness } from '../support/harness';
import { databaseCpuMs, FuzzGenerator, FuzzResult, FuzzWorld, mulberry32, Rand, RawClient, runBounded, VERBS } from '../support/fuzz';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user, User } from '../support/teams';
import { ONSITE, orderFormData } from '../support/orders';

// Requirement: "A fuzz test sends at least 10,000 generated card payloads and activities
// (valid shapes with hostile values, and garbage) to the running server: zero crashes, zero
// 5xx from the bot's own code, and the database unchanged except by valid ones."
//
// The server is the real one (restify + CloudAdapter + app, src/index.ts startBot) on
// loopback, with a seeded database: an active expert with an open offer and an accepted seat,
// a pending expert, an orderer, an open erasure request and the coordinators' channel. Every
// generated card action aims at those real ids and is invalid by construction (see
// test/support/fuzz.ts), so none may change them; the one valid card action in the mix is
// privacy.requestErasure, which reads no card data, and the test expects exactly its requests.
// Valid messages are read-only commands; valid conversation events may record one channel.
// The seed is fixed (FUZZ_SEED to vary it): a failure names the request index to replay.
const N = Number(process.env.FUZZ_COUNT ?? 10_000);
const CONCURRENCY = 20;
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_f022);

const coordinator = user('Kaisa Koordinaattori');
const expert = user('Eero Asiantuntija');
const pending = user('Pirjo Odottaja');
const orderer = user('Aino Ammattilainen');
const erasable = user('Rauno Poistettava');
const strangers = Array.from({ length: 6 }, (_, i) => user(`Vieras ${i}`));
let h: Harness;
let world: FuzzWorld;

/**
 * Collections that valid activities legitimately write, so they are not hashed:
 *  - conversations, personalChats: every activity with a conversation refreshes its stored
 *    reference (src/teams/references.ts), and a 1:1 chat's key lookup beside it — the
 *    references are checked for an invariant below instead;
 *  - processedActivities: every message/event id is recorded for redelivery detection;
 *  - outbox, outboxLeases: privacy.requestErasure posts a card to the coordinators' channel
 *    through the outbox, and the sender leases and sends it; rateTokens: sends claim blocks
 *    of the app-wide budget shared by all instances;
 *  - jobRuns: the scheduler's every-minute wave job records its runs while the fuzz runs;
 *  - teamChannels: a channel activity refreshes its channel's updatedAt, and a
 *    well-formed channelCreated/Deleted event records that channel — checked below;
 *  - erasureRequests: compared exactly against the valid requests sent (below).
 */
const WRITTEN_BY_VALID = new Set(['conversations', 'personalChats', 'processedActivities', 'outbox', 'outboxOutcomes', 'outboxDue', 'outboxLeases', 'rateTokens', 'jobRuns', 'teamChannels', 'erasureRequests']);

type Doc = Record<string, unknown>;

async function dump(name: string): Promise<Doc[]> {
  return (await h.bot.database.db.collection(name).find().toArray()).sort((a, b) => String(a._id).localeCompare(String(b._id)));
}

async function snapshot(): Promise<{ counts: Record<string, number>; hashes: Record<string, string> }> {
  const names = (await h.bot.database.db.listCollections().toArray()).map((c) => c.name).sort();
  const counts: Record<string, number> = {};
  const hashes: Record<string, string> = {};
  for (const name of names) {
    const docs = await dump(name);
    counts[name] = docs.length;
    if (!WRITTEN_BY_VALID.has(name)) hashes[name] = createHash('sha256').update(JSON.stringify(docs)).digest('hex');
  }
  return { counts, hashes };
}

function profile(name: string): Record<string, string> {
  return {
    displayName: name, phone: '040 123 4567', email: 'x@example.fi', themes: 'mental-health', taskTypes: 'talk,training', municipalities: 'Tampere',
    remoteOk: 'true', languages: 'fi', description: 'Kokemusta mielenterveyspalveluista.', trainingOrganisation: 'Mieli ry', trainingYear: '2024',
    feePreference: 'fee', consent: 'true',
  };
}

function orderForm(daysAhead: number, title: string): Record<string, string> {
  return orderFormData({ title, description: 'Kokemuspuheenvuoro.', ...ONSITE, targetGroup: 'Hoitajat', costCentre: 'KP-1', contactPhone: '050 555 1234', contactEmail: 'aino@example.fi' }, daysAhead);
}

async function placeOrder(daysAhead: number, title: string): Promise<string> {
  const id = /T-\d{4}-\d{4}/.exec(text(cardOf(await h.post(execute(h, orderer, 'order.submit', orderForm(daysAhead, title))))))?.[0];
  if (!id) throw new Error('seed order not placed');
  return id;
}

async function coordinatorSays(verb: string, data: Record<string, unknown>): Promise<string> {
  return text(cardOf(await h.post(execute(h, coordinator, verb, data, CHANNEL, CHANNEL_DATA))));
}

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  // Seed through the real routes: coordinators' channel, everyone's 1:1 chat.
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  for (const u of [expert, pending, orderer, erasable, ...strangers] as User[]) await h.post(personalMessage(h, u, 'ohje'));
  expect(text(cardOf(await h.post(execute(h, expert, 'expert.saveProfile', profile('Eero Asiantuntija')))))).toContain('Odottaa');
  expect(text(cardOf(await h.post(execute(h, pending, 'expert.saveProfile', profile('Pirjo Odottaja')))))).toContain('Odottaa');
  expect(await coordinatorSays('expert.approve', await decisionData(h, expert))).toContain('Hyväksytty');
  const filledOrderId = await placeOrder(6, 'Täytetty tehtävä');
  const openOrderId = await placeOrder(9, 'Avoin tehtävä');
  await coordinatorSays('order.offerTo', { orderId: filledOrderId, expertId: expert.aad });
  await coordinatorSays('order.offerTo', { orderId: openOrderId, expertId: expert.aad });
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${filledOrderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  cardOf(await h.post(execute(h, erasable, 'privacy.requestErasure', {})));
  await h.bot.sender.drain(15_000);
  expect(await h.bot.store.offers.get(`${openOrderId}:${expert.aad}`)).toMatchObject({ status: 'open' });
  expect(await h.bot.store.assignments.of(filledOrderId, expert.aad)).toMatchObject({ status: 'accepted' });
  world = {
    serviceUrl: h.connector.url, coordinator, expert, pending, orderer, erasable, strangers, openOrderId, filledOrderId,
    form: () => orderForm(12, 'Fuzz'), profile: () => profile('Fuzz Profiili'),
  };
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

test(`${N} generated card actions, messages and garbage: no crash, no 5xx, nothing written but by valid activities`, async () => {
  const before = await snapshot();
  const erasuresBefore = await dump('erasureRequests');
  const channelsBefore = await dump('teamChannels');

  const gen = new FuzzGenerator(new Rand(mulberry32(SEED)), world);
  const client = new RawClient(h.url);
  const byKind = new Map<string, Map<string, number>>();
  const failures: { i: number; kind: string; res: FuzzResult; sent: string }[] = [];
  const cardAnswers = new Map<string, number>();
  let slowest = 0;
  const cpu0 = process.cpuUsage();
  const dbCpu0 = databaseCpuMs(h.bot.config.mongodbUri);
  const t0 = Date.now();
  try {
    await runBounded(N, CONCURRENCY, (i) => gen.next(i), async (req, i) => {
      const res = await client.send(req);
      if (i % 500 === 0) h.connector.reset(); // replies are not asserted here; keep memory flat
      slowest = Math.max(slowest, res.ms);
      const outcome = res.error ? `error:${res.error}` : String(res.status);
      const m = byKind.get(req.kind) ?? new Map<string, number>();
      m.set(outcome, (m.get(outcome) ?? 0) + 1);
      m.set('ms', (m.get('ms') ?? 0) + res.ms);
      m.set('kB out', (m.get('kB out') ?? 0) + Math.round(Buffer.byteLength(req.body) / 1000));
      m.set('kB in', (m.get('kB in') ?? 0) + Math.round(res.body.length / 1000));
      byKind.set(req.kind, m);
      // A 5xx, or no answer at all, is a failure; an oversize body may be cut off while it is being sent.
      if (res.status >= 500 || (res.error && !req.oversize)) failures.push({ i, kind: req.kind, res: { ...res, body: res.body.slice(0, 300) }, sent: String(req.body).slice(0, 1500) });
      if (req.kind.startsWith('invoke:') && res.status === 200 && res.body.includes('"application/vnd.microsoft.card.adaptive"')) {
        cardAnswers.set(req.kind, (cardAnswers.get(req.kind) ?? 0) + 1);
      }
    });
  } finally {
    client.close();
  }
  const elapsed = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const dbCpu = dbCpu0 === undefined ? undefined : (databaseCpuMs(h.bot.config.mongodbUri) ?? 0) - dbCpu0;
  await h.bot.sender.drain(20_000);

  const table = [...byKind].sort().map(([k, m]) => `${k.padEnd(36)} ${[...m].map(([s, n]) => `${s}×${n}`).join(' ')}`);
  process.stdout.write(`fuzz: ${N} requests in ${elapsed} ms (${Math.round((N * 1000) / elapsed)}/s), CPU: bot+driver ${Math.round((cpu.user + cpu.system) / 1000)} ms, database ${dbCpu ?? '?'} ms, slowest ${slowest} ms, seed ${SEED}\n${table.join('\n')}\n`);

  // Everything is checked, then compared at once, so a failure shows every broken property.
  const after = await snapshot();
  const erasuresAfter = await dump('erasureRequests');
  const added = erasuresAfter.filter((d) => !erasuresBefore.some((b) => b._id === d._id));
  const channelsAfter = await dump('teamChannels');
  const withoutTime = (d: Doc | undefined) => (d ? { ...d, updatedAt: undefined } : d);
  const conversations = await dump('conversations');
  const result = {
    // Zero crashes (an uncaught exception or unhandled rejection anywhere in this process, the
    // bot's included, fails the test by itself in jest), zero 5xx or requests left unanswered,
    // and the server still up and ready.
    failures: failures.slice(0, 5),
    failureCount: failures.length,
    healthz: (await fetch(`${h.url}/healthz`)).status,
    readyz: (await fetch(`${h.url}/readyz`)).status,
    prototypePolluted: Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted') || Object.prototype.hasOwnProperty.call(Object.prototype, 'isCoordinator'),
    // The fuzz reached the routes: card actions of every verb were answered with a card (not
    // just refused at the door), and every kind of garbage was sent.
    verbsNeverAnsweredWithACard: VERBS.filter((verb) => !cardAnswers.get(`invoke:${verb}`)),
    garbageKinds: [...byKind.keys()].filter((k) => k.startsWith('garbage:')).length >= 15,
    // Business data unchanged: every collection not written by valid activities has the same documents.
    changedCollections: Object.keys({ ...before.hashes, ...after.hashes })
      .filter((name) => before.hashes[name] !== after.hashes[name])
      .map((name) => `${name}: ${before.counts[name] ?? 0} → ${after.counts[name] ?? 0} documents`),
    // erasureRequests: what was there, unchanged, plus exactly the valid requests sent.
    erasuresKept: erasuresAfter.filter((d) => erasuresBefore.some((b) => b._id === d._id)),
    erasuresAdded: added.map((d) => `${String(d._id)}:${String(d.status)}`).sort(),
    // teamChannels: the known channels keep their team and state (only updatedAt moves); the only
    // new one is the well-formed channel event's; every id is a string (no operator object upserted).
    channelsKept: channelsBefore.map((b) => withoutTime(channelsAfter.find((a) => a._id === b._id))),
    channelsAdded: channelsAfter.filter((a) => !channelsBefore.some((b) => b._id === a._id)).map((a) => [a._id, typeof a.teamId]),
    // conversations: each stored reference still points at its own conversation (an upsert with an
    // operator in its filter would rewrite another conversation's reference), ids and locales are strings.
    conversationsBroken: conversations
      .filter((c) => typeof c._id !== 'string' || (c.reference as { conversation: { id: unknown } }).conversation.id !== c._id || (c.locale !== undefined && typeof c.locale !== 'string'))
      .map((c) => c._id),
    // personalChats: ids are strings (no operator object upserted), and a lookup by key never
    // answers with another user's chat (the fuzz moves one chat id between users; such a link is
    // passed over and the chat looked up as before).
    personalChatsBroken: await (async () => {
      const links = await dump('personalChats');
      const found = await h.bot.store.conversations.personalOfFew(links.map((l) => String(l._id)));
      return [
        ...links.filter((l) => typeof l._id !== 'string' || typeof l.conversationId !== 'string').map((l) => l._id),
        ...[...found].filter(([aad, chat]) => chat.userAadObjectId?.toLowerCase() !== aad).map(([aad]) => aad),
      ];
    })(),
  };
  expect(result).toEqual({
    failures: [],
    failureCount: 0,
    healthz: 200,
    readyz: 200,
    prototypePolluted: false,
    verbsNeverAnsweredWithACard: [],
    garbageKinds: true,
    changedCollections: [],
    erasuresKept: erasuresBefore,
    erasuresAdded: [...gen.erasureRequestedBy].map((id) => `${id}:requested`).sort(),
    channelsKept: channelsBefore.map(withoutTime),
    channelsAdded: result.channelsAdded.length ? [['19:fuzzchan@thread.tacv2', 'string']] : [],
    conversationsBroken: [],
    personalChatsBroken: [],
  });
}, 240_000);
