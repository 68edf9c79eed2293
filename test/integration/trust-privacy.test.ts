import { randomUUID } from 'node:crypto';
import { ERASURE_STEPS, erasePerson, ErasureStep, personalData } from '../../src/services/privacy';
import { message } from '../../src/services/views';
import { noticeCard } from '../../src/cards/render';
import { decisionData, expertProfile, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, User, user } from '../support/teams';
import { stored, documentsContaining } from '../support/db';
import { acceptFile } from '../support/files';

// Issue 11, items 1, 5, 7 and 14: erasure and `my data` follow ids, never text.
//  1. Erasure touches only records that refer to the person by id and the person's own fields:
//     erasing someone named `a`, `0` or `Anna` changes nothing of anybody else's (no substring
//     scrubbing); a waiting message about their order is rendered again from data; a waiting
//     payroll file with their row is withdrawn and the coordinators told to run `fees` again.
//  5. An erasure cut short anywhere is finished by confirming again, from the ids it recorded
//     in its claim first: nothing of the person remains.
//  7. A seat of a task still to come is released as a withdrawal: the orderer is told, the next
//     wave goes.
// 14. `my data` shows everything stored about the person, feedback and erasure requests included.

const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Olli Tilaaja');
let h: Harness;

/** A user whose 1:1 chat id is opaque, as in Teams (the tests' default ids embed the user's id). */
function person(name: string): User {
  return { ...user(name), personal: `a:1${randomUUID().replace(/-/g, '')}` };
}

/** An approved expert with their own phone and email (to look for them after erasure). */
async function expertWithContacts(name: string, phone: string, email: string): Promise<User> {
  const u = person(name);
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  cardOf(await h.post(execute(h, u, 'expert.saveProfile', { ...expertProfile(name), phone, email })));
  expect(text(cardOf(await h.post(execute(h, coordinator, 'expert.approve', await decisionData(h, u), CHANNEL, CHANNEL_DATA))))).toContain('Hyväksytty');
  return u;
}

/** An order five days ahead offered to `expert` alone (by the coordinator), and accepted. */
async function acceptedOrder(expert: User, title: string): Promise<string> {
  const placed = text(cardOf(await h.post(execute(h, orderer, 'order.submit', orderFormData({ title })))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  if (!(await h.bot.store.offers.get(`${orderId}:${expert.aad}`))) {
    cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }, CHANNEL, CHANNEL_DATA)));
  }
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  return orderId;
}

async function requestAndConfirm(u: User): Promise<string> {
  cardOf(await h.post(execute(h, u, 'privacy.requestErasure', {})));
  return text(cardOf(await h.post(execute(h, coordinator, 'privacy.confirmErasure', { userId: u.aad }, CHANNEL, CHANNEL_DATA))));
}


/** Waiting outbox items with their activity, by key. */
async function waitingBodies(): Promise<Map<string, { conversationId: string; activity: string }>> {
  const out = new Map<string, { conversationId: string; activity: string }>();
  for (const due of await stored(h).outboxDue.find({}).toArray()) {
    const record = await stored(h).outbox.findOne({ _id: due._id }, { projection: { activity: 1 } });
    out.set(due._id, { conversationId: due.conversationId, activity: record?.activity ?? '' });
  }
  return out;
}

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, orderer);
}, 60_000);
afterAll(() => h.stop());
afterEach(() => {
  h.connector.respond = undefined;
  h.bot.sender.start();
});

