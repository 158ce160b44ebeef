// The input check every two-sided bucket statistic shares: same buckets on both sides, a positive total on each.
import type { NumberArray } from './types';

/** Each side's total; throws a RangeError naming `statistic` when the buckets differ or a side is empty. */
export function pairedTotals(a: NumberArray, b: NumberArray, statistic: string): [number, number] {
  const k = a.length;
  if (b.length !== k) throw new RangeError(`${statistic} needs the same buckets on both sides`);
  let ta = 0;
  let tb = 0;
  for (let i = 0; i < k; i++) {
    ta += a[i];
    tb += b[i];
  }
  if (!(ta > 0 && tb > 0)) throw new RangeError(`${statistic} needs a positive total on each side`);
  return [ta, tb];
}
