// The format-2 graph tails: ai.onnx.ml TreeEnsemble-5 (BRANCH_LEQ and BRANCH_MEMBER nodes) plus each task's outputs.
import { onnx } from 'onnx-proto';
import type { GbdtBinaryModel, GbdtModel, GbdtMulticlassModel, GbdtRegressionModel } from './gbdt-model';

const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;
const MODE_LEQ = 0;
const MODE_MEMBER = 6;
const AGGREGATE_SUM = 1;
// onnxruntime 1.30 ignores post_transform LOGISTIC on a single-target TreeEnsemble: the graph applies Sigmoid itself.
const POST_NONE = 0;

function tensorAttr(name: string, t: onnx.ITensorProto): onnx.IAttributeProto {
  return { name, type: AT.TENSOR, t };
}
function doubles(values: number[]): onnx.ITensorProto {
  return { dataType: DT.DOUBLE, dims: [values.length], rawData: new Uint8Array(Float64Array.from(values).buffer) };
}
function bytes(values: number[]): onnx.ITensorProto {
  return { dataType: DT.UINT8, dims: [values.length], rawData: Uint8Array.from(values) };
}
function ints(name: string, values: number[]): onnx.IAttributeProto {
  return { name, type: AT.INTS, ints: values };
}
function int(name: string, i: number): onnx.IAttributeProto {
  return { name, type: AT.INT, i };
}

interface Tail {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
}

/** The trees of a model with the base score(s) of each target, and which target each tree adds to. */
interface Ensemble {
  features: GbdtModel['features'];
  trees: GbdtModel['trees'];
  /** One per target, added as one-leaf trees ahead of the model's trees. */
  baseScores: number[];
  /** Target (class) of model tree t. */
  targetOf: (t: number) => number;
}

/**
 * The attributes of one TreeEnsemble (ai.onnx.ml 5) summing `e`'s trees per target. Splits and weights are doubles
 * holding float32 values, so comparisons are the trainer's float32 ones and the sums are in double like the trainer's.
 * Each base score is a one-leaf tree; so is any tree that found no split (a dummy LEQ node whose both branches
 * reach the leaf).
 */
function ensembleAttributes(e: Ensemble): onnx.IAttributeProto[] {
  const roots: number[] = [];
  const featureIds: number[] = [];
  const modes: number[] = [];
  const splits: number[] = [];
  const trueIds: number[] = [];
  const trueLeafs: number[] = [];
  const falseIds: number[] = [];
  const falseLeafs: number[] = [];
  const missingTrue: number[] = [];
  const membership: number[] = [];
  const leafWeights: number[] = [];
  const leafTargets: number[] = [];
  const isCat = e.features.map((f) => f.type === 'categorical');
  const addLeaf = (weight: number, target: number) => {
    leafTargets.push(target);
    return leafWeights.push(weight) - 1;
  };

  const addLeafOnlyTree = (weight: number, target: number) => {
    roots.push(featureIds.length);
    const leaf = addLeaf(weight, target);
    featureIds.push(0);
    modes.push(MODE_LEQ);
    splits.push(0);
    trueIds.push(leaf);
    trueLeafs.push(1);
    falseIds.push(leaf);
    falseLeafs.push(1);
    missingTrue.push(0);
  };

  e.baseScores.forEach((b, target) => addLeafOnlyTree(b, target));
  e.trees.forEach((t, index) => {
    const target = e.targetOf(index);
    if (t.feature[0] < 0) {
      addLeafOnlyTree(t.value[0], target);
      return;
    }
    // Number internal nodes and leaves in the ensemble's own index spaces.
    const nodeIndex = new Map<number, number>();
    const leafIndex = new Map<number, number>();
    let nextNode = featureIds.length;
    for (let n = 0; n < t.feature.length; n++) {
      if (t.feature[n] >= 0) nodeIndex.set(n, nextNode++);
      else leafIndex.set(n, addLeaf(t.value[n], target));
    }
    roots.push(featureIds.length);
    for (let n = 0; n < t.feature.length; n++) {
      const f = t.feature[n];
      if (f < 0) continue;
      const set = t.categories?.[n] ?? [];
      featureIds.push(f);
      if (isCat[f] && set.length > 0) {
        modes.push(MODE_MEMBER);
        splits.push(0);
        // Categorical codes are never NaN (MISSING is a code of its own), so the missing flag never applies.
        missingTrue.push(0);
        if (membership.length > 0) membership.push(NaN);
        membership.push(...set);
      } else {
        modes.push(MODE_LEQ);
        splits.push(t.threshold[n]);
        missingTrue.push(t.missingLeft[n] ? 1 : 0);
      }
      for (const [child, ids, leafs] of [
        [t.left[n], trueIds, trueLeafs],
        [t.right[n], falseIds, falseLeafs],
      ] as const) {
        const leaf = leafIndex.get(child);
        if (leaf !== undefined) {
          ids.push(leaf);
          leafs.push(1);
        } else {
          ids.push(nodeIndex.get(child) as number);
          leafs.push(0);
        }
      }
    }
  });

  const attribute: onnx.IAttributeProto[] = [
    int('aggregate_function', AGGREGATE_SUM),
    int('n_targets', e.baseScores.length),
    int('post_transform', POST_NONE),
    ints('tree_roots', roots),
    ints('nodes_featureids', featureIds),
    tensorAttr('nodes_modes', bytes(modes)),
    tensorAttr('nodes_splits', doubles(splits)),
    ints('nodes_truenodeids', trueIds),
    ints('nodes_trueleafs', trueLeafs),
    ints('nodes_falsenodeids', falseIds),
    ints('nodes_falseleafs', falseLeafs),
    ints('nodes_missing_value_tracks_true', missingTrue),
    ints('leaf_targetids', leafTargets),
    tensorAttr('leaf_weights', doubles(leafWeights)),
  ];
  if (membership.length > 0) attribute.push(tensorAttr('membership_values', doubles(membership)));
  return attribute;
}

