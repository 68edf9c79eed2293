/**
 * Offers go out in waves: a few of the fairest-ranked experts at a time, the next wave after
 * a wait if seats are still open (the offer-waves job, src/jobs/waves.ts, decides when). Nobody
 * is pressed: an unanswered offer simply expires.
 */

/**
 * The experts of the next wave, in rank order: `waveSize` of them, but never fewer than the
 * open seats (a wave smaller than the need could not fill the order), and nobody offered before.
 */
export function nextWave<E extends { id: string }>(p: {
  ranked: readonly E[];
  seatsOpen: number;
  waveSize: number;
  alreadyOffered?: ReadonlySet<string>;
}): E[] {
  if (!(p.seatsOpen > 0)) return [];
  const size = Math.max(Math.floor(p.waveSize) || 0, Math.ceil(p.seatsOpen));
  const wave: E[] = [];
  for (const e of p.ranked) {
    if (wave.length >= size) break;
    if (!p.alreadyOffered?.has(e.id)) wave.push(e);
  }
  return wave;
}

/**
 * A large fan-out in slices: the first 50 (one second of Teams' app-wide limit), then 250 at a
 * time, so that the first messages are on their way while the rest is still being written.
 */
export function fanOutSlices<T>(all: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < all.length; ) {
    const end = start === 0 ? 50 : start + 250;
    out.push(all.slice(start, end));
    start = end;
  }
  return out;
}
