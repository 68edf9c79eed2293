import { randomUUID } from 'node:crypto';
import { t } from '../../src/i18n';
import { waveJob } from '../../src/jobs/waves';
import { WAVE_IN_FLIGHT_MS } from '../../src/services/offering';
import { JobContext } from '../../src/jobs/scheduler';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, text, user, User } from '../support/teams';

// A wave cut short between claiming it and queueing its cards is finished by the wave job:
// every expert of that wave gets their offer card exactly once, and the next wave still waits.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
let h: Harness;
const MIN = 60_000;
/** The bot's clock runs this far ahead of the real one (a test moves it; the others leave it at 0). */
let ahead = 0;
/** Runs `work` with the bot's clock `ms` ahead. */
async function later(ms: number, work: () => Promise<unknown>): Promise<void> {
  ahead = ms;
  try {
    await work();
  } finally {
    ahead = 0;
  }
}
/** A claim time a sender that died left behind: older than a wave still being queued. */
const longAgo = () => new Date(Date.now() - WAVE_IN_FLIGHT_MS - MIN);

beforeAll(async () => {
  // Jobs run only when a test runs them, so that only the runs below act on the orders.
  h = await startForJobTests(__filename, coordinator, professional, { WAVE_SIZE: '3' }, { now: () => new Date(Date.now() + ahead) });
}, 30000);
afterAll(() => h.stop());

const newExpert = (name: string): Promise<User> => activeExpert(h, coordinator, name);

async function placeOrder(title: string): Promise<string> {
  const d = new Date(Date.now() + 5 * 86_400_000);
  const form = {
    formId: randomUUID(), themes: 'mental-health', taskType: 'talk', title, description: 'Kokemuspuheenvuoro.', goal: '', date: d.toISOString().slice(0, 10), time: '13:00',
    durationMinutes: '90', mode: 'remote', municipality: '', address: '', link: 'https://teams.example/meet', targetGroup: 'Hoitohenkilöstö', audienceSize: '',
    seats: '1', language: 'fi', costCentre: 'KP-1', contactName: 'Aino', contactPhone: '040 1234567', contactEmail: '', noteToCoordinator: '',
  };
  return /T-\d{4}-\d{4}/.exec(text(cardOf(await h.post(execute(h, professional, 'order.submit', form)))))![0];
}

function ctx(now = new Date()): JobContext {
  return { job: 'offer-waves', runKey: `offer-waves@t${now.getTime()}`, key: `t${now.getTime()}`, scheduledFor: now, localDate: '', attempt: 1, progress: undefined, checkpoint: async () => undefined, now: () => now, signal: new AbortController().signal };
}

async function offerCards(u: User, orderId: string): Promise<unknown[]> {
  await h.bot.sender.drain(10000);
  return h.connector.sentTo(u.personal).filter((a) => text(a).includes('offer.accept') && text(a).includes(orderId));
}

let experts: User[] = [];

/**
 * offerWave's first wave up to a stop at `at`: wave 1 claimed (naming `named` when given), the
 * order moved to 'offering', the offers of `stored` written; no card queued.
 */
async function firstWaveStopped(orderId: string, at: Date, stored: User[], named?: User[]): Promise<void> {
  expect(await h.bot.store.offers.claimWave(orderId, 1, at, named?.map((e) => e.aad))).toBe(true);
  await h.bot.store.orders.moveStatus(orderId, ['new'], 'offering', at);
  expect(await h.bot.store.offers.createWave(orderId, stored.map((e) => e.aad), 1, at)).toHaveLength(stored.length);
}

test('a first wave claimed and created but never posted: the wave job posts each offer once, and sends no further wave yet', async () => {
  experts = [];
  for (const n of ['Eero', 'Liisa', 'Ville', 'Outi']) experts.push(await newExpert(n));
  const orderId = await placeOrder('Kesken jäänyt aalto');
  // offerWave up to the crash: wave 1 claimed, status moved, offers stored; nothing queued.
  const wave = experts.slice(0, 3);
  await firstWaveStopped(orderId, longAgo(), wave);
  for (const e of experts) expect(await offerCards(e, orderId)).toHaveLength(0);

  await waveJob(h.bot.deps).run(ctx());
  for (const e of wave) expect(await offerCards(e, orderId)).toHaveLength(1);
  // The fourth expert waits for the next wave, WAVE_WAIT_MINUTES after the resumed one.
  expect(await offerCards(experts[3], orderId)).toHaveLength(0);
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(1);
  expect((await h.bot.store.orders.get(orderId))!.lastWaveAt).toBeInstanceOf(Date);

  // Running again (another minute, another instance) changes nothing.
  await waveJob(h.bot.deps).run(ctx(new Date(Date.now() + MIN)));
  for (const e of wave) expect(await offerCards(e, orderId)).toHaveLength(1);
  expect(await offerCards(experts[3], orderId)).toHaveLength(0);

  // The offers work: the first to accept gets the task.
  expect(text(cardOf(await h.post(execute(h, wave[1], 'offer.accept', { offerId: `${orderId}:${wave[1].aad}` }))))).toContain('Tehtävä on sinun');
}, 90000);

