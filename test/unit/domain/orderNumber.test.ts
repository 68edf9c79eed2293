import { describe, expect, test } from '@jest/globals';
import { formatOrderNumber, isOrderNumber, ORDER_NUMBER_SOURCE, parseOrderNumber } from '../../../src/domain/orderNumber';
import { formatOrderNumber as fromForm } from '../../../src/domain/orderForm';

describe('formatOrderNumber', () => {
  test('pads to four digits', () => {
    expect(formatOrderNumber(2026, 42)).toBe('T-2026-0042');
    expect(formatOrderNumber(2026, 1)).toBe('T-2026-0001');
    expect(formatOrderNumber(2027, 9999)).toBe('T-2027-9999');
  });
  test('does not truncate past four digits', () => {
    expect(formatOrderNumber(2026, 12345)).toBe('T-2026-12345');
  });
  test('a bad year or sequence is a bug and throws', () => {
    for (const [y, s] of [[2026, 0], [2026, -1], [2026, 1.5], [2026, 1_000_000], [26, 1], [20260, 1], [NaN, 1]]) {
      expect(() => formatOrderNumber(y, s)).toThrow(RangeError);
    }
  });
  test('the order form module re-exports the same function', () => {
    expect(fromForm).toBe(formatOrderNumber);
  });
});

describe('parseOrderNumber', () => {
  test('reads a number, leniently about case and spaces', () => {
    expect(parseOrderNumber('T-2026-0042')).toEqual({ year: 2026, seq: 42, number: 'T-2026-0042' });
    expect(parseOrderNumber('  t-2026-0042 ')).toEqual({ year: 2026, seq: 42, number: 'T-2026-0042' });
    expect(parseOrderNumber('T-2026-12345')).toEqual({ year: 2026, seq: 12345, number: 'T-2026-12345' });
  });
  test.each(['', 'T-2026-42', 'T-2026-0000', 'T-2026-00042', 'X-2026-0042', 'T2026-0042', 'T-0999-0042', 'T-2026-0042x', 'T-2026-1234567', 'T-2026-\n0042'])('%j is not an order number', (text) => {
    expect(parseOrderNumber(text)).toBeNull();
  });
  test('round trip', () => {
    for (const seq of [1, 9, 10, 999, 1000, 9999, 10000, 999999]) {
      expect(parseOrderNumber(formatOrderNumber(2031, seq))).toEqual({ year: 2031, seq, number: formatOrderNumber(2031, seq) });
    }
  });
});

describe('isOrderNumber and ORDER_NUMBER_SOURCE: the exact form the bot writes', () => {
  test('only the canonical number, nothing around it', () => {
    expect(isOrderNumber('T-2026-0042')).toBe(true);
    expect(isOrderNumber('T-2026-123456')).toBe(true);
    for (const text of ['t-2026-0042', ' T-2026-0042', 'T-2026-0042 ', 'T-2026-00042', 'T-2026-42', 'T-2026-0042:x', '']) expect([text, isOrderNumber(text)]).toEqual([text, false]);
  });
  test('the pattern source matches every number formatOrderNumber makes, and only as a whole', () => {
    const whole = new RegExp(`^${ORDER_NUMBER_SOURCE}$`);
    for (const seq of [1, 42, 9999, 10000, 999999]) expect(whole.test(formatOrderNumber(2026, seq))).toBe(true);
    expect(whole.test('T-2026-42')).toBe(false);
    expect(whole.test('T-2026-1234567')).toBe(false);
  });
});
