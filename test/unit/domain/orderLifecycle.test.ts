import { OrderEvent, OrderStatus, canTransition, cancellationTerms, statusesAllowing, transition } from '../../../src/domain/orderLifecycle';

const STATUSES: OrderStatus[] = ['new', 'offering', 'filled', 'done', 'cancelled'];
const EVENTS: OrderEvent[] = ['startOffering', 'seatTaken', 'allSeatsTaken', 'seatReleased', 'cancel', 'complete'];

/** The whole intended state machine: anything not listed here must be refused. */
const VALID: [OrderStatus, OrderEvent, OrderStatus][] = [
  ['new', 'startOffering', 'offering'],
  ['new', 'cancel', 'cancelled'],
  ['offering', 'startOffering', 'offering'],
  ['offering', 'seatTaken', 'offering'],
  ['offering', 'allSeatsTaken', 'filled'],
  ['offering', 'seatReleased', 'offering'],
  ['offering', 'cancel', 'cancelled'],
  ['offering', 'complete', 'done'],
  ['filled', 'seatReleased', 'offering'],
  ['filled', 'cancel', 'cancelled'],
  ['filled', 'complete', 'done'],
];
const isValid = (s: OrderStatus, e: OrderEvent) => VALID.some(([vs, ve]) => vs === s && ve === e);
const INVALID: [OrderStatus, OrderEvent][] = STATUSES.flatMap((s) => EVENTS.filter((e) => !isValid(s, e)).map((e) => [s, e] as [OrderStatus, OrderEvent]));

describe('transition', () => {
  test.each(VALID)('%s --%s--> %s', (from, event, to) => {
    expect(transition(from, event)).toEqual({ ok: true, status: to });
    expect(canTransition(from, event)).toBe(true);
  });

  test('the invalid list covers the rest of the 5 × 6 grid', () => {
    expect(VALID.length + INVALID.length).toBe(30);
    expect(INVALID.length).toBe(19);
  });

  test.each(INVALID)('%s --%s--> refused with an error value, no throw', (from, event) => {
    let r: ReturnType<typeof transition> | undefined;
    expect(() => {
      r = transition(from, event);
    }).not.toThrow();
    expect(r).toEqual({ ok: false, error: `order.error.cannot.${event}` });
    expect(canTransition(from, event)).toBe(false);
  });

  test('done and cancelled are final', () => {
    for (const s of ['done', 'cancelled'] as const) for (const e of EVENTS) expect(transition(s, e).ok).toBe(false);
  });

  test('cancel is possible from every open state', () => {
    for (const s of ['new', 'offering', 'filled'] as const) expect(transition(s, 'cancel')).toEqual({ ok: true, status: 'cancelled' });
  });
});

describe('statusesAllowing', () => {
  test.each(EVENTS)('%s', (event) => {
    const expected = STATUSES.filter((s) => isValid(s, event));
    expect([...statusesAllowing(event)].sort()).toEqual([...expected].sort());
  });

  test('concrete values', () => {
    expect(statusesAllowing('cancel').sort()).toEqual(['filled', 'new', 'offering']);
    expect(statusesAllowing('seatReleased').sort()).toEqual(['filled', 'offering']);
    expect(statusesAllowing('allSeatsTaken')).toEqual(['offering']);
    expect(statusesAllowing('seatTaken')).toEqual(['offering']);
    expect(statusesAllowing('startOffering').sort()).toEqual(['new', 'offering']);
    expect(statusesAllowing('complete').sort()).toEqual(['filled', 'offering']);
  });
});

describe('cancellationTerms', () => {
  const startsAt = new Date('2026-03-10T12:00:00Z');
  const before = (ms: number) => new Date(startsAt.getTime() - ms);
  const H = 3600_000;
  const MIN = 60_000;

  test('exactly 24 h before → not late, no fee', () => {
    expect(cancellationTerms(startsAt, before(24 * H), 24)).toEqual({ late: false, feePayable: false });
  });
  test('23 h 59 min before → late, fee payable', () => {
    expect(cancellationTerms(startsAt, before(24 * H - MIN), 24)).toEqual({ late: true, feePayable: true });
  });
  test('one millisecond inside the limit is late', () => {
    expect(cancellationTerms(startsAt, before(24 * H - 1), 24).late).toBe(true);
  });
  test('well ahead → not late', () => {
    expect(cancellationTerms(startsAt, before(7 * 24 * H), 24)).toEqual({ late: false, feePayable: false });
  });
  test('after the start → late', () => {
    expect(cancellationTerms(startsAt, new Date(startsAt.getTime() + H), 24).late).toBe(true);
  });
  test('the hour count is configurable', () => {
    expect(cancellationTerms(startsAt, before(48 * H), 48).late).toBe(false);
    expect(cancellationTerms(startsAt, before(48 * H - MIN), 48).late).toBe(true);
    // 30 h before: late under a 48 h rule, not late under a 24 h rule.
    expect(cancellationTerms(startsAt, before(30 * H), 48).late).toBe(true);
    expect(cancellationTerms(startsAt, before(30 * H), 24).late).toBe(false);
    expect(cancellationTerms(startsAt, before(2 * H), 2).late).toBe(false);
    expect(cancellationTerms(startsAt, before(2 * H - MIN), 2).late).toBe(true);
  });
  test('zero hours: only cancelling after the start is late', () => {
    expect(cancellationTerms(startsAt, startsAt, 0).late).toBe(false);
    expect(cancellationTerms(startsAt, new Date(startsAt.getTime() + 1), 0).late).toBe(true);
  });
});
