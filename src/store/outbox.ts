import type { Activity } from 'botbuilder';
import { Collection, Db, Filter } from 'mongodb';
import { insertIgnoringDuplicates, isDuplicateKey } from './duplicates';
import { groupCommit } from './batching';
import { BodyDoc, DueDoc, dueOf, groupBy, itemOf, LeaseDoc, leaseIdOf, NewOutboxItem, OutboxItem, OutboxStatus, StateDoc } from './outboxDocs';

export type { NewOutboxItem, OutboxItem, OutboxOp, OutboxStatus } from './outboxDocs';

/**
 * Activities of finished items are kept this long after enqueueing (to look into a delivery
 * problem), then removed by the daily clean-up: cards can carry personal data.
 */
const BODY_RETENTION_MS = 24 * 60 * 60_000;

/**
 * The queue every proactive message goes through (the Company Communicator pattern): fan-outs
 * enqueue, senders claim items with a lease, and each item keeps its own delivery status so a
 * crashed run resumes where it stopped and a report can count sent and failed.
 *
 * Three collections, all keyed by the item's key: `outbox` (the permanent record: status,
 * attempts, the sent activity id), `outboxDue` (the unfinished items only, small documents: what
 * claimers scan) and `outboxBodies` (the activity, read by key). On FerretDB only a filter that is
 * exactly `{_id}` uses an index, so the scanned set is kept small and everything else is a lookup
 * by key; on MongoDB the same layout costs nothing extra.
 *
 * Claims rest on a unique insert, not on findOneAndUpdate alone: FerretDB 1.x on SQLite runs an
 * update as a read and a separate write (FerretDB/FerretDB#3040), so concurrent conditional
 * updates of one document can all succeed (measured: 30 concurrent claims of one item, 2–8
 * "won"; 30 concurrent $inc, 1–6 counted). Unique keys are enforced by SQLite itself, and the
 * same protocol is correct on MongoDB.
 */
export class OutboxRepo {
  readonly col: Collection<StateDoc>;
  readonly due: Collection<DueDoc>;
  readonly bodies: Collection<BodyDoc>;
  readonly leases: Collection<LeaseDoc>;

  constructor(db: Db) {
    this.col = db.collection<StateDoc>('outbox');
    this.due = db.collection<DueDoc>('outboxDue');
    this.bodies = db.collection<BodyDoc>('outboxBodies');
    this.leases = db.collection<LeaseDoc>('outboxLeases');
  }

  async ensureIndexes(): Promise<void> {
    // For MongoDB; FerretDB scans the (small) due collection either way.
    await this.due.createIndex({ at: 1 }, { name: 'at' });
    await this.col.createIndex({ status: 1, sentAt: 1 }, { name: 'status-sentAt' });
    await this.leases.createIndex({ at: 1 }, { name: 'at' });
  }

  /**
   * Inserts new items; keys already present are skipped (unordered bulks, so a duplicate does
   * not stop the rest). Re-running a crashed fan-out is therefore safe. Returns how many were new.
   *
   * Order matters for crashes: the body first (harmless if left over: removed later), then the
   * record (which decides whether the key is new), then the due entry. A record without a due
   * entry (a crash just before it) is found by `recoverUnqueued` and queued then.
   */
  async enqueue(items: NewOutboxItem[], now: Date): Promise<number> {
    const unique = [...new Map(items.map((i) => [i.key, i])).values()];
    if (unique.length === 0) return 0;
    await insertIgnoringDuplicates(this.bodies, unique.map((i) => ({ _id: i.key, activity: JSON.stringify(i.activity), createdAt: now })));
    const states: StateDoc[] = unique.map((i) => ({
      _id: i.key,
      key: i.key,
      conversationId: i.conversationId,
      op: i.op ?? 'send',
      ...(i.updateOf !== undefined ? { updateOf: i.updateOf } : {}),
      status: 'pending',
      attempts: 0,
      createdAt: now,
    }));
    const inserted = await insertIgnoringDuplicates(this.col, states);
    const fresh = unique.filter((_, n) => inserted.has(n));
    await insertIgnoringDuplicates(this.due, fresh.map((i) => dueOf(i.key, i.conversationId, i.op ?? 'send', i.updateOf, i.notBefore ?? now, now)));
    return fresh.length;
  }

