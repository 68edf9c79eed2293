import type { Activity } from 'botbuilder';
import type { StoredReference } from './conversations';

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
  /** Where it goes, when its enqueuer gave it (see NewOutboxItem.reference). */
  reference?: StoredReference;
}

export interface NewOutboxItem {
  key: string;
  conversationId: string;
  op?: OutboxOp;
  activity: Partial<Activity>;
  updateOf?: string;
  /** Not before this time (reminders); default now. */
  notBefore?: Date;
  /**
   * The conversation's reference, when the enqueuer has just read it (a wave of offers reads
   * every expert's chat): the sender then uses it instead of reading the conversation again,
   * one read fewer per message of a fan-out. Only for a reachable chat and an item due now: a
   * reference stored for later could be out of date by then.
   */
  reference?: StoredReference;
}

/**
 * The record of a key, written once when it is enqueued: its existence is what makes a key
 * enqueued once. Kept 30 days after delivery. Its activity is removed a day after enqueueing
 * once the item has finished (and may be replaced while it waits, after an erasure); nothing
 * else in it changes.
 */
export interface StateDoc {
  _id: string;
  key: string;
  conversationId: string;
  op: OutboxOp;
  updateOf?: string;
  /**
   * The activity as JSON text, because Adaptive Cards carry a "$schema" key and field names
   * starting with "$" are not portable (FerretDB refuses them). Absent once removed, and in
   * records written before it moved here (their activity is in `outboxBodies`, see `BodyDoc`).
   */
  activity?: string;
  /** The conversation's reference as queued (NewOutboxItem.reference); removed with the activity. */
  reference?: StoredReference;
  createdAt: Date;
}

/**
 * How an item ended, inserted once by the holder of its claim (a unique insert: the first
 * outcome stands). Apart from the record because FerretDB rewrites an updated document by
 * scanning its collection, while an insert is checked against the key alone.
 */
export interface OutcomeDoc {
  _id: string;
  status: 'sent' | 'failed';
  attempts: number;
  leaseSeq: number;
  sentActivityId?: string;
  sentAt?: Date;
  lastError?: string;
  at: Date;
}

/** An item not yet finished: the only documents a sender scans. Small, and deleted when done. */
export interface DueDoc {
  _id: string;
  conversationId: string;
  op: OutboxOp;
  updateOf?: string;
  attempts: number;
  /** When the item may be claimed: its next attempt (a claim in progress is its lease, not this). */
  at: Date;
  /** Claims up to this number are over (released, rescheduled or taken over); a lease above it is the current claim. */
  leaseSeq: number;
  lastError?: string;
  /** Queued again by `recoverUnqueued`, whose read may be older than the record's outcome. */
  recovered?: boolean;
  createdAt: Date;
}

/**
 * Before the activity moved into the record: the activity of an item in a collection of its own
 * (`outboxBodies`), as JSON text. Only read when a record has no activity, removed by the
 * clean-up as before; this and its collection go once no deployment has any left (docs/outbox.md).
 */
export interface BodyDoc {
  _id: string;
  activity: string;
  createdAt: Date;
}

/**
 * One claim: only one sender can insert `<key>:<seq>`. It is the claim itself (who holds the
 * item, until when), so claiming writes nothing else.
 */
export interface LeaseDoc {
  _id: string;
  at: Date;
  key: string;
  seq: number;
  owner: string;
  until: Date;
}

export function dueOf(key: string, conversationId: string, op: OutboxOp, updateOf: string | undefined, at: Date, createdAt: Date, attempts = 0): DueDoc {
  return { _id: key, conversationId, op, ...(updateOf !== undefined ? { updateOf } : {}), attempts, at, leaseSeq: 0, createdAt };
}

export function itemOf(due: DueDoc, activity: string, claim: { owner: string; leaseSeq: number; until: Date }, reference?: StoredReference): OutboxItem {
  return {
    _id: due._id,
    key: due._id,
    conversationId: due.conversationId,
    op: due.op,
    ...(due.updateOf !== undefined ? { updateOf: due.updateOf } : {}),
    activity: JSON.parse(activity) as Partial<Activity>,
    status: 'sending',
    attempts: due.attempts,
    nextAttemptAt: due.at,
    lockedBy: claim.owner,
    lockedUntil: claim.until,
    leaseSeq: claim.leaseSeq,
    ...(due.lastError !== undefined ? { lastError: due.lastError } : {}),
    createdAt: due.createdAt,
    ...(reference !== undefined ? { reference } : {}),
  };
}

export function leaseIdOf(key: string, seq: number): string {
  return `${key}:${seq}`;
}
