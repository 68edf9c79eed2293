import { IntlMessageFormat } from 'intl-messageformat';
import en from './en.json';
import fi from './fi.json';
import sv from './sv.json';

export type Locale = 'fi' | 'sv' | 'en';
export type MessageKey = keyof typeof fi;
export type MessageParams = Record<string, string | number>;

/** Finnish is the source language; the other catalogs must have exactly its keys (tested). */
export const catalogs: Record<Locale, Record<MessageKey, string>> = { fi, sv, en };

/**
 * The Intl locale of each language: Finland's Swedish (sv-FI: "13.00", "1 234,5") and British
 * English (day before month, 24-hour clock), as the people in a Finnish wellbeing services
 * county read them.
 */
export const INTL_LOCALE: Record<Locale, string> = { fi: 'fi-FI', sv: 'sv-FI', en: 'en-GB' };

/**
 * Picks the user-interface language from a Teams activity locale such as "sv-FI" or "en-US".
 * Anything unsupported falls back to the deployment default (Finnish unless configured).
 */
export function pickLocale(activityLocale: string | undefined | null, fallback: Locale = 'fi'): Locale {
  const lang = (activityLocale ?? '').slice(0, 2).toLowerCase();
  return lang === 'fi' || lang === 'sv' || lang === 'en' ? lang : fallback;
}

/**
 * Compiled messages by language and key. Parsing an ICU message costs far more than
 * formatting it, and the catalogs never change at run time, so each is parsed once.
 */
const compiled = new Map<string, IntlMessageFormat>();

export function compile(locale: Locale, key: MessageKey): IntlMessageFormat {
  const cacheKey = `${locale}\u0000${key}`;
  let mf = compiled.get(cacheKey);
  if (!mf) {
    const source = catalogs[locale][key] ?? catalogs.fi[key] ?? key;
    // ignoreTag: "<name>" in a usage hint is text, not rich-text markup.
    mf = new IntlMessageFormat(source, INTL_LOCALE[locale], undefined, { ignoreTag: true });
    compiled.set(cacheKey, mf);
  }
  return mf;
}

/**
 * A message in the reader's language. Messages are ICU MessageFormat: `{name}` is filled
 * from `params`; `{count, plural, one {# tehtävä} other {# tehtävää}}` picks the grammatical
 * form by the number (Finnish, Swedish and English each by their own plural rules);
 * `{amount, number}` writes a number the local way (decimal comma in fi and sv). A missing
 * parameter throws: a half-filled sentence must not reach a user (the i18n tests format every
 * message with its parameters).
 */
export function t(locale: Locale, key: MessageKey, params?: MessageParams): string {
  if (params === undefined || isEmpty(params)) {
    // A message asked for without parameters is the same text every time: formatted once. (One
    // that needs parameters throws here each time, as it must: nothing is kept then.)
    const cacheKey = `${locale}\u0000${key}`;
    let text = plain.get(cacheKey);
    if (text === undefined) plain.set(cacheKey, (text = String(compile(locale, key).format({}))));
    return text;
  }
  return String(compile(locale, key).format(params));
}

/** Messages formatted without parameters, by language and key. */
const plain = new Map<string, string>();

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

export interface Strings {
  [key: string]: string | Strings;
}

const sections = new Map<string, Strings>();

/**
 * All messages whose keys start with `prefix.`, nested by their dots ("cmd.help" becomes
 * `{ cmd: { help } }`): the strings a card template binds as `${t.cmd.help}`. Messages without
 * parameters are formatted (ICU quoting resolved); a message with parameters is bound as its
 * source, since a template cannot fill it — code formats those with `t()`. Built once per
 * language and prefix, and frozen, since every caller shares it.
 */
export function section(locale: Locale, prefix: string): Strings {
  const key = `${locale}\u0000${prefix}`;
  let built = sections.get(key);
  if (!built) sections.set(key, (built = deepFreeze(buildSection(locale, prefix))));
  return built;
}

function deepFreeze(s: Strings): Strings {
  for (const v of Object.values(s)) if (typeof v === 'object') deepFreeze(v);
  return Object.freeze(s);
}

function buildSection(locale: Locale, prefix: string): Strings {
  const out: Strings = {};
  for (const [k, v] of Object.entries(catalogs[locale])) {
    if (!k.startsWith(`${prefix}.`)) continue;
    const parts = k.slice(prefix.length + 1).split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      node = typeof next === 'object' ? next : (node[part] = {});
    }
    node[parts[parts.length - 1]] = hasArguments(locale, k as MessageKey) ? v : t(locale, k as MessageKey);
  }
  return out;
}

/** The names of a message's parameters (plural and select arguments included). */
export function argumentNames(locale: Locale, key: MessageKey): string[] {
  const names = new Set<string>();
  const walk = (els: unknown[]): void => {
    for (const el of els as { type: number; value?: string; options?: Record<string, { value: unknown[] }>; children?: unknown[] }[]) {
      // Element types of @formatjs/icu-messageformat-parser: 0 literal, 7 pound, 8 tag.
      if (el.type !== 0 && el.type !== 7 && typeof el.value === 'string') names.add(el.value);
      if (el.options) for (const o of Object.values(el.options)) walk(o.value);
      if (el.children) walk(el.children);
    }
  };
  walk(compile(locale, key).getAst() as unknown[]);
  return [...names].sort();
}

function hasArguments(locale: Locale, key: MessageKey): boolean {
  return argumentNames(locale, key).length > 0;
}
