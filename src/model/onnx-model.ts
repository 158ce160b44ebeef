// The one onnxruntime-node wrapper used by both the pipeline's parity check and the prediction service.
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { binding, initOrt, type Binding } from 'onnxruntime-node/dist/binding';
import type { Frame } from '../data/frame';
import type { FeatureSpec } from '../spec/dataset';
import { ClassValue, className, outputWidth, TaskKind } from '../task/task';
import { ModelInputError } from './gbdt-model';
import { LABEL_OUTPUT, METADATA_KEYS, onnxInputName, PROBABILITY_OUTPUT, readOnnxMetadata, VALUE_OUTPUT } from './onnx-export';

export { ModelInputError } from './gbdt-model';

/** Columns by feature name. Numeric: float32, NaN for missing. Categorical: strings, '' or any unseen value for missing. */
export type ModelInput = { [feature: string]: Float32Array | string[] };

export type ModelRecord = Record<string, string | number | null>;

/** The ONNX bytes are not a model this code can serve, or do not match the declared features. */
export class OnnxModelError extends Error {
  override name = 'OnnxModelError';
  constructor(
    message: string,
    readonly code: 'invalid_model' | 'feature_mismatch' | 'task_mismatch' | 'released',
  ) {
    super(message);
  }
}

export interface OnnxModelOptions {
  /** onnxruntime intra-op threads; 1 (default) suits a service that runs many small batches concurrently. */
  intraOpNumThreads?: number;
  /**
   * What the graph predicts. Default: the graph's `model_task` metadata, and binary without it (versions exported
   * before other tasks existed; graphs converted by skl2onnx/onnxmltools carry none, so pass it for those).
   */
  task?: TaskKind;
  /** Multiclass: the classes in probability-column order. Default: the graph's `classes` metadata (a JSON array). */
  classes?: ClassValue[];
}

/** What a graph's outputs must be for each task (skl2onnx's names and shapes, zipmap=False). */
const OUTPUT_OF: Record<TaskKind, string> = { binary: PROBABILITY_OUTPUT, multiclass: PROBABILITY_OUTPUT, regression: VALUE_OUTPUT };

/** The binding's element type codes (ONNX TensorProto.DataType) of the two input kinds. */
const ORT_TYPE: Record<FeatureSpec['type'], { code: number; name: string }> = { numeric: { code: 1, name: 'float32' }, categorical: { code: 8, name: 'string' } };
const TYPE_NAMES: Record<number, string> = { 1: 'float32', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 11: 'float64' };
const RUN_OPTIONS: ort.InferenceSession.RunOptions = {};

/**
 * Batches of up to this many rows reuse their input tensors (one set per size and run in flight).
 * The serving batcher's batches are this size or smaller; a larger one allocates as before.
 */
const POOLED_MAX_ROWS = 256;

/** Input tensors for one batch size: columns refilled in place for each run, reused only after that run resolved. */
interface FeedSet {
  feeds: Record<string, ort.Tensor>;
  cols: Array<Float32Array | string[]>;
}

/**
 * A session of onnxruntime-node's native binding, which runs synchronously. The package's
 * InferenceSession defers every run by a setImmediate and then runs on this same thread anyway; on a
 * service answering one row at a time that extra event-loop turn, plus its argument checks and
 * result copies, cost more than the model itself (measured: 26 us per one-row run through the
 * public API, 19 us through the binding).
 */
export class OnnxModel {
  private released = false;
  /** Free feed sets by row count (see POOLED_MAX_ROWS): input arrays and tensors were most of a run's garbage. */
  private readonly pool = new Map<number, FeedSet[]>();
  private readonly fetches: Record<string, null>;
  private readonly output: string;
  /** Numbers per row that predict() returns: 1, or K for multiclass (see outputWidth in src/task/task.ts). */
  readonly width: number;

  private constructor(
    private readonly session: Binding.InferenceSession,
    readonly features: readonly FeatureSpec[],
    /** binary: P(positive) per row; regression: the value; multiclass: K probabilities per row. */
    readonly task: TaskKind,
    /** Multiclass only: the classes, in the order of each row's probabilities. */
    readonly classes: readonly ClassValue[] | undefined,
  ) {
    this.width = outputWidth(task, classes);
    this.output = OUTPUT_OF[task];
    this.fetches = { [this.output]: null };
  }

