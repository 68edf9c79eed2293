import { feedbackJob } from '../../src/jobs/afterTask';
import { storeFilledOrder } from '../support/orders';
import { JobContext } from '../../src/jobs/scheduler';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';

const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Aino Ammattilainen');
const expert = user('Eero Kokemusasiantuntija');
const other = user('Joku Muu');
let h: Harness;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

async function order(id: string, startsAt: Date): Promise<void> {
  await storeFilledOrder(h, { id, startsAt, orderer, expertAad: expert.aad, now: new Date() });
}

/** The job run as the scheduler would run it, at a chosen instant. */
function at(now: Date): JobContext {
  const key = `t${now.getTime()}`;
  return { job: 'feedback', runKey: `feedback@${key}`, key, scheduledFor: now, localDate: '', attempt: 1, progress: undefined, checkpoint: async () => undefined, now: () => now, signal: new AbortController().signal };
}

/** Feedback cards of one order and role the connector delivered to a chat. */
function cards(chat: string, orderId: string, role: 'orderer' | 'expert'): string[] {
  return h.connector.sentTo(chat).map(text).filter((s) => s.includes(`"verb":"feedback.${role}"`) && s.includes(orderId));
}

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  for (const u of [orderer, expert, other]) await h.post(personalMessage(h, u, 'ohje'));
  await h.bot.store.experts.saveProfile(expert.aad, { displayName: 'Eero', themes: ['mental-health'], taskTypes: ['talk'], municipalities: [], remoteOk: true, languages: ['fi'], description: 'x', feePreference: 'fee' }, new Date());
  await order('T-2026-7001', new Date(Date.now() - 3 * HOUR));
  await order('T-2026-7009', new Date(Date.now() + 5 * HOUR));
  // The tests run the job themselves, at chosen instants; a cron tick in between would blur what each run did.
  await h.bot.scheduler.stop();
});
afterAll(() => h.stop());

const ORDERER_ANSWER = { orderId: 'T-2026-7001', tookPlace: 'yes', actualMinutes: '75', goalsMet: '4', useful: '5', text: 'Hyvä puheenvuoro', orderAgain: 'true' };
const EXPERT_ANSWER = { orderId: 'T-2026-7001', tookPlace: 'yes', actualMinutes: '80', travelKm: '12', ticketEuros: '', howItWent: '3', text: 'Raskas aihe', debrief: 'true', anonymousText: 'Tilat olivat ahtaat' };

test('nothing before the end; after it the orderer and the expert each get their own card, once', async () => {
  h.connector.reset();
  await feedbackJob(h.bot.deps).run(at(new Date()));
  await feedbackJob(h.bot.deps).run(at(new Date(Date.now() + 60_000)));
  await h.bot.sender.drain(10000);
  expect(cards(orderer.personal, 'T-2026-7001', 'orderer')).toHaveLength(1);
  expect(cards(expert.personal, 'T-2026-7001', 'expert')).toHaveLength(1);
  expect(cards(orderer.personal, 'T-2026-7009', 'orderer')).toHaveLength(0);
  expect((await h.bot.store.orders.get('T-2026-7001'))!.status).toBe('done');
  expect((await h.bot.store.assignments.of('T-2026-7001', expert.aad))!.status).toBe('done');
  expect((await h.bot.store.orders.get('T-2026-7009'))!.status).toBe('filled');
});

test('a run that fails before the cards are out leaves the order for the next run', async () => {
  await order('T-2026-7002', new Date(Date.now() - 3 * HOUR));
  const broken = { ...h.bot.deps, postman: { post: async () => Promise.reject(new Error('outbox down')) } };
  await expect(feedbackJob(broken).run(at(new Date()))).rejects.toThrow('outbox down');
  expect((await h.bot.store.orders.get('T-2026-7002'))!.status).toBe('filled');
  h.connector.reset();
  await feedbackJob(h.bot.deps).run(at(new Date()));
  await h.bot.sender.drain(10000);
  expect(cards(orderer.personal, 'T-2026-7002', 'orderer')).toHaveLength(1);
  expect(cards(expert.personal, 'T-2026-7002', 'expert')).toHaveLength(1);
  expect((await h.bot.store.orders.get('T-2026-7002'))!.status).toBe('done');
});

