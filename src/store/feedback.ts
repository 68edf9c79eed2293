import { randomUUID } from 'node:crypto';
import { Collection, Db } from 'mongodb';
import { insertIgnoringDuplicates, isDuplicateKey } from './duplicates';
import { escapeRegex } from './regex';

export type FeedbackRole = 'orderer' | 'expert';

/** One answer per card: `${orderId}:orderer` or `${orderId}:${expertId}`; the insert decides "once". */
export interface FeedbackDoc {
  _id: string;
  orderId: string;
  role: FeedbackRole;
  expertId?: string;
  answers: Record<string, string | number | boolean>;
  /** Free text; removed by the clean-up job after FEEDBACK_RETENTION_DAYS. */
  text?: string;
  debrief?: boolean;
  /**
   * Anonymous text on its way to `anonymousFeedback`, with the id it gets there: kept only
   * until it is moved (moveAnonymous), so that a crash in between neither loses nor doubles
   * it, and afterwards nothing links the text to the answer.
   */
  anonymous?: { id: string; text: string };
  createdAt: Date;
}

/** Sent feedback requests, so nudges know what is still missing. */
export interface FeedbackRequestDoc {
  _id: string; // same key as the answer it waits for
  orderId: string;
  role: FeedbackRole;
  aadObjectId: string;
  conversationId: string;
  sentAt: Date;
  nudges: number;
  /** When the last nudge went: the next one waits its own interval from here. */
  nudgedAt?: Date;
}

export class FeedbackRepo {
  private readonly answers: Collection<FeedbackDoc>;
  private readonly requests: Collection<FeedbackRequestDoc>;
  /** Anonymous expert feedback: only the text and the month, nothing that links to a person. */
  private readonly anonymous: Collection<{ _id: string; month: string; text: string }>;

  constructor(db: Db) {
    this.answers = db.collection<FeedbackDoc>('feedback');
    this.requests = db.collection<FeedbackRequestDoc>('feedbackRequests');
    this.anonymous = db.collection('anonymousFeedback');
  }

  async ensureIndexes(): Promise<void> {
    await this.requests.createIndex({ sentAt: 1 }, { name: 'sent' });
    await this.answers.createIndex({ createdAt: 1 }, { name: 'created' });
  }

  static keyOf(orderId: string, role: FeedbackRole, expertId?: string): string {
    return role === 'orderer' ? `${orderId}:orderer` : `${orderId}:${expertId}`;
  }