  /**
   * Opens a session on `bytes` and checks its inputs are exactly `features` ([N,1] float / string tensors) and its
   * outputs fit the task (options, else the graph's metadata, else binary).
   */
  static async load(bytes: Uint8Array, features: FeatureSpec[], options: OnnxModelOptions = {}): Promise<OnnxModel> {
    const { task, classes } = taskOf(bytes, options);
    // a turn of the event loop first, as the package's own create does: loading blocks this thread
    await new Promise<void>((resolve) => setImmediate(resolve));
    let session: Binding.InferenceSession;
    try {
      initOrt();
      session = new binding.InferenceSession();
      session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: options.intraOpNumThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        // Tree ensembles gain little from graph rewrites, but 'all' is cheap at load time and never changes results.
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    } catch (err) {
      throw new OnnxModelError(`onnxruntime cannot load the model: ${(err as Error).message}`, 'invalid_model');
    }
    const problems = describeMismatch(session, features);
    if (problems.length > 0) {
      session.dispose();
      throw new OnnxModelError(`model inputs do not match the features: ${problems.join('; ')}`, 'feature_mismatch');
    }
    const outputProblem = describeOutputMismatch(session, task, classes);
    if (outputProblem) {
      session.dispose();
      throw new OnnxModelError(`model outputs do not fit a ${task} model: ${outputProblem}`, 'task_mismatch');
    }
    const frozen = Object.freeze(features.map((f) => Object.freeze({ ...f })));
    return new OnnxModel(session, frozen, task, classes && Object.freeze([...classes]));
  }

  /**
   * `rows * width` numbers (binary: P(positive); regression: the value; multiclass: K class probabilities per row,
   * row-major). Extra columns in `input` are ignored; missing or mis-typed ones throw ModelInputError. */
  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is asynchronous; async turns a throw into a rejection
  async predict(input: ModelInput, rows: number): Promise<Float32Array> {
    if (this.released) throw new OnnxModelError('model was released', 'released');
    if (!Number.isInteger(rows) || rows < 0) throw new ModelInputError(`rows must be a non-negative integer, got ${rows}`);
    const feeds: Record<string, ort.Tensor> = {};
    for (const f of this.features) {
      const col = input[f.name];
      if (col === undefined) throw new ModelInputError(`input has no column for feature ${f.name}`);
      if (col.length !== rows) throw new ModelInputError(`feature ${f.name} has ${col.length} values for ${rows} rows`);
      if (f.type === 'numeric') {
        if (!(col instanceof Float32Array)) throw new ModelInputError(`feature ${f.name} is numeric and needs a Float32Array`);
        feeds[onnxInputName(f.name)] = new ort.Tensor('float32', col, [rows, 1]);
      } else {
        if (!Array.isArray(col)) throw new ModelInputError(`feature ${f.name} is categorical and needs a string array`);
        for (let i = 0; i < rows; i++) {
          if (typeof col[i] !== 'string') throw new ModelInputError(`feature ${f.name} row ${i} is not a string`);
        }
        feeds[onnxInputName(f.name)] = new ort.Tensor('string', col, [rows, 1]);
      }
    }
    if (rows === 0) return new Float32Array(0);
    return this.run(feeds, rows);
  }

  private run(feeds: Record<string, ort.Tensor>, rows: number): Float32Array {
    const result = this.session.run(feeds, this.fetches, RUN_OPTIONS);
    if (this.task === 'binary') {
      const probs = result[PROBABILITY_OUTPUT].data as Float32Array;
      const out = new Float32Array(rows);
      for (let i = 0; i < rows; i++) out[i] = probs[2 * i + 1];
      return out;
    }
    const data = result[this.output].data;
    if (data.length !== rows * this.width) {
      throw new OnnxModelError(`output ${this.output} has ${data.length} values for ${rows} rows of ${this.width}`, 'task_mismatch');
    }
    // float32 already (our graphs, skl2onnx's); a double output (some converters) is rounded like the rest
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  }

