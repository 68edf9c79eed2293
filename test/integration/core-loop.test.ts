import { t } from '../../src/i18n';
import { decisionData } from '../support/experts';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user, User } from '../support/teams';
import { ONSITE, orderFormData } from '../support/orders';
import { stored } from '../support/db';

// Register → approve → order → offers → accept → filled, withdraw → next wave, cancel,
// and the accept race, through the real server and the real local database.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
let h: Harness;


beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad, WAVE_SIZE: '3' });
  // The coordinators' channel and everyone's 1:1 chat exist.
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  await h.post(personalMessage(h, professional, 'ohje'));
}, 30000);
afterAll(() => h.stop());

function profile(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    displayName: name, phone: '040 123 4567', email: '', themes: 'mental-health,substance-use', taskTypes: 'talk,training',
    municipalities: 'Tampere', remoteOk: 'true', languages: 'fi', description: `${name}: kokemusta mielenterveyspalveluista.`,
    trainingOrganisation: 'Mieli ry', trainingYear: '2024', feePreference: 'fee', consent: 'true', ...extra,
  };
}

async function activeExpert(name: string): Promise<User> {
  const u = user(name);
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  const saved = cardOf(await h.post(execute(h, u, 'expert.saveProfile', profile(name))));
  expect(text(saved)).toContain('Odottaa koordinaattorin hyväksyntää');
  const approved = cardOf(await h.post(execute(h, coordinator, 'expert.approve', await decisionData(h, u), CHANNEL, CHANNEL_DATA)));
  expect(text(approved)).toContain('Hyväksytty');
  return u;
}

function orderForm(extra: Record<string, string> = {}): Record<string, string> {
  return orderFormData({
    title: 'Mielenterveysviikon puheenvuoro', goal: 'Stigman purku', ...ONSITE, contactName: 'Aino Ammattilainen', contactPhone: '050 555 1234',
    contactEmail: 'aino@example.fi', ...extra,
  });
}

async function placeOrder(extra: Record<string, string> = {}): Promise<string> {
  const card = cardOf(await h.post(execute(h, professional, 'order.submit', orderForm(extra))));
  const m = /T-\d{4}-\d{4}/.exec(text(card));
  expect(m).not.toBeNull();
  return m![0];
}

async function offersTo(u: User): Promise<Record<string, unknown>[]> {
  await h.bot.sender.drain(10000);
  return h.connector.sentTo(u.personal).filter((a) => text(a).includes('offer.accept'));
}

test('an invalid order re-renders the form with errors next to the fields and every value kept', async () => {
  const res = cardOf(await h.post(execute(h, professional, 'order.submit', orderForm({ title: '', date: '2020-01-01', link: 'http://x' , mode: 'hybrid' }))));
  const s = text(res);
  expect(s).toContain('Pakollinen tieto');
  expect(s).toContain('Valitse aika, joka ei ole vielä mennyt.');
  expect(s).toContain('Linkin on alettava https://');
  expect(s).toContain('Hatanpään valtatie 24');
  expect(await stored(h).orders.countDocuments()).toBe(0);
});

test('hostile card data is refused and writes nothing', async () => {
  const res = cardOf(await h.post(execute(h, professional, 'order.submit', { ...orderForm(), title: { $ne: 1 } as never })));
  expect(text(res)).toContain('eivät kelpaa');
  const res2 = cardOf(await h.post(execute(h, professional, 'order.submit', { ...orderForm(), 'a.b': 'x' })));
  expect(text(res2)).toContain('eivät kelpaa');
  expect(await stored(h).orders.countDocuments()).toBe(0);
});