/** Cast of the features to double (TreeEnsemble wants splits of its input's type), then the ensemble: raw scores [N, targets]. */
function ensembleNodes(e: Ensemble, input: string, raw: string): onnx.INodeProto[] {
  const x64 = `${input}__f64`;
  return [
    { name: 'features_f64', opType: 'Cast', domain: '', input: [input], output: [x64], attribute: [int('to', DT.DOUBLE)] },
    { name: 'gbdt', opType: 'TreeEnsemble', domain: 'ai.onnx.ml', input: [x64], output: [raw], attribute: ensembleAttributes(e) },
  ];
}

/**
 * Binary: one TreeEnsemble node over `input` whose single target is sigmoid(baseScore + sum of leaves), then
 * probabilities = [1 - p, p] and label = p > 0.5, the outputs the TreeEnsembleClassifier graph had. The sum and
 * sigmoid are in double like the trainer's; only p is rounded to float at the end.
 */
export function treeEnsembleV5(m: GbdtBinaryModel, input: string, out: { label: string; probabilities: string }): Tail {
  const p = `${out.probabilities}__p`;
  const nodes: onnx.INodeProto[] = [
    ...ensembleNodes({ features: m.features, trees: m.trees, baseScores: [m.baseScore], targetOf: () => 0 }, input, `${p}_raw`),
    { name: 'sigmoid', opType: 'Sigmoid', domain: '', input: [`${p}_raw`], output: [`${p}64`] },
    { name: 'p_f32', opType: 'Cast', domain: '', input: [`${p}64`], output: [p], attribute: [int('to', DT.FLOAT)] },
    { name: 'one_minus_p', opType: 'Sub', domain: '', input: ['const_one', p], output: [`${p}0`] },
    { name: 'probabilities', opType: 'Concat', domain: '', input: [`${p}0`, p], output: [out.probabilities], attribute: [int('axis', 1)] },
    { name: 'above_half', opType: 'Greater', domain: '', input: [p, 'const_half'], output: [`${p}_gt`] },
    { name: 'label_int', opType: 'Cast', domain: '', input: [`${p}_gt`], output: [`${p}_label`], attribute: [int('to', DT.INT64)] },
    { name: 'label', opType: 'Reshape', domain: '', input: [`${p}_label`, 'const_flat'], output: [out.label] },
  ];
  const initializers: onnx.ITensorProto[] = [
    { name: 'const_one', dataType: DT.FLOAT, dims: [], floatData: [1] },
    { name: 'const_half', dataType: DT.FLOAT, dims: [], floatData: [0.5] },
    { name: 'const_flat', dataType: DT.INT64, dims: [1], int64Data: [-1] },
  ];
  return { nodes, initializers };
}

/** Regression: baseScore + the sum of leaves, in double, rounded to float as the [N, 1] output `out.value`. */
export function regressionTail(m: GbdtRegressionModel, input: string, out: { value: string }): Tail {
  const raw = `${out.value}__raw`;
  return {
    nodes: [
      ...ensembleNodes({ features: m.features, trees: m.trees, baseScores: [m.baseScore], targetOf: () => 0 }, input, raw),
      { name: 'value_f32', opType: 'Cast', domain: '', input: [raw], output: [out.value], attribute: [int('to', DT.FLOAT)] },
    ],
    initializers: [],
  };
}

/**
 * Multiclass: one target per class (tree t adds to class t % K), softmax over the K sums in double, rounded to
 * float as `out.probabilities` [N, K]; `out.label` [N] is the index of the largest probability (the first on ties).
 */
export function multiclassTail(m: GbdtMulticlassModel, input: string, out: { label: string; probabilities: string }): Tail {
  const k = m.classes.length;
  const raw = `${out.probabilities}__raw`;
  return {
    nodes: [
      ...ensembleNodes({ features: m.features, trees: m.trees, baseScores: m.baseScores, targetOf: (t) => t % k }, input, raw),
      { name: 'softmax', opType: 'Softmax', domain: '', input: [raw], output: [`${raw}_softmax`], attribute: [int('axis', 1)] },
      { name: 'probabilities_f32', opType: 'Cast', domain: '', input: [`${raw}_softmax`], output: [out.probabilities], attribute: [int('to', DT.FLOAT)] },
      { name: 'label', opType: 'ArgMax', domain: '', input: [out.probabilities], output: [out.label], attribute: [int('axis', 1), int('keepdims', 0)] },
    ],
    initializers: [],
  };
}