  /**
   * Stores the answer unless one exists; returns the stored one and whether it is new. An
   * anonymous text waits in it under a random id (one that says nothing of whose it is).
   */
  async answer(answer: Omit<FeedbackDoc, 'anonymous'>, anonymousText?: string): Promise<{ doc: FeedbackDoc; isNew: boolean }> {
    const doc: FeedbackDoc = anonymousText ? { ...answer, anonymous: { id: randomUUID(), text: anonymousText } } : answer;
    try {
      await this.answers.insertOne(doc);
      return { doc, isNew: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { doc: (await this.answers.findOne({ _id: doc._id }))!, isNew: false };
    }
  }

  get(key: string): Promise<FeedbackDoc | null> {
    return this.answers.findOne({ _id: key });
  }

  /** An insert, not an upsert: upserts are read-then-write on FerretDB; the unique _id keeps the first. */
  async recordRequest(doc: FeedbackRequestDoc): Promise<void> {
    try {
      await this.requests.insertOne(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** The request behind a card: who it was sent to is who may answer it. */
  request(key: string): Promise<FeedbackRequestDoc | null> {
    return this.requests.findOne({ _id: key });
  }

  /** Requests older than `before` with no answer yet and fewer than `maxNudges` nudges. */
  async unanswered(before: Date, maxNudges: number): Promise<FeedbackRequestDoc[]> {
    const requests = await this.requests.find({ sentAt: { $lt: before }, nudges: { $lt: maxNudges } }).toArray();
    if (requests.length === 0) return [];
    const answered = new Set((await this.answers.find({ _id: { $in: requests.map((r) => r._id) } }).project({ _id: 1 }).toArray()).map((d) => String(d._id)));
    return requests.filter((r) => !answered.has(r._id));
  }

  async markNudged(id: string, nudges: number, at: Date): Promise<void> {
    await this.requests.updateOne({ _id: id }, { $set: { nudges, nudgedAt: at } });
  }

  /** Moves an answer's anonymous text to the anonymous collection; can be repeated. */
  async moveAnonymous(answer: FeedbackDoc, month: string): Promise<void> {
    if (!answer.anonymous) return;
    await insertIgnoringDuplicates(this.anonymous, [{ _id: answer.anonymous.id, month, text: answer.anonymous.text }]);
    await this.answers.updateOne({ _id: answer._id }, { $unset: { anonymous: '' } });
  }

  /**
   * Retention: free texts of answers stored before `cutoff` are deleted (the numeric answers
   * stay), and anonymous texts of `cutoffMonth` (YYYY-MM) and earlier: they carry only their
   * month, so a month goes as soon as any of it is past the cutoff, never later.
   */
  async removeTextsBefore(cutoff: Date, cutoffMonth: string): Promise<{ feedbackTexts: number; anonymousTexts: number }> {
    const answers = await this.answers.updateMany({ createdAt: { $lt: cutoff }, text: { $exists: true } }, { $unset: { text: '' } });
    const anonymous = await this.anonymous.deleteMany({ month: { $lte: cutoffMonth } });
    return { feedbackTexts: answers.modifiedCount, anonymousTexts: anonymous.deletedCount };
  }

  /** Answers whose anonymous text a crash left unmoved, stored before `before`. */
  strandedAnonymous(before: Date): Promise<FeedbackDoc[]> {
    return this.answers.find({ anonymous: { $exists: true }, createdAt: { $lt: before } }).toArray();
  }

  async missingCount(): Promise<number> {
    const requests = await this.requests.find({}).project({ _id: 1 }).toArray();
    if (requests.length === 0) return 0;
    return requests.length - (await this.answers.countDocuments({ _id: { $in: requests.map((r) => String(r._id)) } }));
  }

  debriefsSince(since: Date): Promise<number> {
    return this.answers.countDocuments({ debrief: true, createdAt: { $gte: since } });
  }

  /**
   * What is stored about one person, by id: their answers as an expert (keyed
   * `<orderId>:<expertId>`), their answers as the orderer of `placedOrderIds` (keyed
   * `<orderId>:orderer`: an orderer's answer names no person, their orders do), and the
   * requests sent to them. Anonymous texts link to nobody by design and are not found.
   */
  async ofPerson(aad: string, placedOrderIds: string[]): Promise<{ answers: FeedbackDoc[]; requests: FeedbackRequestDoc[] }> {
    const [answers, requests] = await Promise.all([
      this.answers.find(this.answersOf(aad, placedOrderIds)).toArray(),
      this.requests.find({ $or: [{ aadObjectId: aad }, { _id: { $regex: `:${escapeRegex(aad)}$` } }] }).toArray(),
    ]);
    return { answers, requests };
  }

  private answersOf(aad: string, placedOrderIds: string[]) {
    return {
      $or: [
        { expertId: aad },
        { _id: { $regex: `:${escapeRegex(aad)}$` } },
        ...(placedOrderIds.length > 0 ? [{ _id: { $in: placedOrderIds.map((o) => FeedbackRepo.keyOf(o, 'orderer')) } }] : []),
      ],
    };
  }

  /**
   * Erasure of one person, by id only. Their answers as an expert stay for the follow-up
   * (numbers, the debrief flag) under `<orderId>:<pseudonym>` (a key cannot change in place, so
   * the answer is inserted anew and the old one deleted) without their free text; their answers
   * as the orderer of `placedOrderIds` lose their free text; requests sent to them go. Texts
   * others wrote are not touched: free text is its writer's data (see docs/privacy.md).
   * Repeatable: a crash midway is finished by running it again.
   */
  async eraseParticipant(aad: string, pseudonym: string, placedOrderIds: string[]): Promise<void> {
    const asExpert = await this.answers.find({ $or: [{ expertId: aad }, { _id: { $regex: `:${escapeRegex(aad)}$` } }] }).toArray();
    for (const doc of asExpert) {
      const { text: _text, ...kept } = doc;
      try {
        await this.answers.insertOne({ ...kept, _id: FeedbackRepo.keyOf(doc.orderId, 'expert', pseudonym), expertId: pseudonym });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      await this.answers.deleteOne({ _id: doc._id });
    }
    if (placedOrderIds.length > 0) {
      await this.answers.updateMany({ _id: { $in: placedOrderIds.map((o) => FeedbackRepo.keyOf(o, 'orderer')) }, text: { $exists: true } }, { $unset: { text: '' } });
    }
    await this.requests.deleteMany({ $or: [{ aadObjectId: aad }, { _id: { $regex: `:${escapeRegex(aad)}$` } }] });
  }
}
