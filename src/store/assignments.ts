import { Collection, Db } from 'mongodb';

export type AssignmentStatus = 'accepted' | 'withdrawn' | 'cancelled' | 'done';

/** One expert doing one ordered task (toimeksianto). */
export interface AssignmentDoc {
  _id: string; // `${orderId}:${expertId}`
  orderId: string;
  expertId: string;
  startsAt: Date;
  endsAt: Date;
  status: AssignmentStatus;
  /** Set when the order was cancelled late (KAP rule): the fee stays payable. */
  feePayable?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export class AssignmentRepo {
  readonly col: Collection<AssignmentDoc>;

  constructor(db: Db) {
    this.col = db.collection<AssignmentDoc>('assignments');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ expertId: 1, startsAt: 1 }, { name: 'expert_start' });
    await this.col.createIndex({ orderId: 1 }, { name: 'order' });
    await this.col.createIndex({ startsAt: 1, status: 1 }, { name: 'start_status' });
  }

  /**
   * Records an accepted seat. Upsert on the natural key: a retried accept or a second
   * click cannot create a second assignment; a withdrawn one comes back as accepted.
   */
  async accept(orderId: string, expertId: string, startsAt: Date, endsAt: Date, now: Date): Promise<AssignmentDoc> {
    const doc = await this.col.findOneAndUpdate(
      { _id: `${orderId}:${expertId}` },
      { $set: { status: 'accepted', startsAt, endsAt, updatedAt: now }, $setOnInsert: { orderId, expertId, createdAt: now } },
      { upsert: true, returnDocument: 'after' },
    );
    return doc!;
  }

  get(orderId: string, expertId: string): Promise<AssignmentDoc | null> {
    return this.col.findOne({ _id: `${orderId}:${expertId}` });
  }

  setStatus(orderId: string, expertId: string, from: AssignmentStatus[], to: AssignmentStatus, now: Date, extra: Partial<AssignmentDoc> = {}): Promise<AssignmentDoc | null> {
    return this.col.findOneAndUpdate(
      { _id: `${orderId}:${expertId}`, status: { $in: from } },
      { $set: { ...extra, status: to, updatedAt: now } },
      { returnDocument: 'after' },
    );
  }

  ofOrder(orderId: string): Promise<AssignmentDoc[]> {
    return this.col.find({ orderId }).toArray();
  }

  /** Accepted assignments of these experts that overlap [from, to): the no-double-booking filter. */
  overlapping(from: Date, to: Date): Promise<AssignmentDoc[]> {
    return this.col.find({ status: 'accepted', startsAt: { $lt: to }, endsAt: { $gt: from } }).toArray();
  }

  /** Assignments per expert since `since` (fair rotation counts work done or agreed, never declines). */
  async countsSince(since: Date): Promise<Map<string, number>> {
    const rows = await this.col
      .aggregate<{ _id: string; n: number }>([
        { $match: { startsAt: { $gte: since }, status: { $in: ['accepted', 'done'] } } },
        { $group: { _id: '$expertId', n: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(rows.map((r) => [r._id, r.n]));
  }
}
