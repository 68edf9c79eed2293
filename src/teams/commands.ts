import { Locale } from '../i18n';

/**
 * What users type, in each language. Matching is on the whole message (after the bot's
 * @mention is removed), case-insensitive, so "Tilaa" and "tilaa" both open the order form.
 */
export const COMMANDS = {
  help: { fi: ['ohje', 'apua'], sv: ['hjälp'], en: ['help', '?'] },
  order: { fi: ['tilaa'], sv: ['beställ', 'bestall'], en: ['order'] },
  myOrders: { fi: ['omat tilaukset'], sv: ['mina beställningar'], en: ['my orders'] },
  register: { fi: ['ilmoittaudu'], sv: ['registrera'], en: ['register'] },
  profile: { fi: ['profiili'], sv: ['profil'], en: ['profile'] },
  pause: { fi: ['tauko'], sv: ['paus'], en: ['pause'] },
  resume: { fi: ['jatka'], sv: ['fortsätt'], en: ['resume'] },
  myData: { fi: ['omat tiedot'], sv: ['mina uppgifter'], en: ['my data'] },
  coordinatorsChannel: { fi: ['koordinaattorikanava'], sv: ['koordinatorkanal'], en: ['coordinators channel'] },
  digestNow: { fi: ['kooste nyt'], sv: ['sammandrag nu'], en: ['digest now'] },
  fees: { fi: ['palkkiot'], sv: ['arvoden'], en: ['fees'] },
  earningsLimit: { fi: ['ansioraja'], sv: ['inkomstgräns', 'inkomstgrans'], en: ['earnings limit'] },
  feedbackNow: { fi: ['palaute nyt'], sv: ['respons nu'], en: ['feedback now'] },
  remindersNow: { fi: ['muistutukset nyt'], sv: ['påminnelser nu', 'paminnelser nu'], en: ['reminders now'] },
  wavesNow: { fi: ['tarjouskierros nyt'], sv: ['erbjudandeomgång nu', 'erbjudandeomgang nu'], en: ['waves now'] },
  cleanupNow: { fi: ['siivous nyt'], sv: ['städning nu', 'stadning nu'], en: ['clean-up now', 'cleanup now'] },
  moveTime: { fi: ['siirrä aikaa', 'siirra aikaa'], sv: ['flytta tiden'], en: ['move time'] },
  language: { fi: ['kieli'], sv: ['språk', 'sprak'], en: ['language'] },
} satisfies Record<string, Record<Locale, string[]>>;

export type CommandId = keyof typeof COMMANDS;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A route pattern matching any language's words for the command, with optional arguments. */
export function commandPattern(id: CommandId, withArgs = false): RegExp {
  const words = Object.values(COMMANDS[id]).flat().map(escape).sort((a, b) => b.length - a.length);
  const tail = withArgs ? '(?:\\s+(.*))?' : '';
  return new RegExp(`^\\s*(?:${words.join('|')})${tail}\\s*$`, 'i');
}

/** The word a user of this language types for the command (shown in help). */
export function commandWord(id: CommandId, locale: Locale): string {
  return COMMANDS[id][locale][0];
}
