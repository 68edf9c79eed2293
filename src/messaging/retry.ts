/** What a failed delivery tells us: an HTTP status, or none for network errors and timeouts. */
export interface Failure {
  statusCode?: number;
  retryAfterMs?: number;
}

export interface RetryPolicy {
  /** Attempts in all, the first one included; then a retryable failure becomes 'failed'. */
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  rng: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseMs: 2000, capMs: 5 * 60_000, rng: Math.random };

export type Decision =
  | { retry: true; delayMs: number }
  /** `unreachable`: the conversation itself is gone for the bot, not just this message. */
  | { retry: false; reason: 'permanent' | 'exhausted'; unreachable: boolean };

/**
 * Teams asks bots to retry 429 and also 412, 502 and 504; other 5xx, 408 and network errors
 * are transient too. 401 is our credentials (a token being refreshed, a secret being rotated),
 * never the recipient's fault, so it is retried rather than giving up on the conversation.
 */
export function isRetryable(statusCode: number | undefined): boolean {
  if (statusCode === undefined) return true;
  return statusCode === 429 || statusCode === 412 || statusCode === 408 || statusCode === 401 || statusCode >= 500;
}

/**
 * Permanent failures that mean the bot can no longer reach the conversation: 403 (bot removed,
 * blocked by the user, disabled by an admin) and 404 on a send (the conversation is gone). A 404
 * on an update only means that message was deleted; a 400 is a message we built wrong.
 */
export function meansUnreachable(statusCode: number | undefined, op: 'send' | 'update'): boolean {
  return statusCode === 403 || (statusCode === 404 && op === 'send');
}

/** "Full jitter": uniform in [0, min(cap, base·2^(attempt-1))], so retrying senders spread out. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(policy.rng() * ceiling);
}

/**
 * What to do after attempt number `attempt` (1 = the first) failed. A Retry-After is a floor:
 * waiting less would only earn another 429. The cap still applies, so a bogus header cannot park
 * an item for days.
 */
export function decide(failure: Failure, attempt: number, op: 'send' | 'update', policy: RetryPolicy = DEFAULT_RETRY): Decision {
  if (!isRetryable(failure.statusCode)) {
    return { retry: false, reason: 'permanent', unreachable: meansUnreachable(failure.statusCode, op) };
  }
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'exhausted', unreachable: false };
  const delayMs = Math.min(policy.capMs, Math.max(failure.retryAfterMs ?? 0, backoffMs(attempt, policy)));
  return { retry: true, delayMs };
}

/** Parses Retry-After, either delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The error class kept in the outbox and logs: a status code or "network", never a message text. */
export function errorClass(failure: Failure): string {
  return failure.statusCode === undefined ? 'network' : `http ${failure.statusCode}`;
}