  /** One due item, as `claimDue` of old: for callers that take one at a time. */
  async claimDue(owner: string, now: Date, leaseMs: number, skipConversations: string[] = []): Promise<OutboxItem | null> {
    return (await this.claimBatch(owner, now, leaseMs, 1, skipConversations))[0] ?? null;
  }

  /**
   * Claims up to `max` due items (due, or claimed by a sender whose lease ran out), oldest
   * first and at most one per conversation, so that one sender keeps a conversation in order.
   * `skipConversations`: conversations this sender is busy with or knows are rate-limited.
   *
   * Winning an item means inserting lease `<key>:<leaseSeq+1>`. A sender that read the item
   * before someone else's claim holds a lower leaseSeq and collides with that claim's lease, so
   * each claim has exactly one owner however many senders read the item at once.
   */
  async claimBatch(owner: string, now: Date, leaseMs: number, max: number, skipConversations: string[] = []): Promise<OutboxItem[]> {
    if (max <= 0) return [];
    const filter: Filter<DueDoc> = { at: { $lte: now } };
    if (skipConversations.length > 0) filter.conversationId = { $nin: skipConversations };
    const candidates = await this.due.find(filter, { sort: { at: 1, _id: 1 }, limit: max * 4 }).toArray();
    const perConversation = new Map<string, DueDoc>();
    for (const c of candidates) if (!perConversation.has(c.conversationId) && perConversation.size < max) perConversation.set(c.conversationId, c);
    const chosen = [...perConversation.values()];
    if (chosen.length === 0) return [];
    // All leases in one unordered insert; an item whose next lease exists already (another
    // sender's claim, or one that lapsed) goes the careful way, one lease at a time.
    const first = await insertIgnoringDuplicates(this.leases, chosen.map((c) => ({ _id: leaseIdOf(c._id, c.leaseSeq + 1), at: now })));
    const won: { due: DueDoc; leaseSeq: number }[] = chosen.filter((_, n) => first.has(n)).map((due) => ({ due, leaseSeq: due.leaseSeq + 1 }));
    for (const due of chosen.filter((_, n) => !first.has(n))) {
      const leaseSeq = await this.takeLease(due, now, leaseMs);
      if (leaseSeq !== null) won.push({ due, leaseSeq });
    }
    if (won.length === 0) return [];
    const lockedUntil = new Date(now.getTime() + leaseMs);
    try {
      // The queue entries say who holds them: one update per lease number (in a fan-out, one).
      for (const [leaseSeq, group] of groupBy(won, (w) => w.leaseSeq)) {
        await this.due.updateMany({ _id: { $in: group.map((w) => w.due._id) } }, { $set: { at: lockedUntil, leaseSeq, lockedBy: owner, lockedUntil } });
      }
    } catch (error) {
      // Give the leases back so the items are not held up until the leases count as abandoned.
      for (const w of won) await this.leases.deleteOne({ _id: leaseIdOf(w.due._id, w.leaseSeq) }).catch(() => undefined);
      throw error;
    }
    const claimed = await Promise.all(won.map((w) => this.openClaimed({ ...w.due, at: lockedUntil, leaseSeq: w.leaseSeq, lockedBy: owner, lockedUntil }, w.due.lockedBy !== undefined || w.due.recovered === true)));
    return claimed.filter((c): c is OutboxItem => c !== null);
  }

  /**
   * The claimed item with its activity. `claimedBefore`: the entry had been claimed already, so
   * its record may be finished (the sender died between recording the outcome and removing the
   * entry), or it was queued again by `recoverUnqueued` (which may have read the record just
   * before a sender finished it); the record is read to be sure. An entry made by `enqueue` and
   * never claimed belongs to a pending record (only the holder of a claim finishes a record),
   * which saves a read per message in a fan-out.
   */
  private async openClaimed(due: DueDoc, claimedBefore: boolean): Promise<OutboxItem | null> {
    const [state, body] = await Promise.all([claimedBefore ? this.col.findOne({ _id: due._id }) : null, this.bodies.findOne({ _id: due._id })]);
    if (state && state.status !== 'pending') {
      // Finished, but the process died before it could remove the queue entry: finish that now.
      await this.due.deleteOne({ _id: due._id });
      return null;
    }
    if (body) return itemOf(due, body);
    // No body: nothing can ever be sent for this key. Recorded as failed rather than retried forever.
    await this.settle(due._id, { status: 'failed', lastError: 'no activity stored', attempts: due.attempts + 1 });
    return null;
  }

