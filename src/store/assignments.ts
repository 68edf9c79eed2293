import { Collection, Db } from 'mongodb';
import type { AssignmentStatus } from '../domain/types';
import { isDuplicateKey, upsertRetryingLostInsert } from './duplicates';

export type { AssignmentStatus };

export interface StoredFee {
  feeCents: number;
  travelCents: number;
  totalCents: number;
  hours: number;
  tariffVersion: string;
  computedAt: Date;
  /** The pay period that first settled the assignment. */
  settledIn?: string;
  /** Fee or volunteer as it was when first settled: a late answer recomputes with the same choice. */
  feePreference?: 'fee' | 'volunteer';
}

/**
 * One expert doing one ordered task (toimeksianto). Its id is the seat: `${orderId}#${seat}`.
 * Taking a seat is a plain insert, and the unique id (one holder per seat) plus the unique
 * (orderId, expertId) index (one seat per expert) decide every race. Inserts are atomic on
 * every MongoDB-wire server, which conditional updates are not on all of them (FerretDB).
 */
export interface AssignmentDoc {
  _id: string;
  orderId: string;
  expertId: string;
  seat: number;
  startsAt: Date;
  endsAt: Date;
  status: AssignmentStatus;
  /** The order was cancelled late (KAP rule): the fee stays payable. */
  feePayable?: boolean;
  /** From the orderer's feedback: what the fee uses (no forms for the professional). */
  confirmedMinutes?: number;
  outcome?: 'held' | 'cancelled' | 'noShow';
  /**
   * The expert reported, after the task had started, that they could not come: no fee and no
   * travel are paid for it (src/services/fees.ts), and the seat is not offered again.
   */
  absentAt?: Date;
  /** From the expert's feedback. */
  travelKm?: number;
  ticketCents?: number;
  /**
   * The first settlement's fee (from the tariff valid on the task's date, kept with its
   * version). What was paid in total is in the fee ledger; later answers add adjustments there.
   */
  fee?: StoredFee;
  /**
   * Set when an answer (hours, outcome, travel) is written; the next settlement takes it into
   * account and clears it, unless another answer came meanwhile.
   */
  answerPendingAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** A seat given back; kept for the coordinators' follow-up, the seat itself is freed. */
export interface WithdrawalDoc extends Omit<AssignmentDoc, '_id'> {
  _id: string;
  withdrawnAt: Date;
}

export type SeatClaim =
  | { kind: 'won'; assignment: AssignmentDoc }
  | { kind: 'already'; assignment: AssignmentDoc }
  | { kind: 'full' };

/** How long a seat seen taken is answered as taken without asking the database (see claimSeat). */
const SEAT_SEEN_MS = 2000;

/**
 * How long the counts of recent assignments per expert (a ranking key only: who had fewer tasks
 * lately comes first) are reused. Every order placed and every wave ranks the experts, and the
 * count is an aggregation over 90 days of assignments. Any change of assignments made through
 * this process drops them at once; one made by another instance is counted here at most this much
 * later. Nothing else is decided by the counts (who may be offered what is read fresh).
 */
export const RECENT_COUNTS_REUSE_MS = 30_000;

export class AssignmentRepo {
  private readonly col: Collection<AssignmentDoc>;
  private readonly withdrawals: Collection<WithdrawalDoc>;
  /** Seats this process saw taken or is taking, with when: for the bursts of accepts claimSeat answers. */
  private readonly seen = new Map<string, { holder: Promise<AssignmentDoc | null>; at: number }>();
  /** The last recent-assignment counts, by the start of the window they counted (see RECENT_COUNTS_REUSE_MS). */
  private recent: { since: number; counts: Promise<Map<string, number>> } | null = null;

  /** Assignments changed through this process: the reused counts are dropped. */
  private changed(): void {
    this.recent = null;
  }