test('register → approve → order → offers → accept → filled, with the other offer cards turned "filled" in place', async () => {
  const e1 = await activeExpert('Eero');
  const e2 = await activeExpert('Liisa');
  const orderId = await placeOrder();
  expect(orderId).toMatch(/^T-\d{4}-\d{4}$/);
  // Coordinator mode: the order waits in the channel until a coordinator sends it.
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('new');
  const brokering = cardOf(await h.post(execute(h, coordinator, 'order.offerTop', { orderId }, CHANNEL, CHANNEL_DATA)));
  expect(text(brokering)).toContain(t('fi', 'order.offersSent', { count: 2, wave: 1 }));
  // The card now lists whom the task was offered to, and how each offer stands.
  expect(text(brokering)).toContain('Tarjottu');
  expect(text(brokering)).toMatch(/Eero[^]*odottaa vastausta/);
  expect(text(brokering)).toMatch(/Liisa[^]*odottaa vastausta/);
  const [o1] = await offersTo(e1);
  const [o2] = await offersTo(e2);
  expect(o1 && o2).toBeTruthy();
  expect(text(o1)).not.toContain('mielenterveyspalveluista'); // no other expert's data in an offer

  const won = cardOf(await h.post(execute(h, e1, 'offer.accept', { offerId: `${orderId}:${e1.aad}` })));
  expect(text(won)).toContain('Tehtävä on sinun');
  expect(text(won)).toContain('050 555 1234'); // the orderer's contact, now that the expert accepted
  const late = cardOf(await h.post(execute(h, e2, 'offer.accept', { offerId: `${orderId}:${e2.aad}` })));
  expect(text(late)).toContain('ehdittiin jo täyttää');
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('filled');

  await h.bot.sender.drain(10000);
  const updates = h.connector.calls.filter((c) => c.method === 'PUT' && c.conversationId === e2.personal);
  expect(updates.length).toBeGreaterThanOrEqual(1);
  expect(text(updates[updates.length - 1].body)).toContain('Tehtävä on jo täytetty');
  // The orderer gets the accepted expert's name and contact in the 1:1 chat; never themes.
  const toOrderer = h.connector.sentTo(professional.personal).map(text).join('\n');
  expect(toOrderer).toContain('Eero');
  expect(toOrderer).toContain('040 123 4567');
  expect(toOrderer).not.toContain('mental-health');
  expect(toOrderer).not.toContain('Mielenterveys,');
});

test('an expert cannot act on an offer made to someone else', async () => {
  const e1 = await activeExpert('Ville');
  const orderId = await placeOrder({ title: 'Toinen tehtävä' });
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: e1.aad }, CHANNEL, CHANNEL_DATA)));
  const intruder = await activeExpert('Outi');
  const res = cardOf(await h.post(execute(h, intruder, 'offer.accept', { offerId: `${orderId}:${e1.aad}` })));
  expect(text(res)).toContain('toiselle henkilölle');
  expect(await h.bot.store.assignments.countLive(orderId)).toBe(0);
  // and a professional cannot send offers
  const refused = cardOf(await h.post(execute(h, professional, 'order.offerTop', { orderId })));
  expect(text(refused)).toContain('ei ole oikeutta');
});

test('withdraw reopens the seat, tells the orderer and sends the next wave automatically', async () => {
  const a = await activeExpert('Anna');
  const orderId = await placeOrder({ title: 'Peruttava osallistuminen' });
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: a.aad }, CHANNEL, CHANNEL_DATA)));
  cardOf(await h.post(execute(h, a, 'offer.accept', { offerId: `${orderId}:${a.aad}` })));
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('filled');
  const before = (await h.bot.store.offers.ofOrder(orderId)).length;
  const res = cardOf(await h.post(execute(h, a, 'assignment.withdraw', { orderId })));
  expect(text(res)).toContain('Peruit osallistumisesi');
  const order = await h.bot.store.orders.get(orderId);
  expect(order!.status).toBe('offering');
  expect(await h.bot.store.assignments.countLive(orderId)).toBe(0);
  const after = await h.bot.store.offers.ofOrder(orderId);
  expect(after.length).toBeGreaterThan(before); // the next wave went out to others
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(professional.personal).map(text).join()).toContain('perui osallistumisensa');
});

