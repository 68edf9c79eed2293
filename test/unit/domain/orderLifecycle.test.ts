import { describe, expect, test } from '@jest/globals';
import {
  OrderEvent, OrderEventType, OrderState, OrderStatus, canTransition, cancellationTerms, endOf, statusesAllowing, transition,
  OPEN_ORDER_STATUSES, LIVE_ORDER_STATUSES, isOpenOrder, isLiveOrder,
} from '../../../src/domain/orderLifecycle';

const H = 3600_000;
const MIN = 60_000;
const START = new Date('2026-03-10T12:00:00Z');
const BEFORE = new Date(START.getTime() - 2 * H); // a time when every event is timely except complete
const AFTER_END = new Date(START.getTime() + 3 * H); // the 90-minute task is over
const CREATED = new Date('2026-03-01T08:00:00Z');

function order(over: Partial<OrderState> = {}): OrderState {
  return { status: 'new', seats: 2, acceptedExpertIds: [], startsAt: START, durationMinutes: 90, updatedAt: CREATED, ...over };
}

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

describe('transition: the happy path of a two-seat order', () => {
  test('new → offering → offering (1/2) → filled (2/2) → offering (release) → filled → done', () => {
    let o: OrderState = order();
    const step = (e: OrderEvent, now = BEFORE) => {
      const r = transition(o, e, now);
      if (!r.ok) throw new Error(r.error);
      o = r.order;
      return o;
    };
    expect(step({ type: 'startOffering' })).toMatchObject({ status: 'offering', acceptedExpertIds: [] });
    expect(step({ type: 'seatTaken', expertId: 'a' })).toMatchObject({ status: 'offering', acceptedExpertIds: ['a'] });
    expect(step({ type: 'seatTaken', expertId: 'b' })).toMatchObject({ status: 'filled', acceptedExpertIds: ['a', 'b'] });
    expect(step({ type: 'seatReleased', expertId: 'a' })).toMatchObject({ status: 'offering', acceptedExpertIds: ['b'] });
    expect(step({ type: 'seatTaken', expertId: 'c' })).toMatchObject({ status: 'filled', acceptedExpertIds: ['b', 'c'] });
    expect(step({ type: 'complete' }, AFTER_END)).toMatchObject({ status: 'done', acceptedExpertIds: ['b', 'c'], updatedAt: AFTER_END });
  });

  test('a one-seat order is filled by the first acceptance', () => {
    const r = transition(order({ status: 'offering', seats: 1 }), { type: 'seatTaken', expertId: 'a' }, BEFORE);
    expect(r).toEqual({ ok: true, order: order({ status: 'filled', seats: 1, acceptedExpertIds: ['a'], updatedAt: BEFORE }) });
  });

  test('a further wave (startOffering while offering) changes only updatedAt', () => {
    expect(transition(order({ status: 'offering', acceptedExpertIds: ['a'] }), { type: 'startOffering' }, BEFORE))
      .toEqual({ ok: true, order: order({ status: 'offering', acceptedExpertIds: ['a'], updatedAt: BEFORE }) });
  });

  test('cancel from every open state, keeping who had accepted (their fees may be payable)', () => {
    for (const status of ['new', 'offering', 'filled'] as const) {
      const r = transition(order({ status, acceptedExpertIds: status === 'new' ? [] : ['a'] }), { type: 'cancel' }, BEFORE);
      expect(r).toMatchObject({ ok: true, order: { status: 'cancelled', updatedAt: BEFORE } });
    }
    expect(transition(order({ status: 'filled', acceptedExpertIds: ['a', 'b'] }), { type: 'cancel' }, BEFORE))
      .toMatchObject({ ok: true, order: { acceptedExpertIds: ['a', 'b'] } });
  });

  test('the input order is not changed; extra fields are kept', () => {
    const o = { ...order({ status: 'offering', acceptedExpertIds: ['a'] }), id: 'T-2026-0001', title: 'x' };
    const snapshot = JSON.parse(JSON.stringify(o));
    const r = transition(o, { type: 'seatTaken', expertId: 'b' }, BEFORE);
    expect(JSON.parse(JSON.stringify(o))).toEqual(snapshot);
    expect(r).toMatchObject({ ok: true, order: { id: 'T-2026-0001', title: 'x', status: 'filled' } });
    if (r.ok) expect(r.order.acceptedExpertIds).not.toBe(o.acceptedExpertIds);
  });
});

