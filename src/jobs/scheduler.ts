/**
 * Scheduled jobs, run once per occurrence however many bot instances share the database.
 *
 * How: node-cron ticks in every instance (in the deployment's time zone); each tick names its
 * occurrence by the scheduled instant, and the instance that claims that run in MongoDB
 * (store/jobRuns.ts) runs it while holding a renewed lease. A run that is done is never claimed
 * again (restarts included); a run whose owner died is resumed by a sweeper once its lease has
 * expired, from the progress it checkpointed. Coordinator commands (runNow) use the same claim.
 *
 * CONTRACT FOR JOBS — "exactly once" holds for the run record, not for your side effects:
 * - A step can run twice: an instance can die after a side effect and before it checkpointed.
 *   Make every side effect idempotent by a deterministic key, e.g. enqueue outbox items with
 *   keys like `digest:${ctx.localDate}:${conversationId}`, upsert instead of insert.
 * - After each durable step call `await ctx.checkpoint({...})` (small; ids and dates only, no
 *   personal data); a resumed attempt receives it as ctx.progress and skips what it covers.
 * - When ctx.signal aborts (lease lost, or shutdown after the grace period), stop soon: throw
 *   or return. checkpoint() throws LeaseLostError then. Ignoring it risks two runners.
 * - Throwing fails the attempt; it is retried from the last checkpoint after retryDelayMs, up
 *   to maxAttempts attempts, then stays 'failed' until a coordinator runs it again (runNow).
 * - Occurrences are independent runs: one that outlasts the cron period overlaps the next.
 * - An occurrence that no instance was up for is skipped, not caught up later.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createTask, ScheduledTask, validate } from 'node-cron';
import { systemNow } from '../clock';
import { Logger } from '../log';
import { Checkpoint, ClaimOptions, JobParams, JobRunDoc, JobRunRepo, RunRef } from '../store/jobRuns';
import { Lease, ShutdownError } from './lease';
import { localDate, occurrenceKey, occurrenceOf } from './occurrence';

export { LeaseLostError, ShutdownError } from './lease';

export interface JobContext {
  job: string;
  /** `${job}@${key}`: unique per run; a good prefix for the run's idempotency keys. */
  runKey: string;
  key: string;
  scheduledFor: Date;
  /** scheduledFor's date (YYYY-MM-DD) in the deployment's time zone. */
  localDate: string;
  attempt: number;
  params?: JobParams;
  /** What an earlier attempt of this run checkpointed (updated by checkpoint()). */
  readonly progress: Checkpoint | undefined;
  checkpoint(progress: Checkpoint): Promise<void>;
  now(): Date;
  signal: AbortSignal;
}

export interface JobDefinition {
  name: string;
  /** node-cron expression in the deployment's time zone; 6 fields = with seconds. None: runNow only. */
  cron?: string;
  run(ctx: JobContext): Promise<void>;
}

/**
 * done/failed: this call ran the job (failed = it threw). abandoned: it started but lost its
 * lease or was stopped; another attempt resumes it. already-done, running-elsewhere,
 * failed-before (last attempt failed, no retry due): not run here. not-run: stopping, or the
 * database failed during the claim (logged).
 */
export type RunOutcome = 'done' | 'failed' | 'abandoned' | 'already-done' | 'running-elsewhere' | 'failed-before' | 'not-run';

export interface SchedulerOptions {
  repo: JobRunRepo;
  /** IANA zone the cron expressions are read in (config.timeZone). */
  timeZone: string;
  log: Logger;
  owner?: string;
  /** A dead owner's run is resumed after this; renewed every third of it while alive. */
  leaseMs?: number;
  sweepEveryMs?: number;
  retryDelayMs?: number;
  maxAttempts?: number;
  /** The bot's clock (deps.now): what jobs see as now, and what leases and run keys count in. */
  now?: () => Date;
  /**
   * How far `now` runs ahead of the system clock that node-cron ticks by (a local demo's moved
   * clock): a tick is named by its instant on the bot's clock, as runNow names its run.
   */
  offsetMs?: () => number;
}

const JOB_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const RUN_KEY = /^[A-Za-z0-9:._+-]{1,64}$/;

