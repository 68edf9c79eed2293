import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { Application, TurnState } from './sdk';
import { AdaptiveCard, noticeCard, renderCard } from '../cards/render';
import { Locale, pickLocale, t } from '../i18n';
import { actorOf, CHOSEN_LOCALE, scopeOf, str, USER_LOCALE } from './activity';
import { commandPattern } from './commands';
import { RouteDeps } from './deps';
import { helpCard } from './help';
import { parseCardData } from './input';
import { chooseLanguage, chosenLocaleOf } from '../services/preferences';
import { refusalCard, replyCard, replyNotice, userLocale } from './kit';

/**
 * The one place that decides which language a user is answered in: the language they chose
 * (`kieli suomi`), else their Teams client's locale, else DEFAULT_LOCALE. Run once per turn
 * before any route; every route reads the result with localeOf(context). Many Finnish staff
 * run Teams in English but work in Finnish, so their choice wins over the client's locale.
 */
export async function resolveUserLocale(context: TurnContext, deps: Pick<RouteDeps, 'config' | 'store' | 'now'>): Promise<Locale> {
  const fromClient = pickLocale(str(context.activity.locale), deps.config.defaultLocale);
  // Set first: if the database fails below, the error message still has a language.
  context.turnState.set(USER_LOCALE, fromClient);
  const aad = actorOf(context).aadObjectId;
  const chosen = aad ? await chosenLocaleOf(deps, aad) : undefined;
  const locale = chosen ?? fromClient;
  context.turnState.set(USER_LOCALE, locale);
  context.turnState.set(CHOSEN_LOCALE, chosen);
  return locale;
}

/** The words for each language, in all three languages: `kieli ruotsi` and `språk svenska` both work. */
const LANGUAGE_WORDS: Record<Locale, string[]> = {
  fi: ['suomi', 'suomeksi', 'finska', 'finnish', 'fi'],
  sv: ['svenska', 'ruotsi', 'ruotsiksi', 'swedish', 'sv'],
  en: ['english', 'englanti', 'englanniksi', 'engelska', 'en'],
};

/** The language a `kieli …` argument names, or undefined. */
export function languageNamed(word: string): Locale | undefined {
  const w = word.trim().toLowerCase();
  return (Object.keys(LANGUAGE_WORDS) as Locale[]).find((l) => LANGUAGE_WORDS[l].includes(w));
}

/** The three choices as buttons; each names its language in that language. */
export function languageChoiceCard(locale: Locale): AdaptiveCard {
  return renderCard('languageChoice', locale, { current: t(locale, 'languageChoice.current', { language: t(locale, `language.${locale}`) }) });
}

const choiceSchema = z.object({ locale: z.enum(['fi', 'sv', 'en']), then: z.enum(['help']).optional() }).strict();

/**
 * `kieli suomi`, `språk svenska`, `language english` (any word with any language) set the
 * user's language at once; `kieli` alone, or an unknown language, offers the three as buttons,
 * as does the help card's language button.
 */
export function registerLanguageRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  const choose = async (c: TurnContext, locale: Locale): Promise<boolean> => {
    const aad = actorOf(c).aadObjectId;
    if (!aad) return false;
    await chooseLanguage(deps, aad, locale);
    // The rest of this turn answers in the chosen language too.
    c.turnState.set(USER_LOCALE, locale);
    c.turnState.set(CHOSEN_LOCALE, locale);
    return true;
  };

  app.message(commandPattern('language', true), async (c) => {
    const arg = commandPattern('language', true).exec(c.activity.text ?? '')?.[1];
    const locale = arg ? languageNamed(arg) : undefined;
    if (!locale) {
      await replyCard(c, languageChoiceCard(userLocale(c, deps)));
      return;
    }
    if (!(await choose(c, locale))) {
      await replyNotice(c, t(userLocale(c, deps), 'error.badInput'), 'attention');
      return;
    }
    await replyNotice(c, t(locale, 'languageChoice.changed'), 'good');
  });

  app.adaptiveCards.actionExecute('language.set', async (c, _state, data) => {
    const parsed = parseCardData(choiceSchema, data, 'languageChoice');
    if (!parsed.ok || !(await choose(c, parsed.value.locale))) return refusalCard(userLocale(c, deps), 'error.badInput');
    const locale = parsed.value.locale;
    // From the help card: the help again, now in the chosen language.
    if (parsed.value.then === 'help') return helpCard(locale, scopeOf(c), false, t(locale, 'languageChoice.changed'), { localMode: deps.config.localMode });
    return noticeCard(t(locale, 'languageChoice.changed'), 'good');
  });
}
