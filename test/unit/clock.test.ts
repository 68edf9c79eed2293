import { MAX_ADVANCE_MS, MovableClock } from '../../src/clock';
import { parseDuration } from '../../src/domain/duration';
import { durationText } from '../../src/teams/jobs';

const H = 3600_000;

test('the clock runs with the system clock plus what it was moved forward, never back', () => {
  let system = Date.UTC(2026, 11, 4, 10, 0);
  const clock = new MovableClock(() => system);
  expect(clock.now().toISOString()).toBe('2026-12-04T10:00:00.000Z');
  clock.advance(2 * H);
  system += 60_000;
  expect(clock.now().toISOString()).toBe('2026-12-04T12:01:00.000Z');
  expect(clock.offsetMs()).toBe(2 * H);
  for (const bad of [0, -H, NaN, Infinity, MAX_ADVANCE_MS + 1]) expect(() => clock.advance(bad)).toThrow(RangeError);
  expect(clock.offsetMs()).toBe(2 * H);
});

test.each([
  ['2 h', 2 * H], ['2h', 2 * H], ['90 min', 1.5 * H], ['1,5 tuntia', 1.5 * H], ['1.5 hours', 1.5 * H], ['3 päivää', 72 * H],
  ['1 vrk', 24 * H], ['1 d 2 h', 26 * H], ['2 timmar', 2 * H], ['1 dygn', 24 * H], ['45 minuter', 0.75 * H], ['1 day', 24 * H], ['2 T', 2 * H],
])('"%s" is %d ms', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

test.each(['', 'huomenna', '2', 'h', '-2 h', '0 min', '2 h ago', '2 weeks', '1e3 h'])('"%s" is not a length of time', (text) => {
  expect(parseDuration(text)).toBeNull();
});

test('lengths are written back in the units people type', () => {
  expect(durationText('fi', 26 * H + 30 * 60_000)).toBe('1 vrk 2 h 30 min');
  expect(durationText('sv', 48 * H)).toBe('2 dygn');
  expect(durationText('en', 2 * H)).toBe('2 h');
  expect(durationText('fi', 0)).toBe('0 min');
});
