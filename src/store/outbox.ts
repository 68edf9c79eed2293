import type { Activity } from 'botbuilder';
import { Collection, Db, Filter } from 'mongodb';
import { insertIgnoringDuplicates, isDuplicateKey } from './duplicates';
import { groupCommit } from './batching';
import { escapeRegex } from './regex';
import { BodyDoc, DueDoc, dueOf, itemOf, LeaseDoc, leaseIdOf, NewOutboxItem, OutboxItem, OutboxStatus, OutcomeDoc, StateDoc } from './outboxDocs';

export type { NewOutboxItem, OutboxItem, OutboxOp, OutboxStatus } from './outboxDocs';

/**
 * Activities of finished items are kept this long after enqueueing (to look into a delivery
 * problem), then removed from their records by the daily clean-up: cards can carry personal data.
 */
const BODY_RETENTION_MS = 24 * 60 * 60_000;

/** Entries read beyond a claim's candidates at the head of the queue: room for those held by senders in flight. */
const HEAD_SLACK = 64;

/** How long a search of the whole queue that found nothing is not repeated (see dueCandidates). */
const SEARCH_PAUSE_MS = 500;

/** Oldest due first; the key breaks ties, as the sorted query does. */
function byDue(a: DueDoc, b: DueDoc): number {
  return a.at.getTime() - b.at.getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
}

/** A claim with at least this much of its lease left cannot have been taken over (see ownClaim). */
export const TAKEOVER_MARGIN_MS = 30_000;

/** Items remembered as held by other senders (heldElsewhere); beyond this the memory starts again. */
const MAX_HELD_ELSEWHERE = 5000;

/**
 * Until when (ms) an item whose next lease exists is surely still held by that lease's sender,
 * without reading the lease: it was taken when the item was due (claims only take due items), so
 * it runs at least `leaseMs` from `due.at` (every sender uses the same lease length), less the
 * margin for clocks. For an item due long ago this is in the past, and the lease is looked at
 * (it may have run out: its sender died). Were it ever wrong (a sender with a shorter lease), an
 * item would wait longer for its takeover, never be taken twice: the lease insert decides that.
 * An entry queued again by recoverUnqueued is due anew, but its lease may be old: always looked at.
 */
function heldAtLeastUntil(due: DueDoc, leaseMs: number): number {
  return due.at.getTime() + leaseMs - TAKEOVER_MARGIN_MS;
}

/**
 * The queue every proactive message goes through (the Company Communicator pattern): fan-outs
 * enqueue, senders claim items with a lease, and each item keeps its own delivery status so a
 * crashed run resumes where it stopped and a report can count sent and failed.
 *
 * Collections, all keyed by the item's key: `outbox` (the record that the key was enqueued,
 * written once, with the activity until a day after it finished), `outboxOutcomes` (how it
 * ended: sent with its activity id, or failed; written once), `outboxDue` (the unfinished items
 * only, small documents: what claimers read) and `outboxLeases` (the claims). `outboxBodies`
 * held the activities before they moved into the records: read only for a record without one.
 *
 * The hot path of a fan-out inserts and reads by key, and updates nothing: FerretDB 1.x on
 * SQLite finds a document by `_id` through the index, but an update or a delete rewrites it by
 * scanning the collection, and a filter other than exactly `{_id}` is parsed document by
 * document (measured: an update by `_id` costs 6 ms among 1,000 small documents, 90 ms among
 * 4,000 large ones; an insert 1–2 ms either way). Per delivered message: one lease insert, a
 * few reads by key, one outcome insert, one delete of the due entry. On MongoDB the same layout
 * costs nothing extra.
 *
 * Claims rest on a unique insert, not on findOneAndUpdate: FerretDB runs an update as a read and
 * a separate write (FerretDB/FerretDB#3040), so concurrent conditional updates of one document
 * can all succeed (measured: 30 concurrent claims of one item, 2–8 "won"). Unique keys are
 * enforced by SQLite itself, and the same protocol is correct on MongoDB.
 */
export class OutboxRepo {
  private readonly col: Collection<StateDoc>;
  private readonly outcomes: Collection<OutcomeDoc>;
  private readonly due: Collection<DueDoc>;
  /** Activities enqueued before they moved into the records (see BodyDoc): read for a record without one, cleaned up as before. */
  private readonly legacyBodies: Collection<BodyDoc>;
  private readonly leases: Collection<LeaseDoc>;
  /** The last search of the whole queue that found nothing to claim: when, and with which conversations left out. */
  private emptySearch?: { at: number; skipped: Set<string> };
  /** The claims this process holds, by key: whose, which lease, until when, the attempts so far and the last one's error. */
  private readonly claims = new Map<string, { owner: string; leaseSeq: number; until: Date; attempts: number; lastError?: string }>();
  /**
   * Queued items found claimed by another sender (see heldAtLeastUntil), by key: passed over by
   * this process's claims until then. With several instances the head of the queue is their
   * deliveries in progress; looking at each one's lease on every claim was most of the database's
   * work in a fan-out by three (3.5 lease reads per delivered message).
   */
  private readonly heldElsewhere = new Map<string, { leaseSeq: number; until: number }>();
  /** How many of the entries at the head of the queue the last claim found held elsewhere. */
  private heldInHead = 0;

