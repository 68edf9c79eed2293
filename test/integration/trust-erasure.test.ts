import { t } from '../../src/i18n';
import { decisionData } from '../support/experts';
import { randomUUID } from 'node:crypto';
import { feedbackJob } from '../../src/jobs/afterTask';
import { JobContext } from '../../src/jobs/scheduler';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, User, user } from '../support/teams';
import { orderFormData } from '../support/orders';
import { stored, documentsContaining } from '../support/db';

// Right to be forgotten: after a coordinator confirms, no document in any collection holds the
// expert's id or name. Fee records stay for accounting, under the pseudonym only.

const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Aino Ammattilainen');
const NAME = 'Elina Unohdettava';
/** Teams' personal conversation ids are opaque; the tests' default ones embed the user's id. */
const expert: User = { ...user(NAME), personal: `a:1${randomUUID().replace(/-/g, '')}` };
let h: Harness;

const PROFILE = {
  displayName: NAME, phone: '040 765 4321', email: 'elina@example.fi', themes: 'mental-health', taskTypes: 'talk', municipalities: '', remoteOk: 'true',
  languages: 'fi', description: 'Omaa kokemusta.', trainingOrganisation: '', trainingYear: '', feePreference: 'fee', consent: 'true',
};

function orderForm(title: string): Record<string, string> {
  return orderFormData({ title, description: 'Kokemuspuheenvuoro.', time: '10:00', durationMinutes: '60', link: 'https://teams.example/x', targetGroup: 'Hoitajat', costCentre: 'K-1' }, 2);
}

/** The feedback job run as the scheduler would run it, at a chosen instant. */
function at(now: Date): JobContext {
  const key = `t${now.getTime()}`;
  return { job: 'feedback', runKey: `feedback@${key}`, key, scheduledFor: now, localDate: '', attempt: 1, progress: undefined, checkpoint: async () => undefined, now: () => now, signal: new AbortController().signal };
}


beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.bot.scheduler.stop();
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  for (const u of [orderer, expert]) await h.post(personalMessage(h, u, 'ohje'));
}, 60_000);
afterAll(() => h.stop());

test('after erasure no collection holds the expert id or name; fees and feedback numbers stay under the pseudonym', async () => {
  // A working history: profile, approval, an order, an offer, an accepted task, feedback both ways.
  await h.post(personalMessage(h, expert, 'ilmoittaudu'));
  cardOf(await h.post(execute(h, expert, 'expert.saveProfile', PROFILE)));
  expect(text(cardOf(await h.post(execute(h, coordinator, 'expert.approve', await decisionData(h, expert), CHANNEL, CHANNEL_DATA))))).toContain('Hyväksytty');
  const placed = text(cardOf(await h.post(execute(h, orderer, 'order.submit', orderForm('Unohdettava tehtävä')))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  expect(text(cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }, CHANNEL, CHANNEL_DATA))))).toContain(t('fi', 'order.offersSent', { count: 1, wave: 1 }));
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  const order = (await h.bot.store.orders.get(orderId))!;
  await feedbackJob(h.bot.deps).run(at(new Date(order.endsAt.getTime() + 60 * 60_000)));
  await h.bot.sender.drain(15_000);
  expect(await stored(h).feedbackRequests.countDocuments({ aadObjectId: expert.aad })).toBe(1);
  cardOf(await h.post(execute(h, orderer, 'feedback.orderer', { orderId, tookPlace: 'yes', actualMinutes: '60', goalsMet: '4', useful: '5', text: `${NAME} kertoi hyvin`, orderAgain: 'true' })));
  cardOf(await h.post(execute(h, expert, 'feedback.expert', { orderId, tookPlace: 'yes', actualMinutes: '60', travelKm: '12', ticketEuros: '', howItWent: '3', text: 'Raskas aihe', debrief: 'true', anonymousText: '' })));
  expect(await stored(h).feedback.countDocuments({ _id: `${orderId}:${expert.aad}` })).toBe(1);
  await h.bot.sender.drain(15_000);
  expect((await documentsContaining(h, [expert.aad, NAME])).length).toBeGreaterThan(5);

  // The expert asks, a coordinator confirms.
  cardOf(await h.post(execute(h, expert, 'privacy.requestErasure', {})));
  await h.bot.sender.drain(15_000);
  expect(text(cardOf(await h.post(execute(h, coordinator, 'privacy.confirmErasure', { userId: expert.aad }, CHANNEL, CHANNEL_DATA))))).toContain('Tiedot on poistettu');
  await h.bot.sender.drain(15_000);

  // Nothing anywhere holds the id or the name: not even the farewell notice, which is
  // queued under the pseudonym. The one exception is the orderer's own free text, which names
  // the expert: free text is its writer's data and is not searched or rewritten (issue 11,
  // item 1; docs/privacy.md). It stays exactly as the orderer wrote it.
  const left = await documentsContaining(h, [expert.aad, NAME]);
  expect(left.map((d) => d.collection)).toEqual(['feedback']);
  expect(await stored(h).feedback.findOne({ _id: `${orderId}:orderer` })).toMatchObject({ text: `${NAME} kertoi hyvin` });

  // Accounting keeps the task and its fee inputs, de-identified under one pseudonym.
  const assignment = (await stored(h).assignments.findOne({ orderId }))!;
  expect(assignment.expertId).toMatch(/^erased-[0-9a-f-]{36}$/);
  expect(assignment.travelKm).toBe(12);
  const pseudonym = assignment.expertId;
  const answer = (await stored(h).feedback.findOne({ _id: `${orderId}:${pseudonym}` }))!;
  expect(answer).toMatchObject({ expertId: pseudonym, role: 'expert', debrief: true });
  expect(answer.text).toBeUndefined();
  expect(await stored(h).feedback.countDocuments({ _id: `${orderId}:orderer` })).toBe(1);
  expect(await stored(h).feedbackRequests.countDocuments({ _id: `${orderId}:orderer` })).toBe(1);
  expect(await stored(h).erasureRequests.findOne({ _id: pseudonym })).toMatchObject({ status: 'erased', confirmedBy: coordinator.aad });
  // A second confirmation finds nothing left to erase.
  expect(text(cardOf(await h.post(execute(h, coordinator, 'privacy.confirmErasure', { userId: expert.aad }, CHANNEL, CHANNEL_DATA))))).not.toContain('Tiedot on poistettu');
}, 120_000);

