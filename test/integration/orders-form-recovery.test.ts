import { randomUUID } from 'node:crypto';
import { parseOrderForm } from '../../src/domain/orderForm';
import { FORM_CLAIM_STALE_MS, placeOrderOnce } from '../../src/services/orders';
import { brokeringUpdate } from '../../src/services/brokeringCard';
import type { OrderDoc } from '../../src/store/orders';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { cardOf, CHANNEL, execute, text, user, User } from '../support/teams';
import { orderFormData } from '../support/orders';
import { stored } from '../support/db';

// Auto mode: an order's first wave goes out in its submit. The form's claim is written once (the
// order carries the form id); a placer that died after storing the order is recovered by a later
// submit once its claim is stale, and nothing is ever sent twice (docs/orders-and-offers.md).
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
const experts: User[] = [];
let h: Harness;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional, { BROKERING_MODE: 'auto', WAVE_SIZE: '2' });
  for (const n of ['Eero', 'Liisa', 'Ville']) experts.push(await activeExpert(h, coordinator, n));
}, 60000);
afterAll(() => h.stop());

const numberIn = (card: unknown) => /T-\d{4}-\d{4}/.exec(text(card))?.[0];

/**
 * What Teams got about the order: the calls to the coordinators' channel (a card update goes to
 * its thread, `;messageid=`), the offer cards, and how many experts got one. Three experts and
 * waves of two: a second wave would reach the third.
 */
async function sentAbout(orderId: string): Promise<{ channel: string[]; offerCards: number; experts: number }> {
  await h.bot.sender.drain(10000);
  const about = (conversationId: string) => h.connector.calls.filter((c) => c.conversationId.split(';')[0] === conversationId && JSON.stringify(c.body).includes(orderId));
  const perExpert = experts.map((e) => about(e.personal).length);
  return { channel: about(CHANNEL.id).map((c) => c.method), offerCards: perExpert.reduce((a, b) => a + b, 0), experts: perExpert.filter((n) => n > 0).length };
}

/** Submits the form straight to the service as if the clock were `aheadMs` later. */
async function submitLater(fields: Record<string, string>, aheadMs: number) {
  const { formId, ...rest } = fields;
  const later = new Date(Date.now() + aheadMs);
  const deps = { ...h.bot.deps, now: () => later };
  const parsed = parseOrderForm(rest, { catalog: deps.catalog, now: later, timeZone: deps.config.timeZone });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return placeOrderOnce(deps, parsed.value, { aadObjectId: professional.aad, name: professional.name }, professional.personal, formId);
}

/** An order just stored by a placer (status 'new', nothing queued for it), as place() stores it. */
async function storeNewOrder(id: string, form: Record<string, string>, now: Date): Promise<OrderDoc> {
  const startsAt = new Date(`${form.date}T11:00:00Z`);
  const order: OrderDoc = {
    _id: id, themes: ['mental-health'], taskType: 'talk', title: form.title, description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x.example',
    targetGroup: 'x', seats: 1, language: 'fi', costCentre: 'K1', contact: { name: 'Aino' }, orderer: { aadObjectId: professional.aad, name: 'Aino' },
    conversationId: professional.personal, endsAt: new Date(startsAt.getTime() + 90 * 60_000), status: 'new', formId: form.formId, createdAt: now, updatedAt: now,
  };
  await stored(h).orders.insertOne(order);
  return order;
}

test('a double click places one order and sends its first wave once: one card to the coordinators, one offer to each expert of the wave', async () => {
  const form = orderFormData({ title: 'Tuplaklikkaus automaattisesti' });
  const results = await Promise.all([1, 2, 3].map(() => h.post(execute(h, professional, 'order.submit', form))));
  const numbers = new Set(results.map((r) => numberIn(cardOf(r))));
  expect(numbers.size).toBe(1);
  const orderId = [...numbers][0]!;
  expect(await stored(h).orders.countDocuments({ formId: form.formId })).toBe(1);
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(1);
  expect(await stored(h).offers.countDocuments({ orderId })).toBe(2);
  expect(await sentAbout(orderId)).toEqual({ channel: ['POST'], offerCards: 2, experts: 2 });
});

