import { createTask } from 'node-cron';
import { cronUnitMs, localDate, occurrenceKey, occurrenceOf } from '../../../src/jobs/occurrence';

const TZ = 'Europe/Helsinki';
const at = (iso: string) => new Date(iso);

/** node-cron's own reading of the expression in Helsinki, so keys and ticks agree. */
function cronMatches(cron: string, instant: Date): boolean {
  const task = createTask(cron, () => undefined, { timezone: TZ });
  try {
    return task.match(instant);
  } finally {
    void task.destroy();
  }
}

test('five-field schedules are per minute, six-field (seconds) per second', () => {
  expect(cronUnitMs('0 8 * * *')).toBe(60_000);
  expect(cronUnitMs(' */5 * * * * * ')).toBe(1000);
});

test('two instances ticking with different jitter and lateness get the same key', () => {
  const a = occurrenceOf('0 8 * * *', at('2026-11-22T06:00:00.003Z'));
  const b = occurrenceOf('0 8 * * *', at('2026-11-22T06:00:29.870Z'));
  expect(occurrenceKey(a)).toBe('2026-11-22T06:00:00.000Z');
  expect(occurrenceKey(b)).toBe(occurrenceKey(a));
  expect(occurrenceKey(occurrenceOf('* * * * * *', at('2026-11-22T06:00:07.640Z')))).toBe('2026-11-22T06:00:07.000Z');
});

test('08:00 Helsinki on the spring DST change (2026-03-29) is 05:00 UTC, the day before 06:00 UTC', () => {
  expect(cronMatches('0 8 * * *', at('2026-03-28T06:00:00Z'))).toBe(true);
  expect(cronMatches('0 8 * * *', at('2026-03-29T05:00:00Z'))).toBe(true);
  expect(cronMatches('0 8 * * *', at('2026-03-29T06:00:00Z'))).toBe(false);
  expect(occurrenceKey(occurrenceOf('0 8 * * *', at('2026-03-29T05:00:00.012Z')))).toBe('2026-03-29T05:00:00.000Z');
  expect(localDate(at('2026-03-29T05:00:00Z'), TZ)).toBe('2026-03-29');
});

test('08:00 Helsinki on the autumn DST change (2026-10-25) is 06:00 UTC', () => {
  expect(cronMatches('0 8 * * *', at('2026-10-25T06:00:00Z'))).toBe(true);
  expect(cronMatches('0 8 * * *', at('2026-10-25T05:00:00Z'))).toBe(false);
  expect(occurrenceKey(occurrenceOf('0 8 * * *', at('2026-10-25T06:00:00.250Z')))).toBe('2026-10-25T06:00:00.000Z');
});

test('the repeated 03:30 of the autumn change is two instants with two keys on one local date', () => {
  const first = at('2026-10-25T00:30:00Z'); // 03:30 EEST
  const second = at('2026-10-25T01:30:00Z'); // 03:30 EET
  expect(cronMatches('30 3 * * *', first)).toBe(true);
  expect(cronMatches('30 3 * * *', second)).toBe(true);
  expect(occurrenceKey(occurrenceOf('30 3 * * *', first))).not.toBe(occurrenceKey(occurrenceOf('30 3 * * *', second)));
  // Jobs key their side effects by local date, so even both firing would send once.
  expect(localDate(first, TZ)).toBe('2026-10-25');
  expect(localDate(second, TZ)).toBe('2026-10-25');
});

test('03:30 does not exist on the spring change day', () => {
  expect(cronMatches('30 3 * * *', at('2026-03-29T00:30:00Z'))).toBe(false);
  expect(cronMatches('30 3 * * *', at('2026-03-29T01:30:00Z'))).toBe(false);
});

test('the local date turns at Helsinki midnight in winter (+2) and summer (+3)', () => {
  expect(localDate(at('2026-11-21T21:59:59Z'), TZ)).toBe('2026-11-21');
  expect(localDate(at('2026-11-21T22:00:00Z'), TZ)).toBe('2026-11-22');
  expect(localDate(at('2026-06-30T20:59:59Z'), TZ)).toBe('2026-06-30');
  expect(localDate(at('2026-06-30T21:00:00Z'), TZ)).toBe('2026-07-01');
});
