// Proves the exported ONNX graph predicts what the trainer predicts, on real rows plus missing/unseen probes.
import type { FeatureColumn, Frame } from '../data/frame';
import { takeRows } from '../data/frame';
import { GbdtModel, modelTask, predictModel } from './gbdt-model';
import { frameToModelInput, maxAbsDiff, OnnxModel } from './onnx-model';

export const PARITY_TOLERANCE = 1e-5;

/**
 * A category value no training data contains, so the probe row exercises LabelEncoder's default. No NUL in it:
 * onnxruntime-node passes strings to C++ as C strings, so '\u0000...' would arrive as '' (missing).
 */
export const UNSEEN_CATEGORY_PROBE = '\u{1F50E} parity-unseen \u{1F50E}';

export interface ParityResult {
  rows: number;
  /** Largest |trainer - onnxruntime| over every number compared (multiclass: every class probability). */
  maxAbsDiff: number;
  /**
   * Regression only: the largest |trainer - onnxruntime| / max(1, |trainer|), what the tolerance applies to there.
   * The graph's output is float32 (skl2onnx's type), whose rounding alone is up to 6e-8 of the value, so a
   * prediction of 1,000 (minutes, dollars) may differ by 6e-5 with the sums exactly equal: an absolute 1e-5 would
   * fail on the rounding, not on the trees. Below 1 the tolerance stays absolute.
   */
  maxScaledDiff?: number;
  ok: boolean;
}

/**
 * Compares predictModel with onnxruntime (per task: P(positive), the K class probabilities, or the value) on up to `sampleRows` evenly spaced rows of `frame`, plus two probe
 * rows: every feature missing, and every categorical unseen with numerics at their first sampled value.
 */
export async function checkParity(model: GbdtModel, onnxBytes: Uint8Array, frame: Frame, sampleRows = 2000): Promise<ParityResult> {
  const sample = withProbes(evenSample(frame, sampleRows));
  const expected = predictModel(model, sample);
  const task = modelTask(model);
  const onnx = await OnnxModel.load(onnxBytes, model.features, model.kind === 'gbdt-multiclass' ? { task, classes: model.classes } : { task });
  try {
    const actual = await onnx.predict(frameToModelInput(sample), sample.rows);
    const diff = maxAbsDiff(expected, actual);
    if (task !== 'regression') return { rows: sample.rows, maxAbsDiff: diff, ok: diff <= PARITY_TOLERANCE };
    const scaled = maxScaledDiff(expected, actual);
    return { rows: sample.rows, maxAbsDiff: diff, maxScaledDiff: scaled, ok: scaled <= PARITY_TOLERANCE };
  } finally {
    await onnx.release();
  }
}

/** Largest |a - b| / max(1, |a|); NaN on one side only counts as Infinity. */
function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i]));
    if (d !== d) {
      if (a[i] === a[i] || b[i] === b[i]) return Infinity;
      continue;
    }
    if (d > max) max = d;
  }
  return max;
}

function evenSample(frame: Frame, maxRows: number): Frame {
  const n = Math.min(frame.rows, Math.max(0, Math.floor(maxRows)));
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = Math.floor((i * frame.rows) / n);
  return takeRows(frame, idx);
}

function withProbes(frame: Frame): Frame {
  const n = frame.rows + 2;
  const label = new Uint8Array(n);
  label.set(frame.label);
  const features = frame.features.map((col): FeatureColumn => {
    if (col.kind === 'numeric') {
      const values = new Float32Array(n);
      values.set(col.values);
      values[n - 2] = NaN;
      values[n - 1] = frame.rows > 0 ? col.values[0] : 0;
      return { ...col, values };
    }
    const dictionary = [...col.dictionary, UNSEEN_CATEGORY_PROBE];
    const codes = new Int32Array(n);
    codes.set(col.codes);
    codes[n - 2] = -1;
    codes[n - 1] = dictionary.length - 1;
    return { ...col, codes, dictionary };
  });
  return { rows: n, features, label };
}
