// Survival function of the two-sided Kolmogorov statistic D_n (SciPy's kstwo.sf); hand-written: no npm package has it for finite n.

import { kolmogorovCdfDurbin } from './kolmogorov-durbin';
import { kolmogorovCdfPelzGood } from './kolmogorov-pelz-good';
import { kolmogorovCdfPomeranz } from './kolmogorov-pomeranz';
import { clipProbability, logFactorialOverPower } from './special';
import { smirnovSf } from './smirnov';

/**
 * P(D_n >= x) for n uniform samples. No single method is both exact and fast for every (n, x), so this
 * follows the regime choice of Simard & L'Ecuyer (2011), which is also SciPy's; using the same regimes
 * (including where an approximation is accepted) is what makes the result agree with SciPy (to < 1e-9 on the committed vectors):
 *  - n x <= 1 or n x >= n - 1: Ruben-Gambino closed forms;
 *  - x >= 0.5: exactly 2 * smirnov (the two one-sided events are disjoint);
 *  - n <= 140: Durbin matrix (n x^2 <= 0.754693), Pomeranz (<= 4), else 2 * smirnov;
 *  - n > 140: 0 when n x^2 >= 370; 2 * smirnov when n x^2 >= 2.2; otherwise 1 - CDF, the CDF by Durbin
 *    (n <= 1e5 and n x^1.5 <= 1.4) or by the Pelz-Good series.
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    const cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return clipProbability(1 - cdf);
  }
  if (t >= n - 1) return clipProbability(2 * Math.pow(1 - x, n));
  if (x >= 0.5) return clipProbability(2 * smirnovSf(n, x));

  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clipProbability(1 - kolmogorovCdfDurbin(n, x));
    if (nx2 <= 4) return clipProbability(1 - kolmogorovCdfPomeranz(n, x));
    return clipProbability(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clipProbability(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * Math.pow(x, 1.5) <= 1.4 ? kolmogorovCdfDurbin(n, x) : kolmogorovCdfPelzGood(n, x);
  return clipProbability(1 - clipProbability(cdf));
}
