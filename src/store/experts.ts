import { Collection, Db } from 'mongodb';
import { copyDoc, singleFlight } from './batching';
import { upsertRetryingLostInsert } from './duplicates';

export type ExpertStatus = 'pending' | 'active' | 'rejected';
export type ExpertLanguage = 'fi' | 'sv' | 'en' | 'other';

/** What an expert fills in on the profile card. */
export interface ExpertProfile {
  displayName: string;
  /** How the orderer of an accepted task reaches the expert (shown only then). */
  phone?: string;
  email?: string;
  themes: string[];
  taskTypes: string[];
  municipalities: string[];
  remoteOk: boolean;
  languages: ExpertLanguage[];
  description: string;
  training?: { organisation: string; year: number };
  feePreference: 'fee' | 'volunteer';
}

/** An expert of the bank. Themes are health data (GDPR art. 9): shown only to coordinators. */
export interface ExpertDoc extends ExpertProfile {
  _id: string; // Entra object id (lower case): one profile per person
  aadObjectId: string;
  status: ExpertStatus;
  paused: boolean;
  rejectionReason?: string;
  decidedBy?: string;
  /** Where the approval card was posted, so the decision can update it in place. */
  approvalCardKey?: string;
  /** When the profile last began to wait for a decision: names that round of approval. */
  pendingSince?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export class ExpertRepo {
  readonly col: Collection<ExpertDoc>;

  constructor(db: Db) {
    this.col = db.collection<ExpertDoc>('experts');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ status: 1, paused: 1 }, { name: 'status_paused' });
  }

  get(aadObjectId: string): Promise<ExpertDoc | null> {
    return this.col.findOne({ _id: aadObjectId.toLowerCase() });
  }

  /**
   * Saves a profile. A new profile, and any change to a rejected one, waits for a
   * coordinator ('pending'); an active expert's edits keep them active.
   */
  async saveProfile(aadObjectId: string, profile: ExpertProfile, now: Date): Promise<{ doc: ExpertDoc; isNew: boolean; needsApproval: boolean }> {
    const id = aadObjectId.toLowerCase();
    const before = await upsertRetryingLostInsert(() =>
      this.col.findOneAndUpdate(
        { _id: id },
        {
          $set: { ...clean(profile), updatedAt: now },
          $setOnInsert: { aadObjectId: id, status: 'pending', paused: false, pendingSince: now, createdAt: now },
        },
        { upsert: true, returnDocument: 'before' },
      ),
    );
    if (before?.status === 'rejected') {
      await this.col.updateOne({ _id: id, status: 'rejected' }, { $set: { status: 'pending', pendingSince: now }, $unset: { rejectionReason: '' } });
    }
    const doc = (await this.col.findOne({ _id: id }))!;
    return { doc, isNew: !before, needsApproval: !before || before.status === 'rejected' };
  }

  /**
   * Approve or reject, only from 'pending'. On MongoDB two clicks at once decide once; FerretDB
   * applies a conditional update as a read and a replace, so both may pass there: the expert's
   * notice is keyed by the round of approval (`pendingSince`) and sent once either way.
   */
  async decide(aadObjectId: string, decision: 'active' | 'rejected', by: string, now: Date, reason?: string): Promise<ExpertDoc | null> {
    const set: Partial<ExpertDoc> = { status: decision, decidedBy: by, updatedAt: now };
    if (reason) set.rejectionReason = reason;
    return this.col.findOneAndUpdate({ _id: aadObjectId.toLowerCase(), status: 'pending' }, { $set: set }, { returnDocument: 'after' });
  }

  async setPaused(aadObjectId: string, paused: boolean, now: Date): Promise<ExpertDoc | null> {
    return this.col.findOneAndUpdate({ _id: aadObjectId.toLowerCase() }, { $set: { paused, updatedAt: now } }, { returnDocument: 'after' });
  }

  async setApprovalCardKey(aadObjectId: string, key: string): Promise<void> {
    await this.col.updateOne({ _id: aadObjectId.toLowerCase() }, { $set: { approvalCardKey: key } });
  }

  /**
   * Everyone who may get offers (active, unpaused): matching then filters on themes, place and
   * time. Concurrent calls (orders placed at the same moment) share one read, each with its own copy.
   */
  available(): Promise<ExpertDoc[]> {
    return this.availableShared('all');
  }

  private readonly availableShared = singleFlight(() => this.col.find({ status: 'active', paused: false }).toArray(), copyDoc);

  byIds(ids: string[]): Promise<ExpertDoc[]> {
    return this.col.find({ _id: { $in: ids } }).toArray();
  }

  /** Erasure (GDPR art. 17): the profile goes whole; nothing else here names the person. */
  async eraseExpert(aadObjectId: string): Promise<void> {
    await this.col.deleteOne({ _id: aadObjectId.toLowerCase() });
  }
}

function clean<T extends object>(o: T): T {
  const out = { ...o };
  for (const k of Object.keys(out) as (keyof T)[]) if (out[k] === undefined) delete out[k];
  return out;
}
