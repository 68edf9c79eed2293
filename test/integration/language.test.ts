import { UserPreferenceRepo } from '../../src/store/preferences';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, User, user } from '../support/teams';
import { stored } from '../support/db';

// A user's own language: chosen with `kieli suomi` (any of the three words with any of the three
// languages), `kieli` alone or the help card's button; stored per user; without a choice the
// activity's locale decides, then DEFAULT_LOCALE (sv here, so that the fallback is visible).
const TITLE = { fi: 'kokemusasiantuntijoiden välitys', sv: 'förmedling av erfarenhetsexperter', en: 'brokering experts by experience' };
const kaisa = user('Kaisa Koordinaattori');
let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename, { DEFAULT_LOCALE: 'sv', COORDINATOR_AAD_IDS: kaisa.aad });
});
afterAll(() => h.stop());

/** What the bot answered in the user's 1:1 chat to this message (the last card sent there). */
async function ask(u: User, words: string, locale = 'en-US'): Promise<string> {
  const before = h.connector.sentTo(u.personal).length;
  expect((await h.post(personalMessage(h, u, words, locale))).status).toBe(200);
  await h.connector.waitFor(() => h.connector.sentTo(u.personal).length > before);
  return text(h.connector.sentTo(u.personal).at(-1));
}

test('without a choice the client locale decides, and an unsupported one falls back to DEFAULT_LOCALE', async () => {
  const u = user('Aino');
  expect(await ask(u, 'help', 'en-US')).toContain(TITLE.en);
  expect(await ask(u, 'help', 'fi-FI')).toContain(TITLE.fi);
  expect(await ask(u, 'help', 'de-DE')).toContain(TITLE.sv);
  expect(await stored(h).userPreferences.findOne({ _id: u.aad })).toBeNull();
});

test('`kieli suomi` in an English client: answered in Finnish from then on, stored by the user\'s id', async () => {
  const u = user('Aino');
  expect(await ask(u, 'help')).toContain(TITLE.en);
  expect(await ask(u, 'kieli suomi')).toContain('Puhun sinulle nyt suomea');
  expect(await ask(u, 'help')).toContain(TITLE.fi);
  expect(await ask(u, 'order')).toContain('Tilaa kokemusasiantuntija');
  expect((await stored(h).userPreferences.findOne({ _id: u.aad }))?.locale).toBe('fi');
  // Stored, not only remembered by this process: another instance reads the same choice.
  expect(await new UserPreferenceRepo(h.bot.database.db).localeOf(u.aad, new Date())).toBe('fi');
  // A remembered answer is read again once it is CACHE_MS old, or when the clock reads earlier
  // than when it was remembered; within that time it is not.
  const other = new UserPreferenceRepo(h.bot.database.db);
  const at = new Date('2026-12-05T12:00:00Z');
  const later = (ms: number) => new Date(at.getTime() + ms);
  expect(await other.localeOf(u.aad, at)).toBe('fi');
  await stored(h).userPreferences.updateOne({ _id: u.aad }, { $set: { locale: 'sv' } });
  expect(await other.localeOf(u.aad, later(UserPreferenceRepo.CACHE_MS - 1))).toBe('fi');
  expect(await other.localeOf(u.aad, later(-1))).toBe('sv');
  await stored(h).userPreferences.updateOne({ _id: u.aad }, { $set: { locale: 'fi' } });
  // Remembered at later(-1): kept until CACHE_MS after that, then read again.
  expect(await other.localeOf(u.aad, later(UserPreferenceRepo.CACHE_MS - 2))).toBe('sv');
  expect(await other.localeOf(u.aad, later(UserPreferenceRepo.CACHE_MS - 1))).toBe('fi');
  // Later messages to the user's 1:1 chat (offers, reminders, feedback) follow it too.
  expect((await h.bot.store.conversations.personalOf(u.aad))?.locale).toBe('fi');
});

test.each([
  ['språk svenska', 'sv'], ['kieli ruotsi', 'sv'], ['language swedish', 'sv'],
  ['language english', 'en'], ['kieli englanti', 'en'], ['Språk engelska', 'en'],
  ['språk finska', 'fi'], ['LANGUAGE finnish', 'fi'], ['kieli suomi', 'fi'],
] as const)('%s sets %s at once', async (words, locale) => {
  const u = user('Eero');
  await ask(u, words, locale === 'en' ? 'fi-FI' : 'en-US');
  expect((await stored(h).userPreferences.findOne({ _id: u.aad }))?.locale).toBe(locale);
  expect(await ask(u, 'help', locale === 'en' ? 'fi-FI' : 'en-US')).toContain(TITLE[locale]);
});

test('`kieli` alone (or an unknown language) offers the three languages as buttons and changes nothing', async () => {
  const u = user('Kaisa');
  for (const words of ['kieli', 'language klingon']) {
    const card = await ask(u, words, 'fi-FI');
    expect(card).toContain('Millä kielellä puhun sinulle?');
    for (const l of ['fi', 'sv', 'en']) expect(card).toContain(`"verb":"language.set","data":{"locale":"${l}"}`);
  }
  expect(await stored(h).userPreferences.findOne({ _id: u.aad })).toBeNull();
  // A button of that card: the card turns into the confirmation, in the chosen language.
  const click = { ...execute(h, u, 'language.set', { locale: 'en' }), locale: 'fi-FI' };
  expect(text(cardOf(await h.post(click as never)))).toContain('I now speak English with you');
  expect(await ask(u, 'ohje', 'fi-FI')).toContain(TITLE.en);
});

test('the help card\'s language button turns the card into the help in the chosen language', async () => {
  const u = user('Matti');
  const help = await ask(u, 'help');
  expect(help).toContain('Kieli · Språk · Language');
  expect(help).toContain('"data":{"locale":"sv","then":"help"}');
  const card = text(cardOf(await h.post({ ...execute(h, u, 'language.set', { locale: 'sv', then: 'help' }), locale: 'en-US' } as never)));
  expect(card).toContain(TITLE.sv);
  expect(card).toContain('Jag talar nu svenska med dig');
  expect((await stored(h).userPreferences.findOne({ _id: u.aad }))?.locale).toBe('sv');
});

test('a forged or broken choice is refused and stores nothing', async () => {
  const u = user('Pirjo');
  for (const data of [{ locale: 'de' }, { locale: 'fi', extra: 'x' }, { locale: { $ne: null } }, {}]) {
    expect(text(cardOf(await h.post({ ...execute(h, u, 'language.set', data), locale: 'fi-FI' } as never)))).toContain('eivät kelpaa');
  }
  expect(await stored(h).userPreferences.findOne({ _id: u.aad })).toBeNull();
});

test('a coordinator\'s choice is the language the coordinators\' channel is marked in', async () => {
  await ask(kaisa, 'kieli suomi');
  await h.post({ ...execute(h, kaisa, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava', locale: 'en-US' } as never);
  expect((await h.bot.store.channels.coordinatorsChannel())?.locale).toBe('fi');
});
