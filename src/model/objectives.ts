// The row loops of the regression and multiclass objectives (gradients, score updates, losses); binary's are in WebAssembly.
import type { RegressionLoss } from '../task/task';
import { LOSS_STRIDE, type TrainingMemory } from './kernels';

/** LightGBM's default `alpha` of the Huber loss. */
export const DEFAULT_HUBER_DELTA = 1;

/** LightGBM's floor on a hessian (kEpsilon): keeps leaf values finite where the model is already sure. */
const MIN_HESSIAN = 1e-16;

/**
 * Regression's gradient pass over every row: adds the latest tree's marked leaf value to the row's score (clearing
 * the mark, as binary's WebAssembly pass does), then writes the float32 gradient and hessian of the loss at
 * score - target: l2 (d, 1), l1 (sign d, 1), huber (d clipped to +-delta, 1), LightGBM's formulas. Returns the mean
 * loss over every LOSS_STRIDE-th row outside `lossMask` (a progress figure).
 */
export function regressionGradients(mem: TrainingMemory, target: Float64Array, loss: RegressionLoss, delta: number, lossMask: Uint8Array | null): number {
  const { scores, leafOf, leafValues, gh } = mem;
  const n = scores.length;
  for (let i = 0; i < n; i++) {
    const node = leafOf[i];
    if (node >= 0) {
      scores[i] += leafValues[2 * node];
      leafOf[i] = -1;
    }
  }
  if (loss === 'l2') {
    for (let i = 0; i < n; i++) {
      gh[2 * i] = scores[i] - target[i];
      gh[2 * i + 1] = 1;
    }
  } else if (loss === 'l1') {
    for (let i = 0; i < n; i++) {
      const d = scores[i] - target[i];
      gh[2 * i] = d > 0 ? 1 : d < 0 ? -1 : 0;
      gh[2 * i + 1] = 1;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const d = scores[i] - target[i];
      gh[2 * i] = d > delta ? delta : d < -delta ? -delta : d;
      gh[2 * i + 1] = 1;
    }
  }
  let sum = 0;
  let counted = 0;
  for (let i = 0; i < n; i += LOSS_STRIDE) {
    if (lossMask !== null && lossMask[i] !== 0) continue;
    sum += pointLoss(scores[i] - target[i], loss, delta);
    counted++;
  }
  return counted > 0 ? sum / counted : 0;
}

/** The loss of one residual d = prediction - target (l2 as the squared error, so its mean is the MSE). */
function pointLoss(d: number, loss: RegressionLoss, delta: number): number {
  const a = Math.abs(d);
  if (loss === 'l2') return d * d;
  if (loss === 'l1') return a;
  return a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
}

/** Mean loss of `rows` (l2: mean squared error; l1: mean absolute error; huber: mean Huber loss). */
export function meanRegressionLoss(scores: Float64Array, target: Float64Array, rows: Uint32Array, loss: RegressionLoss, delta: number): number {
  let sum = 0;
  for (let i = 0; i < rows.length; i++) sum += pointLoss(scores[rows[i]] - target[rows[i]], loss, delta);
  return rows.length ? sum / rows.length : 0;
}

/**
 * Multiclass: prob = softmax of each row's k scores (row-major), computed once a round before its k trees, as
 * LightGBM does. Returns the mean log loss over every LOSS_STRIDE-th row outside `lossMask`.
 */
export function softmaxScores(scores: Float64Array, prob: Float64Array, k: number, label: Uint8Array, lossMask: Uint8Array | null): number {
  const n = label.length;
  let sum = 0;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const at = i * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (scores[at + j] > max) max = scores[at + j];
    let total = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(scores[at + j] - max);
      prob[at + j] = e;
      total += e;
    }
    for (let j = 0; j < k; j++) prob[at + j] /= total;
    if (i % LOSS_STRIDE === 0 && (lossMask === null || lossMask[i] === 0)) {
      sum += max + Math.log(total) - scores[at + label[i]];
      counted++;
    }
  }
  return counted > 0 ? sum / counted : 0;
}

/**
 * Class `c`'s float32 gradient and hessian from the round's probabilities: g = p - [y = c], h = K/(K-1) p (1 - p)
 * (LightGBM's MulticlassSoftmax, whose factor makes the K-class Newton step match the binary one at K = 2).
 */
export function multiclassGradients(gh: Float32Array, prob: Float64Array, label: Uint8Array, k: number, c: number): void {
  const n = label.length;
  const factor = k / (k - 1);
  for (let i = 0; i < n; i++) {
    const p = prob[i * k + c];
    gh[2 * i] = label[i] === c ? p - 1 : p;
    const h = factor * p * (1 - p);
    gh[2 * i + 1] = h > MIN_HESSIAN ? h : MIN_HESSIAN;
  }
}

/** Adds the latest tree's marked leaf values to class `c`'s scores (k per row) and clears the marks. */
export function applyMarks(leafOf: Int32Array, leafValues: Float64Array, scores: Float64Array, k: number, c: number): void {
  const n = leafOf.length;
  for (let i = 0; i < n; i++) {
    const node = leafOf[i];
    if (node >= 0) {
      scores[i * k + c] += leafValues[2 * node];
      leafOf[i] = -1;
    }
  }
}

/** Mean multiclass log loss of `rows` at raw scores (k per row). */
export function meanMultiLogLoss(scores: Float64Array, k: number, label: Uint8Array, rows: Uint32Array): number {
  let sum = 0;
  for (let r = 0; r < rows.length; r++) {
    const at = rows[r] * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (scores[at + j] > max) max = scores[at + j];
    let total = 0;
    for (let j = 0; j < k; j++) total += Math.exp(scores[at + j] - max);
    sum += max + Math.log(total) - scores[at + label[rows[r]]];
  }
  return rows.length ? sum / rows.length : 0;
}

/**
 * l1's leaf values as LightGBM renews them (RegressionL1loss::RenewTreeOutput): per leaf of the tree just grown,
 * the median of target - score over the rows marked with it (LightGBM's PercentileFun at 0.5), NaN for nodes no row
 * reached. The sign-gradient Newton step alone would move each leaf by at most the learning rate.
 */
export function l1LeafMedians(leafOf: Int32Array, scores: Float64Array, target: Float64Array, nodes: number): Float64Array {
  const n = leafOf.length;
  const start = new Int32Array(nodes + 1);
  for (let i = 0; i < n; i++) if (leafOf[i] >= 0) start[leafOf[i] + 1]++;
  for (let node = 0; node < nodes; node++) start[node + 1] += start[node];
  const at = start.slice(0, nodes);
  const residuals = new Float64Array(start[nodes]);
  for (let i = 0; i < n; i++) {
    const node = leafOf[i];
    if (node >= 0) residuals[at[node]++] = target[i] - scores[i];
  }
  const out = new Float64Array(nodes).fill(NaN);
  for (let node = 0; node < nodes; node++) {
    const count = start[node + 1] - start[node];
    if (count === 0) continue;
    const r = residuals.subarray(start[node], start[node + 1]).sort();
    if (count === 1) {
      out[node] = r[0];
      continue;
    }
    // PercentileFun counts from the largest: v1 the floor(n/2)-th largest, v2 the next, blended by 0.5 n - floor(n/2).
    const pos = Math.floor(0.5 * count);
    const bias = 0.5 * count - pos;
    const v1 = r[count - pos];
    const v2 = r[count - 1 - pos];
    out[node] = v1 - (v1 - v2) * bias;
  }
  return out;
}
