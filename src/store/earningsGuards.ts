import { Collection, Db } from 'mongodb';
import { GuardSettings } from '../domain/benefitGuard';
import { upsertRetryingLostInsert } from './duplicates';
import { copyDoc, singleFlight } from './batching';

/**
 * An expert's own earnings limit, in a collection of its own: the figure is private to the
 * expert (coordinators may learn only that one exists), and the profile and its approval stay
 * untouched by it.
 */
export interface EarningsGuardDoc extends GuardSettings {
  _id: string; // the expert's id
  /** A link to the expert's own note (e.g. what Kela told them); shown only to them. */
  noteUrl?: string;
  updatedAt: Date;
}

export class EarningsGuardRepo {
  private readonly col: Collection<EarningsGuardDoc>;

  constructor(db: Db) {
    this.col = db.collection<EarningsGuardDoc>('earningsGuards');
  }

  async ensureIndexes(): Promise<void> {
    // Looked up by _id only.
  }

  /**
   * The guards of experts who chose to be paused when their limit is reached (and set one): read
   * for every order's ranking. Concurrent callers (orders placed at the same moment) share one
   * read, each with its own copy; nothing is kept after it, so a change made anywhere is seen by
   * every read that starts after it, and a change made here by every caller after it returns.
   */
  pausingAtLimit(): Promise<EarningsGuardDoc[]> {
    return this.pausingShared('all');
  }

  private readonly pausingShared = singleFlight(() => this.col.find({ pauseAtLimit: true, limitCents: { $gt: 0 } }).toArray(), copyDoc);

  get(expertId: string): Promise<EarningsGuardDoc | null> {
    return this.col.findOne({ _id: expertId.toLowerCase() });
  }

  async many(expertIds: string[]): Promise<Map<string, EarningsGuardDoc>> {
    if (expertIds.length === 0) return new Map();
    const docs = await this.col.find({ _id: { $in: expertIds.map((id) => id.toLowerCase()) } }).toArray();
    return new Map(docs.map((d) => [d._id, d]));
  }

  async save(expertId: string, settings: GuardSettings & { noteUrl?: string }, now: Date): Promise<EarningsGuardDoc> {
    const doc: EarningsGuardDoc = { _id: expertId.toLowerCase(), ...settings, updatedAt: now };
    const { _id, ...rest } = doc;
    try {
      await upsertRetryingLostInsert(() => this.col.replaceOne({ _id }, rest, { upsert: true }));
    } finally {
      // A read that began while this was written must not answer callers after it.
      this.pausingShared.forget();
    }
    return doc;
  }

  /** Erasure: the limit is the expert's own and goes whole. */
  async eraseExpert(expertId: string): Promise<void> {
    try {
      await this.col.deleteOne({ _id: expertId.toLowerCase() });
    } finally {
      this.pausingShared.forget();
    }
  }

  /** Whether the expert has set a limit (all a coordinator may know). */
  async hasLimit(expertId: string): Promise<boolean> {
    return !!(await this.get(expertId))?.limitCents;
  }
}
