import { remindersJob } from '../../src/jobs/afterTask';
import { JobContext } from '../../src/jobs/scheduler';
import { validateCard } from '../support/card-validation';
import { stored } from '../support/db';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user, User } from '../support/teams';

// Issue 15, Teams-native: a debrief request is a card with "I'll call" (coordinators only,
// taken once, updated in place for everyone), and alerts that need someone @mention the
// coordinator who took the order on.
const kaisa = user('Kaisa Koordinaattori');
const ville = user('Ville Välittäjä');
const aino = user('Aino Ammattilainen');
const stranger = user('Joku Muu');
const HOUR = 3600_000;
let h: Harness;
let eero: User;

const click = (u: User, verb: string, data: Record<string, unknown>) => h.post(execute(h, u, verb, data, CHANNEL, CHANNEL_DATA));
/** Cards the bot posted in (or updated in) the coordinators' channel, as JSON text. */
const channelCards = () => h.connector.calls.filter((c) => c.conversationId.startsWith(CHANNEL.id)).map((c) => ({ method: c.method, body: c.body, json: text(c.body) }));
const cardIn = (body: Record<string, unknown>) => (body.attachments as { content: Record<string, unknown> }[])[0].content;

function ctx(now: Date): JobContext {
  return { job: 'reminders', runKey: `reminders@${now.getTime()}`, key: String(now.getTime()), scheduledFor: now, localDate: '', attempt: 1, progress: undefined, checkpoint: async () => undefined, now: () => now, signal: new AbortController().signal };
}

/** An order of Aino's, placed with the order form, `daysAhead` days ahead. */
async function place(title: string, daysAhead: number): Promise<string> {
  const card = text(cardOf(await h.post(execute(h, aino, 'order.submit', orderFormData({ title }, daysAhead)))));
  return /T-\d{4}-\d{4,6}/.exec(card)![0];
}

beforeAll(async () => {
  h = await startForJobTests(__filename, kaisa, aino, { COORDINATOR_AAD_IDS: `${kaisa.aad},${ville.aad}` });
  eero = await activeExpert(h, kaisa, 'Eero Esimerkki');
  for (const u of [ville, stranger]) await h.post(personalMessage(h, u, 'ohje'));
}, 60_000);
afterAll(() => h.stop());

test('the coordinator whose click sent offers takes the order on: the unfilled alert @mentions them by their Teams id; an order nobody took mentions nobody', async () => {
  const taken = await place('Kaisan tilaus', 2);
  const untaken = await place('Kenenkään tilaus', 2);
  expect(text(cardOf(await click(kaisa, 'order.offerTop', { orderId: taken })))).toContain(taken);
  // Ville's later click on the same order does not take it over.
  cardOf(await click(ville, 'order.offerTop', { orderId: taken }));
  expect(await h.bot.store.handlers.get(`order:${taken}`)).toMatchObject({ coordinator: { aadObjectId: kaisa.aad, userId: kaisa.id, name: 'Kaisa Koordinaattori' } });
  expect(await h.bot.store.handlers.get(`order:${untaken}`)).toBeNull();

  await h.bot.sender.drain(10000);
  h.connector.reset();
  await remindersJob(h.bot.deps).run(ctx(new Date()));
  await h.bot.sender.drain(10000);
  const alert = channelCards().find((c) => c.json.includes(`Täyttämättä: ${taken}`))!;
  const card = cardIn(alert.body);
  expect(JSON.stringify(card.body)).toContain('<at>Kaisa Koordinaattori</at> Täyttämättä');
  expect(card.msteams).toEqual({ entities: [{ type: 'mention', text: '<at>Kaisa Koordinaattori</at>', mentioned: { id: kaisa.id, name: 'Kaisa Koordinaattori' } }] });
  const { msteams: _m, ...plain } = card;
  expect(validateCard(plain)).toEqual([]);
  const other = cardIn(channelCards().find((c) => c.json.includes(`Täyttämättä: ${untaken}`))!.body);
  expect(other.msteams).toBeUndefined();
  expect(JSON.stringify(other)).not.toContain('<at>');
}, 30_000);

