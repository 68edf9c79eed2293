import { brokeringCard } from '../../src/services/brokeringCard';
import { decisionData } from '../support/experts';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, channelMessage, execute, personalMessage, text, user } from '../support/teams';

// Cards stay within Teams' limits and in one language over their lifetime.

/** Teams refuses a message (or an invoke answer) above about 28 KB. */
const TEAMS_MESSAGE_LIMIT = 28 * 1024;

const coordinator = user('Kaisa Koordinaattori');
let h: Harness;

const PROFILE = {
  displayName: 'Eero', phone: '040 1234567', email: '', themes: 'mental-health', taskTypes: 'talk', municipalities: '', remoteOk: 'true',
  languages: 'fi', description: 'Kokemusta.', trainingOrganisation: '', trainingYear: '', feePreference: 'fee', consent: 'true',
};

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
}, 60_000);
afterAll(() => h.stop());

test('a refused profile with a 100,000-character description gets a localized error card under 28 KB, and nothing is stored', async () => {
  const u = user('Liisa Pitkä');
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  const res = await h.post(execute(h, u, 'expert.saveProfile', { ...PROFILE, description: 'x'.repeat(100_000) }));
  const card = cardOf(res);
  expect(text(card)).toContain('Liian pitkä');
  expect(Buffer.byteLength(JSON.stringify(res.body), 'utf8')).toBeLessThan(TEAMS_MESSAGE_LIMIT);
  // The fields that were fine are still filled in.
  expect(text(card)).toContain('040 1234567');
  expect(await h.bot.store.experts.get(u.aad)).toBeNull();

  // Every field long, in characters JSON escapes (two-fold: quotes; six-fold: control characters).
  for (const [ch, n] of [['"', 4000], ['\u0001', 2500]] as const) {
    const huge = Object.fromEntries(Object.keys(PROFILE).map((k) => [k, ch.repeat(n)]));
    const all = await h.post(execute(h, u, 'expert.saveProfile', huge));
    expect(text(cardOf(all))).toMatch(/Liian pitkä|Pakollinen tieto|Valitse jokin vaihtoehdoista/);
    expect(Buffer.byteLength(JSON.stringify(all.body), 'utf8')).toBeLessThan(TEAMS_MESSAGE_LIMIT);
    expect(await h.bot.store.experts.get(u.aad)).toBeNull();
  }
});

test('the coordinators channel marked in Swedish gets Swedish approval cards, and an English-speaking coordinator\'s click keeps them Swedish', async () => {
  const mark = { ...channelMessage(h, coordinator, 'koordinatorkanal'), locale: 'sv-SE' } as never;
  await h.post(mark);
  await h.connector.waitFor(() => h.connector.sentTo(CHANNEL.id).length >= 1);
  expect(text(h.connector.sentTo(CHANNEL.id).pop())).toContain('koordinatorernas kanal');

  // A Finnish-speaking expert registers: the approval card goes to the channel in Swedish.
  const expert = user('Eero Asiantuntija');
  await h.post(personalMessage(h, expert, 'ilmoittaudu'));
  h.connector.reset();
  expect(text(cardOf(await h.post(execute(h, expert, 'expert.saveProfile', PROFILE))))).toContain('Odottaa');
  await h.bot.sender.drain(10_000);
  const posted = text(h.connector.sentTo(CHANNEL.id).pop());
  expect(posted).toContain('En ny erfarenhetsexpert väntar på godkännande');
  expect(posted).not.toContain('Uusi kokemusasiantuntija odottaa hyväksyntää');

  // An English-speaking coordinator approves on that card: the update is Swedish too.
  const shown = await decisionData(h, expert);
  const click = { ...execute(h, coordinator, 'expert.approve', shown, CHANNEL, CHANNEL_DATA), locale: 'en-US' } as never;
  const updated = text(cardOf(await h.post(click)));
  expect(updated).toContain('Erfarenhetsexpert godkänd');
  expect(updated).not.toContain('väntar på godkännande');
  expect(updated).toContain('Godkänd (');
  expect(updated).not.toContain('Approved (');
  expect((await h.bot.store.experts.get(expert.aad))!.status).toBe('active');

  // The same coordinator in a 1:1 chat still gets English.
  const own = { ...execute(h, coordinator, 'expert.approve', shown), locale: 'en-US' } as never;
  expect(text(cardOf(await h.post(own)))).toContain('Expert by experience approved');
});

test('jobs write to the coordinators channel in its language too: the daily digest of a Swedish channel is Swedish', async () => {
  // (The channel was marked in Swedish by the test above.)
  h.connector.reset();
  expect(await h.bot.scheduler.runNow('daily-digest', { key: 'sv-digest' })).toBe('done');
  await h.bot.sender.drain(10_000);
  const digest = text(h.connector.sentTo(CHANNEL.id).pop());
  expect(digest).toContain('Dagens sammandrag');
  expect(digest).not.toContain('Päivän kooste');
});

test('the coordinators\' card of a large wave stays small: offers counted by state, names only of those who took the task', async () => {
  const now = new Date();
  const order = {
    _id: 'T-2026-0999', themes: ['mental-health'], taskType: 'talk', title: 'Iso aalto', description: 'Kuvaus', goal: 'Tavoite', startsAt: now, durationMinutes: 90,
    mode: 'remote', link: 'https://teams.example/meet', targetGroup: 'Hoitajat', audienceSize: 40, seats: 2, language: 'fi', costCentre: 'KP-1',
    contact: { name: 'Aino', phone: '050 555 1234', email: 'aino@example.fi' }, orderer: { aadObjectId: coordinator.aad, name: 'Aino' },
    conversationId: 'a:1', endsAt: now, status: 'offering', createdAt: now, updatedAt: now,
  } as never;
  const offered = Array.from({ length: 1000 }, (_, i) => ({ name: `Asiantuntija ${i} ${'x'.repeat(40)}`, status: (i < 2 ? 'accepted' : i < 300 ? 'declined' : 'open') as never }));
  const card = brokeringCard(h.bot.deps, order, 'fi', { suggestions: [], offered, taken: 2 });
  expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(TEAMS_MESSAGE_LIMIT);
  const shown = text(card);
  expect(shown).toContain('2 otti tehtävän · 298 ei tällä kertaa · 700 odottaa vastausta');
  expect(shown).toContain('Asiantuntija 0');
  expect(shown).toContain('Asiantuntija 1');
  expect(shown).not.toContain('Asiantuntija 2 ');
});
