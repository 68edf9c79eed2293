import { describe, expect, test } from '@jest/globals';
import { localParts, zonedTimeToUtc } from '../../../src/domain/time';

const HEL = 'Europe/Helsinki';
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('zonedTimeToUtc: normal days', () => {
  test('winter: Helsinki is UTC+2', () => {
    expect(iso(zonedTimeToUtc('2026-01-15', '12:00', HEL))).toBe('2026-01-15T10:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-12-03', '13:00', HEL))).toBe('2026-12-03T11:00:00.000Z');
  });
  test('summer: Helsinki is UTC+3', () => {
    expect(iso(zonedTimeToUtc('2026-07-15', '12:00', HEL))).toBe('2026-07-15T09:00:00.000Z');
  });
  test('midnight and the last minute of the day', () => {
    expect(iso(zonedTimeToUtc('2026-01-15', '00:00', HEL))).toBe('2026-01-14T22:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-01-15', '23:59', HEL))).toBe('2026-01-15T21:59:00.000Z');
  });
  test('seconds in the time are accepted and ignored', () => {
    expect(iso(zonedTimeToUtc('2026-01-15', '12:00:45', HEL))).toBe('2026-01-15T10:00:00.000Z');
  });
  test('leap day 2028', () => {
    expect(iso(zonedTimeToUtc('2028-02-29', '09:00', HEL))).toBe('2028-02-29T07:00:00.000Z');
  });
  test('other zones', () => {
    expect(iso(zonedTimeToUtc('2026-01-15', '12:00', 'UTC'))).toBe('2026-01-15T12:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-07-15', '12:00', 'Europe/Stockholm'))).toBe('2026-07-15T10:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-01-15', '12:00', 'America/New_York'))).toBe('2026-01-15T17:00:00.000Z');
  });
  test('the day before and after each DST change', () => {
    expect(iso(zonedTimeToUtc('2026-03-28', '03:30', HEL))).toBe('2026-03-28T01:30:00.000Z');
    expect(iso(zonedTimeToUtc('2026-03-30', '03:30', HEL))).toBe('2026-03-30T00:30:00.000Z');
    expect(iso(zonedTimeToUtc('2026-10-24', '03:30', HEL))).toBe('2026-10-24T00:30:00.000Z');
    expect(iso(zonedTimeToUtc('2026-10-26', '03:30', HEL))).toBe('2026-10-26T01:30:00.000Z');
  });
});

/**
 * 2026-03-29: at 03:00 EET (01:00 UTC) clocks jump to 04:00 EEST; 03:00–03:59 do not exist.
 * 2026-10-25: at 04:00 EEST (01:00 UTC) clocks go back to 03:00 EET; 03:00–03:59 happen twice.
 */
describe('zonedTimeToUtc: DST spring forward (2026-03-29, Helsinki)', () => {
  test('just before the change (00:59) is still UTC+2', () => {
    expect(iso(zonedTimeToUtc('2026-03-29', '00:59', HEL))).toBe('2026-03-28T22:59:00.000Z');
  });
  test('just after the gap (04:00, 04:30) is UTC+3', () => {
    expect(iso(zonedTimeToUtc('2026-03-29', '04:00', HEL))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(zonedTimeToUtc('2026-03-29', '04:30', HEL))).toBe('2026-03-29T01:30:00.000Z');
  });

  // Regression (fixed in src/domain/time.ts): the first offset is read at the naive instant
  // (03:30 "as UTC", which is already past the change) and Math.min picks the earlier
  // candidate, so gap times are shifted BACK an hour instead of forward.
  test('03:30 does not exist → shifted forward by the gap to 04:30 (01:30 UTC)', () => {
    const r = zonedTimeToUtc('2026-03-29', '03:30', HEL);
    expect(iso(r)).toBe('2026-03-29T01:30:00.000Z');
    expect(localParts(r!, HEL)).toEqual({ date: '2026-03-29', time: '04:30' });
  });
  test('03:00 does not exist → 04:00 (01:00 UTC)', () => {
    expect(iso(zonedTimeToUtc('2026-03-29', '03:00', HEL))).toBe('2026-03-29T01:00:00.000Z');
  });

  // Was a bug (fixed): real, existing times 01:00–02:59 on the spring-forward day come out
  // one hour early (02:00 EET → 23:00 UTC the day before instead of 00:00 UTC).
  test.each(['01:00', '02:00', '02:59'])('%s exists (UTC+2) and round-trips', (time) => {
    const r = zonedTimeToUtc('2026-03-29', time, HEL);
    expect(localParts(r!, HEL)).toEqual({ date: '2026-03-29', time });
  });
  test('02:00 → 00:00 UTC', () => {
    expect(iso(zonedTimeToUtc('2026-03-29', '02:00', HEL))).toBe('2026-03-29T00:00:00.000Z');
  });
});

