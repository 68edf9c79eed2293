import { offerWave } from '../../src/services/offering';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, channelMessage, execute, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';

// The expert's own earnings limit, end to end against the real database: set privately in the
// 1:1 chat, offer cards show the gross fee and the earnings so far, a note from 80 %, offers
// pause at 100 % for the rest of the month (the expert is told) and resume the next month;
// coordinators never see the figure.
const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Aino Ammattilainen');
const anna = user('Aalto Anna');
let h: Harness;

/** A month safely in the future whatever day the test runs: the month after next. */
const base = new Date();
const M = new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth() + 2, 1));
const day = (d: number, monthOffset = 0) => new Date(Date.UTC(M.getUTCFullYear(), M.getUTCMonth() + monthOffset, d, 10, 0));
const monthLabel = (offset: number) => { const x = new Date(Date.UTC(M.getUTCFullYear(), M.getUTCMonth() + offset, 1)); return `${x.getUTCMonth() + 1}/${x.getUTCFullYear()}`; };
const nextMonthFirst = (() => { const x = new Date(Date.UTC(M.getUTCFullYear(), M.getUTCMonth() + 1, 1)); return `1.${x.getUTCMonth() + 1}.${x.getUTCFullYear()}`; })();

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  for (const u of [coordinator, orderer, anna]) await h.post(personalMessage(h, u, 'ohje'));
  const now = new Date();
  await h.bot.store.experts.saveProfile(anna.aad, { displayName: 'Aalto Anna', themes: ['mental-health'], taskTypes: ['talk', 'training'], municipalities: [], remoteOk: true, languages: ['fi'], description: 'x', feePreference: 'fee' }, now);
  await h.bot.store.experts.decide(anna.aad, 'active', coordinator.aad, now);
  // The tests send the waves themselves.
  await h.bot.scheduler.stop();
});
afterAll(() => h.stop());

let n = 0;
async function order(taskType: string, startsAt: Date): Promise<string> {
  const id = `T-2026-${String(8000 + ++n)}`;
  const now = new Date();
  await stored(h).orders.insertOne({
    _id: id, themes: ['mental-health'], taskType, title: `Tehtävä ${id}`, description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x',
    targetGroup: 'x', seats: 1, language: 'fi', costCentre: 'KP-1', contact: { name: 'Aino' }, orderer: { aadObjectId: orderer.aad, name: 'Aino' },
    conversationId: orderer.personal, endsAt: new Date(startsAt.getTime() + 90 * 60000), status: 'new', createdAt: now, updatedAt: now,
  });
  return id;
}

/** Sends a wave for a new order and returns the expert's offer card (or undefined: not offered). */
async function offered(taskType: string, startsAt: Date): Promise<{ id: string; card?: string }> {
  const id = await order(taskType, startsAt);
  h.connector.reset();
  await offerWave(h.bot.deps, id);
  await h.bot.sender.drain(10000);
  return { id, card: h.connector.sentTo(anna.personal).map(text).find((x) => x.includes('offer.accept') && x.includes(id)) };
}

async function accept(id: string): Promise<void> {
  h.connector.reset();
  cardOf(await h.post(execute(h, anna, 'offer.accept', { offerId: `${id}:${anna.aad}` })));
  await h.bot.sender.drain(10000);
}

const GUARD = { limitEuros: '100', per: 'month', pauseAtLimit: 'true', volunteerThisMonth: 'false', noteUrl: 'https://example.org/oma-muistio' };

test('the limit is set in the 1:1 chat only, by an expert; bad input is refused with a message and changes nothing', async () => {
  h.connector.reset();
  await h.post(personalMessage(h, anna, 'ansioraja'));
  expect(h.connector.sentTo(anna.personal).map(text).join()).toContain('Oma ansioraja');
  // Someone without a profile, and a group conversation: refused.
  expect(text(cardOf(await h.post(execute(h, orderer, 'earningsGuard.save', GUARD))))).toContain('Ilmoittaudu ensin');
  for (const bad of [{ limitEuros: 'sata' }, { limitEuros: '-5' }, { noteUrl: 'http://x.example' }, { per: 'week' }]) {
    const refused = text(cardOf(await h.post(execute(h, anna, 'earningsGuard.save', { ...GUARD, ...bad }))));
    expect(refused).toMatch(/Anna summa euroina|Linkin pitää alkaa https|Valitse annetuista/);
  }
  expect(await h.bot.store.earningsGuards.get(anna.aad)).toBeNull();
  const saved = text(cardOf(await h.post(execute(h, anna, 'earningsGuard.save', GUARD))));
  expect(saved).toContain('Tallennettu. Vain sinä näet rajan');
  expect(saved).toContain('Rajasi: 100,00 € kuukaudessa');
  expect(await h.bot.store.earningsGuards.get(anna.aad)).toMatchObject({ limitCents: 10000, per: 'month', pauseAtLimit: true, volunteerMonths: [] });
});

