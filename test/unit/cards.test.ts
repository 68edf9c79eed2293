import fs from 'node:fs';
import path from 'node:path';
import { renderCard, CARDS_DIR } from '../../src/cards/render';
import { CARD_NAMES, CardDataByName, CardName } from '../../src/cards/views';
import { helpCard } from '../../src/teams/help';
import { CARD_SAMPLES } from '../fixtures/cards/samples';
import { validateCard } from '../support/card-validation';

const LOCALES = ['fi', 'sv', 'en'] as const;
const templates = fs.readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

test('there are card templates, each with a typed view', () => {
  expect(templates).toEqual(expect.arrayContaining(['help', 'notice']));
  expect([...CARD_NAMES].sort()).toEqual([...templates].sort());
});

/** Every sample of every card: [card, state]. */
function sampleOf<N extends CardName>(name: N, state: string): CardDataByName[N] {
  return CARD_SAMPLES[name][state];
}

const samples = CARD_NAMES.flatMap((name) => Object.keys(CARD_SAMPLES[name]).map((state) => [name, state] as [CardName, string]));

describe.each(CARD_NAMES)('card template %s', (name) => {
  test('is an Adaptive Card 1.5 template with sample data', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(CARDS_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>;
    expect(raw.type).toBe('AdaptiveCard');
    expect(raw.version).toBe('1.5');
    expect(Object.keys(CARD_SAMPLES[name]).length).toBeGreaterThan(0);
  });
});

describe.each(LOCALES)('in %s', (locale) => {
  test.each(samples)('%s (%s) renders valid against Adaptive Cards 1.5, every binding filled', (name, state) => {
    const card = renderCard(name, locale, sampleOf(name, state));
    expect(validateCard(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toMatch(/\$\{/);
  });
});

test('the validator catches broken cards (so the test above can fail)', () => {
  expect(validateCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Bogus' }] })).not.toEqual([]);
  expect(validateCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'x', colr: 'Good' }] })).toEqual([
    'unknown property .body[0].colr',
  ]);
  expect(validateCard({ type: 'AdaptiveCard', version: '1.2', body: [] })).not.toEqual([]);
  expect(
    validateCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Input.Text', id: 'a' }, { type: 'Input.Text', id: 'a' }] }),
  ).not.toEqual([]);
});

test.each([
  ['fi', 'Tervetuloa Välittäjään!', 'tilaa'],
  ['sv', 'Välkommen till Välittäjä!', 'beställ'],
  ['en', 'Welcome to Välittäjä!', 'order'],
] as const)('the welcome card speaks %s and lists the order command', (locale, title, word) => {
  const json = JSON.stringify(helpCard(locale, 'personal', true));
  expect(json).toContain(title);
  expect(json).toContain(`**${word}**`);
});

test('help in a channel mentions the coordinators channel; in a group chat it does not offer register', () => {
  expect(JSON.stringify(helpCard('en', 'channel', false))).toContain('coordinators channel');
  expect(JSON.stringify(helpCard('en', 'groupChat', false))).not.toContain('register');
});