test('a first wave stored before the order turned "offering" (its sender died): sending it again moves the order on, and the offers can be accepted', async () => {
  const orderId = await placeOrder('Tila jäi siirtämättä');
  // The offers are stored beside the order's move to "offering"; here only the offers made it.
  const wave = experts.slice(0, 2);
  expect(await h.bot.store.offers.claimWave(orderId, 1, longAgo(), wave.map((e) => e.aad))).toBe(true);
  expect(await h.bot.store.offers.createWave(orderId, [wave[0].aad], 1, longAgo())).toHaveLength(1);
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('new');

  const res = text(cardOf(await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA))));
  expect(res).toContain(t('fi', 'order.offersSent', { count: 2, wave: 1 }));
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('offering');
  for (const e of wave) expect(await offerCards(e, orderId)).toHaveLength(1);
  // Without the move, every Accept was answered "offers closed".
  expect(text(cardOf(await h.post(execute(h, wave[1], 'offer.accept', { offerId: `${orderId}:${wave[1].aad}` }))))).toContain('Tehtävä on sinun');
}, 60000);

test('the wave job finishes a first wave whose sender died before the order turned "offering", and leaves an order nobody sent alone', async () => {
  const cutShort = await placeOrder('Kesken ennen tilaa');
  const waiting = await placeOrder('Odottaa koordinaattoria');
  expect(await h.bot.store.offers.claimWave(cutShort, 1, longAgo(), [experts[2].aad])).toBe(true);

  await waveJob(h.bot.deps).run(ctx());
  expect((await h.bot.store.orders.get(cutShort))!.status).toBe('offering');
  expect(await offerCards(experts[2], cutShort)).toHaveLength(1);
  // Waiting for a coordinator is not a crash: no wave, no offers.
  expect((await h.bot.store.orders.get(waiting))!.status).toBe('new');
  expect(await h.bot.store.offers.wavesSent(waiting)).toBe(0);
  for (const e of experts) expect(await offerCards(e, waiting)).toHaveLength(0);
  // Once more (another minute, another instance): nothing twice.
  await waveJob(h.bot.deps).run(ctx(new Date(Date.now() + MIN)));
  expect(await offerCards(experts[2], cutShort)).toHaveLength(1);
}, 60000);

test('a later wave cut short is finished when the order is next due, before any new wave', async () => {
  const orderId = await placeOrder('Toinen aalto kesken');
  // Wave 1 goes out properly to one expert.
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: experts[0].aad }, CHANNEL, CHANNEL_DATA)));
  expect(await offerCards(experts[0], orderId)).toHaveLength(1);
  // Wave 2 is claimed and its offers stored a moment later, and then the process dies.
  const claimedAt = new Date(Date.now() + 1000);
  expect(await h.bot.store.offers.claimWave(orderId, 2, claimedAt)).toBe(true);
  await h.bot.store.offers.createWave(orderId, [experts[1].aad, experts[2].aad], 2, claimedAt);

  // When the order is next due (its last finished wave is WAVE_WAIT_MINUTES old) the job runs.
  await later(121 * MIN, () => waveJob(h.bot.deps).run(ctx(new Date(Date.now() + 121 * MIN))));
  expect(await offerCards(experts[1], orderId)).toHaveLength(1);
  expect(await offerCards(experts[2], orderId)).toHaveLength(1);
  expect(await offerCards(experts[0], orderId)).toHaveLength(1);
  // Wave 2 was finished, not followed at once by wave 3 to the last expert.
  expect(await offerCards(experts[3], orderId)).toHaveLength(0);
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(2);
}, 60000);

test('a coordinator sending the order also finishes a cut-short wave first', async () => {
  const orderId = await placeOrder('Koordinaattori jatkaa');
  await firstWaveStopped(orderId, new Date(), [experts[2]]);
  const res = text(cardOf(await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA))));
  expect(res).toContain(t('fi', 'order.offersSent', { count: 1, wave: 1 }));
  expect(await offerCards(experts[2], orderId)).toHaveLength(1);
});

