import { randomUUID } from 'node:crypto';
import { Collection, Db } from 'mongodb';
import { isDuplicateKey, upsertRetryingLostInsert } from './duplicates';

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
  /**
   * The pseudonym, once the erasure is being closed (see finishErasure); erasures begun before
   * pseudonyms were claimed in their own collection kept it here too.
   */
  pseudonym?: string;
}

/**
 * What an erasure needs, recorded before anything is changed: ids only, never a name or any
 * other text to search for. Links that the erasure itself cuts (a chat no longer linked to the
 * person, fee records moved to the pseudonym) are read from here when a crash made it stop
 * midway, so that confirming again finishes exactly the same work.
 */
export interface ErasurePlan {
  /** The person's 1:1 chats with the bot (the erasure unlinks them). */
  conversationIds: string[];
  /** Orders the person took part in as an expert (offers, seats, withdrawals) or placed. */
  linkedOrderIds: string[];
  /** Orders the person placed: their answers as the orderer are keyed by the order. */
  placedOrderIds: string[];
  /** Orders where the person holds a seat of a task still to come: released as withdrawals. */
  futureSeatOrderIds: string[];
  /** Months whose waiting payroll file holds a row of the person (a settled fee of theirs). */
  payrollMonths: string[];
  /** Where the farewell notice goes: the person's latest 1:1 chat and its language. */
  farewell?: { conversationId: string; locale?: string };
}

/**
 * The claim of an erasure under way, one per person: the unique `_id` decides it when two
 * confirmations run at once (a double click), so a person's records are never split between
 * two pseudonyms, and the plan is the one recorded before the first change. Deleted when the
 * erasure is done (it holds the person's id). The collection keeps its first name: claims of
 * older versions held only the pseudonym (`plan` absent), and are finished with a plan made then.
 */
export interface ErasureClaimDoc {
  _id: string; // the person's Entra object id
  pseudonym: string;
  claimedAt: Date;
  plan?: ErasurePlan;
}

/**
 * The access log and the erasure requests and claims (GDPR art. 15, 17). Each repository
 * erases and exports its own collections (see src/services/privacy.ts, which runs the steps).
 */
export class PrivacyRepo {
  private readonly access: Collection<ProfileAccessDoc>;
  private readonly erasures: Collection<ErasureRequestDoc>;
  private readonly claims: Collection<ErasureClaimDoc>;

  constructor(db: Db) {
    this.access = db.collection<ProfileAccessDoc>('profileAccessLog');
    this.erasures = db.collection<ErasureRequestDoc>('erasureRequests');
    this.claims = db.collection<ErasureClaimDoc>('erasurePseudonyms');
  }

  async ensureIndexes(): Promise<void> {
    await this.access.createIndex({ expertId: 1, at: -1 }, { name: 'expert_at' });
  }

  async logAccess(expertId: string, by: string, purpose: ProfileAccessDoc['purpose'], now: Date): Promise<void> {
    await this.access.insertOne({ _id: randomUUID(), expertId, by, purpose, at: now });
  }

  /** For `my data`: reads of the person's profile, reads the person made, their erasure request and claim. */
  async ofPerson(aad: string): Promise<{ profileAccessLog: ProfileAccessDoc[]; accessesMade: ProfileAccessDoc[]; erasureRequest: ErasureRequestDoc | null; erasureInProgress: boolean }> {
    const [profileAccessLog, accessesMade, erasureRequest, claim] = await Promise.all([
      this.access.find({ expertId: aad }).toArray(),
      this.access.find({ by: aad }).toArray(),
      this.erasures.findOne({ _id: aad }),
      this.claims.findOne({ _id: aad }, { projection: { _id: 1 } }),
    ]);
    return { profileAccessLog, accessesMade, erasureRequest, erasureInProgress: claim !== null };
  }

  async requestErasure(aad: string, now: Date): Promise<void> {
    await upsertRetryingLostInsert(() => this.erasures.updateOne({ _id: aad }, { $setOnInsert: { requestedAt: now, status: 'requested' } }, { upsert: true }));
  }

  request(aad: string): Promise<ErasureRequestDoc | null> {
    return this.erasures.findOne({ _id: aad });
  }

  /** The claim of an erasure under way, if one was made (a crash, or a confirmation running now). */
  claimOf(aad: string): Promise<ErasureClaimDoc | null> {
    return this.claims.findOne({ _id: aad });
  }

  /**
   * Claims the erasure of `aad` with `plan` under a new pseudonym, or returns the claim made
   * first (a confirmation running alongside, or one a crash cut short), with `plan` added if
   * that older claim had none. `mine`: this call made the claim. Null: the claim was deleted
   * between the insert and the read (an erasure running alongside has just finished).
   */
  async claimErasure(aad: string, plan: ErasurePlan, now: Date): Promise<{ claim: ErasureClaimDoc & { plan: ErasurePlan }; mine: boolean } | null> {
    const candidate = { _id: aad, pseudonym: `erased-${randomUUID()}`, claimedAt: now, plan };
    try {
      await this.claims.insertOne(candidate);
      return { claim: candidate, mine: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await this.claims.findOne({ _id: aad });
    if (!existing) return null;
    if (existing.plan) return { claim: { ...existing, plan: existing.plan }, mine: false };
    await this.claims.updateOne({ _id: aad, plan: { $exists: false } }, { $set: { plan } });
    return { claim: { ...existing, plan }, mine: false };
  }

  /** Withdraws a claim this call made, when it turned out there was nothing to erase. */
  async dropClaim(aad: string, pseudonym: string): Promise<void> {
    await this.claims.deleteOne({ _id: aad, pseudonym });
  }

  /** Erasure: the reads of the person's profile, and the reads they made (as a coordinator), are forgotten. */
  async eraseAccessOf(aad: string): Promise<void> {
    await this.access.deleteMany({ $or: [{ expertId: aad }, { by: aad }] });
  }

  /**
   * The last step of an erasure: the request is kept, as proof, under the pseudonym; the
   * person's own request and the claim go. Until the request is gone a repeated confirmation
   * finds it and finishes the job; the request carries the pseudonym from the first write here,
   * so a crash after the claim is deleted still ends under the same pseudonym, and no claim is
   * ever left behind without its request.
   */
  async finishErasure(aad: string, pseudonym: string, requestedAt: Date, confirmedBy: string, now: Date): Promise<void> {
    await this.erasures.updateOne({ _id: aad }, { $set: { pseudonym } });
    try {
      await this.erasures.insertOne({ _id: pseudonym, requestedAt, status: 'erased', erasedAt: now, confirmedBy });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    await this.claims.deleteOne({ _id: aad });
    await this.erasures.deleteOne({ _id: aad });
  }
}