  /**
   * Convenience for row-shaped callers. Numeric: numbers, numeric strings, or null/''/absent for missing.
   * Categorical: strings (numbers are stringified), null/absent for missing.
   */
  async predictRecords(records: ReadonlyArray<Record<string, string | number | null>>): Promise<Float32Array> {
    const rows = records.length;
    if (rows === 0 || rows > POOLED_MAX_ROWS) return this.predict(recordsToModelInput(this.features, records), rows);
    if (this.released) throw new OnnxModelError('model was released', 'released');
    // same conversions as recordsToModelInput, written into this size's reused columns
    const set = this.pool.get(rows)?.pop() ?? this.feedSet(rows);
    try {
      for (let j = 0; j < this.features.length; j++) {
        const name = this.features[j].name;
        const col = set.cols[j];
        if (col instanceof Float32Array) {
          for (let i = 0; i < rows; i++) col[i] = toNumber(records[i][name], name, i);
        } else {
          for (let i = 0; i < rows; i++) {
            const v = records[i][name];
            col[i] = v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : v;
          }
        }
      }
      return this.run(set.feeds, rows);
    } finally {
      // after the run resolved (or failed) onnxruntime no longer reads the arrays
      for (const col of set.cols) if (!(col instanceof Float32Array)) col.fill('');
      const free = this.pool.get(rows);
      if (free) free.push(set);
      else this.pool.set(rows, [set]);
    }
  }

  private feedSet(rows: number): FeedSet {
    const feeds: Record<string, ort.Tensor> = {};
    const cols: FeedSet['cols'] = [];
    for (const f of this.features) {
      const col = f.type === 'numeric' ? new Float32Array(rows) : new Array<string>(rows).fill('');
      cols.push(col);
      feeds[onnxInputName(f.name)] = col instanceof Float32Array ? new ort.Tensor('float32', col, [rows, 1]) : new ort.Tensor('string', col, [rows, 1]);
    }
    return { feeds, cols };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is asynchronous; async turns a throw into a rejection
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.pool.clear();
    this.session.dispose();
  }
}

function describeMismatch(session: Binding.InferenceSession, features: readonly FeatureSpec[]): string[] {
  const problems: string[] = [];
  const declared = new Map(features.map((f) => [onnxInputName(f.name), f]));
  if (declared.size !== features.length) problems.push('feature names are not unique');
  const meta = new Map(session.inputMetadata.map((m) => [m.name, m]));
  for (const f of features) {
    const m = meta.get(onnxInputName(f.name));
    const want = ORT_TYPE[f.type];
    if (!m) problems.push(`the graph has no input ${onnxInputName(f.name)}`);
    else if (!m.isTensor || m.type !== want.code) {
      problems.push(`input ${f.name} is ${m.isTensor ? (TYPE_NAMES[m.type] ?? `type ${m.type}`) : 'not a tensor'}, feature is ${f.type} (${want.name})`);
    }
  }
  for (const m of session.inputMetadata) {
    if (!declared.has(m.name)) problems.push(`the graph input ${m.name} is not a declared feature`);
  }
  return problems;
}

/** The task and classes: the caller's, else the graph's metadata, else binary. */
function taskOf(bytes: Uint8Array, options: OnnxModelOptions): { task: TaskKind; classes?: ClassValue[] } {
  let meta: Record<string, string> | undefined;
  const metadata = () => {
    if (meta) return meta;
    try {
      meta = readOnnxMetadata(bytes);
    } catch (err) {
      throw new OnnxModelError(`not an ONNX model: ${(err as Error).message}`, 'invalid_model');
    }
    return meta;
  };
  let task: TaskKind;
  if (options.task !== undefined) task = options.task;
  else {
    const raw = metadata()[METADATA_KEYS.task];
    if (raw === undefined) return { task: 'binary' };
    const parsed = TaskKind.safeParse(raw);
    if (!parsed.success) throw new OnnxModelError(`metadata ${METADATA_KEYS.task} is ${JSON.stringify(raw)}, expected binary, multiclass or regression`, 'invalid_model');
    task = parsed.data;
  }
  if (task !== 'multiclass') return { task };
  let classes = options.classes;
  if (classes === undefined) {
    const raw = metadata()[METADATA_KEYS.classes];
    if (raw === undefined) throw new OnnxModelError(`a multiclass model needs its classes (options.classes or metadata ${METADATA_KEYS.classes})`, 'task_mismatch');
    try {
      classes = ClassValueList.parse(JSON.parse(raw));
    } catch (err) {
      throw new OnnxModelError(`metadata ${METADATA_KEYS.classes} is not a JSON array of classes: ${(err as Error).message}`, 'invalid_model');
    }
  }
  const checked = ClassValueList.safeParse(classes);
  if (!checked.success) throw new OnnxModelError(`classes: ${checked.error.issues.map((i) => i.message).join('; ')}`, 'task_mismatch');
  return { task, classes: checked.data };
}

