import { backoffMs, decide, DEFAULT_RETRY, errorClass, isRetryable, parseRetryAfter, RetryPolicy } from '../../../src/messaging/retry';

const policy = (rng: () => number, over: Partial<RetryPolicy> = {}): RetryPolicy => ({ ...DEFAULT_RETRY, baseMs: 1000, capMs: 60_000, rng, ...over });

test('Teams says retry 429, 412, 502, 504; 5xx, 408 and network errors are transient too', () => {
  for (const s of [429, 412, 502, 504, 500, 503, 408, 401, undefined]) expect(isRetryable(s)).toBe(true);
  for (const s of [400, 403, 404, 413]) expect(isRetryable(s)).toBe(false);
});

test('403 and a 404 on send mean the conversation is unreachable; 400 and a 404 on update do not', () => {
  const p = policy(() => 0);
  expect(decide({ statusCode: 403 }, 1, 'send', p)).toEqual({ retry: false, reason: 'permanent', unreachable: true });
  expect(decide({ statusCode: 403 }, 1, 'update', p)).toEqual({ retry: false, reason: 'permanent', unreachable: true });
  expect(decide({ statusCode: 404 }, 1, 'send', p)).toEqual({ retry: false, reason: 'permanent', unreachable: true });
  expect(decide({ statusCode: 404 }, 1, 'update', p)).toEqual({ retry: false, reason: 'permanent', unreachable: false });
  expect(decide({ statusCode: 400 }, 1, 'send', p)).toEqual({ retry: false, reason: 'permanent', unreachable: false });
});

test('exponential backoff with full jitter, capped', () => {
  expect([1, 2, 3, 4].map((a) => backoffMs(a, policy(() => 0.999999)))).toEqual([999, 1999, 3999, 7999]);
  expect(backoffMs(20, policy(() => 0.5))).toBe(30_000);
  expect(backoffMs(3, policy(() => 0))).toBe(0);
  expect(backoffMs(3, policy(() => 0.25))).toBe(1000);
});

test('Retry-After is a floor for the delay, and the cap still applies', () => {
  expect(decide({ statusCode: 429, retryAfterMs: 5000 }, 1, 'send', policy(() => 0.5))).toEqual({ retry: true, delayMs: 5000 });
  expect(decide({ statusCode: 429, retryAfterMs: 10 }, 4, 'send', policy(() => 0.5))).toEqual({ retry: true, delayMs: 4000 });
  expect(decide({ statusCode: 429, retryAfterMs: 86_400_000 }, 1, 'send', policy(() => 0.5))).toEqual({ retry: true, delayMs: 60_000 });
});

test('after maxAttempts a retryable failure is given up, never dropped silently', () => {
  const p = policy(() => 0.5, { maxAttempts: 3 });
  expect(decide({ statusCode: 502 }, 2, 'send', p)).toMatchObject({ retry: true });
  expect(decide({ statusCode: 502 }, 3, 'send', p)).toEqual({ retry: false, reason: 'exhausted', unreachable: false });
  expect(DEFAULT_RETRY.maxAttempts).toBe(8);
});

test('Retry-After as seconds or as an HTTP date', () => {
  const now = Date.parse('2025-03-01T10:00:00Z');
  expect(parseRetryAfter('3', now)).toBe(3000);
  expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
  expect(parseRetryAfter('Sat, 01 Mar 2025 10:00:07 GMT', now)).toBe(7000);
  expect(parseRetryAfter('Sat, 01 Mar 2025 09:00:00 GMT', now)).toBe(0);
  expect(parseRetryAfter('soon', now)).toBeUndefined();
  expect(parseRetryAfter(undefined, now)).toBeUndefined();
});

test('the stored error is a status class only', () => {
  expect(errorClass({ statusCode: 429 })).toBe('http 429');
  expect(errorClass({})).toBe('network');
});
