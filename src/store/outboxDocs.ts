import type { Activity } from 'botbuilder';

// The documents of the outbox's collections (src/store/outbox.ts) and the helpers that build them.

export type OutboxOp = 'send' | 'update';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** One proactive message (or card update) to deliver, with its delivery state. */
export interface OutboxItem {
  /** The idempotency key, e.g. `offer:<offerId>`: enqueueing a key again is a no-op. */
  _id: string;
  key: string;
  conversationId: string;
  op: OutboxOp;
  activity: Partial<Activity>;
  /** For 'update': the key of the 'send' item whose delivered message this replaces. */
  updateOf?: string;
  status: OutboxStatus;
  /** Delivery attempts that ended (sent, failed, or to be retried). */
  attempts: number;
  nextAttemptAt: Date;
  lockedBy?: string;
  lockedUntil?: Date;
  /** Times claimed; claim n is proven by the unique lease `<key>:<n>`. */
  leaseSeq: number;
  sentActivityId?: string;
  /** Status code or error class only ("http 429", "network"), never message text. */
  lastError?: string;
  createdAt: Date;
  sentAt?: Date;
}

export interface NewOutboxItem {
  key: string;
  conversationId: string;
  op?: OutboxOp;
  activity: Partial<Activity>;
  updateOf?: string;
  /** Not before this time (reminders); default now. */
  notBefore?: Date;
}

/** The record of a key: kept after delivery (30 days) so that a key is never sent twice. */
export interface StateDoc {
  _id: string;
  key: string;
  conversationId: string;
  op: OutboxOp;
  updateOf?: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError?: string;
  sentActivityId?: string;
  /** The last claim's number (kept for the report; claims themselves go by the due entry). */
  leaseSeq?: number;
  createdAt: Date;
  sentAt?: Date;
}

/** An item not yet finished: the only documents a sender scans. Small, and deleted when done. */
export interface DueDoc {
  _id: string;
  conversationId: string;
  op: OutboxOp;
  updateOf?: string;
  attempts: number;
  /** When the item may be claimed: its next attempt, or the end of the current claim's lease. */
  at: Date;
  leaseSeq: number;
  lockedBy?: string;
  lockedUntil?: Date;
  lastError?: string;
  /** Queued again by `recoverUnqueued`, whose read may be older than the record's outcome. */
  recovered?: boolean;
  createdAt: Date;
}

/**
 * The activity as JSON text, because Adaptive Cards carry a "$schema" key and field names
 * starting with "$" are not portable (FerretDB refuses them). Read by key only; removed a day
 * after the item finished.
 */
export interface BodyDoc {
  _id: string;
  activity: string;
  createdAt: Date;
}

/** Proof of one claim: only one sender can insert `<key>:<leaseSeq>`; `at` is when. */
export interface LeaseDoc {
  _id: string;
  at: Date;
}

export function dueOf(key: string, conversationId: string, op: OutboxOp, updateOf: string | undefined, at: Date, createdAt: Date, attempts = 0): DueDoc {
  return { _id: key, conversationId, op, ...(updateOf !== undefined ? { updateOf } : {}), attempts, at, leaseSeq: 0, createdAt };
}

export function itemOf(due: DueDoc, body: BodyDoc): OutboxItem {
  return {
    _id: due._id,
    key: due._id,
    conversationId: due.conversationId,
    op: due.op,
    ...(due.updateOf !== undefined ? { updateOf: due.updateOf } : {}),
    activity: JSON.parse(body.activity) as Partial<Activity>,
    status: 'sending',
    attempts: due.attempts,
    nextAttemptAt: due.at,
    lockedBy: due.lockedBy,
    lockedUntil: due.lockedUntil,
    leaseSeq: due.leaseSeq,
    ...(due.lastError !== undefined ? { lastError: due.lastError } : {}),
    createdAt: due.createdAt,
  };
}

export function groupBy<T, K>(items: T[], keyOf: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const t of items) out.set(keyOf(t), [...(out.get(keyOf(t)) ?? []), t]);
  return out;
}

export function leaseIdOf(key: string, seq: number): string {
  return `${key}:${seq}`;
}
