import fs from 'node:fs';
import path from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { renderCard, CARDS_DIR } from '../../../src/cards/render';
import { section } from '../../../src/i18n';

// src/cards/render.ts writes a card's fixed texts (`${t.…}`, `${$root.t.…}`) into a template
// per language once, instead of evaluating them on every expansion. That must change nothing:
// every card, in every language, with its sample data, renders exactly as the plain template
// expanded with the strings bound as `t` (what renderCard did before).

const LOCALES = ['fi', 'sv', 'en'] as const;
const names = fs.readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
const samplesDir = path.join(__dirname, '..', '..', 'fixtures', 'cards');

function plainExpansion(name: string, locale: (typeof LOCALES)[number], data: Record<string, unknown>, prefix = name): unknown {
  const raw: unknown = JSON.parse(fs.readFileSync(path.join(CARDS_DIR, `${name}.json`), 'utf8'));
  return new ACData.Template(raw).expand({ $root: { ...data, t: section(locale, prefix), locale } });
}

describe.each(names)('%s', (name) => {
  test.each(LOCALES)('renders in %s exactly as the plain template does', (locale) => {
    const data = JSON.parse(fs.readFileSync(path.join(samplesDir, `${name}.json`), 'utf8')) as Record<string, unknown>;
    const expected = plainExpansion(name, locale, data);
    expect(renderCard(name, locale, data)).toEqual(expected);
    // A second expansion of the same cached template, with other data, is not affected by the first.
    expect(renderCard(name, locale, {})).toEqual(plainExpansion(name, locale, {}));
    expect(renderCard(name, locale, data)).toEqual(expected);
  });
});

test('a strings prefix other than the card name binds that prefix\'s texts (the help card: help.…)', () => {
  for (const locale of LOCALES) {
    expect(renderCard('help', locale, {}, 'help')).toEqual(plainExpansion('help', locale, {}, 'help'));
    // The same card under another prefix is a template of its own, not the first one's texts.
    expect(renderCard('notice', locale, { text: 'x', tone: 'default' }, 'help')).toEqual(plainExpansion('notice', locale, { text: 'x', tone: 'default' }, 'help'));
  }
});

test('the texts are written in: the order form in Swedish carries its Swedish labels without evaluating them', () => {
  const data = JSON.parse(fs.readFileSync(path.join(samplesDir, 'order-form.json'), 'utf8')) as Record<string, unknown>;
  const sv = JSON.stringify(renderCard('order-form', 'sv', data));
  const fi = JSON.stringify(renderCard('order-form', 'fi', data));
  expect(sv).not.toEqual(fi);
  expect(sv).not.toMatch(/\$\{/);
});
