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
  readonly lines: Collection<FeeLineDoc>;
  readonly settlements: Collection<SettlementDoc>;

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

  ofPeriod(period: string): Promise<FeeLineDoc[]> {
    return this.lines.find({ period }).toArray();
  }

  /**
   * Makes the assignment's lines of this period exactly `lines`: a resumed settlement writes
   * the same ids again, and a line no longer owed is removed.
   */
  async replaceLines(period: string, assignmentId: string, lines: SettlementLine[], now: Date): Promise<void> {
    const docs: FeeLineDoc[] = lines.map((l) => ({ ...l, _id: `${period}|${assignmentId}|${l.kind}|${l.incomeType}`, createdAt: now }));
    await this.lines.deleteMany({ period, assignmentId, _id: { $nin: docs.map((d) => d._id) } });
    for (const d of docs) {
      const { _id, ...rest } = d;
      await upsertRetryingLostInsert(() => this.lines.replaceOne({ _id }, rest, { upsert: true }));
    }
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
