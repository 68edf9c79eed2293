import { describe, expect, test } from '@jest/globals';
import { fanOutSlices, nextWave } from '../../../src/domain/waves';

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

describe('fanOutSlices', () => {
  test('the first 10, the next 10, up to 50, up to 150, then 250 at a time, every item once and in order', () => {
    const all = Array.from({ length: 1000 }, (_, i) => i);
    const slices = fanOutSlices(all);
    expect(slices.map((s) => s.length)).toEqual([10, 10, 30, 100, 250, 250, 250, 100]);
    expect(slices.flat()).toEqual(all);
  });
  test('small and empty fan-outs', () => {
    expect(fanOutSlices([1, 2, 3])).toEqual([[1, 2, 3]]);
    expect(fanOutSlices(Array.from({ length: 15 }, (_, i) => i)).map((s) => s.length)).toEqual([10, 5]);
    expect(fanOutSlices(Array.from({ length: 30 }, (_, i) => i)).map((s) => s.length)).toEqual([10, 10, 10]);
    expect(fanOutSlices([])).toEqual([]);
  });
});
