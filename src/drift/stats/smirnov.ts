// One-sided KS survival function P(D+_n >= x) as scipy.special.smirnov; hand-written (Birnbaum-Tingey sum), no npm package has it.

import { logBinomial } from './special';

/** Above this n SciPy (and so this module) switches to the closed-form asymptotic approximation. */
const MAX_EXACT_N = 1_000_000;

/**
 * P(D+_n >= x) for the one-sided statistic of n uniform samples.
 *
 * Exact: x * sum_{j=0}^{floor(n(1-x))} C(n,j) (1 - x - j/n)^(n-j) (x + j/n)^(j-1).
 * Every term is positive, so the sum is evaluated term by term in log space with no cancellation.
 * For n > 1e6 it uses the asymptotic exp(-(6nx+1)^2 / (18n)), the same cut-over SciPy makes.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n >= 1) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  if (n === 1) return 1 - x;
  if (n > MAX_EXACT_N) {
    const a = 6 * n * x + 1;
    return Math.exp((-a * a) / 18 / n);
  }
  const nx = n * x;
  const last = Math.floor(n - nx);
  // log of each term; summed as exp(log - max) so neither tiny nor huge magnitudes are lost.
  const logs = new Float64Array(last + 1);
  let maxLog = -Infinity;
  let used = 0;
  for (let j = 0; j <= last; j++) {
    const rest = (n - j - nx) / n; // 1 - x - j/n, formed so that it is exact when it should be 0
    if (rest <= 0) break;
    const lead = (nx + j) / n; // x + j/n
    const v = logBinomial(n, j) + (n - j) * Math.log(rest) + (j - 1) * Math.log(lead);
    logs[j] = v;
    if (v > maxLog) maxLog = v;
    used = j + 1;
  }
  if (used === 0) return 0;
  let sum = 0;
  for (let j = 0; j < used; j++) sum += Math.exp(logs[j] - maxLog);
  const p = x * sum * Math.exp(maxLog);
  return p > 1 ? 1 : p;
}
