import { Collection, Db } from 'mongodb';
import { Locale } from '../i18n';
import { upsertRetryingLostInsert } from './duplicates';

/** What a user chose for themselves, by their Microsoft Entra object id. */
export interface UserPreferenceDoc {
  _id: string; // aadObjectId, lower case
  /** The language the bot speaks to this user, whatever their Teams client's locale. */
  locale: Locale;
  updatedAt: Date;
}

const LOCALES: readonly string[] = ['fi', 'sv', 'en'];

/**
 * Users' own choices (today: their language). Read on every turn of a user, so the last
 * answers are kept in this process for CACHE_MS: another instance sees a change within that.
 */
export class UserPreferenceRepo {
  private readonly col: Collection<UserPreferenceDoc>;
  private readonly cache = new Map<string, { locale: Locale | undefined; at: number }>();
  static readonly CACHE_MS = 30_000;
  static readonly CACHED = 5_000;

  constructor(db: Db) {
    this.col = db.collection<UserPreferenceDoc>('userPreferences');
  }

  async ensureIndexes(): Promise<void> {
    // Looked up by _id only.
  }

  /** The user's chosen language, or undefined when they have not chosen one. */
  async localeOf(aadObjectId: string, now: Date): Promise<Locale | undefined> {
    const id = aadObjectId.toLowerCase();
    const hit = this.cache.get(id);
    // Aged on the caller's clock: a clock moved forward makes an answer old sooner, and an
    // answer dated after `now` (a clock set back, as a test may) is not trusted.
    const age = hit ? now.getTime() - hit.at : -1;
    if (hit && age >= 0 && age < UserPreferenceRepo.CACHE_MS) return hit.locale;
    const doc = await this.col.findOne({ _id: id }, { projection: { locale: 1 } });
    // A stored value that is not a language (hand-edited) counts as no choice.
    const locale = doc && LOCALES.includes(doc.locale) ? doc.locale : undefined;
    this.remember(id, locale, now);
    return locale;
  }

  async setLocale(aadObjectId: string, locale: Locale, now: Date): Promise<void> {
    const id = aadObjectId.toLowerCase();
    await upsertRetryingLostInsert(() => this.col.updateOne({ _id: id }, { $set: { locale, updatedAt: now } }, { upsert: true }));
    this.remember(id, locale, now);
  }

  /** `my data`: what the user chose. */
  of(aadObjectId: string): Promise<UserPreferenceDoc | null> {
    return this.col.findOne({ _id: aadObjectId.toLowerCase() });
  }

  /** Erasure: the user's choices go whole. */
  async eraseUser(aadObjectId: string): Promise<void> {
    const id = aadObjectId.toLowerCase();
    await this.col.deleteOne({ _id: id });
    this.cache.delete(id);
  }

  /** Forgets what was read (after an erasure or a test changed the collection behind this repo). */
  forgetCached(): void {
    this.cache.clear();
  }

  private remember(id: string, locale: Locale | undefined, now: Date): void {
    this.cache.delete(id);
    this.cache.set(id, { locale, at: now.getTime() });
    if (this.cache.size > UserPreferenceRepo.CACHED) this.cache.delete(this.cache.keys().next().value as string);
  }
}