describe('a debrief request', () => {
  let orderId: string;
  const request = () => ({ orderId, expertId: eero.aad });

  beforeAll(async () => {
    orderId = await place('Raskas tehtävä', 3);
    cardOf(await click(kaisa, 'order.offerTop', { orderId }));
    cardOf(await h.post(execute(h, eero, 'offer.accept', { offerId: `${orderId}:${eero.aad}` })));
    // The task took place: moved into the past, and its feedback cards sent.
    const startsAt = new Date(Date.now() - 3 * HOUR);
    await stored(h).orders.updateOne({ _id: orderId }, { $set: { startsAt, endsAt: new Date(startsAt.getTime() + 90 * 60_000) } });
    await stored(h).assignments.updateMany({ orderId }, { $set: { startsAt } });
    const order = (await h.bot.store.orders.get(orderId))!;
    const { requestFeedback } = await import('../../src/services/feedback');
    await requestFeedback(h.bot.deps, order);
    await h.bot.sender.drain(10000);
    h.connector.reset();
    cardOf(await h.post(execute(h, eero, 'feedback.expert', { orderId, tookPlace: 'yes', actualMinutes: '90', travelKm: '', ticketEuros: '', howItWent: '2', text: '', debrief: 'true', anonymousText: '' })));
    await h.bot.sender.drain(10000);
  }, 60_000);

  test('is a card in the coordinators channel: the wish, the expert\'s phone, "Hoidan tämän", the order\'s coordinator @mentioned', () => {
    const posts = channelCards().filter((c) => c.method === 'POST' && c.json.includes('Jälkipuintitoive'));
    expect(posts).toHaveLength(1);
    const card = cardIn(posts[0].body);
    const json = JSON.stringify(card);
    expect(json).toContain(`Eero Esimerkki toivoo jälkipuintia tehtävästä ${orderId}`);
    expect(json).toContain('040 123 4567');
    expect(json).toContain('Kukaan ei ole vielä ottanut tätä hoitaakseen.');
    expect(json).toContain('"verb":"feedback.takeDebrief"');
    expect(json).toContain('"title":"Hoidan tämän"');
    expect(card.msteams).toEqual({ entities: [{ type: 'mention', text: '<at>Kaisa Koordinaattori</at>', mentioned: { id: kaisa.id, name: 'Kaisa Koordinaattori' } }] });
    const { msteams: _m, ...plain } = card;
    expect(validateCard(plain)).toEqual([]);
    // Nothing of it goes anywhere but the coordinators' channel.
    for (const chat of [aino.personal, eero.personal]) expect(h.connector.sentTo(chat).map(text).join()).not.toContain('jälkipuintia');
  });

  test('someone who is not a coordinator is refused and nothing is recorded; forged or extra data is refused', async () => {
    expect(text(cardOf(await click(stranger, 'feedback.takeDebrief', request())))).toContain('Sinulla ei ole oikeutta');
    expect(await h.bot.store.handlers.get(`debrief:${orderId}:${eero.aad}`)).toBeNull();
    expect(text(cardOf(await click(kaisa, 'feedback.takeDebrief', { ...request(), expertId: stranger.aad })))).toContain('jälkipuintitoivetta ei löydy');
    expect(text(cardOf(await click(kaisa, 'feedback.takeDebrief', { ...request(), extra: 1 })))).toContain('eivät kelpaa');
    expect(text(cardOf(await click(kaisa, 'feedback.takeDebrief', { orderId: { $ne: null }, expertId: eero.aad })))).toContain('eivät kelpaa');
    expect(await stored(h).outbox.countDocuments({ key: { $regex: '^debrief:.*:taken$' } })).toBe(0);
  });

  test('two coordinators click at once: one takes it, the card turns "X hoitaa tämän" for everyone, the other is told who has it', async () => {
    h.connector.reset();
    const [a, b] = await Promise.all([click(ville, 'feedback.takeDebrief', request()), click(kaisa, 'feedback.takeDebrief', request())]);
    const stored1 = (await h.bot.store.handlers.get(`debrief:${orderId}:${eero.aad}`))!;
    const winner = stored1.coordinator.aadObjectId === ville.aad ? { u: ville, res: a, other: b } : { u: kaisa, res: b, other: a };
    const won = cardOf(winner.res);
    expect(JSON.stringify(won)).toContain(`<at>${winner.u.name}</at> hoitaa tämän`);
    expect(JSON.stringify(won)).not.toContain('feedback.takeDebrief');
    expect(won.msteams).toEqual({ entities: [{ type: 'mention', text: `<at>${winner.u.name}</at>`, mentioned: { id: winner.u.id, name: winner.u.name } }] });
    expect(JSON.stringify(cardOf(winner.other))).toContain(`${winner.u.name} hoitaa jo tätä.`);
    // A later click by the taker themselves changes nothing either.
    expect(JSON.stringify(cardOf(await click(winner.u, 'feedback.takeDebrief', request())))).toContain('hoitaa jo tätä');
    expect((await h.bot.store.handlers.get(`debrief:${orderId}:${eero.aad}`))!.at).toEqual(stored1.at);
    await h.bot.sender.drain(10000);
    // The channel's post is updated in place once, to the taken state, for everyone.
    const updates = channelCards().filter((c) => c.method === 'PUT');
    expect(updates).toHaveLength(1);
    expect(updates[0].json).toContain(`<at>${winner.u.name}</at> hoitaa tämän`);
    expect(updates[0].json).not.toContain('feedback.takeDebrief');
  });

  test('erasure: the expert\'s leaves no record of their request, a coordinator\'s leaves neither name nor Teams id', async () => {
    const by = (await h.bot.store.handlers.get(`debrief:${orderId}:${eero.aad}`))!.coordinator;
    const taker = by.aadObjectId === ville.aad ? ville : kaisa;
    expect((await h.bot.store.handlers.ofPerson(taker.aad)).length).toBeGreaterThan(0);
    const { personalData } = await import('../../src/services/privacy');
    expect(JSON.stringify((await personalData(h.bot.deps, taker.aad)).takenOnByCoordinator)).toContain(orderId);

    cardOf(await h.post(execute(h, eero, 'privacy.requestErasure', {})));
    expect(text(cardOf(await click(kaisa, 'privacy.confirmErasure', { userId: eero.aad })))).toContain('poistettu');
    expect(await h.bot.store.handlers.ofPerson(eero.aad)).toEqual([]);

    cardOf(await h.post(execute(h, taker, 'privacy.requestErasure', {})));
    const confirmer = taker === kaisa ? ville : kaisa;
    expect(text(cardOf(await click(confirmer, 'privacy.confirmErasure', { userId: taker.aad })))).toContain('poistettu');
    const left = JSON.stringify(await stored(h).handlers.find({}).toArray());
    expect(left).not.toContain(taker.aad);
    expect(left).not.toContain(taker.id);
    expect(left).not.toContain(taker.name);
  }, 60_000);
});

