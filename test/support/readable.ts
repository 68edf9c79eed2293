import { AdaptiveCard } from '../../src/cards/render';
import { Locale } from '../../src/i18n';
import { validateCard } from './card-validation';

/** What a person reads on a card: texts, titles, fact labels and values — not ids in action data. */
export function visibleTexts(card: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, key?: string): void => {
    if (typeof node === 'string') {
      if (['text', 'title', 'value', 'label', 'placeholder', 'errorMessage', 'fallbackText', 'altText'].includes(key ?? '')) out.push(node);
      return;
    }
    if (Array.isArray(node)) return node.forEach((n) => walk(n, key));
    if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) if (k !== 'data' && k !== 'url' && k !== 'choices' || k === 'choices') walk(v, k === 'choices' ? 'choices' : k);
    }
  };
  walk(card);
  return out;
}

/** English words that have no business in a Finnish or Swedish card ("expert" is Swedish too), and internal names. */
export const ENGLISH = /\b(the|and|of|offer|order|wave|seat|seats|experts|pending|accepted|declined|filled|open|offering|unfilled|undefined|null|NaN|true|false|Gini|Done)\b/i;
export const INTERNAL = /daily-digest|monthly-fees|\baalto\b|\{|\}|\$\{|[0-9a-f]{8}-[0-9a-f]{4}-|aad-|a:personal|T-2026-0042:/i;

export function expectReadable(card: AdaptiveCard, locale: Locale, what: string): void {
  expect([what, validateCard(card)]).toEqual([what, []]);
  for (const text of visibleTexts(card)) {
    expect([what, text, INTERNAL.test(text)]).toEqual([what, text, false]);
    if (locale !== 'en') expect([what, locale, text, ENGLISH.test(text.replace(/https:\/\/\S+/g, ''))]).toEqual([what, locale, text, false]);
  }
}

