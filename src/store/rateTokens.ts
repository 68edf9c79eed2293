import { Collection, Db } from 'mongodb';
import { insertIgnoringDuplicates } from './duplicates';

/**
 * One block of the app's shared request budget: `tokens` requests that may start between `at`
 * and `until`, won by `owner`. `_id` names the block on the grid (`<slot>.<block>`), so the
 * unique `_id` lets exactly one instance win it.
 */
export interface RateTokenDoc {
  _id: string;
  at: Date;
  /** The latest its requests may start (the claimer throws unused ones away after that). */
  until: Date;
  tokens: number;
  owner: string;
}

/** A block won: up to `tokens` requests may start from `at` until `until` (ms). */
export interface RateTokenBlock {
  at: number;
  until: number;
  tokens: number;
}

/**
 * The grid every instance shares (they must all run with the same one). Time is cut into slots
 * of `periodMs / slotsPerPeriod`; each slot holds `limit / slotsPerPeriod` tokens in
 * `blocksPerSlot` blocks, usable for `useMs` from the slot's start. Slot j and slot
 * j + slotsPerPeriod (the same "lane") start `periodMs = windowMs + useMs + wireMs` apart, so
 * requests of one lane are always more than `windowMs` apart when they reach Teams, and any
 * `windowMs` sees requests of at most `slotsPerPeriod` slots: at most `limit`.
 */
export interface TokenGrid {
  /** At most this many requests in any `windowMs` (Teams: 50 per app per second). */
  limit: number;
  windowMs: number;
  /** How long a block's requests may start after its slot begins. */
  useMs: number;
  /** Added to the period: requests may reach Teams a little later than they start, and instances' clocks differ a little. */
  wireMs: number;
  slotsPerPeriod: number;
  blocksPerSlot: number;
}

/** The grid's derived sizes; throws when the limit does not divide into whole blocks. */
export function gridSizes(g: TokenGrid): { periodMs: number; slotMs: number; tokensPerBlock: number } {
  const perSlot = g.limit / g.slotsPerPeriod;
  const tokensPerBlock = perSlot / g.blocksPerSlot;
  if (!Number.isInteger(perSlot) || !Number.isInteger(tokensPerBlock) || tokensPerBlock < 1) {
    throw new Error(`rate grid: ${g.limit} requests do not divide into ${g.slotsPerPeriod} slots of ${g.blocksPerSlot} blocks`);
  }
  const periodMs = g.windowMs + g.useMs + g.wireMs;
  return { periodMs, slotMs: periodMs / g.slotsPerPeriod, tokensPerBlock };
}

/** Blocks older than this are deleted now and then (no rule looks back further than a period). */
const KEEP_MS = 10_000;

/**
 * The app-wide request budget shared by every instance (Teams counts its per-app limit over the
 * whole bot, not per process), as blocks on a fixed time grid (see TokenGrid) in the
 * `rateTokens` collection. An instance claims the blocks it needs, up to a period ahead, with
 * one unordered insert of their `_id`s: a duplicate key means another instance has that block.
 * No read, no sequence, no transaction: a unique insert is atomic on FerretDB as on MongoDB.
 * A block not used in its slot is simply lost (the bot sends a little less, never more).
 */
export class RateTokenRepo {
  private readonly col: Collection<RateTokenDoc>;
  /** Blocks this process knows are taken (won by it or by another), by slot: skipped by later claims. */
  private readonly taken = new Map<number, Set<number>>();
  private lastPrune = 0;
  /** For the benchmark: inserts sent, and blocks found taken by another instance (each claim's loser pays a write). */
  readonly stats = { inserts: 0, blocksTakenElsewhere: 0 };

  constructor(db: Db) {
    this.col = db.collection<RateTokenDoc>('rateTokens');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ at: 1 }, { name: 'at' });
  }

  /**
   * Claims up to `blocks` blocks for `owner`, the earliest first: of the slot under way if at
   * least half its use time is left (the claim's round trip must fit), then of the slots starting
   * within `aheadMs`. Blocks found taken are skipped from then on, and the next ones tried, until
   * some are won or none is left within reach; then `nextAt` says when a new slot comes within
   * reach.
   */
  async claim(owner: string, nowMs: number, blocks: number, aheadMs: number, grid: TokenGrid): Promise<{ blocks: RateTokenBlock[]; nextAt?: number }> {
    const { slotMs, tokensPerBlock } = gridSizes(grid);
    this.forgetBefore(Math.floor((nowMs - KEEP_MS) / slotMs));
    const first = Math.ceil((nowMs - grid.useMs / 2) / slotMs);
    const last = Math.floor((nowMs + aheadMs) / slotMs);
    for (;;) {
      const wanted: { slot: number; block: number }[] = [];
      for (let slot = first; slot <= last && wanted.length < blocks; slot++) {
        const known = this.taken.get(slot);
        for (let block = 0; block < grid.blocksPerSlot && wanted.length < blocks; block++) {
          if (!known?.has(block)) wanted.push({ slot, block });
        }
      }
      if (wanted.length === 0) return { blocks: [], nextAt: Math.ceil((last + 1) * slotMs - aheadMs) };
      const docs: RateTokenDoc[] = wanted.map(({ slot, block }) => ({
        _id: `${slot}.${block}`,
        // Rounded inwards to whole milliseconds: a block's time only ever shrinks.
        at: new Date(Math.ceil(slot * slotMs)),
        until: new Date(Math.floor(slot * slotMs + grid.useMs)),
        tokens: tokensPerBlock,
        owner,
      }));
      const won = await insertIgnoringDuplicates(this.col, docs);
      this.stats.inserts += 1;
      this.stats.blocksTakenElsewhere += docs.length - won.size;
      for (const { slot, block } of wanted) {
        let known = this.taken.get(slot);
        if (!known) this.taken.set(slot, (known = new Set()));
        known.add(block);
      }
      if (won.size > 0) {
        this.pruneNowAndThen(nowMs);
        return { blocks: docs.filter((_, n) => won.has(n)).map((d) => ({ at: d.at.getTime(), until: d.until.getTime(), tokens: d.tokens })) };
      }
    }
  }

  /** Deletes blocks whose time is long past; returns how many. */
  async prune(nowMs: number): Promise<number> {
    const res = await this.col.deleteMany({ at: { $lt: new Date(nowMs - KEEP_MS) } });
    return res.deletedCount;
  }

  private forgetBefore(slot: number): void {
    for (const s of this.taken.keys()) if (s < slot) this.taken.delete(s);
  }

  private pruneNowAndThen(nowMs: number): void {
    if (nowMs - this.lastPrune < KEEP_MS) return;
    this.lastPrune = nowMs;
    void this.prune(nowMs).catch(() => undefined); // housekeeping only, off the claim's path
  }
}
