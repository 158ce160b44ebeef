// Logistic-regression baseline (L-BFGS on standardised numerics + one-hot categoricals) that the GBDT must beat.
import { z } from 'zod';
import type { Frame, FeatureColumn } from '../data/frame';
import { takeRows } from '../data/frame';
import { ModelFeature, ModelInputError, sigmoid } from './gbdt-model';
import { mulberry32 } from './prng';

export const LogisticOptions = z
  .object({
    /** L2 penalty on the mean log loss (intercept excluded). */
    l2: z.number().min(0).default(1e-4),
    maxIterations: z.number().int().min(1).max(1000).default(100),
    /** Most frequent categories that get their own weight; the rest share the "other" weight. */
    maxCategories: z.number().int().min(1).max(1000).default(32),
    /** Stop when the gradient's max-norm falls below this. */
    tolerance: z.number().positive().default(1e-6),
    /** A baseline needs no more rows than this; larger frames are subsampled (seeded) to keep it fast. */
    maxRows: z.number().int().min(1).default(200_000),
    seed: z.number().int().default(7),
  })
  .strict();
export type LogisticOptions = z.input<typeof LogisticOptions>;

export const LogisticModel = z
  .object({
    kind: z.literal('logistic-binary'),
    features: z.array(ModelFeature),
    intercept: z.number(),
    /** Per numeric feature: z = (x - mean) / std, missing contributes `missingWeight` instead of weight * z. */
    numeric: z.array(z.object({ feature: z.string(), mean: z.number(), std: z.number(), weight: z.number(), missingWeight: z.number() }).strict()),
    /** Per categorical feature: one weight per listed category; NULL, '' and all others share `otherWeight`. */
    categorical: z.array(z.object({ feature: z.string(), categories: z.array(z.string()), weights: z.array(z.number()), otherWeight: z.number() }).strict()),
    iterations: z.number().int(),
    trainLogLoss: z.number(),
  })
  .strict();
export type LogisticModel = z.infer<typeof LogisticModel>;

/** Columnar design matrix: dense standardised numerics plus one active weight slot per categorical. */
interface Design {
  rows: number;
  z: Float64Array[];
  missing: Uint8Array[];
  slot: Int32Array[];
  /** Parameter layout: [intercept, numeric weights, numeric missing weights, categorical slots...]. */
  dim: number;
  numericCount: number;
}

interface Layout {
  numeric: { feature: string; mean: number; std: number }[];
  categorical: { feature: string; categories: string[]; first: number }[];
  dim: number;
}

export function trainLogistic(frame: Frame, options: LogisticOptions = {}): LogisticModel {
  const opts = LogisticOptions.parse(options);
  if (frame.rows < 1) throw new ModelInputError('cannot train on an empty frame');
  const data = frame.rows > opts.maxRows ? takeRows(frame, sampleIndices(frame.rows, opts.maxRows, opts.seed)) : frame;
  const layout = fitLayout(data, opts.maxCategories);
  const design = buildDesign(data, layout);
  const y = data.label;
  const n = data.rows;
  const residual = new Float64Array(n);

  const objective = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const margin = margins(design, w);
    for (let i = 0; i < n; i++) {
      const s = margin[i];
      const e = Math.exp(-Math.abs(s));
      loss += Math.max(s, 0) + Math.log1p(e) - y[i] * s;
      const p = s >= 0 ? 1 / (1 + e) : e / (1 + e);
      residual[i] = (p - y[i]) / n;
    }
    accumulateGradient(design, residual, grad);
    let penalty = 0;
    for (let k = 1; k < w.length; k++) {
      penalty += w[k] * w[k];
      grad[k] += opts.l2 * w[k];
    }
    return loss / n + 0.5 * opts.l2 * penalty;
  };

  const w0 = new Float64Array(layout.dim);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i];
  const prior = Math.min(Math.max(positives / n, 1e-6), 1 - 1e-6);
  w0[0] = Math.log(prior / (1 - prior));
  const { w, iterations } = lbfgs(objective, w0, opts.maxIterations, opts.tolerance);
  const scratch = new Float64Array(layout.dim);
  const trainLogLoss = objective(w, scratch);

  const nNum = layout.numeric.length;
  return {
    kind: 'logistic-binary',
    features: data.features.map((c) => ({ name: c.name, type: c.kind })),
    intercept: w[0],
    numeric: layout.numeric.map((f, j) => ({ ...f, weight: w[1 + j], missingWeight: w[1 + nNum + j] })),
    categorical: layout.categorical.map((c) => ({
      feature: c.feature,
      categories: c.categories,
      weights: Array.from(w.subarray(c.first, c.first + c.categories.length)),
      otherWeight: w[c.first + c.categories.length],
    })),
    iterations,
    trainLogLoss,
  };
}

