import { randomUUID } from 'node:crypto';
import { Collection, Db } from 'mongodb';
import type { OfferStatus } from '../domain/types';
import { insertIgnoringDuplicates, isDuplicateKey } from './duplicates';
import { groupCommit } from './batching';

export type { OfferStatus };

/** An invitation to one expert for one order. Declining costs nothing, ever. */
export interface OfferDoc {
  _id: string; // `${orderId}:${expertId}`: one offer per expert per order
  orderId: string;
  expertId: string;
  wave: number;
  status: OfferStatus;
  declineReason?: string;
  createdAt: Date;
  respondedAt?: Date;
  /** The mark of the closeOpen call that closed it (see there). */
  closedBy?: string;
}

export class OfferRepo {
  private readonly col: Collection<OfferDoc>;

  private readonly waves: Collection<{ _id: string; orderId: string; at: Date; expertIds?: string[] }>;

  constructor(db: Db) {
    this.col = db.collection<OfferDoc>('offers');
    this.waves = db.collection('offerWaves');
  }

  /**
   * Claims wave number `n` of an order by a unique insert: of two instances (or a double
   * click) deciding to send the same wave, exactly one goes on. The claim names the wave's
   * experts, so a wave cut short is resumed whole.
   */
  async claimWave(orderId: string, n: number, now: Date, expertIds?: string[]): Promise<boolean> {
    try {
      await this.waves.insertOne({ _id: `${orderId}#${n}`, orderId, at: now, ...(expertIds ? { expertIds } : {}) });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  wavesSent(orderId: string): Promise<number> {
    return this.waves.countDocuments({ orderId });
  }

  /** The claim of wave `n` of an order (a lookup by _id): when it was claimed. */
  waveClaim(orderId: string, n: number): Promise<{ _id: string; orderId: string; at: Date; expertIds?: string[] } | null> {
    return this.waves.findOne({ _id: `${orderId}#${n}` });
  }

  /** The still-open offers of one wave of an order: one query. */
  openOfWave(orderId: string, wave: number): Promise<OfferDoc[]> {
    return this.col.find({ orderId, status: 'open', wave }).toArray();
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ orderId: 1, status: 1 }, { name: 'order_status' });
    await this.col.createIndex({ expertId: 1, createdAt: -1 }, { name: 'expert_created' });
  }

  static idOf(orderId: string, expertId: string): string {
    return `${orderId}:${expertId}`;
  }

  /** The order and the expert an offer id names (the reverse of idOf); null for a string that is not one. */
  static partsOf(offerId: string): { orderId: string; expertId: string } | null {
    const at = offerId.indexOf(':');
    if (at <= 0 || at === offerId.length - 1) return null;
    return { orderId: offerId.slice(0, at), expertId: offerId.slice(at + 1) };
  }

  /** Inserts the wave's offers; an offer that already exists is left as it is. Returns the new ones. */
  async createWave(orderId: string, expertIds: string[], wave: number, now: Date): Promise<OfferDoc[]> {
    const docs: OfferDoc[] = expertIds.map((expertId) => ({
      _id: OfferRepo.idOf(orderId, expertId), orderId, expertId, wave, status: 'open', createdAt: now,
    }));
    const inserted = await insertIgnoringDuplicates(this.col, docs);
    return docs.filter((_, i) => inserted.has(i));
  }

  get(id: string): Promise<OfferDoc | null> {
    return this.col.findOne({ _id: id });
  }

  /** Moves an offer from one of `from` to `to`; null when it was not in such a state. */
  respond(id: string, from: readonly OfferStatus[], to: OfferStatus, now: Date, declineReason?: string): Promise<OfferDoc | null> {
    const set: Partial<OfferDoc> = { status: to, respondedAt: now };
    if (declineReason) set.declineReason = declineReason;
    return this.col.findOneAndUpdate({ _id: id, status: { $in: from } }, { $set: set }, { returnDocument: 'after' });
  }

  /**
   * An open offer whose order turned out full at the expert's click. Clicks arriving together
   * (a race for one seat) are written as one update: the answer to the click does not depend on
   * it, and the seat winner's `closeOpen` would close the offer anyway.
   */
  markFilled(id: string, now: Date): Promise<void> {
    return this.markFilledTogether({ id, now });
  }

  private readonly markFilledTogether = groupCommit(async (batch: { id: string; now: Date }[]) => {
    await this.col.updateMany({ _id: { $in: batch.map((b) => b.id) }, status: 'open' }, { $set: { status: 'filled', respondedAt: batch[0].now } });
    return batch.map(() => undefined);
  });

  /** How many offers wait for an answer, over all orders. */
  countOpen(): Promise<number> {
    return this.col.countDocuments({ status: 'open' });
  }

  ofOrder(orderId: string): Promise<OfferDoc[]> {
    return this.col.find({ orderId }).toArray();
  }

  /**
   * Closes every still-open offer of an order (filled, cancelled, expired); returns those closed.
   * Two commands whatever the number of offers (the winner of a seat waits for this): one update
   * of all open offers that stamps them with a fresh mark, one read of what carries the mark —
   * exactly the offers this call closed, not one an expert answered in between.
   */
  async closeOpen(orderId: string, to: 'filled' | 'cancelled' | 'expired', now: Date): Promise<OfferDoc[]> {
    const closedBy = randomUUID();
    const { modifiedCount } = await this.col.updateMany({ orderId, status: 'open' }, { $set: { status: to, respondedAt: now, closedBy } });
    if (modifiedCount === 0) return [];
    return this.col.find({ orderId, closedBy }).toArray();
  }

  /** Offers made per expert since `since` (the digest's 90 days of fairness). */
  async countsPerExpertSince(since: Date): Promise<Map<string, number>> {
    const rows = await this.col.aggregate<{ _id: string; n: number }>([{ $match: { createdAt: { $gte: since } } }, { $group: { _id: '$expertId', n: { $sum: 1 } } }]).toArray();
    return new Map(rows.map((r) => [r._id, r.n]));
  }

  /** Which of these experts have ever been offered anything (the digest's "never offered" list is the rest). */
  async everOffered(expertIds: string[]): Promise<Set<string>> {
    if (expertIds.length === 0) return new Set();
    return new Set((await this.col.distinct('expertId', { expertId: { $in: expertIds } })).map(String));
  }

  /** The expert's offers, for `my data`. */
  ofExpert(expertId: string): Promise<OfferDoc[]> {
    return this.col.find({ expertId }).toArray();
  }

  /**
   * Erasure: the expert's offers go, and their id is taken out of the wave claims that name
   * them (a claim names its experts to finish a cut-short wave; the erased one is not among them).
   */
  async eraseExpert(expertId: string): Promise<void> {
    await this.col.deleteMany({ expertId });
    await this.waves.updateMany({ expertIds: expertId }, { $pull: { expertIds: expertId } });
  }
}
