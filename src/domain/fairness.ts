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