test('item 1: erasing people named `a`, `0` and `Anna` changes nothing of anybody else: texts, payroll files and waiting messages stay as written', async () => {
  const now = new Date();
  const others = {
    feedback: { _id: 'T-2026-0500:orderer', orderId: 'T-2026-0500', role: 'orderer', answers: { useful: 5 }, text: 'Hanna kertoi asiat hyvin, annan 10/10 ja 0,50 € kahviin', createdAt: now },
    anonymous: { _id: randomUUID(), month: '2026-11', text: 'Raskas aihe, mutta hyvä; Anna-Liisa auttoi' },
    payroll: {
      _id: randomUUID(), month: '2026-01', fileName: 'palkkiot-2026-01.csv', createdAt: now,
      csv: `\uFEFFKokemusasiantuntija;Tunniste;Toimeksiantoja;Tunnit;Palkkio (€);Matkakorvaus (€);Yhteensä (€)\r\nHanna Virtanen;${randomUUID()};2;3,0;120,50;10,00;130,50\r\n`,
    },
  };
  await stored(h).feedback.insertOne(others.feedback as never);
  await stored(h).anonymousFeedback.insertOne(others.anonymous);
  await stored(h).feeExports.insertOne(others.payroll);
  // A message for someone else waiting in the outbox (a reminder due tomorrow).
  const waitingKey = `reminder:test:${randomUUID()}`;
  const waitingActivity = message(noticeCard('Hanna, tervetuloa huomenna klo 13.00; matkakorvaus 0,50 €', 'good'));
  await h.bot.store.outbox.enqueue([{ key: waitingKey, conversationId: orderer.personal, activity: waitingActivity, notBefore: new Date(now.getTime() + 86_400_000) }], now);
  const snapshot = async () => JSON.stringify([
    await stored(h).feedback.findOne({ _id: others.feedback._id }),
    await stored(h).anonymousFeedback.findOne({ _id: others.anonymous._id }),
    await stored(h).feeExports.findOne({ _id: others.payroll._id }),
    await stored(h).outbox.findOne({ _id: waitingKey }, { projection: { activity: 1 } }),
  ]);
  const before = await snapshot();

  for (const name of ['a', '0', 'Anna']) {
    const u = person(name);
    await h.post(personalMessage(h, u, 'ilmoittaudu'));
    cardOf(await h.post(execute(h, u, 'expert.saveProfile', { ...expertProfile(name), description: 'Kokemusta.' })));
    // The person's own free text (as an expert answering feedback) is theirs, and goes.
    await stored(h).feedback.insertOne({ _id: `T-2026-0501:${u.aad}`, orderId: 'T-2026-0501', role: 'expert', expertId: u.aad, answers: { howItWent: 4 }, text: 'oma teksti', createdAt: now } as never);
    expect(await requestAndConfirm(u)).toContain('Tiedot on poistettu');
    expect(await h.bot.store.experts.get(u.aad)).toBeNull();
    const own = await stored(h).feedback.find({ orderId: 'T-2026-0501', expertId: { $regex: '^erased-' } }).toArray();
    expect(own.length).toBeGreaterThan(0);
    for (const doc of own) expect(doc.text).toBeUndefined();
    expect(await documentsContaining(h, [u.aad])).toEqual([]);
  }

  // Byte for byte as their writers left them.
  expect(await snapshot()).toBe(before);
  const file = await stored(h).feeExports.findOne({ _id: others.payroll._id });
  expect(file!.csv).toContain('Hanna Virtanen');
  expect(file!.csv).toContain('120,50;10,00;130,50');
  expect(JSON.parse((await stored(h).outbox.findOne({ _id: waitingKey }))!.activity!)).toEqual(JSON.parse(JSON.stringify(waitingActivity)));
  await h.bot.store.outbox.eraseItemsOf([waitingKey], []); // not due until tomorrow: the other tests drain the outbox
}, 120_000);

