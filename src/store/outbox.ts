import type { Activity } from 'botbuilder';
import { Collection, Db, Filter, MongoBulkWriteError, ObjectId } from 'mongodb';

export type OutboxOp = 'send' | 'update';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** One proactive message (or card update) to deliver, with its delivery state. */
export interface OutboxItem {
  _id: ObjectId;
  /** Idempotency key, e.g. `offer:<offerId>`: enqueueing a key again is a no-op. */
  key: string;
  conversationId: string;
  op: OutboxOp;
  activity: Partial<Activity>;
  /** For 'update': the key of the 'send' item whose delivered message this replaces. */
  updateOf?: string;
  status: OutboxStatus;
  /** Delivery attempts that ended (sent, failed, or to be retried). */
  attempts: number;
  nextAttemptAt: Date;
  lockedBy?: string;
  lockedUntil?: Date;
  /** Times claimed; claim n is proven by the unique lease `<_id>:<n>`. */
  leaseSeq: number;
  sentActivityId?: string;
  /** Status code or error class only ("http 429", "network"), never message text. */
  lastError?: string;
  createdAt: Date;
  sentAt?: Date;
}

export interface NewOutboxItem {
  key: string;
  conversationId: string;
  op?: OutboxOp;
  activity: Partial<Activity>;
  updateOf?: string;
  /** Not before this time (reminders); default now. */
  notBefore?: Date;
}

/**
 * As stored: the activity as JSON text, because Adaptive Cards carry a "$schema" key and field
 * names starting with "$" are not portable (FerretDB refuses them). Nothing queries inside it.
 */
type OutboxDoc = Omit<OutboxItem, 'activity'> & { activity: string };

/** Proof of one claim: only one sender can insert `<item _id>:<leaseSeq>`; `at` is when. */
interface LeaseDoc {
  _id: string;
  at: Date;
}

const DUPLICATE_KEY = 11000;
/** Due items looked at per claim: enough to get past the ones other senders are taking. */
const CANDIDATES = 16;

/**
 * The queue every proactive message goes through (the Company Communicator pattern): fan-outs
 * enqueue, senders claim items with a lease, and each item keeps its own delivery status so a
 * crashed run resumes where it stopped and a report can count sent and failed.
 *
 * Claims rest on a unique insert, not on findOneAndUpdate alone: FerretDB 1.x on SQLite runs an
 * update as a read and a separate write (FerretDB/FerretDB#3040), so concurrent conditional
 * updates of one document can all succeed (measured: 30 concurrent claims of one item, 2–8
 * "won"; 30 concurrent $inc, 1–6 counted). Unique keys are enforced by SQLite itself, and the
 * same protocol is correct on MongoDB.
 */
export class OutboxRepo {
  readonly col: Collection<OutboxDoc>;
  readonly leases: Collection<LeaseDoc>;

