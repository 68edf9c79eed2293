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
  /** Erasures begun before pseudonyms were claimed in their own collection kept it here. */
  pseudonym?: string;
}

/**
 * The pseudonym of an erasure under way, one per person: the unique `_id` decides it when two
 * confirmations run at once (a double click), so a person's records are never split between
 * two pseudonyms. Deleted when the erasure is done (it holds the person's id).
 */
interface ErasurePseudonymDoc {
  _id: string; // the person's Entra object id
  pseudonym: string;
  claimedAt: Date;
}

/** Access log and erasure (GDPR art. 15, 17): the only code that deletes personal data. */
export class PrivacyRepo {
  readonly access: Collection<ProfileAccessDoc>;
  readonly erasures: Collection<ErasureRequestDoc>;
  private readonly pseudonyms: Collection<ErasurePseudonymDoc>;

  /** `onErased`: told after an erasure changed conversations, so no cached write hides that. */
  constructor(private readonly db: Db, private readonly onErased: () => void = () => undefined) {
    this.access = db.collection<ProfileAccessDoc>('profileAccessLog');
    this.erasures = db.collection<ErasureRequestDoc>('erasureRequests');
    this.pseudonyms = db.collection<ErasurePseudonymDoc>('erasurePseudonyms');
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
    await upsertRetryingLostInsert(() => this.erasures.updateOne({ _id: aad }, { $setOnInsert: { requestedAt: now, status: 'requested' } }, { upsert: true }));
  }