  /**
   * Records delivery; false when the lease was lost to another sender meanwhile.
   *
   * Deliveries finishing while an earlier record is being written are recorded together
   * (group commit): one read of their queue entries, one bulk update of their records, one
   * delete of the entries, instead of three commands each. Nothing waits when the database is
   * idle; under a fan-out this halves the writes per message. Same order as `settle`: records
   * first, then entries.
   */
  markSent(key: string, owner: string, activityId: string, now: Date): Promise<boolean> {
    return this.recordSentTogether({ key, owner, activityId, now });
  }

  private readonly recordSentTogether = groupCommit((batch: { key: string; owner: string; activityId: string; now: Date }[]) => this.recordSent(batch));

  private async recordSent(batch: { key: string; owner: string; activityId: string; now: Date }[]): Promise<boolean[]> {
    const entries = new Map((await this.due.find({ _id: { $in: batch.map((b) => b.key) } }).toArray()).map((d) => [d._id, d]));
    const owned = batch.map((b) => {
      const due = entries.get(b.key);
      return due?.lockedBy === b.owner ? due : null;
    });
    const done = batch.flatMap((b, n) => {
      const due = owned[n];
      return due ? [{ b, due }] : [];
    });
    if (done.length > 0) {
      await this.col.bulkWrite(
        done.map(({ b, due }) => ({
          updateOne: { filter: { _id: b.key }, update: { $set: { status: 'sent' as const, sentActivityId: b.activityId, sentAt: b.now, attempts: due.attempts + 1, leaseSeq: due.leaseSeq } } },
        })),
        { ordered: false },
      );
      await this.due.deleteMany({ _id: { $in: done.map(({ b }) => b.key) } });
    }
    return owned.map((due) => due !== null);
  }

  /** Back to pending until `at`, counting the attempt. */
  async reschedule(key: string, owner: string, at: Date, error: string): Promise<boolean> {
    const due = await this.ownDue(key, owner);
    if (!due) return false;
    await this.col.updateOne({ _id: key }, { $set: { attempts: due.attempts + 1, lastError: error } });
    await this.due.updateOne({ _id: key }, { $set: { at, attempts: due.attempts + 1, lastError: error }, $unset: { lockedBy: '', lockedUntil: '' } });
    return true;
  }

  /** Back to pending until `at` without counting an attempt: the sender chose not to try yet. */
  async release(key: string, owner: string, at: Date): Promise<boolean> {
    if (!(await this.ownDue(key, owner))) return false;
    await this.due.updateOne({ _id: key }, { $set: { at }, $unset: { lockedBy: '', lockedUntil: '' } });
    return true;
  }

  /** Gives up on an item; it stays in the outbox as 'failed' for the report. False if the lease was lost. */
  async markFailed(key: string, owner: string, error: string): Promise<boolean> {
    const due = await this.ownDue(key, owner);
    if (!due) return false;
    await this.settle(key, { status: 'failed', lastError: error, attempts: due.attempts + 1, leaseSeq: due.leaseSeq });
    return true;
  }

  async sentActivityIdOf(key: string): Promise<string | null> {
    const doc = await this.col.findOne({ _id: key });
    return doc?.status === 'sent' ? (doc.sentActivityId ?? null) : null;
  }

  /** Whether a key was ever enqueued (one lookup of its record). */
  async has(key: string): Promise<boolean> {
    return (await this.col.findOne({ _id: key }, { projection: { _id: 1 } })) !== null;
  }

  /** An item as it stands: its record, its queue entry while unfinished, its activity while stored. */
  async get(key: string): Promise<OutboxItem | null> {
    const [state, due, body] = await Promise.all([this.col.findOne({ _id: key }), this.due.findOne({ _id: key }), this.bodies.findOne({ _id: key })]);
    if (!state) return null;
    const sending = !!due?.lockedUntil;
    return {
      ...state,
      status: state.status === 'pending' && sending ? 'sending' : state.status,
      activity: body ? (JSON.parse(body.activity) as Partial<Activity>) : {},
      attempts: due?.attempts ?? state.attempts,
      nextAttemptAt: due?.at ?? state.sentAt ?? state.createdAt,
      leaseSeq: due?.leaseSeq ?? state.leaseSeq ?? 0,
      ...(due?.lockedBy ? { lockedBy: due.lockedBy, lockedUntil: due.lockedUntil } : {}),
    };
  }

