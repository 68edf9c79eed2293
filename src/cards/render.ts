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

const templates = new Map<string, ACData.Template>();

function template(name: string): ACData.Template {
  let tpl = templates.get(name);
  if (!tpl) {
    const json: unknown = JSON.parse(fs.readFileSync(path.join(CARDS_DIR, `${name}.json`), 'utf8'));
    tpl = new ACData.Template(json);
    templates.set(name, tpl);
  }
  return tpl;
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
  return template(name).expand({ $root: { ...data, t, locale } }) as AdaptiveCard;
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
