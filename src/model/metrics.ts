// Binary-classification metrics as pure functions over label/probability arrays, plus the majority baseline.
import { z } from 'zod';

/** Probabilities are clipped to [EPS, 1 - EPS] for log loss, as sklearn does, so one confident miss stays finite. */
export const LOG_LOSS_EPS = 1e-15;
/** Decision threshold for accuracy / precision / recall / F1: predict positive when p >= 0.5. */
export const DECISION_THRESHOLD = 0.5;
export const CALIBRATION_BINS = 10;

export const CalibrationBin = z
  .object({
    lower: z.number(),
    upper: z.number(),
    count: z.number().int().min(1),
    meanPredicted: z.number(),
    fractionPositive: z.number(),
  })
  .strict();
export type CalibrationBin = z.infer<typeof CalibrationBin>;

export const BinaryMetrics = z
  .object({
    rows: z.number().int().min(0),
    positives: z.number().int().min(0),
    prevalence: z.number(),
    /** null when the labels hold a single class (the metric is undefined). */
    auc: z.number().nullable(),
    /** Average precision; null when there are no positives. */
    prAuc: z.number().nullable(),
    logLoss: z.number(),
    brier: z.number(),
    accuracy: z.number(),
    precision: z.number(),
    recall: z.number(),
    f1: z.number(),
    /** Expected calibration error over the non-empty equal-width bins. */
    ece: z.number(),
    calibration: z.array(CalibrationBin),
  })
  .strict();
export type BinaryMetrics = z.infer<typeof BinaryMetrics>;

export type Labels = ArrayLike<number>;
export type Probabilities = ArrayLike<number>;

function check(label: Labels, proba: Probabilities): void {
  if (label.length !== proba.length) throw new RangeError(`${label.length} labels but ${proba.length} predictions`);
  for (let i = 0; i < proba.length; i++) {
    const p = proba[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`prediction ${i} is ${p}, not a probability`);
    if (label[i] !== 0 && label[i] !== 1) throw new RangeError(`label ${i} is ${label[i]}, not 0/1`);
  }
}

/** Row indices ordered by score ascending (ties in index order, which the tie-aware metrics never depend on). */
function order(proba: Probabilities): Uint32Array {
  const idx = new Uint32Array(proba.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => proba[a] - proba[b] || a - b);
}

/** ROC AUC as the Mann-Whitney statistic with average ranks, so tied scores count one half. */
export function rocAuc(label: Labels, proba: Probabilities): number | null {
  check(label, proba);
  return rocAucSorted(label, proba, order(proba));
}

function rocAucSorted(label: Labels, proba: Probabilities, idx: Uint32Array): number | null {
  const n = idx.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += label[i];
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && proba[idx[end]] === proba[idx[start]]) end++;
    // Ranks start..end-1 (0-based) share the average rank (start + end + 1) / 2 (1-based).
    const avgRank = (start + end + 1) / 2;
    let pos = 0;
    for (let k = start; k < end; k++) pos += label[idx[k]];
    rankSum += pos * avgRank;
    start = end;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Average precision (sklearn's definition): sum over score thresholds of (recall gain) x precision. */
export function averagePrecision(label: Labels, proba: Probabilities): number | null {
  check(label, proba);
  return averagePrecisionSorted(label, proba, order(proba));
}

function averagePrecisionSorted(label: Labels, proba: Probabilities, idx: Uint32Array): number | null {
  const n = idx.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += label[i];
  if (positives === 0) return null;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  // Walk thresholds from the highest score down; a group of tied scores is one threshold.
  for (let end = n; end > 0;) {
    let start = end - 1;
    while (start > 0 && proba[idx[start - 1]] === proba[idx[end - 1]]) start--;
    for (let k = start; k < end; k++) {
      if (label[idx[k]]) tp++;
      else fp++;
    }
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    end = start;
  }
  return ap;
}

export function logLoss(label: Labels, proba: Probabilities): number {
  check(label, proba);
  if (label.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < label.length; i++) {
    const p = Math.min(Math.max(proba[i], LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    sum -= label[i] ? Math.log(p) : Math.log(1 - p);
  }
  return sum / label.length;
}

export function brierScore(label: Labels, proba: Probabilities): number {
  check(label, proba);
  if (label.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < label.length; i++) sum += (proba[i] - label[i]) ** 2;
  return sum / label.length;
}

export interface ThresholdMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Confusion-matrix metrics at `threshold`; an empty denominator gives 0 (sklearn's zero_division=0). */
export function thresholdMetrics(label: Labels, proba: Probabilities, threshold = DECISION_THRESHOLD): ThresholdMetrics {
  check(label, proba);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < label.length; i++) {
    const predicted = proba[i] >= threshold;
    if (predicted) {
      if (label[i]) tp++;
      else fp++;
    } else if (label[i]) fn++;
    else tn++;
  }
  const n = label.length;
  return {
    accuracy: n > 0 ? (tp + tn) / n : 0,
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0,
  };
}

/** Reliability diagram over `bins` equal-width bins (p = 1 goes in the last), and its expected calibration error. */
export function calibration(label: Labels, proba: Probabilities, bins = CALIBRATION_BINS): { bins: CalibrationBin[]; ece: number } {
  check(label, proba);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < label.length; i++) {
    const b = Math.min(Math.floor(proba[i] * bins), bins - 1);
    count[b]++;
    sumP[b] += proba[i];
    sumY[b] += label[i];
  }
  const out: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    const meanPredicted = sumP[b] / count[b];
    const fractionPositive = sumY[b] / count[b];
    out.push({ lower: b / bins, upper: (b + 1) / bins, count: count[b], meanPredicted, fractionPositive });
    ece += (count[b] / label.length) * Math.abs(fractionPositive - meanPredicted);
  }
  return { bins: out, ece };
}

/** Every metric at once (one sort shared by AUC and average precision). */
export function evaluateBinary(label: Labels, proba: Probabilities): BinaryMetrics {
  check(label, proba);
  const idx = order(proba);
  let positives = 0;
  for (let i = 0; i < label.length; i++) positives += label[i];
  const cal = calibration(label, proba);
  return {
    rows: label.length,
    positives,
    prevalence: label.length > 0 ? positives / label.length : 0,
    auc: rocAucSorted(label, proba, idx),
    prAuc: averagePrecisionSorted(label, proba, idx),
    logLoss: logLoss(label, proba),
    brier: brierScore(label, proba),
    ...thresholdMetrics(label, proba),
    ece: cal.ece,
    calibration: cal.bins,
  };
}

/**
 * The no-skill reference: predict the prevalence of `reference` (the training labels; defaults to `label`) for
 * every row. Its AUC is 0.5 and its log loss the label entropy; a model must beat it to be worth anything.
 */
export function majorityBaseline(label: Labels, reference: Labels = label): BinaryMetrics {
  let positives = 0;
  for (let i = 0; i < reference.length; i++) positives += reference[i];
  const prevalence = reference.length > 0 ? positives / reference.length : 0.5;
  return evaluateBinary(label, new Float64Array(label.length).fill(prevalence));
}
