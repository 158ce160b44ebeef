// The trained GBDT as plain JSON data (zod schemas) and the trainer-side prediction the ONNX graph must match.
import { z } from 'zod';
import type { Frame, FeatureColumn } from '../data/frame';
import { GbdtParams } from '../spec/dataset';
import { codeLookup } from './binning';
import { encodeCategoryCodes } from './categorical';
import { ClassValue, className, MAX_CLASSES, REGRESSION_LOSSES, type TaskKind } from '../task/task';

export const ModelFeature = z.object({ name: z.string().min(1), type: z.enum(['numeric', 'categorical']) }).strict();
export type ModelFeature = z.infer<typeof ModelFeature>;

/**
 * One tree as parallel arrays indexed by node id (root = 0). A node with feature -1 is a leaf. A numeric node
 * sends a row left when its float32 value is <= threshold, and a missing (NaN) value to the `missingLeft` side;
 * that is exactly onnxruntime's BRANCH_LEQ with nodes_missing_value_tracks_true. A categorical node (format 2)
 * sends a row left when its category code is in `categories[node]` (onnxruntime's BRANCH_MEMBER).
 */
export const GbdtTree = z
  .object({
    feature: z.array(z.number().int().min(-1)),
    threshold: z.array(z.number()),
    missingLeft: z.array(z.boolean()),
    left: z.array(z.number().int().min(-1)),
    right: z.array(z.number().int().min(-1)),
    /** Leaf outputs (log-odds, target units or class scores), learning rate already applied, float32-representable. 0 on internal nodes. */
    value: z.array(z.number()),
    /** Loss reduction of each split (0 on leaves): the basis of feature importance. */
    gain: z.array(z.number()),
    /** Training rows that reached each node (of the round's sample). */
    count: z.array(z.number().int().min(0)),
    /** Format 2: per node, the category codes that go left on a categorical split ([] elsewhere). */
    categories: z.array(z.array(z.number().int().min(0).max(255))).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const n = t.feature.length;
    if (t.categories && t.categories.length !== n) ctx.addIssue({ code: 'custom', message: `tree.categories has ${t.categories.length} entries, feature has ${n}` });
    for (const key of ['threshold', 'missingLeft', 'left', 'right', 'value', 'gain', 'count'] as const) {
      if (t[key].length !== n) ctx.addIssue({ code: 'custom', message: `tree.${key} has ${t[key].length} entries, feature has ${n}` });
    }
    if (n === 0) ctx.addIssue({ code: 'custom', message: 'a tree needs at least one node' });
    for (let i = 0; i < n && i < t.left.length && i < t.right.length; i++) {
      if (t.feature[i] < 0) continue;
      if (!(t.left[i] > i && t.left[i] < n && t.right[i] > i && t.right[i] < n)) {
        ctx.addIssue({ code: 'custom', message: `node ${i} has children outside (${i}, ${n})` });
      }
    }
  });
export type GbdtTree = z.infer<typeof GbdtTree>;

/**
 * A categorical feature's encoding: categories[i] encodes as the float i. Format 1: NULL, '' and unseen values
 * encode as missing (NaN). Format 2: unseen values (and categories beyond the cap) encode as OTHER = length,
 * NULL and '' as MISSING = length + 1; both are ordinary codes that splits place like any category.
 */
export const CategoryEncoder = z.object({ feature: z.string(), categories: z.array(z.string()) }).strict();
export type CategoryEncoder = z.infer<typeof CategoryEncoder>;

/** Binary early stopping, as stored since format 1 (validation log loss). */
export const BinaryEarlyStopping = z
  .object({ bestRound: z.number().int().min(0), roundsRun: z.number().int().min(0), validationRows: z.number().int().min(0), bestValidationLogLoss: z.number() })
  .strict();

/** The metric early stopping watched for a regression or multiclass model. */
export const STOPPING_METRICS = ['l2', 'l1', 'huber', 'multi_logloss'] as const;
export type StoppingMetric = (typeof STOPPING_METRICS)[number];

