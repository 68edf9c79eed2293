import { describe, expect, test } from '@jest/globals';
import { fairness } from '../../../src/domain/fairness';

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