test("each expert's offer card carries that expert's own offer id (a wave renders its card once per language)", async () => {
  const orderId = await placeOrder('Oma tarjous');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA))))).toContain(t('fi', 'order.offersSent', { count: 3, wave: 1 }));
  const offered = await h.bot.store.offers.ofOrder(orderId);
  expect(offered).toHaveLength(3);
  for (const offer of offered) {
    const e = experts.find((x) => x.aad === offer.expertId)!;
    const [card] = await offerCards(e, orderId);
    const json = text(card);
    expect(json).toContain(`"offerId":"${offer._id}"`);
    expect(json).not.toContain('offer-id-slot');
    for (const other of offered.filter((o) => o !== offer)) expect(json).not.toContain(other._id);
  }
  // The card's Accept button names that offer.
  const first = experts.find((x) => x.aad === offered[0].expertId)!;
  const data = /"verb":"offer\.accept"[^}]*"data":\{"offerId":"([^"]+)"\}/.exec(text((await offerCards(first, orderId))[0]));
  expect(data?.[1]).toBe(offered[0]._id);
}, 60000);

test('a wave cut short while its offers were being stored is finished whole: every expert its claim names gets the offer once', async () => {
  const orderId = await placeOrder('Puoliksi tallennettu aalto');
  const wave = experts.slice(0, 3);
  // offerWave up to the crash: the claim names three experts, only the first offer was stored.
  await firstWaveStopped(orderId, longAgo(), [wave[0]], wave);

  await waveJob(h.bot.deps).run(ctx());
  for (const e of wave) expect(await offerCards(e, orderId)).toHaveLength(1);
  expect(await offerCards(experts[3], orderId)).toHaveLength(0);
  expect((await h.bot.store.offers.openOfWave(orderId, 1)).map((o) => o.expertId).sort()).toEqual(wave.map((e) => e.aad).sort());
  await waveJob(h.bot.deps).run(ctx(new Date(Date.now() + MIN)));
  for (const e of wave) expect(await offerCards(e, orderId)).toHaveLength(1);
}, 60000);

test('a wave still being queued by its sender is left to it by the wave job, and finished by the job once its claim is old', async () => {
  const orderId = await placeOrder('Aalto matkalla');
  const wave = experts.slice(0, 3);
  // A sender at work: the claim names three experts, one offer is stored, no card queued yet.
  await firstWaveStopped(orderId, new Date(), [wave[0]], wave);

  // The job's minute comes while the sender is queueing: it builds nothing beside it.
  await waveJob(h.bot.deps).run(ctx());
  for (const e of wave) expect(await offerCards(e, orderId)).toHaveLength(0);
  expect(await h.bot.store.offers.openOfWave(orderId, 1)).toHaveLength(1);

  // The sender never finished (it died): once the claim is older than any fan-out takes, the job finishes the wave whole.
  await later(WAVE_IN_FLIGHT_MS + 1000, () => waveJob(h.bot.deps).run(ctx(new Date(Date.now() + WAVE_IN_FLIGHT_MS + 1000))));
  for (const e of wave) expect(await offerCards(e, orderId)).toHaveLength(1);
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(1);
}, 60000);

test('an accept cut short right after its seat insert is finished by the wave job: the order fills, the holder keeps the seat, everyone is told once', async () => {
  const orderId = await placeOrder('Kesken jäänyt hyväksyntä');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA))))).toContain(t('fi', 'order.offersSent', { count: 3, wave: 1 }));
  const offered = await h.bot.store.offers.ofOrder(orderId);
  const holder = experts.find((e) => e.aad === offered[0].expertId)!;
  const others = experts.filter((e) => e !== holder && offered.some((o) => o.expertId === e.aad));
  await h.bot.sender.drain(10000);
  h.connector.reset();
  // acceptOffer up to the crash: the seat is inserted; the offer is not marked, nobody told.
  const order = (await h.bot.store.orders.get(orderId))!;
  expect((await h.bot.store.assignments.claimSeat(order, holder.aad, new Date())).kind).toBe('won');

  for (const minutes of [121, 122]) await waveJob(h.bot.deps).run(ctx(new Date(Date.now() + minutes * MIN)));
  await h.bot.sender.drain(10000);
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('filled');
  const statuses = Object.fromEntries((await h.bot.store.offers.ofOrder(orderId)).map((o) => [o.expertId, o.status]));
  expect(statuses[holder.aad]).toBe('accepted');
  for (const e of others) expect(statuses[e.aad]).toBe('filled');
  const filledNotices = () => h.connector.sentTo(professional.personal).map(text).filter((s) => s.includes(t('fi', 'order.filledNotice', { count: order.seats })) && s.includes(orderId));
  expect(filledNotices()).toHaveLength(1);
  // Only the others' cards turned "filled"; the holder's did not.
  const filledCards = (u: User) => h.connector.calls.filter((c) => c.method === 'PUT' && c.conversationId === u.personal && text(c.body).includes('Tehtävä on jo täytetty'));
  expect(filledCards(holder)).toHaveLength(0);
  for (const e of others) expect(filledCards(e)).toHaveLength(1);

  // The holder clicking Accept on the old card is told the task is theirs; nobody is told again.
  expect(text(cardOf(await h.post(execute(h, holder, 'offer.accept', { offerId: `${orderId}:${holder.aad}` }))))).toContain('Tehtävä on sinun');
  await h.bot.sender.drain(10000);
  expect(filledNotices()).toHaveLength(1);
}, 60000);