describe('zonedTimeToUtc: DST autumn back (2026-10-25, Helsinki)', () => {
  test('02:59 is unambiguous UTC+3', () => {
    expect(iso(zonedTimeToUtc('2026-10-25', '02:59', HEL))).toBe('2026-10-24T23:59:00.000Z');
  });
  test('04:00 is unambiguous UTC+2', () => {
    expect(iso(zonedTimeToUtc('2026-10-25', '04:00', HEL))).toBe('2026-10-25T02:00:00.000Z');
  });
  test('03:30 round-trips to the same wall-clock time', () => {
    expect(localParts(zonedTimeToUtc('2026-10-25', '03:30', HEL)!, HEL)).toEqual({ date: '2026-10-25', time: '03:30' });
  });

  // Regression (fixed in src/domain/time.ts): both candidates are computed from the post-change
  // offset (UTC+2), so the SECOND 03:30 (01:30 UTC) is returned instead of the first.
  test('03:30 exists twice → the first (03:30 EEST = 00:30 UTC)', () => {
    expect(iso(zonedTimeToUtc('2026-10-25', '03:30', HEL))).toBe('2026-10-25T00:30:00.000Z');
  });
  test('03:00 exists twice → the first (00:00 UTC)', () => {
    expect(iso(zonedTimeToUtc('2026-10-25', '03:00', HEL))).toBe('2026-10-25T00:00:00.000Z');
  });
});

describe('zonedTimeToUtc: invalid input → null', () => {
  test.each([
    ['2026-02-30', '12:00'],
    ['2026-02-29', '12:00'],
    ['2026-04-31', '12:00'],
    ['2026-13-01', '12:00'],
    ['2026-00-10', '12:00'],
    ['2026-01-00', '12:00'],
    ['2026-01-32', '12:00'],
    ['2026-1-5', '12:00'],
    ['05.01.2026', '12:00'],
    ['', '12:00'],
    ['2026-01-15', '24:00'],
    ['2026-01-15', '12:60'],
    ['2026-01-15', '9:00'],
    ['2026-01-15', '12.00'],
    ['2026-01-15', ''],
    ['2026-01-15T12:00', '12:00'],
    ['2026-01-15', '12:00 '],
  ])('%p %p', (date, time) => {
    expect(zonedTimeToUtc(date, time, HEL)).toBeNull();
  });
});

describe('localParts', () => {
  test('formats an instant in the zone', () => {
    expect(localParts(new Date('2026-12-03T11:00:00Z'), HEL)).toEqual({ date: '2026-12-03', time: '13:00' });
    expect(localParts(new Date('2026-06-16T21:30:00Z'), HEL)).toEqual({ date: '2026-06-17', time: '00:30' });
    expect(localParts(new Date('2026-01-14T22:00:00Z'), HEL)).toEqual({ date: '2026-01-15', time: '00:00' });
  });

  test('round trip: every half hour of a winter and a summer day', () => {
    for (const date of ['2026-01-15', '2026-07-15']) {
      for (let m = 0; m < 24 * 60; m += 30) {
        const time = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        expect(localParts(zonedTimeToUtc(date, time, HEL)!, HEL)).toEqual({ date, time });
      }
    }
  });

  test('round trip: the instant → local parts → instant', () => {
    for (const s of ['2026-02-03T11:00:00Z', '2026-08-31T05:45:00Z', '2026-12-31T22:30:00Z']) {
      const instant = new Date(s);
      const p = localParts(instant, HEL);
      expect(zonedTimeToUtc(p.date, p.time, HEL)).toEqual(instant);
    }
  });
});
