import { describe, expect, test } from '@jest/globals';
import { fanOutSlices, nextWave, offerExpired, offerExpiry, waveDue } from '../../../src/domain/waves';

const ranked = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, extra: id.toUpperCase() }));
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe('nextWave', () => {
  test('takes waveSize experts from the front, in rank order', () => {
    expect(ids(nextWave({ ranked, seatsOpen: 1, waveSize: 3 }))).toEqual(['a', 'b', 'c']);
    expect(ids(nextWave({ ranked, seatsOpen: 1, waveSize: 10 }))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
  test('never fewer than the open seats', () => {
    expect(ids(nextWave({ ranked, seatsOpen: 4, waveSize: 2 }))).toEqual(['a', 'b', 'c', 'd']);
  });
  test('nobody when no seat is open', () => {
    expect(nextWave({ ranked, seatsOpen: 0, waveSize: 3 })).toEqual([]);
    expect(nextWave({ ranked, seatsOpen: -1, waveSize: 3 })).toEqual([]);
    expect(nextWave({ ranked, seatsOpen: NaN, waveSize: 3 })).toEqual([]);
  });
  test('skips experts already offered and fills the wave from further down', () => {
    expect(ids(nextWave({ ranked, seatsOpen: 1, waveSize: 3, alreadyOffered: new Set(['a', 'c']) }))).toEqual(['b', 'd', 'e']);
  });
  test('an empty or short ranking gives what there is', () => {
    expect(nextWave({ ranked: [], seatsOpen: 2, waveSize: 3 })).toEqual([]);
    expect(ids(nextWave({ ranked: ranked.slice(0, 2), seatsOpen: 2, waveSize: 5 }))).toEqual(['a', 'b']);
  });
  test('returns the very objects', () => {
    expect(nextWave({ ranked, seatsOpen: 1, waveSize: 1 })[0]).toBe(ranked[0]);
  });
  test('a zero or nonsense wave size still offers one per open seat', () => {
    expect(ids(nextWave({ ranked, seatsOpen: 2, waveSize: 0 }))).toEqual(['a', 'b']);
    expect(ids(nextWave({ ranked, seatsOpen: 1, waveSize: NaN }))).toEqual(['a']);
  });
});

describe('offer expiry', () => {
  const order = { startsAt: new Date('2026-03-29T07:00:00Z') };
  test('the given hours before the start (in real elapsed hours, across the DST change)', () => {
    expect(offerExpiry(order, { expireBeforeStartHours: 2 }).toISOString()).toBe('2026-03-29T05:00:00.000Z');
    expect(offerExpiry(order, { expireBeforeStartHours: 24 }).toISOString()).toBe('2026-03-28T07:00:00.000Z');
    expect(offerExpiry(order, { expireBeforeStartHours: 0 })).toEqual(order.startsAt);
  });
  test('offers are expired from that instant on', () => {
    const at = offerExpiry(order, { expireBeforeStartHours: 2 });
    expect(offerExpired(order, { expireBeforeStartHours: 2 }, new Date(at.getTime() - 1))).toBe(false);
    expect(offerExpired(order, { expireBeforeStartHours: 2 }, at)).toBe(true);
  });
});

describe('waveDue', () => {
  const last = new Date('2026-03-10T10:00:00Z');
  test('the first wave is due at once', () => {
    expect(waveDue(undefined, 60, last)).toBe(true);
    expect(waveDue(null, 60, last)).toBe(true);
  });
  test('the next one after the wait, to the millisecond', () => {
    expect(waveDue(last, 60, new Date(last.getTime() + 60 * 60_000 - 1))).toBe(false);
    expect(waveDue(last, 60, new Date(last.getTime() + 60 * 60_000))).toBe(true);
  });
  test('a zero wait is always due', () => {
    expect(waveDue(last, 0, last)).toBe(true);
  });
});

describe('fanOutSlices', () => {
  test('the first 50, then 250 at a time, every item once and in order', () => {
    const all = Array.from({ length: 1000 }, (_, i) => i);
    const slices = fanOutSlices(all);
    expect(slices.map((s) => s.length)).toEqual([50, 250, 250, 250, 200]);
    expect(slices.flat()).toEqual(all);
  });
  test('small and empty fan-outs', () => {
    expect(fanOutSlices([1, 2, 3])).toEqual([[1, 2, 3]]);
    expect(fanOutSlices([])).toEqual([]);
  });
});
