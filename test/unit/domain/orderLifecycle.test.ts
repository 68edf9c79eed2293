import { describe, expect, test } from '@jest/globals';
import {
  OrderEventType, OrderStatus, acceptRefusal, canTransition, cancellationTerms, dueToCloseUnfilled, mayOffer, seatReleasable, statusMove, statusesAllowing,
  OPEN_ORDER_STATUSES, LIVE_ORDER_STATUSES, isOpenOrder, isLiveOrder,
} from '../../../src/domain/orderLifecycle';

const H = 3600_000;
const MIN = 60_000;
const START = new Date('2026-03-10T12:00:00Z');
const BEFORE = new Date(START.getTime() - 3 * H); // before the start, and before offers close
const AFTER_END = new Date(START.getTime() + 3 * H); // the 90-minute task is over

const STATUSES: OrderStatus[] = ['new', 'offering', 'filled', 'done', 'cancelled', 'unfilled'];
const EVENT_TYPES: OrderEventType[] = ['startOffering', 'seatTaken', 'seatReleased', 'cancel', 'complete', 'closeUnfilled'];

/** The whole intended status table: anything not listed here must be refused. */
const VALID: [OrderStatus, OrderEventType][] = [
  ['new', 'startOffering'], ['new', 'cancel'], ['new', 'closeUnfilled'],
  ['offering', 'startOffering'], ['offering', 'seatTaken'], ['offering', 'seatReleased'], ['offering', 'cancel'], ['offering', 'complete'],
  ['offering', 'closeUnfilled'],
  ['filled', 'seatReleased'], ['filled', 'cancel'], ['filled', 'complete'],
];
const isValid = (s: OrderStatus, e: OrderEventType) => VALID.some(([vs, ve]) => vs === s && ve === e);

describe('status table', () => {
  test.each(STATUSES.flatMap((s) => EVENT_TYPES.map((e) => [s, e, isValid(s, e)] as const)))('%s --%s--> allowed: %s', (s, e, ok) => {
    expect(canTransition(s, e)).toBe(ok);
  });

  test('statusesAllowing is what a compare-and-set update matches on', () => {
    expect(statusesAllowing('startOffering').sort()).toEqual(['new', 'offering']);
    expect(statusesAllowing('seatTaken')).toEqual(['offering']);
    expect(statusesAllowing('seatReleased').sort()).toEqual(['filled', 'offering']);
    expect(statusesAllowing('cancel').sort()).toEqual(['filled', 'new', 'offering']);
    expect(statusesAllowing('complete').sort()).toEqual(['filled', 'offering']);
    expect(statusesAllowing('closeUnfilled').sort()).toEqual(['new', 'offering']);
    // A copy: callers cannot change the table.
    statusesAllowing('cancel').push('done');
    expect(canTransition('done', 'cancel')).toBe(false);
  });
});

describe('statusMove: the compare-and-set of each status change the services make', () => {
  test('from the statuses the event is allowed from and changes, to the one it leads to', () => {
    expect(statusMove('startOffering')).toEqual([['new'], 'offering']);
    expect(statusMove('seatTaken')).toEqual([['offering'], 'filled']);
    expect(statusMove('seatReleased')).toEqual([['filled'], 'offering']);
    expect(statusMove('cancel')).toEqual([['new', 'offering', 'filled'], 'cancelled']);
    expect(statusMove('complete')).toEqual([['offering', 'filled'], 'done']);
    expect(statusMove('closeUnfilled')).toEqual([['new', 'offering'], 'unfilled']);
  });
  test('every move is allowed by the table and never leaves a final status', () => {
    for (const e of EVENT_TYPES) {
      const [from, to] = statusMove(e);
      for (const s of from) expect([s, e, canTransition(s, e)]).toEqual([s, e, true]);
      expect(from).not.toContain(to);
      for (const final of ['done', 'cancelled', 'unfilled'] as const) expect(from).not.toContain(final);
    }
  });
});

