import { Collection, Db } from 'mongodb';
import { insertIgnoringDuplicates, upsertRetryingLostInsert } from './duplicates';
import { SHORT_REPLIES } from './batching';

export type ConversationScope = 'personal' | 'groupChat' | 'channel';

/**
 * How Teams names a thread of a channel: the channel's id, then `;messageid=` and the id of the
 * thread's first message. Messages posted in a channel arrive in such a conversation; a new
 * post the bot creates in a channel starts one (its id is the post's activity id).
 */
const THREAD_MARK = ';messageid=';

/** `19:x@thread.tacv2;messageid=123` → `19:x@thread.tacv2`; any other id unchanged. */
export function channelOfThread(conversationId: string): string {
  const at = conversationId.indexOf(THREAD_MARK);
  return at < 0 ? conversationId : conversationId.slice(0, at);
}

export function isThreadId(conversationId: string): boolean {
  return conversationId.includes(THREAD_MARK);
}

/** The id of the post that started a thread (`…;messageid=<post id>`), or undefined for any other id. */
export function postOfThread(conversationId: string): string | undefined {
  const at = conversationId.indexOf(THREAD_MARK);
  return at < 0 ? undefined : conversationId.slice(at + THREAD_MARK.length) || undefined;
}

/** The thread that a post with this activity id starts in the channel. */
export function threadOf(channelId: string, rootActivityId: string): string {
  return `${channelOfThread(channelId)}${THREAD_MARK}${rootActivityId}`;
}

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

/**
 * A user's latest 1:1 chat, by their Entra object id (`_id`, lower case): a lookup by key. On
 * MongoDB the `user_scope` index serves `personalOf` as well; FerretDB reads every chat for any
 * filter but exactly `{_id}` (200 ms among 1,000 chats), and a wave's first offers wait for it.
 */
interface PersonalChatDoc {
  _id: string;
  conversationId: string;
  updatedAt: Date;
}

/** Conversation references of every user, group chat and channel the bot is in. */
export class ConversationRepo {
  private readonly col: Collection<ConversationDoc>;
  private readonly personalChats: Collection<PersonalChatDoc>;

