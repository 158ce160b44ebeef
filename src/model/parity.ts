// Proves the exported ONNX graph predicts what the trainer predicts, on real rows plus missing/unseen probes.
import type { FeatureColumn, Frame } from '../data/frame';
import { takeRows } from '../data/frame';
import { GbdtModel, predictProba } from './gbdt-model';
import { frameToModelInput, maxAbsDiff, OnnxModel } from './onnx-model';

export const PARITY_TOLERANCE = 1e-5;

/**
 * A category value no training data contains, so the probe row exercises LabelEncoder's default. No NUL in it:
 * onnxruntime-node passes strings to C++ as C strings, so '\u0000...' would arrive as '' (missing).
 */
export const UNSEEN_CATEGORY_PROBE = '\u{1F50E} parity-unseen \u{1F50E}';

export interface ParityResult {
  rows: number;
  maxAbsDiff: number;
  ok: boolean;
}

/**
 * Compares predictProba with onnxruntime on up to `sampleRows` evenly spaced rows of `frame`, plus two probe
 * rows: every feature missing, and every categorical unseen with numerics at their first sampled value.
 */
export async function checkParity(model: GbdtModel, onnxBytes: Uint8Array, frame: Frame, sampleRows = 2000): Promise<ParityResult> {
  const sample = withProbes(evenSample(frame, sampleRows));
  const expected = predictProba(model, sample);
  const onnx = await OnnxModel.load(onnxBytes, model.features);
  try {
    const actual = await onnx.predict(frameToModelInput(sample), sample.rows);
    const diff = maxAbsDiff(expected, actual);
    return { rows: sample.rows, maxAbsDiff: diff, ok: diff <= PARITY_TOLERANCE };
  } finally {
    await onnx.release();
  }
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