/**
 * Early stopping of a regression or multiclass model: the round kept, rounds run, the validation slice, and the
 * mean loss there at the best round (l2: mean squared error, l1: mean absolute error, huber: mean Huber loss,
 * multi_logloss: mean multiclass log loss).
 */
export const EarlyStopping = z
  .object({ bestRound: z.number().int().min(0), roundsRun: z.number().int().min(0), validationRows: z.number().int().min(0), metric: z.enum(STOPPING_METRICS), bestValidationLoss: z.number() })
  .strict();
export type EarlyStopping = z.infer<typeof EarlyStopping>;

/** Any model's early-stopping record (binary's, or the other tasks'). */
export const AnyEarlyStopping = z.union([BinaryEarlyStopping, EarlyStopping]);

export const GbdtBinaryModel = z
  .object({
    kind: z.literal('gbdt-binary'),
    /** 1: categories as target-ordered ranks split by thresholds; 2: categories split by set membership. */
    formatVersion: z.union([z.literal(1), z.literal(2)]),
    features: z.array(ModelFeature).min(1),
    /** Initial log-odds (float32-representable), the ONNX base value. */
    baseScore: z.number(),
    params: GbdtParams,
    encoders: z.array(CategoryEncoder),
    trees: z.array(GbdtTree),
    /** Set when early stopping chose fewer trees than params.rounds. */
    earlyStopping: BinaryEarlyStopping.optional(),
  })
  .strict();
export type GbdtBinaryModel = z.infer<typeof GbdtBinaryModel>;

/** Regression: prediction = baseScore + the sum of the trees' leaves, in target units. */
export const GbdtRegressionModel = z
  .object({
    kind: z.literal('gbdt-regression'),
    formatVersion: z.literal(2),
    features: z.array(ModelFeature).min(1),
    /** The start value (l2: the training mean; l1, huber: the median), float32-representable. */
    baseScore: z.number(),
    loss: z.enum(REGRESSION_LOSSES),
    params: GbdtParams,
    encoders: z.array(CategoryEncoder),
    trees: z.array(GbdtTree),
    earlyStopping: EarlyStopping.optional(),
  })
  .strict();
export type GbdtRegressionModel = z.infer<typeof GbdtRegressionModel>;

/**
 * Multiclass softmax: K raw scores per row, class k's = baseScores[k] + the leaves of trees t with t % K === k
 * (round-major, one tree per class per round, as LightGBM); probabilities are the softmax of the K scores.
 */
export const GbdtMulticlassModel = z
  .object({
    kind: z.literal('gbdt-multiclass'),
    formatVersion: z.literal(2),
    features: z.array(ModelFeature).min(1),
    classes: z.array(ClassValue).min(2).max(MAX_CLASSES),
    /** Per class, the log of its training share (float32-representable). */
    baseScores: z.array(z.number()),
    params: GbdtParams,
    encoders: z.array(CategoryEncoder),
    trees: z.array(GbdtTree),
    earlyStopping: EarlyStopping.optional(),
  })
  .strict();
export type GbdtMulticlassModel = z.infer<typeof GbdtMulticlassModel>;

/** The trained model as JSON; `kind` says the task (old registry versions are all `gbdt-binary`). */
export const GbdtModel = z.discriminatedUnion('kind', [GbdtBinaryModel, GbdtRegressionModel, GbdtMulticlassModel]).superRefine((m, ctx) => {
  for (const t of m.trees) {
    for (const f of t.feature) {
      if (f >= m.features.length) ctx.addIssue({ code: 'custom', message: `a tree uses feature ${f}, the model has ${m.features.length}` });
    }
  }
  for (const f of m.features) {
    if (f.type === 'categorical' && !m.encoders.some((e) => e.feature === f.name)) {
      ctx.addIssue({ code: 'custom', message: `categorical feature ${f.name} has no encoder` });
    }
  }
  if (m.kind === 'gbdt-multiclass') {
    const k = m.classes.length;
    if (m.baseScores.length !== k) ctx.addIssue({ code: 'custom', message: `baseScores has ${m.baseScores.length} entries for ${k} classes` });
    if (m.trees.length % k !== 0) ctx.addIssue({ code: 'custom', message: `${m.trees.length} trees is not a whole number of rounds of ${k} classes` });
    if (new Set(m.classes.map((c) => className(c))).size !== k) ctx.addIssue({ code: 'custom', message: 'classes must have distinct names' });
  }
});
export type GbdtModel = z.infer<typeof GbdtModel>;

