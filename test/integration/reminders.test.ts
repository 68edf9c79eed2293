import { remindersJob } from '../../src/jobs/afterTask';
import { JobContext, Scheduler } from '../../src/jobs/scheduler';
import { localParts, zonedTimeToUtc } from '../../src/domain/time';
import { createLogger } from '../../src/log';
import { Harness, startHarness } from '../support/harness';
import { CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';

const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Aino Ammattilainen');
const expert = user('Eero Kokemusasiantuntija');
const TZ = 'Europe/Helsinki';
const DAY = 86_400_000;
let h: Harness;

/** Noon of the local day `days` from today: "tomorrow" whatever the hour or a DST change. */
function noonIn(days: number): Date {
  const [y, m, d] = localParts(new Date(), TZ).date.split('-').map(Number);
  return zonedTimeToUtc(new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10), '12:00', TZ)!;
}

async function order(id: string, startsAt: Date, status: 'filled' | 'offering', expertId?: string): Promise<void> {
  const now = new Date();
  const endsAt = new Date(startsAt.getTime() + 90 * 60000);
  await stored(h).orders.insertOne({
    _id: id, themes: ['mental-health'], taskType: 'talk', title: `Tehtävä ${id}`, description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x',
    targetGroup: 'x', seats: 1, language: 'fi', costCentre: 'K1', contact: { name: 'Aino' }, orderer: { aadObjectId: orderer.aad, name: 'Aino' },
    conversationId: orderer.personal, endsAt, status, createdAt: now, updatedAt: now,
  });
  if (expertId) await h.bot.store.assignments.claimSeat({ _id: id, seats: 1, startsAt, endsAt }, expertId, now);
}

function ctx(now = new Date(), key = 'direct'): JobContext {
  return { job: 'reminders', runKey: `reminders@${key}`, key, scheduledFor: now, localDate: '', attempt: 1, progress: undefined, checkpoint: async () => undefined, now: () => now, signal: new AbortController().signal };
}

const mentions = (chat: string, s: string) => h.connector.sentTo(chat).map(text).filter((x) => x.includes(s));

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  for (const u of [orderer, expert]) await h.post(personalMessage(h, u, 'ohje'));
});
afterAll(() => h.stop());

test('the day-before reminder reaches the expert and the orderer once, with two instances ticking the same occurrence and a repeated run', async () => {
  await order('T-2026-7101', noonIn(1), 'filled', expert.aad);
  await order('T-2026-7102', noonIn(2), 'filled', expert.aad.replace(/.$/, '0'));
  h.connector.reset();
  const instances = [1, 2].map(() => new Scheduler({ repo: h.bot.store.jobRuns, timeZone: TZ, log: createLogger('silent') }).register(remindersJob(h.bot.deps)));
  const tick = new Date();
  const outcomes = await Promise.all(instances.map((s) => s.tick('reminders', tick)));
  expect(outcomes.filter((o) => o === 'done')).toHaveLength(1);
  // A coordinator's run, or a resumed attempt, later the same day: the keys make it send nothing new.
  await remindersJob(h.bot.deps).run(ctx(new Date(tick.getTime() + 60_000), 'again'));
  await h.bot.sender.drain(10000);
  const toExpert = mentions(expert.personal, 'T-2026-7101');
  expect(toExpert).toHaveLength(1);
  expect(toExpert[0]).toContain('Muistutus: huomenna');
  expect(toExpert[0]).toContain('Tehtävä T-2026-7101');
  expect(mentions(orderer.personal, 'T-2026-7101')).toHaveLength(1);
  expect(mentions(orderer.personal, 'T-2026-7102')).toHaveLength(0);
  await Promise.all(instances.map((s) => s.stop()));
});

test('REMINDER_DAYS=7,1: a week before and the day before, each once per assignment, with the clock moved between them', async () => {
  await order('T-2026-7111', noonIn(7), 'filled', expert.aad);
  await order('T-2026-7112', noonIn(6), 'filled', expert.aad.replace(/.$/, '1'));
  h.connector.reset();
  expect(h.bot.deps.config.reminderDays).toEqual([7, 1]);
  const today = new Date();
  await remindersJob(h.bot.deps).run(ctx(today, 'week-1'));
  await remindersJob(h.bot.deps).run(ctx(new Date(today.getTime() + 3_600_000), 'week-2'));
  await h.bot.sender.drain(10000);
  const week = mentions(expert.personal, 'T-2026-7111');
  expect(week).toHaveLength(1);
  expect(week[0]).toContain('Muistutus: 7 päivän kuluttua');
  expect(mentions(orderer.personal, 'T-2026-7111')).toHaveLength(1);
  // Six days ahead is no reminder day.
  expect(mentions(orderer.personal, 'T-2026-7112')).toHaveLength(0);
  // Six days later by the injected clock, the same task is tomorrow's: the day-before reminder, once.
  h.connector.reset();
  const later = new Date(today.getTime() + 6 * DAY);
  await remindersJob(h.bot.deps).run(ctx(later, 'day-1'));
  await remindersJob(h.bot.deps).run(ctx(new Date(later.getTime() + 60_000), 'day-2'));
  await h.bot.sender.drain(10000);
  const dayBefore = mentions(expert.personal, 'T-2026-7111');
  expect(dayBefore).toHaveLength(1);
  expect(dayBefore[0]).toContain('Muistutus: huomenna');
  expect(mentions(orderer.personal, 'T-2026-7111')).toHaveLength(1);
  // The other order starts in five days by then: nothing.
  expect(mentions(orderer.personal, 'T-2026-7112')).toHaveLength(0);
});

test('a configured list (REMINDER_DAYS=3) reminds only three days before', async () => {
  await order('T-2026-7113', noonIn(3), 'filled', expert.aad);
  await order('T-2026-7114', noonIn(7), 'filled', expert.aad.replace(/.$/, '2'));
  h.connector.reset();
  const deps = { ...h.bot.deps, config: { ...h.bot.deps.config, reminderDays: [3] } };
  await remindersJob(deps).run(ctx(new Date(), 'three'));
  await h.bot.sender.drain(10000);
  const three = mentions(expert.personal, 'T-2026-7113');
  expect(three).toHaveLength(1);
  expect(three[0]).toContain('Muistutus: 3 päivän kuluttua');
  expect(mentions(orderer.personal, 'T-2026-7114')).toHaveLength(0);
});

test('orders still unfilled UNFILLED_ALERT_DAYS before the start alert the coordinators once', async () => {
  await order('T-2026-7103', new Date(Date.now() + 2 * DAY), 'offering');
  await order('T-2026-7104', new Date(Date.now() + 2 * DAY), 'filled', expert.aad);
  await order('T-2026-7105', new Date(Date.now() + 5 * DAY), 'offering');
  h.connector.reset();
  await remindersJob(h.bot.deps).run(ctx());
  await remindersJob(h.bot.deps).run(ctx(new Date(Date.now() + 3600_000), 'later'));
  await h.bot.sender.drain(10000);
  const alerts = mentions(CHANNEL.id, 'T-2026-7103');
  expect(alerts).toHaveLength(1);
  expect(alerts[0]).toContain('(0/1 paikkaa täytetty)');
  expect(mentions(CHANNEL.id, 'T-2026-7104')).toHaveLength(0);
  expect(mentions(CHANNEL.id, 'T-2026-7105')).toHaveLength(0);
});
