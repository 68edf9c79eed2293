export type OrderStatus = 'new' | 'offering' | 'filled' | 'done' | 'cancelled';
export type OrderEvent = 'startOffering' | 'seatTaken' | 'allSeatsTaken' | 'seatReleased' | 'cancel' | 'complete';

/**
 * The order state machine. new → offering (a coordinator sends offers, or auto mode) →
 * filled (every seat taken) ⇄ offering (a seat released) → done (after the task);
 * cancelled from any open state.
 */
const NEXT: Record<OrderStatus, Partial<Record<OrderEvent, OrderStatus>>> = {
  new: { startOffering: 'offering', cancel: 'cancelled' },
  offering: { startOffering: 'offering', seatTaken: 'offering', allSeatsTaken: 'filled', seatReleased: 'offering', cancel: 'cancelled', complete: 'done' },
  filled: { seatReleased: 'offering', cancel: 'cancelled', complete: 'done' },
  done: {},
  cancelled: {},
};

export function transition(status: OrderStatus, event: OrderEvent): { ok: true; status: OrderStatus } | { ok: false; error: string } {
  const next = NEXT[status][event];
  return next ? { ok: true, status: next } : { ok: false, error: `order.error.cannot.${event}` };
}

export function canTransition(status: OrderStatus, event: OrderEvent): boolean {
  return NEXT[status][event] !== undefined;
}

/** The statuses from which an event may be taken: what a compare-and-set update matches on. */
export function statusesAllowing(event: OrderEvent): OrderStatus[] {
  return (Object.keys(NEXT) as OrderStatus[]).filter((s) => NEXT[s][event] !== undefined);
}

/**
 * KAP rule: cancelling less than `lateCancelHours` before the start keeps the fee payable to
 * the experts who had accepted; earlier cancellation is free.
 */
export function cancellationTerms(startsAt: Date, now: Date, lateCancelHours: number): { late: boolean; feePayable: boolean } {
  const late = startsAt.getTime() - now.getTime() < lateCancelHours * 3600_000;
  return { late, feePayable: late };
}
