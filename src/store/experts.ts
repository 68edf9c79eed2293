import { Collection, Db, Filter } from 'mongodb';
import { EditOutcome, EditPlan, ExpertLanguage, ExpertProfile, ExpertStatus, planEdit, reviewOf } from '../domain/expertReview';
import { ONE_REPLY, copyDoc, singleFlight } from './batching';
import { insertIgnoringDuplicates } from './duplicates';

// The profile is the domain's (domain/expertReview.ts); re-exported for the store's users.
export type { ExpertLanguage, ExpertProfile, ExpertStatus };

/** An expert of the bank. Themes are health data (GDPR art. 9): shown only to coordinators. */
export interface ExpertDoc extends ExpertProfile {
  _id: string; // Entra object id (lower case): one profile per person
  aadObjectId: string;
  /**
   * The top-level profile fields are the version others see (matching, offers, orderers'
   * cards) once active; while pending they are the version under review.
   */
  status: ExpertStatus;
  paused: boolean;
  /** The latest version number (see domain/expertReview): bumped by every change. */
  version?: number;
  /** An active expert's visible changes waiting for review; the top-level profile serves meanwhile. */
  draft?: { profile: ExpertProfile; version: number; submittedAt: Date };
  rejectionReason?: string;
  decidedBy?: string;
  /** The last decision carried out: a later click on the same card is answered from it. */
  /** `kind`: a new profile or changes (decisions carried out before it was stored: a new profile). */
  lastDecision?: { version: number; decision: 'approve' | 'reject'; by: string; kind?: 'new' | 'changes' };
  /** The approval card of the current round of review (its first post's outbox key), updated in place. */
  approvalCardKey?: string;
  /** The version the approval card was last posted or updated with. */
  approvalCardVersion?: number;
  /** When the profile last began to wait for a decision: names that round of approval. */
  pendingSince?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A coordinator's decision on one version of a profile, claimed by a unique insert before
 * anything else is written: two clicks (or a click and the recovery job) decide once, and a
 * decision cut short by a crash (status written, expert not told) is completed later from it.
 * Removed once completed (it names the expert and the coordinator): what a later click needs
 * is kept in the profile (`lastDecision`), which erasure removes with the profile.
 */
export interface ExpertDecisionDoc {
  _id: string; // `${expertId}:v${version}`
  expertId: string;
  version: number;
  /** A new profile's approval, or an active expert's changes. */
  kind: 'new' | 'changes';
  decision: 'approve' | 'reject';
  /** Entra object id and display name of the coordinator (the card says who decided). */
  by: string;
  byName: string;
  reason?: string;
  /** The approval card the decision was made on (updated in place when the job completes it). */
  cardKey?: string;
  at: Date;
}

export class ExpertRepo {
  private readonly col: Collection<ExpertDoc>;
  private readonly decisions: Collection<ExpertDecisionDoc>;