  constructor(db: Db) {
    this.col = db.collection<StateDoc>('outbox');
    this.outcomes = db.collection<OutcomeDoc>('outboxOutcomes');
    this.due = db.collection<DueDoc>('outboxDue');
    this.legacyBodies = db.collection<BodyDoc>('outboxBodies');
    this.leases = db.collection<LeaseDoc>('outboxLeases');
  }

  async ensureIndexes(): Promise<void> {
    // For MongoDB; FerretDB reads the (small) due collection whole either way.
    await this.due.createIndex({ at: 1 }, { name: 'at' });
    await this.outcomes.createIndex({ status: 1, sentAt: 1 }, { name: 'status-sentAt' });
    await this.leases.createIndex({ at: 1 }, { name: 'at' });
  }

  /**
   * Inserts new items; keys already present are skipped (unordered bulks, so a duplicate does
   * not stop the rest). Re-running a crashed fan-out is therefore safe. Returns how many were new.
   *
   * Two inserts, in this order for crashes: the record with its activity (the insert decides
   * whether the key is new), then the due entry. A record without a due entry (a crash just
   * before it) is found by `recoverUnqueued` and queued then.
   */
  async enqueue(items: NewOutboxItem[], now: Date): Promise<number> {
    return (await this.enqueueClaiming(items, now)).queued;
  }

  /**
   * Enqueues like `enqueue`, and claims at once, for `claim.owner`, up to `claim.max` of the new
   * items (sends due now, at most one per conversation, none of `claim.skip`): their first lease
   * is inserted beside their queue entries, and they are returned ready to deliver, with the
   * activity and reference just written. The process that queued them then delivers them without
   * reading the queue and the records back (a wave's first cards, a single card). Were it to die
   * first, they are taken over like any claim whose lease ran out.
   */
  async enqueueClaiming(items: NewOutboxItem[], now: Date, claim?: { owner: string; leaseMs: number; max: number; skip: ReadonlySet<string> }): Promise<{ queued: number; claimed: OutboxItem[] }> {
    const unique = [...new Map(items.map((i) => [i.key, i])).values()];
    if (unique.length === 0) return { queued: 0, claimed: [] };
    const states: StateDoc[] = unique.map((i) => ({
      _id: i.key,
      key: i.key,
      conversationId: i.conversationId,
      op: i.op ?? 'send',
      ...(i.updateOf !== undefined ? { updateOf: i.updateOf } : {}),
      activity: JSON.stringify(i.activity),
      ...(i.reference !== undefined ? { reference: i.reference } : {}),
      createdAt: now,
    }));
    const inserted = await insertIgnoringDuplicates(this.col, states);
    const fresh = unique.filter((_, n) => inserted.has(n));
    const dues = fresh.map((i) => dueOf(i.key, i.conversationId, i.op ?? 'send', i.updateOf, i.notBefore ?? now, now));
    const chosen: DueDoc[] = [];
    if (claim) {
      const conversations = new Set(claim.skip);
      for (const due of dues) {
        if (chosen.length >= claim.max) break;
        if (due.op !== 'send' || due.at.getTime() > now.getTime() || conversations.has(due.conversationId)) continue;
        chosen.push(due);
        conversations.add(due.conversationId);
      }
    }
    const until = new Date(now.getTime() + (claim?.leaseMs ?? 0));
    // The leases beside the entries: a lease without its entry (a crash between the two) only
    // delays the item that recoverUnqueued queues again by one lease.
    const [, leased] = await Promise.all([
      insertIgnoringDuplicates(this.due, dues),
      claim && chosen.length > 0 ? insertIgnoringDuplicates(this.leases, chosen.map((d) => this.leaseOf(d, 1, claim.owner, now, until))) : new Set<number>(),
    ]);
    if (fresh.some((i) => !this.emptySearch?.skipped.has(i.conversationId))) this.emptySearch = undefined;
    const claimed: OutboxItem[] = [];
    if (claim) {
      const byKey = new Map(states.map((st) => [st._id, st]));
      for (const [n, due] of chosen.entries()) {
        if (!leased.has(n)) continue;
        const state = byKey.get(due._id) as StateDoc;
        this.claims.set(due._id, { owner: claim.owner, leaseSeq: 1, until, attempts: 0 });
        claimed.push(itemOf(due, state.activity as string, { owner: claim.owner, leaseSeq: 1, until }, state.reference));
      }
    }
    return { queued: fresh.length, claimed };
  }

