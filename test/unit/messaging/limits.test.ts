import { RateLimiter, TEAMS_APP_WINDOWS, TEAMS_CONVERSATION_WINDOWS } from '../../../src/messaging/limits';

/** Sends as fast as the limiter allows on a fake clock; each request takes `latencyMs`. */
function schedule(limiter: RateLimiter, conversations: string[], latencyMs = 0): number[] {
  const times: number[] = [];
  let now = 0;
  for (const c of conversations) {
    now += limiter.delayFor(c, now);
    expect(limiter.delayFor(c, now)).toBe(0);
    limiter.record(c, now)(now + latencyMs);
    times.push(now);
  }
  return times;
}

function maxInAnyWindow(times: number[], ms: number): number {
  let max = 0;
  for (let i = 0; i < times.length; i++) max = Math.max(max, times.filter((t) => t >= times[i] && t < times[i] + ms).length);
  return max;
}

test('the documented Teams limits', () => {
  expect(TEAMS_CONVERSATION_WINDOWS).toEqual([{ limit: 7, ms: 1000 }, { limit: 8, ms: 2000 }, { limit: 60, ms: 30_000 }]);
  expect(TEAMS_APP_WINDOWS).toEqual([{ limit: 50, ms: 1000 }]);
});

test('one conversation: 7 at once, the 8th after 1 s, then 8 per 2 s', () => {
  const times = schedule(new RateLimiter(), Array(24).fill('a'));
  expect(times.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  expect(times[7]).toBe(1000);
  expect(times[8]).toBe(2000);
  expect(maxInAnyWindow(times, 1000)).toBeLessThanOrEqual(7);
  expect(maxInAnyWindow(times, 2000)).toBeLessThanOrEqual(8);
});

test('one conversation: never more than 60 in 30 s', () => {
  const times = schedule(new RateLimiter(), Array(130).fill('a'));
  expect(maxInAnyWindow(times, 30_000)).toBe(60);
  expect(maxInAnyWindow(times, 2000)).toBeLessThanOrEqual(8);
  expect(times[60]).toBeGreaterThanOrEqual(30_000);
});

test('a request is dated by its end, the latest moment Teams can have seen it', () => {
  const limiter = new RateLimiter({ conversation: [{ limit: 1, ms: 1000 }] });
  const done = limiter.record('a', 0);
  done(300); // slow response: Teams may have seen it as late as 300
  expect(limiter.delayFor('a', 500)).toBe(800);
  expect(limiter.delayFor('a', 1300)).toBe(0);
});

test('a request in flight counts as happening now', () => {
  const limiter = new RateLimiter();
  for (let i = 0; i < 7; i++) limiter.record('a', 0); // never finished
  expect(limiter.delayFor('a', 5000)).toBe(1000);
});

test('other conversations are not held back by a busy one, but share the app-wide 50/s', () => {
  const limiter = new RateLimiter();
  for (let i = 0; i < 7; i++) limiter.record('busy', 0)(0);
  expect(limiter.delayFor('busy', 0)).toBe(1000);
  expect(limiter.delayFor('quiet', 0)).toBe(0);
  const times = schedule(limiter, Array.from({ length: 120 }, (_, i) => `c${i}`));
  expect(maxInAnyWindow([0, 0, 0, 0, 0, 0, 0, ...times], 1000)).toBe(50);
  expect(times[43]).toBe(1000); // 7 + 43 = 50 in the first second
});

test('pause holds a conversation until the given time', () => {
  const limiter = new RateLimiter();
  limiter.pause('a', 4000);
  expect(limiter.delayFor('a', 1000)).toBe(3000);
  expect(limiter.delayFor('a', 4000)).toBe(0);
  expect(limiter.saturated(1000, 2000)).toEqual(['a']);
  expect(limiter.saturated(2500, 2000)).toEqual([]);
});

test('memory stays bounded: conversations idle longer than the longest window are forgotten', () => {
  const limiter = new RateLimiter();
  for (let i = 0; i < 1000; i++) limiter.record(`c${i}`, i)(i + 1);
  expect(limiter.size).toBe(1000);
  limiter.record('late', 40_000)(40_001);
  expect(limiter.size).toBe(1);
  // A rolling stream of new conversations keeps only the last 30 s of them.
  let now = 50_000;
  for (let i = 0; i < 20_000; i++, now += 20) limiter.record(`r${i}`, now)(now + 1);
  expect(limiter.size).toBeLessThanOrEqual(30_000 / 20 + 2);
});

test('custom windows', () => {
  const limiter = new RateLimiter({ conversation: [{ limit: 1, ms: 100 }], app: [{ limit: 2, ms: 100 }] });
  limiter.record('a', 0)(0);
  expect(limiter.delayFor('a', 10)).toBe(90);
  limiter.record('b', 10)(10);
  expect(limiter.delayFor('c', 20)).toBe(80);
});
