import { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './duplicates';

/** One use of a limited action: a slot of a user's minute. */
interface SlotDoc {
  _id: string; // `${action}:${userKey}:${minute}#${slot}`
  at: Date;
}

/**
 * Per-user limits that hold across instances: each use takes one of the `perMinute` slots of
 * the user's current clock minute by a unique insert, so two instances (or two clicks) can never
 * both take the last one. On FerretDB a conditional update is a read and a separate write, and a
 * counter raised that way could be raised past the limit by concurrent requests; inserts are atomic.
 *
 * Fixed minutes: a user may at most double the rate across a minute's boundary (5 at 12:00:59,
 * 5 at 12:01:00), never more. Old slots go in the nightly clean-up.
 */
export class RateLimitRepo {
  private readonly col: Collection<SlotDoc>;

  constructor(db: Db) {
    this.col = db.collection<SlotDoc>('rateLimitSlots');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ at: 1 }, { name: 'at' });
  }

  /** Takes a slot of the user's minute for `action`; false when all `perMinute` are taken. 0 = no limit. */
  async take(action: string, userKey: string, now: Date, perMinute: number): Promise<boolean> {
    if (perMinute <= 0) return true;
    const minute = Math.floor(now.getTime() / 60_000);
    for (let slot = 1; slot <= perMinute; slot++) {
      try {
        await this.col.insertOne({ _id: `${action}:${userKey}:${minute}#${slot}`, at: now });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return false;
  }

  async removeBefore(before: Date): Promise<number> {
    return (await this.col.deleteMany({ at: { $lt: before } })).deletedCount;
  }
}