  constructor(db: Db) {
    this.col = db.collection<OutboxDoc>('outbox');
    this.leases = db.collection<LeaseDoc>('outboxLeases');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ key: 1 }, { name: 'key', unique: true });
    await this.col.createIndex({ status: 1, nextAttemptAt: 1 }, { name: 'due' });
    await this.leases.createIndex({ at: 1 }, { name: 'at' });
  }

  /**
   * Inserts new items; keys already present are skipped (one unordered bulk, so a duplicate
   * does not stop the rest). Re-running a crashed fan-out is therefore safe. Returns how many were new.
   */
  async enqueue(items: NewOutboxItem[], now: Date): Promise<number> {
    if (items.length === 0) return 0;
    const docs: OutboxDoc[] = items.map((i) => ({
      _id: new ObjectId(),
      key: i.key,
      conversationId: i.conversationId,
      op: i.op ?? 'send',
      activity: JSON.stringify(i.activity),
      ...(i.updateOf !== undefined ? { updateOf: i.updateOf } : {}),
      status: 'pending',
      attempts: 0,
      leaseSeq: 0,
      nextAttemptAt: i.notBefore ?? now,
      createdAt: now,
    }));
    try {
      return (await this.col.insertMany(docs, { ordered: false })).insertedCount;
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
      return error.insertedCount;
    }
  }

  /**
   * Claims the next due item: pending and due, or 'sending' with an expired lease (its sender
   * died). `skipConversations`: conversations this sender knows are rate-limited right now.
   *
   * Winning means inserting lease `<_id>:<leaseSeq+1>`. A sender that read the item before
   * someone else's claim holds a lower leaseSeq and collides with that claim's lease, so each
   * claim has exactly one owner however many senders read the item at once.
   */
  async claimDue(owner: string, now: Date, leaseMs: number, skipConversations: string[] = []): Promise<OutboxItem | null> {
    const filter: Filter<OutboxDoc> = {
      $or: [{ status: 'pending', nextAttemptAt: { $lte: now } }, { status: 'sending', lockedUntil: { $lte: now } }],
    };
    if (skipConversations.length > 0) filter.conversationId = { $nin: skipConversations };
    const candidates = await this.col.find(filter, { sort: { nextAttemptAt: 1, _id: 1 }, limit: CANDIDATES }).toArray();
    for (const c of candidates) {
      const leaseSeq = await this.takeLease(c, now, leaseMs);
      if (leaseSeq === null) continue;
      const claim = { status: 'sending' as const, lockedBy: owner, lockedUntil: new Date(now.getTime() + leaseMs), leaseSeq };
      let res;
      try {
        // The leaseSeq guard is a second line: the lease alone already excludes other claimers.
        res = await this.col.updateOne({ _id: c._id, leaseSeq: c.leaseSeq }, { $set: claim });
      } catch (error) {
        // Give the lease back so the item is not held up until the lease counts as abandoned.
        await this.leases.deleteOne({ _id: leaseIdOf(c._id, leaseSeq) }).catch(() => undefined);
        throw error;
      }
      if (res.modifiedCount === 1) return toItem({ ...c, ...claim });
    }
    return null;
  }

  /** Records delivery; false when the lease was lost to another sender meanwhile. */
  async markSent(id: ObjectId, owner: string, activityId: string, now: Date): Promise<boolean> {
    return this.finish(id, owner, { status: 'sent', sentActivityId: activityId, sentAt: now });
  }

  /** Back to pending until `at`, counting the attempt. */
  reschedule(id: ObjectId, owner: string, at: Date, error: string): Promise<boolean> {
    return this.finish(id, owner, { status: 'pending', nextAttemptAt: at, lastError: error });
  }

  /** Back to pending until `at` without counting an attempt: the sender chose not to try yet. */
  async release(id: ObjectId, owner: string, at: Date): Promise<boolean> {
    const res = await this.col.updateOne(
      { _id: id, lockedBy: owner, status: 'sending' },
      { $set: { status: 'pending', nextAttemptAt: at }, $unset: { lockedBy: '', lockedUntil: '' } },
    );
    return res.modifiedCount === 1;
  }

  /** Gives up on an item; it stays in the outbox as 'failed' for the report. False if the lease was lost. */
  markFailed(id: ObjectId, owner: string, error: string): Promise<boolean> {
    return this.finish(id, owner, { status: 'failed', lastError: error });
  }

  async sentActivityIdOf(key: string): Promise<string | null> {
    const doc = await this.col.findOne({ key, status: 'sent' }, { projection: { sentActivityId: 1 } });
    return doc?.sentActivityId ?? null;
  }

  async get(key: string): Promise<OutboxItem | null> {
    const doc = await this.col.findOne({ key });
    return doc ? toItem(doc) : null;
  }

  async counts(): Promise<Record<OutboxStatus, number>> {
    const out: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    const rows = await this.col.aggregate<{ _id: OutboxStatus; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]).toArray();
    for (const r of rows) out[r._id] = r.n;
    return out;
  }

  /**
   * Forgets leases of claims made before `before`. Safe once no sender can still be acting on
   * a read that old; a day is far beyond any lease.
   */
  /**
   * Forgets delivered messages sent before `before` (their cards may carry personal data,
   * and the sender's queries slow down as history grows). Failed ones are kept for follow-up;
   * an update's original stays while the update may still need its activity id.
   */
  async removeSentBefore(before: Date): Promise<number> {
    return (await this.col.deleteMany({ status: 'sent', sentAt: { $lt: before } })).deletedCount;
  }

  async pruneLeases(before: Date): Promise<number> {
    return (await this.leases.deleteMany({ at: { $lt: before } })).deletedCount;
  }

  /** Ends an attempt, only if `owner` still holds the lease. */
  private async finish(id: ObjectId, owner: string, set: Partial<OutboxDoc>): Promise<boolean> {
    const res = await this.col.updateOne(
      { _id: id, lockedBy: owner, status: 'sending' },
      { $set: set, $unset: { lockedBy: '', lockedUntil: '' }, $inc: { attempts: 1 } },
    );
    return res.modifiedCount === 1;
  }

  /**
   * Inserts the next lease of an item; null if another sender holds it. A lease whose claim
   * never reached the item (its sender died between the two writes) is older than a lease by
   * now and is stepped over, so such an item is delayed, never stuck.
   */
  private async takeLease(item: OutboxDoc, now: Date, leaseMs: number): Promise<number | null> {
    for (let seq = item.leaseSeq + 1; seq <= item.leaseSeq + 3; seq++) {
      const _id = leaseIdOf(item._id, seq);
      try {
        await this.leases.insertOne({ _id, at: now });
        return seq;
      } catch (error) {
        if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
      }
      const held = await this.leases.findOne({ _id });
      if (held && held.at.getTime() > now.getTime() - leaseMs) return null;
    }
    return null;
  }
}

function leaseIdOf(id: ObjectId, seq: number): string {
  return `${id.toHexString()}:${seq}`;
}

function toItem(doc: OutboxDoc): OutboxItem {
  return { ...doc, activity: JSON.parse(doc.activity) as Partial<Activity> };
}
