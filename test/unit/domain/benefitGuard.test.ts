import { describe, expect, test } from '@jest/globals';
import { guardLevel, guardWindow, pausedByGuard, volunteerIn } from '../../../src/domain/benefitGuard';

describe('benefit guard', () => {
  test('the window is the calendar month or year of the day; offers resume on the next one', () => {
    expect(guardWindow('2026-11-30', 'month')).toEqual({ id: '2026-11', firstDay: '2026-11-01', nextDay: '2026-12-01' });
    expect(guardWindow('2026-12-05', 'month')).toEqual({ id: '2026-12', firstDay: '2026-12-01', nextDay: '2027-01-01' });
    expect(guardWindow('2026-06-15', 'year')).toEqual({ id: '2026', firstDay: '2026-01-01', nextDay: '2027-01-01' });
  });

  test('no limit: nothing to say', () => {
    expect(guardLevel(undefined, 50000, 3000)).toEqual({ level: 'none', percent: 0 });
    expect(guardLevel(0, 50000, 3000)).toEqual({ level: 'none', percent: 0 });
  });

  test('below 80 % after the task: none; from 80 %: near; already at the limit: reached', () => {
    expect(guardLevel(10000, 4000, 3900)).toEqual({ level: 'none', percent: 79 });
    expect(guardLevel(10000, 5000, 3000)).toEqual({ level: 'near', percent: 80 });
    expect(guardLevel(10000, 9000, 5000)).toEqual({ level: 'near', percent: 140 });
    expect(guardLevel(10000, 10000, 3000)).toEqual({ level: 'reached', percent: 130 });
  });

  test('the percent is rounded down, never overstating the room left', () => {
    expect(guardLevel(30000, 0, 23999).percent).toBe(79);
    expect(guardLevel(30000, 0, 23999).level).toBe('none');
  });

  test('offers pause only when the expert chose it and the limit is reached', () => {
    const s = { limitCents: 10000, per: 'month' as const, pauseAtLimit: true, volunteerMonths: [] };
    expect(pausedByGuard(s, 9999)).toBe(false);
    expect(pausedByGuard(s, 10000)).toBe(true);
    expect(pausedByGuard({ ...s, pauseAtLimit: false }, 20000)).toBe(false);
    expect(pausedByGuard({ ...s, limitCents: undefined }, 20000)).toBe(false);
    expect(pausedByGuard(undefined, 20000)).toBe(false);
  });

  test('volunteer months', () => {
    const s = { per: 'month' as const, pauseAtLimit: false, volunteerMonths: ['2026-11'] };
    expect(volunteerIn(s, '2026-11-30')).toBe(true);
    expect(volunteerIn(s, '2026-12-01')).toBe(false);
    expect(volunteerIn(undefined, '2026-11-30')).toBe(false);
  });
});
