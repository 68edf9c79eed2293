import { describe, expect, test } from '@jest/globals';
import { fairness, fairnessLevelOf, fillRateByWeek, taskShare } from '../../../src/domain/fairness';

describe('fairness: Gini coefficient of assignments per active expert', () => {
  test('known values', () => {
    expect(fairness([1, 1, 1, 1])).toEqual({ experts: 4, assignments: 4, max: 1, min: 1, gini: 0 });
    expect(fairness([0, 0, 0, 4])).toEqual({ experts: 4, assignments: 4, max: 4, min: 0, gini: 0.75 });
    expect(fairness([0, 4]).gini).toBe(0.5);
    expect(fairness([1, 2, 3]).gini).toBe(0.222); // 4 / 18, rounded to 3 decimals
    expect(fairness([2, 1]).gini).toBe(0.167); // 1 / 6
  });

  test('order of the input does not matter', () => {
    expect(fairness([4, 0, 0, 0]).gini).toBe(0.75);
    expect(fairness([3, 1, 2])).toEqual(fairness([1, 2, 3]));
  });

  test('empty, all-zero and a single expert are 0', () => {
    expect(fairness([])).toEqual({ experts: 0, assignments: 0, max: 0, min: 0, gini: 0 });
    expect(fairness([0, 0])).toEqual({ experts: 2, assignments: 0, max: 0, min: 0, gini: 0 });
    expect(fairness([7]).gini).toBe(0);
  });

  test('counts must be whole numbers >= 0', () => {
    expect(() => fairness([1, -1])).toThrow(RangeError);
    expect(() => fairness([1.5])).toThrow(RangeError);
    expect(() => fairness([NaN])).toThrow(RangeError);
  });
});

describe('fairness in plain words, the share with a task, the fill rate by week', () => {
  test('the level: none without tasks, then even / fair / uneven by the coefficient', () => {
    expect(fairnessLevelOf(fairness([0, 0, 0]))).toBe('none');
    expect(fairnessLevelOf(fairness([2, 2, 2]))).toBe('even');
    expect(fairnessLevelOf(fairness([1, 2, 3]))).toBe('fair'); // gini 0.222
    expect(fairnessLevelOf(fairness([0, 0, 5]))).toBe('uneven');
  });

  test('the share of approved experts with at least one task', () => {
    expect(taskShare([0, 1, 3, 0])).toEqual({ withTask: 2, experts: 4, share: 0.5 });
    expect(taskShare([])).toEqual({ withTask: 0, experts: 0, share: 0 });
  });

  test('orders fall in the seven-day week of their start, oldest week first; outside the window they are not counted', () => {
    const now = new Date('2026-12-04T10:00:00Z');
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
    const weeks = fillRateByWeek([
      { startsAt: daysAgo(1), filled: true },
      { startsAt: daysAgo(2), filled: false },
      { startsAt: daysAgo(8), filled: true },
      { startsAt: daysAgo(91), filled: true },
      { startsAt: daysAgo(-1), filled: true },
    ], now);
    expect(weeks).toHaveLength(13);
    expect(weeks[0].from).toEqual(daysAgo(91));
    expect(weeks[12]).toEqual({ from: daysAgo(7), orders: 2, filled: 1 });
    expect(weeks[11]).toEqual({ from: daysAgo(14), orders: 1, filled: 1 });
    expect(weeks.reduce((n, w) => n + w.orders, 0)).toBe(4); // 91 days ago is the first week's first day; tomorrow is out
  });
});
