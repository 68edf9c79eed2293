import { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './duplicates';

/** A small JSON object a job writes so that a later attempt continues where this one stopped. */
export type Checkpoint = Record<string, unknown>;
/** Small, non-personal inputs of a run (e.g. { month: '2026-10' }); kept so a resumed attempt has them. */
export type JobParams = Record<string, string | number | boolean>;

export type JobRunStatus = 'running' | 'done' | 'failed';

/**
 * One ATTEMPT of one run. A run is identified by runKey = `${job}@${key}` (key: the scheduled
 * time as ISO, or a caller's stable key such as '2026-10'); its attempts are `${runKey}#1`,
 * `#2`, … and the one with the highest number is the run's state.
 *
 * Why one document per attempt instead of one per run updated in place: the local database
 * (FerretDB 1.x, SQLite) executes findOneAndUpdate/updateOne as read-then-replace, so a
 * conditional update is NOT a compare-and-set — measured: two instances taking over the same
 * expired lease both "won" 100 times out of 100. Inserting a unique _id is atomic there and on
 * MongoDB alike, so every claim is an insert, and each document has one writer (its owner).
 */
export interface JobRunDoc {
  _id: string; // `${runKey}#${attempt}`
  runKey: string;
  job: string;
  key: string;
  scheduledFor: Date;
  attempt: number;
  status: JobRunStatus;
  owner: string; // hostname:pid:random
  leaseUntil: Date;
  startedAt: Date;
  finishedAt?: Date;
  progress?: Checkpoint;
  params?: JobParams;
  /** Error class and code only: messages of driver/HTTP errors can echo documents or names. */
  error?: { name: string; code?: string | number };
  /** Set on a failed attempt that may be retried, from this time on. */
  retryAt?: Date;
  /** Set when its owner gave it up on shutdown (the lease then ends at once). */
  releasedAt?: Date;
  /** Set (best effort) by the owner of the next attempt, so sweepers stop looking at this one. */
  supersededBy?: number;
}

export interface RunRef {
  job: string;
  key: string;
  scheduledFor: Date;
  params?: JobParams;
}

export interface ClaimOptions {
  owner: string;
  now: Date;
  leaseMs: number;
  /** A coordinator asked: also retry a run whose last attempt failed, now, however often it failed. */
  manual?: boolean;
  /** A run whose owners died this many times (crash loop) is given up on, not retried. */
  maxAttempts?: number;
}

export type ClaimResult =
  | { claimed: true; run: JobRunDoc }
  | { claimed: false; state: 'done' | 'running' | 'failed'; latest?: JobRunDoc };

export const runKeyOf = (job: string, key: string): string => `${job}@${key}`;
const attemptId = (runKey: string, attempt: number): string => `${runKey}#${attempt}`;

export class JobRunRepo {
  private readonly col: Collection<JobRunDoc>;

  constructor(db: Db) {
    this.col = db.collection<JobRunDoc>('jobRuns');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ runKey: 1, attempt: -1 }, { name: 'run_attempt', unique: true });
    await this.col.createIndex({ status: 1, leaseUntil: 1 }, { name: 'status_lease' });
    await this.col.createIndex({ job: 1, startedAt: -1 }, { name: 'job_started' });
  }

  /**
   * Claims the run for `owner`: creates attempt 1, or — when the latest attempt's owner died
   * (lease expired) or it failed and its retry is due — creates the next attempt, carrying over
   * its progress and params. Never claims a run that is done. Every path is a unique insert, so
   * of any number of concurrent claimers exactly one gets { claimed: true }.
   */
  async claim(ref: RunRef, o: ClaimOptions): Promise<ClaimResult> {
    const runKey = runKeyOf(ref.job, ref.key);
    const first = await this.insertAttempt(runKey, 1, ref, undefined, o);
    if (first) return { claimed: true, run: first };
    const latest = await this.latest(runKey);
    if (!latest) return { claimed: false, state: 'running' }; // removed meanwhile; next tick decides
    return this.takeOver(latest, o);
  }

  /** Claims the next attempt after `latest` if that is allowed now (used by claim and the sweeper). */
  async takeOver(latest: JobRunDoc, o: ClaimOptions): Promise<ClaimResult> {
    const now = o.now.getTime();
    if (latest.status === 'done') return { claimed: false, state: 'done', latest };
    const expired = latest.status === 'running' && latest.leaseUntil.getTime() < now;
    const retryDue = latest.status === 'failed' && (o.manual || (latest.retryAt !== undefined && latest.retryAt.getTime() <= now));
    if (!expired && !retryDue) return { claimed: false, state: latest.status, latest };
    if (expired && !o.manual && o.maxAttempts !== undefined && latest.attempt >= o.maxAttempts) {
      // Its owners keep dying mid-run: stop here rather than crash every instance in turn.
      await this.col.updateOne({ _id: latest._id }, { $set: { status: 'failed', finishedAt: o.now, error: { name: 'AttemptsExhausted' } } });
      return { claimed: false, state: 'failed', latest };
    }
    const ref: RunRef = { job: latest.job, key: latest.key, scheduledFor: latest.scheduledFor, params: latest.params };
    const next = await this.insertAttempt(latest.runKey, latest.attempt + 1, ref, latest.progress, o);
    // Best effort and possibly lost to a concurrent write of the old owner: it only saves
    // sweepers a look, since the insert above is what excludes everyone else.
    await this.col.updateOne({ _id: latest._id }, { $set: { supersededBy: latest.attempt + 1 }, $unset: { retryAt: '' } });
    return next ? { claimed: true, run: next } : { claimed: false, state: 'running', latest };
  }

  /**
   * Extends the lease (and stores progress, when given). Returns false when a later attempt
   * exists, i.e. someone took the run over: the caller must stop. Checked after the write, so
   * a takeover that read the old lease before this write landed is still seen.
   */
  async renew(run: JobRunDoc, leaseUntil: Date, progress?: Checkpoint): Promise<boolean> {
    const set: Partial<JobRunDoc> = { leaseUntil };
    if (progress !== undefined) set.progress = progress;
    await this.col.updateOne({ _id: run._id, owner: run.owner }, { $set: set });
    return !(await this.col.findOne({ _id: attemptId(run.runKey, run.attempt + 1) }, { projection: { _id: 1 } }));
  }

  /** Stores progress; same contract as renew. */
  checkpoint(run: JobRunDoc, progress: Checkpoint, leaseUntil: Date): Promise<boolean> {
    return this.renew(run, leaseUntil, progress);
  }

  async finish(run: JobRunDoc, now: Date): Promise<void> {
    await this.col.updateOne({ _id: run._id, owner: run.owner }, { $set: { status: 'done', finishedAt: now } });
  }

  /**
   * Gives the run up on shutdown, after its job stopped: the lease ends now, so another
   * instance's sweeper resumes it from its last checkpoint at once instead of after the lease.
   * Only the owner's attempt that is still running; a later attempt means it was taken over.
   */
  async release(run: JobRunDoc, now: Date): Promise<void> {
    await this.col.updateOne({ _id: run._id, owner: run.owner, status: 'running' }, { $set: { leaseUntil: now, releasedAt: now } });
  }

  /** Records a thrown attempt; with retryAt a sweeper retries it from its progress, without it is final. */
  async fail(run: JobRunDoc, now: Date, error: { name: string; code?: string | number }, retryAt?: Date): Promise<void> {
    const set: Partial<JobRunDoc> = { status: 'failed', finishedAt: now, error };
    if (retryAt) set.retryAt = retryAt;
    await this.col.updateOne({ _id: run._id, owner: run.owner }, { $set: set });
  }

  /** Latest attempts that need someone: owner died (lease expired) or retry due. */
  stale(jobs: string[], now: Date, limit = 50): Promise<JobRunDoc[]> {
    return this.col
      .find({
        job: { $in: jobs },
        supersededBy: { $exists: false },
        $or: [{ status: 'running', leaseUntil: { $lt: now } }, { status: 'failed', retryAt: { $lte: now } }],
      })
      .limit(limit)
      .toArray();
  }

  latest(runKey: string): Promise<JobRunDoc | null> {
    return this.col.findOne({ runKey }, { sort: { attempt: -1 } });
  }

  /** The job's most recent attempts, newest first (for a coordinator's status view). */
  recent(job: string, n: number): Promise<JobRunDoc[]> {
    return this.col.find({ job }).sort({ startedAt: -1 }).limit(n).toArray();
  }

  private async insertAttempt(runKey: string, attempt: number, ref: RunRef, progress: Checkpoint | undefined, o: ClaimOptions): Promise<JobRunDoc | null> {
    const doc: JobRunDoc = {
      _id: attemptId(runKey, attempt),
      runKey,
      job: ref.job,
      key: ref.key,
      scheduledFor: ref.scheduledFor,
      attempt,
      status: 'running',
      owner: o.owner,
      leaseUntil: new Date(o.now.getTime() + o.leaseMs),
      startedAt: o.now,
    };
    if (progress !== undefined) doc.progress = progress;
    if (ref.params !== undefined) doc.params = ref.params;
    try {
      await this.col.insertOne(doc);
      return doc;
    } catch (e) {
      if (isDuplicateKey(e)) return null;
      throw e;
    }
  }
}
