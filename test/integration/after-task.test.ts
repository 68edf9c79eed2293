import { createLogger } from '../../src/log';
import { remindersJob } from '../../src/jobs/afterTask';
import { Scheduler } from '../../src/jobs/scheduler';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user } from '../support/teams';

const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Aino Ammattilainen');
const expert = user('Eero Kokemusasiantuntija');
const other = user('Joku Muu');
let h: Harness;
const HOUR = 3600_000;

async function order(id: string, startsAt: Date, status: 'filled' | 'offering', withAssignment = true): Promise<void> {
  const now = new Date();
  await h.bot.store.orders.col.insertOne({
    _id: id, themes: ['mental-health'], taskType: 'talk', title: `Tehtävä ${id}`, description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x',
    targetGroup: 'x', seats: 1, language: 'fi', costCentre: 'K1', contact: { name: 'Aino' }, orderer: { aadObjectId: orderer.aad, name: 'Aino' },
    conversationId: orderer.personal, endsAt: new Date(startsAt.getTime() + 90 * 60000), status, createdAt: now, updatedAt: now,
  });
  if (withAssignment) await h.bot.store.assignments.claimSeat({ _id: id, seats: 1, startsAt, endsAt: new Date(startsAt.getTime() + 90 * 60000) }, expert.aad, now);
}

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  for (const u of [orderer, expert, other]) await h.post(personalMessage(h, u, 'ohje'));
  await h.bot.store.experts.saveProfile(expert.aad, { displayName: 'Eero', themes: ['mental-health'], taskTypes: ['talk'], municipalities: [], remoteOk: true, languages: ['fi'], description: 'x', feePreference: 'fee' }, new Date());
});
afterAll(() => h.stop());

const ORDERER_ANSWER = { orderId: 'T-2026-7001', tookPlace: 'yes', actualMinutes: '75', goalsMet: '4', useful: '5', text: 'Hyvä puheenvuoro', orderAgain: 'true' };
const EXPERT_ANSWER = { orderId: 'T-2026-7001', tookPlace: 'yes', actualMinutes: '80', travelKm: '12', ticketEuros: '', howItWent: '3', text: 'Raskas aihe', debrief: 'true', anonymousText: 'Tilat olivat ahtaat' };

test('after the end both sides get their own feedback card, once', async () => {
  await order('T-2026-7001', new Date(Date.now() - 3 * HOUR), 'filled');
  h.connector.reset();
  expect(await h.bot.scheduler.runNow('feedback', { key: 'a' })).toBe('done');
  expect(await h.bot.scheduler.runNow('feedback', { key: 'b' })).toBe('done');
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(orderer.personal).map(text).filter((s) => s.includes('feedback.orderer'))).toHaveLength(1);
  expect(h.connector.sentTo(expert.personal).map(text).filter((s) => s.includes('feedback.expert'))).toHaveLength(1);
  expect((await h.bot.store.orders.get('T-2026-7001'))!.status).toBe('done');
});

test('the orderer answers once; the confirmed duration goes to the fee; answering again shows the stored answer', async () => {
  expect(text(cardOf(await h.post(execute(h, other, 'feedback.orderer', ORDERER_ANSWER))))).toContain('toiselle henkilölle');
  const bad = cardOf(await h.post(execute(h, orderer, 'feedback.orderer', { ...ORDERER_ANSWER, goalsMet: '9' })));
  expect(text(bad)).toContain('Tuntematon valinta');
  expect(await h.bot.store.feedback.get('T-2026-7001:orderer')).toBeNull();
  expect(text(cardOf(await h.post(execute(h, orderer, 'feedback.orderer', ORDERER_ANSWER))))).toContain('Kiitos palautteesta');
  const again = cardOf(await h.post(execute(h, orderer, 'feedback.orderer', { ...ORDERER_ANSWER, actualMinutes: '30' })));
  expect(text(again)).toContain('75');
  expect(await h.bot.store.assignments.of('T-2026-7001', expert.aad)).toMatchObject({ confirmedMinutes: 75, outcome: 'held' });
});

test('the expert answers: travel stored, a debrief request reaches the coordinators at once, anonymous text has no link to the expert', async () => {
  h.connector.reset();
  cardOf(await h.post(execute(h, expert, 'feedback.expert', EXPERT_ANSWER)));
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(CHANNEL.id).map(text).join()).toContain('Eero toivoo jälkipuintia tehtävästä T-2026-7001');
  expect(await h.bot.store.assignments.of('T-2026-7001', expert.aad)).toMatchObject({ travelKm: 12 });
  const anon = await h.bot.store.feedback.anonymous.find().toArray();
  expect(anon).toHaveLength(1);
  expect(Object.keys(anon[0]).sort()).toEqual(['_id', 'month', 'text']);
  expect(JSON.stringify(anon[0])).not.toContain(expert.aad);
  expect(JSON.stringify(anon[0])).not.toContain('T-2026-7001');
});

test('missing feedback is nudged at most twice', async () => {
  await order('T-2026-7002', new Date(Date.now() - 3 * HOUR), 'filled');
  await h.bot.scheduler.runNow('feedback', { key: 'c' });
  await h.bot.store.feedback.requests.updateMany({ orderId: 'T-2026-7002' }, { $set: { sentAt: new Date(Date.now() - 10 * 86_400_000) } });
  for (const key of ['d', 'e', 'f', 'g']) await h.bot.scheduler.runNow('feedback', { key });
  await h.bot.sender.drain(10000);
  const nudges = await h.bot.store.outbox.col.countDocuments({ key: { $regex: '^feedback-nudge:T-2026-7002:orderer' } });
  expect(nudges).toBe(2);
});

test('day-before reminders go once with two scheduler instances; unfilled orders alert the coordinators', async () => {
  const tomorrowSameTime = new Date(Date.now() + 24 * HOUR);
  await order('T-2026-7003', tomorrowSameTime, 'filled');
  await order('T-2026-7004', new Date(Date.now() + 48 * HOUR), 'offering', false);
  const second = new Scheduler({ repo: h.bot.store.jobRuns, timeZone: 'Europe/Helsinki', log: createLogger('silent') });
  second.register(remindersJob(h.bot.deps));
  const tick = new Date();
  await Promise.all([h.bot.scheduler.tick('reminders', tick), second.tick('reminders', tick)]);
  await h.bot.sender.drain(10000);
  const expertReminders = await h.bot.store.outbox.col.countDocuments({ key: 'reminder:day-before:T-2026-7003#1' });
  const ordererReminders = await h.bot.store.outbox.col.countDocuments({ key: 'reminder:day-before:T-2026-7003:orderer' });
  expect([expertReminders, ordererReminders]).toEqual([1, 1]);
  expect(await h.bot.store.outbox.col.countDocuments({ key: 'reminder:unfilled:T-2026-7004' })).toBe(1);
  await second.stop();
});
