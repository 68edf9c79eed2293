/** At most `limit` requests in any `ms` milliseconds. */
export interface Window {
  limit: number;
  ms: number;
}

/**
 * Teams' documented bot limits (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit):
 * per bot per conversation ("thread") 7 per 1 s, 8 per 2 s and 60 per 30 s; per app 50 requests
 * per second. Going over earns 429s, and Teams counts every request, failed ones too.
 */
export const TEAMS_CONVERSATION_WINDOWS: readonly Window[] = [
  { limit: 7, ms: 1000 },
  { limit: 8, ms: 2000 },
  { limit: 60, ms: 30_000 },
];
export const TEAMS_APP_WINDOWS: readonly Window[] = [{ limit: 50, ms: 1000 }];

const APP = '\u0000app';

/** One request: `at` is undefined while it is in flight. */
interface Slot {
  at?: number;
}

interface Track {
  slots: Slot[];
  pausedUntil: number;
  lastUsed: number;
}

/**
 * A sliding-window limiter for one process. A request counts from the moment it starts, and
 * while in flight it counts as happening "now"; when it finishes it is dated at its end, the
 * latest moment Teams can have seen it. Dating by the end keeps the spacing Teams measures on
 * arrival at least a window long even when one request is slow and the next is fast.
 *
 * Memory stays bounded without a sweep timer: a conversation is forgotten once its newest
 * request is older than the longest window, and the app-wide window caps how many
 * conversations can be that recent (50/s × 30 s = 1500).
 */
export class RateLimiter {
  private readonly tracks = new Map<string, Track>();
  private readonly conversationWindows: readonly Window[];
  private readonly appWindows: readonly Window[];
  private readonly horizonMs: number;

  constructor(opts: { conversation?: readonly Window[]; app?: readonly Window[] } = {}) {
    this.conversationWindows = opts.conversation ?? TEAMS_CONVERSATION_WINDOWS;
    this.appWindows = opts.app ?? TEAMS_APP_WINDOWS;
    this.horizonMs = Math.max(0, ...this.conversationWindows.map((w) => w.ms), ...this.appWindows.map((w) => w.ms));
  }

  /** Milliseconds to wait before a request to this conversation may start; 0 means now. */
  delayFor(conversationId: string, now: number): number {
    const app = this.tracks.get(APP);
    return Math.max(this.conversationDelay(conversationId, now), app ? waitFor(app.slots, this.appWindows, now) : 0);
  }

  /**
   * Counts a request that starts now (call right after `delayFor` said 0, with no await between,
   * so concurrent workers cannot both take the last slot). Returns `done`, to call when the
   * response (or failure) arrives.
   */
  record(conversationId: string, now: number): (finishedAt: number) => void {
    this.forgetIdle(now);
    const conv = this.touch(conversationId, now);
    const app = this.touch(APP, now);
    const a: Slot = {};
    const b: Slot = {};
    conv.slots.push(a);
    app.slots.push(b);
    prune(conv.slots, this.conversationWindows, now);
    prune(app.slots, this.appWindows, now);
    return (finishedAt) => {
      a.at = finishedAt;
      b.at = finishedAt;
    };
  }

  /** Holds a conversation back, e.g. for a 429's Retry-After. */
  pause(conversationId: string, until: number): void {
    const t = this.touch(conversationId, until);
    t.pausedUntil = Math.max(t.pausedUntil, until);
  }

  /** Conversations that must wait longer than `thresholdMs`, so the sender can leave their items alone. */
  saturated(now: number, thresholdMs: number, max = 200): string[] {
    const out: string[] = [];
    for (const id of this.tracks.keys()) {
      if (id !== APP && this.conversationDelay(id, now) > thresholdMs) out.push(id);
      if (out.length >= max) break;
    }
    return out;
  }

  private conversationDelay(conversationId: string, now: number): number {
    const t = this.tracks.get(conversationId);
    return t ? Math.max(t.pausedUntil - now, waitFor(t.slots, this.conversationWindows, now), 0) : 0;
  }

  /** Conversations currently remembered (for tests and metrics). */
  get size(): number {
    return this.tracks.size - (this.tracks.has(APP) ? 1 : 0);
  }

  private touch(id: string, now: number): Track {
    let t = this.tracks.get(id);
    if (t) this.tracks.delete(id); // re-insert: the Map's order is then least recently used first
    else t = { slots: [], pausedUntil: 0, lastUsed: now };
    t.lastUsed = Math.max(t.lastUsed, now);
    this.tracks.set(id, t);
    return t;
  }

  /** Drops least recently used conversations that no window can see any more; stops at the first still in view. */
  private forgetIdle(now: number): void {
    const horizon = now - this.horizonMs;
    for (const [id, t] of this.tracks) {
      if (t.lastUsed > horizon || t.pausedUntil > now || t.slots.some((s) => s.at === undefined || s.at > horizon)) break;
      this.tracks.delete(id);
    }
  }
}

/** In-flight requests count as happening now. */
function timesOf(slots: Slot[], now: number): number[] {
  return slots.map((s) => s.at ?? now).sort((x, y) => x - y);
}

function waitFor(slots: Slot[], windows: readonly Window[], now: number): number {
  let wait = 0;
  const times = timesOf(slots, now);
  for (const w of windows) {
    const inWindow = times.filter((t) => t > now - w.ms);
    if (inWindow.length < w.limit) continue;
    // The request that must leave the window before one more fits.
    const oldest = inWindow[inWindow.length - w.limit];
    wait = Math.max(wait, oldest + w.ms - now);
  }
  return wait;
}

/** Drops finished requests that no window can see any more. */
function prune(slots: Slot[], windows: readonly Window[], now: number): void {
  const horizon = Math.max(...windows.map((w) => w.ms));
  for (let i = slots.length - 1; i >= 0; i--) {
    const at = slots[i].at;
    if (at !== undefined && at <= now - horizon) slots.splice(i, 1);
  }
}
