// The linear baselines' shared pieces: the design (standardised numerics with a missing slot, one-hot categoricals
// with an "other" slot), its margins and gradients, row subsampling, and a deterministic L-BFGS.
import type { Frame, FeatureColumn } from '../data/frame';
import { ModelInputError } from './gbdt-model';
import { mulberry32 } from './prng';

/** Columnar design matrix: dense standardised numerics plus one active weight slot per categorical. */
export interface Design {
  rows: number;
  z: Float64Array[];
  missing: Uint8Array[];
  slot: Int32Array[];
  /** Parameter layout: [intercept, numeric weights, numeric missing weights, categorical slots...]. */
  dim: number;
  numericCount: number;
}

export interface Layout {
  numeric: { feature: string; mean: number; std: number }[];
  categorical: { feature: string; categories: string[]; first: number }[];
  dim: number;
}

/** `k` distinct row indices in ascending order, chosen uniformly for a seed (selection sampling). */
export function sampleIndices(n: number, k: number, seed: number): Uint32Array {
  const rand = mulberry32(seed);
  const out = new Uint32Array(k);
  let m = 0;
  for (let i = 0; i < n && m < k; i++) {
    if (rand() * (n - i) < k - m) out[m++] = i;
  }
  return out;
}

export function fitLayout(frame: Frame, maxCategories: number): Layout {
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

export function buildDesign(frame: Frame, layout: Layout): Design {
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

export function margins(d: Design, w: Float64Array): Float64Array {
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

export function accumulateGradient(d: Design, r: Float64Array, grad: Float64Array): void {
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
export function lbfgs(f: (w: Float64Array, grad: Float64Array) => number, start: Float64Array, maxIterations: number, tolerance: number): { w: Float64Array; iterations: number } {
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

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

export function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** The per-feature parts a linear model's JSON stores, for `layoutOf`. */
export interface StoredLinearFeatures {
  numeric: readonly { feature: string; mean: number; std: number }[];
  categorical: readonly { feature: string; categories: string[] }[];
}

/** The layout a stored model was fitted with (slots in the same order as `fitLayout` assigns them). */
export function layoutOf(model: StoredLinearFeatures): Layout {
  let next = 1 + 2 * model.numeric.length;
  const categorical = model.categorical.map((c) => {
    const first = next;
    next += c.categories.length + 1;
    return { feature: c.feature, categories: c.categories, first };
  });
  return { numeric: model.numeric.map((f) => ({ feature: f.feature, mean: f.mean, std: f.std })), categorical, dim: next };
}

/** A single-output linear model's stored weights (logistic, ridge). */
export interface StoredLinearWeights extends StoredLinearFeatures {
  intercept: number;
  numeric: readonly { feature: string; mean: number; std: number; weight: number; missingWeight: number }[];
  categorical: readonly { feature: string; categories: string[]; weights: number[]; otherWeight: number }[];
}

/** The JSON parts of a single-output model from its fitted parameter vector. */
export function storeWeights(
  layout: Layout,
  w: Float64Array,
): Pick<StoredLinearWeights, 'intercept'> & {
  numeric: StoredLinearWeights['numeric'][number][];
  categorical: StoredLinearWeights['categorical'][number][];
} {
  const nNum = layout.numeric.length;
  return {
    intercept: w[0],
    numeric: layout.numeric.map((f, j) => ({ ...f, weight: w[1 + j], missingWeight: w[1 + nNum + j] })),
    categorical: layout.categorical.map((c) => ({
      feature: c.feature,
      categories: c.categories,
      weights: Array.from(w.subarray(c.first, c.first + c.categories.length)),
      otherWeight: w[c.first + c.categories.length],
    })),
  };
}

/** The layout and parameter vector of a stored single-output model (the inverse of `storeWeights`). */
export function loadWeights(model: StoredLinearWeights): { layout: Layout; w: Float64Array } {
  const layout = layoutOf(model);
  const w = new Float64Array(layout.dim);
  w[0] = model.intercept;
  const nNum = model.numeric.length;
  model.numeric.forEach((f, j) => {
    w[1 + j] = f.weight;
    w[1 + nNum + j] = f.missingWeight;
  });
  model.categorical.forEach((c, i) => {
    const first = layout.categorical[i].first;
    w.set(c.weights, first);
    w[first + c.categories.length] = c.otherWeight;
  });
  return { layout, w };
}