test('two confirmations at once (a double click) erase under one pseudonym and say goodbye once', async () => {
  const twin: User = { ...user('Tuula Tuplaklikkaus'), personal: `a:1${randomUUID().replace(/-/g, '')}` };
  await h.post(personalMessage(h, twin, 'ohje'));
  // Fee records to de-identify: past tasks of the person.
  const past = new Date('2026-01-15T10:00:00Z');
  await stored(h).assignments.insertMany([1, 2, 3, 4, 5].map((n) => ({
    _id: `T-2026-900${n}#1`, orderId: `T-2026-900${n}`, expertId: twin.aad, seat: 1, startsAt: past, endsAt: past, status: 'accepted', createdAt: past, updatedAt: past,
  })) as never[]);
  cardOf(await h.post(execute(h, twin, 'privacy.requestErasure', {})));
  await h.bot.sender.drain(15_000);
  const erasedBefore = await stored(h).erasureRequests.countDocuments({ status: 'erased' });
  h.connector.reset();

  const confirm = () => h.post(execute(h, coordinator, 'privacy.confirmErasure', { userId: twin.aad }, CHANNEL, CHANNEL_DATA));
  const answers = await Promise.all(Array.from({ length: 6 }, confirm));
  // Each click is answered: "erased", or, for a click that came after the erasure had
  // finished, "no open request: erased already, or never made".
  const said = answers.map((answer) => text(cardOf(answer)));
  for (const t of said) expect(t).toMatch(/Tiedot on poistettu|tiedot on jo poistettu/);
  expect(said.some((t) => t.includes('Tiedot on poistettu'))).toBe(true);
  await h.bot.sender.drain(15_000);

  const pseudonyms = await stored(h).assignments.distinct('expertId', { orderId: { $regex: '^T-2026-900' } });
  expect(pseudonyms).toHaveLength(1);
  expect(pseudonyms[0]).toMatch(/^erased-[0-9a-f-]{36}$/);
  expect(await stored(h).erasureRequests.countDocuments({ status: 'erased' })).toBe(erasedBefore + 1);
  expect(await stored(h).erasureRequests.countDocuments({ _id: pseudonyms[0] })).toBe(1);
  expect(h.connector.sentTo(twin.personal)).toHaveLength(1);
  expect(await documentsContaining(h, [twin.aad, 'Tuula Tuplaklikkaus'])).toEqual([]);
}, 60_000);