  /**
   * Claims up to `max` due items (due, or held by a claim whose lease ran out), oldest first and
   * at most one per conversation in a batch. `skipConversations`: conversations this sender is
   * busy with or knows are rate-limited.
   *
   * Winning an item means inserting lease `<key>:<leaseSeq+1>`; the lease is the claim, and the
   * due entry is not touched. Candidates another sender holds collide with its lease and are
   * passed over (its lease is checked, and stepped over once it has run out), so each claim has
   * exactly one owner however many senders read the item at once.
   */
  async claimBatch(owner: string, now: Date, leaseMs: number, max: number, skipConversations: string[] = []): Promise<OutboxItem[]> {
    if (max <= 0) return [];
    const until = new Date(now.getTime() + leaseMs);
    const candidates = await this.dueCandidates(now, max, skipConversations);
    const won: { due: DueDoc; leaseSeq: number }[] = [];
    const taken = new Set<string>();
    // Rounds of one candidate per conversation; a conversation whose candidate was held by
    // another sender offers its next item in the next round.
    for (let round = candidates; round.length > 0 && won.length < max; ) {
      const chosen: DueDoc[] = [];
      const rest: DueDoc[] = [];
      const conversations = new Set<string>();
      for (const c of round) {
        if (taken.has(c.conversationId) || conversations.has(c.conversationId) || chosen.length >= max - won.length) rest.push(c);
        else {
          chosen.push(c);
          conversations.add(c.conversationId);
        }
      }
      // All leases in one unordered insert; an item whose next lease exists already (another
      // sender's claim, or one that lapsed) goes the careful way, one lease at a time.
      const first = await insertIgnoringDuplicates(this.leases, chosen.map((c) => this.leaseOf(c, c.leaseSeq + 1, owner, now, until)));
      for (const [n, due] of chosen.entries()) {
        if (!first.has(n)) {
          const heldUntil = heldAtLeastUntil(due, leaseMs);
          if (!due.recovered && heldUntil > now.getTime()) {
            // Another sender's claim, too young to have run out: not worth a look at its lease.
            this.heldElsewhere.set(due._id, { leaseSeq: due.leaseSeq, until: heldUntil });
            continue;
          }
        }
        const leaseSeq = first.has(n) ? due.leaseSeq + 1 : await this.takeLease(due, owner, now, until);
        if (leaseSeq === null) continue;
        won.push({ due, leaseSeq });
        taken.add(due.conversationId);
      }
      round = rest.filter((c) => !taken.has(c.conversationId));
    }
    if (won.length === 0) return [];
    for (const w of won) this.claims.set(w.due._id, { owner, leaseSeq: w.leaseSeq, until, attempts: w.due.attempts, ...(w.due.lastError !== undefined ? { lastError: w.due.lastError } : {}) });
    this.forgetLapsedClaims(now);
    const claimed = await Promise.all(won.map((w) => this.openClaimed(w.due, { owner, leaseSeq: w.leaseSeq, until, at: now }, w.leaseSeq > 1 || w.due.recovered === true)));
    return claimed.filter((c): c is OutboxItem => c !== null);
  }