/** A registered expert waiting for approval, with the connector's record cleared. */
async function pendingExpert(name: string): Promise<User> {
  const u = user(name);
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  expect(text(cardOf(await h.post(execute(h, u, 'expert.saveProfile', profile(name)))))).toContain('Odottaa');
  await h.bot.sender.drain(10000);
  h.connector.reset();
  return u;
}

test('a double-clicked approval decides once: the expert is told once, every click answered', async () => {
  const u = await pendingExpert('Hilkka Hyväksyttävä');
  const shown = await decisionData(h, u);
  const clicks = await Promise.all([1, 2, 3, 4].map(() => h.post(execute(h, coordinator, 'expert.approve', shown, CHANNEL, CHANNEL_DATA))));
  for (const click of clicks) expect(text(cardOf(click))).toContain('Hyväksytty');
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(u.personal)).toHaveLength(1);
  expect((await h.bot.store.experts.get(u.aad))!.status).toBe('active');
});

test('a rejected expert hears why, may send the profile again, and hears the new decision too', async () => {
  const u = await pendingExpert('Raimo Uudelleen');
  const rejected = cardOf(await h.post(execute(h, coordinator, 'expert.reject', { ...(await decisionData(h, u)), reason: 'Koulutus puuttuu' }, CHANNEL, CHANNEL_DATA)));
  expect(text(rejected)).toContain('Hylätty');
  expect((await h.bot.store.experts.get(u.aad))!.status).toBe('rejected');
  expect(text(cardOf(await h.post(execute(h, u, 'expert.saveProfile', profile('Raimo Uudelleen', { trainingYear: '2025' })))))).toContain('Odottaa');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'expert.approve', await decisionData(h, u), CHANNEL, CHANNEL_DATA))))).toContain('Hyväksytty');
  await h.bot.sender.drain(10000);
  const told = h.connector.sentTo(u.personal).map(text);
  expect(told).toHaveLength(2);
  expect(told[0]).toContain('Syy: Koulutus puuttuu');
  expect(told[1]).toContain('Profiilisi on hyväksytty');
});

/** An order whose one seat `name` accepted, everything delivered and the connector's record cleared. */
async function acceptedOrder(name: string, title: string): Promise<{ expert: User; orderId: string }> {
  const expert = await activeExpert(name);
  const orderId = await placeOrder({ title });
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }, CHANNEL, CHANNEL_DATA)));
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  await h.bot.sender.drain(10000);
  h.connector.reset();
  return { expert, orderId };
}

test('after the start, the holder\'s old offer card still says the task is theirs; another expert\'s says it expired', async () => {
  const [expert, other] = [await activeExpert('Pirjo'), await activeExpert('Oskari')];
  const orderId = await placeOrder({ title: 'Jo alkanut tehtävä' });
  for (const e of [other, expert]) cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: e.aad }, CHANNEL, CHANNEL_DATA)));
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  await h.bot.sender.drain(10000);
  await stored(h).orders.updateOne({ _id: orderId }, { $set: { startsAt: new Date(Date.now() - 60_000) } });
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  expect(text(cardOf(await h.post(execute(h, other, 'offer.accept', { offerId: `${orderId}:${other.aad}` }))))).not.toContain('Tehtävä on sinun');
  expect(await h.bot.store.assignments.countLive(orderId)).toBe(1);
});

test('a double-clicked withdrawal frees the seat once: one record, one notice to the orderer, every click answered', async () => {
  const { expert: a, orderId } = await acceptedOrder('Tuomas', 'Kahdesti peruttu');
  const clicks = await Promise.all([1, 2, 3].map(() => h.post(execute(h, a, 'assignment.withdraw', { orderId }))));
  for (const click of clicks) expect(text(cardOf(click))).toContain('Peruit osallistumisesi');
  const later = cardOf(await h.post(execute(h, a, 'assignment.withdraw', { orderId })));
  expect(text(later)).toContain('Peruit osallistumisesi');
  expect(await stored(h).withdrawals.countDocuments({ orderId })).toBe(1);
  await h.bot.sender.drain(10000);
  const notices = h.connector.sentTo(professional.personal).map(text).filter((t) => t.includes('perui osallistumisensa'));
  expect(notices).toHaveLength(1);
});

