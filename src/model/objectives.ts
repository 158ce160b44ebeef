// The row loops of the regression and multiclass objectives (gradients, score updates, losses), cut into row ranges
// that the training thread and its helper run (parallel.ts); binary's are in WebAssembly.
import type { RegressionLoss } from '../task/task';
import { LOSS_STRIDE, type TrainingMemory } from './kernels';

/** LightGBM's default `alpha` of the Huber loss. */
export const DEFAULT_HUBER_DELTA = 1;

/** LightGBM's floor on a hessian (kEpsilon): keeps leaf values finite where the model is already sure. */
const MIN_HESSIAN = 1e-16;

/**
 * The rows an objective's passes read besides the training memory, in shared memory so the helper thread runs half
 * of each pass (parallel.ts).
 */
export type ObjectiveRows = { kind: 'regression'; target: Float64Array; loss: RegressionLoss; delta: number } | { kind: 'multiclass'; classScores: Float64Array; prob: Float64Array; k: number };

/** The row passes of regression and multiclass; each is row by row, so cutting the rows anywhere gives the same bits. */
export const PASS_REGRESSION = 1;
export const PASS_SOFTMAX = 2;
export const PASS_CLASS_GRADIENTS = 3;
export const PASS_APPLY_CLASS = 4;
export type RowPass = typeof PASS_REGRESSION | typeof PASS_SOFTMAX | typeof PASS_CLASS_GRADIENTS | typeof PASS_APPLY_CLASS;

/** Runs a pass over a row range on either thread: writes [summed loss, rows summed] to `sums` for the passes with a loss. */
export function runPass(mem: TrainingMemory, rows: ObjectiveRows | null, lossMask: Uint8Array | null, pass: number, cls: number, begin: number, end: number, sums: Float64Array): void {
  sums[0] = 0;
  sums[1] = 0;
  if (rows === null) throw new Error('row pass ' + pass + ' without objective rows');
  if (rows.kind === 'regression') {
    if (pass !== PASS_REGRESSION) throw new Error('row pass ' + pass + ' is not a regression pass');
    regressionGradients(mem, rows.target, rows.loss, rows.delta, lossMask, begin, end, sums);
  } else if (pass === PASS_SOFTMAX) softmaxScores(rows.classScores, rows.prob, rows.k, mem.label, lossMask, begin, end, sums);
  else if (pass === PASS_CLASS_GRADIENTS) multiclassGradients(mem.gh, rows.prob, mem.label, rows.k, cls, begin, end);
  else if (pass === PASS_APPLY_CLASS) applyMarks(mem.leafOf, mem.leafValues, rows.classScores, rows.k, cls, begin, end);
  else throw new Error('row pass ' + pass + ' is not a multiclass pass');
}

/**
 * Regression's gradient pass over rows [begin, end): adds the latest tree's marked leaf value to the row's score
 * (clearing the mark, as binary's WebAssembly pass does), then writes the float32 gradient and hessian of the loss at
 * score - target: l2 (d, 1), l1 (sign d, 1), huber (d clipped to +-delta, 1), LightGBM's formulas. Adds to `sums`
 * [loss, rows] over every LOSS_STRIDE-th row outside `lossMask` (a progress figure).
 */
function regressionGradients(mem: TrainingMemory, target: Float64Array, loss: RegressionLoss, delta: number, lossMask: Uint8Array | null, begin: number, end: number, sums: Float64Array): void {
  const { scores, leafOf, leafValues, gh } = mem;
  // One loop per loss, each reading a row's mark, score and target once (the pass is bound by memory, not arithmetic).
  if (loss === 'l2') {
    for (let i = begin; i < end; i++) {
      const node = leafOf[i];
      let s = scores[i];
      if (node >= 0) {
        s += leafValues[2 * node];
        scores[i] = s;
        leafOf[i] = -1;
      }
      gh[2 * i] = s - target[i];
      gh[2 * i + 1] = 1;
    }
  } else if (loss === 'l1') {
    for (let i = begin; i < end; i++) {
      const node = leafOf[i];
      let s = scores[i];
      if (node >= 0) {
        s += leafValues[2 * node];
        scores[i] = s;
        leafOf[i] = -1;
      }
      const d = s - target[i];
      gh[2 * i] = d > 0 ? 1 : d < 0 ? -1 : 0;
      gh[2 * i + 1] = 1;
    }
  } else {
    for (let i = begin; i < end; i++) {
      const node = leafOf[i];
      let s = scores[i];
      if (node >= 0) {
        s += leafValues[2 * node];
        scores[i] = s;
        leafOf[i] = -1;
      }
      const d = s - target[i];
      gh[2 * i] = d > delta ? delta : d < -delta ? -delta : d;
      gh[2 * i + 1] = 1;
    }
  }
  let sum = 0;
  let counted = 0;
  for (let i = Math.ceil(begin / LOSS_STRIDE) * LOSS_STRIDE; i < end; i += LOSS_STRIDE) {
    if (lossMask !== null && lossMask[i] !== 0) continue;
    sum += pointLoss(scores[i] - target[i], loss, delta);
    counted++;
  }
  sums[0] += sum;
  sums[1] += counted;
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
 * Multiclass: prob = softmax of each row's k scores (row-major) for rows [begin, end), computed once a round before
 * its k trees, as LightGBM does. Adds to `sums` [log loss, rows] over every LOSS_STRIDE-th row outside `lossMask`.
 */
function softmaxScores(scores: Float64Array, prob: Float64Array, k: number, label: Uint8Array, lossMask: Uint8Array | null, begin: number, end: number, sums: Float64Array): void {
  let sum = 0;
  let counted = 0;
  for (let i = begin; i < end; i++) {
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
  sums[0] += sum;
  sums[1] += counted;
}

/**
 * Class `c`'s float32 gradient and hessian of rows [begin, end) from the round's probabilities: g = p - [y = c],
 * h = K/(K-1) p (1 - p) (LightGBM's MulticlassSoftmax, whose factor makes the K-class Newton step match the binary one
 * at K = 2).
 */
function multiclassGradients(gh: Float32Array, prob: Float64Array, label: Uint8Array, k: number, c: number, begin: number, end: number): void {
  const factor = k / (k - 1);
  for (let i = begin; i < end; i++) {
    const p = prob[i * k + c];
    gh[2 * i] = label[i] === c ? p - 1 : p;
    const h = factor * p * (1 - p);
    gh[2 * i + 1] = h > MIN_HESSIAN ? h : MIN_HESSIAN;
  }
}

/** Adds the latest tree's marked leaf values of rows [begin, end) to class `c`'s scores (k per row), clearing the marks. */
function applyMarks(leafOf: Int32Array, leafValues: Float64Array, scores: Float64Array, k: number, c: number, begin: number, end: number): void {
  for (let i = begin; i < end; i++) {
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