test('items 1 and 7: an erased expert\'s future seat is released as a withdrawal, waiting cards are rendered again without them, and a payroll file with their row is withdrawn with the coordinators told', async () => {
  const NAME = 'Anna Asiantuntija';
  const PHONE = '040 555 0101';
  const EMAIL = 'anna.asiantuntija@example.fi';
  const anna = await expertWithContacts(NAME, PHONE, EMAIL);
  // An order offered to Anna that she has not answered: the coordinators' card lists her name.
  const placed = text(cardOf(await h.post(execute(h, orderer, 'order.submit', orderFormData({ title: 'Avoin tarjous' })))));
  const openOrderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  if (!(await h.bot.store.offers.get(`${openOrderId}:${anna.aad}`))) {
    cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId: openOrderId, expertId: anna.aad }, CHANNEL, CHANNEL_DATA)));
  }
  await h.bot.sender.drain(20_000);
  const cardUpdatesBefore = (await stored(h).outbox.find({ _id: { $regex: `^brokering:${openOrderId}:update:` } }).toArray()).length;
  // Messages stay waiting in the outbox from here on: the orderer's card with Anna's contacts,
  // the coordinators' card with her name.
  await h.bot.sender.stop();
  const orderId = await acceptedOrder(anna, 'Tuleva tehtävä');
  const waitingBefore = [...(await waitingBodies()).values()].filter((b) => b.conversationId === orderer.personal);
  expect(waitingBefore.some((b) => b.activity.includes(PHONE))).toBe(true);

  // A fee of Anna's settled in February, in the payroll file waiting for a coordinator; January's has no row of hers.
  const feb = new Date('2026-02-10T10:00:00Z');
  await stored(h).assignments.insertOne({
    _id: 'T-2026-0700#1', orderId: 'T-2026-0700', expertId: anna.aad, seat: 1, startsAt: feb, endsAt: feb, status: 'done', createdAt: feb, updatedAt: feb,
    fee: { feeCents: 5000, travelCents: 0, totalCents: 5000, hours: 1, tariffVersion: 't', computedAt: feb },
  });
  const febFile = { _id: randomUUID(), month: '2026-02', fileName: 'palkkiot-2026-02.csv', csv: `\uFEFFx\r\n${NAME};${anna.aad};1;1,0;50,00;0,00;50,00\r\n`, createdAt: new Date() };
  const janFile = { _id: randomUUID(), month: '2026-01', fileName: 'palkkiot-2026-01.csv', csv: '\uFEFFx\r\nMuu Henkilö;id;1;1,0;50,00;0,00;50,00\r\n', createdAt: new Date() };
  await stored(h).feeExports.insertMany([febFile, janFile]);

  // Another expert joins after the seat was taken: the next wave is theirs.
  const hanna = await expertWithContacts('Hanna Toinen', '040 555 0202', 'hanna@example.fi');

  expect(await requestAndConfirm(anna)).toContain('Tiedot on poistettu');

  // 7: the seat is free again, kept only as a withdrawal under the pseudonym; the order is open and offered on.
  const seats = await h.bot.store.assignments.ofOrder(orderId);
  expect(seats).toEqual([]);
  const withdrawals = await stored(h).withdrawals.find({ orderId }).toArray();
  expect(withdrawals).toHaveLength(1);
  expect(withdrawals[0].expertId).toMatch(/^erased-[0-9a-f-]{36}$/);
  expect((await h.bot.store.orders.get(orderId))!.status).toBe('offering');
  expect(await h.bot.store.offers.get(`${orderId}:${hanna.aad}`)).toMatchObject({ status: 'open', wave: 2 });

  // 1: nothing waiting names Anna or shows her contacts; the orderer's cards are still on
  // their way, re-rendered, and the orderer is told the seat is open again.
  const waiting = await waitingBodies();
  for (const [key, body] of waiting) {
    for (const needle of [NAME, PHONE, EMAIL, anna.aad]) expect(`${key} ${body.activity}`).not.toContain(needle);
  }
  const toOrderer = [...waiting.values()].filter((b) => b.conversationId === orderer.personal).map((b) => b.activity);
  expect(toOrderer.length).toBeGreaterThanOrEqual(waitingBefore.length);
  expect(toOrderer.some((a) => a.includes('ei voi enää osallistua'))).toBe(true);
  // The coordinators' card of the open order she was offered is updated, without her.
  const cardUpdates = [...waiting.keys()].filter((k) => k.startsWith(`brokering:${openOrderId}:update:`));
  expect(cardUpdates.length).toBeGreaterThan(0);
  expect((await stored(h).outbox.find({ _id: { $regex: `^brokering:${openOrderId}:update:` } }).toArray()).length).toBeGreaterThan(cardUpdatesBefore);
  // The payroll file with her row is withdrawn and the coordinators told how to get a new one; January's stays.
  expect(await h.bot.store.feeExports.get(febFile._id)).toBeNull();
  expect(await h.bot.store.feeExports.get(janFile._id)).toEqual(janFile);
  expect([...waiting.values()].some((b) => b.conversationId === CHANNEL.id && b.activity.includes('palkkiot 2026-02'))).toBe(true);

  // Delivered: the orderer and Hanna get their messages; nothing sent after the erasure names Anna.
  h.connector.reset();
  h.bot.sender.start();
  await h.bot.sender.drain(20_000);
  const sent = JSON.stringify(h.connector.calls.map((c) => c.body));
  for (const needle of [NAME, PHONE, EMAIL, anna.aad]) expect(sent).not.toContain(needle);
  expect(text(h.connector.sentTo(orderer.personal))).toContain('ei voi enää osallistua');
  expect(h.connector.sentTo(hanna.personal).length).toBeGreaterThan(0);
  expect(h.connector.sentTo(anna.personal)).toHaveLength(1); // the farewell
  expect(await documentsContaining(h, [NAME, PHONE, EMAIL, anna.aad])).toEqual([]);
}, 180_000);