  constructor(db: Db) {
    this.col = db.collection<ExpertDoc>('experts');
    this.decisions = db.collection<ExpertDecisionDoc>('expertDecisions');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ status: 1, paused: 1 }, { name: 'status_paused' });
  }

  /** How many new or changed profiles wait for a coordinator's decision. */
  countPending(): Promise<number> {
    return this.col.countDocuments({ status: 'pending' });
  }

  /** The ids of the approved experts (paused or not). */
  async activeIds(): Promise<string[]> {
    return (await this.col.find({ status: 'active' }).project<{ _id: string }>({ _id: 1 }).toArray()).map((e) => String(e._id));
  }

  /**
   * The first expert whose display name contains `fragment` (case-insensitive): a coordinator's
   * `why` names the expert. Only the names are read to find them.
   */
  /**
   * The experts whose whole name is `name` (case and spacing aside): a coordinator's `why`
   * names one person, and a part of a name ("Anna" in "Hanna") must not open — and log a read
   * of — someone else's profile. More than one means the name is ambiguous.
   */
  async withName(name: string): Promise<ExpertDoc[]> {
    const wanted = normalName(name);
    const ids = (await this.col.find({}).project<{ _id: string; displayName?: unknown }>({ displayName: 1 }).toArray())
      .filter((e) => normalName(String(e.displayName ?? '')) === wanted)
      .map((e) => String(e._id));
    return ids.length ? this.byIds(ids) : [];
  }

  get(aadObjectId: string): Promise<ExpertDoc | null> {
    return this.col.findOne({ _id: aadObjectId.toLowerCase() });
  }

  /** A new profile, pending as version 1; null if one exists already (a concurrent first save). */
  async create(aadObjectId: string, profile: ExpertProfile, now: Date): Promise<ExpertDoc | null> {
    const id = aadObjectId.toLowerCase();
    const doc: ExpertDoc = { ...clean(profile), _id: id, aadObjectId: id, status: 'pending', paused: false, version: 1, pendingSince: now, createdAt: now, updatedAt: now };
    const inserted = await insertIgnoringDuplicates(this.col, [doc]);
    return inserted.size === 1 ? doc : null;
  }

  /**
   * Writes an edit planned by domain/expertReview.planEdit. The filter names the version the
   * plan was made from: an edit racing another edit (or a decision) writes nothing on MongoDB,
   * and the caller plans again from what is stored.
   */
  async applyEdit(before: ExpertDoc, plan: EditPlan<ExpertProfile>, now: Date): Promise<boolean> {
    const set: Record<string, unknown> = { updatedAt: now, version: plan.version };
    const unset: Record<string, ''> = {};
    if (plan.served) {
      Object.assign(set, clean(plan.served));
      for (const k of ['phone', 'email', 'training'] as const) if (plan.served[k] === undefined) unset[k] = '';
    }
    if (plan.draft) set.draft = { profile: clean(plan.draft.profile), version: plan.draft.version, submittedAt: now };
    if (plan.draft === null) unset.draft = '';
    if (plan.status === 'pending') {
      set.status = 'pending';
      if (before.status !== 'pending') {
        set.pendingSince = now;
        unset.rejectionReason = '';
      }
    }
    if (plan.draft && !before.draft) set.pendingSince = now;
    const filter = before.version === undefined ? { _id: before._id, version: { $exists: false } } : { _id: before._id, version: before.version };
    const r = await this.col.updateOne(filter, Object.keys(unset).length ? { $set: set, $unset: unset } : { $set: set });
    return r.modifiedCount === 1;
  }

  /**
   * Saves what the expert submitted, by the rules of domain/expertReview: a new profile is
   * pending as version 1; an edit is planned from the stored profile and written only if that
   * is still the stored version (else planned again).
   */
  async saveProfile(aadObjectId: string, profile: ExpertProfile, now: Date): Promise<{ doc: ExpertDoc; isNew: boolean; outcome: EditOutcome }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await this.get(aadObjectId);
      if (!before) {
        const created = await this.create(aadObjectId, profile, now);
        if (created) return { doc: created, isNew: true, outcome: 'review' };
        continue;
      }
      const plan = planEdit(before, clean(profile));
      if (plan.outcome === 'unchanged') return { doc: before, isNew: false, outcome: 'unchanged' };
      if (await this.applyEdit(before, plan, now)) return { doc: (await this.get(aadObjectId))!, isNew: false, outcome: plan.outcome };
    }
    throw new Error('profile changed concurrently too often');
  }

  /**
   * Decides the version under review at once and marks the decision complete, telling nobody:
   * for seeding data (tests, imports). Routes go through services/experts.decideExpert.
   */
  async decide(aadObjectId: string, decision: 'active' | 'rejected', by: string, now: Date, reason?: string): Promise<ExpertDoc | null> {
    const doc = await this.get(aadObjectId);
    const review = doc && reviewOf(doc);
    if (!review) return null;
    const d = await this.claimDecision({ expertId: doc._id, version: review.version, kind: review.kind, decision: decision === 'active' ? 'approve' : 'reject', by, byName: '', reason, at: now });
    if (!d) return this.get(aadObjectId);
    const after = await this.applyDecision(d, now);
    await this.completeDecision(d._id);
    return after;
  }

  /** Records which approval card shows which version (the key only when a new card was posted). */
  async markApprovalCard(aadObjectId: string, version: number, key?: string): Promise<void> {
    await this.col.updateOne({ _id: aadObjectId.toLowerCase() }, { $set: { approvalCardVersion: version, ...(key ? { approvalCardKey: key } : {}) } });
  }

  /**
   * Carries out a claimed decision on the profile, if the decided version is still the one
   * under review (otherwise it was carried out already, or the profile moved on): approve makes
   * it the served profile; reject marks a new profile rejected or drops an active one's draft.
   * Safe to repeat. Returns the profile as it stands afterwards.
   */
  async applyDecision(d: ExpertDecisionDoc, now: Date): Promise<ExpertDoc | null> {
    const doc = await this.get(d.expertId);
    if (!doc) return null;
    const review = reviewOf(doc);
    if (!review || review.version !== d.version) return doc;
    const set: Record<string, unknown> = { decidedBy: d.by, lastDecision: { version: d.version, decision: d.decision, by: d.by, kind: review.kind }, updatedAt: now };
    const unset: Record<string, ''> = { approvalCardKey: '', approvalCardVersion: '' };
    if (review.kind === 'new') {
      set.status = d.decision === 'approve' ? 'active' : 'rejected';
      if (d.decision === 'reject' && d.reason) set.rejectionReason = d.reason;
    } else {
      unset.draft = '';
      if (d.decision === 'approve') {
        Object.assign(set, clean(review.profile));
        for (const k of ['phone', 'email', 'training'] as const) if (review.profile[k] === undefined) unset[k] = '';
      }
    }
    await this.col.updateOne({ _id: doc._id, version: doc.version ?? { $exists: false } } as Filter<ExpertDoc>, { $set: set, $unset: unset });
    return this.get(d.expertId);
  }

  /**
   * Claims the decision on one version: the claim itself, or the open claim made before on it;
   * null if that one was completed (and removed) in between: see the profile's lastDecision.
   */
  async claimDecision(d: Omit<ExpertDecisionDoc, '_id'>): Promise<ExpertDecisionDoc | null> {
    const doc: ExpertDecisionDoc = { _id: decisionId(d.expertId, d.version), ...d };
    if (!d.reason) delete doc.reason;
    const inserted = await insertIgnoringDuplicates(this.decisions, [doc]);
    if (inserted.size === 1) return doc;
    return this.decisions.findOne({ _id: doc._id });
  }

  decisionOn(expertId: string, version: number): Promise<ExpertDecisionDoc | null> {
    return this.decisions.findOne({ _id: decisionId(expertId, version) });
  }

  /** A decision carried out (profile, notice, card queued): its claim is removed. */
  async completeDecision(id: string): Promise<void> {
    await this.decisions.deleteOne({ _id: id });
  }

  /** Decisions a crash left half done (every claim still present), oldest first. */
  openDecisions(): Promise<ExpertDecisionDoc[]> {
    return this.decisions.find({}).sort({ at: 1 }).limit(100).toArray();
  }

  /** Profiles with a version waiting for review (pending, or active with a draft). */
  async underReview(): Promise<ExpertDoc[]> {
    const [pending, drafts] = await Promise.all([
      this.col.find({ status: 'pending' }).toArray(),
      this.col.find({ status: 'active', draft: { $exists: true } }).toArray(),
    ]);
    return [...pending, ...drafts];
  }

  async setPaused(aadObjectId: string, paused: boolean, now: Date): Promise<ExpertDoc | null> {
    return this.col.findOneAndUpdate({ _id: aadObjectId.toLowerCase() }, { $set: { paused, updatedAt: now } }, { returnDocument: 'after' });
  }


  /**
   * Everyone who may get offers (active, unpaused): matching then filters on themes, place and
   * time. Concurrent calls (orders placed at the same moment) share one read, each with its own copy.
   */
  available(): Promise<ExpertDoc[]> {
    return this.availableShared('all');
  }

  private readonly availableShared = singleFlight(() => this.col.find({ status: 'active', paused: false }, ONE_REPLY).toArray(), copyDoc);

  byIds(ids: string[]): Promise<ExpertDoc[]> {
    // No read for no ids: FerretDB answers `$in: []` by scanning the whole collection.
    return ids.length === 0 ? Promise.resolve([]) : this.col.find({ _id: { $in: ids } }).toArray();
  }

  /** Erasure (GDPR art. 17): the profile goes whole, and any decision on it a crash left half done. */
  async eraseExpert(aadObjectId: string): Promise<void> {
    const id = aadObjectId.toLowerCase();
    await this.col.deleteOne({ _id: id });
    await this.decisions.deleteMany({ expertId: id });
  }
}

function normalName(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}

function decisionId(expertId: string, version: number): string {
  return `${expertId.toLowerCase()}:v${version}`;
}

function clean<T extends object>(o: T): T {
  const out = { ...o };
  for (const k of Object.keys(out) as (keyof T)[]) if (out[k] === undefined) delete out[k];
  return out;
}