export class Scheduler {
  readonly owner: string;
  private readonly o: Required<Omit<SchedulerOptions, 'owner'>>;
  private readonly jobs = new Map<string, JobDefinition>();
  private readonly tasks: ScheduledTask[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly leases = new Set<Lease>();
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;
  private started = false;
  private stopping = false;

  constructor(opts: SchedulerOptions) {
    const leaseMs = opts.leaseMs ?? 60_000;
    this.o = {
      repo: opts.repo,
      timeZone: opts.timeZone,
      log: opts.log,
      leaseMs,
      sweepEveryMs: opts.sweepEveryMs ?? 60_000,
      retryDelayMs: opts.retryDelayMs ?? leaseMs,
      maxAttempts: opts.maxAttempts ?? 5,
      now: opts.now ?? systemNow,
      offsetMs: opts.offsetMs ?? (() => 0),
    };
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  register(def: JobDefinition): this {
    if (this.started) throw new Error('register jobs before start()');
    if (!JOB_NAME.test(def.name)) throw new Error(`bad job name "${def.name}"`);
    if (this.jobs.has(def.name)) throw new Error(`job "${def.name}" registered twice`);
    if (def.cron !== undefined && !validate(def.cron)) throw new Error(`bad cron expression for job "${def.name}"`);
    this.jobs.set(def.name, def);
    return this;
  }

  /** Schedules every job with a cron expression and starts the sweeper (now and periodically). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const def of this.jobs.values()) {
      if (!def.cron) continue;
      const task = createTask(def.cron, (c) => this.tick(def.name, c.date), {
        name: def.name,
        timezone: this.o.timeZone,
        // Default 1 s: a slightly blocked event loop would silently skip the occurrence here.
        missedExecutionTolerance: 30_000,
        logger: this.cronLogger(def.name),
      });
      void task.start();
      this.tasks.push(task);
    }
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.o.sweepEveryMs);
  }

  /** What the cron task does at each tick; public so tests can drive occurrences. Database errors are logged, not thrown. */
  async tick(name: string, tickTime: Date): Promise<RunOutcome> {
    const def = this.job(name);
    const scheduledFor = occurrenceOf(def.cron ?? '* * * * *', new Date(tickTime.getTime() + this.o.offsetMs()));
    const ref = { job: name, key: occurrenceKey(scheduledFor), scheduledFor };
    return this.claimAndRun(def, ref, false).catch((error: unknown) => {
      this.o.log.warn({ job: name, key: ref.key, err: (error as Error).name }, 'job tick could not claim its run');
      return 'not-run' as const;
    });
  }

  /**
   * A coordinator's "run it now". Without a key the run is the current minute's occurrence
   * (so it coincides with a cron tick of the same minute); with one (e.g. '2026-10' for
   * "fees 2026-10") it runs once per key. A run whose last attempt failed is retried.
   * Params are stored with the first attempt only. Resolves when the run ends here (or at
   * once when it is not run here); database errors reject.
   */
  async runNow(name: string, opts: { key?: string; params?: JobParams } = {}): Promise<RunOutcome> {
    const def = this.job(name);
    if (opts.key !== undefined && !RUN_KEY.test(opts.key)) throw new Error('run key: 1-64 of A-Z a-z 0-9 : . _ + -');
    const scheduledFor = occurrenceOf('* * * * *', this.o.now());
    return this.claimAndRun(def, { job: name, key: opts.key ?? occurrenceKey(scheduledFor), scheduledFor, params: opts.params }, true);
  }

  /** Resumes runs whose owner died or whose retry is due; resolves when those attempts end. */
  async recoverStale(): Promise<RunOutcome[]> {
    return Promise.all(await this.claimStale());
  }

  /**
   * Stops scheduling, waits up to graceMs for running jobs, then signals the rest to stop and
   * waits up to haltMs more for them to return: a job that returned gives its lease up (another
   * instance resumes it from its checkpoint at its next sweep); one that did not keeps it until
   * it lapses, so that two runners never overlap.
   */
  async stop(graceMs = 30_000, haltMs = 5_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    for (const task of this.tasks.splice(0)) await task.destroy();
    await settledWithin([...this.pending], graceMs);
    if (this.leases.size === 0) return;
    for (const lease of this.leases) lease.halt(new ShutdownError('scheduler stopping'));
    await settledWithin([...this.pending], haltMs);
  }

  private job(name: string): JobDefinition {
    const def = this.jobs.get(name);
    if (!def) throw new Error(`no job "${name}"`);
    return def;
  }

  private claimOptions(manual: boolean): ClaimOptions {
    return { owner: this.owner, now: this.o.now(), leaseMs: this.o.leaseMs, manual, maxAttempts: this.o.maxAttempts };
  }

  private claimAndRun(def: JobDefinition, ref: RunRef, manual: boolean): Promise<RunOutcome> {
    if (this.stopping) return Promise.resolve('not-run');
    return this.track(
      (async (): Promise<RunOutcome> => {
        const res = await this.o.repo.claim(ref, this.claimOptions(manual));
        if (res.claimed) return this.execute(def, res.run);
        return res.state === 'done' ? 'already-done' : res.state === 'running' ? 'running-elsewhere' : 'failed-before';
      })(),
    );
  }

  private async claimStale(): Promise<Promise<RunOutcome>[]> {
    if (this.stopping || this.jobs.size === 0) return [];
    const runs: Promise<RunOutcome>[] = [];
    for (const latest of await this.o.repo.stale([...this.jobs.keys()], this.o.now())) {
      const res = await this.o.repo.takeOver(latest, this.claimOptions(false));
      if (!res.claimed || this.stopping) continue;
      this.o.log.info({ job: latest.job, runKey: latest.runKey, attempt: res.run.attempt }, 'resuming job run');
      runs.push(this.track(this.execute(this.job(latest.job), res.run)));
    }
    return runs;
  }

  /** The periodic sweep: one at a time, errors logged (the database may be down for a while). */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.track(this.claimStale());
    } catch (error) {
      this.o.log.warn({ err: (error as Error).name }, 'job sweep failed; retrying at the next one');
    } finally {
      this.sweeping = false;
    }
  }