test('offer cards show the gross fee and the month so far, a note from 80 %, a pause at 100 % the expert is told of, offers again the next month', async () => {
  const a = await offered('talk', day(5));
  expect(a.card).toContain('Tehtävän bruttopalkkio');
  expect(a.card).toContain('30,00 €');
  expect(a.card).toContain(`Ansiosi ${monthLabel(0)} tähän mennessä`);
  expect(a.card).not.toContain('asettamastasi rajasta');
  await accept(a.id);

  const b = await offered('talk', day(6));
  expect(b.card).toMatch(/tähän mennessä"[^\]]*\]\},\{"type":"Column"[^\]]*"text":"30,00 €"/);
  expect(b.card).not.toContain('asettamastasi rajasta'); // 60 %
  await accept(b.id);

  const c = await offered('talk', day(7));
  expect(c.card).toContain('Tämän tehtävän jälkeen ansiosi olisivat 90 % asettamastasi rajasta.');
  await accept(c.id);
  // 90 € of 100 €: not yet paused, and not told anything.
  expect(h.connector.sentTo(anna.personal).map(text).join()).not.toContain('ansioraja täyttyi');

  const d = await offered('training', day(8));
  expect(d.card).toContain('50,00 €');
  expect(d.card).toContain('olisivat 140 % asettamastasi rajasta');
  await accept(d.id);
  const told = h.connector.sentTo(anna.personal).map(text).find((x) => x.includes('ansioraja täyttyi'));
  expect(told).toContain(`Asettamasi ansioraja täyttyi jaksolla ${monthLabel(0)}`);
  expect(told).toContain(`Tarjoukset jatkuvat ${nextMonthFirst} alkaen`);

  // The rest of the month: no offer. The next month: offered again, the month starting from zero.
  const e = await offered('talk', day(20));
  expect(e.card).toBeUndefined();
  expect(await stored(h).offers.countDocuments({ orderId: e.id, expertId: anna.aad })).toBe(0);
  // A coordinator asking why learns that a limit of her own keeps her from it, and nothing more.
  h.connector.reset();
  await h.post(channelMessage(h, coordinator, `miksi Aalto Anna ${e.id}`));
  // The cards only (the activities around them carry ports and ids that may hold any digits).
  const why = h.connector.sentTo(CHANNEL.id).map((a) => text((a as { attachments?: unknown }).attachments)).join();
  expect(why).toContain('Oma ansioraja');
  expect(why).toContain('asetettu; kokemusasiantuntija ei ota tämän jakson tehtäviä');
  expect(why).not.toMatch(/\d+,\d\d|\d+ %|100 €/);
  const f = await offered('talk', day(3, 1));
  expect(f.card).toContain(`Ansiosi ${monthLabel(1)} tähän mennessä`);
  expect(f.card).toMatch(/tähän mennessä"[^\]]*\]\},\{"type":"Column"[^\]]*"text":"0,00 €"/);
});

test('an expert without a limit of their own gets the shared card, with no earnings lines', async () => {
  await stored(h).earningsGuards.deleteMany({});
  const g = await offered('talk', day(21, 1));
  expect(g.card).toContain('offer.accept');
  expect(g.card).not.toContain('bruttopalkkio');
});

test('coordinators never see the figure or the earnings', async () => {
  const all = [...h.connector.sentTo(CHANNEL.id), ...h.connector.sentTo(coordinator.personal)].map((a) => text((a as { attachments?: unknown }).attachments)).join('\n');
  expect(all).not.toMatch(/100,00|ansioraja|Ansiosi|bruttopalkkio/i);
  const queued = await stored(h).outbox.find({ conversationId: { $in: [CHANNEL.id, coordinator.personal] } }).toArray();
  expect(JSON.stringify(queued)).not.toMatch(/100,00|ansioraja|Ansiosi|bruttopalkkio/i);
});
