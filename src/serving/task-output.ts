// What a served model's output means per task (v1 body, OIP tensors, capture fields, load-time check, docs schema): the one place serving branches on the task.
import { z } from 'zod';
import type { OnnxModel } from '../model/onnx-model';
import type { VersionMetadata } from '../registry/registry';
import { argmax, ClassValue, className } from '../task/task';
import { BINARY_TASK, versionTask, type VersionTask } from '../task/version-task';
import type { InferenceIds } from './capture';

/** The task a served version answers, as its ONNX graph (or, for old versions, its registry metadata) says. */
export type ServedTask = VersionTask;

export const BINARY: ServedTask = BINARY_TASK;

/** The task of a version: the loaded ONNX model's own (it checked its outputs fit it), else its registry metadata (see versionTask). */
export function servedTaskOf(onnx: OnnxModel | undefined, meta: Pick<VersionMetadata, 'extra' | 'spec' | 'metrics'>): ServedTask {
  if (onnx) return { task: onnx.task, width: onnx.width, ...(onnx.classes ? { classes: onnx.classes } : {}) };
  return versionTask(meta);
}

/** Why a model's output on `rows` sample rows is not what its task promises, or undefined when it is. */
export function checkOutput(t: ServedTask, out: Float32Array, rows: number): string | undefined {
  if (out.length !== rows * t.width) return `model returned ${out.length} numbers for ${rows} sample rows (${t.width} per row expected)`;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let k = 0; k < t.width; k++) {
      const v = out[r * t.width + k];
      if (!Number.isFinite(v)) return `sample row ${r} scored ${v}, not a finite number`;
      if (t.task !== 'regression' && (v < 0 || v > 1)) return `sample row ${r} scored ${v}, not a probability`;
      sum += v;
    }
    if (t.task === 'multiclass' && Math.abs(sum - 1) > 1e-3) return `sample row ${r}: class probabilities sum to ${sum}, not 1`;
  }
  return undefined;
}

/** What the v1 writers need of a loaded model. */
export interface ResponseModel {
  readonly name: string;
  readonly version: number;
  readonly refJson: string;
}

/** Row i's id as a JSON string literal, from the client's ids or `<prefix>.<i>` (the prefix escaped once by the caller). */
function idJson(own: readonly string[] | undefined, open: string, i: number): string {
  return own ? JSON.stringify(own[i]) : `${open}.${i}"`;
}

function idParts(ids: InferenceIds): { own: readonly string[] | undefined; open: string } {
  const own = 'prefix' in ids ? undefined : ids;
  return { own, open: own ? '' : JSON.stringify((ids as { prefix: string }).prefix).slice(0, -1) };
}

function finiteOr500(model: ResponseModel, v: number, what: string): number {
  if (!Number.isFinite(v)) throw new Error(`model "${model.name}" v${model.version} returned a non-finite ${what} (${v})`);
  return v;
}

/** The 200 body of a regression model: `{id, prediction}` per row. */
export function regressionResponseJson(model: ResponseModel, out: Float32Array, ids: InferenceIds): string {
  const { own, open } = idParts(ids);
  let json = `{"model":${model.refJson},"predictions":[`;
  for (let i = 0; i < out.length; i++) {
    json += `${i === 0 ? '' : ','}{"id":${idJson(own, open, i)},"prediction":${finiteOr500(model, out[i], 'prediction')}}`;
  }
  return `${json}]}`;
}

/** Pieces of a multiclass body that depend only on the classes, made once per loaded version. */
export interface ClassJson {
  /** JSON of each class value as the data had it (string, integer or boolean). */
  readonly labels: readonly string[];
  /** `"<class name>":` per class, the keys of `probabilities`. */
  readonly keys: readonly string[];
}

export function classJson(classes: readonly ClassValue[]): ClassJson {
  return { labels: classes.map((c) => JSON.stringify(c)), keys: classes.map((c) => `${JSON.stringify(className(c))}:`) };
}

/** The 200 body of a multiclass model: `{id, label, probabilities: {<class>: p}}` per row; the label is the most probable class. */
export function multiclassResponseJson(model: ResponseModel, cj: ClassJson, out: Float32Array, ids: InferenceIds): string {
  const { own, open } = idParts(ids);
  const k = cj.keys.length;
  const rows = out.length / k;
  let json = `{"model":${model.refJson},"predictions":[`;
  for (let i = 0; i < rows; i++) {
    const off = i * k;
    let probs = '';
    for (let c = 0; c < k; c++) probs += `${c === 0 ? '' : ','}${cj.keys[c]}${finiteOr500(model, out[off + c], 'probability')}`;
    json += `${i === 0 ? '' : ','}{"id":${idJson(own, open, i)},"label":${cj.labels[argmax(out, off, k)]},"probabilities":{${probs}}}`;
  }
  return `${json}]}`;
}

/** The capture fields of row i after its id: regression `"prediction":v`; multiclass `"class":<index>,"probabilities":[...]`. */
export function captureFieldsOf(t: ServedTask): (out: Float32Array, i: number) => string {
  if (t.task === 'regression') return (out, i) => `"prediction":${out[i]}`;
  const k = t.width;
  return (out, i) => {
    const off = i * k;
    let probs = '';
    for (let c = 0; c < k; c++) probs += `${c === 0 ? '' : ','}${out[off + c]}`;
    return `"class":${argmax(out, off, k)},"probabilities":[${probs}]`;
  };
}

