import { randomUUID } from 'node:crypto';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user } from '../support/teams';
import { ONSITE, orderFormData } from '../support/orders';
import { stored } from '../support/db';

// An order form card is placed at most once: a double click, or a retry after a failure
// half-way, answers with the order placed before and creates nothing.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
const other = user('Olli Ulkopuolinen');
let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  for (const u of [professional, other]) await h.post(personalMessage(h, u, 'ohje'));
}, 30000);
afterAll(() => h.stop());

function orderForm(title: string, formId?: string): Record<string, string> {
  return orderFormData({ ...(formId ? { formId } : {}), title, ...ONSITE });
}

const numberIn = (card: unknown) => /T-\d{4}-\d{4}/.exec(text(card))?.[0];
const ordersTitled = (title: string) => stored(h).orders.countDocuments({ title });

/** The form id hidden in the submit action of a rendered order form card. */
function formIdOf(card: unknown): string {
  const m = /"verb":"order\.submit","data":\{"formId":"([0-9a-f-]{36})"\}/.exec(text(card));
  if (!m) throw new Error(`no form id in ${text(card).slice(0, 200)}`);
  return m[1];
}

test('the form card carries a one-time id; the same form submitted twice places one order and answers with the same card', async () => {
  await h.post(personalMessage(h, professional, 'tilaa'));
  const sent = h.connector.sentTo(professional.personal);
  const formId = formIdOf(sent[sent.length - 1]);
  // A new form, a new id.
  await h.post(personalMessage(h, professional, 'tilaa'));
  const again = h.connector.sentTo(professional.personal);
  expect(formIdOf(again[again.length - 1])).not.toBe(formId);

  const first = cardOf(await h.post(execute(h, professional, 'order.submit', orderForm('Kahdesti lähetetty', formId))));
  expect(text(first)).toContain('Tilaus vastaanotettu');
  const second = cardOf(await h.post(execute(h, professional, 'order.submit', orderForm('Kahdesti lähetetty', formId))));
  expect(numberIn(second)).toBe(numberIn(first));
  expect(text(second)).toBe(text(first));
  expect(await ordersTitled('Kahdesti lähetetty')).toBe(1);
});

test('a double click (two submits at once) places one order; both get its card', async () => {
  const formId = randomUUID();
  const results = await Promise.all([1, 2, 3].map(() => h.post(execute(h, professional, 'order.submit', orderForm('Tuplaklikkaus', formId)))));
  const numbers = results.map((r) => numberIn(cardOf(r)));
  expect(numbers[0]).toBeTruthy();
  expect(new Set(numbers).size).toBe(1);
  expect(await ordersTitled('Tuplaklikkaus')).toBe(1);
});

test('a retry after the first submit died half-way: the order stored is found by its form id, nothing new is made, its card sent once', async () => {
  const formId = randomUUID();
  const now = new Date();
  // What a submit leaves when the database goes away right after the order's insert.
  expect(await h.bot.store.orders.claimForm(formId, 0, new Date(now.getTime() - 5 * 60_000))).toBe(true);
  const d = new Date(Date.now() + 5 * 86_400_000);
  const startsAt = new Date(`${d.toISOString().slice(0, 10)}T11:00:00Z`);
  await h.bot.store.orders.insert({
    _id: 'T-2026-0900', themes: ['mental-health'], taskType: 'talk', title: 'Katkennut tilaus', description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x.example',
    targetGroup: 'x', seats: 1, language: 'fi', costCentre: 'K1', contact: { name: 'Aino' }, orderer: { aadObjectId: professional.aad, name: 'Aino' },
    conversationId: professional.personal, endsAt: new Date(startsAt.getTime() + 90 * 60_000), status: 'new', formId, createdAt: now, updatedAt: now,
  });
  h.connector.reset();
  const res = cardOf(await h.post(execute(h, professional, 'order.submit', orderForm('Katkennut tilaus', formId))));
  expect(numberIn(res)).toBe('T-2026-0900');
  expect(text(res)).toContain('Tilaus vastaanotettu');
  expect(await ordersTitled('Katkennut tilaus')).toBe(1);
  // What the dead submit left undone is finished: the coordinators get the order's card, once.
  await h.bot.sender.drain(10000);
  const channelCalls = () => h.connector.calls.filter((c) => c.conversationId.split(';')[0] === CHANNEL.id && JSON.stringify(c.body).includes('T-2026-0900'));
  expect(channelCalls().map((c) => c.method)).toEqual(['POST']);
  // The claim is as its submit wrote it: nothing links it, the order names its form.
  expect(await stored(h).orderForms.find({ formId }).toArray()).toEqual([{ _id: formId, formId, gen: 0, at: expect.any(Date) }]);
  // And once more: still the one order, and nothing is sent again (no second card, no update).
  expect(numberIn(cardOf(await h.post(execute(h, professional, 'order.submit', orderForm('Katkennut tilaus', formId)))))).toBe('T-2026-0900');
  expect(await ordersTitled('Katkennut tilaus')).toBe(1);
  await h.bot.sender.drain(10000);
  expect(channelCalls().map((c) => c.method)).toEqual(['POST']);
});

test('a retry after the first submit died before storing the order places it once', async () => {
  const formId = randomUUID();
  expect(await h.bot.store.orders.claimForm(formId, 0, new Date(Date.now() - 5 * 60_000))).toBe(true);
  const results = await Promise.all([1, 2].map(() => h.post(execute(h, professional, 'order.submit', orderForm('Kuollut ennen tallennusta', formId)))));
  const numbers = results.map((r) => numberIn(cardOf(r)));
  expect(numbers[0]).toBeTruthy();
  expect(new Set(numbers).size).toBe(1);
  expect(await ordersTitled('Kuollut ennen tallennusta')).toBe(1);
});

test('the form id is validated; a bad one saves nothing; someone else\'s form id shows them nothing', async () => {
  for (const bad of ['x', `${randomUUID()}0`, randomUUID().toUpperCase(), 42, { $ne: 1 }]) {
    const res = text(cardOf(await h.post(execute(h, professional, 'order.submit', { ...orderForm('Huono lomaketunnus'), formId: bad as never }))));
    expect(res).toContain('eivät kelpaa');
  }
  expect(await ordersTitled('Huono lomaketunnus')).toBe(0);

  const formId = randomUUID();
  const mine = cardOf(await h.post(execute(h, professional, 'order.submit', orderForm('Oma lomake', formId))));
  expect(numberIn(mine)).toBeTruthy();
  const theirs = text(cardOf(await h.post(execute(h, other, 'order.submit', orderForm('Oma lomake', formId)))));
  expect(theirs).toContain('ei ole oikeutta');
  expect(theirs).not.toContain(numberIn(mine)!);
  expect(await ordersTitled('Oma lomake')).toBe(1);
});

test('a form shown again with errors keeps its id; a submit without a form id places nothing', async () => {
  const formId = randomUUID();
  const errors = cardOf(await h.post(execute(h, professional, 'order.submit', { ...orderForm('Virheellinen', formId), title: '' })));
  expect(text(errors)).toContain('Pakollinen tieto');
  expect(formIdOf(errors)).toBe(formId);
  const { formId: _none, ...withoutId } = orderForm('Ilman lomaketunnusta');
  const refused = cardOf(await h.post(execute(h, professional, 'order.submit', withoutId)));
  expect(text(refused)).toContain('Lomakkeen tiedot eivät kelpaa');
  expect(await ordersTitled('Ilman lomaketunnusta')).toBe(0);
});
