// Counts live categorical values against a profile's known categories (strings, or dictionary codes).

import type { CategoryCounts } from './types';

/** Live categorical values counted against known categories, with the count of missing values alongside. */
export interface CategoryCountsLive extends CategoryCounts {
  counts: Float64Array;
  nulls: number;
}

function indexOf(categories: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  categories.forEach((c, i) => {
    if (!m.has(c)) m.set(c, i);
  });
  return m;
}

/**
 * counts[i] = occurrences of categories[i]; values outside the list go to `other`; null/undefined to
 * `nulls`. One Map lookup per value.
 */
export function countCategories(values: ArrayLike<string | null | undefined>, categories: readonly string[]): CategoryCountsLive {
  const index = indexOf(categories);
  const counts = new Float64Array(categories.length);
  let other = 0;
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nulls++;
      continue;
    }
    const j = index.get(v);
    if (j === undefined) other++;
    else counts[j]++;
  }
  return { counts, other, nulls };
}

/**
 * The same for dictionary-encoded columns (codes index `dictionary`, -1 is null, as in src/data/frame.ts):
 * the dictionary is mapped to category slots once, then each value costs one array read.
 */
export function countCategoryCodes(codes: Int32Array, dictionary: readonly string[], categories: readonly string[]): CategoryCountsLive {
  const index = indexOf(categories);
  const k = categories.length;
  const slot = new Int32Array(dictionary.length);
  for (let d = 0; d < dictionary.length; d++) slot[d] = index.get(dictionary[d]) ?? k; // k = other
  const tally = new Float64Array(k + 1);
  let nulls = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 0) nulls++;
    else if (c >= dictionary.length) throw new RangeError(`code ${c} at row ${i} is outside the dictionary`);
    else tally[slot[c]]++;
  }
  return { counts: tally.slice(0, k), other: tally[k], nulls };
}