describe('transition: refused, as values', () => {
  const refused = (o: OrderState, e: OrderEvent, now: Date) => {
    let r: ReturnType<typeof transition> | undefined;
    expect(() => { r = transition(o, e, now); }).not.toThrow();
    return r;
  };
  const eventOf = (type: OrderEventType): OrderEvent => (type === 'seatTaken' || type === 'seatReleased' ? { type, expertId: 'a' } : { type });

  test.each(STATUSES.flatMap((s) => EVENT_TYPES.filter((e) => !isValid(s, e) && !(s === 'filled' && e === 'seatTaken')).map((e) => [s, e] as const)))(
    '%s --%s--> order.error.cannot.<event>',
    (status, type) => {
      expect(refused(order({ status, acceptedExpertIds: ['a'] }), eventOf(type), BEFORE)).toEqual({ ok: false, error: `order.error.cannot.${type}` });
    },
  );

  test('done, cancelled and unfilled are final, whatever the time', () => {
    for (const status of ['done', 'cancelled', 'unfilled'] as const) for (const type of EVENT_TYPES) for (const now of [BEFORE, AFTER_END]) {
      expect(transition(order({ status, acceptedExpertIds: ['a'] }), eventOf(type), now).ok).toBe(false);
    }
  });

  test('a seat in a filled order → full', () => {
    expect(refused(order({ status: 'filled', seats: 1, acceptedExpertIds: ['a'] }), { type: 'seatTaken', expertId: 'b' }, BEFORE)).toEqual({ ok: false, error: 'order.error.full' });
  });
  test('more accepted than seats (seats lowered by a coordinator) → full, not a third seat', () => {
    expect(refused(order({ status: 'offering', seats: 1, acceptedExpertIds: ['a', 'b'] }), { type: 'seatTaken', expertId: 'c' }, BEFORE)).toEqual({ ok: false, error: 'order.error.full' });
  });
  test('the same expert twice → alreadyAccepted', () => {
    expect(refused(order({ status: 'offering', acceptedExpertIds: ['a'] }), { type: 'seatTaken', expertId: 'a' }, BEFORE)).toEqual({ ok: false, error: 'order.error.alreadyAccepted' });
  });
  test('releasing a seat the expert does not hold → notAccepted', () => {
    expect(refused(order({ status: 'filled', seats: 1, acceptedExpertIds: ['a'] }), { type: 'seatReleased', expertId: 'b' }, BEFORE)).toEqual({ ok: false, error: 'order.error.notAccepted' });
  });
  test('offering starts only before the start', () => {
    expect(refused(order(), { type: 'startOffering' }, START)).toEqual({ ok: false, error: 'order.error.startInPast' });
    expect(transition(order(), { type: 'startOffering' }, new Date(START.getTime() - 1)).ok).toBe(true);
  });
  test('seats are taken and released only before the start', () => {
    expect(refused(order({ status: 'offering' }), { type: 'seatTaken', expertId: 'a' }, START)).toEqual({ ok: false, error: 'order.error.started' });
    expect(refused(order({ status: 'filled', seats: 1, acceptedExpertIds: ['a'] }), { type: 'seatReleased', expertId: 'a' }, START)).toEqual({ ok: false, error: 'order.error.started' });
    expect(transition(order({ status: 'offering' }), { type: 'seatTaken', expertId: 'a' }, new Date(START.getTime() - 1)).ok).toBe(true);
  });
  test('complete only once the task has ended, and only with someone accepted', () => {
    const end = endOf(order());
    expect(end.toISOString()).toBe('2026-03-10T13:30:00.000Z');
    const filled = order({ status: 'filled', seats: 1, acceptedExpertIds: ['a'] });
    expect(refused(filled, { type: 'complete' }, new Date(end.getTime() - 1))).toEqual({ ok: false, error: 'order.error.notEnded' });
    expect(transition(filled, { type: 'complete' }, end)).toMatchObject({ ok: true, order: { status: 'done' } });
    expect(refused(order({ status: 'offering' }), { type: 'complete' }, AFTER_END)).toEqual({ ok: false, error: 'order.error.noExperts' });
    expect(transition(order({ status: 'offering', acceptedExpertIds: ['a'] }), { type: 'complete' }, AFTER_END)).toMatchObject({ ok: true, order: { status: 'done' } });
  });
  test('closeUnfilled: only from the start on, and only with nobody accepted', () => {
    for (const status of ['new', 'offering'] as const) {
      expect(refused(order({ status }), { type: 'closeUnfilled' }, new Date(START.getTime() - 1))).toEqual({ ok: false, error: 'order.error.notStarted' });
      expect(transition(order({ status }), { type: 'closeUnfilled' }, START)).toEqual({ ok: true, order: order({ status: 'unfilled', updatedAt: START }) });
      expect(transition(order({ status }), { type: 'closeUnfilled' }, AFTER_END)).toMatchObject({ ok: true, order: { status: 'unfilled' } });
    }
    // One of two seats taken: the task goes ahead with one expert (and is completed later).
    expect(refused(order({ status: 'offering', acceptedExpertIds: ['a'] }), { type: 'closeUnfilled' }, START)).toEqual({ ok: false, error: 'order.error.hasExperts' });
    expect(refused(order({ status: 'filled', seats: 1, acceptedExpertIds: ['a'] }), { type: 'closeUnfilled' }, START)).toEqual({ ok: false, error: 'order.error.cannot.closeUnfilled' });
  });
  test('an unfilled order can no longer be cancelled, offered or completed', () => {
    const o = order({ status: 'unfilled' });
    expect(refused(o, { type: 'cancel' }, START)).toEqual({ ok: false, error: 'order.error.cannot.cancel' });
    expect(refused(o, { type: 'startOffering' }, BEFORE)).toEqual({ ok: false, error: 'order.error.cannot.startOffering' });
    expect(refused(o, { type: 'complete' }, AFTER_END)).toEqual({ ok: false, error: 'order.error.cannot.complete' });
  });
  test('cancel is possible until the end of the task, not after', () => {
    const end = endOf(order());
    expect(transition(order({ status: 'filled' }), { type: 'cancel' }, new Date(end.getTime() - 1)).ok).toBe(true);
    expect(refused(order({ status: 'filled' }), { type: 'cancel' }, end)).toEqual({ ok: false, error: 'order.error.cannot.cancel' });
  });
});

