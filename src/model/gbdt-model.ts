// The trained GBDT as plain JSON data (zod schemas) and the trainer-side prediction the ONNX graph must match.
import { z } from 'zod';
import type { Frame, FeatureColumn } from '../data/frame';
import { GbdtParams } from '../spec/dataset';
import { codeLookup } from './binning';
import { encodeCategoryCodes } from './categorical';

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
    /** Leaf outputs in log-odds, learning rate already applied, float32-representable. 0 on internal nodes. */
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

export const GbdtModel = z
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
    earlyStopping: z.object({ bestRound: z.number().int().min(0), roundsRun: z.number().int().min(0), validationRows: z.number().int().min(0), bestValidationLogLoss: z.number() }).strict().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
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
  });
export type GbdtModel = z.infer<typeof GbdtModel>;

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
 * Raw log-odds per row: baseScore plus each tree's leaf, added in tree order (the order the trainer uses, so a
 * model's training scores and its predictions are the same doubles).
 */
export function predictRaw(model: GbdtModel, frame: Frame): Float64Array {
  const cols = encodeFeatures(model, frame);
  const out = new Float64Array(frame.rows).fill(model.baseScore);
  for (const tree of model.trees) addTree(packTree(tree), cols, out);
  return out;
}

function addTree(t: PackedTree, cols: Float32Array[], out: Float64Array): void {
  const { feature, threshold, missingLeft, left, right, value, member, isMember } = t;
  for (let row = 0; row < out.length; row++) {
    let n = 0;
    while (feature[n] >= 0) {
      const v = cols[feature[n]][row];
      if (isMember[n]) n = member[n * 256 + v] ? left[n] : right[n];
      // Both sides are float32 values held in doubles, so this is the float32 comparison onnxruntime makes.
      else n = v !== v ? (missingLeft[n] ? left[n] : right[n]) : v <= threshold[n] ? left[n] : right[n];
    }
    out[row] += value[n];
  }
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** P(label = 1) per row: the trainer's own prediction, the reference the ONNX export is checked against. */
export function predictProba(model: GbdtModel, frame: Frame): Float64Array {
  const raw = predictRaw(model, frame);
  for (let i = 0; i < raw.length; i++) raw[i] = sigmoid(raw[i]);
  return raw;
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
  return model.features
    .map((f, i) => ({ feature: f.name, gain: total > 0 ? gain[i] / total : 0, splits: splits[i] }))
    .sort((a, b) => b.gain - a.gain || a.feature.localeCompare(b.feature));
}
