// Exact two-sided two-sample KS p-value (hand-written: no maintained npm package has it): chance a random merge path leaves the band.

/**
 * P(D >= d) under H0 for sample sizes n1, n2 and no ties, where d = h / lcm(n1, n2) (h integer, the
 * statistic rounded to the lattice as SciPy does). The merged order is a uniformly random lattice path
 * from (0,0) to (n1,n2); in integers, a point (i, j) is inside the band when |i*n2 - j*n1| < h*gcd.
 * A forward recursion over probabilities (not path counts) stays in [0, 1], so nothing overflows and
 * no rescaling is needed; cost is O(h * gcd), at most O(n1 * n2).
 */
export function ksTwoSampleExactSf(n1: number, n2: number, h: number, g: number): number {
  if (h <= 0) return 1;
  const limit = h * g; // inside: |i*n2 - j*n1| < limit (all products are integers < 2^53)
  const total = n1 + n2;
  // Inside points of row i: j with i*n2 - limit < j*n1 < i*n2 + limit.
  const lowJ = (i: number): number => Math.max(0, Math.floor((i * n2 - limit) / n1) + 1);
  const highJ = (i: number): number => Math.min(n2, Math.ceil((i * n2 + limit) / n1) - 1);

  const q = new Float64Array(n2 + 1);
  // Row 0: only moves along j.
  let hi = highJ(0);
  q[0] = 1;
  for (let j = 1; j <= hi; j++) q[j] = (q[j - 1] * (n2 - (j - 1))) / (total - (j - 1));
  let prevLo = 0;
  for (let i = 1; i <= n1; i++) {
    const lo = lowJ(i);
    hi = highJ(i);
    if (lo > hi) return 1; // the band is closed: every path leaves it
    // Entries left of the band were inside on earlier rows and must now be cleared.
    for (let j = prevLo; j < lo; j++) q[j] = 0;
    // q[j] still holds row i-1; step down (take from sample 1) or right (take from sample 2).
    const downFrom = n1 - (i - 1);
    for (let j = lo; j <= hi; j++) {
      const fromAbove = q[j] * (downFrom / (total - (i - 1) - j));
      const fromLeft = j > lo ? (q[j - 1] * (n2 - (j - 1))) / (total - i - (j - 1)) : 0;
      q[j] = fromAbove + fromLeft;
    }
    prevLo = lo;
  }
  const inside = q[n2];
  const p = 1 - inside;
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
