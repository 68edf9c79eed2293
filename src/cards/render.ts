import * as ACData from 'adaptivecards-templating';
import fs from 'node:fs';
import path from 'node:path';
import { Locale, section, Strings } from '../i18n';
import { CardDataByName, CardName } from './views';

/** Adaptive Card as sent to Teams (the expanded template). */
export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

export const CARDS_DIR = findCardsDir();

function findCardsDir(): string {
  // src/cards → repo root in development, dist/cards → repo root when built.
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'cards');
    if (fs.existsSync(path.join(candidate, 'help.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('cards/ directory not found');
}

const sources = new Map<string, unknown>();
const templates = new Map<string, ACData.Template>();

function source(name: string): unknown {
  let json = sources.get(name);
  if (json === undefined) {
    json = JSON.parse(fs.readFileSync(path.join(CARDS_DIR, `${name}.json`), 'utf8')) as unknown;
    sources.set(name, json);
  }
  return json;
}

function template(name: string): ACData.Template {
  let tpl = templates.get(name);
  if (!tpl) {
    tpl = new ACData.Template(source(name));
    templates.set(name, tpl);
  }
  return tpl;
}

/**
 * The template with its fixed strings already in place, per card, language and strings prefix:
 * a card's `${t.…}` (about a third of its expressions) are the same text on every expansion, so
 * they are written into the template once instead of being evaluated each time. The Template
 * constructor parses every remaining expression once, too.
 */
const localizedTemplates = new Map<string, ACData.Template>();

function localizedTemplate(name: string, locale: Locale, stringsPrefix: string): ACData.Template {
  const key = `${name}\u0000${locale}\u0000${stringsPrefix}`;
  let tpl = localizedTemplates.get(key);
  if (!tpl) {
    tpl = new ACData.Template(withStrings(source(name), section(locale, stringsPrefix)));
    localizedTemplates.set(key, tpl);
  }
  return tpl;
}

/** `${t.a.b}` and `${$root.t.a.b}` references to texts, as a whole expression (nothing else inside the braces). */
const STRING_REF = /\$\{(\$root\.)?t\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}/g;

/**
 * A copy of a template's JSON with each `${t.path}` or `${$root.t.path}` that names a text
 * replaced by that text. Left as expressions, so that they bind exactly as before: a text that
 * the expression language would read as more than text (a backtick, a backslash, or `${`); the
 * values of `$when` and `$data` (they must stay expressions); and a bare `${t.path}` inside a
 * `$data` scope, where `t` names the item's field, not the card's strings.
 */
function withStrings(node: unknown, t: Strings, inDataScope = false): unknown {
  if (typeof node === 'string') {
    if (!node.includes('t.')) return node;
    return node.replace(STRING_REF, (ref, root: string | undefined, keyPath: string) => (root || !inDataScope ? literalText(t, keyPath) : undefined) ?? ref);
  }
  if (Array.isArray(node)) return node.map((n) => withStrings(n, t, inDataScope));
  if (node !== null && typeof node === 'object') {
    const scoped = inDataScope || '$data' in node;
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k.startsWith('$') ? v : withStrings(v, t, scoped)]));
  }
  return node;
}

function literalText(t: Strings, keyPath: string): string | undefined {
  let value: string | Strings | undefined = t;
  for (const part of keyPath.split('.')) value = typeof value === 'object' ? value[part] : undefined;
  return typeof value === 'string' && !/[`\\]|\$\{/.test(value) ? value : undefined;
}

/**
 * Expands `cards/<name>.json` with `data` — that template's view (src/cards/views.ts), nothing
 * else — binding the card's localized strings as `t` (messages under the key prefix
 * `stringsPrefix`, by default the card's name).
 */
export function renderCard<N extends CardName>(
  name: N,
  locale: Locale,
  data: CardDataByName[N],
  stringsPrefix: string = name,
): AdaptiveCard {
  const t: Strings = section(locale, stringsPrefix);
  return localizedTemplate(name, locale, stringsPrefix).expand({ $root: { ...data, t, locale } }) as AdaptiveCard;
}

/** The message attachment Teams expects for an Adaptive Card. */
export interface CardAttachment {
  contentType: 'application/vnd.microsoft.card.adaptive';
  content: AdaptiveCard;
}

export function cardAttachment(card: AdaptiveCard): CardAttachment {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}

/** A one-line card for confirmations, refusals and errors. */
export function noticeCard(text: string, tone: 'default' | 'good' | 'attention' = 'default'): AdaptiveCard {
  return template('notice').expand({ $root: { text, tone } }) as AdaptiveCard;
}
