/**
 * How evenly the work is spread across active experts (equality is an explicit goal in every
 * seed). Gini coefficient over the per-expert assignment counts: 0 = everyone has the same
 * number, towards 1 = a few get everything (one of n gets all: (n - 1) / n). Rounded to 3 decimals;
 * no experts or no assignments is 0.
 */
export interface Fairness {
  experts: number;
  assignments: number;
  max: number;
  min: number;
  gini: number;
}

export function fairness(countsPerActiveExpert: readonly number[]): Fairness {
  if (countsPerActiveExpert.some((c) => !Number.isInteger(c) || c < 0)) throw new RangeError('assignment counts must be whole numbers >= 0');
  const n = countsPerActiveExpert.length;
  const total = countsPerActiveExpert.reduce((a, b) => a + b, 0);
  if (n === 0) return { experts: 0, assignments: 0, max: 0, min: 0, gini: 0 };
  const sorted = [...countsPerActiveExpert].sort((a, b) => a - b);
  // G = Σ (2i − n − 1) x_i / (n Σ x), i = 1..n over ascending values.
  const weighted = sorted.reduce((acc, x, i) => acc + (2 * (i + 1) - n - 1) * x, 0);
  const gini = total === 0 ? 0 : Math.round((weighted / (n * total)) * 1000) / 1000;
  return { experts: n, assignments: total, max: sorted[n - 1], min: sorted[0], gini };
}

/**
 * Plain words for the Gini coefficient, as coordinators read it: below 0.2 the tasks are spread
 * evenly, below 0.4 fairly evenly (a few experts with more is normal for a small pool), above
 * that unevenly; with no tasks at all there is nothing to judge yet.
 */
export type FairnessLevel = 'none' | 'even' | 'fair' | 'uneven';

export function fairnessLevelOf(f: Pick<Fairness, 'assignments' | 'gini'>): FairnessLevel {
  if (f.assignments === 0) return 'none';
  return f.gini < 0.2 ? 'even' : f.gini < 0.4 ? 'fair' : 'uneven';
}

/** How many of the approved experts had at least one task in the window, and their share (0–1). */
export function taskShare(countsPerApprovedExpert: readonly number[]): { withTask: number; experts: number; share: number } {
  const experts = countsPerApprovedExpert.length;
  const withTask = countsPerApprovedExpert.filter((n) => n > 0).length;
  return { withTask, experts, share: experts === 0 ? 0 : withTask / experts };
}

/** One week of the fill rate: orders whose start fell in it, and how many of them got their experts. */
export interface FillWeek {
  /** The first instant of the week (now − k × 7 days). */
  from: Date;
  orders: number;
  filled: number;
}

/**
 * The fill rate over the last `weeks` seven-day periods ending at `now`, oldest first: of the
 * orders that started in each, how many had their seats filled (taken place or filled) rather
 * than reaching the start unfilled. Cancelled orders are not brokering outcomes and are left out
 * by the caller.
 */
export function fillRateByWeek(orders: readonly { startsAt: Date; filled: boolean }[], now: Date, weeks = 13): FillWeek[] {
  const WEEK = 7 * 86_400_000;
  const start = now.getTime() - weeks * WEEK;
  const out: FillWeek[] = Array.from({ length: weeks }, (_, i) => ({ from: new Date(start + i * WEEK), orders: 0, filled: 0 }));
  for (const o of orders) {
    const i = Math.floor((o.startsAt.getTime() - start) / WEEK);
    if (i < 0 || i >= weeks) continue;
    out[i].orders++;
    if (o.filled) out[i].filled++;
  }
  return out;
}
