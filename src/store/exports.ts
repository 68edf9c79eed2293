import { randomUUID } from 'node:crypto';
import { Collection, Db } from 'mongodb';

/** A generated payroll file waiting to be handed to a coordinator in Teams. */
export interface FeeExportDoc {
  _id: string;
  month: string;
  fileName: string;
  csv: string;
  createdAt: Date;
}

export class FeeExportRepo {
  private readonly col: Collection<FeeExportDoc>;

  constructor(db: Db) {
    this.col = db.collection<FeeExportDoc>('feeExports');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ createdAt: 1 }, { name: 'created' });
  }

  async create(month: string, csv: string, now: Date): Promise<FeeExportDoc> {
    const doc: FeeExportDoc = { _id: randomUUID(), month, fileName: `palkkiot-${month}.csv`, csv, createdAt: now };
    await this.col.insertOne(doc);
    return doc;
  }

  get(id: string): Promise<FeeExportDoc | null> {
    return this.col.findOne({ _id: id });
  }

  async removeOlderThan(cutoff: Date): Promise<number> {
    return (await this.col.deleteMany({ createdAt: { $lt: cutoff } })).deletedCount;
  }

  /** Months of the payroll files still waiting for a coordinator. */
  async waitingMonths(): Promise<string[]> {
    return [...new Set((await this.col.find({}, { projection: { month: 1 } }).toArray()).map((f) => f.month))];
  }

  /** Removes the waiting payroll files of these months; returns the months that had one. */
  async removeOfMonths(months: string[]): Promise<string[]> {
    if (months.length === 0) return [];
    const files = await this.col.find({ month: { $in: months } }, { projection: { _id: 1, month: 1 } }).toArray();
    if (files.length > 0) await this.col.deleteMany({ _id: { $in: files.map((f) => f._id) } });
    return [...new Set(files.map((f) => f.month))].sort();
  }
}
