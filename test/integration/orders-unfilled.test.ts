import { randomUUID } from 'node:crypto';
import { waveJob } from '../../src/jobs/waves';
import { feedbackJob } from '../../src/jobs/afterTask';
import { JobContext } from '../../src/jobs/scheduler';
import { buildDigest } from '../../src/services/digest';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user, User } from '../support/teams';
import { stored } from '../support/db';

// An order whose start comes with nobody accepted is closed as 'unfilled': open offer cards
// turn "expired" in place, the orderer is told in their chat, and it leaves the jobs' work lists.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
let h: Harness;
const MIN = 60_000;
const UNFILLED_FI = 'eikä kukaan kokemusasiantuntija ehtinyt ottaa sitä vastaan';

beforeAll(async () => {
  // Jobs run only when a test runs them, so that only the runs below act on the orders.
  h = await startForJobTests(__filename, coordinator, professional, { WAVE_SIZE: '3' });
}, 30000);
afterAll(() => h.stop());

const newExpert = (name: string): Promise<User> => activeExpert(h, coordinator, name);

async function placeOrder(title: string, seats = 1): Promise<string> {
  const d = new Date(Date.now() + 5 * 86_400_000);
  const form = {
    formId: randomUUID(), themes: 'mental-health', taskType: 'talk', title, description: 'Kokemuspuheenvuoro.', goal: '', date: d.toISOString().slice(0, 10), time: '13:00',
    durationMinutes: '90', mode: 'remote', municipality: '', address: '', link: 'https://teams.example/meet', targetGroup: 'Hoitohenkilöstö', audienceSize: '',
    seats: String(seats), language: 'fi', costCentre: 'KP-1', contactName: 'Aino', contactPhone: '040 1234567', contactEmail: '', noteToCoordinator: '',
  };
  return /T-\d{4}-\d{4}/.exec(text(cardOf(await h.post(execute(h, professional, 'order.submit', form)))))![0];
}

/** Moves an order's start to `startsAt` (as if time had passed). */
async function startAt(orderId: string, startsAt: Date): Promise<void> {
  await stored(h).orders.updateOne({ _id: orderId }, { $set: { startsAt, endsAt: new Date(startsAt.getTime() + 90 * MIN) } });
  await stored(h).assignments.updateMany({ orderId }, { $set: { startsAt } });
}

function ctx(now = new Date()): JobContext {
  return { job: 'x', runKey: `x@t${now.getTime()}`, key: `t${now.getTime()}`, scheduledFor: now, localDate: '', attempt: 1, progress: undefined, checkpoint: async () => undefined, now: () => now, signal: new AbortController().signal };
}

const toOrderer = (s: string) => h.connector.sentTo(professional.personal).map(text).filter((x) => x.includes(s));