test('a form submitted again after its claim went stale, its order placed whole: nothing is sent again', async () => {
  const form = orderFormData({ title: 'Valmis tilaus' });
  const orderId = numberIn(cardOf(await h.post(execute(h, professional, 'order.submit', form))))!;
  expect(await sentAbout(orderId)).toEqual({ channel: ['POST'], offerCards: 2, experts: 2 });
  const again = await submitLater(form, FORM_CLAIM_STALE_MS + 60_000);
  expect(again).toMatchObject({ kind: 'repeat', order: { _id: orderId, status: 'offering' } });
  expect(await h.bot.store.offers.wavesSent(orderId)).toBe(1);
  expect(await sentAbout(orderId)).toEqual({ channel: ['POST'], offerCards: 2, experts: 2 });
  expect(await stored(h).orders.countDocuments({ formId: form.formId })).toBe(1);
});

test('a placer that died right after storing the order: a submit at once leaves the rest to it; one after the claim went stale sends the card and the first wave, once', async () => {
  const form = orderFormData({ title: 'Kesken jäänyt' });
  const now = new Date();
  // What a submit leaves when it dies right after the order's insert: the claim and the order, nothing queued.
  expect(await h.bot.store.orders.claimForm(form.formId, 0, now)).toBe(true);
  await storeNewOrder('T-2026-0950', form, now);
  // A double click while the placer may still be at work: answered with the order, nothing raced.
  expect(numberIn(cardOf(await h.post(execute(h, professional, 'order.submit', form))))).toBe('T-2026-0950');
  expect(await h.bot.store.offers.wavesSent('T-2026-0950')).toBe(0);
  expect(await sentAbout('T-2026-0950')).toEqual({ channel: [], offerCards: 0, experts: 0 });
  // Once the claim is stale, a submit finishes what the placer left undone.
  expect(await submitLater(form, FORM_CLAIM_STALE_MS + 1000)).toMatchObject({ kind: 'repeat', order: { _id: 'T-2026-0950', status: 'offering' } });
  expect(await sentAbout('T-2026-0950')).toEqual({ channel: ['POST'], offerCards: 2, experts: 2 });
  // Two more submits at once, later still: nothing more.
  const more = await Promise.all([1, 2].map(() => submitLater(form, FORM_CLAIM_STALE_MS + 120_000)));
  expect(more.map((r) => r.kind)).toEqual(['repeat', 'repeat']);
  expect(await h.bot.store.offers.wavesSent('T-2026-0950')).toBe(1);
  expect(await stored(h).offers.countDocuments({ orderId: 'T-2026-0950' })).toBe(2);
  expect(await sentAbout('T-2026-0950')).toEqual({ channel: ['POST'], offerCards: 2, experts: 2 });
  expect(await stored(h).orders.countDocuments({ formId: form.formId })).toBe(1);
});

test('a placer that died after queuing the card but before the first wave: a stale submit sends only the wave', async () => {
  const form = orderFormData({ title: 'Aalto puuttuu' });
  const now = new Date();
  expect(await h.bot.store.orders.claimForm(form.formId, 0, now)).toBe(true);
  const order = await storeNewOrder('T-2026-0951', form, now);
  // The placer's first step after the insert, and no more.
  await brokeringUpdate(h.bot.deps, order, undefined, { fresh: true });
  expect(await sentAbout('T-2026-0951')).toEqual({ channel: ['POST'], offerCards: 0, experts: 0 });
  expect(await submitLater(form, FORM_CLAIM_STALE_MS + 1000)).toMatchObject({ kind: 'repeat', order: { _id: 'T-2026-0951', status: 'offering' } });
  // The card was queued already (its key names the order): only the wave goes out.
  expect(await sentAbout('T-2026-0951')).toEqual({ channel: ['POST'], offerCards: 2, experts: 2 });
  expect(await h.bot.store.offers.wavesSent('T-2026-0951')).toBe(1);
});