// ---- Open Inference Protocol v2 outputs ----

export type OipTensorData = number[] | string[] | boolean[];
export interface OipOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: OipTensorData;
}

/** The OIP datatype of a class label: integers INT64, booleans BOOL, strings BYTES. */
export function classDatatype(classes: readonly ClassValue[]): 'INT64' | 'BOOL' | 'BYTES' {
  if (classes.every((c) => typeof c === 'number')) return 'INT64';
  if (classes.every((c) => typeof c === 'boolean')) return 'BOOL';
  return 'BYTES';
}

/** The output tensors a model of task `t` declares (OIP model metadata; shape -1 is the batch). */
export function oipOutputsMeta(t: ServedTask): { name: string; datatype: string; shape: number[] }[] {
  if (t.task === 'binary')
    return [
      { name: 'probability', datatype: 'FP32', shape: [-1] },
      { name: 'label', datatype: 'INT64', shape: [-1] },
    ];
  if (t.task === 'regression') return [{ name: 'prediction', datatype: 'FP32', shape: [-1] }];
  return [
    { name: 'label', datatype: classDatatype(t.classes ?? []), shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, t.width] },
  ];
}

/** The OIP output tensors of `rows` scored rows (all, or those named in `wanted`). */
export function oipOutputs(t: ServedTask, out: Float32Array, rows: number, threshold: number, wanted: ReadonlySet<string> | undefined): OipOutputTensor[] {
  const want = (name: string) => !wanted || wanted.has(name);
  const outputs: OipOutputTensor[] = [];
  if (t.task === 'binary') {
    if (want('probability')) outputs.push({ name: 'probability', datatype: 'FP32', shape: [rows], data: Array.from(out) });
    if (want('label')) {
      const labels = new Array<number>(rows);
      for (let i = 0; i < rows; i++) labels[i] = out[i] >= threshold ? 1 : 0;
      outputs.push({ name: 'label', datatype: 'INT64', shape: [rows], data: labels });
    }
    return outputs;
  }
  if (t.task === 'regression') {
    if (want('prediction')) outputs.push({ name: 'prediction', datatype: 'FP32', shape: [rows], data: Array.from(out) });
    return outputs;
  }
  const classes = t.classes ?? [];
  const k = t.width;
  if (want('label')) {
    const dt = classDatatype(classes);
    const labels = new Array<ClassValue>(rows);
    for (let i = 0; i < rows; i++) labels[i] = dt === 'BYTES' ? className(classes[argmax(out, i * k, k)]) : classes[argmax(out, i * k, k)];
    outputs.push({ name: 'label', datatype: dt, shape: [rows], data: labels as OipTensorData });
  }
  if (want('probabilities')) outputs.push({ name: 'probabilities', datatype: 'FP32', shape: [rows, k], data: Array.from(out) });
  return outputs;
}

// ---- Response schemas (docs) ----

const Id = z.string().meta({ description: 'Inference id: send ground truth for this row to POST /v1/feedback under it' });
const ModelRef = z.object({ name: z.string(), version: z.number().int() });

export const BinaryPrediction = z.object({
  id: Id,
  label: z.number().int().meta({ description: '1 when probability >= the model threshold, else 0' }),
  probability: z.number().meta({ description: 'P(positive class)' }),
});
export const RegressionPrediction = z.object({ id: Id, prediction: z.number().meta({ description: "The predicted value, in the target column's units" }) });
export const MulticlassPrediction = z.object({
  id: Id,
  label: ClassValue.meta({ description: 'The most probable class (its value as in the data: string, integer or boolean)' }),
  probabilities: z.record(z.string(), z.number()).meta({ description: 'Probability of each class, keyed by the class name; they sum to 1' }),
});

/** Any model's 200 body: which shape depends on the model's task (see each model's own path in /docs). */
export const AnyPredictResponse = z
  .object({ model: ModelRef, predictions: z.array(z.union([BinaryPrediction, RegressionPrediction, MulticlassPrediction])) })
  .meta({ title: 'PredictResponse', description: 'Binary: {id, label, probability}; regression: {id, prediction}; multiclass: {id, label, probabilities: {<class>: p}}' });

/** The 200 body of one model, its fields named (multiclass: one probability per class). */
export function predictResponseSchema(t: ServedTask): z.ZodType {
  if (t.task === 'binary') return z.object({ model: ModelRef, predictions: z.array(BinaryPrediction) }).meta({ title: 'BinaryPredictResponse' });
  if (t.task === 'regression') return z.object({ model: ModelRef, predictions: z.array(RegressionPrediction) }).meta({ title: 'RegressionPredictResponse' });
  const classes = t.classes ?? [];
  const probs = Object.fromEntries(classes.map((c) => [className(c), z.number().meta({ description: `P(${className(c)})` })]));
  const labels = classes.map((c) => z.literal(c));
  const label = (labels.length >= 2 ? z.union(labels as unknown as [z.ZodLiteral<ClassValue>, z.ZodLiteral<ClassValue>]) : ClassValue).meta({ description: 'The most probable class' });
  return z
    .object({ model: ModelRef, predictions: z.array(z.object({ id: Id, label, probabilities: z.object(probs).meta({ description: 'Probability of each class; they sum to 1' }) })) })
    .meta({ title: 'MulticlassPredictResponse' });
}