  /**
   * Erases a person after a coordinator confirmed. Afterwards no document holds their Entra
   * object id or their name, except fee records kept for accounting, and those only under a
   * random pseudonym (`erased-<uuid>`), which links nothing back to the person:
   *  - profile, offers, feedback requests, the access log of their profile: deleted (and
   *    their id taken out of the wave claims that name them);
   *  - assignments and withdrawals (fees) and feedback answers (numbers for the follow-up):
   *    kept under the pseudonym; answers are keyed `<orderId>:<expertId>`, so they are
   *    re-inserted under `<orderId>:<pseudonym>` (a key cannot be changed in place) and the
   *    free text goes;
   *  - free texts of others' feedback that name them get the pseudonym instead of the name;
   *  - orders they placed keep no name; their 1:1 conversation stays reachable for the last
   *    message, no longer linked to them;
   *  - the outbox: records, queue entries, bodies and leases whose key names them are deleted
   *    (nothing more is sent about them); bodies of other messages that mention them are
   *    deleted once delivered, or, while still waiting, have the id and name replaced by the
   *    pseudonym; payroll files waiting for a coordinator get the pseudonym too;
   *  - the erasure request itself is kept, as proof, under the pseudonym.
   * Everything here is a plain delete, insert or update that can be repeated: a crash midway
   * is finished by confirming again, under the same pseudonym (claimed first). Two
   * confirmations at once share the pseudonym and do the same work.
   * Returns null when there is no request to act on: none was made, or a confirmation running
   * at the same time has just finished it.
   */
  async erase(aad: string, confirmedBy: string, now: Date): Promise<{ pseudonym: string } | null> {
    const db = this.db;
    const claimed = await this.claimPseudonym(aad, now);
    // Read after the claim: a confirmation that finished meanwhile deleted the request first.
    const request = await this.erasures.findOne({ _id: aad });
    if (!request || !claimed) {
      if (claimed) await this.pseudonyms.deleteOne({ _id: aad, pseudonym: claimed });
      return null;
    }
    const pseudonym = request.pseudonym ?? claimed;
    const expert = await db.collection<{ _id: string; displayName?: string }>('experts').findOne({ _id: aad });
    const name = expert?.displayName?.trim() || undefined;

    await db.collection('experts').deleteOne({ _id: aad as never });
    await db.collection('offers').deleteMany({ expertId: aad });
    // A wave's claim names its experts (to finish a cut-short wave); the erased one is no longer among them.
    await db.collection('offerWaves').updateMany({ expertIds: aad }, { $pull: { expertIds: aad } } as never);
    await db.collection('assignments').updateMany({ expertId: aad }, { $set: { expertId: pseudonym } });
    await db.collection('withdrawals').updateMany({ expertId: aad }, { $set: { expertId: pseudonym } });
    await this.rekeyFeedback(aad, pseudonym);
    if (name) await this.scrubFreeTexts(name, pseudonym);
    await db.collection('feedbackRequests').deleteMany({ $or: [{ aadObjectId: aad }, { _id: { $regex: `:${escapeRegex(aad)}$` } as never }] });
    await db.collection('orders').updateMany(
      { 'orderer.aadObjectId': aad },
      { $set: { 'orderer.aadObjectId': pseudonym, 'orderer.name': '', contact: { name: '' } } },
    );
    // The 1:1 conversation stays reachable for the last message, no longer linked to the person.
    await db.collection('conversations').updateMany({ userAadObjectId: aad }, { $unset: { userAadObjectId: '', 'reference.user': '', locale: '' } });
    this.onErased();
    await this.access.deleteMany({ $or: [{ expertId: aad }, { by: aad }] });
    await db.collection('settings').updateMany({ updatedBy: aad }, { $unset: { updatedBy: '' } });
    await this.scrubOutbox(aad, name, pseudonym);
    await this.scrubFeeExports(aad, name, pseudonym);

    // The request last: until here a repeated confirmation finds it and finishes the job.
    try {
      await this.erasures.insertOne({ _id: pseudonym, requestedAt: request?.requestedAt ?? now, status: 'erased', erasedAt: now, confirmedBy });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    await this.erasures.deleteOne({ _id: aad });
    await this.pseudonyms.deleteOne({ _id: aad });
    return { pseudonym };
  }

  /** This erasure's pseudonym: a new one, or the one a confirmation running alongside claimed. */
  private async claimPseudonym(aad: string, now: Date): Promise<string | null> {
    const candidate = `erased-${randomUUID()}`;
    try {
      await this.pseudonyms.insertOne({ _id: aad, pseudonym: candidate, claimedAt: now });
      return candidate;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // null: the other confirmation finished between our insert and this read.
      return (await this.pseudonyms.findOne({ _id: aad }))?.pseudonym ?? null;
    }
  }

  /** Feedback answers of the person: the same answer under `<orderId>:<pseudonym>`, without free text. */
  private async rekeyFeedback(aad: string, pseudonym: string): Promise<void> {
    const answers = this.db.collection<{ _id: string; orderId: string; expertId?: string; text?: string }>('feedback');
    const mine = await answers.find({ $or: [{ expertId: aad }, { _id: { $regex: `:${escapeRegex(aad)}$` } }] }).toArray();
    for (const doc of mine) {
      const { text: _text, ...kept } = doc;
      try {
        await answers.insertOne({ ...kept, _id: `${doc.orderId}:${pseudonym}`, expertId: pseudonym });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      await answers.deleteOne({ _id: doc._id });
    }
  }

  /**
   * Free texts others wrote (an orderer's feedback "X explained it well") that name the
   * person: the name is replaced by the pseudonym. Only the full name as stored can be found.
   */
  private async scrubFreeTexts(name: string, pseudonym: string): Promise<void> {
    const pattern = new RegExp(escapeRegex(name), 'gi');
    for (const col of ['feedback', 'anonymousFeedback']) {
      const texts = this.db.collection<{ _id: string; text?: string }>(col);
      for (const doc of await texts.find({ text: { $regex: escapeRegex(name), $options: 'i' } }).toArray()) {
        if (typeof doc.text === 'string') await texts.updateOne({ _id: doc._id }, { $set: { text: doc.text.replace(pattern, pseudonym) } });
      }
    }
  }

  /**
   * Outbox documents that name the person. Keys are the item's key (`offer:<order>:<aad>`,
   * `erasure:<aad>`, …; leases `<key>:<n>`): any document of a key that holds the id goes, in
   * every outbox collection. A body of another item that mentions the id or the name (the
   * orderer's summary with the expert's contact, a brokering card's suggestions) is deleted
   * if its item is finished (bodies are kept only to look into delivery problems), or
   * rewritten with the pseudonym while it still waits to be sent.
   */
  private async scrubOutbox(aad: string, name: string | undefined, pseudonym: string): Promise<void> {
    const db = this.db;
    const idPattern = { $regex: escapeRegex(aad) } as never;
    for (const col of ['outbox', 'outboxOutcomes', 'outboxDue', 'outboxBodies', 'outboxLeases']) {
      await db.collection(col).deleteMany({ $or: [{ _id: idPattern }, { key: idPattern }, { updateOf: idPattern }] });
    }
    const needles = [aad, ...(name ? [name, JSON.stringify(name).slice(1, -1)] : [])];
    const bodies = db.collection<{ _id: string; activity: string }>('outboxBodies');
    const due = db.collection<{ _id: string }>('outboxDue');
    for await (const body of bodies.find({})) {
      if (typeof body.activity !== 'string' || !needles.some((n) => body.activity.includes(n))) continue;
      if (!(await due.findOne({ _id: body._id }))) {
        await bodies.deleteOne({ _id: body._id });
        continue;
      }
      let activity = body.activity;
      for (const n of needles) activity = activity.split(n).join(pseudonym);
      await bodies.updateOne({ _id: body._id }, { $set: { activity } });
    }
  }

  /** Payroll files waiting for a coordinator (kept a few days): the person's row under the pseudonym. */
  private async scrubFeeExports(aad: string, name: string | undefined, pseudonym: string): Promise<void> {
    const files = this.db.collection<{ _id: string; csv: string }>('feeExports');
    const needles = [aad, ...(name ? [name.replace(/"/g, '""'), name] : [])];
    for await (const file of files.find({})) {
      if (typeof file.csv !== 'string' || !needles.some((n) => file.csv.includes(n))) continue;
      let csv = file.csv;
      for (const n of needles) csv = csv.split(n).join(pseudonym);
      await files.updateOne({ _id: file._id }, { $set: { csv } });
    }
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
