import { localParts } from '../../src/domain/time';
import { t } from '../../src/i18n';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, text, user, User } from '../support/teams';
import { stored } from '../support/db';

// Offers close 2 hours before the task starts. An expired offer cannot be accepted however
// its click is replayed (the card says it expired); no offer is sent that would expire at
// once (the coordinator is told the task is too close); an order inside that time is refused
// by the form. The bot's clock is injected: the tests move it, never sleep.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
const HOUR = 3_600_000;
let offset = 0;
const now = () => new Date(Date.now() + offset);
let h: Harness;
let expert: User;
let other: User;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional, {}, { now });
  expert = await activeExpert(h, coordinator, 'Eero Esimerkki');
  other = await activeExpert(h, coordinator, 'Outi Odottava');
}, 60_000);
afterAll(() => h.stop());
beforeEach(() => {
  offset = 0;
});

/** The order form's date and time fields (Helsinki wall clock) of an instant. */
/** The order form's date and time inputs for a start at `at`, as typed in Helsinki. */
function startFields(at: Date): { date: string; time: string } {
  return localParts(at, 'Europe/Helsinki');
}

async function placeOrderStartingIn(ms: number, title: string): Promise<string> {
  const card = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title, ...startFields(new Date(now().getTime() + ms)) })))));
  const id = /T-\d{4}-\d{4}/.exec(card)?.[0];
  if (!id) throw new Error(`no order placed: ${card.slice(0, 300)}`);
  return id;
}

test('an offer accepted after it expired (a replayed click) is refused: no seat, and the card says it expired', async () => {
  const orderId = await placeOrderStartingIn(3 * HOUR, 'Vanhentuva tarjous');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }, CHANNEL, CHANNEL_DATA))))).toContain(t('fi', 'order.offersSent', { count: 1, wave: 1 }));
  const offerId = `${orderId}:${expert.aad}`;
  expect((await h.bot.store.offers.get(offerId))?.status).toBe('open');

  // 1 h 30 min before the start: the offer closed 30 minutes ago (the wave job has not run yet).
  offset = 1.5 * HOUR;
  const answer = text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId }))));
  // It says when answers closed: two hours before the start, in Helsinki time.
  const closedAt = localParts(new Date((await h.bot.store.orders.get(orderId))!.startsAt.getTime() - 2 * HOUR), 'Europe/Helsinki');
  expect(answer).toMatch(/Tarjous ei ole enää voimassa\. Vastausaika päättyi [a-z]{2} \d{1,2}\.\d{1,2}\.\d{4} klo \d\d\.\d\d\./);
  expect(answer).toContain(`klo ${closedAt.time.replace(':', '.')}.`);
  expect(answer).not.toContain('Tehtävä on sinun');
  expect(await h.bot.store.assignments.of(orderId, expert.aad)).toBeNull();
  expect((await h.bot.store.offers.get(offerId))?.status).toBe('expired');
  expect((await h.bot.store.orders.get(orderId))?.status).toBe('offering');
  // Replayed again: the same answer, still no seat.
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId }))))).toContain('Tarjous ei ole enää voimassa');
  expect(await h.bot.store.assignments.of(orderId, expert.aad)).toBeNull();
}, 30_000);

test('an offer accepted a minute before its expiry still wins the seat', async () => {
  const orderId = await placeOrderStartingIn(3 * HOUR, 'Ehtii juuri');
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }, CHANNEL, CHANNEL_DATA)));
  offset = 58 * 60_000;
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  expect(await h.bot.store.assignments.of(orderId, expert.aad)).toMatchObject({ status: 'accepted' });
}, 30_000);

test('a coordinator sending offers for a task within 2 hours sends none and is told the task is too close', async () => {
  const orderId = await placeOrderStartingIn(3 * HOUR, 'Liian lähellä');
  await h.bot.sender.drain(10_000);
  h.connector.reset();
  offset = 1.5 * HOUR;
  const answer = text(cardOf(await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA))));
  expect(answer).toContain('Tarjouksia ei lähetetty: tehtävä alkaa');
  expect(answer).toContain('tarjoukset sulkeutuvat 2 tuntia ennen alkua');
  expect(await h.bot.store.offers.ofOrder(orderId)).toHaveLength(0);
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(0);
  await h.bot.sender.drain(10_000);
  expect(h.connector.sentTo(other.personal).map(text).filter((s) => s.includes(orderId))).toHaveLength(0);
  // Naming the expert does not get round it.
  expect(text(cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: other.aad }, CHANNEL, CHANNEL_DATA))))).toContain('Tarjouksia ei lähetetty: tehtävä alkaa');
  expect(await h.bot.store.offers.ofOrder(orderId)).toHaveLength(0);
}, 30_000);

test('an order starting within 2 hours is refused by the form with a clear message; nothing is saved', async () => {
  const before = await stored(h).orders.countDocuments({});
  const card = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title: 'Heti', ...startFields(new Date(now().getTime() + 90 * 60_000)) })))));
  expect(card).toContain('Tehtävä alkaa liian pian');
  expect(card).not.toMatch(/T-\d{4}-\d{4}/);
  expect(await stored(h).orders.countDocuments({})).toBe(before);
});