test('only the orderer answers the orderer card, once; the confirmed duration goes to the fee; again shows the stored answer', async () => {
  for (const u of [other, expert]) expect(text(cardOf(await h.post(execute(h, u, 'feedback.orderer', ORDERER_ANSWER))))).toContain('toiselle henkilölle');
  // A forged submit before the end: no card was sent for it, so it is not the orderer's to answer yet.
  expect(text(cardOf(await h.post(execute(h, orderer, 'feedback.orderer', { ...ORDERER_ANSWER, orderId: 'T-2026-7009' }))))).toContain('toiselle henkilölle');
  const badCard = cardOf(await h.post(execute(h, orderer, 'feedback.orderer', { ...ORDERER_ANSWER, goalsMet: '9', actualMinutes: '9999' })));
  const bad = text(badCard);
  // The refused form keeps what was typed: the number input gets a number (text would be dropped by the client).
  expect(bad).toContain('"id":"actualMinutes"');
  expect(JSON.stringify(badCard)).toMatch(/"id":"actualMinutes"[^}]*"value":9999[,}]/);
  expect(bad).toContain('Tuntematon valinta');
  expect(bad).toContain('Arvo ei ole sallituissa rajoissa');
  expect(await stored(h).feedback.countDocuments({ orderId: { $in: ['T-2026-7001', 'T-2026-7009'] }, role: 'orderer' })).toBe(0);
  expect((await h.bot.store.assignments.of('T-2026-7001', expert.aad))!.confirmedMinutes).toBeUndefined();

  expect(text(cardOf(await h.post(execute(h, orderer, 'feedback.orderer', ORDERER_ANSWER))))).toContain('Kiitos palautteesta');
  const again = cardOf(await h.post(execute(h, orderer, 'feedback.orderer', { ...ORDERER_ANSWER, actualMinutes: '30', tookPlace: 'noShow' })));
  expect(text(again)).toContain('"value":"75"');
  expect(text(again)).not.toContain('"verb":"feedback.orderer"');
  expect(await stored(h).feedback.countDocuments({ orderId: 'T-2026-7001', role: 'orderer' })).toBe(1);
  expect(await h.bot.store.assignments.of('T-2026-7001', expert.aad)).toMatchObject({ confirmedMinutes: 75, outcome: 'held' });
});

test('the expert card: others refused, a double submit stores once, the debrief request is queued to the coordinators at once, anonymous text has no link', async () => {
  for (const u of [other, orderer]) expect(text(cardOf(await h.post(execute(h, u, 'feedback.expert', EXPERT_ANSWER))))).toContain('toiselle henkilölle');
  expect(text(cardOf(await h.post(execute(h, expert, 'feedback.expert', { ...EXPERT_ANSWER, travelKm: '-5' }))))).toContain('Arvo ei ole sallituissa rajoissa');
  expect(await stored(h).feedback.countDocuments({ role: 'expert' })).toBe(0);
  expect(await stored(h).anonymousFeedback.countDocuments()).toBe(0);

  h.connector.reset();
  const both = await Promise.all([1, 2].map(() => h.post(execute(h, expert, 'feedback.expert', EXPERT_ANSWER))));
  for (const res of both) expect(text(cardOf(res))).toContain('Kiitos!');
  // Queued while the click was answered, not left for the next digest.
  expect(await stored(h).outbox.countDocuments({ conversationId: CHANNEL.id, key: { $regex: '^debrief:T-2026-7001:' } })).toBe(1);
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(CHANNEL.id).map(text).filter((s) => s.includes('Eero toivoo jälkipuintia tehtävästä T-2026-7001'))).toHaveLength(1);
  expect(await stored(h).feedback.countDocuments({ orderId: 'T-2026-7001', role: 'expert' })).toBe(1);
  expect(await h.bot.store.assignments.of('T-2026-7001', expert.aad)).toMatchObject({ travelKm: 12 });
  const anon = await stored(h).anonymousFeedback.find().toArray();
  expect(anon).toHaveLength(1);
  expect(Object.keys(anon[0]).sort()).toEqual(['_id', 'month', 'text']);
  expect(anon[0].month).toMatch(/^\d{4}-\d{2}$/);
  expect(JSON.stringify(anon[0])).not.toMatch(new RegExp(`${expert.aad}|T-2026-7001|Eero`, 'i'));
  expect(JSON.stringify(await h.bot.store.feedback.get(`T-2026-7001:${expert.aad}`))).not.toContain('ahtaat');
});