describe('the timed rules the services ask', () => {
  const order = (status: OrderStatus) => ({ status, startsAt: START });
  const OFFERS_CLOSE = new Date(START.getTime() - 2 * H);

  test('mayOffer: an open order before its start', () => {
    expect(STATUSES.filter((s) => mayOffer(order(s), BEFORE))).toEqual(['new', 'offering']);
    expect(mayOffer(order('offering'), new Date(START.getTime() - 1))).toBe(true);
    expect(mayOffer(order('offering'), START)).toBe(false);
  });

  test('acceptRefusal: a cancelled order; offers over (final order, or closed two hours before the start); none sent yet', () => {
    const early = new Date(OFFERS_CLOSE.getTime() - 1);
    expect(acceptRefusal(order('offering'), early)).toBeNull();
    // Filled: a seat freed a moment ago may still be won; the seat insert decides.
    expect(acceptRefusal(order('filled'), early)).toBeNull();
    expect(acceptRefusal(order('cancelled'), early)).toBe('cancelled');
    for (const s of ['new', 'done', 'unfilled'] as const) expect([s, acceptRefusal(order(s), early)]).toEqual([s, 'offersClosed']);
    expect(acceptRefusal(order('offering'), OFFERS_CLOSE)).toBe('offersClosed');
    expect(acceptRefusal(order('filled'), AFTER_END)).toBe('offersClosed');
    expect(acceptRefusal(order('cancelled'), AFTER_END)).toBe('cancelled');
  });

  test('dueToCloseUnfilled: an order still waiting for experts at its start', () => {
    expect(STATUSES.filter((s) => dueToCloseUnfilled(order(s), START))).toEqual(['new', 'offering']);
    expect(dueToCloseUnfilled(order('offering'), new Date(START.getTime() - 1))).toBe(false);
    expect(dueToCloseUnfilled(order('new'), AFTER_END)).toBe(true);
  });

  test('seatReleasable: before the start, while the order is not final', () => {
    expect(STATUSES.filter((s) => seatReleasable(order(s), BEFORE))).toEqual(['offering', 'filled']);
    expect(seatReleasable(order('filled'), START)).toBe(false);
  });
});

describe('cancellationTerms (KAP rule)', () => {
  const o = { startsAt: START };
  const before = (ms: number) => new Date(START.getTime() - ms);

  test('24 h: cancelling a millisecond later is late', () => {
    expect(cancellationTerms(o, before(24 * H), 24)).toEqual({ late: false, feePayable: false });
    expect(cancellationTerms(o, before(24 * H - 1), 24)).toEqual({ late: true, feePayable: true });
  });
  test('exactly 24 h before → not late, no fee', () => {
    expect(cancellationTerms(o, before(24 * H), 24)).toEqual({ late: false, feePayable: false });
  });
  test('23 h 59 min before → late, fee payable', () => {
    expect(cancellationTerms(o, before(24 * H - MIN), 24)).toEqual({ late: true, feePayable: true });
  });
  test('well ahead → not late; after the start → late', () => {
    expect(cancellationTerms(o, before(7 * 24 * H), 24).late).toBe(false);
    expect(cancellationTerms(o, new Date(START.getTime() + H), 24).late).toBe(true);
  });
  test('the hour count is configurable', () => {
    expect(cancellationTerms(o, before(30 * H), 48).late).toBe(true);
    expect(cancellationTerms(o, before(30 * H), 24).late).toBe(false);
    expect(cancellationTerms(o, before(2 * H), 2).late).toBe(false);
    expect(cancellationTerms(o, before(2 * H - MIN), 2).late).toBe(true);
  });
  test('zero hours: only cancelling after the start is late', () => {
    expect(cancellationTerms(o, START, 0).late).toBe(false);
    expect(cancellationTerms(o, new Date(START.getTime() + 1), 0).late).toBe(true);
  });
});

describe('named status sets (what services, jobs and routes ask instead of listing statuses)', () => {
  const ALL: OrderStatus[] = ['new', 'offering', 'filled', 'done', 'cancelled', 'unfilled'];
  test('open orders wait for experts: new and offering, the statuses a wave may start from', () => {
    expect([...OPEN_ORDER_STATUSES].sort()).toEqual(['new', 'offering']);
    expect(ALL.filter(isOpenOrder)).toEqual(ALL.filter((s) => canTransition(s, 'startOffering')));
  });
  test('live orders are not final: new, offering and filled, the statuses a cancel may start from', () => {
    expect([...LIVE_ORDER_STATUSES].sort()).toEqual(['filled', 'new', 'offering']);
    expect(ALL.filter(isLiveOrder)).toEqual(ALL.filter((s) => canTransition(s, 'cancel')));
  });
});