test('a withdrawal cut short right after the seat was freed is finished by clicking again: the order reopens, the orderer is told once', async () => {
  const { expert: a, orderId } = await acceptedOrder('Jaana', 'Kesken jäänyt vetäytyminen');
  // assignment.withdraw up to the crash: the seat is freed and recorded, nothing else happened.
  expect((await h.bot.store.assignments.withdraw(orderId, a.aad, new Date()))?.first).toBe(true);
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('filled');

  for (let click = 0; click < 2; click++) {
    expect(text(cardOf(await h.post(execute(h, a, 'assignment.withdraw', { orderId }))))).toContain('Peruit osallistumisesi');
  }
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('offering');
  expect((await h.bot.store.offers.get(`${orderId}:${a.aad}`))!.status).toBe('withdrawn');
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(professional.personal).map(text).filter((t) => t.includes('perui osallistumisensa'))).toHaveLength(1);
});

test('withdrawing on an old card of a cancelled order changes nothing, even after an earlier withdrawal', async () => {
  const { expert: a, orderId } = await acceptedOrder('Veera', 'Peruttu ja vetäydytty');
  expect(text(cardOf(await h.post(execute(h, a, 'assignment.withdraw', { orderId }))))).toContain('Peruit osallistumisesi');
  expect(text(cardOf(await h.post(execute(h, a, 'offer.accept', { offerId: `${orderId}:${a.aad}` }))))).toContain('Tehtävä on sinun');
  expect(text(cardOf(await h.post(execute(h, professional, 'order.cancel', { orderId }))))).toContain('Tilaus on peruttu');
  await h.bot.sender.drain(10000);
  h.connector.reset();
  expect(text(cardOf(await h.post(execute(h, a, 'assignment.withdraw', { orderId }))))).not.toContain('Peruit osallistumisesi');
  expect((await h.bot.store.offers.get(`${orderId}:${a.aad}`))!.status).toBe('accepted');
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('cancelled');
  await h.bot.sender.drain(10000);
  expect(h.connector.calls).toHaveLength(0);
});

test('a double-clicked cancellation cancels once: every click answered "cancelled", the expert told once', async () => {
  const { expert: e, orderId } = await acceptedOrder('Kalle', 'Kahdesti peruttu tilaus');
  const clicks = await Promise.all([1, 2, 3].map(() => h.post(execute(h, professional, 'order.cancel', { orderId }))));
  for (const click of clicks) expect(text(cardOf(click))).toContain('Tilaus on peruttu');
  expect(text(cardOf(await h.post(execute(h, professional, 'order.cancel', { orderId }))))).toContain('Tilaus on peruttu');
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(e.personal).map(text).filter((t) => t.includes('Kahdesti peruttu tilaus'))).toHaveLength(1);
});

test('a cancellation cut short right after the status moved is finished by cancelling again: the expert is told once, the fee rule applied', async () => {
  const { expert: e, orderId } = await acceptedOrder('Sanna', 'Kesken jäänyt peruutus');
  // cancelOrder up to the crash: the order is cancelled, nothing else happened.
  const at = new Date();
  expect(await h.bot.store.orders.moveStatus(orderId, ['filled'], 'cancelled', at, { cancelledAt: at, cancelledLate: false })).not.toBeNull();
  expect((await h.bot.store.assignments.of(orderId, e.aad))!.status).toBe('accepted');

  for (let click = 0; click < 2; click++) {
    expect(text(cardOf(await h.post(execute(h, professional, 'order.cancel', { orderId }))))).toContain('Tilaus on peruttu');
  }
  expect(await h.bot.store.assignments.of(orderId, e.aad)).toMatchObject({ status: 'cancelled', feePayable: false });
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(e.personal).map(text).filter((t) => t.includes('Kesken jäänyt peruutus'))).toHaveLength(1);
  const cardUpdates = h.connector.calls.filter((c) => c.method === 'PUT' && c.conversationId === e.personal);
  expect(cardUpdates).toHaveLength(1);
});