// Runs last: the debrief tests above erased Eero and one of the coordinators.
test('an absence after the start @mentions the coordinator who took the order on', async () => {
  const mirja = await activeExpert(h, ville, 'Mirja Malli');
  const orderId = await place('Poissaolotehtävä', 4);
  cardOf(await click(ville, 'order.offerTop', { orderId }));
  cardOf(await h.post(execute(h, mirja, 'offer.accept', { offerId: `${orderId}:${mirja.aad}` })));
  const startsAt = new Date(Date.now() - HOUR);
  await stored(h).orders.updateOne({ _id: orderId }, { $set: { startsAt, endsAt: new Date(startsAt.getTime() + 90 * 60_000) } });
  await stored(h).assignments.updateMany({ orderId }, { $set: { startsAt } });
  await h.bot.sender.drain(10000);
  h.connector.reset();
  cardOf(await h.post(execute(h, mirja, 'assignment.withdraw', { orderId })));
  await h.bot.sender.drain(10000);
  const alert = channelCards().find((c) => c.method === 'POST' && c.json.includes('ettei päässyt paikalle') && c.json.includes(orderId))!;
  const card = cardIn(alert.body);
  expect(JSON.stringify(card.body)).toContain('<at>Ville Välittäjä</at> Mirja Malli ilmoitti');
  expect(card.msteams).toEqual({ entities: [{ type: 'mention', text: '<at>Ville Välittäjä</at>', mentioned: { id: ville.id, name: 'Ville Välittäjä' } }] });
}, 30_000);

