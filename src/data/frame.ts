// The in-memory columnar shape that the loader produces and the trainer, evaluator and exporter consume.

/** A numeric feature: float32 values, NaN where the source was NULL. */
export interface NumericColumn {
  name: string;
  kind: 'numeric';
  values: Float32Array;
}

/**
 * A categorical feature, dictionary-encoded: codes[i] indexes `dictionary`, -1 means NULL.
 * The dictionary holds the raw string values as seen in the data.
 */
export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  codes: Int32Array;
  dictionary: string[];
}

export type FeatureColumn = NumericColumn | CategoricalColumn;

/**
 * Features in the spec's order plus the target: `label` holds 0/1 (binary) or the class index into the run's classes
 * (multiclass); a regression frame has `target` (the numeric values) and an all-zero `label`.
 */
export interface Frame {
  rows: number;
  features: FeatureColumn[];
  label: Uint8Array;
  target?: Float64Array;
}

/** Rows `indices` of `frame`, as a new frame (dictionaries are shared, not copied). */
export function takeRows(frame: Frame, indices: Uint32Array): Frame {
  const n = indices.length;
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) label[i] = frame.label[indices[i]];
  let target: Float64Array | undefined;
  if (frame.target) {
    const src = frame.target;
    target = new Float64Array(n);
    for (let i = 0; i < n; i++) target[i] = src[indices[i]];
  }
  const features = frame.features.map((col): FeatureColumn => {
    if (col.kind === 'numeric') {
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = col.values[indices[i]];
      return { name: col.name, kind: 'numeric', values };
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = col.codes[indices[i]];
    return { name: col.name, kind: 'categorical', codes, dictionary: col.dictionary };
  });
  return { rows: n, features, label, ...(target ? { target } : {}) };
}