test('at the start with nobody accepted: unfilled, offers expired in place, the orderer told once; orders with someone accepted go on', async () => {
  const [e1, e2, e3] = [await newExpert('Eero'), await newExpert('Liisa'), await newExpert('Ville')];
  const offered = await placeOrder('Kukaan ei ehtinyt');
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId: offered, expertId: e1.aad }, CHANNEL, CHANNEL_DATA)));
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId: offered, expertId: e2.aad }, CHANNEL, CHANNEL_DATA)));
  const waiting = await placeOrder('Koordinaattori ei ehtinyt'); // still 'new'
  const half = await placeOrder('Puoliksi täytetty', 2);
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId: half, expertId: e3.aad }, CHANNEL, CHANNEL_DATA)));
  cardOf(await h.post(execute(h, e3, 'offer.accept', { offerId: `${half}:${e3.aad}` })));
  const later = await placeOrder('Alkaa myöhemmin');
  await h.bot.sender.drain(10000);
  h.connector.reset();

  const started = new Date(Date.now() - 5 * MIN);
  for (const id of [offered, waiting, half]) await startAt(id, started);
  await waveJob(h.bot.deps).run(ctx());
  await h.bot.sender.drain(10000);

  expect((await h.bot.store.orders.get(offered))!).toMatchObject({ status: 'unfilled', unfilledAt: expect.any(Date) });
  expect((await h.bot.store.orders.get(waiting))!.status).toBe('unfilled');
  expect((await h.bot.store.orders.get(half))!.status).toBe('offering'); // one of two seats taken: the task goes ahead
  expect((await h.bot.store.orders.get(later))!.status).toBe('new');
  expect((await h.bot.store.offers.ofOrder(offered)).map((o) => o.status)).toEqual(['expired', 'expired']);
  // The experts' cards turned "expired" in place.
  for (const e of [e1, e2]) {
    const updates = h.connector.calls.filter((c) => c.method === 'PUT' && c.conversationId === e.personal);
    expect(updates).toHaveLength(1);
    expect(text(updates[0].body)).toContain('Tarjous ei ole enää voimassa');
  }
  // The orderer is told, in their chat, for each closed order.
  expect(toOrderer(UNFILLED_FI).filter((x) => x.includes(offered))).toHaveLength(1);
  expect(toOrderer(UNFILLED_FI).filter((x) => x.includes(waiting))).toHaveLength(1);
  expect(toOrderer(UNFILLED_FI).filter((x) => x.includes(half))).toHaveLength(0);
  expect(toOrderer(UNFILLED_FI)[0]).toContain('Ei täyttynyt');
  // The coordinators' card shows it too (updated in the thread its post started: `<channel>;messageid=<post>`).
  expect(h.connector.calls.filter((c) => c.conversationId.split(';')[0] === CHANNEL.id).map((c) => text(c.body)).join()).toContain('suljettiin täyttymättä');

  // Again (the next minute, or a second instance): nothing new.
  const calls = h.connector.calls.length;
  await waveJob(h.bot.deps).run(ctx(new Date(Date.now() + MIN)));
  await h.bot.sender.drain(10000);
  expect(h.connector.calls.length).toBe(calls);
  // A late click on the expired offer is answered as expired; nothing is taken.
  expect(text(cardOf(await h.post(execute(h, e1, 'offer.accept', { offerId: `${offered}:${e1.aad}` }))))).toContain('Tarjous ei ole enää voimassa');
  expect(await h.bot.store.assignments.countLive(offered)).toBe(0);
}, 120000);

test('an unfilled order is final: not cancellable, no further waves, no feedback; shown as such in my orders and the digest', async () => {
  const orderId = (await stored(h).orders.findOne({ title: 'Kukaan ei ehtinyt' }))!._id;
  expect(text(cardOf(await h.post(execute(h, professional, 'order.cancel', { orderId }))))).toContain('Tilausta ei voi enää peruuttaa');
  const mine = h.connector.calls.length;
  await h.post(personalMessage(h, professional, 'omat tilaukset'));
  const list = text(h.connector.calls.slice(mine).map((c) => c.body));
  expect(list).toContain(`**${orderId}** · Kukaan ei ehtinyt`);
  expect(list).toMatch(/Ei täyttynyt/);
  const calls = h.connector.calls.length;
  await feedbackJob(h.bot.deps).run(ctx(new Date(Date.now() + 3 * 3600_000)));
  await waveJob(h.bot.deps).run(ctx(new Date(Date.now() + 3 * 3600_000)));
  await h.bot.sender.drain(10000);
  expect(h.connector.calls.slice(calls).map((c) => text(c.body)).join()).not.toContain(orderId);
  const digest = text(await buildDigest(h.bot.deps, new Date(), 'fi'));
  expect(digest).toContain('Täyttymättä suljetut tilaukset (24 h)');
  expect(digest).toMatch(/Täyttymättä suljetut tilaukset \(24 h\)","value":"2"/);
});

test('an order left open long past its start (by an older version) is closed without messaging the orderer', async () => {
  const old = await placeOrder('Vanha unohtunut');
  await startAt(old, new Date(Date.now() - 3 * 86_400_000));
  await h.bot.sender.drain(10000);
  h.connector.reset();
  await waveJob(h.bot.deps).run(ctx());
  await h.bot.sender.drain(10000);
  expect((await h.bot.store.orders.get(old))!.status).toBe('unfilled');
  expect(toOrderer(old)).toHaveLength(0);
});
