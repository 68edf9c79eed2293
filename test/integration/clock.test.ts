import { Harness, startHarness } from '../support/harness';
import { storeFilledOrder } from '../support/orders';
import { channelMessage, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';
import { ranNow } from '../support/jobs';

// Time that can pass, locally: a coordinator moves the bot's one clock forward, and everything
// that decides by time (the scheduler's jobs included) sees it; coordinators run any job now.
const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Aino Ammattilainen');
const expert = user('Eero Kokemusasiantuntija');
const HOUR = 3600_000;
let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post(channelMessage(h, coordinator, 'koordinaattorikanava'));
  for (const u of [orderer, expert]) await h.post(personalMessage(h, u, 'ohje'));
});
afterAll(() => h.stop());

/** The notices the channel got since the last reset, as text. */
async function inChannel(words: string, from = coordinator): Promise<string> {
  h.connector.reset();
  await h.post(channelMessage(h, from, words));
  await h.connector.waitFor(() => h.connector.sentTo('19:koord@thread.tacv2').length > 0);
  return h.connector.sentTo('19:koord@thread.tacv2').map(text).join('\n');
}

/** A filled order of Aino's with Eero's seat, starting in `startsInMs`, 90 minutes long. */
async function filledOrder(id: string, startsInMs: number): Promise<void> {
  const now = h.bot.deps.now();
  await storeFilledOrder(h, { id, startsAt: new Date(now.getTime() + startsInMs), orderer, expertAad: expert.aad, now });
}

/** What the bot answered in a user's 1:1 chat (outside the coordinators' team nobody else is a coordinator). */
async function inPersonal(u: typeof orderer, words: string): Promise<string> {
  h.connector.reset();
  await h.post(personalMessage(h, u, words));
  await h.connector.waitFor(() => h.connector.sentTo(u.personal).some((a) => a.type === 'message'));
  return h.connector.sentTo(u.personal).map(text).join('\n');
}

const feedbackCards = (chat: string, orderId: string) => h.connector.sentTo(chat).map(text).filter((s) => s.includes('"verb":"feedback.') && s.includes(orderId));

test('the channel\'s help offers moving the clock and running jobs now (local mode)', async () => {
  const help = await inChannel('ohje');
  for (const words of ['siirrä aikaa', 'palaute nyt', 'muistutukset nyt', 'tarjouskierros nyt', 'siivous nyt', 'kooste nyt', 'kieli']) expect(help).toContain(`**${words}**`);
});

test('only a coordinator moves the clock, and only forward by a length people type', async () => {
  expect(await inPersonal(orderer, 'siirrä aikaa 2 h')).toContain('ei ole oikeutta');
  expect(h.bot.clock.offsetMs()).toBe(0);
  for (const bad of ['siirrä aikaa', 'siirrä aikaa huomenna', 'siirrä aikaa -2 h', 'siirrä aikaa 0 min', 'move time 40 d']) {
    expect(await inChannel(bad)).toContain('siirrä aikaa 2 h (myös');
  }
  expect(h.bot.clock.offsetMs()).toBe(0);
});

test('a task ends when the clock passes it: `palaute nyt` sends both feedback cards only then', async () => {
  await filledOrder('T-2026-8001', 1 * HOUR);
  const ran = ranNow('feedback'); // the five-minute tick may have run this minute
  expect(await inChannel('palaute nyt')).toMatch(ran);
  await h.bot.sender.drain(10000);
  expect(feedbackCards(orderer.personal, 'T-2026-8001')).toHaveLength(0);

  const before = Date.now();
  const said = await inChannel('siirrä aikaa 3 h');
  expect(said).toContain('Kello siirtyi 3 h eteenpäin');
  // In the reader's format: "nyt on 3.1.2027 klo 00.53", never "00:53".
  expect(said).toMatch(/nyt on \d{1,2}\.\d{1,2}\.\d{4} klo \d{2}\.\d{2} /);
  expect(h.bot.clock.offsetMs()).toBe(3 * HOUR);
  expect(h.bot.deps.now().getTime()).toBeGreaterThanOrEqual(before + 3 * HOUR);

  expect(await inChannel('palaute nyt')).toMatch(ran);
  await h.bot.sender.drain(10000);
  expect(feedbackCards(orderer.personal, 'T-2026-8001')).toHaveLength(1);
  expect(feedbackCards(expert.personal, 'T-2026-8001')).toHaveLength(1);
  expect((await h.bot.store.orders.get('T-2026-8001'))!.status).toBe('done');
});

test.each([
  ['muistutukset nyt', 'reminders'],
  ['tarjouskierros nyt', 'offer-waves'],
  ['siivous nyt', 'cleanup'],
  ['kooste nyt', 'daily-digest'],
])('`%s` runs the job now for a coordinator (this minute\'s run on the bot\'s clock)', async (words, job) => {
  const minute = new Date(Math.floor(h.bot.deps.now().getTime() / 60_000) * 60_000).toISOString();
  // A cron tick of the same minute (offer waves: every minute) may have run it already: then it says so.
  expect(await inChannel(words)).toMatch(ranNow(job));
  const runs = await h.bot.store.jobRuns.recent(job, 50);
  expect(runs.some((r) => r.key === minute || r.key === new Date(Date.parse(minute) + 60_000).toISOString())).toBe(true);
});

test('others cannot run jobs', async () => {
  const runs = (await h.bot.store.jobRuns.recent('feedback', 50)).length;
  expect(await inPersonal(orderer, 'palaute nyt')).toContain('ei ole oikeutta');
  // A configured coordinator can, from their own 1:1 chat too.
  expect(await inPersonal(coordinator, 'palaute nyt')).toMatch(ranNow('feedback'));
  expect(await h.bot.store.jobRuns.recent('feedback', 50)).toHaveLength(runs);
});

test('the moves add up; Swedish and English words work; a cron tick is named on the moved clock', async () => {
  const offset = h.bot.clock.offsetMs();
  expect(await inChannel('flytta tiden 1 dygn')).toContain('Kello siirtyi 1 vrk eteenpäin');
  expect(await inChannel('move time 90 min')).toContain('Kello siirtyi 1 h 30 min eteenpäin');
  expect(h.bot.clock.offsetMs()).toBe(offset + 24 * HOUR + 90 * 60_000);
  const tick = new Date();
  await h.bot.scheduler.tick('cleanup', tick);
  const [run] = await h.bot.store.jobRuns.recent('cleanup', 1);
  const expected = Math.floor((tick.getTime() + h.bot.clock.offsetMs()) / 60_000) * 60_000;
  expect(run.key).toBe(new Date(expected).toISOString());
});
