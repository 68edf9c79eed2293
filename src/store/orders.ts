import { Collection, Db } from 'mongodb';
import type { OrderInput } from '../domain/orderForm';

export type OrderStatus = 'new' | 'offering' | 'filled' | 'done' | 'cancelled';
export type OrderMode = OrderInput['mode'];

/** What the professional fills in on the order form, after validation (src/domain/orderForm.ts). */
export type OrderDetails = OrderInput;

export interface OrderDoc extends OrderDetails {
  _id: string; // the human order number, e.g. T-2026-0042
  orderer: { aadObjectId: string; name: string };
  /** The chat the order was placed in: where the orderer is told what happens. */
  conversationId: string;
  endsAt: Date;
  status: OrderStatus;
  /** When the last offer wave went out (the wave job waits WAVE_WAIT_MINUTES after it). */
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

  /**
   * The next number of the year from a counter. The unique order id is what guarantees that
   * no two orders share a number (insertNumbered retries), not the counter: some
   * MongoDB-compatible servers apply $inc as read-then-write.
   */
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

  async setLastWave(id: string, at: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { lastWaveAt: at } });
  }

  /** Offering orders whose last wave is older than `cutoff` and that start after `startsAfter`. */
  dueForWave(cutoff: Date, startsAfter: Date): Promise<OrderDoc[]> {
    return this.col.find({ status: 'offering', lastWaveAt: { $lte: cutoff }, startsAt: { $gt: startsAfter } }).toArray();
  }

  /** Inserts with the next free number of the year; a number taken meanwhile is skipped. */
  async insertNumbered(year: number, build: (id: string) => OrderDoc, format: (year: number, seq: number) => string): Promise<OrderDoc> {
    for (let i = 0; i < 50; i++) {
      const doc = build(format(year, await this.nextNumber(year)));
      try {
        await this.col.insertOne(doc);
        return doc;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
    throw new Error('could not allocate an order number');
  }
}
