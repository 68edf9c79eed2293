import { describe, expect, test } from '@jest/globals';
import { bankHolidays, daysBetween, isBankingDay, parsePeriod, paymentDate, periodLabel, periodOf, previousPeriod, reportByDate } from '../../../src/domain/payPeriods';

describe('pay periods', () => {
  test('monthly: YYYY-MM, first to last day (leap years too)', () => {
    expect(parsePeriod('2026-10', 'monthly')).toEqual({ id: '2026-10', firstDay: '2026-10-01', lastDay: '2026-10-31' });
    expect(parsePeriod('2028-02', 'monthly')).toEqual({ id: '2028-02', firstDay: '2028-02-01', lastDay: '2028-02-29' });
    expect(parsePeriod('2026-10.1', 'monthly')).toBeUndefined();
    for (const bad of ['2026-13', '2026-1', '26-10', '2026-10-01', '']) expect(parsePeriod(bad, 'monthly')).toBeUndefined();
  });

  test('twice a month: .1 is the 1st–15th, .2 the 16th–last day', () => {
    expect(parsePeriod('2026-02.1', 'semimonthly')).toEqual({ id: '2026-02.1', firstDay: '2026-02-01', lastDay: '2026-02-15' });
    expect(parsePeriod('2026-02.2', 'semimonthly')).toEqual({ id: '2026-02.2', firstDay: '2026-02-16', lastDay: '2026-02-28' });
    expect(parsePeriod('2026-02', 'semimonthly')).toBeUndefined();
    expect(parsePeriod('2026-02.3', 'semimonthly')).toBeUndefined();
  });

  test('the period of a day, and the one a run on a day settles', () => {
    expect(periodOf('2026-10-15', 'semimonthly').id).toBe('2026-10.1');
    expect(periodOf('2026-10-16', 'semimonthly').id).toBe('2026-10.2');
    expect(periodOf('2026-10-31', 'monthly').id).toBe('2026-10');
    expect(previousPeriod('2026-11-01', 'monthly').id).toBe('2026-10');
    expect(previousPeriod('2026-01-01', 'monthly').id).toBe('2025-12');
    expect(previousPeriod('2026-11-16', 'semimonthly').id).toBe('2026-11.1');
    expect(previousPeriod('2026-11-01', 'semimonthly').id).toBe('2026-10.2');
  });

  test('labels read as Finnish dates', () => {
    expect(periodLabel(parsePeriod('2026-10', 'monthly')!)).toBe('10/2026');
    expect(periodLabel(parsePeriod('2026-10.2', 'semimonthly')!)).toBe('16.–31.10.2026');
  });
});

describe('banking days', () => {
  test('Finnish bank holidays of 2026 (Easter 5.4.2026, Midsummer Eve 19.6.2026)', () => {
    expect([...bankHolidays(2026)].sort()).toEqual([
      '2026-01-01', '2026-01-06', '2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14', '2026-06-19', '2026-12-06', '2026-12-24', '2026-12-25', '2026-12-26',
    ]);
    expect(bankHolidays(2027).has('2027-03-26')).toBe(true); // Good Friday 2027 (Easter 28.3.)
    expect(isBankingDay('2026-11-06')).toBe(true);
    expect(isBankingDay('2026-11-07')).toBe(false); // Saturday
  });
});

describe('payment date and Incomes Register deadline', () => {
  test('payment N days after the period, moved back to a banking day', () => {
    expect(paymentDate(parsePeriod('2026-10', 'monthly')!, 7)).toBe('2026-11-06'); // Sat 7.11. → Fri 6.11.
    expect(paymentDate(parsePeriod('2026-11', 'monthly')!, 7)).toBe('2026-12-07'); // Mon
    expect(paymentDate(parsePeriod('2026-12.1', 'semimonthly')!, 9)).toBe('2026-12-23'); // 24.12. Christmas Eve → 23.12.
    expect(paymentDate(parsePeriod('2026-03', 'monthly')!, 3)).toBe('2026-04-02'); // 3.4. Good Friday → Thu 2.4.
  });

  test('report within 5 calendar days of payment; a weekend or holiday deadline moves to the next business day', () => {
    expect(reportByDate('2026-11-06')).toBe('2026-11-11'); // Wed
    expect(reportByDate('2026-11-09')).toBe('2026-11-16'); // Sat 14.11. → Mon 16.11.
    expect(reportByDate('2026-12-01')).toBe('2026-12-07'); // Sun 6.12. Independence Day → Mon 7.12.
    expect(reportByDate('2026-12-21')).toBe('2026-12-28'); // 26.12. → 27.12. Sun → 28.12.
  });

  test('days between', () => {
    expect(daysBetween('2026-10-20', '2026-11-06')).toBe(17);
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2); // across the DST change
  });
});