  /** Unfinished items split into pending and being sent (by a live or a lapsed claim), and finished ones by outcome. */
  async counts(): Promise<Record<OutboxStatus, number>> {
    const out: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    for (const d of await this.due.find({}, { projection: { lockedBy: 1 } }).toArray()) out[d.lockedBy ? 'sending' : 'pending'] += 1;
    out.sent = await this.col.countDocuments({ status: 'sent' });
    out.failed = await this.col.countDocuments({ status: 'failed' });
    return out;
  }

  /** Whether nothing is waiting or being sent: one small scan. */
  async idle(): Promise<boolean> {
    return (await this.due.findOne({})) === null;
  }

  /**
   * Records whose due entry is missing (the enqueuer died between the two inserts) are queued
   * again. Cheap enough to run now and then: one scan of the records still pending.
   */
  async recoverUnqueued(now: Date): Promise<number> {
    const pending = await this.col.find({ status: 'pending' }).toArray();
    if (pending.length === 0) return 0;
    const queued = new Set((await this.due.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const missing = pending.filter((s) => !queued.has(s._id)).map((s) => s._id);
    if (missing.length === 0) return 0;
    // Read again: an item finished between the two reads above (record 'sent', then its entry
    // removed) is not lost. Records never go back to pending, so one still pending now had no
    // entry when the queue was read: its enqueuer died, or is about to insert it (then that
    // insert is the duplicate, and is ignored).
    const lost = await this.col.find({ _id: { $in: missing }, status: 'pending' }).toArray();
    const inserted = await insertIgnoringDuplicates(this.due, lost.map((s) => ({ ...dueOf(s._id, s.conversationId, s.op, s.updateOf, now, s.createdAt, s.attempts), recovered: true })));
    return inserted.size;
  }

  /**
   * Forgets delivered messages sent before `before` (failed ones are kept for follow-up), and the
   * activities of items that finished, or were never queued, more than a day ago.
   */
  async removeSentBefore(before: Date, now = new Date()): Promise<number> {
    const removed = (await this.col.deleteMany({ status: 'sent', sentAt: { $lt: before } })).deletedCount;
    const queued = new Set((await this.due.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const old = (await this.bodies.find({ createdAt: { $lt: new Date(now.getTime() - BODY_RETENTION_MS) } }, { projection: { _id: 1 } }).toArray())
      .map((b) => b._id)
      .filter((id) => !queued.has(id));
    for (let i = 0; i < old.length; i += 500) await this.bodies.deleteMany({ _id: { $in: old.slice(i, i + 500) } });
    return removed;
  }

  /**
   * Forgets leases of claims made before `before`. Safe once no sender can still be acting on
   * a read that old; a day is far beyond any lease.
   */
  async pruneLeases(before: Date): Promise<number> {
    return (await this.leases.deleteMany({ at: { $lt: before } })).deletedCount;
  }

  /** The item's due entry if `owner` still holds its claim. */
  private async ownDue(key: string, owner: string): Promise<DueDoc | null> {
    const due = await this.due.findOne({ _id: key });
    return due?.lockedBy === owner ? due : null;
  }

  /**
   * Finishes an item: the record says how, then the queue entry goes. The record first: a queue
   * entry outliving its finished record is recognised at the next claim. The activity stays until
   * the daily clean-up (one write less per message; see `removeSentBefore`).
   */
  private async settle(key: string, set: Partial<StateDoc>): Promise<void> {
    await this.col.updateOne({ _id: key }, { $set: set });
    await this.due.deleteOne({ _id: key });
  }

  /**
   * Inserts the next lease of an item; null if another sender holds it. A lease whose claim
   * never reached the item (its sender died between the two writes) is older than a lease by
   * now and is stepped over, so such an item is delayed, never stuck.
   */
  private async takeLease(item: DueDoc, now: Date, leaseMs: number): Promise<number | null> {
    for (let seq = item.leaseSeq + 1; seq <= item.leaseSeq + 10; seq++) {
      const _id = leaseIdOf(item._id, seq);
      try {
        await this.leases.insertOne({ _id, at: now });
        return seq;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const held = await this.leases.findOne({ _id });
      if (held && held.at.getTime() > now.getTime() - leaseMs) return null;
    }
    return null;
  }
}
