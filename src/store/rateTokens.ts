import { Collection, Db, MongoBulkWriteError } from 'mongodb';
import { isDuplicateKey } from './duplicates';

/** One request's right to reach Teams: number `_id` of the app's single sequence, to start between `at` and `until`. */
export interface RateTokenDoc {
  _id: number;
  at: Date;
  /** The latest its request may start (the claimer throws it away after that). */
  until: Date;
  owner: string;
}

/** A token won: its request may start from `at` until `until` (ms). */
export interface RateToken {
  at: number;
  until: number;
}

export interface TokenRules {
  /** At most this many requests in any `windowMs` (Teams: 50 per app per second). */
  limit: number;
  windowMs: number;
  /** Added to each window: requests sent in order may reach Teams a little out of order. */
  wireMs: number;
}

/** Tokens older than this are only kept while they are among the newest (the sequence must go on). */
const KEEP_MS = 10_000;

/**
 * The app-wide request budget shared by every instance (Teams counts its per-app limit over the
 * whole bot, not per process): one sequence of numbered tokens in the `rateTokens` collection.
 * A request may start only with a token of its own, claimed as it is about to start, between the
 * token's `at` (the claim's time) and `until` (which the claimer chooses: its claims' round
 * trip plus a little), and
 *
 *     at(n) >= until(n - limit) + windowMs + wireMs,   at(n) >= at(n - 1)
 *
 * so that however the tokens are spread over instances, no `windowMs` holds more than `limit`
 * starts. The first `limit` of a quiet moment may all start at once: the burst Teams allows.
 *
 * Token n is won by inserting `_id: n` (a unique insert: exactly one instance gets it, on
 * FerretDB as on MongoDB), and only right after n-1 exists (an ordered insert of n, n+1, …
 * stops at the first number someone else took), so the sequence has no gaps to exploit.
 */
export class RateTokenRepo {
  private readonly col: Collection<RateTokenDoc>;
  /** The highest token number this process has seen (a hint for the next read). */
  private knownMax = -1;
  private lastPrune = 0;

  constructor(db: Db) {
    this.col = db.collection<RateTokenDoc>('rateTokens');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ at: 1 }, { name: 'at' });
  }

  /**
   * Claims up to `want` (at most `rules.limit`) consecutive tokens for `owner` that may be used
   * now, and only those: a token is claimed when its request is about to start, so none is
   * claimed ahead and left to go stale. When the window is full, `nextAt` says when the next
   * token will be free. Empty, without `nextAt`, when other instances took the numbers first
   * `attempts` times in a row.
   */
  async claim(owner: string, nowMs: number, want: number, validMs: number, rules: TokenRules, attempts = 5): Promise<{ tokens: RateToken[]; nextAt?: number }> {
    const count = Math.max(1, Math.min(want, rules.limit));
    for (let attempt = 0; attempt < attempts; attempt++) {
      // The newest tokens: the last `limit` decide when the next ones may start. The
      // collection is kept small (see prune), so this read is cheap on FerretDB too.
      const recent = await this.col.find({ _id: { $gt: this.knownMax - rules.limit } }, { projection: { _id: 1, at: 1, until: 1 } }).toArray();
      const byId = new Map(recent.map((t) => [t._id, { at: t.at.getTime(), until: t.until.getTime() }]));
      const max = recent.reduce((m, t) => Math.max(m, t._id), this.knownMax);
      this.knownMax = max;
      const docs: RateTokenDoc[] = [];
      let previous = byId.get(max)?.at ?? -Infinity;
      for (let i = 0; i < count; i++) {
        const n = max + 1 + i;
        const windowStart = byId.get(n - rules.limit)?.until ?? -Infinity;
        const at = Math.max(nowMs, previous, windowStart + rules.windowMs + rules.wireMs);
        if (at > nowMs) {
          if (i === 0) return { tokens: [], nextAt: at };
          break;
        }
        const until = at + validMs;
        byId.set(n, { at, until });
        previous = at;
        docs.push({ _id: n, at: new Date(at), until: new Date(until), owner });
      }
      const inserted = await insertPrefix(this.col, docs);
      if (inserted > 0) {
        this.knownMax = Math.max(this.knownMax, docs[inserted - 1]._id);
        this.pruneNowAndThen(nowMs, rules.limit);
        return { tokens: docs.slice(0, inserted).map((d) => ({ at: d.at.getTime(), until: d.until.getTime() })) };
      }
      // Someone took max + 1 meanwhile: read again.
      this.knownMax = Math.max(this.knownMax, max + 1);
    }
    return { tokens: [] };
  }

  /**
   * Forgets tokens that no rule can look at any more, keeping the newest ones however old (the
   * sequence must continue from them, or a restarted numbering would be a second budget).
   */
  async prune(nowMs: number, limit: number): Promise<number> {
    const newest = await this.col.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
    if (newest.length === 0) return 0;
    const res = await this.col.deleteMany({ _id: { $lt: newest[0]._id - 2 * limit }, at: { $lt: new Date(nowMs - KEEP_MS) } });
    return res.deletedCount;
  }

  private pruneNowAndThen(nowMs: number, limit: number): void {
    if (nowMs - this.lastPrune < KEEP_MS) return;
    this.lastPrune = nowMs;
    void this.prune(nowMs, limit).catch(() => undefined); // housekeeping only, off the claim's path
  }
}

/** An ordered insert: returns how many of `docs` went in before the first duplicate key. */
async function insertPrefix(col: Collection<RateTokenDoc>, docs: RateTokenDoc[]): Promise<number> {
  try {
    await col.insertMany(docs, { ordered: true });
    return docs.length;
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) {
      if (isDuplicateKey(error)) return 0;
      throw error;
    }
    const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (errors.some((e) => !isDuplicateKey(e))) throw error;
    return Math.min(...errors.map((e) => e.index));
  }
}
