// Jensen-Shannon distance between two count vectors over the same buckets (scipy.spatial.distance.jensenshannon).

import type { NumberArray } from './types';
import { pairedTotals } from './totals';

/** p * ln(p / q) with the convention 0 * ln 0 = 0 (scipy.special.rel_entr for p, q >= 0). */
function relEntr(p: number, q: number): number {
  if (p === 0) return 0;
  return p * Math.log(p / q);
}

/**
 * sqrt((KL(p || m) + KL(q || m)) / 2), m = (p + q) / 2, after normalising each side to sum 1.
 * Default base e (natural log), like SciPy's default and Evidently, whose 0.1 drift threshold assumes
 * it; the range is then [0, sqrt(ln 2)] ~ [0, 0.833]. Pass base = 2 for the [0, 1] scale.
 * A metric: symmetric, 0 only for equal shares; empty buckets need no smoothing.
 */
export function jensenShannonDistance(p: NumberArray, q: NumberArray, base?: number): number {
  const k = p.length;
  const [sp, sq] = pairedTotals(p, q, 'Jensen-Shannon');
  let left = 0;
  let right = 0;
  for (let i = 0; i < k; i++) {
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    const m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  let js = left + right;
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(Math.max(0, js / 2));
}