/** P(label = 1) per row. */
export function predictLogistic(model: LogisticModel, frame: Frame): Float64Array {
  const layout: Layout = { numeric: [], categorical: [], dim: 1 };
  const w: number[] = [model.intercept];
  for (const f of model.numeric) layout.numeric.push({ feature: f.feature, mean: f.mean, std: f.std });
  for (const f of model.numeric) w.push(f.weight);
  for (const f of model.numeric) w.push(f.missingWeight);
  for (const c of model.categorical) {
    layout.categorical.push({ feature: c.feature, categories: c.categories, first: w.length });
    w.push(...c.weights, c.otherWeight);
  }
  layout.dim = w.length;
  const design = buildDesign(frame, layout);
  const out = margins(design, Float64Array.from(w));
  for (let i = 0; i < out.length; i++) out[i] = sigmoid(out[i]);
  return out;
}

/** `k` distinct row indices in ascending order, chosen uniformly for a seed (selection sampling). */
function sampleIndices(n: number, k: number, seed: number): Uint32Array {
  const rand = mulberry32(seed);
  const out = new Uint32Array(k);
  let m = 0;
  for (let i = 0; i < n && m < k; i++) {
    if (rand() * (n - i) < k - m) out[m++] = i;
  }
  return out;
}

function fitLayout(frame: Frame, maxCategories: number): Layout {
  const numeric: Layout['numeric'] = [];
  const cats: { feature: string; categories: string[] }[] = [];
  for (const col of frame.features) {
    if (col.kind === 'numeric') {
      let sum = 0;
      let sq = 0;
      let m = 0;
      for (const v of col.values) {
        if (v !== v || !Number.isFinite(v)) continue;
        sum += v;
        sq += v * v;
        m++;
      }
      const mean = m > 0 ? sum / m : 0;
      const variance = m > 0 ? Math.max(sq / m - mean * mean, 0) : 0;
      // A constant column gets std 1 so it standardises to 0 rather than dividing by zero.
      numeric.push({ feature: col.name, mean, std: variance > 1e-24 ? Math.sqrt(variance) : 1 });
    } else {
      const counts = new Map<string, number>();
      for (const c of col.codes) {
        if (c < 0) continue;
        const value = col.dictionary[c];
        if (value === '') continue;
        counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      const categories = [...counts.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, maxCategories)
        .map(([v]) => v);
      cats.push({ feature: col.name, categories });
    }
  }
  let next = 1 + 2 * numeric.length;
  const categorical = cats.map((c) => {
    const first = next;
    next += c.categories.length + 1;
    return { ...c, first };
  });
  return { numeric, categorical, dim: next };
}

function buildDesign(frame: Frame, layout: Layout): Design {
  const byName = new Map<string, FeatureColumn>(frame.features.map((c) => [c.name, c]));
  const n = frame.rows;
  const z: Float64Array[] = [];
  const missing: Uint8Array[] = [];
  for (const f of layout.numeric) {
    const col = byName.get(f.feature);
    if (!col || col.kind !== 'numeric') throw new ModelInputError(`frame has no numeric column ${f.feature}`);
    const zs = new Float64Array(n);
    const ms = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = col.values[i];
      // Infinities count as missing: a single one would otherwise swamp every margin.
      if (v !== v || !Number.isFinite(v)) ms[i] = 1;
      else zs[i] = (v - f.mean) / f.std;
    }
    z.push(zs);
    missing.push(ms);
  }
  const slot: Int32Array[] = [];
  for (const c of layout.categorical) {
    const col = byName.get(c.feature);
    if (!col || col.kind !== 'categorical') throw new ModelInputError(`frame has no categorical column ${c.feature}`);
    const index = new Map<string, number>();
    c.categories.forEach((v, i) => index.set(v, c.first + i));
    const other = c.first + c.categories.length;
    const byCode = col.dictionary.map((v) => index.get(v) ?? other);
    const s = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const code = col.codes[i];
      s[i] = code < 0 || code >= byCode.length ? other : byCode[code];
    }
    slot.push(s);
  }
  return { rows: n, z, missing, slot, dim: layout.dim, numericCount: layout.numeric.length };
}