test('missing feedback is nudged two days after the request and two days after that, at most twice, never after answering', async () => {
  await order('T-2026-7003', new Date(Date.now() - 3 * HOUR));
  h.connector.reset();
  const start = Date.now();
  await feedbackJob(h.bot.deps).run(at(new Date(start)));
  const nudges = async (who: string) => stored(h).outbox.countDocuments({ key: { $regex: `^feedback-nudge:T-2026-7003:${who}:` } });
  const runAt = async (days: number) => {
    await feedbackJob(h.bot.deps).run(at(new Date(start + days * DAY)));
    return [await nudges('orderer'), await nudges(expert.aad)];
  };
  expect(await runAt(1)).toEqual([0, 0]);
  // Down for a week: one nudge now, the second not at the very next run.
  expect(await runAt(10)).toEqual([1, 1]);
  expect(await runAt(10.01)).toEqual([1, 1]);
  cardOf(await h.post(execute(h, expert, 'feedback.expert', { ...EXPERT_ANSWER, orderId: 'T-2026-7003', debrief: 'false', anonymousText: '' })));
  expect(await runAt(12.01)).toEqual([2, 1]);
  expect(await runAt(20)).toEqual([2, 1]);
  expect(await runAt(40)).toEqual([2, 1]);
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(orderer.personal).map(text).filter((s) => s.includes('palaute tehtävästä T-2026-7003'))).toHaveLength(2);
});

test('an answer stored just before a crash still takes effect when the card is sent again: hours, travel, anonymous text once, debrief once', async () => {
  await order('T-2026-7005', new Date(Date.now() - 3 * HOUR));
  await feedbackJob(h.bot.deps).run(at(new Date()));
  // The process died right after storing each answer, before applying it.
  const createdAt = new Date();
  await stored(h).feedback.insertMany([
    { _id: 'T-2026-7005:orderer', orderId: 'T-2026-7005', role: 'orderer', answers: { tookPlace: 'yes', actualMinutes: 70, goalsMet: 4, useful: 4, orderAgain: true }, createdAt },
    {
      _id: `T-2026-7005:${expert.aad}`, orderId: 'T-2026-7005', role: 'expert', expertId: expert.aad, debrief: true, createdAt,
      answers: { tookPlace: 'yes', actualMinutes: 70, howItWent: 4, travelKm: 7, ticketEuros: 3.5, debrief: true }, anonymous: { id: 'b4a1c7de-0d3e-4e7a-9a55-5b6c7d8e9f00', text: 'Kahvi loppui' },
    },
  ]);
  expect((await h.bot.store.assignments.of('T-2026-7005', expert.aad))!.confirmedMinutes).toBeUndefined();
  const anonymousBefore = await stored(h).anonymousFeedback.countDocuments();
  h.connector.reset();

  for (let click = 0; click < 2; click++) {
    expect(text(cardOf(await h.post(execute(h, orderer, 'feedback.orderer', { ...ORDERER_ANSWER, orderId: 'T-2026-7005', actualMinutes: '30' }))))).toContain('"value":"70"');
    expect(text(cardOf(await h.post(execute(h, expert, 'feedback.expert', { ...EXPERT_ANSWER, orderId: 'T-2026-7005', travelKm: '99' }))))).toContain('Kiitos!');
  }
  // The stored answers took effect, not the values of the later submits.
  expect(await h.bot.store.assignments.of('T-2026-7005', expert.aad)).toMatchObject({ confirmedMinutes: 70, outcome: 'held', travelKm: 7, ticketCents: 350 });
  expect(await stored(h).anonymousFeedback.countDocuments()).toBe(anonymousBefore + 1);
  expect(await stored(h).anonymousFeedback.findOne({ _id: 'b4a1c7de-0d3e-4e7a-9a55-5b6c7d8e9f00' })).toMatchObject({ text: 'Kahvi loppui' });
  expect((await h.bot.store.feedback.get(`T-2026-7005:${expert.aad}`))!.anonymous).toBeUndefined();
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(CHANNEL.id).map(text).filter((s) => s.includes('jälkipuintia tehtävästä T-2026-7005'))).toHaveLength(1);
});
