import { Checkpoint, JobRunDoc, JobRunRepo } from '../store/jobRuns';

/** The run was taken over (or our lease ran out unrenewed): stop, another attempt continues. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** The scheduler is stopping and the grace period is over: stop, another attempt continues. */
export class ShutdownError extends Error {
  override name = 'ShutdownError';
}

const MAX_CHECKPOINT_CHARS = 4096;

export interface LeaseOptions {
  leaseMs: number;
  now: () => Date;
  onLost?: (why: string) => void;
}

/**
 * Keeps one claimed attempt's lease alive while its job runs, so a job that runs longer than
 * the lease is not taken over while its process lives, and tells the job (signal) when it
 * must stop because it lost the lease.
 */
export class Lease {
  private readonly ac = new AbortController();
  readonly signal = this.ac.signal;
  progress: Checkpoint | undefined;
  private until: number;
  private timer?: NodeJS.Timeout;
  private renewing = false;
  // The database applies an update as read-then-replace (FerretDB 1.x), so two of our own
  // writes in flight could undo each other (a renewal resurrecting 'running' after 'done').
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: JobRunRepo,
    readonly run: JobRunDoc,
    private readonly o: LeaseOptions,
  ) {
    this.until = run.leaseUntil.getTime();
    this.progress = run.progress;
  }

  start(): void {
    this.timer = setInterval(() => this.beat(), Math.max(1, Math.floor(this.o.leaseMs / 3)));
  }

  /** Stores progress with a renewal; throws LeaseLostError when the run is no longer ours. */
  async checkpoint(progress: Checkpoint): Promise<void> {
    if (JSON.stringify(progress).length > MAX_CHECKPOINT_CHARS) throw new Error('checkpoint too large; store ids, not data');
    if (!(await this.extend(progress))) throw this.signal.reason as Error;
    this.progress = progress;
  }

  async finish(): Promise<void> {
    this.close();
    await this.serial(() => this.repo.finish(this.run, this.o.now()));
  }

  async fail(error: { name: string; code?: string | number }, retryAt?: Date): Promise<void> {
    this.close();
    await this.serial(() => this.repo.fail(this.run, this.o.now(), error, retryAt));
  }

  /**
   * After a shutdown halted the job and it returned: ends the lease now (see JobRunRepo.release),
   * in order after any renewal still on its way, so a late renewal cannot extend it again.
   */
  async release(): Promise<void> {
    this.close();
    await this.serial(() => this.repo.release(this.run, this.o.now()));
  }

  /** Stops renewing and signals the job; its lease lapses and a sweeper resumes the run. */
  halt(reason: Error): void {
    this.close();
    if (!this.signal.aborted) this.ac.abort(reason);
  }

  /**
   * Another instance takes over only once leaseUntil has passed by ITS clock. Giving up our
   * claim a margin earlier, unless a renewal was acknowledged before then, keeps the two from
   * running together as long as clocks differ by less than the margin.
   */
  private get deadline(): number {
    return this.until - this.o.leaseMs / 6;
  }

  private beat(): void {
    if (this.o.now().getTime() > this.deadline) {
      this.lose('lease ran out unrenewed');
      return;
    }
    if (this.renewing) return;
    this.renewing = true;
    this.extend()
      .catch(() => undefined) // database unreachable: the next beat retries; the deadline decides
      .finally(() => {
        this.renewing = false;
      });
  }

  private extend(progress?: Checkpoint): Promise<boolean> {
    return this.serial(async () => {
      if (this.signal.aborted) return false;
      const sentAt = this.o.now().getTime();
      const ours = await this.repo.renew(this.run, new Date(sentAt + this.o.leaseMs), progress);
      if (!ours) return this.lose('taken over by another attempt');
      if (this.o.now().getTime() > this.deadline) return this.lose('renewal acknowledged too late');
      this.until = sentAt + this.o.leaseMs;
      return true;
    });
  }

  private lose(why: string): false {
    if (!this.signal.aborted) {
      this.close();
      this.ac.abort(new LeaseLostError(why));
      this.o.onLost?.(why);
    }
    return false;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.chain.then(fn);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Stops renewing (the run ended). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