/** The task a model predicts. */
export function modelTask(model: Pick<GbdtModel, 'kind'>): TaskKind {
  return model.kind === 'gbdt-binary' ? 'binary' : model.kind === 'gbdt-regression' ? 'regression' : 'multiclass';
}

/** Numbers per row that predictModel returns (outputWidth of the model's task). */
export function modelWidth(model: GbdtModel): number {
  return model.kind === 'gbdt-multiclass' ? model.classes.length : 1;
}

/** Frame columns do not fit the model (missing feature, wrong type, wrong length). */
export class ModelInputError extends Error {
  override name = 'ModelInputError';
}

/** The float32 values the trees compare, one array per model feature, taken from the frame by feature name. */
export function encodeFeatures(model: Pick<GbdtModel, 'features' | 'encoders' | 'formatVersion'>, frame: Frame): Float32Array[] {
  const byName = new Map<string, FeatureColumn>(frame.features.map((c) => [c.name, c]));
  return model.features.map((f) => {
    const col = byName.get(f.name);
    if (!col) throw new ModelInputError(`frame has no column for feature ${f.name}`);
    if (col.kind !== f.type) throw new ModelInputError(`feature ${f.name} is ${f.type} in the model but ${col.kind} in the frame`);
    if (col.kind === 'numeric') {
      if (col.values.length !== frame.rows) throw new ModelInputError(`feature ${f.name} has ${col.values.length} values for ${frame.rows} rows`);
      return col.values;
    }
    if (col.codes.length !== frame.rows) throw new ModelInputError(`feature ${f.name} has ${col.codes.length} codes for ${frame.rows} rows`);
    const encoder = model.encoders.find((e) => e.feature === f.name);
    const categories = encoder ? encoder.categories : [];
    if (model.formatVersion === 2) return encodeCategoryCodes(col, categories);
    const lookup = codeLookup(col.dictionary, categories);
    const out = new Float32Array(frame.rows);
    for (let i = 0; i < out.length; i++) {
      const c = col.codes[i];
      out[i] = c < 0 || c >= lookup.length ? NaN : lookup[c];
    }
    return out;
  });
}

/** A tree as typed arrays, so prediction walks it without boxing. */
export interface PackedTree {
  feature: Int32Array;
  threshold: Float32Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  /** 256 flags per node: 1 where a categorical node sends that code left (all 0 on other nodes). */
  member: Uint8Array;
  isMember: Uint8Array;
}

export function packTree(t: GbdtTree): PackedTree {
  const n = t.feature.length;
  const member = new Uint8Array(n * 256);
  const isMember = new Uint8Array(n);
  t.categories?.forEach((set, node) => {
    if (t.feature[node] < 0 || set.length === 0) return;
    isMember[node] = 1;
    for (const c of set) member[node * 256 + c] = 1;
  });
  return {
    member,
    isMember,
    feature: Int32Array.from(t.feature),
    threshold: Float32Array.from(t.threshold),
    missingLeft: Uint8Array.from(t.missingLeft, (b) => (b ? 1 : 0)),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    value: Float64Array.from(t.value),
  };
}

