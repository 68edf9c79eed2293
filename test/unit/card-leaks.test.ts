import { renderCard } from '../../src/cards/render';
import { CARD_NAMES, CardDataByName, CardName } from '../../src/cards/views';
import { Locale } from '../../src/i18n';
import { CARD_SAMPLES } from '../fixtures/cards/samples';

/**
 * No card shows what is not meant for people: every template, in every state it has (one typed
 * sample each, test/fixtures/cards/samples.ts), rendered in fi, sv and en. A new card or state
 * is covered by adding its sample.
 *
 * - Nothing internal: no job or scheduler names, ids, "wave", the Gini coefficient, `undefined`
 *   or `null`, a binding left unexpanded, an ICU placeholder, a raw ISO timestamp.
 * - No English in a Finnish or Swedish card: a text that reads the same in fi (or sv) as in en
 *   comes from the sample's data (user text, numbers) or was never translated.
 *
 * The sample's own strings are the builders' part (already localized; user data): they are
 * taken out of each text first, so what is checked is what the template and its strings add.
 */

/** What a person reads on a card, by where it is: texts, titles, labels, values, placeholders. */
function visibleTexts(card: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (node: unknown, at: string, key: string): void => {
    if (typeof node === 'string') {
      if (VISIBLE_KEYS.has(key)) out.set(at, node);
      return;
    }
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`, key));
    if (node && typeof node === 'object') {
      // Action data, link targets and what a choice submits are for the bot and the client,
      // not for reading.
      for (const [k, v] of Object.entries(node)) {
        if (k === 'data' || k === 'url' || k === 'id' || k === 'verb' || (key === 'choices' && k === 'value')) continue;
        walk(v, `${at}.${k}`, k);
      }
    }
  };
  walk(card, '', '');
  return out;
}
const VISIBLE_KEYS = new Set(['text', 'title', 'value', 'label', 'placeholder', 'errorMessage', 'fallbackText', 'altText', 'speak']);

/** Every string in a sample, longest first (so a longer one is taken out before a part of it). */
function dataStrings(sample: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length > 0) out.add(v);
    } else if (typeof v === 'number') out.add(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(sample);
  return [...out].sort((a, b) => b.length - a.length);
}

function withoutData(text: string, data: string[]): string {
  let rest = text;
  for (const d of data) rest = rest.split(d).join(' ');
  return rest;
}

const INTERNAL: [string, RegExp][] = [
  ['a job name', /\b(daily-digest|monthly-fees|offer-waves|expert-reviews|feedback-nudges)\b/i],
  ['"wave"', /\bwaves?\b/i],
  ['an internal name', /\b(aalto|gini|outbox|aad|teams-ai|botbuilder)\b/i],
  ['undefined or null', /\b(undefined|null|NaN|\[object Object\])\b/],
  ['an unexpanded binding', /\$\{|\$root|\$data/],
  ['an ICU placeholder', /[{}]/],
  ['a raw ISO timestamp', /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/],
  ['an id', /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}|\b(?:29|a|19):[\w-]/i],
];

/** English words that have no business in a Finnish or Swedish card (the template's own text). */
const ENGLISH = /\b(the|and|of|offer|offers|seat|seats|pending|accepted|declined|filled|offering|unfilled|cancelled|expired|withdrawn|true|false|yes|no)\b/i;

/** A text with letters left once the data is out: template text, to be translated. */
const hasWords = (text: string) => /\p{L}{2,}/u.test(text);

/**
 * Template texts that are rightly the same in Finnish or Swedish and English, each a whole text
 * (after the data is taken out) of a card: names, and words that are the same in Swedish.
 */
const SAME_IN_EVERY_LANGUAGE: Partial<Record<CardName, string[]>> = {
  // Kela, the Social Insurance Institution of Finland: its name in every language.
  'earnings-guard': ['Kela'],
  // Swedish "Status".
  'expert-profile': ['Status'],
  // The language buttons name each language in itself, so anyone finds their own.
  help: ['Kieli · Språk · Language', 'Suomi', 'Svenska', 'English'],
  languageChoice: ['Suomi', 'Svenska', 'English'],
};

/** Internal names and leftovers in the texts of one rendering (`data`: the sample's strings). */
function internalFindings(texts: Map<string, string>, data: string[]): string[] {
  const found: string[] = [];
  for (const [at, text] of texts) {
    const own = withoutData(text, data);
    for (const [what, pattern] of INTERNAL) if (pattern.test(own)) found.push(`${at}: ${what} in ${JSON.stringify(text)}`);
  }
  return found;
}

/** Texts of a Finnish or Swedish rendering that are English: the same as in the English one, or with English words. */
function englishFindings(texts: Map<string, string>, en: Map<string, string>, data: string[], allowed: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const [at, text] of texts) {
    const own = withoutData(text, data).trim();
    if (!hasWords(own) || allowed.has(own)) continue;
    if (en.get(at) === text) found.push(`${at}: the same as in English: ${JSON.stringify(text)}`);
    else if (ENGLISH.test(own)) found.push(`${at}: an English word in ${JSON.stringify(text)}`);
  }
  return found;
}

function sampleOf<N extends CardName>(name: N, state: string): CardDataByName[N] {
  return CARD_SAMPLES[name][state];
}

const samples = CARD_NAMES.flatMap((name) => Object.keys(CARD_SAMPLES[name]).map((state) => [name, state] as [CardName, string]));
const LOCALES: Locale[] = ['fi', 'sv', 'en'];

describe.each(samples)('card %s (%s)', (name, state) => {
  const sample = sampleOf(name, state);
  const data = dataStrings(sample);
  const rendered = new Map(LOCALES.map((l) => [l, visibleTexts(renderCard(name, l, sample))]));

  test.each(LOCALES)('in %s: nothing internal', (locale) => {
    expect(internalFindings(rendered.get(locale)!, data)).toEqual([]);
  });

  test.each(['fi', 'sv'] as Locale[])('in %s: no text left in English', (locale) => {
    expect(englishFindings(rendered.get(locale)!, rendered.get('en')!, data, new Set(SAME_IN_EVERY_LANGUAGE[name] ?? []))).toEqual([]);
  });
});

test('the checks can fail: untranslated, English and internal texts in a Finnish card are found; the data is not', () => {
  const card = (texts: string[]) => ({ type: 'AdaptiveCard', body: texts.map((text) => ({ type: 'TextBlock', text })), actions: [{ type: 'Action.Execute', title: 'OK', data: { orderId: 'T-2026-0001' } }] });
  const data = ['Puheenvuoro', 'Eero'];
  const fi = visibleTexts(card(['Tilaus Puheenvuoro', 'Send to the top 3', 'Tarjous lähetetty (wave 2)', 'Eero accepted', 'Käyttäjä undefined', 'Eero', '2026-12-10T11:00:00.000Z']));
  const en = visibleTexts(card(['Order Puheenvuoro', 'Send to the top 3', 'Offer sent (wave 2)', 'Eero accepted', 'User undefined', 'Eero', '2026-12-10T11:00:00.000Z']));
  expect(internalFindings(fi, data)).toEqual([
    '.body[2].text: "wave" in "Tarjous lähetetty (wave 2)"',
    '.body[4].text: undefined or null in "Käyttäjä undefined"',
    '.body[6].text: a raw ISO timestamp in "2026-12-10T11:00:00.000Z"',
  ]);
  expect(englishFindings(fi, en, data, new Set(['OK']))).toEqual([
    '.body[1].text: the same as in English: "Send to the top 3"',
    '.body[3].text: the same as in English: "Eero accepted"',
  ]);
});