test('two coordinators sending the same order at once send one wave, and each is told what happened; with nobody left, the card says so', async () => {
  const orderId = await placeOrder('Kaksi lähettäjää');
  await h.bot.sender.drain(10000);
  h.connector.reset();
  const send = () => h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA));
  const answers = (await Promise.all([send(), send()])).map((a) => text(cardOf(a)));
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(1);
  const offered = (await h.bot.store.offers.ofOrder(orderId)).length;
  expect(offered).toBeGreaterThan(0);
  // The click that lost the wave says so, or, if the wave was still on its way when it looked,
  // finishes it (keyed cards: nothing is sent twice) and reports it as sent.
  const sent = t('fi', 'order.offersSent', { count: offered, wave: 1 });
  for (const a of answers) expect(a.includes(sent) || a.includes(t('fi', 'order.noOffersSent.raced', { wave: 1 }))).toBe(true);
  expect(answers.some((a) => a.includes(sent))).toBe(true);
  for (const e of experts) expect((await offerCards(e, orderId)).length).toBeLessThanOrEqual(1);
  // Everyone free has the offer now: sending again sends nothing, and says why.
  const again = text(cardOf(await send()));
  expect(again).toContain(t('fi', 'order.noOffersSent.nobody'));
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(1);
});

test('a cancellation cut short right after the status moved, and not clicked again, is finished by the wave job', async () => {
  const orderId = await placeOrder('Kesken jäänyt peruutus');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA))))).toMatch(/Tarjous lähetettiin ([1-9]|yhdelle)/);
  const offered = await h.bot.store.offers.ofOrder(orderId);
  const holder = experts.find((e) => e.aad === offered[0].expertId)!;
  expect(text(cardOf(await h.post(execute(h, holder, 'offer.accept', { offerId: `${orderId}:${holder.aad}` }))))).toContain('Tehtävä on sinun');
  await h.bot.sender.drain(10000);
  h.connector.reset();
  // cancelOrder up to the crash, a late cancellation: the status moved, nothing else happened.
  const at = new Date();
  expect(await h.bot.store.orders.moveStatus(orderId, ['offering', 'filled'], 'cancelled', at, { cancelledAt: at, cancelledLate: true })).not.toBeNull();

  for (const minutes of [1, 2]) await waveJob(h.bot.deps).run(ctx(new Date(Date.now() + minutes * MIN)));
  await h.bot.sender.drain(10000);
  expect(await h.bot.store.assignments.of(orderId, holder.aad)).toMatchObject({ status: 'cancelled', feePayable: true });
  expect((await h.bot.store.offers.ofOrder(orderId)).filter((o) => o.status === 'open')).toHaveLength(0);
  expect(h.connector.sentTo(holder.personal).map(text).filter((s) => s.includes('Kesken jäänyt peruutus'))).toHaveLength(1);
});

test('a withdrawal cut short right after the seat was freed, and not clicked again, is finished by the wave job', async () => {
  const orderId = await placeOrder('Kesken jäänyt vetäytyminen');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA))))).toMatch(/Tarjous lähetettiin ([1-9]|yhdelle)/);
  const first = (await h.bot.store.offers.ofOrder(orderId))[0].expertId;
  const holder = experts.find((e) => e.aad === first)!;
  expect(text(cardOf(await h.post(execute(h, holder, 'offer.accept', { offerId: `${orderId}:${holder.aad}` }))))).toContain('Tehtävä on sinun');
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('filled');
  await h.bot.sender.drain(10000);
  h.connector.reset();
  // assignment.withdraw up to the crash: the seat is freed and recorded, nothing else happened.
  expect((await h.bot.store.assignments.withdraw(orderId, holder.aad, new Date()))?.first).toBe(true);

  for (const minutes of [1, 2]) await waveJob(h.bot.deps).run(ctx(new Date(Date.now() + minutes * MIN)));
  await h.bot.sender.drain(10000);
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('offering');
  expect((await h.bot.store.offers.get(`${orderId}:${holder.aad}`))!.status).toBe('withdrawn');
  expect(h.connector.sentTo(professional.personal).map(text).filter((s) => s.includes('perui osallistumisensa') && s.includes(orderId))).toHaveLength(1);
});
