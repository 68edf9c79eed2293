import { localParts } from '../../src/domain/time';
import { settlePeriod } from '../../src/services/fees';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, text, user, User } from '../support/teams';
import { stored } from '../support/db';

// After the task has started, "withdraw" is no longer a seat given back: it is "I could not
// come", recorded on the expert's seat (no fee, no travel), reported to the coordinators, and
// the seat is not offered again. The bot's clock is injected: the test moves it, never sleeps.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
const HOUR = 3_600_000;
let offset = 0;
const now = () => new Date(Date.now() + offset);
let h: Harness;
let absent: User;
let present: User;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional, {}, { now });
  absent = await activeExpert(h, coordinator, 'Eero Esimerkki');
  present = await activeExpert(h, coordinator, 'Liisa Läsnä');
}, 60_000);
afterAll(() => h.stop());

/** The order form's date and time inputs for a start at `at`, as typed in Helsinki. */
function startFields(at: Date): { date: string; time: string } {
  return localParts(at, 'Europe/Helsinki');
}

test('withdrawing after the start is reported as "could not come": the seat stays, no new wave, the coordinators are told once, no fee is paid', async () => {
  const startsAt = new Date(now().getTime() + 3 * HOUR);
  const placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title: 'Alkanut tehtävä', seats: '2', ...startFields(startsAt) })))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  for (const e of [absent, present]) {
    cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: e.aad }, CHANNEL, CHANNEL_DATA)));
    expect(text(cardOf(await h.post(execute(h, e, 'offer.accept', { offerId: `${orderId}:${e.aad}` }))))).toContain('Tehtävä on sinun');
  }
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('filled');
  const waves = await h.bot.store.offers.wavesSent(orderId);
  await h.bot.sender.drain(10_000);
  h.connector.reset();

  // Ten minutes into the task the expert clicks "withdraw" on their card.
  offset = 3 * HOUR + 10 * 60_000;
  const answer = text(cardOf(await h.post(execute(h, absent, 'assignment.withdraw', { orderId }))));
  expect(answer).toContain('Kirjasimme, ettet päässyt paikalle');
  expect(answer).not.toContain('assignment.withdraw');
  // The seat is not given back: the order stays filled, nobody else is offered it.
  const seat = await h.bot.store.assignments.of(orderId, absent.aad);
  expect(seat).toMatchObject({ status: 'accepted' });
  expect(seat!.absentAt).toBeInstanceOf(Date);
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('filled');
  expect((await h.bot.store.offers.get(`${orderId}:${absent.aad}`))!.status).toBe('accepted');
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(waves);
  expect(await stored(h).withdrawals.countDocuments({ orderId })).toBe(0);

  // A repeated click answers the same and reports nothing twice.
  expect(text(cardOf(await h.post(execute(h, absent, 'assignment.withdraw', { orderId }))))).toContain('Kirjasimme, ettet päässyt paikalle');
  await h.bot.sender.drain(10_000);
  const reports = h.connector.sentTo(CHANNEL.id).map(text).filter((s) => s.includes('ettei päässyt paikalle') && s.includes(orderId));
  expect(reports).toHaveLength(1);
  expect(reports[0]).toContain('Eero Esimerkki');
  // The orderer is not told that the seat is open again (it is not).
  expect(h.connector.sentTo(professional.personal).map(text).filter((s) => s.includes('perui osallistumisensa'))).toHaveLength(0);

  // The task ends; the orderer confirms it was held as ordered. The absent expert gets no fee.
  await h.bot.store.assignments.markDone(orderId, now());
  await h.bot.store.assignments.confirmOutcome(orderId, 90, 'held', now());
  // Settled once the month has ended (two months on is always after it).
  const settled = await settlePeriod(h.bot.deps, localParts(startsAt, 'Europe/Helsinki').date.slice(0, 7), new Date(startsAt.getTime() + 62 * 24 * HOUR));
  if (!settled.ok) throw new Error(`not settled: ${settled.reason}`);
  const mine = settled.lines.filter((l) => l.orderId === orderId);
  expect([...new Set(mine.map((l) => l.expertId))]).toEqual([present.aad]);
  expect(mine.reduce((sum, l) => sum + l.cents, 0)).toBeGreaterThan(0);
}, 60_000);

test('withdrawing before the start still gives the seat back', async () => {
  offset = 0;
  const placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title: 'Ei vielä alkanut', ...startFields(new Date(now().getTime() + 26 * HOUR)) })))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: absent.aad }, CHANNEL, CHANNEL_DATA)));
  cardOf(await h.post(execute(h, absent, 'offer.accept', { offerId: `${orderId}:${absent.aad}` })));
  offset = 25 * HOUR;
  expect(text(cardOf(await h.post(execute(h, absent, 'assignment.withdraw', { orderId }))))).toContain('Peruit osallistumisesi');
  expect(await h.bot.store.assignments.of(orderId, absent.aad)).toBeNull();
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('offering');
}, 30_000);

test('withdrawing within the last 2 hours frees the seat but sends no offers, and the orderer is not promised any', async () => {
  offset = 0;
  const placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title: 'Pian alkava', ...startFields(new Date(now().getTime() + 50 * HOUR)) })))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: present.aad }, CHANNEL, CHANNEL_DATA)));
  cardOf(await h.post(execute(h, present, 'offer.accept', { offerId: `${orderId}:${present.aad}` })));
  const waves = await h.bot.store.offers.wavesSent(orderId);
  await h.bot.sender.drain(10_000);
  h.connector.reset();
  offset = 48.5 * HOUR;
  expect(text(cardOf(await h.post(execute(h, present, 'assignment.withdraw', { orderId }))))).toContain('Peruit osallistumisesi');
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(waves);
  await h.bot.sender.drain(10_000);
  const told = h.connector.sentTo(professional.personal).map(text).filter((s) => s.includes(orderId));
  expect(told.some((s) => s.includes('uusia tarjouksia ei enää lähetetä'))).toBe(true);
  expect(told.some((s) => s.includes('uusia tarjouksia lähetetään'))).toBe(false);
}, 30_000);
