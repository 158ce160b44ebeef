// The trainer's hot loops as plain functions over typed arrays, so the training thread and its helpers run the same code.

/**
 * Adds rows idx[begin..end) into `out` ([g, h, count] per histogram slot). `bins` is row-major (f bytes a row),
 * `gh` interleaves each row's gradient and hessian, `slot3[j]` is feature j's first slot times 3.
 */
export function accumulateHistogram(
  out: Float64Array,
  bins: Uint8Array,
  f: number,
  slot3: Int32Array,
  gh: Float64Array,
  idx: Uint32Array,
  begin: number,
  end: number,
): void {
  for (let i = begin; i < end; i++) {
    const row = idx[i];
    const g = gh[2 * row];
    const h = gh[2 * row + 1];
    const base = row * f;
    for (let j = 0; j < f; j++) {
      const k = slot3[j] + bins[base + j] * 3;
      out[k] += g;
      out[k + 1] += h;
      out[k + 2] += 1;
    }
  }
}

/** Log-loss gradient and hessian of rows [begin, end) at `scores`; returns the summed loss of `lossRows` rows among them. */
export function logLossGradients(scores: Float64Array, label: Uint8Array, gh: Float64Array, begin: number, end: number, lossMask: Uint8Array | null): number {
  let loss = 0;
  for (let i = begin; i < end; i++) {
    const s = scores[i];
    const e = Math.exp(-Math.abs(s));
    const p = s >= 0 ? 1 / (1 + e) : e / (1 + e);
    const y = label[i];
    gh[2 * i] = p - y;
    gh[2 * i + 1] = Math.max(p * (1 - p), 1e-16);
    // softplus(s) - y*s, written to stay finite for large |s|.
    if (lossMask === null || lossMask[i] === 0) loss += Math.max(s, 0) + Math.log1p(e) - y * s;
  }
  return loss;
}

/** Mean log loss of `rows` at `scores`. */
export function meanLogLoss(scores: Float64Array, label: Uint8Array, rows: Uint32Array): number {
  let loss = 0;
  for (let i = 0; i < rows.length; i++) {
    const s = scores[rows[i]];
    loss += Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - label[rows[i]] * s;
  }
  return rows.length ? loss / rows.length : 0;
}
