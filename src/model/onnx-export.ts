// Builds the self-contained ONNX graph (LabelEncoder -> Concat -> tree ensemble) for a GbdtModel.
import { onnx } from 'onnx-proto';
import { GbdtModel, modelTask, type GbdtBinaryModel } from './gbdt-model';
import { multiclassTail, regressionTail, treeEnsembleV5 } from './onnx-tree-ensemble';

/**
 * IR 8 is what onnx-proto 8 (ONNX 1.10) writes; opset 15 for Concat. Format-1 models (threshold splits only) use
 * ai.onnx.ml 3: LabelEncoder-2 and TreeEnsembleClassifier-3. Format-2 models (set-membership splits) use
 * ai.onnx.ml 5: TreeEnsemble-5 with BRANCH_MEMBER. onnxruntime-node 1.30 runs both (ml opset 5 drops
 * TreeEnsembleClassifier, so the older graph keeps opset 3 and versions registered before still load).
 */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 15;
export const ONNX_ML_OPSET = 3;
export const ONNX_ML_OPSET_MEMBERSHIP = 5;

export const PROBABILITY_OUTPUT = 'probabilities';
export const LABEL_OUTPUT = 'label';
/** Regression's output, [N, 1] float: skl2onnx's name, so regressors converted in Python load the same way. */
export const VALUE_OUTPUT = 'variable';

/**
 * The graph input that feeds a feature, used by export and runtime alike: the feature's own name (ONNX names are any
 * string; onnxruntime-node takes spaces, parentheses, quotes, any script), unless it would clash with a name the graph
 * defines itself (its outputs, and internal values, which all start with "__"); then it is prefixed.
 */
export function onnxInputName(feature: string): string {
  return feature === LABEL_OUTPUT || feature === PROBABILITY_OUTPUT || feature === VALUE_OUTPUT || feature.startsWith('__') ? `__input_${feature}` : feature;
}

/** Metadata keys the graph carries; `features` is the JSON FeatureSpec list the serving side checks inputs against. */
export const METADATA_KEYS = { features: 'features', modelName: 'model_name', modelVersion: 'model_version', kind: 'model_kind', task: 'model_task', classes: 'classes' } as const;

export interface ExportOptions {
  modelName?: string;
  modelVersion?: string;
  /** Extra metadata_props entries (string to string). */
  metadata?: Record<string, string>;
  docString?: string;
}

const utf8 = new TextEncoder();
const AT = onnx.AttributeProto.AttributeType;

export function attrInt(name: string, i: number): onnx.IAttributeProto {
  return { name, type: AT.INT, i };
}
export function attrInts(name: string, ints: number[]): onnx.IAttributeProto {
  return { name, type: AT.INTS, ints };
}
export function attrFloat(name: string, f: number): onnx.IAttributeProto {
  return { name, type: AT.FLOAT, f };
}
export function attrFloats(name: string, floats: number[]): onnx.IAttributeProto {
  return { name, type: AT.FLOATS, floats };
}
export function attrString(name: string, s: string): onnx.IAttributeProto {
  return { name, type: AT.STRING, s: utf8.encode(s) };
}
export function attrStrings(name: string, strings: string[]): onnx.IAttributeProto {
  return { name, type: AT.STRINGS, strings: strings.map((s) => utf8.encode(s)) };
}