  /**
   * Due entries to claim from, oldest first, none of `skipConversations`. The head of the queue
   * is read first: a find with neither filter nor sort is answered by FerretDB with a LIMIT from
   * the table (entries in the order they were queued), where a filtered or sorted one parses
   * every entry; in a fan-out of a thousand that was most of the database's work. Only when the
   * head holds too few (entries held by senders or waiting for a retry) is the whole queue read.
   */
  private async dueCandidates(now: Date, max: number, skipConversations: string[]): Promise<DueDoc[]> {
    const skip = new Set(skipConversations);
    this.forgetHeldElsewhere(now);
    const usable = (entries: DueDoc[]): DueDoc[] => entries.filter((d) => d.at.getTime() <= now.getTime() && !skip.has(d.conversationId) && !this.isHeldElsewhere(d, now)).sort(byDue);
    // The head holds the items other senders are delivering (they stay queued until done): read
    // past as many as the last read of it found.
    const headSize = max * 4 + HEAD_SLACK + this.heldInHead;
    const head = await this.due.find({}, { limit: headSize, batchSize: headSize }).toArray();
    this.heldInHead = head.reduce((n, d) => n + (this.isHeldElsewhere(d, now) ? 1 : 0), 0);
    const fromHead = usable(head);
    if (new Set(fromHead.map((d) => d.conversationId)).size >= max || head.length < headSize) return fromHead;
    // A search that just found nothing beyond conversations still left out need not be repeated
    // on every claim: a long queue for one throttled conversation (the coordinators' channel in a
    // burst of orders) was read whole several times a second. Anything this process queues for
    // another conversation ends the pause at once; other instances' items and retries coming due
    // wait at most SEARCH_PAUSE_MS. Timed by the claimers' clock (`now`), as everything else here.
    const last = this.emptySearch;
    const since = last ? now.getTime() - last.at : -1;
    if (last && since >= 0 && since < SEARCH_PAUSE_MS && [...last.skipped].every((c) => skip.has(c))) return fromHead;
    const filter: Filter<DueDoc> = { at: { $lte: now } };
    if (skipConversations.length > 0) filter.conversationId = { $nin: skipConversations };
    const found = usable(await this.due.find(filter, { sort: { at: 1, _id: 1 }, limit: headSize }).toArray());
    this.emptySearch = found.length === 0 ? { at: now.getTime(), skipped: skip } : undefined;
    return found;
  }

  private leaseOf(due: DueDoc, seq: number, owner: string, at: Date, until: Date): LeaseDoc {
    return { _id: leaseIdOf(due._id, seq), key: due._id, seq, owner, at, until };
  }

  /**
   * The claimed item with its activity (one read of its record by key). `claimedBefore`: the
   * item had been claimed already, so it may be finished (the sender died between recording the
   * outcome and removing the entry), or it was queued again by `recoverUnqueued` (which may have
   * read the record just before a sender finished it); its outcome is read to be sure. An item
   * never claimed before has no outcome (only the holder of a claim writes one), which saves a
   * read per message in a fan-out.
   */
  private async openClaimed(due: DueDoc, claim: { owner: string; leaseSeq: number; until: Date; at: Date }, claimedBefore: boolean): Promise<OutboxItem | null> {
    const [finished, record] = await Promise.all([claimedBefore ? this.outcomeOf(due._id) : null, this.col.findOne({ _id: due._id }, { projection: { activity: 1, reference: 1 } })]);
    if (finished) {
      // Finished, but the process died before it could remove the queue entry: finish that now.
      await this.due.deleteOne({ _id: due._id });
      this.claims.delete(due._id);
      return null;
    }
    const activity = record?.activity ?? (await this.legacyBodyOf(due._id));
    if (activity !== undefined) return itemOf(due, activity, claim, record?.reference);
    // No body: nothing can ever be sent for this key. Recorded as failed rather than retried forever.
    await this.settle(due._id, { status: 'failed', lastError: 'no activity stored', attempts: due.attempts + 1, leaseSeq: claim.leaseSeq, at: claim.at });
    return null;
  }

  /**
   * Records delivery; false when the claim was lost to another sender meanwhile.
   *
   * Deliveries finishing while an earlier one is being written are recorded together (group
   * commit): their entries read by key side by side, one insert of their outcomes, one bulk of
   * deletes of their entries. Nothing waits when the database is idle. Same order as `settle`:
   * outcomes first, then entries.
   */
  markSent(key: string, owner: string, activityId: string, now: Date): Promise<boolean> {
    return this.recordSentTogether({ key, owner, activityId, now });
  }

  private readonly recordSentTogether = groupCommit((batch: { key: string; owner: string; activityId: string; now: Date }[]) => this.recordSent(batch));

  private async recordSent(batch: { key: string; owner: string; activityId: string; now: Date }[]): Promise<boolean[]> {
    const held = await Promise.all(batch.map((b) => this.ownClaim(b.key, b.owner, b.now)));
    const done = batch.flatMap((b, n) => {
      const claim = held[n];
      return claim ? [{ b, claim }] : [];
    });
    if (done.length === 0) return held.map(() => false);
    const inserted = await insertIgnoringDuplicates(this.outcomes, done.map(({ b, claim }) => ({
      _id: b.key, status: 'sent' as const, sentActivityId: b.activityId, sentAt: b.now, attempts: claim.attempts + 1, leaseSeq: claim.leaseSeq, at: b.now,
      // What went wrong before it went through stays visible (a retried 429 in the report).
      ...(claim.lastError !== undefined ? { lastError: claim.lastError } : {}),
    })));
    // An outcome already there was written by a sender that took the item over: not ours.
    const recorded = new Set(done.filter((_, n) => inserted.has(n)).map(({ b }) => b.key));
    if (recorded.size > 0) {
      const removed = await this.due.bulkWrite([...recorded].map((key) => ({ deleteOne: { filter: { _id: key } } })), { ordered: false });
      if (removed.deletedCount < recorded.size) await this.dropOutcomesOfErased([...recorded]);
    }
    for (const key of recorded) this.claims.delete(key);
    return batch.map((b) => recorded.has(b.key));
  }

