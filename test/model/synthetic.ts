// Seeded synthetic frames for model tests: numeric with NaNs, categorical with nulls, a nonlinear signal.
import type { Frame } from '../../src/data/frame';
import { mulberry32 } from '../../src/model/prng';

export interface SyntheticOptions {
  rows: number;
  seed: number;
  /** Put '' into the c1 dictionary as a real code, to check it is treated as missing. */
  emptyStringCategory?: boolean;
}

/**
 * Features: x1 (uniform, 10% NaN), x2 (normal, 5% NaN), x3 (integers 0..9), noise, c1 (12 categories, 8% null),
 * c2 (40 categories, skewed frequencies). The log-odds are non-monotone in x1 and x2, so a linear model on the
 * raw features cannot capture most of the signal, while trees can.
 */
export function syntheticFrame(opts: SyntheticOptions): Frame {
  const rand = mulberry32(opts.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const n = opts.rows;
  const x1 = new Float32Array(n);
  const x2 = new Float32Array(n);
  const x3 = new Float32Array(n);
  const noise = new Float32Array(n);
  const c1 = new Int32Array(n);
  const c2 = new Int32Array(n);
  const label = new Uint8Array(n);
  const c1Dict = ['red', 'green', 'blue', 'cyan', 'magenta', 'yellow', 'black', 'white', 'orange', 'pink', 'brown', 'grey'];
  if (opts.emptyStringCategory) c1Dict.push('');
  const c1Effect = c1Dict.map((_, i) => ((i * 7) % 12) / 6 - 1);
  const c2Dict = Array.from({ length: 40 }, (_, i) => `k${i}`);
  const c2Effect = c2Dict.map((_, i) => (i % 3 === 0 ? 0.6 : -0.2));
  for (let i = 0; i < n; i++) {
    x1[i] = rand() < 0.1 ? NaN : rand() * 6 - 3;
    x2[i] = rand() < 0.05 ? NaN : normal();
    x3[i] = Math.floor(rand() * 10);
    noise[i] = normal();
    c1[i] = rand() < 0.08 ? -1 : Math.floor(rand() * c1Dict.length);
    // Skewed: low codes are frequent, high codes rare.
    c2[i] = Math.floor(c2Dict.length * rand() ** 2);
    let logit = 0;
    logit += Number.isNaN(x1[i]) ? 1.2 : 2 * Math.sin(1.5 * x1[i]);
    logit += Number.isNaN(x2[i]) ? -1 : 1.5 * (x2[i] * x2[i] - 1);
    logit += c1[i] < 0 ? 0.8 : c1Dict[c1[i]] === '' ? 0.8 : c1Effect[c1[i]];
    logit += c2Effect[c2[i]];
    logit += x3[i] > 5 ? 0.7 : -0.3;
    label[i] = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return {
    rows: n,
    label,
    features: [
      { name: 'x1', kind: 'numeric', values: x1 },
      { name: 'x2', kind: 'numeric', values: x2 },
      { name: 'x3', kind: 'numeric', values: x3 },
      { name: 'noise', kind: 'numeric', values: noise },
      { name: 'c1', kind: 'categorical', codes: c1, dictionary: c1Dict },
      { name: 'c2', kind: 'categorical', codes: c2, dictionary: c2Dict },
    ],
  };
}
