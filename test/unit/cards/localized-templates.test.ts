import fs from 'node:fs';
import path from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { renderCard, CARDS_DIR } from '../../../src/cards/render';
import { CardName } from '../../../src/cards/views';
import { Locale, section } from '../../../src/i18n';
import { CARD_SAMPLES } from '../../fixtures/cards/samples';

// src/cards/render.ts writes a card's fixed texts (`${t.…}`, `${$root.t.…}`) into a template
// per language once, instead of evaluating them on every expansion. That must change nothing:
// every card, in every language, with each of its typed samples, renders exactly as the plain
// template expanded with the strings bound as `t` (what renderCard did before).

const LOCALES: Locale[] = ['fi', 'sv', 'en'];
// Any card's data, for comparing two ways of expanding the same template.
type AnyData = Parameters<typeof renderCard>[2];

function plainExpansion(name: string, locale: Locale, data: unknown, prefix = name): unknown {
  const raw: unknown = JSON.parse(fs.readFileSync(path.join(CARDS_DIR, `${name}.json`), 'utf8'));
  return new ACData.Template(raw).expand({ $root: { ...(data as object), t: section(locale, prefix), locale } });
}

const cases = (Object.keys(CARD_SAMPLES) as CardName[]).flatMap((name) =>
  Object.entries(CARD_SAMPLES[name] as Record<string, unknown>).map(([state, data]) => [name, state, data] as const));

describe.each(cases)('%s, %s', (name, _state, data) => {
  test.each(LOCALES)('renders in %s exactly as the plain template does', (locale) => {
    const expected = plainExpansion(name, locale, data);
    expect(renderCard(name, locale, data as AnyData)).toEqual(expected);
    // A second expansion of the same cached template, with other data, is not affected by the first.
    const other = Object.values(CARD_SAMPLES[name] as Record<string, unknown>).find((d) => d !== data) ?? data;
    expect(renderCard(name, locale, other as AnyData)).toEqual(plainExpansion(name, locale, other));
    expect(renderCard(name, locale, data as AnyData)).toEqual(expected);
  });
});

test('every template has a sample (so the test above covers every card)', () => {
  const names = fs.readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
  expect(Object.keys(CARD_SAMPLES).sort()).toEqual(names);
});

test('a strings prefix other than the card name binds that prefix\'s texts', () => {
  for (const locale of LOCALES) {
    const help = Object.values(CARD_SAMPLES.help)[0];
    expect(renderCard('help', locale, help, 'help')).toEqual(plainExpansion('help', locale, help, 'help'));
    // The same card under another prefix is a template of its own, not the first one's texts.
    expect(renderCard('notice', locale, { text: 'x', tone: 'default' }, 'help')).toEqual(plainExpansion('notice', locale, { text: 'x', tone: 'default' }, 'help'));
  }
});

test('the texts are written in: the order form in Swedish carries its Swedish labels without evaluating them', () => {
  const data = Object.values(CARD_SAMPLES['order-form'])[0];
  const sv = JSON.stringify(renderCard('order-form', 'sv', data));
  const fi = JSON.stringify(renderCard('order-form', 'fi', data));
  expect(sv).not.toEqual(fi);
  expect(sv).not.toMatch(/\$\{/);
});