  /** Back to pending until `at`, counting the attempt. */
  async reschedule(key: string, owner: string, at: Date, error: string): Promise<boolean> {
    const claim = await this.ownClaim(key, owner);
    if (!claim) return false;
    await this.due.updateOne({ _id: key }, { $set: { at, attempts: claim.attempts + 1, lastError: error, leaseSeq: claim.leaseSeq }});
    this.claims.delete(key);
    return true;
  }

  /** Back to pending until `at` without counting an attempt: the sender chose not to try yet. */
  async release(key: string, owner: string, at: Date): Promise<boolean> {
    const claim = await this.ownClaim(key, owner);
    if (!claim) return false;
    await this.due.updateOne({ _id: key }, { $set: { at, leaseSeq: claim.leaseSeq }});
    this.claims.delete(key);
    return true;
  }

  /** Gives up on an item; it stays in the outbox as 'failed' for the report. False if the claim was lost. */
  async markFailed(key: string, owner: string, error: string, now: Date): Promise<boolean> {
    const claim = await this.ownClaim(key, owner);
    if (!claim) return false;
    await this.settle(key, { status: 'failed', lastError: error, attempts: claim.attempts + 1, leaseSeq: claim.leaseSeq, at: now });
    return true;
  }

  async sentActivityIdOf(key: string): Promise<string | null> {
    const outcome = await this.outcomeOf(key);
    return outcome?.status === 'sent' ? (outcome.sentActivityId ?? null) : null;
  }

  /** Whether a key was ever enqueued (one lookup of its record). */
  async has(key: string): Promise<boolean> {
    return (await this.col.findOne({ _id: key }, { projection: { _id: 1 } })) !== null;
  }

  /** An item as it stands: its record and outcome, its queue entry and claim while unfinished, its activity while stored. */
  async get(key: string): Promise<OutboxItem | null> {
    const [state, ended, due] = await Promise.all([this.col.findOne({ _id: key }), this.outcomes.findOne({ _id: key }), this.due.findOne({ _id: key })]);
    if (!state) return null;
    const [lease, activity] = await Promise.all([due && !ended ? this.currentLease(due) : null, state.activity ?? this.legacyBodyOf(key)]);
    return {
      _id: state._id,
      key: state.key,
      conversationId: state.conversationId,
      op: state.op,
      ...(state.updateOf !== undefined ? { updateOf: state.updateOf } : {}),
      createdAt: state.createdAt,
      status: ended ? ended.status : lease ? 'sending' : 'pending',
      activity: activity !== undefined ? (JSON.parse(activity) as Partial<Activity>) : {},
      attempts: ended?.attempts ?? due?.attempts ?? 0,
      nextAttemptAt: due?.at ?? ended?.sentAt ?? state.createdAt,
      leaseSeq: ended?.leaseSeq ?? lease?.seq ?? due?.leaseSeq ?? 0,
      ...(ended?.sentActivityId !== undefined ? { sentActivityId: ended.sentActivityId } : {}),
      ...(ended?.sentAt !== undefined ? { sentAt: ended.sentAt } : {}),
      ...((ended?.lastError ?? due?.lastError) !== undefined ? { lastError: ended?.lastError ?? due?.lastError } : {}),
      ...(lease ? { lockedBy: lease.owner, lockedUntil: lease.until } : {}),
    };
  }

  /** Unfinished items split into pending and being sent (by a live or a lapsed claim), and finished ones by outcome. */
  async counts(): Promise<Record<OutboxStatus, number>> {
    const out: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    const due = await this.due.find({}).toArray();
    const leases = await Promise.all(due.map((d) => this.leases.findOne({ _id: leaseIdOf(d._id, d.leaseSeq + 1) }, { projection: { _id: 1 } })));
    for (const lease of leases) out[lease ? 'sending' : 'pending'] += 1;
    out.sent = await this.outcomes.countDocuments({ status: 'sent' });
    out.failed = await this.outcomes.countDocuments({ status: 'failed' });
    return out;
  }

  /** Whether nothing is waiting or being sent: one small read. */
  async idle(): Promise<boolean> {
    return (await this.due.findOne({})) === null;
  }