test('item 5: an erasure cut short anywhere (also by an older version, after the profile was deleted) is finished by confirming again, and nothing of the person remains', async () => {
  const interruptions: (ErasureStep | 'profile deleted by an older version')[] = ['profile deleted by an older version', 'profile', 'feeRecords', 'conversations'];
  expect(ERASURE_STEPS).toEqual(expect.arrayContaining(interruptions.filter((s) => s !== 'profile deleted by an older version')));
  for (const [n, interruption] of interruptions.entries()) {
    const NAME = `Keskeytys Kokeilija${n}`;
    const PHONE = `040 555 03${n}${n}`;
    const EMAIL = `keskeytys${n}@example.fi`;
    const u = await expertWithContacts(NAME, PHONE, EMAIL);
    await h.bot.sender.stop();
    const orderId = await acceptedOrder(u, `Keskeytetty ${n}`);
    // The orderer's card with the expert's contacts waits in the outbox, as in the review.
    expect([...(await waitingBodies()).values()].some((b) => b.activity.includes(PHONE))).toBe(true);
    cardOf(await h.post(execute(h, u, 'privacy.requestErasure', {})));

    if (interruption === 'profile deleted by an older version') {
      // What a kill -9 right after the profile delete left behind.
      await stored(h).experts.deleteOne({ _id: u.aad });
    } else {
      expect(await erasePerson(h.bot.deps, u.aad, coordinator.aad, { stopAfter: interruption })).toMatchObject({ complete: false });
      expect(await h.bot.store.privacy.request(u.aad)).not.toBeNull();
    }
    expect(text(cardOf(await h.post(execute(h, coordinator, 'privacy.confirmErasure', { userId: u.aad }, CHANNEL, CHANNEL_DATA))))).toContain('Tiedot on poistettu');

    expect(await documentsContaining(h, [NAME, PHONE, EMAIL, u.aad])).toEqual([]);
    expect(await h.bot.store.assignments.ofOrder(orderId)).toEqual([]);
    h.connector.reset();
    h.bot.sender.start();
    await h.bot.sender.drain(20_000);
    const sent = JSON.stringify(h.connector.calls.map((c) => c.body));
    for (const needle of [NAME, PHONE, EMAIL, u.aad]) expect(sent).not.toContain(needle);
    expect(h.connector.sentTo(u.personal)).toHaveLength(1); // the farewell, once
    expect(await documentsContaining(h, [NAME, PHONE, EMAIL, u.aad])).toEqual([]);
  }
}, 300_000);