  constructor(db: Db) {
    this.col = db.collection<AssignmentDoc>('assignments');
    this.withdrawals = db.collection<WithdrawalDoc>('withdrawals');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ orderId: 1, expertId: 1 }, { name: 'order_expert', unique: true });
    await this.col.createIndex({ expertId: 1, startsAt: 1 }, { name: 'expert_start' });
    await this.col.createIndex({ startsAt: 1, status: 1 }, { name: 'start_status' });
  }

  /**
   * Tries the order's seats in turn; the first insert that succeeds is the expert's seat.
   *
   * A burst of accepts on one order (an offer to many, a one-seat task) would be one failing
   * insert and one lookup per click, all queued behind each other on the database. A seat this
   * process has just seen taken, or is taking right now, is answered from that instead, for
   * SEAT_SEEN_MS: clicks concurrent with the winner's insert lose to it, as they would at the
   * database. A withdrawal through this process forgets the seat at once; one on another
   * instance is seen here at most SEAT_SEEN_MS later (the seat is offered again either way).
   * `now` is the time of the click: it stamps the assignment and dates what this process saw.
   */
  async claimSeat(order: { _id: string; seats: number; startsAt: Date; endsAt: Date }, expertId: string, now: Date): Promise<SeatClaim> {
    let retries = 0;
    for (let seat = 1; seat <= order.seats; seat++) {
      const doc: AssignmentDoc = {
        _id: `${order._id}#${seat}`, orderId: order._id, expertId, seat, startsAt: order.startsAt, endsAt: order.endsAt,
        status: 'accepted', createdAt: now, updatedAt: now,
      };
      // Looked up and, when unknown, claimed in the same synchronous step: concurrent clicks
      // then wait for the first one's insert instead of each making their own.
      const seen = this.seenHolder(doc._id, now.getTime());
      const known = seen ? await seen : null;
      if (known) {
        if (known.expertId === expertId) return { kind: 'already', assignment: known };
        continue;
      }
      const attempt = this.takeSeat(doc);
      this.seen.set(doc._id, { holder: attempt.then((r) => r.holder, () => null), at: now.getTime() });
      let result: { won: boolean; holder: AssignmentDoc | null };
      try {
        result = await attempt;
      } catch (error) {
        this.seen.delete(doc._id);
        throw error;
      }
      if (result.won) return { kind: 'won', assignment: doc };
      const holder = result.holder;
      if (holder?.expertId === expertId) return { kind: 'already', assignment: holder };
      if (!holder) {
        this.seen.delete(doc._id);
        const mine = await this.col.findOne({ orderId: order._id, expertId });
        if (mine) return { kind: 'already', assignment: mine };
        if (retries++ < 3) seat -= 1; // given up meanwhile: try the same seat again
      }
    }
    return { kind: 'full' };
  }

  /** The seat's insert; when it is taken, whose it is (a lookup by id, the only indexed read on some servers). */
  private async takeSeat(doc: AssignmentDoc): Promise<{ won: boolean; holder: AssignmentDoc | null }> {
    try {
      await this.col.insertOne(doc);
      this.changed();
      return { won: true, holder: doc };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Null when the seat turns out free (the conflict was the expert's own other seat, or the
      // seat was just given up): the caller then looks for the expert's assignment of the order.
      return { won: false, holder: await this.col.findOne({ _id: doc._id }) };
    }
  }

  /**
   * The holder of a seat this process saw taken (or is taking) less than SEAT_SEEN_MS before
   * `nowMs`; null once known free. Time is the callers' clock (claimSeat's `now`), not the
   * process's, so tests set it instead of waiting.
   */
  private seenHolder(seatId: string, nowMs: number): Promise<AssignmentDoc | null> | undefined {
    const seen = this.seen.get(seatId);
    if (!seen) return undefined;
    if (nowMs - seen.at >= SEAT_SEEN_MS) {
      this.seen.delete(seatId);
      return undefined;
    }
    if (this.seen.size > 1000) for (const [id, s] of this.seen) if (nowMs - s.at >= SEAT_SEEN_MS) this.seen.delete(id);
    return seen.holder;
  }

  /**
   * Frees the expert's seat, keeping a record of the withdrawal. `first` is false when a
   * withdrawal of the same seat running at the same time (a double click) freed it: that one
   * does what follows a withdrawal, once.
   */
  async withdraw(orderId: string, expertId: string, now: Date): Promise<{ record: string; first: boolean } | null> {
    const doc = await this.col.findOne({ orderId, expertId, status: 'accepted' });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    // Keyed by the seat and when it was taken: a double-clicked withdrawal keeps one record.
    const record = `${_id}@${doc.createdAt.getTime()}`;
    await upsertRetryingLostInsert(() =>
      this.withdrawals.updateOne(
        { _id: record },
        { $setOnInsert: { ...rest, withdrawnAt: now, updatedAt: now } },
        { upsert: true },
      ),
    );
    const r = await this.col.deleteOne({ _id, expertId, status: 'accepted' });
    this.seen.delete(_id);
    this.changed();
    return { record, first: r.deletedCount === 1 };
  }

  /**
   * Records that the expert could not come to a task that has started (their seat stays theirs:
   * what happened is the task's outcome). Only a seat not yet settled. `first` is false when it
   * was recorded before (a repeated click). Null when the expert holds no such seat.
   */
  async markAbsent(orderId: string, expertId: string, now: Date): Promise<{ assignment: AssignmentDoc; first: boolean } | null> {
    const r = await this.col.updateOne(
      { orderId, expertId, status: { $in: ['accepted', 'done'] }, fee: { $exists: false }, absentAt: { $exists: false } },
      { $set: { absentAt: now, updatedAt: now } },
    );
    const assignment = await this.col.findOne({ orderId, expertId, status: { $in: ['accepted', 'done'] } });
    if (!assignment?.absentAt) return null;
    return { assignment, first: r.modifiedCount === 1 };
  }

  /** Withdrawals since `since` (the offer-waves job finishes those a crash cut short). */
  withdrawnSince(since: Date): Promise<WithdrawalDoc[]> {
    return this.withdrawals.find({ withdrawnAt: { $gte: since } }).toArray();
  }

  /** The expert's latest withdrawal from the order, if any. */
  async lastWithdrawal(orderId: string, expertId: string): Promise<WithdrawalDoc | null> {
    const [last] = await this.withdrawals.find({ orderId, expertId }).sort({ withdrawnAt: -1 }).limit(1).toArray();
    return last ?? null;
  }

  /** The order's accepted assignments are done: the task took place (feedback is asked next). */
  async markDone(orderId: string, now: Date): Promise<void> {
    await this.col.updateMany({ orderId, status: 'accepted' }, { $set: { status: 'done', updatedAt: now } });
    this.changed();
  }

  /**
   * The orderer's confirmed duration and outcome, on the order's assignments — settled or not:
   * an answer after the settlement becomes an adjustment of the next one, never lost.
   * Unchanged values are not written again (a re-submitted card flags nothing).
   */
  async confirmOutcome(orderId: string, confirmedMinutes: number, outcome: 'held' | 'noShow' | 'cancelled', now: Date): Promise<void> {
    await this.col.updateMany(
      { orderId, $or: [{ confirmedMinutes: { $ne: confirmedMinutes } }, { outcome: { $ne: outcome } }] },
      { $set: { confirmedMinutes, outcome, answerPendingAt: now, updatedAt: now } },
    );
  }

  /** The expert's travel costs, on their assignment, settled or not (see confirmOutcome). */
  async recordTravel(orderId: string, expertId: string, travelKm: number, ticketCents: number, now: Date): Promise<void> {
    await this.col.updateOne(
      { orderId, expertId, $or: [{ travelKm: { $ne: travelKm } }, { ticketCents: { $ne: ticketCents } }] },
      { $set: { travelKm, ticketCents, answerPendingAt: now, updatedAt: now } },
    );
  }

  /**
   * What a settlement of a period ending at `to` must look at: finished assignments before
   * `to` never settled, and any before `to` with an answer not yet taken into account.
   */
  toSettle(to: Date): Promise<AssignmentDoc[]> {
    return this.col.find({
      startsAt: { $lt: to },
      $or: [{ fee: { $exists: false }, status: { $in: ['done', 'cancelled'] } }, { answerPendingAt: { $exists: true } }],
    }).toArray();
  }

  /** The answers were settled; a flag stays where a newer answer came after the settlement read it. */
  async clearAnswersPending(seen: { id: string; at: Date }[]): Promise<void> {
    if (seen.length === 0) return;
    await this.col.bulkWrite(seen.map((x) => ({ updateOne: { filter: { _id: x.id, answerPendingAt: x.at }, update: { $unset: { answerPendingAt: '' } } } })), { ordered: false });
  }

  /** Stores first-settlement fees, one bulk write; a fee already stored is kept. */
  async storeFees(fees: { id: string; fee: StoredFee }[]): Promise<void> {
    if (fees.length === 0) return;
    await this.col.bulkWrite(fees.map((x) => ({ updateOne: { filter: { _id: x.id, fee: { $exists: false } }, update: { $set: { fee: x.fee } } } })), { ordered: false });
  }

  of(orderId: string, expertId: string): Promise<AssignmentDoc | null> {
    return this.col.findOne({ orderId, expertId });
  }

  ofOrder(orderId: string): Promise<AssignmentDoc[]> {
    return this.col.find({ orderId }).sort({ seat: 1 }).toArray();
  }

  countLive(orderId: string): Promise<number> {
    return this.col.countDocuments({ orderId, status: 'accepted' });
  }

  async cancelAll(orderId: string, feePayable: boolean, now: Date): Promise<AssignmentDoc[]> {
    const live = await this.col.find({ orderId, status: 'accepted' }).toArray();
    await this.col.updateMany({ orderId, status: 'accepted' }, { $set: { status: 'cancelled', feePayable, updatedAt: now } });
    this.changed();
    return live;
  }

  inPeriod(from: Date, to: Date): Promise<AssignmentDoc[]> {
    return this.col.find({ startsAt: { $gte: from, $lt: to } }).toArray();
  }

  /** Accepted assignments (seats held, task not yet done) starting in [from, to), soonest first. */
  acceptedStartingIn(from: Date, to: Date): Promise<AssignmentDoc[]> {
    return this.col.find({ status: 'accepted', startsAt: { $gte: from, $lt: to } }).sort({ startsAt: 1 }).toArray();
  }

  /** The expert's assignments starting in [from, to) (the benefit guard's earnings). */
  ofExpertBetween(expertId: string, from: Date, to: Date): Promise<AssignmentDoc[]> {
    return this.col.find({ expertId, startsAt: { $gte: from, $lt: to } }).toArray();
  }

  /** Accepted assignments overlapping [from, to): the no-double-booking filter. */
  overlapping(from: Date, to: Date): Promise<AssignmentDoc[]> {
    return this.col.find({ status: 'accepted', startsAt: { $lt: to }, endsAt: { $gt: from } }).toArray();
  }

  /** Assignments per expert since `since`; fair rotation counts work agreed or done, never declines. */
  /**
   * Accepted and done assignments per expert starting from `since` (now − 90 days for ranking).
   * Reused for RECENT_COUNTS_REUSE_MS of `since` (the window moves with the clock the caller
   * dates it by) unless assignments changed through this process meanwhile; concurrent callers
   * share one aggregation. Each caller gets a map of its own.
   */
  async countsSince(since: Date): Promise<Map<string, number>> {
    const at = since.getTime();
    const kept = this.recent;
    if (!kept || Math.abs(at - kept.since) >= RECENT_COUNTS_REUSE_MS) {
      const counts = this.aggregateCountsSince(since);
      const entry = { since: at, counts };
      this.recent = entry;
      counts.catch(() => {
        if (this.recent === entry) this.recent = null;
      });
      return new Map(await counts);
    }
    return new Map(await kept.counts);
  }

  private async aggregateCountsSince(since: Date): Promise<Map<string, number>> {
    const rows = await this.col
      .aggregate<{ _id: string; n: number }>([
        { $match: { startsAt: { $gte: since }, status: { $in: ['accepted', 'done'] } } },
        { $group: { _id: '$expertId', n: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(rows.map((r) => [r._id, r.n]));
  }

  /** The expert's assignments and withdrawals, for `my data` and for planning an erasure. */
  async ofExpert(expertId: string): Promise<{ assignments: AssignmentDoc[]; withdrawals: WithdrawalDoc[] }> {
    const [assignments, withdrawals] = await Promise.all([this.col.find({ expertId }).toArray(), this.withdrawals.find({ expertId }).toArray()]);
    return { assignments, withdrawals };
  }

  /** One withdrawal record by its id (the key of the orderer's notice names it). */
  withdrawal(id: string): Promise<WithdrawalDoc | null> {
    return this.withdrawals.findOne({ _id: id });
  }

  /**
   * Erasure: fee records (assignments and withdrawals) are kept for accounting under the
   * pseudonym, which links nothing back to the person. Can be repeated.
   */
  async pseudonymize(expertId: string, pseudonym: string): Promise<void> {
    await this.col.updateMany({ expertId }, { $set: { expertId: pseudonym } });
    this.changed();
    await this.withdrawals.updateMany({ expertId }, { $set: { expertId: pseudonym } });
    for (const seat of this.seen.keys()) this.seen.delete(seat);
  }
}
