import type { Order, OrderStatus } from './types';

export type { OrderStatus } from './types';

/**
 * The order state machine:
 *   new ──startOffering──▶ offering ──seatTaken (last seat)──▶ filled
 *   filled ──seatReleased──▶ offering        offering|filled ──complete (after the end)──▶ done
 *   new|offering|filled ──cancel──▶ cancelled
 *   new|offering ──closeUnfilled (at the start, nobody accepted)──▶ unfilled
 * done, cancelled and unfilled are final.
 * "new" waits for a coordinator in coordinator mode; auto mode starts offering at once.
 * startOffering again in "offering" is a further wave and changes nothing.
 */
export type OrderEventType = 'startOffering' | 'seatTaken' | 'seatReleased' | 'cancel' | 'complete' | 'closeUnfilled';

export type OrderEvent =
  | { type: 'startOffering' }
  | { type: 'seatTaken'; expertId: string }
  | { type: 'seatReleased'; expertId: string }
  | { type: 'cancel' }
  | { type: 'complete' }
  | { type: 'closeUnfilled' };

/** Message keys of refused transitions, for the Teams layer to localize. */
export type OrderTransitionError =
  | `order.error.cannot.${OrderEventType}`
  | 'order.error.startInPast'
  | 'order.error.started'
  | 'order.error.full'
  | 'order.error.alreadyAccepted'
  | 'order.error.notAccepted'
  | 'order.error.notEnded'
  | 'order.error.noExperts'
  | 'order.error.notStarted'
  | 'order.error.hasExperts';

/** The order fields the state machine reads and writes. */
export type OrderState = Pick<Order, 'status' | 'seats' | 'acceptedExpertIds' | 'startsAt' | 'durationMinutes' | 'updatedAt'>;

export type TransitionResult<T extends OrderState> = { ok: true; order: T } | { ok: false; error: OrderTransitionError };

const ALLOWED_FROM: Record<OrderEventType, readonly OrderStatus[]> = {
  startOffering: ['new', 'offering'],
  seatTaken: ['offering'],
  seatReleased: ['offering', 'filled'],
  cancel: ['new', 'offering', 'filled'],
  complete: ['offering', 'filled'],
  closeUnfilled: ['new', 'offering'],
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

/** The statuses from which an event may be taken: what a compare-and-set update matches on. */
export function statusesAllowing(event: OrderEventType): OrderStatus[] {
  return [...ALLOWED_FROM[event]];
}

export function canTransition(status: OrderStatus, event: OrderEventType): boolean {
  return ALLOWED_FROM[event].includes(status);
}

export function endOf(order: Pick<Order, 'startsAt' | 'durationMinutes'>): Date {
  return new Date(order.startsAt.getTime() + order.durationMinutes * 60_000);
}

/**
 * Applies one event to an order at `now`: the changed order (a copy), or why not. Seats are
 * tracked in `acceptedExpertIds`; taking the last one fills the order, releasing one re-opens it.
 */
export function transition<T extends OrderState>(order: T, event: OrderEvent, now: Date): TransitionResult<T> {
  const refuse = (error: OrderTransitionError): TransitionResult<T> => ({ ok: false, error });
  const to = (status: OrderStatus, acceptedExpertIds = order.acceptedExpertIds): TransitionResult<T> => ({
    ok: true,
    order: { ...order, status, acceptedExpertIds: [...acceptedExpertIds], updatedAt: now },
  });
  const started = now.getTime() >= order.startsAt.getTime();
  const ended = now.getTime() >= endOf(order).getTime();

  if (event.type === 'seatTaken' && order.status === 'filled') return refuse('order.error.full');
  if (!canTransition(order.status, event.type)) return refuse(`order.error.cannot.${event.type}`);

  switch (event.type) {
    case 'startOffering':
      // Offers for a task that has begun would only be noise.
      return started ? refuse('order.error.startInPast') : to('offering');
    case 'seatTaken': {
      if (started) return refuse('order.error.started');
      if (order.acceptedExpertIds.includes(event.expertId)) return refuse('order.error.alreadyAccepted');
      if (order.acceptedExpertIds.length >= order.seats) return refuse('order.error.full');
      const accepted = [...order.acceptedExpertIds, event.expertId];
      return to(accepted.length >= order.seats ? 'filled' : 'offering', accepted);
    }
    case 'seatReleased': {
      // After the start the seat can no longer be re-offered; what happened is the task's outcome.
      if (started) return refuse('order.error.started');
      if (!order.acceptedExpertIds.includes(event.expertId)) return refuse('order.error.notAccepted');
      return to('offering', order.acceptedExpertIds.filter((id) => id !== event.expertId));
    }
    case 'cancel':
      // After the end the task either happened (complete) or is settled through its outcome.
      return ended ? refuse('order.error.cannot.cancel') : to('cancelled');
    case 'complete':
      if (!ended) return refuse('order.error.notEnded');
      // "done" means the task took place: with nobody accepted there is nothing to follow up.
      return order.acceptedExpertIds.length === 0 ? refuse('order.error.noExperts') : to('done');
    case 'closeUnfilled':
      // Until the start someone may still accept; with anyone accepted the task goes ahead.
      if (!started) return refuse('order.error.notStarted');
      return order.acceptedExpertIds.length > 0 ? refuse('order.error.hasExperts') : to('unfilled');
  }
}

export interface CancellationTerms {
  late: boolean;
  feePayable: boolean;
}

/**
 * KAP rule: cancelling less than `lateCancelHours` before the start (or after it) keeps the fee
 * payable to the experts who had accepted; earlier cancellation is free. Also takes the start
 * and the hours directly (services/orders.ts calls it that way).
 */
export function cancellationTerms(
  order: Pick<Order, 'startsAt'> | Date,
  now: Date,
  opts: { lateCancelHours: number } | number = { lateCancelHours: 24 },
): CancellationTerms {
  const startsAt = order instanceof Date ? order : order.startsAt;
  const hours = typeof opts === 'number' ? opts : opts.lateCancelHours;
  const late = startsAt.getTime() - now.getTime() < hours * 3600_000;
  return { late, feePayable: late };
}
