// Native categorical splits: LightGBM's settings, category codes, and the many-vs-many search over gradient-ordered categories.
import type { CategoricalColumn } from '../data/frame';

/** Smoothing added to a category's hessian when ordering by gradient ratio; categories with fewer rows take no part. */
export const CAT_SMOOTH = 10;
/** Extra L2 on the gain of many-vs-many categorical splits (they fit noise more easily than thresholds). */
export const CAT_L2 = 10;
/** At most this many categories go left in one split. */
export const MAX_CAT_THRESHOLD = 32;
/** Features with at most this many categories at a node try one-vs-rest splits instead. */
export const MAX_CAT_TO_ONEHOT = 4;
/** Rows a group of categories must hold before the scan may cut after it. */
export const MIN_DATA_PER_GROUP = 100;
/** Categories kept per feature, most frequent first; the rest share the OTHER bin with values unseen in training. */
export const MAX_CATEGORY_BINS = 253;

/**
 * The categories a feature keeps (format 2): most frequent first, ties by string, at most MAX_CATEGORY_BINS.
 * '' is never a category: the serving contract uses '' for "missing", so it encodes exactly like NULL.
 */
export function chooseCategories(col: CategoricalColumn, rows?: ArrayLike<number>): string[] {
  const count = new Float64Array(col.dictionary.length);
  if (rows) {
    for (let i = 0; i < rows.length; i++) {
      const c = col.codes[rows[i]];
      if (c >= 0) count[c]++;
    }
  } else {
    for (let i = 0; i < col.codes.length; i++) if (col.codes[i] >= 0) count[col.codes[i]]++;
  }
  // The same string can appear under two codes if a dictionary was built carelessly; merge them by value.
  const byValue = new Map<string, number>();
  col.dictionary.forEach((value, c) => {
    if (count[c] > 0 && value !== '') byValue.set(value, (byValue.get(value) ?? 0) + count[c]);
  });
  return [...byValue.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_CATEGORY_BINS)
    .map(([value]) => value);
}

/** Code per dictionary entry: its index in `categories`, OTHER (= length) when absent, MISSING (= length + 1) for ''. */
export function categoryCodeLookup(dictionary: readonly string[], categories: readonly string[]): Uint8Array {
  const index = new Map<string, number>();
  categories.forEach((c, i) => index.set(c, i));
  const other = categories.length;
  return Uint8Array.from(dictionary, (value) => (value === '' ? other + 1 : (index.get(value) ?? other)));
}

/** The float codes the trees of a format-2 model see: category index, OTHER for unseen, MISSING for NULL and ''. */
export function encodeCategoryCodes(col: CategoricalColumn, categories: readonly string[]): Float32Array {
  const lookup = categoryCodeLookup(col.dictionary, categories);
  const missing = categories.length + 1;
  const out = new Float32Array(col.codes.length);
  for (let i = 0; i < out.length; i++) {
    const c = col.codes[i];
    out[i] = c < 0 || c >= lookup.length ? missing : lookup[c];
  }
  return out;
}

export interface SplitLimits {
  l2: number;
  minDataInLeaf: number;
  minChildHessian: number;
}

export interface CategoricalSplit {
  gain: number;
  /** 1 for each bin (category code) that goes left. */
  left: Uint8Array;
  leftCount: number;
  leftG: number;
  leftH: number;
}

/**
 * Best split of one categorical feature at a node, LightGBM-style. `hist` holds [g, h, count] per bin from `base`
 * (bins 0..bins-1: the categories, OTHER, MISSING). Few categories present: one-vs-rest. Otherwise the categories
 * with at least CAT_SMOOTH rows are ordered by g / (h + CAT_SMOOTH) and cut, scanning from both ends, after groups of
 * at least MIN_DATA_PER_GROUP rows, at most MAX_CAT_THRESHOLD going left, with CAT_L2 added to the split's L2.
 * Categories outside the chosen set, rare ones included, go right. Returns the gain over `parentScore`, or null.
 */
export function bestCategoricalSplit(
  hist: Float64Array,
  base: number,
  bins: number,
  g: number,
  h: number,
  count: number,
  parentScore: number,
  limits: SplitLimits,
  minGain: number,
): CategoricalSplit | null {
  const used: number[] = [];
  for (let b = 0; b < bins; b++) if (hist[base + b * 3 + 2] > 0) used.push(b);
  if (used.length < 2) return null;
  const { minDataInLeaf, minChildHessian } = limits;
  let best: { gain: number; set: number[]; lc: number; lg: number; lh: number } | null = null;
  let bestGain = minGain;
  if (used.length <= MAX_CAT_TO_ONEHOT) {
    const l2 = limits.l2;
    for (const b of used) {
      const k = base + b * 3;
      const lg = hist[k];
      const lh = hist[k + 1];
      const lc = hist[k + 2];
      const rc = count - lc;
      const rh = h - lh;
      if (lc < minDataInLeaf || rc < minDataInLeaf || lh < minChildHessian || rh < minChildHessian) continue;
      const rg = g - lg;
      const gain = (lg * lg) / (lh + l2) + (rg * rg) / (rh + l2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        best = { gain, set: [b], lc, lg, lh };
      }
    }
  } else {
    const l2 = limits.l2 + CAT_L2;
    const cand = used.filter((b) => hist[base + b * 3 + 2] >= CAT_SMOOTH);
    const ratio = (b: number) => hist[base + b * 3] / (hist[base + b * 3 + 1] + CAT_SMOOTH);
    cand.sort((a, b) => ratio(a) - ratio(b) || a - b);
    const maxLeft = Math.min(MAX_CAT_THRESHOLD, Math.floor((cand.length + 1) / 2));
    for (const dir of [1, -1]) {
      let lg = 0;
      let lh = 0;
      let lc = 0;
      let group = 0;
      for (let i = 0; i < cand.length && i < maxLeft; i++) {
        const b = cand[dir > 0 ? i : cand.length - 1 - i];
        const k = base + b * 3;
        lg += hist[k];
        lh += hist[k + 1];
        lc += hist[k + 2];
        group += hist[k + 2];
        if (lc < minDataInLeaf || lh < minChildHessian) continue;
        const rc = count - lc;
        const rh = h - lh;
        if (rc < minDataInLeaf || rc < MIN_DATA_PER_GROUP || rh < minChildHessian) break;
        if (group < MIN_DATA_PER_GROUP) continue;
        group = 0;
        const rg = g - lg;
        const gain = (lg * lg) / (lh + l2) + (rg * rg) / (rh + l2) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          const set = dir > 0 ? cand.slice(0, i + 1) : cand.slice(cand.length - 1 - i);
          best = { gain, set, lc, lg, lh };
        }
      }
    }
  }
  if (!best) return null;
  const left = new Uint8Array(bins);
  for (const b of best.set) left[b] = 1;
  return { gain: best.gain, left, leftCount: best.lc, leftG: best.lg, leftH: best.lh };
}