export function tensorInfo(name: string, elemType: onnx.TensorProto.DataType, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Serialises `model` to ONNX bytes. Inputs: one [N,1] tensor per feature, named `onnxInputName(feature)`. */
export function exportOnnx(model: GbdtModel, options: ExportOptions = {}): Uint8Array {
  const m = GbdtModel.parse(model);
  const DT = onnx.TensorProto.DataType;
  const nodes: onnx.INodeProto[] = [];
  const inputs: onnx.IValueInfoProto[] = [];
  const columns: string[] = [];

  for (const [index, f] of m.features.entries()) {
    const input = onnxInputName(f.name);
    if (f.type === 'numeric') {
      inputs.push(tensorInfo(input, DT.FLOAT, ['N', 1]));
      columns.push(input);
      continue;
    }
    inputs.push(tensorInfo(input, DT.STRING, ['N', 1]));
    const categories = m.encoders.find((e) => e.feature === f.name)?.categories ?? [];
    // Internal names start with "__" and use the index, so no feature name can clash with them.
    const encoded = `__encoded_${index}`;
    nodes.push({ name: `encode_${index}`, opType: 'LabelEncoder', domain: 'ai.onnx.ml', input: [input], output: [encoded], attribute: encoderAttributes(m.formatVersion, categories) });
    columns.push(encoded);
  }

  let x: string;
  if (columns.length === 1) x = columns[0];
  else {
    x = '__features';
    nodes.push({ name: 'concat_features', opType: 'Concat', domain: '', input: columns, output: [x], attribute: [attrInt('axis', 1)] });
  }

  const initializer: onnx.ITensorProto[] = [];
  let output: onnx.IValueInfoProto[];
  let description: string;
  if (m.kind === 'gbdt-binary' && m.formatVersion === 1) nodes.push(treeEnsemble(m, x));
  else {
    const tail =
      m.kind === 'gbdt-binary'
        ? treeEnsembleV5(m, x, { label: LABEL_OUTPUT, probabilities: PROBABILITY_OUTPUT })
        : m.kind === 'gbdt-regression'
          ? regressionTail(m, x, { value: VALUE_OUTPUT })
          : multiclassTail(m, x, { label: LABEL_OUTPUT, probabilities: PROBABILITY_OUTPUT });
    nodes.push(...tail.nodes);
    initializer.push(...tail.initializers);
  }
  if (m.kind === 'gbdt-regression') {
    output = [tensorInfo(VALUE_OUTPUT, DT.FLOAT, ['N', 1])];
    description = `GBDT regression (${m.loss})`;
  } else {
    const k = m.kind === 'gbdt-multiclass' ? m.classes.length : 2;
    output = [tensorInfo(LABEL_OUTPUT, DT.INT64, ['N']), tensorInfo(PROBABILITY_OUTPUT, DT.FLOAT, ['N', k])];
    description = m.kind === 'gbdt-multiclass' ? `GBDT multiclass classifier (${k} classes)` : 'GBDT binary classifier';
  }

  const graph: onnx.IGraphProto = {
    name: options.modelName ?? 'gbdt',
    node: nodes,
    input: inputs,
    initializer,
    output,
  };

  const metadata: Record<string, string> = {
    ...options.metadata,
    [METADATA_KEYS.features]: JSON.stringify(m.features),
    [METADATA_KEYS.kind]: m.kind,
    [METADATA_KEYS.task]: modelTask(m),
  };
  // The classes as JSON values of the data's type (strings, integers or booleans), in probability-column order.
  if (m.kind === 'gbdt-multiclass') metadata[METADATA_KEYS.classes] = JSON.stringify(m.classes);
  if (options.modelName !== undefined) metadata[METADATA_KEYS.modelName] = options.modelName;
  if (options.modelVersion !== undefined) metadata[METADATA_KEYS.modelVersion] = options.modelVersion;

  const proto: onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [
      { domain: '', version: ONNX_OPSET },
      { domain: 'ai.onnx.ml', version: m.formatVersion === 1 ? ONNX_ML_OPSET : ONNX_ML_OPSET_MEMBERSHIP },
    ],
    producerName: 'durable-ml-pipeline',
    producerVersion: '1',
    docString: options.docString ?? `${description}, ${m.trees.length} trees, ${m.features.length} features`,
    graph,
    metadataProps: Object.keys(metadata)
      .sort()
      .map((key) => ({ key, value: metadata[key] })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}

/**
 * Format 1: categories map to their rank, NULL, '' and unseen values to NaN (each split's learned missing side).
 * Format 2: categories map to their code, '' (which serving sends for NULL) to MISSING, anything else to OTHER;
 * exactly the codes the trainer binned, so set-membership splits route them the same way.
 */
function encoderAttributes(formatVersion: 1 | 2, categories: string[]): onnx.IAttributeProto[] {
  if (formatVersion === 1) {
    // LabelEncoder needs at least one key; a key no input can contain stands in when training saw no category.
    const keys = categories.length > 0 ? categories : ['\u0000no-categories'];
    const values = categories.length > 0 ? categories.map((_, i) => i) : [NaN];
    return [attrStrings('keys_strings', keys), attrFloats('values_floats', values), attrFloat('default_float', NaN)];
  }
  const other = categories.length;
  return [attrStrings('keys_strings', [...categories, '']), attrFloats('values_floats', [...categories.map((_, i) => i), other + 1]), attrFloat('default_float', other)];
}

/** Format 1's TreeEnsembleClassifier (ai.onnx.ml 3), kept so such models still export as they always did. */
function treeEnsemble(m: GbdtBinaryModel, input: string): onnx.INodeProto {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const classTree: number[] = [];
  const classNode: number[] = [];
  const classWeight: number[] = [];

  m.trees.forEach((t, tree) => {
    for (let n = 0; n < t.feature.length; n++) {
      treeIds.push(tree);
      nodeIds.push(n);
      if (t.feature[n] < 0) {
        featureIds.push(0);
        modes.push('LEAF');
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        missingTrue.push(0);
        classTree.push(tree);
        classNode.push(n);
        classWeight.push(t.value[n]);
      } else {
        featureIds.push(t.feature[n]);
        // "true" is the left child: x <= threshold, and NaN when the split learned that missing goes left.
        modes.push('BRANCH_LEQ');
        values.push(t.threshold[n]);
        trueIds.push(t.left[n]);
        falseIds.push(t.right[n]);
        missingTrue.push(t.missingLeft[n] ? 1 : 0);
      }
    }
  });

  return {
    name: 'gbdt',
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    input: [input],
    output: [LABEL_OUTPUT, PROBABILITY_OUTPUT],
    attribute: [
      attrInts('classlabels_int64s', [0, 1]),
      attrFloats('base_values', [m.baseScore]),
      attrString('post_transform', 'LOGISTIC'),
      attrInts('nodes_treeids', treeIds),
      attrInts('nodes_nodeids', nodeIds),
      attrInts('nodes_featureids', featureIds),
      attrStrings('nodes_modes', modes),
      attrFloats('nodes_values', values),
      attrInts('nodes_truenodeids', trueIds),
      attrInts('nodes_falsenodeids', falseIds),
      attrInts('nodes_missing_value_tracks_true', missingTrue),
      // A single class id makes this onnxruntime's binary case: one score s, probabilities [1 - p, p], p = sigmoid(s).
      // (Older onnxruntime releases skipped the sigmoid when every weight was >= 0; 1.30 does not, and a test pins it.)
      attrInts(
        'class_ids',
        classTree.map(() => 0),
      ),
      attrInts('class_treeids', classTree),
      attrInts('class_nodeids', classNode),
      attrFloats('class_weights', classWeight),
    ],
  };
}

/** Reads the metadata_props of ONNX bytes (for registry/serving checks without a session). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const decoded = onnx.ModelProto.decode(bytes);
  const out: Record<string, string> = {};
  for (const p of decoded.metadataProps) if (p.key) out[p.key] = p.value ?? '';
  return out;
}
