import { Locale } from '../i18n';
import { ServiceDeps } from './deps';

// A user's own choices that outlive a turn: for now the language they chose (`kieli suomi`).

/** The language the user chose, or undefined when they never chose one. */
export async function chosenLocaleOf(deps: Pick<ServiceDeps, 'store' | 'now'>, aadObjectId: string): Promise<Locale | undefined> {
  return deps.store.preferences.localeOf(aadObjectId, deps.now());
}

/**
 * The user chooses the language they are answered in. Messages the bot sends them later
 * (offers, reminders, feedback) follow the choice, so their personal chat records it too.
 */
export async function chooseLanguage(deps: ServiceDeps, aadObjectId: string, locale: Locale): Promise<void> {
  await deps.store.preferences.setLocale(aadObjectId, locale, deps.now());
  await deps.store.conversations.setPersonalLocale(aadObjectId, locale, deps.now());
  deps.log.info({ action: 'language', locale }, 'user chose a language');
}