/**
 * Raw scores per row: the base score plus each tree's leaf, added in tree order (the order the trainer uses, so a
 * model's training scores and its predictions are the same doubles). Binary: log-odds; regression: the prediction;
 * multiclass: K scores per row (row-major), before the softmax.
 */
export function predictRaw(model: GbdtModel, frame: Frame): Float64Array {
  const cols = encodeFeatures(model, frame);
  if (model.kind === 'gbdt-multiclass') {
    const k = model.classes.length;
    const out = new Float64Array(frame.rows * k);
    for (let i = 0; i < frame.rows; i++) out.set(model.baseScores, i * k);
    model.trees.forEach((tree, t) => addTree(packTree(tree), cols, out, k, t % k));
    return out;
  }
  const out = new Float64Array(frame.rows).fill(model.baseScore);
  for (const tree of model.trees) addTree(packTree(tree), cols, out, 1, 0);
  return out;
}

function addTree(t: PackedTree, cols: Float32Array[], out: Float64Array, stride: number, offset: number): void {
  const { feature, threshold, missingLeft, left, right, value, member, isMember } = t;
  const rows = out.length / stride;
  for (let row = 0; row < rows; row++) {
    let n = 0;
    while (feature[n] >= 0) {
      const v = cols[feature[n]][row];
      if (isMember[n]) n = member[n * 256 + v] ? left[n] : right[n];
      // Both sides are float32 values held in doubles, so this is the float32 comparison onnxruntime makes.
      else n = v !== v ? (missingLeft[n] ? left[n] : right[n]) : v <= threshold[n] ? left[n] : right[n];
    }
    out[row * stride + offset] += value[n];
  }
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** In place: each run of `k` raw scores becomes its softmax (max subtracted first, so no exp overflows). */
export function softmaxRows(raw: Float64Array, k: number): Float64Array {
  for (let at = 0; at < raw.length; at += k) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (raw[at + j] > max) max = raw[at + j];
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(raw[at + j] - max);
      raw[at + j] = e;
      sum += e;
    }
    for (let j = 0; j < k; j++) raw[at + j] /= sum;
  }
  return raw;
}

/** P(label = 1) per row of a binary model: the trainer's own prediction, the reference the ONNX export is checked against. */
export function predictProba(model: GbdtModel, frame: Frame): Float64Array {
  if (model.kind !== 'gbdt-binary') throw new ModelInputError(`predictProba is for binary models, this one is ${model.kind} (use predictModel)`);
  const raw = predictRaw(model, frame);
  for (let i = 0; i < raw.length; i++) raw[i] = sigmoid(raw[i]);
  return raw;
}

/**
 * What the model predicts per row, `rows * modelWidth(model)` numbers (see outputWidth in src/task/task.ts):
 * binary P(positive), regression the value, multiclass the K class probabilities (row-major).
 */
export function predictModel(model: GbdtModel, frame: Frame): Float64Array {
  if (model.kind === 'gbdt-binary') return predictProba(model, frame);
  const raw = predictRaw(model, frame);
  return model.kind === 'gbdt-multiclass' ? softmaxRows(raw, model.classes.length) : raw;
}

export interface FeatureImportance {
  feature: string;
  /** Total loss reduction of the feature's splits, normalised so all features sum to 1. */
  gain: number;
  splits: number;
}

/** Gain-based importance, highest first. */
export function featureImportance(model: GbdtModel): FeatureImportance[] {
  const gain = new Float64Array(model.features.length);
  const splits = new Float64Array(model.features.length);
  for (const t of model.trees) {
    for (let i = 0; i < t.feature.length; i++) {
      if (t.feature[i] < 0) continue;
      gain[t.feature[i]] += t.gain[i];
      splits[t.feature[i]]++;
    }
  }
  const total = gain.reduce((a, b) => a + b, 0);
  return model.features.map((f, i) => ({ feature: f.name, gain: total > 0 ? gain[i] / total : 0, splits: splits[i] })).sort((a, b) => b.gain - a.gain || a.feature.localeCompare(b.feature));
}
