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
  readonly col: Collection<FeeExportDoc>;

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
}
