import { randomUUID } from 'node:crypto';
import { Collection, Db } from 'mongodb';

/** Who saw an expert's full profile (themes are health data), when, and why. */
export interface ProfileAccessDoc {
  _id: string;
  expertId: string;
  by: string;
  purpose: 'approval' | 'why' | 'export';
  at: Date;
}

export interface ErasureRequestDoc {
  _id: string; // the user's Entra object id: one open request per person
  requestedAt: Date;
  status: 'requested' | 'erased';
  erasedAt?: Date;
  confirmedBy?: string;
}

/** Access log and erasure (GDPR art. 15, 17): the only code that deletes personal data. */
export class PrivacyRepo {
  readonly access: Collection<ProfileAccessDoc>;
  readonly erasures: Collection<ErasureRequestDoc>;

  constructor(private readonly db: Db) {
    this.access = db.collection<ProfileAccessDoc>('profileAccessLog');
    this.erasures = db.collection<ErasureRequestDoc>('erasureRequests');
  }

  async ensureIndexes(): Promise<void> {
    await this.access.createIndex({ expertId: 1, at: -1 }, { name: 'expert_at' });
  }

  async logAccess(expertId: string, by: string, purpose: ProfileAccessDoc['purpose'], now: Date): Promise<void> {
    await this.access.insertOne({ _id: randomUUID(), expertId, by, purpose, at: now });
  }

  /** Everything stored about a person, for `my data` (art. 15). */
  async exportOf(aad: string): Promise<Record<string, unknown>> {
    const db = this.db;
    const [expert, orders, offers, assignments, withdrawals, conversations, access] = await Promise.all([
      db.collection('experts').findOne({ _id: aad as never }),
      db.collection('orders').find({ 'orderer.aadObjectId': aad }).toArray(),
      db.collection('offers').find({ expertId: aad }).toArray(),
      db.collection('assignments').find({ expertId: aad }).toArray(),
      db.collection('withdrawals').find({ expertId: aad }).toArray(),
      db.collection('conversations').find({ userAadObjectId: aad }).project({ reference: 0 }).toArray(),
      this.access.find({ expertId: aad }).toArray(),
    ]);
    return { expertProfile: expert, ordersPlaced: orders, offers, assignments, withdrawals, conversations, profileAccessLog: access };
  }

  async requestErasure(aad: string, now: Date): Promise<void> {
    await this.erasures.updateOne({ _id: aad }, { $setOnInsert: { requestedAt: now, status: 'requested' } }, { upsert: true });
  }

  /**
   * Erases a person after a coordinator confirmed: profile, offers, conversation references
   * and access log go; assignment records needed for accounting stay, de-identified under a
   * random pseudonym; orders they placed keep no name.
   */
  async erase(aad: string, confirmedBy: string, now: Date): Promise<{ pseudonym: string }> {
    const db = this.db;
    const pseudonym = `erased-${randomUUID()}`;
    await db.collection('experts').deleteOne({ _id: aad as never });
    await db.collection('offers').deleteMany({ expertId: aad });
    await db.collection('assignments').updateMany({ expertId: aad }, { $set: { expertId: pseudonym } });
    await db.collection('withdrawals').updateMany({ expertId: aad }, { $set: { expertId: pseudonym } });
    await db.collection('feedback').updateMany({ expertId: aad }, { $set: { expertId: pseudonym }, $unset: { text: '' } });
    await db.collection('orders').updateMany(
      { 'orderer.aadObjectId': aad },
      { $set: { 'orderer.aadObjectId': pseudonym, 'orderer.name': '', contact: { name: '' } } },
    );
    // The 1:1 conversation stays reachable for the last message, no longer linked to the person.
    await db.collection('conversations').updateMany({ userAadObjectId: aad }, { $unset: { userAadObjectId: '', 'reference.user': '', locale: '' } });
    await this.access.deleteMany({ expertId: aad });
    await this.erasures.updateOne({ _id: aad }, { $set: { status: 'erased', erasedAt: now, confirmedBy } }, { upsert: true });
    return { pseudonym };
  }
}
