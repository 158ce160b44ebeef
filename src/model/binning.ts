// Feature discretisation for the GBDT: float32 quantile bin edges, and format 1's category ranks.
import { mulberry32 } from './prng';

/** Largest finite float32; the threshold of a "every present value goes left, missing goes right" split. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Rows looked at to find bin edges; like LightGBM's bin_construct_sample_cnt, enough for stable quantiles. */
export const BIN_SAMPLE_ROWS = 200_000;

/** Format-1 models: encoded value per dictionary code, the category's rank, NaN (missing) for anything not in `categories`. */
export function codeLookup(dictionary: readonly string[], categories: readonly string[]): Float32Array {
  const rank = new Map<string, number>();
  categories.forEach((c, i) => rank.set(c, i));
  const out = new Float32Array(dictionary.length);
  for (let c = 0; c < dictionary.length; c++) out[c] = rank.get(dictionary[c]) ?? NaN;
  return out;
}

/**
 * Upper bin edges (float32, strictly increasing) for at most `maxBins` bins over the non-missing values: value v
 * falls in bin i when edges[i-1] < v <= edges[i], and in the last bin when above every edge. Edges sit between
 * neighbouring distinct values and are chosen greedily so bins hold about equal row counts; a heavy single value
 * gets a bin of its own.
 */
export function binEdges(values: Float32Array, maxBins: number, seed: number): Float32Array {
  const sample = sampleValues(values, seed);
  if (sample.length === 0) return new Float32Array(0);
  sample.sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sample.length; i++) {
    const v = sample[i];
    // -0 and +0 sort apart but compare equal, which is what the trees see, so they share a bin.
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1]++;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const cutAfter: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i < distinct.length - 1; i++) cutAfter.push(i);
  } else {
    let remainingRows = sample.length;
    let remainingBins = maxBins;
    let acc = 0;
    for (let i = 0; i < distinct.length - 1 && remainingBins > 1; i++) {
      acc += counts[i];
      const target = remainingRows / remainingBins;
      // Close the bin once it is full, or early when the next value alone would overfill it by more.
      if (acc >= target || acc + counts[i + 1] - target > target - acc) {
        cutAfter.push(i);
        remainingRows -= acc;
        remainingBins--;
        acc = 0;
      }
    }
  }
  const edges: number[] = [];
  for (const j of cutAfter) {
    const a = distinct[j];
    const b = distinct[j + 1];
    let t = Math.fround(a / 2 + b / 2);
    // Adjacent float32 values have no float32 between them; the lower one keeps "a goes left, b goes right" exact.
    if (!(t < b)) t = a;
    // Edges stay finite so models and checkpoints are plain JSON; an infinity then shares the extreme bin.
    // `+ 0` drops a -0 (JSON would anyway).
    t = Math.min(Math.max(t, -FLOAT32_MAX), FLOAT32_MAX) + 0;
    if (edges.length === 0 || t > edges[edges.length - 1]) edges.push(t);
  }
  return Float32Array.from(edges);
}

function sampleValues(values: Float32Array, seed: number): Float32Array {
  const n = values.length;
  const keep = n > BIN_SAMPLE_ROWS ? BIN_SAMPLE_ROWS / n : 1;
  const rand = mulberry32(seed);
  const out = new Float32Array(Math.min(n, Math.ceil(BIN_SAMPLE_ROWS * 1.1) + 16));
  let m = 0;
  for (let i = 0; i < n && m < out.length; i++) {
    if (keep < 1 && rand() >= keep) continue;
    const v = values[i];
    if (v === v) out[m++] = v;
  }
  return out.subarray(0, m);
}

/**
 * Writes each row's bin (0..edges.length, missing = edges.length + 1) into `out[row * stride + offset]`.
 * Uses the same `v <= edge` test the trees and onnxruntime use, so bin splits and float splits agree.
 */
export function assignBins(values: Float32Array, edges: Float32Array, out: Uint8Array, stride: number, offset: number): void {
  const missingBin = edges.length + 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let bin: number;
    if (v !== v) bin = missingBin;
    else {
      let lo = 0;
      let hi = edges.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (v <= edges[mid]) hi = mid;
        else lo = mid + 1;
      }
      bin = lo;
    }
    out[i * stride + offset] = bin;
  }
}