  constructor(db: Db) {
    this.col = db.collection<ConversationDoc>('conversations');
    this.personalChats = db.collection<PersonalChatDoc>('personalChats');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ userAadObjectId: 1, scope: 1 }, { name: 'user_scope' });
    await this.col.createIndex({ teamId: 1 }, { name: 'team' });
    await this.indexPersonalChats();
  }

  /**
   * Fills in `personalChats` for the 1:1 chats stored before it existed (or by another writer):
   * inserts only, so a newer chat recorded meanwhile by `upsert` is never replaced by this read.
   */
  async indexPersonalChats(): Promise<number> {
    const known = new Set((await this.personalChats.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const chats = await this.col.find({ scope: 'personal' }, { projection: { _id: 1, userAadObjectId: 1, updatedAt: 1 } }).toArray();
    const latest = latestPerUser((chats as ConversationDoc[]).map((c) => ({ ...c, userAadObjectId: c.userAadObjectId?.toLowerCase() })));
    const missing = [...latest.entries()].filter(([aad]) => !known.has(aad));
    if (missing.length === 0) return 0;
    return (await insertIgnoringDuplicates(this.personalChats, missing.map(([aad, c]) => ({ _id: aad, conversationId: c._id, updatedAt: c.updatedAt })))).size;
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
    const written = await upsertRetryingLostInsert(() => this.col.updateOne({ _id }, { $set: set, $setOnInsert: { createdAt: now } }, { upsert: true }));
    // A new 1:1 chat becomes its user's key lookup. A refresh of a known chat writes nothing
    // more (a card click's reference refresh stays one write); chats without a link (stored
    // before it existed, or linked again after an erasure) are found by the read of every chat
    // and linked at the next start (indexPersonalChats).
    if (written.upsertedCount > 0 && doc.scope === 'personal' && doc.userAadObjectId) {
      const aad = doc.userAadObjectId.toLowerCase();
      await upsertRetryingLostInsert(() => this.personalChats.updateOne({ _id: aad }, { $set: { conversationId: _id, updatedAt: now } }, { upsert: true }));
    }
    this.written.delete(_id);
    this.written.set(_id, { signature, at: now.getTime() });
    if (this.written.size > ConversationRepo.REMEMBERED) this.written.delete(this.written.keys().next().value as string);
  }

  /**
   * The conversation with this id. A channel's thread (`<channel>;messageid=<n>`) is reached
   * through its channel's reference, addressed to the thread: threads are not stored one by
   * one. A channel stored by an older version only under a thread id is still found.
   */
  async get(id: string): Promise<ConversationDoc | null> {
    const doc = await this.col.findOne({ _id: id });
    if (doc) return doc;
    if (isThreadId(id)) {
      const channel = await this.col.findOne({ _id: channelOfThread(id) });
      return channel && channel.scope === 'channel' ? addressedTo(channel, id) : null;
    }
    // Earlier versions stored a channel under the thread a message came from. An _id range,
    // not a regular expression: served by the _id index on every MongoDB-compatible database.
    const legacy = await this.col.findOne({ _id: { $gt: `${id}${THREAD_MARK}`, $lt: `${id}${THREAD_MARK}\uffff` }, scope: 'channel' }, { sort: { updatedAt: -1 } });
    return legacy ? addressedTo(legacy, id) : null;
  }

  /**
   * The user's 1:1 chat with the bot, if the bot has ever been installed for them: looked up by
   * key (personalOfFew), as every single user's chat is (a reminder, a feedback card, a filled
   * offer), not by reading every chat.
   */
  async personalOf(aadObjectId: string): Promise<ConversationDoc | null> {
    return (await this.personalOfFew([aadObjectId])).get(aadObjectId.toLowerCase()) ?? null;
  }

  /**
   * personalOf for many users in one query (the latest personal chat of each): a fan-out of
   * N offers must not be N queries, each a full scan on databases without filter pushdown.
   */
  async personalOfMany(aadObjectIds: string[]): Promise<Map<string, ConversationDoc>> {
    const ids = [...new Set(aadObjectIds.map((id) => id.toLowerCase()))];
    if (ids.length === 0) return new Map();
    return latestPerUser(await this.col.find({ userAadObjectId: { $in: ids }, scope: 'personal' }).toArray());
  }

  /**
   * personalOfMany for a few users (one user, a wave's first two slices): each chat looked up by key,
   * two reads per user; users not in `personalChats` are looked up as in personalOfMany.
   */
  async personalOfFew(aadObjectIds: string[]): Promise<Map<string, ConversationDoc>> {
    const ids = [...new Set(aadObjectIds.map((id) => id.toLowerCase()))];
    const found = new Map<string, ConversationDoc>();
    const missing: string[] = [];
    await Promise.all(ids.map(async (aad) => {
      const link = await this.personalChats.findOne({ _id: aad });
      const chat = link ? await this.col.findOne({ _id: link.conversationId }) : null;
      if (chat && chat.scope === 'personal' && chat.userAadObjectId?.toLowerCase() === aad) found.set(aad, chat);
      else missing.push(aad);
    }));
    if (missing.length > 0) for (const [aad, chat] of await this.personalOfMany(missing)) found.set(aad, chat);
    return found;
  }

  /**
   * The latest personal chat of every user, by their AAD object id: for a wave too large for one
   * lookup (a thousand offers written in several slices), read once instead of once per slice,
   * each of which a database without an index for `$in` (FerretDB) answers by reading every chat.
   */
  async personalOfEveryone(): Promise<Map<string, ConversationDoc>> {
    return latestPerUser(await this.col.find({ scope: 'personal' }, SHORT_REPLIES).toArray());
  }

  /**
   * The language of a user's 1:1 chats, when they choose one: what every later message
   * (offers, reminders, feedback cards) to them is written in.
   */
  async setPersonalLocale(aadObjectId: string, locale: string, now: Date): Promise<void> {
    const ids = (await this.col.find({ userAadObjectId: aadObjectId.toLowerCase(), scope: 'personal' }).project({ _id: 1 }).toArray()).map((d) => String(d._id));
    for (const id of ids) this.written.delete(id);
    if (ids.length) await this.col.updateMany({ _id: { $in: ids } }, { $set: { locale, updatedAt: now } });
  }

  async markUnreachable(id: string, now: Date): Promise<void> {
    const target = channelOfThread(id);
    this.written.delete(target);
    await this.col.updateOne({ _id: target }, { $set: { reachable: false, updatedAt: now } });
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
    await this.personalChats.deleteOne({ _id: aadObjectId.toLowerCase() });
    this.forgetWritten();
  }
}

/** A stored channel as the conversation `id` (the channel itself, or one of its threads). */
function addressedTo(channel: ConversationDoc, id: string): ConversationDoc {
  return { ...channel, _id: id, reference: { ...channel.reference, conversation: { ...channel.reference.conversation, id } } };
}

function latestPerUser(docs: ConversationDoc[]): Map<string, ConversationDoc> {
  const latest = new Map<string, ConversationDoc>();
  for (const doc of docs) {
    const key = doc.userAadObjectId;
    if (!key) continue;
    const seen = latest.get(key);
    if (!seen || doc.updatedAt > seen.updatedAt) latest.set(key, doc);
  }
  return latest;
}
