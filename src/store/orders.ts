import { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './duplicates';
import type { OrderInput } from '../domain/orderForm';
import type { Order } from '../domain/orderLifecycle';
import type { OrderStatus } from '../domain/types';
import { parseOrderNumber } from '../domain/orderNumber';
import { copyDoc, singleFlight } from './batching';

export type { OrderStatus };
export type OrderMode = OrderInput['mode'];

/** What the professional fills in on the order form, after validation (src/domain/orderForm.ts). */
export type OrderDetails = OrderInput;

/** An order as stored: the domain's Order (src/domain/orderLifecycle.ts) under its number. */
export interface OrderDoc extends Order {
  _id: string; // the human order number, e.g. T-2026-0042
}

/**
 * The highest order number of a year known to be taken. Only a hint for where to start
 * looking: it may lag (or even step back, as FerretDB applies updates as read-then-write),
 * and every number at or below it is taken.
 */
interface NumberHintDoc {
  _id: string;
  seq: number;
  updatedAt: Date;
}

/**
 * One submit of an order form card decided to place the order: the claim is a unique insert
 * keyed by the card's one-time form id (generation 0), or `<formId>~<n>` when a later submit
 * took over a claim whose placer died before it stored the order. Written once, never updated:
 * the order placed carries the form id (`byFormId`). Claims of older versions may also carry
 * `orderId` and `placedAt`; nothing reads them.
 */
export interface FormClaimDoc {
  _id: string;
  formId: string;
  gen: number;
  at: Date;
}

/** How often (in numbers) a process that has a year's numbers to itself raises the hint. */
const HINT_EVERY = 10;

/**
 * Numbers taken in a row without meeting another instance's after which a process takes the
 * year as its own again (the hint every HINT_EVERY numbers instead of after each order).
 */
export const SHARED_YEAR_CALM = 10;

/** Most generations of a form's claim looked at; beyond that a form is simply refused. */
export const MAX_FORM_GENERATIONS = 5;

export class OrderRepo {
  private readonly col: Collection<OrderDoc>;
  private readonly hints: Collection<NumberHintDoc>;
  private readonly forms: Collection<FormClaimDoc>;
  /** Per year: the last number-taking insert of this process, so the next waits for it. */
  private readonly lanes = new Map<number, Promise<unknown>>();
  /** Per year: the number this process took last (where its next attempt starts). */
  private readonly lastTaken = new Map<number, number>();
  /**
   * Years in which another instance has lately taken a number this process tried, with how many
   * numbers this process has taken since without meeting one (the year is dropped at SHARED_YEAR_CALM).
   */
  private readonly sharedYears = new Map<number, number>();

  constructor(db: Db) {
    this.col = db.collection<OrderDoc>('orders');
    this.hints = db.collection<NumberHintDoc>('orderNumberHints');
    this.forms = db.collection<FormClaimDoc>('orderForms');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ 'orderer.aadObjectId': 1, startsAt: -1 }, { name: 'orderer_start' });
    await this.col.createIndex({ status: 1, startsAt: 1 }, { name: 'status_start' });
    await this.col.createIndex({ startsAt: 1 }, { name: 'start' });
    // A repeated submit of an order form finds its order by the form id (plain: older orders have none).
    await this.col.createIndex({ formId: 1 }, { name: 'form' });
  }

  /**
   * Where to start looking for the next number of `year`: the hint (one lookup by _id) or, when
   * there is none yet, the highest number among the year's orders (a scan, once a year).
   */
  async highestTaken(year: number): Promise<number> {
    const hint = await this.hints.findOne({ _id: `order-${year}` });
    if (hint) return hint.seq;
    const ids = await this.col.find({ _id: { $gte: `T-${year}-`, $lt: `T-${year}.` } }, { projection: { _id: 1 } }).toArray();
    let max = 0;
    for (const { _id } of ids) {
      const n = parseOrderNumber(_id);
      if (n && n.year === year && n.seq > max) max = n.seq;
    }
    return max;
  }

  /** Raises the hint to `seq`; best effort (a lost or lower write only costs a retry later). */
  private async raiseHint(year: number, seq: number, now: Date): Promise<void> {
    try {
      await this.hints.updateOne({ _id: `order-${year}` }, { $max: { seq }, $set: { updatedAt: now } }, { upsert: true });
    } catch {
      // Two first orders of a year upserting at once: one insert loses; the hint is only a hint.
    }
  }

  /** Clean-up: form claims older than `before` (a card that old is not submitted twice). */
  async removeFormClaimsBefore(before: Date): Promise<number> {
    return (await this.forms.deleteMany({ at: { $lt: before } })).deletedCount;
  }

  async insert(order: OrderDoc): Promise<void> {
    await this.col.insertOne(order);
  }

  /**
   * Orders starting in [from, to): the orders of a month's assignments (an assignment starts
   * when its order does). One range read instead of an `$in` over every order id, which
   * FerretDB evaluates per document against the whole list (quadratic in the month's size).
   */
  startingIn(from: Date, to: Date): Promise<OrderDoc[]> {
    return this.col.find({ startsAt: { $gte: from, $lt: to } }).toArray();
  }

  byIds(ids: string[]): Promise<OrderDoc[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.col.find({ _id: { $in: ids } }).toArray();
  }

  /** One order; concurrent reads of the same order (a race for its seats) share one query. */
  get(id: string): Promise<OrderDoc | null> {
    return this.getShared(id);
  }

  private readonly getShared = singleFlight((id: string) => this.col.findOne({ _id: id }), copyDoc);

  ofOrderer(aadObjectId: string, limit = 20): Promise<OrderDoc[]> {
    return this.col.find({ 'orderer.aadObjectId': aadObjectId.toLowerCase() }).sort({ startsAt: -1 }).limit(limit).toArray();
  }

  /** Compare-and-set of the status: only one of two racing decisions wins. */
  async moveStatus(id: string, from: readonly OrderStatus[], to: OrderStatus, now: Date, extra: Partial<OrderDoc> = {}): Promise<OrderDoc | null> {
    return this.col.findOneAndUpdate(
      { _id: id, status: { $in: [...from] } },
      { $set: { ...extra, status: to, updatedAt: now } },
      { returnDocument: 'after' },
    );
  }

  async setLastWave(id: string, at: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { lastWaveAt: at } });
  }

  /**
   * Offering orders that start after `startsAfter` and whose last wave is older than `cutoff`,
   * or that have no finished wave at all (lastWaveAt is set once a wave's cards are queued, so
   * a wave cut short by a crash shows here and is resumed by offerWave).
   */
  dueForWave(cutoff: Date, startsAfter: Date): Promise<OrderDoc[]> {
    return this.col
      .find({ status: 'offering', startsAt: { $gt: startsAfter }, $or: [{ lastWaveAt: { $lte: cutoff } }, { lastWaveAt: { $exists: false } }] })
      .toArray();
  }

  /**
   * The ids of orders still "new" that start after `startsAfter`: waiting for a coordinator, or
   * (when their first wave is claimed) left there by a sender that died before the order turned
   * "offering".
   */
  async newStartingAfter(startsAfter: Date): Promise<string[]> {
    return (await this.col.find({ status: 'new', startsAt: { $gt: startsAfter } }).project<{ _id: string }>({ _id: 1 }).toArray()).map((o) => o._id);
  }

  /**
   * Inserts with the next free number of the year. The order's unique _id decides: a number
   * taken meanwhile makes the insert fail with a duplicate key, and the next one is tried.
   * No counter is incremented, since on FerretDB 1.x an $inc is a read and a separate write
   * and two racers could both get the same value. Numbers stay consecutive: a number is only
   * skipped when an order holds it.
   */
  async insertNumbered(year: number, build: (id: string) => OrderDoc, format: (year: number, seq: number) => string): Promise<OrderDoc> {
    // Orders placed at once in this process take their numbers one after another. Otherwise they
    // all try the same next number and each order costs as many failed inserts as there are
    // others placing at that moment (measured: 7.5 inserts per order at 20 concurrent submits).
    // Other instances are still met by the unique _id below.
    const turn = (this.lanes.get(year) ?? Promise.resolve()).then(() => this.insertWithNextNumber(year, build, format));
    this.lanes.set(year, turn.catch(() => undefined));
    const { doc, contended, first } = await turn;
    const seq = parseOrderNumber(doc._id)!.seq;
    // The hint only spares a starting or out-run instance its retries (it may lag, never run
    // ahead). While this process has the year's numbers to itself (one instance: the usual
    // deployment) it is raised every HINT_EVERY numbers and on its first, not by a write per
    // order. Once another instance has taken a number first, after every order, until this
    // process has taken SHARED_YEAR_CALM numbers in a row without meeting another's (the other
    // stopped placing orders, or stopped altogether): then every HINT_EVERY numbers again.
    this.noteContention(year, contended);
    if (first || this.sharedYears.has(year) || seq % HINT_EVERY === 0) await this.raiseHint(year, seq, doc.createdAt);
    return doc;
  }

  private noteContention(year: number, contended: boolean): void {
    if (contended) {
      this.sharedYears.set(year, 0);
      return;
    }
    const calm = this.sharedYears.get(year);
    if (calm === undefined) return;
    if (calm + 1 >= SHARED_YEAR_CALM) this.sharedYears.delete(year);
    else this.sharedYears.set(year, calm + 1);
  }

  private async insertWithNextNumber(year: number, build: (id: string) => OrderDoc, format: (year: number, seq: number) => string): Promise<{ doc: OrderDoc; contended: boolean; first: boolean }> {
    const last = this.lastTaken.get(year);
    let seq = (last ?? (await this.highestTaken(year))) + 1;
    let contended = false;
    for (let attempt = 0; attempt < 500; attempt++) {
      const doc = build(format(year, seq));
      try {
        await this.col.insertOne(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Taken by another instance. Its hint may already be ahead of us.
        contended = true;
        const hint = await this.hints.findOne({ _id: `order-${year}` });
        seq = Math.max(seq + 1, (hint?.seq ?? 0) + 1);
        continue;
      }
      this.lastTaken.set(year, seq);
      return { doc, contended, first: last === undefined };
    }
    throw new Error('could not allocate an order number');
  }

  static formClaimId(formId: string, gen: number): string {
    return gen === 0 ? formId : `${formId}~${gen}`;
  }

  /** Claims placing the order of form `formId` (generation `gen`); false when it was claimed already. */
  async claimForm(formId: string, gen: number, now: Date): Promise<boolean> {
    try {
      await this.forms.insertOne({ _id: OrderRepo.formClaimId(formId, gen), formId, gen, at: now });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** The claims of a form, oldest generation first: lookups by _id only. */
  async formClaims(formId: string): Promise<FormClaimDoc[]> {
    const out: FormClaimDoc[] = [];
    for (let gen = 0; gen < MAX_FORM_GENERATIONS; gen++) {
      const claim = await this.forms.findOne({ _id: OrderRepo.formClaimId(formId, gen) });
      if (!claim) break;
      out.push(claim);
    }
    return out;
  }

  /** The order placed from a form, if any (indexed: a repeated submit looks here first). */
  byFormId(formId: string): Promise<OrderDoc | null> {
    return this.col.findOne({ formId });
  }

  /** Orders of these statuses that start at or before `startsBy`: what the wave job looks after. */
  startingBy(statuses: readonly OrderStatus[], startsBy: Date): Promise<OrderDoc[]> {
    return this.col.find({ status: { $in: [...statuses] }, startsAt: { $lte: startsBy } }).toArray();
  }

  /** Orders of these statuses that start after `after` and not later than `until` (when given), soonest first. */
  startingBetween(statuses: readonly OrderStatus[], after: Date, until?: Date, limit?: number): Promise<OrderDoc[]> {
    const startsAt = until ? { $gt: after, $lte: until } : { $gt: after };
    const found = this.col.find({ status: { $in: [...statuses] }, startsAt }).sort({ startsAt: 1 });
    return (limit ? found.limit(limit) : found).toArray();
  }

  /** Orders of these statuses whose end is at or before `endsBy`: tasks that have taken place. */
  endedBy(statuses: readonly OrderStatus[], endsBy: Date): Promise<OrderDoc[]> {
    return this.col.find({ status: { $in: [...statuses] }, endsAt: { $lte: endsBy } }).toArray();
  }

  /** Orders placed since `since`, oldest first. */
  createdSince(since: Date): Promise<OrderDoc[]> {
    return this.col.find({ createdAt: { $gte: since } }).sort({ createdAt: 1 }).toArray();
  }

  cancelledSince(since: Date): Promise<OrderDoc[]> {
    return this.col.find({ status: 'cancelled', cancelledAt: { $gte: since } }).toArray();
  }

  async countUnfilledSince(since: Date): Promise<number> {
    return this.col.countDocuments({ status: 'unfilled', unfilledAt: { $gte: since } });
  }

  /** Every order the person placed (no limit: for `my data` and erasure). */
  placedBy(aadObjectId: string): Promise<OrderDoc[]> {
    return this.col.find({ 'orderer.aadObjectId': aadObjectId.toLowerCase() }).toArray();
  }

  /**
   * Erasure of an orderer: their orders stay (the county's tasks and fee records) under the
   * pseudonym, without their name or contact details.
   */
  async pseudonymizeOrderer(aadObjectId: string, pseudonym: string): Promise<void> {
    await this.col.updateMany(
      { 'orderer.aadObjectId': aadObjectId.toLowerCase() },
      // The Teams user id (orders keep it to open a 1:1 chat with the orderer) names them too.
      { $set: { 'orderer.aadObjectId': pseudonym, 'orderer.name': '', contact: { name: '' } }, $unset: { 'orderer.userId': '' } },
    );
  }
}