test('item 14: `my data` shows feedback answers (as expert and as orderer), feedback requests and the erasure request', async () => {
  const u = person('Tietojen Katsoja');
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  cardOf(await h.post(execute(h, u, 'expert.saveProfile', expertProfile('Tietojen Katsoja'))));
  const at = new Date();
  await stored(h).feedback.insertOne({ _id: `T-2026-0601:${u.aad}`, orderId: 'T-2026-0601', role: 'expert', expertId: u.aad, answers: { howItWent: 4 }, text: 'Asiantuntijana kirjoitettu', createdAt: at } as never);
  await stored(h).feedbackRequests.insertOne({ _id: `T-2026-0601:${u.aad}`, orderId: 'T-2026-0601', role: 'expert', aadObjectId: u.aad, conversationId: u.personal, sentAt: at, nudges: 0 });
  // An order the person placed, and their answer as its orderer (keyed by the order only).
  await stored(h).orders.insertOne({
    _id: 'T-2026-0602', orderer: { aadObjectId: u.aad, name: 'Tietojen Katsoja' }, conversationId: u.personal, title: 'Oma tilaus',
    startsAt: at, endsAt: at, status: 'done', createdAt: at, updatedAt: at,
  } as never);
  await stored(h).feedback.insertOne({ _id: 'T-2026-0602:orderer', orderId: 'T-2026-0602', role: 'orderer', answers: { useful: 5 }, text: 'Tilaajana kirjoitettu', createdAt: at } as never);
  // Someone else's answer to the same kind of card is not theirs.
  await stored(h).feedback.insertOne({ _id: 'T-2026-0603:orderer', orderId: 'T-2026-0603', role: 'orderer', answers: { useful: 1 }, text: 'Jonkun muun teksti', createdAt: at } as never);
  cardOf(await h.post(execute(h, u, 'privacy.requestErasure', {})));

  await h.bot.sender.drain(20_000);
  h.connector.reset();
  await h.post(personalMessage(h, u, 'omat tiedot'));
  await h.connector.waitFor(() => h.connector.sentTo(u.personal).length === 2);
  const [card, consent] = h.connector.sentTo(u.personal);
  // The readable card: their answers in both roles, the requests, the erasure request in words.
  const shown = text((card as { attachments: { content: unknown }[] }).attachments[0].content);
  expect(shown).toContain('T-2026-0601, kokemusasiantuntijana: ”Asiantuntijana kirjoitettu”');
  expect(shown).toContain('T-2026-0602, tilaajana: ”Tilaajana kirjoitettu”');
  expect(shown).toContain('{"title":"Palautepyynnöt","value":"1"}');
  expect(shown).toMatch(/Pyysit tietojesi poistamista [a-z]{2} \d+\.\d+\.\d{4} klo \d+\.\d\d\./);
  expect(shown).not.toContain(u.aad);
  expect(shown).not.toContain('Jonkun muun teksti');
  // The whole export as a file: everything, ids included, nobody else's.
  const file = await acceptFile(h, u, consent);
  expect(file.status).toBe(200);
  const exported = file.uploaded.toString('utf8');
  expect(exported).toContain('Asiantuntijana kirjoitettu');
  expect(exported).toContain('Tilaajana kirjoitettu');
  expect(exported).toContain('feedbackRequests');
  expect(exported).toContain(`T-2026-0601:${u.aad}`);
  expect(JSON.parse(exported).erasureRequest).toMatchObject({ status: 'requested' });
  expect(exported).not.toContain('Jonkun muun teksti');
}, 60_000);

test('erasure: the expert\'s earnings limit and language choice go, settled payroll lines stay under the pseudonym, and `my data` lists both before', async () => {
  const u = await expertWithContacts('Raja Rajala', '040 555 0900', 'raja@example.fi');
  await h.bot.store.earningsGuards.save(u.aad, { limitCents: 50_000, per: 'month', pauseAtLimit: true } as never, new Date());
  await h.bot.store.preferences.setLocale(u.aad, 'sv', new Date());
  await h.bot.store.feeLedger.replaceLines('2026-10', ['T-2026-0901#1'], [{
    period: '2026-10', assignmentId: 'T-2026-0901#1', orderId: 'T-2026-0901', expertId: u.aad, costCentre: '1234', taskDate: '2026-10-05', taskPeriod: '2026-10',
    adjustment: false, incomeCode: '210', incomeClass: 'wage', incomeName: { fi: 'Kokouspalkkio', sv: 'Mötesarvode', en: 'Meeting fee' }, tariffVersion: 'v1',
    kind: 'fee', incomeType: 'meetingFee', cents: 3000, hundredths: 150, kmHundredths: 0,
  } as never], new Date());

  const mine = await personalData(h.bot.deps, u.aad);
  expect(mine.feeLines as unknown[]).toHaveLength(1);
  expect(mine.earningsLimit).toMatchObject({ limitCents: 50_000 });
  expect(mine.preferences).toMatchObject({ locale: 'sv' });

  expect(await requestAndConfirm(u)).toContain('poistettu');
  expect(await documentsContaining(h, [u.aad, 'Raja Rajala'])).toEqual([]);
  const kept = await h.bot.store.feeLedger.ofPeriod('2026-10');
  expect(kept).toHaveLength(1);
  expect(kept[0].expertId).toMatch(/^erased-/);
  expect(kept[0].cents).toBe(3000);
}, 60_000);