function margins(d: Design, w: Float64Array): Float64Array {
  const out = new Float64Array(d.rows).fill(w[0]);
  for (let j = 0; j < d.numericCount; j++) {
    const zs = d.z[j];
    const ms = d.missing[j];
    const wj = w[1 + j];
    const wm = w[1 + d.numericCount + j];
    for (let i = 0; i < d.rows; i++) out[i] += ms[i] ? wm : wj * zs[i];
  }
  for (const s of d.slot) for (let i = 0; i < d.rows; i++) out[i] += w[s[i]];
  return out;
}

function accumulateGradient(d: Design, r: Float64Array, grad: Float64Array): void {
  for (let i = 0; i < d.rows; i++) grad[0] += r[i];
  for (let j = 0; j < d.numericCount; j++) {
    const zs = d.z[j];
    const ms = d.missing[j];
    let gw = 0;
    let gm = 0;
    for (let i = 0; i < d.rows; i++) {
      if (ms[i]) gm += r[i];
      else gw += r[i] * zs[i];
    }
    grad[1 + j] += gw;
    grad[1 + d.numericCount + j] += gm;
  }
  for (const s of d.slot) for (let i = 0; i < d.rows; i++) grad[s[i]] += r[i];
}

/** Limited-memory BFGS (two-loop recursion) with a backtracking Armijo line search; deterministic. */
function lbfgs(
  f: (w: Float64Array, grad: Float64Array) => number,
  start: Float64Array,
  maxIterations: number,
  tolerance: number,
): { w: Float64Array; iterations: number } {
  const memory = 8;
  const dim = start.length;
  let w = Float64Array.from(start);
  let g = new Float64Array(dim);
  let fx = f(w, g);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rho: number[] = [];
  let it = 0;
  for (; it < maxIterations; it++) {
    if (maxAbs(g) < tolerance) break;
    // Two-loop recursion: direction = -H g.
    const q = Float64Array.from(g);
    const alpha = new Array<number>(sList.length);
    for (let k = sList.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(sList[k], q);
      axpy(-alpha[k], yList[k], q);
    }
    if (sList.length > 0) {
      const last = sList.length - 1;
      const gamma = dot(sList[last], yList[last]) / dot(yList[last], yList[last]);
      for (let k = 0; k < dim; k++) q[k] *= gamma;
    }
    for (let k = 0; k < sList.length; k++) {
      const beta = rho[k] * dot(yList[k], q);
      axpy(alpha[k] - beta, sList[k], q);
    }
    const dir = q.map((v) => -v);
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (curvature info went stale): restart from steepest descent.
      sList.length = yList.length = rho.length = 0;
      for (let k = 0; k < dim; k++) dir[k] = -g[k];
      slope = dot(g, dir);
    }
    let step = 1;
    const wNew = new Float64Array(dim);
    const gNew = new Float64Array(dim);
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let k = 0; k < dim; k++) wNew[k] = w[k] + step * dir[k];
      fNew = f(wNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx)) break;
    const s = new Float64Array(dim);
    const yv = new Float64Array(dim);
    for (let k = 0; k < dim; k++) {
      s[k] = wNew[k] - w[k];
      yv[k] = gNew[k] - g[k];
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      sList.push(s);
      yList.push(yv);
      rho.push(1 / sy);
      if (sList.length > memory) {
        sList.shift();
        yList.shift();
        rho.shift();
      }
    }
    const converged = fx - fNew < 1e-12 * Math.max(1, Math.abs(fx));
    w = wNew;
    g = gNew;
    fx = fNew;
    if (converged) {
      it++;
      break;
    }
  }
  return { w, iterations: it };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
