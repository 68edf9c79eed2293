import { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './duplicates';
import { escapeRegex } from './regex';

/**
 * The coordinator who took something on: an order (the first coordinator whose click sent it
 * offers) or an expert's debrief request ("I'll call"). Alerts about it @mention them.
 * `userId` is their Teams id (29:…) and `name` their Teams name: personal data of the
 * coordinator, erased with them (eraseCoordinator); a debrief record names the expert by id
 * and goes with the expert's erasure (eraseExpert).
 */
export interface HandlerDoc {
  /** `order:<orderId>` or `debrief:<orderId>:<expertId>`: one handler each, the first wins. */
  _id: string;
  kind: 'order' | 'debrief';
  orderId: string;
  expertId?: string;
  coordinator: Coordinator;
  at: Date;
}

export interface Coordinator {
  aadObjectId: string;
  userId?: string;
  name: string;
}

export class HandlerRepo {
  private readonly col: Collection<HandlerDoc>;

  constructor(db: Db) {
    this.col = db.collection<HandlerDoc>('handlers');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ 'coordinator.aadObjectId': 1 }, { name: 'coordinator' });
  }

  static orderKey(orderId: string): string {
    return `order:${orderId}`;
  }

  static debriefKey(orderId: string, expertId: string): string {
    return `debrief:${orderId}:${expertId}`;
  }

  /**
   * Records the handler unless one is recorded: a unique insert, so of two coordinators
   * clicking at once one gets it and the other is told who. Returns the stored record.
   */
  async take(doc: HandlerDoc): Promise<{ doc: HandlerDoc; isNew: boolean }> {
    try {
      await this.col.insertOne(doc);
      return { doc, isNew: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const stored = await this.col.findOne({ _id: doc._id });
      if (!stored) throw error;
      return { doc: stored, isNew: false };
    }
  }

  get(id: string): Promise<HandlerDoc | null> {
    return this.col.findOne({ _id: id });
  }

  /** What is stored about a person: what they took on as a coordinator, and debriefs asked by them. */
  ofPerson(aad: string): Promise<HandlerDoc[]> {
    return this.col.find({ $or: [{ 'coordinator.aadObjectId': aad }, { expertId: aad }] }).toArray();
  }

  /**
   * A coordinator's erasure: the records stay (an order or a debrief was taken on) under the
   * pseudonym, without their name or Teams id, so nobody is @mentioned for them any more.
   */
  async eraseCoordinator(aad: string, pseudonym: string): Promise<void> {
    await this.col.updateMany({ 'coordinator.aadObjectId': aad }, { $set: { 'coordinator.aadObjectId': pseudonym, 'coordinator.name': '' }, $unset: { 'coordinator.userId': '' } });
  }

  /** An expert's erasure: their debrief requests' records go (the key names them). */
  async eraseExpert(aad: string): Promise<void> {
    await this.col.deleteMany({ $or: [{ expertId: aad }, { _id: { $regex: `^debrief:.*:${escapeRegex(aad)}$` } }] });
  }
}
