import { randomUUID } from 'node:crypto';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, text, user } from '../support/teams';
import { stored } from '../support/db';

// What an order submit and a late Accept click cost the database (BENCH_STATS=1 counts the bot's commands; see
// docs/performance.md): the offer and its order, read together, and nothing written.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
let h: Harness;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional, { WAVE_SIZE: '3', BENCH_STATS: '1' });
}, 30000);
afterAll(() => h.stop());

test('a click on an offer already filled reads the offer and the order, writes nothing, and says the task is taken', async () => {
  const experts = [];
  for (const n of ['Eero', 'Liisa', 'Ville']) experts.push(await activeExpert(h, coordinator, n));
  const d = new Date(Date.now() + 5 * 86_400_000);
  const form = {
    formId: randomUUID(), themes: 'mental-health', taskType: 'talk', title: 'Myöhäinen klikkaus', description: 'Kokemuspuheenvuoro.', goal: '', date: d.toISOString().slice(0, 10), time: '13:00',
    durationMinutes: '90', mode: 'remote', municipality: '', address: '', link: 'https://teams.example/meet', targetGroup: 'Hoitohenkilöstö', audienceSize: '',
    seats: '1', language: 'fi', costCentre: 'KP-1', contactName: 'Aino', contactPhone: '040 123 4567', contactEmail: '', noteToCoordinator: '',
  };
  const orderId = /T-\d{4}-\d{4}/.exec(text(cardOf(await h.post(execute(h, professional, 'order.submit', form)))))![0];
  await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA));
  const won = text(cardOf(await h.post(execute(h, experts[0], 'offer.accept', { offerId: `${orderId}:${experts[0].aad}` }))));
  expect(won).toContain('Tehtävä on sinun');
  await h.bot.sender.drain(10000);
  expect((await h.bot.store.offers.get(`${orderId}:${experts[1].aad}`))?.status).toBe('filled');

  const before = { ...h.bot.database.commandCounts() };
  const late = text(cardOf(await h.post(execute(h, experts[1], 'offer.accept', { offerId: `${orderId}:${experts[1].aad}` }))));
  await new Promise((r) => setImmediate(r));
  const after = h.bot.database.commandCounts() ?? {};
  const sent = Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => (n as number) > 0));
  expect(late).toContain('ehdittiin jo täyttää');
  // The seat is known taken (this process saw it, or its insert fails): no offer write.
  expect(sent['update offers']).toBeUndefined();
  expect(sent['find offers']).toBe(1);
  expect(sent['find orders']).toBe(1);
});

test('an order submit writes its form claim once and never again, and reads no seats of the order it just placed; the order is found by its form id', async () => {
  const d = new Date(Date.now() + 6 * 86_400_000);
  const form = {
    themes: 'mental-health', taskType: 'talk', title: 'Laskettu tilaus', description: 'Kokemuspuheenvuoro.', goal: '', date: d.toISOString().slice(0, 10), time: '13:00',
    durationMinutes: '90', mode: 'remote', municipality: '', address: '', link: 'https://teams.example/meet', targetGroup: 'Hoitohenkilöstö', audienceSize: '',
    seats: '1', language: 'fi', costCentre: 'KP-1', contactName: 'Aino', contactPhone: '040 123 4567', contactEmail: '', noteToCoordinator: '', formId: randomUUID(),
  };
  const before = { ...h.bot.database.commandCounts() };
  const card = text(cardOf(await h.post(execute(h, professional, 'order.submit', form))));
  const after = h.bot.database.commandCounts() ?? {};
  const sent = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  const orderId = /T-\d{4}-\d{4}/.exec(card)![0];
  expect(sent('insert orderForms')).toBe(1);
  expect(sent('update orderForms')).toBe(0);
  // Only the ranking's read of who is busy then; the orderer's card has no seats to read.
  expect(sent('find assignments')).toBe(1);
  // One order, carrying its form id; the coordinators' card sent once.
  expect((await stored(h).orders.find({ formId: form.formId }).toArray()).map((o) => o._id)).toEqual([orderId]);
  await h.bot.sender.drain(10000);
  const channelCalls = () => h.connector.calls.filter((c) => c.conversationId.split(';')[0] === CHANNEL.id && JSON.stringify(c.body).includes(orderId)).map((c) => c.method);
  expect(channelCalls()).toEqual(['POST']);
  // Submitted again: the same order, found by its form id with one indexed read; nothing new is made or sent.
  const again = { ...h.bot.database.commandCounts() };
  expect(text(cardOf(await h.post(execute(h, professional, 'order.submit', form))))).toContain(orderId);
  expect((h.bot.database.commandCounts()?.['find orders'] ?? 0) - (again['find orders'] ?? 0)).toBe(1);
  expect(await stored(h).orders.countDocuments({ formId: form.formId })).toBe(1);
  await h.bot.sender.drain(10000);
  expect(channelCalls()).toEqual(['POST']);
  expect((await stored(h).orders.indexes()).some((i) => JSON.stringify(i.key) === '{"formId":1}' && !i.unique && !i.partialFilterExpression)).toBe(true);
});
