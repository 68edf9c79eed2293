import { Collection, Db } from 'mongodb';

export type OrderStatus = 'new' | 'offering' | 'filled' | 'done' | 'cancelled';
export type OrderMode = 'onsite' | 'remote' | 'hybrid';

/** What the professional fills in on the order form, after validation. */
export interface OrderDetails {
  themes: string[];
  taskType: string;
  title: string;
  description: string;
  goal?: string;
  startsAt: Date;
  durationMinutes: number;
  mode: OrderMode;
  municipality?: string;
  address?: string;
  link?: string;
  targetGroup: string;
  audienceSize?: number;
  seats: number;
  language: 'fi' | 'sv' | 'en';
  costCentre: string;
  contact: { name: string; phone?: string; email?: string };
  noteToCoordinator?: string;
}

export interface OrderDoc extends OrderDetails {
  _id: string; // the human order number, e.g. T-2026-0042
  orderer: { aadObjectId: string; name: string };
  /** The chat the order was placed in: where the orderer is told what happens. */
  conversationId: string;
  endsAt: Date;
  status: OrderStatus;
  /** Seats still free; the one field every accept decrements atomically. */
  seatsOpen: number;
  acceptedExpertIds: string[];
  waves: number;
  lastWaveAt?: Date;
  cancelledAt?: Date;
  /** Cancelled less than the configured hours before the start: fees stay payable. */
  cancelledLate?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface CounterDoc {
  _id: string;
  seq: number;
}

export class OrderRepo {
  readonly col: Collection<OrderDoc>;
  private readonly counters: Collection<CounterDoc>;

  constructor(db: Db) {
    this.col = db.collection<OrderDoc>('orders');
    this.counters = db.collection<CounterDoc>('counters');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ 'orderer.aadObjectId': 1, startsAt: -1 }, { name: 'orderer_start' });
    await this.col.createIndex({ status: 1, startsAt: 1 }, { name: 'status_start' });
  }

  /** The next number of the year, from one atomic counter: no two orders share a number. */
  async nextNumber(year: number): Promise<number> {
    const doc = await this.counters.findOneAndUpdate(
      { _id: `order-${year}` },
      { $inc: { seq: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    return doc!.seq;
  }

  async insert(order: OrderDoc): Promise<void> {
    await this.col.insertOne(order);
  }

  get(id: string): Promise<OrderDoc | null> {
    return this.col.findOne({ _id: id });
  }

  ofOrderer(aadObjectId: string, limit = 20): Promise<OrderDoc[]> {
    return this.col.find({ 'orderer.aadObjectId': aadObjectId.toLowerCase() }).sort({ startsAt: -1 }).limit(limit).toArray();
  }

  /** Compare-and-set of the status: only one of two racing decisions wins. */
  async moveStatus(id: string, from: OrderStatus[], to: OrderStatus, now: Date, extra: Partial<OrderDoc> = {}): Promise<OrderDoc | null> {
    return this.col.findOneAndUpdate(
      { _id: id, status: { $in: from } },
      { $set: { ...extra, status: to, updatedAt: now } },
      { returnDocument: 'after' },
    );
  }

  /**
   * Takes a seat for the expert, decided by one atomic update: the order must be offering,
   * have a seat open and not already count this expert (a double click takes one seat).
   * Returns the order after the update, or null when the expert lost the race.
   */
  async claimSeat(id: string, expertId: string, now: Date): Promise<OrderDoc | null> {
    const after = await this.col.findOneAndUpdate(
      { _id: id, status: 'offering', seatsOpen: { $gt: 0 }, acceptedExpertIds: { $ne: expertId } },
      { $inc: { seatsOpen: -1 }, $push: { acceptedExpertIds: expertId }, $set: { updatedAt: now } },
      { returnDocument: 'after' },
    );
    if (after && after.seatsOpen === 0) {
      return (await this.moveStatus(id, ['offering'], 'filled', now)) ?? after;
    }
    return after;
  }

  /** Gives a withdrawn expert's seat back and reopens a filled order. */
  async releaseSeat(id: string, expertId: string, now: Date): Promise<OrderDoc | null> {
    const after = await this.col.findOneAndUpdate(
      { _id: id, acceptedExpertIds: expertId, status: { $in: ['offering', 'filled'] } },
      { $inc: { seatsOpen: 1 }, $pull: { acceptedExpertIds: expertId }, $set: { updatedAt: now } },
      { returnDocument: 'after' },
    );
    if (after && after.status === 'filled') return this.moveStatus(id, ['filled'], 'offering', now);
    return after;
  }

  /**
   * Claims the right to send the next wave: only when the last wave is older than `cutoff`
   * (or none was sent), so several instances or a double click send one wave.
   */
  async claimWave(id: string, cutoff: Date, now: Date): Promise<OrderDoc | null> {
    return this.col.findOneAndUpdate(
      {
        _id: id,
        status: { $in: ['new', 'offering'] },
        seatsOpen: { $gt: 0 },
        $or: [{ lastWaveAt: { $exists: false } }, { lastWaveAt: { $lte: cutoff } }],
      },
      { $set: { lastWaveAt: now, updatedAt: now }, $inc: { waves: 1 } },
      { returnDocument: 'after' },
    );
  }

  /** Offering orders with open seats whose last wave is older than `cutoff`: candidates for the next wave. */
  dueForWave(cutoff: Date, notStartedBefore: Date): Promise<OrderDoc[]> {
    return this.col
      .find({ status: 'offering', seatsOpen: { $gt: 0 }, lastWaveAt: { $lte: cutoff }, startsAt: { $gt: notStartedBefore } })
      .toArray();
  }
}
