// The format-2 graph tail: ai.onnx.ml TreeEnsemble-5 (BRANCH_LEQ and BRANCH_MEMBER nodes) plus the [1-p, p] and label outputs.
import { onnx } from 'onnx-proto';
import type { GbdtModel } from './gbdt-model';

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

/**
 * One TreeEnsemble node over `input` whose single target is sigmoid(baseScore + sum of leaves), then
 * probabilities = [1 - p, p] and label = p > 0.5, the outputs the TreeEnsembleClassifier graph had.
 * The features are cast to double first (TreeEnsemble wants splits of its input's type): splits and weights are
 * doubles holding float32 values, so comparisons are the trainer's float32 ones and the sum and sigmoid are in
 * double like the trainer's; only p is rounded to float at the end. The base score is a one-leaf tree; so is any tree that
 * found no split (a dummy LEQ node whose both branches reach the leaf).
 */
export function treeEnsembleV5(m: GbdtModel, input: string, out: { label: string; probabilities: string }): Tail {
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
  const isCat = m.features.map((f) => f.type === 'categorical');

  const addLeafOnlyTree = (weight: number) => {
    roots.push(featureIds.length);
    const leaf = leafWeights.push(weight) - 1;
    featureIds.push(0);
    modes.push(MODE_LEQ);
    splits.push(0);
    trueIds.push(leaf);
    trueLeafs.push(1);
    falseIds.push(leaf);
    falseLeafs.push(1);
    missingTrue.push(0);
  };

  addLeafOnlyTree(m.baseScore);
  for (const t of m.trees) {
    if (t.feature[0] < 0) {
      addLeafOnlyTree(t.value[0]);
      continue;
    }
    // Number internal nodes and leaves in the ensemble's own index spaces.
    const nodeIndex = new Map<number, number>();
    const leafIndex = new Map<number, number>();
    let nextNode = featureIds.length;
    for (let n = 0; n < t.feature.length; n++) {
      if (t.feature[n] >= 0) nodeIndex.set(n, nextNode++);
      else leafIndex.set(n, leafWeights.push(t.value[n]) - 1);
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
  }

  const p = `${out.probabilities}__p`;
  const x64 = `${input}__f64`;
  const attribute: onnx.IAttributeProto[] = [
    int('aggregate_function', AGGREGATE_SUM),
    int('n_targets', 1),
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
    ints('leaf_targetids', leafWeights.map(() => 0)),
    tensorAttr('leaf_weights', doubles(leafWeights)),
  ];
  if (membership.length > 0) attribute.push(tensorAttr('membership_values', doubles(membership)));

  const nodes: onnx.INodeProto[] = [
    { name: 'features_f64', opType: 'Cast', domain: '', input: [input], output: [x64], attribute: [int('to', DT.DOUBLE)] },
    { name: 'gbdt', opType: 'TreeEnsemble', domain: 'ai.onnx.ml', input: [x64], output: [`${p}_raw`], attribute },
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