const ClassValueList = z
  .array(ClassValue)
  .min(2)
  .refine((c) => new Set(c.map(className)).size === c.length, 'class names must be distinct');

/** Why the graph's outputs do not fit the task, or null when they do. */
function describeOutputMismatch(session: Binding.InferenceSession, task: TaskKind, classes: readonly ClassValue[] | undefined): string | null {
  const name = OUTPUT_OF[task];
  const out = session.outputMetadata.find((m) => m.name === name);
  const names = session.outputMetadata.map((m) => m.name).join(', ');
  if (!out) return `the graph has no ${name} output (it has ${names})`;
  if (!out.isTensor || (out.type !== 1 && out.type !== 11)) return `output ${name} is not a float tensor`;
  // Binary graphs give [1 - p, p] per row.
  const width = task === 'binary' ? 2 : outputWidth(task, classes);
  const dims = out.shape;
  // A known second dimension must be the width (symbolic or unknown ones are checked on every run).
  if (dims.length === 2 && dims[1] > 0 && dims[1] !== width) return `output ${name} has ${dims[1]} columns, expected ${width}`;
  if (dims.length > 2) return `output ${name} has ${dims.length} dimensions`;
  if (task === 'multiclass' && !session.outputMetadata.some((m) => m.name === LABEL_OUTPUT)) return `the graph has no ${LABEL_OUTPUT} output`;
  return null;
}

export function recordsToModelInput(features: readonly FeatureSpec[], records: ReadonlyArray<ModelRecord>): ModelInput {
  const input: ModelInput = {};
  const n = records.length;
  for (const f of features) {
    if (f.type === 'numeric') {
      const col = new Float32Array(n);
      for (let i = 0; i < n; i++) col[i] = toNumber(records[i][f.name], f.name, i);
      input[f.name] = col;
    } else {
      const col = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = records[i][f.name];
        col[i] = v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : v;
      }
      input[f.name] = col;
    }
  }
  return input;
}

function toNumber(v: string | number | null | undefined, feature: string, row: number): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') throw new ModelInputError(`feature ${feature} row ${row}: expected a number, got ${typeof v}`);
  const s = v.trim();
  if (s === '') return NaN;
  const x = Number(s);
  if (Number.isNaN(x)) throw new ModelInputError(`feature ${feature} row ${row}: ${JSON.stringify(v)} is not a number`);
  return x;
}

/** A frame's columns in the model's input shape (dictionary codes become strings, NULL becomes ''). */
export function frameToModelInput(frame: Frame): ModelInput {
  const input: ModelInput = {};
  for (const col of frame.features) {
    if (col.kind === 'numeric') {
      input[col.name] = col.values;
      continue;
    }
    const out = new Array<string>(frame.rows);
    for (let i = 0; i < frame.rows; i++) {
      const c = col.codes[i];
      out[i] = c < 0 ? '' : (col.dictionary[c] ?? '');
    }
    input[col.name] = out;
  }
  return input;
}

/** Largest |a[i] - b[i]|; a NaN on one side only counts as Infinity, NaN on both as equal. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== x || y !== y) {
      if (x === x || y === y) return Infinity;
      continue;
    }
    const d = Math.abs(x - y);
    if (d > max) max = d;
  }
  return max;
}