  private async execute(def: JobDefinition, run: JobRunDoc): Promise<RunOutcome> {
    const at = { job: run.job, runKey: run.runKey, attempt: run.attempt };
    const lease = new Lease(this.o.repo, run, {
      leaseMs: this.o.leaseMs,
      now: this.o.now,
      onLost: (why) => this.o.log.warn({ ...at, why }, 'job lost its lease'),
    });
    const ctx: JobContext = {
      job: run.job,
      runKey: run.runKey,
      key: run.key,
      scheduledFor: run.scheduledFor,
      localDate: localDate(run.scheduledFor, this.o.timeZone),
      attempt: run.attempt,
      params: run.params,
      get progress() {
        return lease.progress;
      },
      checkpoint: (progress) => lease.checkpoint(progress),
      now: this.o.now,
      signal: lease.signal,
    };
    this.leases.add(lease);
    lease.start();
    this.o.log.info(at, 'job run started');
    try {
      try {
        await def.run(ctx);
      } catch (error) {
        if (lease.signal.aborted) {
          // The next attempt resumes from the checkpoint; after a shutdown it may start at once.
          if (lease.signal.reason instanceof ShutdownError) await lease.release();
          return 'abandoned';
        }
        const retryAt = run.attempt < this.o.maxAttempts ? new Date(this.o.now().getTime() + this.o.retryDelayMs) : undefined;
        this.o.log.warn({ ...at, err: errorSummary(error), retryAt }, 'job run failed');
        await lease.fail(errorSummary(error), retryAt);
        return 'failed';
      }
      // Recorded even if the lease was lost meanwhile: the work is complete, and a later
      // attempt (if one started) only repeats idempotent steps.
      await lease.finish();
      this.o.log.info(at, 'job run done');
      return 'done';
    } catch (error) {
      this.o.log.error({ ...at, err: (error as Error).name }, 'could not record the job run; it will be repeated after its lease expires');
      return 'abandoned';
    } finally {
      lease.close();
      this.leases.delete(lease);
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const forget = () => this.pending.delete(p);
    p.then(forget, forget);
    return p;
  }

  private cronLogger(job: string) {
    const log = this.o.log;
    return {
      info: (m: string) => log.debug({ job }, m),
      warn: (m: string) => log.warn({ job }, m),
      error: (m: string | Error) => log.error({ job, err: typeof m === 'string' ? m : m.name }, 'node-cron error'),
      debug: (m: string | Error) => log.debug({ job }, typeof m === 'string' ? m : m.name),
    };
  }
}

async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}

function errorSummary(error: unknown): { name: string; code?: string | number } {
  const e = error as { name?: unknown; code?: unknown } | null;
  const summary: { name: string; code?: string | number } = { name: typeof e?.name === 'string' ? e.name : 'Error' };
  if (typeof e?.code === 'string' || typeof e?.code === 'number') summary.code = e.code;
  return summary;
}
