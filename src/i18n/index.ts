import en from './en.json';
import fi from './fi.json';
import sv from './sv.json';

export type Locale = 'fi' | 'sv' | 'en';
export type MessageKey = keyof typeof fi;

/** Finnish is the source language; the other catalogs must have exactly its keys (tested). */
export const catalogs: Record<Locale, Record<MessageKey, string>> = { fi, sv, en };

/**
 * Picks the user-interface language from a Teams activity locale such as "sv-FI" or "en-US".
 * Anything unsupported falls back to the deployment default (Finnish unless configured).
 */
export function pickLocale(activityLocale: string | undefined | null, fallback: Locale = 'fi'): Locale {
  const lang = (activityLocale ?? '').slice(0, 2).toLowerCase();
  return lang === 'fi' || lang === 'sv' || lang === 'en' ? lang : fallback;
}

/** Looks up a message and fills `{name}` placeholders. */
export function t(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogs[locale][key] ?? catalogs.fi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m));
}

export interface Strings {
  [key: string]: string | Strings;
}

const sections = new Map<string, Strings>();

/**
 * All messages whose keys start with `prefix.`, nested by their dots ("cmd.help" becomes
 * `{ cmd: { help } }`): the strings a card template binds as `${t.cmd.help}`. Built once per
 * language and prefix (every card rendered asks for its section; the catalogs never change),
 * and frozen, since every caller shares it.
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
    node[parts[parts.length - 1]] = v;
  }
  return out;
}
