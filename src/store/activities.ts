import { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './duplicates';
import { escapeRegex } from './regex';

export interface SeenDoc {
  _id: string;
  at: Date;
}

/**
 * Activities already handled, so a redelivered activity (same id) is processed once. The
 * unique _id decides; a scheduled clean-up job removes old entries (no TTL indexes here).
 */
export class ActivityLog {
  private readonly col: Collection<SeenDoc>;

  constructor(db: Db) {
    this.col = db.collection<SeenDoc>('processedActivities');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ at: 1 }, { name: 'at' });
  }

  /** True the first time this activity is seen, false for a redelivery. */
  async firstTime(conversationId: string, activityId: string, now: Date): Promise<boolean> {
    try {
      await this.col.insertOne({ _id: `${conversationId}|${activityId}`, at: now });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async removeOlderThan(cutoff: Date): Promise<number> {
    return (await this.col.deleteMany({ at: { $lt: cutoff } })).deletedCount;
  }

  /** Erasure: the record of activities seen in the person's chats (keyed `<conversation>|<activity>`). */
  async forgetConversations(conversationIds: string[]): Promise<void> {
    for (const id of conversationIds) await this.col.deleteMany({ _id: { $regex: `^${escapeRegex(id)}\\|` } });
  }
}
