import type { OrderInput } from './orderForm';
import type { OrderStatus } from './types';
import { offerExpired } from './waves';

export type { OrderStatus } from './types';

/**
 * An order as the bot keeps it: what the form said, who ordered it and where, and where it
 * stands. The store keeps it under its number (store/orders.ts OrderDoc = Order + `_id`).
 */
export interface Order extends OrderInput {
  /** `userId`: the orderer's Teams id (29:…), to open a 1:1 chat with them (services/notify.ts). */
  orderer: { aadObjectId: string; name: string; userId?: string };
  /** The chat the order was placed in: where the orderer is told what happens. */
  conversationId: string;
  endsAt: Date;
  status: OrderStatus;
  /** When the last offer wave went out (the wave job waits WAVE_WAIT_MINUTES after it). */
  lastWaveAt?: Date;
  cancelledAt?: Date;
  /** Cancelled less than the configured hours before the start: fees stay payable. */
  cancelledLate?: boolean;
  /** When the order was closed as 'unfilled': its start came with nobody accepted. */
  unfilledAt?: Date;
  /** The one-time id of the order form card it was placed from (store/orders.ts claimForm). */
  formId?: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The order state machine (the services change a status only through statusMove below; the
 * seats themselves are assignments, store/assignments.ts):
 *   new ──startOffering──▶ offering ──seatTaken (last seat)──▶ filled
 *   filled ──seatReleased──▶ offering        offering|filled ──complete (after the end)──▶ done
 *   new|offering|filled ──cancel──▶ cancelled
 *   new|offering ──closeUnfilled (at the start, nobody accepted)──▶ unfilled
 * done, cancelled and unfilled are final.
 * "new" waits for a coordinator in coordinator mode; auto mode starts offering at once.
 * startOffering again in "offering" is a further wave and changes nothing.
 */
export type OrderEventType = 'startOffering' | 'seatTaken' | 'seatReleased' | 'cancel' | 'complete' | 'closeUnfilled';

const ALLOWED_FROM: Record<OrderEventType, readonly OrderStatus[]> = {
  startOffering: ['new', 'offering'],
  seatTaken: ['offering'],
  seatReleased: ['offering', 'filled'],
  cancel: ['new', 'offering', 'filled'],
  complete: ['offering', 'filled'],
  closeUnfilled: ['new', 'offering'],
};

/** Where each event leads (seatTaken: when it takes the last seat; seatReleased: a seat opens again). */
const LEADS_TO: Record<OrderEventType, OrderStatus> = {
  startOffering: 'offering',
  seatTaken: 'filled',
  seatReleased: 'offering',
  cancel: 'cancelled',
  complete: 'done',
  closeUnfilled: 'unfilled',
};

/** Orders still waiting for experts: a wave may go out; the digest and the unfilled alert list them. */
export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ALLOWED_FROM.startOffering;

/** Orders not final yet (done, cancelled and unfilled are): they may still be cancelled. */
export const LIVE_ORDER_STATUSES: readonly OrderStatus[] = ALLOWED_FROM.cancel;

export function isOpenOrder(status: OrderStatus): boolean {
  return OPEN_ORDER_STATUSES.includes(status);
}

export function isLiveOrder(status: OrderStatus): boolean {
  return LIVE_ORDER_STATUSES.includes(status);
}

/** The statuses from which an event may be taken (a query for orders an event is due for). */
export function statusesAllowing(event: OrderEventType): OrderStatus[] {
  return [...ALLOWED_FROM[event]];
}

export function canTransition(status: OrderStatus, event: OrderEventType): boolean {
  return ALLOWED_FROM[event].includes(status);
}

/**
 * The status change an event makes, as a compare-and-set for the store
 * (`orders.moveStatus(id, ...statusMove('cancel'), now)`): the statuses it moves an order from
 * (those it is allowed from and changes: a further wave leaves 'offering' as it is) and the
 * status it moves it to. Two instances doing the same change: one moves, the other gets null.
 */
export function statusMove(event: OrderEventType): [from: OrderStatus[], to: OrderStatus] {
  return [ALLOWED_FROM[event].filter((s) => s !== LEADS_TO[event]), LEADS_TO[event]];
}

type Timed = Pick<Order, 'status' | 'startsAt'>;

/** Whether a wave of offers may go out at `now`: the order still waits for experts and has not started. */
export function mayOffer(order: Timed, now: Date): boolean {
  return canTransition(order.status, 'startOffering') && now.getTime() < order.startsAt.getTime();
}

/**
 * Why an expert's accept cannot take a seat at `now`, or null when it may try (the unique
 * insert of the seat then decides who gets it, store/assignments.ts claimSeat): a cancelled
 * order; or the offers are over (the order is final, or offers have closed some hours before
 * the start, domain/waves.ts), or not yet begun (a 'new' order has sent none). A 'filled' order
 * may still have a seat freed by a withdrawal a moment ago: the insert tells.
 */
export function acceptRefusal(order: Timed, now: Date): 'cancelled' | 'offersClosed' | null {
  if (order.status === 'cancelled') return 'cancelled';
  const seatsOpen = canTransition(order.status, 'seatTaken') || order.status === LEADS_TO.seatTaken;
  return seatsOpen && !offerExpired(order, undefined, now) ? null : 'offersClosed';
}

/**
 * Whether an order is due to close unfilled at `now`: it started still waiting for experts.
 * (That nobody holds a seat is the assignments' to tell: the caller counts them.)
 */
export function dueToCloseUnfilled(order: Timed, now: Date): boolean {
  return canTransition(order.status, 'closeUnfilled') && now.getTime() >= order.startsAt.getTime();
}

/**
 * Whether a seat given back at `now` opens again to others: only before the start (after it,
 * "withdraw" is "I could not come", services/offering.ts reportAbsence) and only while the
 * order is not final.
 */
export function seatReleasable(order: Timed, now: Date): boolean {
  return canTransition(order.status, 'seatReleased') && now.getTime() < order.startsAt.getTime();
}

export interface CancellationTerms {
  late: boolean;
  feePayable: boolean;
}

/**
 * KAP rule: cancelling less than `lateCancelHours` before the start (or after it) keeps the fee
 * payable to the experts who had accepted; earlier cancellation is free.
 */
export function cancellationTerms(order: Pick<Order, 'startsAt'>, now: Date, lateCancelHours: number): CancellationTerms {
  const late = order.startsAt.getTime() - now.getTime() < lateCancelHours * 3600_000;
  return { late, feePayable: late };
}
