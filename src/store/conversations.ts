import { Collection, Db } from 'mongodb';
import { upsertRetryingLostInsert } from './duplicates';

export type ConversationScope = 'personal' | 'groupChat' | 'channel';

/** The parts of a Bot Framework ConversationReference needed to message a conversation later. */
export interface StoredReference {
  activityId?: string;
  bot: { id: string; name?: string };
  channelId: string;
  conversation: { id: string; conversationType?: string; tenantId?: string; isGroup?: boolean };
  serviceUrl: string;
  locale?: string;
  user?: { id: string; aadObjectId?: string };
}

export interface ConversationDoc {
  _id: string; // conversation id
  scope: ConversationScope;
  tenantId?: string;
  teamId?: string;
  /** Entra object id of the user, for personal chats: how we find a user's 1:1 chat. */
  userAadObjectId?: string;
  reference: StoredReference;
  locale?: string;
  /** False after the bot was removed, or when a send failed permanently (e.g. 403). */
  reachable: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type ConversationUpsert = Omit<ConversationDoc, 'createdAt' | 'updatedAt' | 'reachable'>;

/** Conversation references of every user, group chat and channel the bot is in. */
export class ConversationRepo {
  private readonly col: Collection<ConversationDoc>;

  constructor(db: Db) {
    this.col = db.collection<ConversationDoc>('conversations');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ userAadObjectId: 1, scope: 1 }, { name: 'user_scope' });
    await this.col.createIndex({ teamId: 1 }, { name: 'team' });
  }

  /**
   * What this process wrote last per conversation, so a burst of activities from one chat (a
   * message, card clicks, typing) costs one write, not one each: on databases where every write
   * is serialized that write was the largest cost of a card click. Bounded; an entry is trusted
   * for REFRESH_MS only, so `updatedAt` stays fresh and a conversation another instance marked
   * unreachable is marked reachable again within that time when its user writes.
   */
  private readonly written = new Map<string, { signature: string; at: number }>();
  static readonly REFRESH_MS = 60_000;
  static readonly REMEMBERED = 5_000;

  /** Forgets what was written (after an erasure changed stored conversations behind this repo). */
  forgetWritten(): void {
    this.written.clear();
  }

  /** Inserts or refreshes a reference; one atomic upsert, safe under concurrent messages. */
  async upsert(doc: ConversationUpsert, now: Date): Promise<void> {
    const { _id, ...fields } = doc;
    const set: Partial<ConversationDoc> = { ...fields, reachable: true, updatedAt: now };
    for (const k of Object.keys(set) as (keyof ConversationDoc)[]) if (set[k] === undefined) delete set[k];
    const signature = JSON.stringify(fields);
    const last = this.written.get(_id);
    if (last && last.signature === signature && now.getTime() - last.at >= 0 && now.getTime() - last.at < ConversationRepo.REFRESH_MS) return;
    await upsertRetryingLostInsert(() => this.col.updateOne({ _id }, { $set: set, $setOnInsert: { createdAt: now } }, { upsert: true }));
    this.written.delete(_id);
    this.written.set(_id, { signature, at: now.getTime() });
    if (this.written.size > ConversationRepo.REMEMBERED) this.written.delete(this.written.keys().next().value as string);
  }

  get(id: string): Promise<ConversationDoc | null> {
    return this.col.findOne({ _id: id });
  }

  /** The user's 1:1 chat with the bot, if the bot has ever been installed for them. */
  personalOf(aadObjectId: string): Promise<ConversationDoc | null> {
    return this.col.findOne({ userAadObjectId: aadObjectId.toLowerCase(), scope: 'personal' }, { sort: { updatedAt: -1 } });
  }

  /**
   * personalOf for many users in one query (the latest personal chat of each): a fan-out of
   * N offers must not be N queries, each a full scan on databases without filter pushdown.
   */
  async personalOfMany(aadObjectIds: string[]): Promise<Map<string, ConversationDoc>> {
    const ids = [...new Set(aadObjectIds.map((id) => id.toLowerCase()))];
    const latest = new Map<string, ConversationDoc>();
    if (ids.length === 0) return latest;
    for (const doc of await this.col.find({ userAadObjectId: { $in: ids }, scope: 'personal' }).toArray()) {
      const key = doc.userAadObjectId!;
      const seen = latest.get(key);
      if (!seen || doc.updatedAt > seen.updatedAt) latest.set(key, doc);
    }
    return latest;
  }

  async markUnreachable(id: string, now: Date): Promise<void> {
    this.written.delete(id);
    await this.col.updateOne({ _id: id }, { $set: { reachable: false, updatedAt: now } });
  }

  /** The people whose 1:1 chat could not be reached (Teams answered that the bot is gone). */
  async unreachableUsers(): Promise<string[]> {
    const convs = await this.col.find({ scope: 'personal', reachable: false }).project<{ userAadObjectId?: string }>({ userAadObjectId: 1 }).toArray();
    return convs.map((c) => String(c.userAadObjectId)).filter(Boolean);
  }

  channelsOfTeam(teamId: string): Promise<ConversationDoc[]> {
    return this.col.find({ teamId, scope: 'channel' }).toArray();
  }

  /** Every conversation linked to the person (their 1:1 chats), without the stored reference. */
  ofUser(aadObjectId: string): Promise<Omit<ConversationDoc, 'reference'>[]> {
    return this.col.find({ userAadObjectId: aadObjectId.toLowerCase() }, { projection: { reference: 0 } }).toArray();
  }

  /**
   * Erasure: the person's 1:1 chats stay reachable for the last message (the farewell), no
   * longer linked to them.
   */
  async unlinkUser(aadObjectId: string): Promise<void> {
    await this.col.updateMany({ userAadObjectId: aadObjectId.toLowerCase() }, { $unset: { userAadObjectId: '', 'reference.user': '', locale: '' } });
    this.forgetWritten();
  }
}
