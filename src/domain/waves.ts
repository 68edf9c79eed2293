import type { OfferStatus } from './types';

/**
 * Offers go out in waves: a few of the fairest-ranked experts at a time, the next wave after
 * a wait if seats are still open (the offer-waves job, src/jobs/waves.ts, decides when). Nobody
 * is pressed: an unanswered offer simply expires.
 */

/** How many the next wave offers at most: `waveSize`, but never fewer than the open seats. */
export function waveSizeFor(waveSize: number, seatsOpen: number): number {
  return Math.max(Math.floor(waveSize) || 0, Math.ceil(seatsOpen));
}

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
  const size = waveSizeFor(p.waveSize, p.seatsOpen);
  const wave: E[] = [];
  for (const e of p.ranked) {
    if (wave.length >= size) break;
    if (!p.alreadyOffered?.has(e.id)) wave.push(e);
  }
  return wave;
}

/**
 * Offers close this many hours before the task starts: whoever accepts has time to prepare,
 * and nobody is pressed to decide at the last minute. An order is not taken, and no offer is
 * sent, once this point has passed (the order form's "too soon" text says "2 hours").
 */
export const OFFERS_CLOSE_BEFORE_START_HOURS = 2;

/** When an order's open offers expire (the offer card's "answer by"): some hours before the start, so whoever accepts has time to prepare. */
export function offerExpiry(order: { startsAt: Date }, opts: { expireBeforeStartHours: number } = { expireBeforeStartHours: OFFERS_CLOSE_BEFORE_START_HOURS }): Date {
  return new Date(order.startsAt.getTime() - opts.expireBeforeStartHours * 3600_000);
}

/** Whether an order's open offers have run out at `now`. */
export function offerExpired(order: { startsAt: Date }, opts: { expireBeforeStartHours: number } = { expireBeforeStartHours: OFFERS_CLOSE_BEFORE_START_HOURS }, now: Date): boolean {
  return now.getTime() >= offerExpiry(order, opts).getTime();
}

/**
 * The offer states an accept that holds a seat marks 'accepted': any but one closed with its
 * cancelled order. A card that turned "filled" or "expired" a moment before a seat was freed,
 * or a decline or withdrawal the expert thinks better of, may still win a free seat: the
 * seat's unique insert decides (services/offering.ts acceptOffer).
 */
export const ACCEPT_FROM: readonly OfferStatus[] = ['open', 'filled', 'expired', 'declined', 'withdrawn'];

/** The first slice of a fan-out (fanOutSlices): a wave larger than this is written in several. */
export const FIRST_SLICE = 10;

/**
 * The slices whose experts' chats a wave looks up by key (services/offering.ts): these go out
 * before the read of every chat, which the later slices share.
 */
export const SLICES_BY_KEY = 2;

/**
 * A large fan-out in slices: the first 10, the next 10, then up to 50 and 150 (each written
 * while the one before goes out at Teams' app-wide 50 a second), then 250 at a time, so that the
 * first messages are on their way while the rest is still being written. (A first slice of 50
 * took its chats' lookup and enqueue before any card left: about 0.1 s more to the first offer;
 * one of 20, 0.1–0.2 s. With 10 and then 40, the 40 waited for the read of every chat, and the
 * budget's third slot after the first offer, 0.2 s later, came before them.)
 */
export function fanOutSlices<T>(all: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < all.length; ) {
    const end = start < SLICES_BY_KEY * FIRST_SLICE ? start + FIRST_SLICE : start < 50 ? 50 : start < 150 ? 150 : start + 250;
    out.push(all.slice(start, end));
    start = end;
  }
  return out;
}
