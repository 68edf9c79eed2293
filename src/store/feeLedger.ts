import { Collection, Db } from 'mongodb';
import { SettlementLine } from '../domain/feeSummary';
import { upsertRetryingLostInsert } from './duplicates';

export interface FeeLineDoc extends SettlementLine {
  /** `${period}|${assignmentId}|${kind}|${incomeType}`: one line per assignment, period and income line. */
  _id: string;
  createdAt: Date;
}

/** A settled pay period: when it was settled and its dates (the digest warns from these). */
export interface SettlementDoc {
  _id: string; // the period id
  firstDay: string;
  lastDay: string;
  paymentDate: string;
  reportBy: string;
  settledAt: Date;
  lines: number;
  totalCents: number;
}

/**
 * The fee ledger: every line ever settled, per period. What was paid for an assignment is the
 * sum of its lines; a later settlement adds only the difference (adjustments), so nothing
 * paid is rewritten and nothing owed is dropped.
 */
export class FeeLedgerRepo {
  private readonly lines: Collection<FeeLineDoc>;
  private readonly settlements: Collection<SettlementDoc>;

  constructor(db: Db) {
    this.lines = db.collection<FeeLineDoc>('feeLines');
    this.settlements = db.collection<SettlementDoc>('feeSettlements');
  }

  async ensureIndexes(): Promise<void> {
    await this.lines.createIndex({ assignmentId: 1 }, { name: 'assignment' });
    await this.lines.createIndex({ period: 1 }, { name: 'period' });
    await this.lines.createIndex({ expertId: 1, period: 1 }, { name: 'expert_period' });
    await this.settlements.createIndex({ reportBy: 1 }, { name: 'report_by' });
  }

  linesOf(assignmentIds: string[]): Promise<FeeLineDoc[]> {
    return assignmentIds.length === 0 ? Promise.resolve([]) : this.lines.find({ assignmentId: { $in: assignmentIds } }).toArray();
  }

  /** The person's paid lines (`my data`). */
  ofExpert(expertId: string): Promise<FeeLineDoc[]> {
    return this.lines.find({ expertId: expertId.toLowerCase() }).toArray();
  }

  /** Erasure: the lines stay for accounting, under the pseudonym (as the assignments they pay). */
  async pseudonymize(expertId: string, pseudonym: string): Promise<void> {
    await this.lines.updateMany({ expertId: expertId.toLowerCase() }, { $set: { expertId: pseudonym } });
  }

  ofPeriod(period: string): Promise<FeeLineDoc[]> {
    return this.lines.find({ period }).toArray();
  }

  /**
   * Makes the lines of these assignments in this period exactly `lines`, in two writes (one
   * delete, inserts in batches) rather than per assignment: on FerretDB each filtered write is
   * a scan. A resumed settlement deletes and writes the same ids again.
   */
  async replaceLines(period: string, assignmentIds: string[], lines: SettlementLine[], now: Date): Promise<void> {
    if (assignmentIds.length === 0) return;
    await this.lines.deleteMany({ period, assignmentId: { $in: assignmentIds } });
    const docs: FeeLineDoc[] = lines.map((l) => ({ ...l, _id: `${period}|${l.assignmentId}|${l.kind}|${l.incomeType}`, createdAt: now }));
    for (let i = 0; i < docs.length; i += 1000) await this.lines.insertMany(docs.slice(i, i + 1000), { ordered: false });
  }

  async recordSettlement(doc: SettlementDoc): Promise<void> {
    const { _id, ...rest } = doc;
    await upsertRetryingLostInsert(() => this.settlements.replaceOne({ _id }, rest, { upsert: true }));
  }

  settlement(period: string): Promise<SettlementDoc | null> {
    return this.settlements.findOne({ _id: period });
  }

  /** Settled periods whose Incomes Register deadline is in [fromDay, toDay]. */
  reportDueBetween(fromDay: string, toDay: string): Promise<SettlementDoc[]> {
    return this.settlements.find({ reportBy: { $gte: fromDay, $lte: toDay } }).sort({ reportBy: 1 }).toArray();
  }
}