describe('cancellationTerms (KAP rule)', () => {
  const o = { startsAt: START };
  const before = (ms: number) => new Date(START.getTime() - ms);

  test('defaults to 24 h', () => {
    expect(cancellationTerms(o, before(24 * H))).toEqual({ late: false, feePayable: false });
    expect(cancellationTerms(o, before(24 * H - 1))).toEqual({ late: true, feePayable: true });
  });
  test('exactly 24 h before → not late, no fee', () => {
    expect(cancellationTerms(o, before(24 * H), { lateCancelHours: 24 })).toEqual({ late: false, feePayable: false });
  });
  test('23 h 59 min before → late, fee payable', () => {
    expect(cancellationTerms(o, before(24 * H - MIN), { lateCancelHours: 24 })).toEqual({ late: true, feePayable: true });
  });
  test('well ahead → not late; after the start → late', () => {
    expect(cancellationTerms(o, before(7 * 24 * H), { lateCancelHours: 24 }).late).toBe(false);
    expect(cancellationTerms(o, new Date(START.getTime() + H), { lateCancelHours: 24 }).late).toBe(true);
  });
  test('the hour count is configurable', () => {
    expect(cancellationTerms(o, before(30 * H), { lateCancelHours: 48 }).late).toBe(true);
    expect(cancellationTerms(o, before(30 * H), { lateCancelHours: 24 }).late).toBe(false);
    expect(cancellationTerms(o, before(2 * H), { lateCancelHours: 2 }).late).toBe(false);
    expect(cancellationTerms(o, before(2 * H - MIN), { lateCancelHours: 2 }).late).toBe(true);
  });
  test('zero hours: only cancelling after the start is late', () => {
    expect(cancellationTerms(o, START, { lateCancelHours: 0 }).late).toBe(false);
    expect(cancellationTerms(o, new Date(START.getTime() + 1), { lateCancelHours: 0 }).late).toBe(true);
  });
  test('the older call shape (start, now, hours) gives the same answers', () => {
    expect(cancellationTerms(START, before(24 * H - MIN), 24)).toEqual({ late: true, feePayable: true });
    expect(cancellationTerms(START, before(30 * H), 48)).toEqual(cancellationTerms(o, before(30 * H), { lateCancelHours: 48 }));
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