test('cancel early is free; cancel late keeps the fee payable; only the orderer or a coordinator may cancel', async () => {
  const e = await activeExpert('Pekka');
  const early = await placeOrder({ title: 'Aikaisin peruttava' });
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId: early, expertId: e.aad }, CHANNEL, CHANNEL_DATA)));
  cardOf(await h.post(execute(h, e, 'offer.accept', { offerId: `${early}:${e.aad}` })));
  const stranger = user('Joku Muu');
  expect(text(cardOf(await h.post(execute(h, stranger, 'order.cancel', { orderId: early }))))).toContain('ei ole oikeutta');
  expect((await h.bot.store.orders.get(early))!.status).toBe('filled');
  const res = cardOf(await h.post(execute(h, professional, 'order.cancel', { orderId: early })));
  expect(text(res)).toContain('Tilaus on peruttu');
  const a1 = await h.bot.store.assignments.of(early, e.aad);
  expect(a1).toMatchObject({ status: 'cancelled', feePayable: false });

  const soon = new Date(Date.now() + 5 * 3600_000);
  const hhmm = soon.toLocaleTimeString('fi-FI', { timeZone: 'Europe/Helsinki', hour: '2-digit', minute: '2-digit', hour12: false }).replace('.', ':');
  const date = soon.toLocaleDateString('sv-SE', { timeZone: 'Europe/Helsinki' });
  const lateId = await placeOrder({ title: 'Myöhään peruttava', date, time: hhmm });
  const e2 = await activeExpert('Riikka');
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId: lateId, expertId: e2.aad }, CHANNEL, CHANNEL_DATA)));
  cardOf(await h.post(execute(h, e2, 'offer.accept', { offerId: `${lateId}:${e2.aad}` })));
  const res2 = cardOf(await h.post(execute(h, coordinator, 'order.cancel', { orderId: lateId }, CHANNEL, CHANNEL_DATA)));
  expect(text(res2)).toContain(t('fi', 'order.cancelledLateNotice', { hours: 24 }));
  expect(await h.bot.store.assignments.of(lateId, e2.aad)).toMatchObject({ status: 'cancelled', feePayable: true });
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(e2.personal).map(text).join()).toContain(t('fi', 'offer.state.cancelledPaid', { hours: 24 }));
});

test('50 concurrent accepts on a one-seat order give exactly one assignment, and every loser is answered', async () => {
  const experts: User[] = [];
  for (let i = 0; i < 50; i++) experts.push(await activeExpert(`Kilpailija ${i}`));
  const orderId = await placeOrder({ title: 'Kilpajuoksu', mode: 'remote', link: 'https://teams.example/meet', municipality: '', address: '' });
  for (const e of experts) {
    cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: e.aad }, CHANNEL, CHANNEL_DATA)));
  }
  const results = await Promise.all(experts.map((e) => h.post(execute(h, e, 'offer.accept', { offerId: `${orderId}:${e.aad}` }))));
  const cards = results.map((r) => text(cardOf(r)));
  expect(cards.filter((c) => c.includes('Tehtävä on sinun')).length).toBe(1);
  expect(cards.filter((c) => c.includes('ehdittiin jo täyttää')).length).toBe(49);
  expect(await stored(h).assignments.countDocuments({ orderId })).toBe(1);
  // A double click of the winner changes nothing.
  const winner = experts[cards.findIndex((c) => c.includes('Tehtävä on sinun'))];
  await Promise.all([1, 2].map(() => h.post(execute(h, winner, 'offer.accept', { offerId: `${orderId}:${winner.aad}` }))));
  expect(await stored(h).assignments.countDocuments({ orderId })).toBe(1);
}, 120000);