  /**
   * Records with neither an outcome nor a due entry (the enqueuer died between the two inserts)
   * are queued again. Cheap enough to run now and then: one read of the records, the outcomes
   * and the queue.
   */
  async recoverUnqueued(now: Date): Promise<number> {
    const records = await this.col.find({}, { projection: { _id: 1, conversationId: 1, op: 1, updateOf: 1, createdAt: 1 } }).toArray();
    if (records.length === 0) return 0;
    const ended = new Set((await this.outcomes.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const queued = new Set((await this.due.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const missing = records.filter((s) => !ended.has(s._id) && !queued.has(s._id));
    if (missing.length === 0) return 0;
    // Read the outcomes again: an item finished between the reads above (outcome inserted,
    // then its entry removed) is not lost. An item with no outcome now had no entry when the
    // queue was read: its enqueuer died, or is about to insert it (then that insert is the
    // duplicate, and is ignored).
    const endedSince = new Set((await this.outcomes.find({ _id: { $in: missing.map((s) => s._id) } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const lost = missing.filter((s) => !endedSince.has(s._id));
    const inserted = await insertIgnoringDuplicates(this.due, lost.map((s) => ({ ...dueOf(s._id, s.conversationId, s.op, s.updateOf, now, s.createdAt), recovered: true })));
    if (inserted.size > 0) this.emptySearch = undefined;
    return inserted.size;
  }

  /**
   * Forgets delivered messages sent before `before` (failed ones are kept for follow-up), and
   * removes the activities of items enqueued more than a day before `now` that have finished
   * (sent or failed): an `$unset` in their records. A record neither finished nor queued keeps
   * its activity: `recoverUnqueued` queues it again. Activities in `outboxBodies` (enqueued
   * before they moved into the records) go as they always did, a day after enqueueing unless
   * their item is queued.
   */
  async removeSentBefore(before: Date, now: Date): Promise<number> {
    const old = (await this.outcomes.find({ status: 'sent', sentAt: { $lt: before } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
    let removed = 0;
    for (let i = 0; i < old.length; i += 500) {
      const ids = old.slice(i, i + 500);
      // The record first: an outcome without its record is never read, a record without its outcome would look unsent.
      removed += (await this.col.deleteMany({ _id: { $in: ids } })).deletedCount;
      await this.outcomes.deleteMany({ _id: { $in: ids } });
    }
    const cutoff = new Date(now.getTime() - BODY_RETENTION_MS);
    const queued = new Set((await this.due.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const oldRecords = (await this.col.find({ createdAt: { $lt: cutoff }, activity: { $exists: true } }, { projection: { _id: 1 } }).toArray())
      .map((r) => r._id)
      .filter((id) => !queued.has(id));
    await this.unsetActivities(await this.finishedAmong(oldRecords));
    const oldBodies = (await this.legacyBodies.find({ createdAt: { $lt: cutoff } }, { projection: { _id: 1 } }).toArray())
      .map((b) => b._id)
      .filter((id) => !queued.has(id));
    for (let i = 0; i < oldBodies.length; i += 500) await this.legacyBodies.deleteMany({ _id: { $in: oldBodies.slice(i, i + 500) } });
    return removed;
  }

  /**
   * Erasure of a person: every document of every item that is theirs by id goes, in every
   * outbox collection: items whose key holds one of `ids` (`offer:<order>:<aad>`,
   * `erasure:<aad>`, `unreachable:<their chat>:…`) and items addressed to one of their
   * `conversationIds`. Nothing more is sent to them or about them by those items. The record
   * (with the activity) goes first, so that `recoverUnqueued` never queues an item again that
   * is being erased.
   * `keep`: keys left alone (the farewell to the person, queued by an erasure running alongside).
   * Returns how many items went.
   */
  async eraseItemsOf(ids: string[], conversationIds: string[], keep: string[] = []): Promise<number> {
    const keys = new Set<string>();
    const idFilters = ids.map((id) => ({ _id: { $regex: escapeRegex(id) } }));
    for (const col of [this.col, this.due, this.outcomes, this.legacyBodies] as unknown as Collection<{ _id: string }>[]) {
      for (const f of idFilters) for (const d of await col.find(f, { projection: { _id: 1 } }).toArray()) keys.add(d._id);
    }
    if (conversationIds.length > 0) {
      for (const col of [this.col, this.due] as unknown as Collection<{ _id: string; conversationId: string }>[]) {
        for (const d of await col.find({ conversationId: { $in: conversationIds } }, { projection: { _id: 1 } }).toArray()) keys.add(d._id);
      }
    }
    for (const key of keep) keys.delete(key);
    const all = [...keys];
    for (let i = 0; i < all.length; i += 500) {
      const chunk = all.slice(i, i + 500);
      for (const col of [this.col, this.due, this.legacyBodies, this.outcomes] as unknown as Collection<{ _id: string }>[]) await col.deleteMany({ _id: { $in: chunk } });
      await this.leases.deleteMany({ key: { $in: chunk } });
    }
    // Leases are `<key>:<n>`: older ones carry no key field, only the id.
    for (const f of idFilters) await this.leases.deleteMany(f);
    for (const key of all) this.claims.delete(key);
    return all.length;
  }

  /** Unfinished items (their queue entries), for re-rendering what an erasure changed. */
  waiting(): Promise<Pick<DueDoc, '_id' | 'conversationId' | 'op' | 'updateOf'>[]> {
    return this.due.find({}, { projection: { _id: 1, conversationId: 1, op: 1, updateOf: 1 } }).toArray();
  }

  /**
   * Replaces the activity of an item still waiting to be sent (re-rendered from data after an
   * erasure); false when it is no longer waiting. A sender that claimed it just before may
   * still send the activity it read.
   */
  async replaceWaitingBody(key: string, activity: Partial<Activity>): Promise<boolean> {
    if (!(await this.due.findOne({ _id: key }, { projection: { _id: 1 } }))) return false;
    // Into the record also for an item enqueued before activities moved there: the record's wins.
    await this.col.updateOne({ _id: key }, { $set: { activity: JSON.stringify(activity) } });
    return true;
  }

  /**
   * The activities of finished items (sent or failed), removed now rather than by the daily
   * clean-up: they are kept only to look into delivery problems, and an erasure cannot know
   * which of them name the person without searching their text. Activities of unfinished
   * items stay (an item with no outcome and no queue entry may be one an enqueuer is queueing
   * now). Returns how many went (from records, and from `outboxBodies`).
   */
  async dropFinishedBodies(): Promise<number> {
    const queued = new Set((await this.due.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const records = (await this.col.find({ activity: { $exists: true } }, { projection: { _id: 1 } }).toArray()).map((r) => r._id).filter((id) => !queued.has(id));
    let dropped = await this.unsetActivities(await this.finishedAmong(records));
    const bodies = (await this.legacyBodies.find({}, { projection: { _id: 1 } }).toArray()).map((b) => b._id).filter((id) => !queued.has(id));
    const ended = await this.finishedAmong(bodies);
    for (let i = 0; i < ended.length; i += 500) dropped += (await this.legacyBodies.deleteMany({ _id: { $in: ended.slice(i, i + 500) } })).deletedCount;
    return dropped;
  }

  /** Those of `keys` whose item has an outcome (read 500 keys at a time). */
  private async finishedAmong(keys: string[]): Promise<string[]> {
    const ended: string[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      ended.push(...(await this.outcomes.find({ _id: { $in: keys.slice(i, i + 500) } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    }
    return ended;
  }

  /**
   * Removes the activity (and the reference queued with it) from these records, 500 at a time. FerretDB rewrites an updated
   * document from a read of it; the only other write to a record's activity is
   * `replaceWaitingBody`, which is for items still queued, and these are finished.
   */
  private async unsetActivities(keys: string[]): Promise<number> {
    let unset = 0;
    for (let i = 0; i < keys.length; i += 500) unset += (await this.col.updateMany({ _id: { $in: keys.slice(i, i + 500) } }, { $unset: { activity: '', reference: '' } })).modifiedCount;
    return unset;
  }

  /** The activity of an item enqueued before activities moved into the records, while `outboxBodies` has it: read only for a record without one. */
  private async legacyBodyOf(key: string): Promise<string | undefined> {
    return (await this.legacyBodies.findOne({ _id: key }))?.activity;
  }

  /** The messages recorded for these conversations (keys and times, not their content), for `my data`. */
  recordsFor(conversationIds: string[]): Promise<Pick<StateDoc, '_id' | 'createdAt' | 'op'>[]> {
    if (conversationIds.length === 0) return Promise.resolve([]);
    return this.col.find({ conversationId: { $in: conversationIds } }, { projection: { _id: 1, createdAt: 1, op: 1 } }).toArray();
  }

  /**
   * Forgets leases of claims made before `before`. Safe once no sender can still be acting on
   * a read that old; a day is far beyond any lease.
   */
  async pruneLeases(before: Date): Promise<number> {
    return (await this.leases.deleteMany({ at: { $lt: before } })).deletedCount;
  }

  /**
   * The claim `owner` holds on `key`, if it still does: this process made it, the item is still
   * queued (an erasure may have removed it), and no sender has taken it over with the next lease.
   */
  private async ownClaim(key: string, owner: string, now?: Date): Promise<{ leaseSeq: number; attempts: number; lastError?: string } | null> {
    const claim = this.claims.get(key);
    if (!claim || claim.owner !== owner) return null;
    // Another sender takes an item over only once its lease has run out by that sender's clock:
    // while ours runs TAKEOVER_MARGIN_MS more by our clock, nobody can have (clocks of instances
    // agree far better than that), so the next lease is not looked for: one read per message
    // fewer in a fan-out. Whether the item is still queued is always read (an erasure on another
    // instance may have removed it).
    const young = now !== undefined && claim.until.getTime() - now.getTime() >= TAKEOVER_MARGIN_MS;
    const [due, next] = await Promise.all([
      this.due.findOne({ _id: key }, { projection: { _id: 1 } }),
      young ? null : this.leases.findOne({ _id: leaseIdOf(key, claim.leaseSeq + 1) }, { projection: { _id: 1 } }),
    ]);
    if (!due || next) {
      this.claims.delete(key);
      return null;
    }
    return claim;
  }

  /** How a finished item ended; null while unfinished. */
  private outcomeOf(key: string): Promise<OutcomeDoc | null> {
    return this.outcomes.findOne({ _id: key });
  }

  /** The lease of the claim in progress on a queued item (the latest above the entry's leaseSeq), if any. */
  private async currentLease(due: DueDoc): Promise<{ seq: number; owner: string; until: Date } | null> {
    let found: { seq: number; owner: string; until: Date } | null = null;
    for (let seq = due.leaseSeq + 1; seq <= due.leaseSeq + 10; seq++) {
      const lease = await this.leases.findOne({ _id: leaseIdOf(due._id, seq) });
      if (!lease) break;
      found = { seq, owner: lease.owner, until: lease.until };
    }
    return found;
  }

  /**
   * Finishes an item: the outcome first, then the queue entry goes. A queue entry outliving its
   * outcome is recognised at the next claim. The activity stays until the daily clean-up (one
   * write less per message; see `removeSentBefore`).
   */
  private async settle(key: string, outcome: Omit<OutcomeDoc, '_id'>): Promise<void> {
    await insertIgnoringDuplicates(this.outcomes, [{ _id: key, ...outcome }]);
    if ((await this.due.deleteOne({ _id: key })).deletedCount === 0) await this.dropOutcomesOfErased([key]);
    this.claims.delete(key);
  }

  /**
   * An erasure (eraseItemsOf: record, entry, then outcomes) may run between the check that a
   * claim stands and the outcome's insert: the outcome would then outlive the erased item, with
   * the person's id in its key. Such a race shows as a queue entry already gone when the outcome
   * is written; the outcomes of those keys whose record is gone are removed again. (An entry gone
   * because another sender took the item over and finished it keeps its record, and its outcome.)
   */
  private async dropOutcomesOfErased(keys: string[]): Promise<void> {
    for (const key of keys) {
      if (!(await this.col.findOne({ _id: key }, { projection: { _id: 1 } }))) await this.outcomes.deleteOne({ _id: key });
    }
  }

  private isHeldElsewhere(due: DueDoc, now: Date): boolean {
    const held = this.heldElsewhere.get(due._id);
    return held !== undefined && held.leaseSeq === due.leaseSeq && held.until > now.getTime();
  }

  /** Items other senders hold are mostly finished (and gone from the queue) long before their lease ends. */
  private forgetHeldElsewhere(now: Date): void {
    if (this.heldElsewhere.size < MAX_HELD_ELSEWHERE) return;
    for (const [key, held] of this.heldElsewhere) if (held.until <= now.getTime()) this.heldElsewhere.delete(key);
    if (this.heldElsewhere.size >= MAX_HELD_ELSEWHERE) this.heldElsewhere.clear();
  }

  /** Claims whose lease ran out are another sender's to take: forgotten now and then, so the map stays small. */
  private forgetLapsedClaims(now: Date): void {
    if (this.claims.size < 1000) return;
    for (const [key, claim] of this.claims) if (claim.until.getTime() < now.getTime()) this.claims.delete(key);
  }

  /**
   * Inserts the next lease of an item; null if another sender holds it. A lease that has run out
   * (its sender died, or never got further than the insert) is stepped over, so such an item is
   * delayed by one lease, never stuck.
   */
  private async takeLease(item: DueDoc, owner: string, now: Date, until: Date): Promise<number | null> {
    for (let seq = item.leaseSeq + 1; seq <= item.leaseSeq + 10; seq++) {
      const held = await this.leases.findOne({ _id: leaseIdOf(item._id, seq) });
      if (held) {
        if (held.until.getTime() > now.getTime()) return null;
        continue;
      }
      try {
        await this.leases.insertOne(this.leaseOf(item, seq, owner, now, until));
        return seq;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        return null; // another sender took this very lease a moment ago
      }
    }
    return null;
  }
}