test('an orderer who cannot be reached: the coordinators\' alert @mentions the coordinator who took the order on', async () => {
  const liisa = await activeExpert(h, ville, 'Liisa Lahtinen');
  const orderer = user('Olli Ordeeraaja');
  const group = { conversationType: 'groupChat', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', id: '19:ryhma-mentions@thread.v2', isGroup: true };
  h.connector.respond = (call) => (call.path === '/v3/conversations' && !call.conversationId ? { status: 403, body: { error: { code: 'BotNotInConversationRoster', message: 'not installed' } } } : undefined);
  try {
    const placed = text(cardOf(await h.post(execute(h, orderer, 'order.submit', orderFormData({ title: 'Ryhmästä' }, 6), group))));
    const orderId = /T-\d{4}-\d{4,6}/.exec(placed)![0];
    cardOf(await click(ville, 'order.offerTo', { orderId, expertId: liisa.aad }));
    await h.bot.sender.drain(10000);
    h.connector.reset();
    cardOf(await h.post(execute(h, liisa, 'offer.accept', { offerId: `${orderId}:${liisa.aad}` })));
    await h.bot.sender.drain(10000);
    const alert = channelCards().find((c) => c.method === 'POST' && c.json.includes(`Tilauksen ${orderId}`) && c.json.includes('ei voitu avata'))!;
    const card = cardIn(alert.body);
    expect(JSON.stringify(card.body)).toContain(`<at>Ville Välittäjä</at> Tilauksen ${orderId}`);
    expect(card.msteams).toEqual({ entities: [{ type: 'mention', text: '<at>Ville Välittäjä</at>', mentioned: { id: ville.id, name: 'Ville Välittäjä' } }] });
    // The group chat hears no name, and mentions nobody.
    expect(h.connector.sentTo(group.id).map(text).join()).not.toMatch(/<at>|Liisa/);
  } finally {
    h.connector.respond = undefined;
  }
}, 30_000);

test('an offer Teams refuses for good: the "could not be reached" alert @mentions the coordinator who took the order on; one about no order mentions nobody', async () => {
  const pekka = await activeExpert(h, ville, 'Pekka Poissa');
  const orderId = await place('Tavoittamaton', 8);
  // Pekka's earlier messages (his approval) are delivered first: refused, they would raise an
  // alert of their own, about no order, before the offer's.
  await h.bot.sender.drain(10000);
  h.connector.respond = (call) => (call.method === 'POST' && call.conversationId === pekka.personal ? { status: 403, body: { error: { code: 'BotDisabledByAdmin', message: 'removed' } } } : undefined);
  try {
    h.connector.reset();
    cardOf(await click(ville, 'order.offerTo', { orderId, expertId: pekka.aad }));
    // The offer fails for good; the alert about it is queued by that failure, then delivered.
    await h.connector.waitFor(() => h.connector.calls.some((c) => c.conversationId.startsWith(CHANNEL.id) && text(c.body).includes('Viestiä ei saatu perille')), 10_000);
    const alert = channelCards().find((c) => c.method === 'POST' && c.json.includes('Viestiä ei saatu perille'))!;
    const card = cardIn(alert.body);
    expect(JSON.stringify(card.body)).toContain('<at>Ville Välittäjä</at> Viestiä ei saatu perille: Pekka Poissa');
    expect(card.msteams).toEqual({ entities: [{ type: 'mention', text: '<at>Ville Välittäjä</at>', mentioned: { id: ville.id, name: 'Ville Välittäjä' } }] });
  } finally {
    h.connector.respond = undefined;
  }
  // A message about no order (a welcome, a language choice): the same alert, nobody mentioned.
  h.connector.reset();
  const { reportUndeliverable } = await import('../../src/services/undeliverable');
  await reportUndeliverable(h.bot.deps, pekka.personal, `welcome:${pekka.personal}`);
  await h.bot.sender.drain(10000);
  const plain = cardIn(channelCards().find((c) => c.method === 'POST' && c.json.includes('Viestiä ei saatu perille'))!.body);
  expect(plain.msteams).toBeUndefined();
}, 30_000);
