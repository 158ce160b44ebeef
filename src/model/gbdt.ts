// Histogram gradient-boosted trees (binary log loss, regression, multiclass softmax); hand-written because no maintained JS GBDT exports ONNX.
import { z } from 'zod';
import type { Frame } from '../data/frame';
import { GbdtParams } from '../spec/dataset';
import { assignBins, binEdges, FLOAT32_MAX } from './binning';
import { bestCategoricalSplit, chooseCategories, encodeCategoryCodes } from './categorical';
import { CategoryEncoder, type EarlyStopping, GbdtModel, GbdtTree, ModelFeature, ModelInputError, type StoppingMetric } from './gbdt-model';
import { ClassValue, MAX_CLASSES, TASK_KINDS, type RegressionLoss } from '../task/task';
import { DEFAULT_HUBER_DELTA, l1LeafMedians, meanMultiLogLoss, meanRegressionLoss, PASS_APPLY_CLASS, PASS_CLASS_GRADIENTS, PASS_REGRESSION, PASS_SOFTMAX, type ObjectiveRows } from './objectives';
import { addScore, allocateTrainingMemory, meanLogLoss, type TrainingMemory, SIDE_LEFT, SIDE_NONE, SIDE_RIGHT } from './kernels';
import { mix32, mulberry32 } from './prng';
import { createKernels, defaultThreads, type RowKernels } from './parallel';

export {
  CategoryEncoder,
  GbdtModel,
  GbdtTree,
  ModelFeature,
  ModelInputError,
  featureImportance,
  modelTask,
  modelWidth,
  predictModel,
  predictProba,
  softmaxRows,
  predictRaw,
  sigmoid,
} from './gbdt-model';
export type { EarlyStopping, FeatureImportance, GbdtBinaryModel, GbdtMulticlassModel, GbdtRegressionModel, StoppingMetric } from './gbdt-model';

/** LightGBM's min_sum_hessian_in_leaf: keeps leaf values finite where the model is already sure. */
const MIN_CHILD_HESSIAN = 1e-3;
/** A split must reduce the loss by more than rounding noise. */
const MIN_SPLIT_GAIN = 1e-12;
/** Share of the training rows early stopping watches when the spec does not say. */
export const DEFAULT_VALIDATION_SHARE = 0.1;

/** What callers pass: any subset of the params, defaults from the spec schema fill the rest. */
export type GbdtParamsInput = z.input<typeof GbdtParams>;

export const GbdtCheckpoint = z
  .object({
    kind: z.literal('gbdt-checkpoint'),
    /** 2: native categorical splits (a format-1 checkpoint from older code is not resumable; training restarts). */
    formatVersion: z.literal(2),
    params: GbdtParams,
    roundsDone: z.number().int().min(0),
    /** Absent on binary checkpoints (written before other tasks existed). */
    task: z.enum(TASK_KINDS).optional(),
    /** Multiclass: the classes, in label-index order. */
    classes: z.array(ClassValue).optional(),
    /** Fingerprint of the training frame, so a resume on different data fails loudly instead of drifting. */
    rows: z.number().int().min(1),
    /** The sum of the labels (binary: positives; multiclass: class indices). */
    positives: z.number().int().min(0),
    /** Regression: the sum of the target values. */
    targetSum: z.number().optional(),
    features: z.array(ModelFeature),
    baseScore: z.number(),
    /** Multiclass: one base score per class (baseScore is then the first). */
    baseScores: z.array(z.number()).optional(),
    encoders: z.array(CategoryEncoder),
    /** Bin edges per feature; stored so a resume bins exactly as the interrupted run did. */
    binEdges: z.array(z.array(z.number())),
    /** Round-major: a multiclass round adds one tree per class. */
    trees: z.array(GbdtTree),
    /** Per tree and node, the split bin (-1 on leaves, -2 on categorical splits); training scores are rebuilt from these on resume. */
    splitBins: z.array(z.array(z.number().int().min(-2))),
  })
  .strict();
export type GbdtCheckpoint = z.infer<typeof GbdtCheckpoint>;

/** Progress of one boosting round, for heartbeats and throughput logs (never asserted on). */
export interface RoundStats {
  round: number;
  seconds: number;
  /** Rows the tree was grown on (the round's subsample). */
  rows: number;
  rowsPerSecond: number;
  /**
   * The task's mean training loss before this round's trees (over every 64th row: a progress figure): log loss
   * (binary), multiclass log loss, or the regression loss (l2: squared error, l1: absolute, huber).
   */
  trainLoss: number;
  /** Binary only: trainLoss under its historical name. */
  trainLogLoss?: number;
  /** Leaves of this round's trees (all classes). */
  leaves: number;
  /** With early stopping: the validation slice's mean loss (the task's metric, see EarlyStopping) after this round. */
  validationLoss?: number;
  /** Binary only: validationLoss under its historical name. */
  validationLogLoss?: number;
}

/** A checkpoint that does not belong to this frame or these params. */
export class GbdtCheckpointMismatch extends Error {
  override name = 'GbdtCheckpointMismatch';
}
interface Split {
  feature: number;
  /** Numeric: rows with bin <= this go left. Categorical: -2 (see `left`). */
  bin: number;
  missingLeft: boolean;
  gain: number;
  leftCount: number;
  leftG: number;
  leftH: number;
  /** Categorical: 1 per bin that goes left. */
  left: Uint8Array | null;
}

/** A node waiting for its split search, with its rows' range and histogram. */
interface Pending {
  node: number;
  begin: number;
  end: number;
  hist: Float64Array;
  g: number;
  h: number;
}

/** A split decided for a node, kept until its job has run. */
interface Plan {
  split: Split;
  leftId: number;
  rightId: number;
  needLeft: boolean;
  needRight: boolean;
  side: number;
  leftIsSmall: boolean;
}

/** A tree under construction; node ids are handed out in creation order so the root is 0. */
class TreeBuilder {
  readonly feature: number[] = [];
  readonly threshold: number[] = [];
  readonly bin: number[] = [];
  readonly missingLeft: boolean[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly value: number[] = [];
  readonly gain: number[] = [];
  readonly count: number[] = [];
  readonly categories: number[][] = [];

  add(count: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.bin.push(-1);
    this.missingLeft.push(false);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.gain.push(0);
    this.count.push(count);
    this.categories.push([]);
    return this.feature.length - 1;
  }

  toJson(): GbdtTree {
    return {
      feature: this.feature,
      threshold: this.threshold,
      missingLeft: this.missingLeft,
      left: this.left,
      right: this.right,
      value: this.value,
      gain: this.gain,
      count: this.count,
      categories: this.categories,
    };
  }
}

interface Prepared {
  features: ModelFeature[];
  encoders: CategoryEncoder[];
  /** Numeric features: bin edges; categorical: empty (their bins are the category codes). */
  edges: Float32Array[];
  /** One per tree of a round: binary log-odds, the regression start value, or the K class log priors. */
  baseScores: number[];
}

/**
 * What the trainer learns (default binary). Frame labels: binary 0/1, multiclass the class index into `classes`;
 * regression reads `frame.target`, with the loss from params.loss (default l2) and params.huberDelta (default 1).
 */
export type GbdtTask = { task: 'binary' } | { task: 'regression' } | { task: 'multiclass'; classes: ClassValue[] };

/** The task as the trainer runs it. */
type Objective = { kind: 'binary' } | { kind: 'regression'; loss: RegressionLoss; delta: number } | { kind: 'multiclass'; classes: ClassValue[]; k: number };

function objectiveOf(task: GbdtTask | undefined, params: GbdtParams): Objective {
  if (!task || task.task === 'binary') return { kind: 'binary' };
  if (task.task === 'regression') return { kind: 'regression', loss: params.loss ?? 'l2', delta: params.huberDelta ?? DEFAULT_HUBER_DELTA };
  const classes = z.array(ClassValue).min(2).max(MAX_CLASSES).parse(task.classes);
  return { kind: 'multiclass', classes, k: classes.length };
}

/** How to train: `task` says what is learned; `threads` only how fast (any count gives the same model). */
export interface TrainerOptions {
  /** Threads building histograms and gradients (default: min(2, cores), 1 for small frames); any count gives the same model. */
  threads?: number;
  /** Default binary. */
  task?: GbdtTask;
}

export class GbdtTrainer {
  private readonly n: number;
  private readonly f: number;
  /** Row-major bins: bins[row * f + feature]. One byte per cell (<= 255 bins; missing is the last). */
  private readonly bins: Uint8Array;
  /** Bins, gradients and row buffers, shared with the helper thread and the WebAssembly loops. */
  private readonly mem: TrainingMemory;
  private readonly isCat: Uint8Array;
  /** First histogram slot of each feature; the feature's missing bin is its last slot. */
  private readonly offsets: Int32Array;
  private readonly missingBin: Int32Array;
  private readonly histSize: number;
  private readonly label: Uint8Array;
  private readonly scores: Float64Array;
  /** exp(-score) per row, updated with the scores (see addScore). */
  private readonly expNeg: Float64Array;
  /**
   * Rows of the current round in two buffers: each tree level reads its nodes' rows from one and writes the
   * children's rows to the other, so every node owns a contiguous range (ascending row numbers within it).
   */
  private readonly rows: [Uint32Array, Uint32Array];
  /** 1 for rows whose score the growing tree updates (the round's sample). */
  private readonly inSample: Uint8Array;
  /** Rows boosting may use: all, or all but the early-stopping validation slice. */
  private readonly active: Uint32Array;
  private readonly validation: Uint32Array;
  private readonly isValidation: Uint8Array | null;
  private readonly pool: Float64Array[] = [];
  private readonly trees: GbdtTree[] = [];
  private readonly splitBins: number[][] = [];
  private readonly goLeft = new Uint8Array(256);
  private bestRound = 0;
  private bestLoss = Infinity;
  private readonly kernels: RowKernels;
  private readonly objective: Objective;
  /** Trees per round: K for multiclass, else 1. */
  private readonly perRound: number;
  /** Regression: the target values. */
  private readonly target: Float64Array | null = null;
  /** Multiclass: K raw scores per row (row-major); binary and regression keep theirs in mem.scores. */
  private readonly classScores: Float64Array | null = null;
  /** Multiclass: the softmax of classScores at the start of the round, which every class's gradients come from. */
  private readonly prob: Float64Array | null = null;

  private constructor(
    frame: Frame,
    private readonly params: GbdtParams,
    private readonly prep: Prepared,
    options: TrainerOptions,
  ) {
    this.objective = objectiveOf(options.task, params);
    this.perRound = this.objective.kind === 'multiclass' ? this.objective.k : 1;
    this.n = frame.rows;
    this.f = prep.features.length;
    this.offsets = new Int32Array(this.f + 1);
    this.missingBin = new Int32Array(this.f);
    this.isCat = new Uint8Array(this.f);
    for (let j = 0; j < this.f; j++) {
      const cat = prep.features[j].type === 'categorical';
      this.isCat[j] = cat ? 1 : 0;
      const binCount = cat ? (prep.encoders.find((e) => e.feature === prep.features[j].name)?.categories.length ?? 0) + 2 : prep.edges[j].length + 2;
      this.missingBin[j] = binCount - 1;
      this.offsets[j + 1] = this.offsets[j] + binCount;
    }
    this.histSize = this.offsets[this.f] * 3;
    this.mem = allocateTrainingMemory(this.n, this.f, this.histSize, 2 ** (params.maxDepth + 1));
    this.bins = this.mem.bins;
    this.rows = this.mem.rows;
    const cols = encodeFrame(frame, prep.features, prep.encoders);
    for (let j = 0; j < this.f; j++) {
      if (this.isCat[j]) {
        const codes = cols[j];
        for (let i = 0; i < this.n; i++) this.bins[i * this.f + j] = codes[i];
      } else assignBins(cols[j], prep.edges[j], this.bins, this.f, j);
    }
    this.label = this.mem.label;
    this.label.set(frame.label);
    this.scores = this.mem.scores;
    this.expNeg = this.mem.expNeg;
    this.inSample = new Uint8Array(this.n);
    const split = validationSplit(this.n, params);
    this.active = split.active;
    this.validation = split.validation;
    this.isValidation = split.isValidation;
    const base = prep.baseScores[0];
    this.scores.fill(base);
    this.expNeg.fill(Math.exp(-base));
    // Shared memory: the helper thread runs half of each row pass over these (objectives.ts).
    let rows: ObjectiveRows | null = null;
    const obj = this.objective;
    if (obj.kind === 'regression') {
      this.target = sharedFloat64(this.n);
      this.target.set(frame.target ?? []);
      rows = { kind: 'regression', target: this.target, loss: obj.loss, delta: obj.delta };
    }
    if (obj.kind === 'multiclass') {
      const k = obj.k;
      this.classScores = sharedFloat64(this.n * k);
      for (let i = 0; i < this.n; i++) this.classScores.set(prep.baseScores, i * k);
      this.prob = sharedFloat64(this.n * k);
      rows = { kind: 'multiclass', classScores: this.classScores, prob: this.prob, k };
    }
    if (this.validation.length > 0) this.bestLoss = this.validationLoss();
    this.kernels = createKernels(
      { mem: this.mem, f: this.f, slots: this.offsets.slice(0, this.f), histSize: this.histSize, lossMask: this.isValidation, objective: rows },
      options.threads ?? defaultThreads(this.n),
    );
  }

  /** A fresh trainer: chooses categories, bin edges and the base score on `frame`. */
  static create(frame: Frame, params: GbdtParamsInput = {}, options: TrainerOptions = {}): GbdtTrainer {
    const p = GbdtParams.parse(params);
    const objective = objectiveOf(options.task, p);
    checkFrame(frame, objective);
    return new GbdtTrainer(frame, p, prepare(frame, p, objective), options);
  }

  /**
   * Continues from a checkpoint on the same frame. The result is identical to a run that was never interrupted:
   * binning comes from the checkpoint, training scores are rebuilt from its trees in the same order, and each
   * round's random sample depends only on (seed, round). `params.rounds` may be raised to train further.
   */
  static resume(frame: Frame, params: GbdtParamsInput, checkpoint: GbdtCheckpoint, options: TrainerOptions = {}): GbdtTrainer {
    const p = GbdtParams.parse(params);
    const cp = GbdtCheckpoint.parse(checkpoint);
    const objective = objectiveOf(options.task, p);
    checkFrame(frame, objective);
    const cpTask = cp.task ?? 'binary';
    const wantClasses = objective.kind === 'multiclass' ? JSON.stringify(objective.classes) : undefined;
    if (cpTask !== objective.kind || JSON.stringify(cp.classes) !== wantClasses) {
      throw new GbdtCheckpointMismatch(
        `checkpoint is for a ${cpTask} model${cp.classes ? ` of ${JSON.stringify(cp.classes)}` : ''}, resume asks for ${objective.kind}${wantClasses ? ` of ${wantClasses}` : ''}`,
      );
    }
    const { rounds: _r1, checkpointEvery: _c1, ...want } = p;
    const { rounds: _r2, checkpointEvery: _c2, ...had } = cp.params;
    if (JSON.stringify(want) !== JSON.stringify(had)) {
      throw new GbdtCheckpointMismatch(`checkpoint was trained with ${JSON.stringify(had)}, resume asks for ${JSON.stringify(want)}`);
    }
    const positives = labelSum(frame.label);
    const names = frame.features.map((c) => `${c.name}:${c.kind}`).join(',');
    const cpNames = cp.features.map((c) => `${c.name}:${c.type}`).join(',');
    const targetSum = objective.kind === 'regression' ? sumOf(frame.target) : undefined;
    if (cp.rows !== frame.rows || cp.positives !== positives || cp.targetSum !== targetSum || names !== cpNames) {
      throw new GbdtCheckpointMismatch(
        `checkpoint is for ${cp.rows} rows / label sum ${cp.positives}${cp.targetSum === undefined ? '' : ` / target sum ${cp.targetSum}`} / [${cpNames}], frame has ${frame.rows} / ${positives}${targetSum === undefined ? '' : ` / ${targetSum}`} / [${names}]`,
      );
    }
    const k = objective.kind === 'multiclass' ? objective.k : 1;
    if (cp.trees.length !== cp.roundsDone * k || cp.splitBins.length !== cp.roundsDone * k) {
      throw new GbdtCheckpointMismatch(`checkpoint says ${cp.roundsDone} rounds of ${k} trees but holds ${cp.trees.length} trees`);
    }
    const baseScores = cp.baseScores ?? [cp.baseScore];
    if (baseScores.length !== k) throw new GbdtCheckpointMismatch(`checkpoint has ${baseScores.length} base scores for ${k} trees a round`);
    const trainer = new GbdtTrainer(frame, p, { features: cp.features, encoders: cp.encoders, edges: cp.binEdges.map((e) => Float32Array.from(e)), baseScores }, options);
    for (let t = 0; t < cp.trees.length; t++) {
      trainer.trees.push(cp.trees[t]);
      trainer.splitBins.push(cp.splitBins[t]);
      trainer.addTreeToScores(cp.trees[t], cp.splitBins[t], null, t % k);
      if ((t + 1) % k === 0) trainer.trackValidation();
    }
    return trainer;
  }

  /** Stops helper threads; call once training is over (the trainer cannot round() afterwards). */
  close(): void {
    this.kernels.close();
  }

  get roundsDone(): number {
    return this.trees.length / this.perRound;
  }

  get totalRounds(): number {
    return this.params.rounds;
  }

  /** True after `params.rounds` rounds, or once early stopping has seen no improvement for its patience. */
  get done(): boolean {
    if (this.roundsDone >= this.params.rounds) return true;
    const patience = this.params.earlyStoppingRounds;
    return patience !== undefined && this.validation.length > 0 && this.roundsDone - this.bestRound >= patience;
  }

  /** Grows one round's trees (one, or one per class). Throws once training is done. */
  round(): RoundStats {
    if (this.done) throw new Error(`all ${this.params.rounds} rounds are done`);
    if (this.objective.kind !== 'binary') return this.roundOther();
    const started = process.hrtime.bigint();
    const round = this.trees.length;
    const trainLogLoss = this.kernels.gradients(this.n);
    const m = this.sampleRows(round);

    const tree = new TreeBuilder();
    this.growTree(tree, m);

    const json = tree.toJson();
    this.trees.push(json);
    this.splitBins.push(tree.bin);
    // Sampled rows were marked with their leaf while the tree grew (the next gradient pass adds its value); the rest
    // walk the new tree by bins now.
    if (m < this.n) this.addTreeToScores(json, tree.bin, this.inSample);
    const validationLogLoss = this.trackValidation();

    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const leaves = json.feature.reduce((acc, f) => acc + (f < 0 ? 1 : 0), 0);
    return {
      round: round + 1,
      seconds,
      rows: m,
      rowsPerSecond: seconds > 0 ? m / seconds : 0,
      trainLoss: trainLogLoss,
      trainLogLoss,
      leaves,
      ...(validationLogLoss === undefined ? {} : { validationLoss: validationLogLoss, validationLogLoss }),
    };
  }

  /**
   * A regression or multiclass round. Tree growth is the binary one (it reads mem.gh and marks leaves); only the
   * gradient pass and the score update differ. Regression, like binary, adds the marked leaf values in the next
   * gradient pass; multiclass computes every class's probabilities once at the start of the round (LightGBM's order),
   * then per class writes gh, grows the tree and adds its leaves to that class's scores. The row passes are split between
   * the threads like binary's (objectives.ts, parallel.ts).
   */
  private roundOther(): RoundStats {
    const started = process.hrtime.bigint();
    const round = this.roundsDone;
    const { n } = this;
    const obj = this.objective;
    const trainLoss = this.kernels.pass(obj.kind === 'regression' ? PASS_REGRESSION : PASS_SOFTMAX, n, 0);
    let rows = 0;
    let leaves = 0;
    for (let c = 0; c < this.perRound; c++) {
      // Growing a tree reorders the row buffers: every class starts from the round's sample again.
      const m = this.sampleRows(round);
      rows += m;
      if (obj.kind === 'multiclass') this.kernels.pass(PASS_CLASS_GRADIENTS, n, c);
      const tree = new TreeBuilder();
      this.growTree(tree, m);
      if (obj.kind === 'regression' && obj.loss === 'l1' && tree.feature.length > 1) this.renewL1Leaves(tree);
      const json = tree.toJson();
      this.trees.push(json);
      this.splitBins.push(tree.bin);
      if (obj.kind === 'multiclass') this.kernels.pass(PASS_APPLY_CLASS, n, c);
      if (m < n) this.addTreeToScores(json, tree.bin, this.inSample, c);
      leaves += json.feature.reduce((acc, f) => acc + (f < 0 ? 1 : 0), 0);
    }
    const validationLoss = this.trackValidation();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { round: round + 1, seconds, rows, rowsPerSecond: seconds > 0 ? rows / seconds : 0, trainLoss, leaves, ...(validationLoss === undefined ? {} : { validationLoss }) };
  }

  /** Everything needed to continue later, as plain JSON (a few KB per tree). */
  checkpoint(): GbdtCheckpoint {
    const obj = this.objective;
    return {
      kind: 'gbdt-checkpoint',
      formatVersion: 2,
      params: { ...this.params },
      ...(obj.kind === 'binary' ? {} : { task: obj.kind }),
      ...(obj.kind === 'multiclass' ? { classes: [...obj.classes], baseScores: [...this.prep.baseScores] } : {}),
      roundsDone: this.roundsDone,
      rows: this.n,
      positives: labelSum(this.label),
      ...(this.target ? { targetSum: sumOf(this.target) } : {}),
      features: this.prep.features.map((f) => ({ ...f })),
      baseScore: this.prep.baseScores[0],
      encoders: this.prep.encoders.map((e) => ({ feature: e.feature, categories: [...e.categories] })),
      binEdges: this.prep.edges.map((e) => Array.from(e)),
      trees: this.trees.map(copyTree),
      splitBins: this.splitBins.map((b) => [...b]),
    };
  }

  /** The model so far (valid after any number of rounds, including zero); with early stopping, up to the best round. */
  model(): GbdtModel {
    const stopping = this.params.earlyStoppingRounds !== undefined && this.validation.length > 0;
    const trees = (stopping ? this.trees.slice(0, this.bestRound * this.perRound) : this.trees).map(copyTree);
    const features = this.prep.features.map((f) => ({ ...f }));
    const params = { ...this.params };
    const encoders = this.prep.encoders.map((e) => ({ feature: e.feature, categories: [...e.categories] }));
    const obj = this.objective;
    // Keys in the order models were always written, so a binary model's JSON is byte for byte what it was.
    if (obj.kind === 'binary') {
      return {
        kind: 'gbdt-binary',
        formatVersion: 2,
        features,
        baseScore: this.prep.baseScores[0],
        params,
        encoders,
        trees,
        ...(stopping ? { earlyStopping: { bestRound: this.bestRound, roundsRun: this.roundsDone, validationRows: this.validation.length, bestValidationLogLoss: this.bestLoss } } : {}),
      };
    }
    const metric: StoppingMetric = obj.kind === 'multiclass' ? 'multi_logloss' : obj.loss;
    const earlyStopping: EarlyStopping | undefined = stopping
      ? { bestRound: this.bestRound, roundsRun: this.roundsDone, validationRows: this.validation.length, metric, bestValidationLoss: this.bestLoss }
      : undefined;
    if (obj.kind === 'regression') {
      return { kind: 'gbdt-regression', formatVersion: 2, features, baseScore: this.prep.baseScores[0], loss: obj.loss, params, encoders, trees, ...(earlyStopping ? { earlyStopping } : {}) };
    }
    return {
      kind: 'gbdt-multiclass',
      formatVersion: 2,
      features,
      classes: [...obj.classes],
      baseScores: [...this.prep.baseScores],
      params,
      encoders,
      trees,
      ...(earlyStopping ? { earlyStopping } : {}),
    };
  }

  /** l1: each leaf becomes the median residual of its rows, shrunk by the learning rate (LightGBM's renewal). */
  private renewL1Leaves(tree: TreeBuilder): void {
    const medians = l1LeafMedians(this.mem.leafOf, this.scores, this.target as Float64Array, tree.feature.length);
    for (let node = 0; node < tree.feature.length; node++) {
      if (tree.feature[node] >= 0 || Number.isNaN(medians[node])) continue;
      const value = Math.fround(medians[node] * this.params.learningRate) + 0;
      tree.value[node] = value;
      this.mem.leafValues[2 * node] = value;
      this.mem.leafValues[2 * node + 1] = Math.exp(-value);
    }
  }

  /** The validation slice's mean loss at the current scores (the task's metric). */
  private validationLoss(): number {
    const obj = this.objective;
    if (obj.kind === 'binary') return meanLogLoss(this.scores, this.label, this.validation);
    if (obj.kind === 'regression') return meanRegressionLoss(this.scores, this.target as Float64Array, this.validation, obj.loss, obj.delta);
    return meanMultiLogLoss(this.classScores as Float64Array, obj.k, this.label, this.validation);
  }

  /** Validation loss after the latest round, remembering the best round; undefined without early stopping. */
  private trackValidation(): number | undefined {
    if (this.params.earlyStoppingRounds === undefined || this.validation.length === 0) return undefined;
    const loss = this.validationLoss();
    if (loss < this.bestLoss) {
      this.bestLoss = loss;
      this.bestRound = this.roundsDone;
    }
    return loss;
  }

  /** Fills rows[0][0..m) with the round's rows in ascending order; the sample depends only on (seed, round). */
  private sampleRows(round: number): number {
    const idx = this.rows[0];
    const { inSample, active } = this;
    const a = active.length;
    if (this.params.subsample >= 1) {
      // Every round starts from ascending rows (the last round's partitions reordered them), so a resumed run
      // adds the same numbers in the same order.
      idx.set(active);
      if (a < this.n) for (let i = 0; i < a; i++) inSample[active[i]] = 1;
      return a;
    }
    const rand = mulberry32(mix32(this.params.seed, round + 1));
    inSample.fill(0);
    let m = 0;
    for (let i = 0; i < a; i++) {
      if (rand() < this.params.subsample) {
        inSample[active[i]] = 1;
        idx[m++] = active[i];
      }
    }
    if (m === 0) {
      // A tiny frame with a tiny subsample can draw nothing; grow on all rows rather than an empty tree.
      idx.set(active);
      for (let i = 0; i < a; i++) inSample[active[i]] = 1;
      m = a;
    }
    return m;
  }

  /**
   * Grows the round's tree level by level on rows[0][0..m): per level, the split search runs here, then one job
   * per (up to `capacity`) nodes moves every node's rows to its children on both threads, builds the histograms
   * the children need and adds leaf values to the scores of rows whose node became a leaf.
   */
  private growTree(tree: TreeBuilder, m: number): void {
    const tasks = this.kernels.tasks;
    const root = tree.add(m);
    const rootHist = this.acquire();
    tasks.histogram(0, 0, m);
    this.kernels.run(1, 0);
    tasks.sumParts(0, rootHist);
    // The root's sums are any one feature's bins added up: every row sits in exactly one bin of feature 0.
    let g = 0;
    let h = 0;
    for (let k = 0; k < this.offsets[1] * 3; k += 3) {
      g += rootHist[k];
      h += rootHist[k + 1];
    }
    let level: Pending[] = [{ node: root, begin: 0, end: m, hist: rootHist, g, h }];
    let src = 0;
    for (let depth = 0; level.length > 0; depth++) {
      const next: Pending[] = [];
      for (let start = 0; start < level.length; start += tasks.capacity) {
        const batch = level.slice(start, start + tasks.capacity);
        const plans = batch.map((p, t) => this.plan(tree, p, depth, t));
        this.kernels.run(batch.length, src);
        batch.forEach((p, t) => this.finish(p, plans[t], t, next));
      }
      level = next;
      src = 1 - src;
    }
  }

  /** Decides a node (split or leaf) and writes its task `t`; null when it becomes a leaf. */
  private plan(tree: TreeBuilder, p: Pending, depth: number, t: number): Plan | null {
    const tasks = this.kernels.tasks;
    const { node, begin, end, hist, g, h } = p;
    const count = end - begin;
    const split = this.canSplit(count, depth) ? this.bestSplit(hist, g, h, count) : null;
    if (!split) {
      this.release(hist);
      const value = leafValue(g, h, this.params);
      tree.value[node] = value;
      tasks.leaf(t, begin, end, node, value);
      return null;
    }
    const rightCount = count - split.leftCount;
    const leftId = tree.add(split.leftCount);
    const rightId = tree.add(rightCount);
    tree.feature[node] = split.feature;
    tree.bin[node] = split.bin;
    if (split.left) {
      const set: number[] = [];
      split.left.forEach((on, b) => on && set.push(b));
      tree.categories[node] = set;
    } else {
      const edges = this.prep.edges[split.feature];
      // The bin past the last edge is "every present value": float32 max keeps that a finite, JSON-safe threshold.
      tree.threshold[node] = split.bin < edges.length ? edges[split.bin] : FLOAT32_MAX;
    }
    tree.missingLeft[node] = split.missingLeft;
    tree.left[node] = leftId;
    tree.right[node] = rightId;
    tree.gain[node] = split.gain;

    // Children that will not split need no histogram: they are leaves, and the task adds their values to their
    // rows' scores. When both will split, the task builds the smaller child's histogram as it moves the rows, and
    // the larger one is the parent's minus it (LightGBM's subtraction).
    const needLeft = this.canSplit(split.leftCount, depth + 1);
    const needRight = this.canSplit(rightCount, depth + 1);
    const leftIsSmall = split.leftCount <= rightCount;
    const side = needLeft && needRight ? (leftIsSmall ? SIDE_LEFT : SIDE_RIGHT) : needLeft ? SIDE_LEFT : needRight ? SIDE_RIGHT : SIDE_NONE;
    const lv = needLeft ? null : leafValue(split.leftG, split.leftH, this.params);
    const rv = needRight ? null : leafValue(g - split.leftG, h - split.leftH, this.params);
    if (lv !== null) tree.value[leftId] = lv;
    if (rv !== null) tree.value[rightId] = rv;
    const goLeft = this.goLeft;
    goLeft.fill(0);
    if (split.left) goLeft.set(split.left);
    else for (let b = 0; b <= this.missingBin[split.feature]; b++) goLeft[b] = b === this.missingBin[split.feature] ? (split.missingLeft ? 1 : 0) : b <= split.bin ? 1 : 0;
    tasks.split(t, begin, end, split.feature, goLeft, split.leftCount, side, leftId, lv, rightId, rv);
    return { split, leftId, rightId, needLeft, needRight, side, leftIsSmall };
  }

  /** After the job: the children's histograms, and the children that split next level. */
  private finish(p: Pending, plan: Plan | null, t: number, next: Pending[]): void {
    if (!plan) return;
    const tasks = this.kernels.tasks;
    const { split, leftId, rightId, needLeft, needRight, side, leftIsSmall } = plan;
    if (tasks.lefts(t) !== split.leftCount) throw new Error('internal: histogram counts disagree with the partition');
    const { hist, begin, end, g, h } = p;
    const mid = begin + split.leftCount;
    const rg = g - split.leftG;
    const rh = h - split.leftH;
    if (side === SIDE_NONE) {
      this.release(hist);
      return;
    }
    if (needLeft && needRight) {
      const built = this.acquire();
      tasks.sumParts(t, built);
      for (let k = 0; k < this.histSize; k++) hist[k] -= built[k];
      next.push({ node: leftId, begin, end: mid, hist: leftIsSmall ? built : hist, g: split.leftG, h: split.leftH });
      next.push({ node: rightId, begin: mid, end, hist: leftIsSmall ? hist : built, g: rg, h: rh });
      return;
    }
    // One child splits on: the parent's buffer takes its histogram.
    tasks.sumParts(t, hist);
    if (needLeft) next.push({ node: leftId, begin, end: mid, hist, g: split.leftG, h: split.leftH });
    else next.push({ node: rightId, begin: mid, end, hist, g: rg, h: rh });
  }

  private canSplit(count: number, depth: number): boolean {
    return depth < this.params.maxDepth && count >= 2 * this.params.minDataInLeaf;
  }

  /** Best (feature, bin or category set, missing side) by second-order gain; ties keep the first found, so results are deterministic. */
  private bestSplit(hist: Float64Array, g: number, h: number, count: number): Split | null {
    const { l2, minDataInLeaf } = this.params;
    const parent = (g * g) / (h + l2);
    let best: Split | null = null;
    let bestGain = MIN_SPLIT_GAIN;
    const consider = (feature: number, bin: number, missingLeft: boolean, lg: number, lh: number, lc: number) => {
      const rc = count - lc;
      const rh = h - lh;
      if (lc < minDataInLeaf || rc < minDataInLeaf || lh < MIN_CHILD_HESSIAN || rh < MIN_CHILD_HESSIAN) return;
      const rg = g - lg;
      const gain = (lg * lg) / (lh + l2) + (rg * rg) / (rh + l2) - parent;
      if (gain > bestGain) {
        bestGain = gain;
        best = { feature, bin, missingLeft, gain, leftCount: lc, leftG: lg, leftH: lh, left: null };
      }
    };
    const limits = { l2, minDataInLeaf, minChildHessian: MIN_CHILD_HESSIAN };
    for (let f = 0; f < this.f; f++) {
      const base = this.offsets[f] * 3;
      const last = this.missingBin[f];
      if (this.isCat[f]) {
        const c = bestCategoricalSplit(hist, base, last + 1, g, h, count, parent, limits, bestGain);
        if (c && c.gain > bestGain) {
          bestGain = c.gain;
          best = { feature: f, bin: -2, missingLeft: c.left[last] === 1, gain: c.gain, leftCount: c.leftCount, leftG: c.leftG, leftH: c.leftH, left: c.left };
        }
        continue;
      }
      const mk = base + last * 3;
      const mg = hist[mk];
      const mh = hist[mk + 1];
      const mc = hist[mk + 2];
      let lg = 0;
      let lh = 0;
      let lc = 0;
      // With no missing rows at this node, splitting after the last present bin separates nothing.
      const lastBin = mc > 0 ? last - 1 : last - 2;
      for (let b = 0; b <= lastBin; b++) {
        const k = base + b * 3;
        lg += hist[k];
        lh += hist[k + 1];
        lc += hist[k + 2];
        if (mc > 0) {
          consider(f, b, false, lg, lh, lc);
          if (b < last - 1) consider(f, b, true, lg + mg, lh + mh, lc + mc);
        } else {
          // No missing values seen here: send future ones to the bigger side, the least surprising guess.
          consider(f, b, lc >= count - lc, lg, lh, lc);
        }
      }
    }
    return best;
  }

  /** Adds a tree's leaf values to the scores (of class `cls`) of every row not marked in `skip`, walking the tree by bins. */
  private addTreeToScores(tree: GbdtTree, splitBin: number[], skip: Uint8Array | null, cls = 0): void {
    if (this.objective.kind !== 'binary') return this.addTreeToOtherScores(tree, splitBin, skip, cls);
    const { bins, scores, expNeg, missingBin } = this;
    const f = this.f;
    const { feature, missingLeft, left, right, value } = tree;
    const member = new Uint8Array(feature.length * 256);
    const expValue = value.map((v) => Math.exp(-v));
    tree.categories?.forEach((set, node) => set.forEach((b) => (member[node * 256 + b] = 1)));
    for (let row = 0; row < this.n; row++) {
      if (skip && skip[row]) continue;
      let node = 0;
      while (feature[node] >= 0) {
        const col = feature[node];
        const b = bins[row * f + col];
        const goLeft = splitBin[node] === -2 ? member[node * 256 + b] === 1 : b === missingBin[col] ? missingLeft[node] : b <= splitBin[node];
        node = goLeft ? left[node] : right[node];
      }
      addScore(scores, expNeg, row, value[node], expValue[node]);
    }
  }

  /** addTreeToScores for regression (mem.scores) and multiclass (class `cls` of classScores): plain additions. */
  private addTreeToOtherScores(tree: GbdtTree, splitBin: number[], skip: Uint8Array | null, cls: number): void {
    const { bins, missingBin } = this;
    const f = this.f;
    const scores = this.classScores ?? this.scores;
    const k = this.perRound;
    const { feature, missingLeft, left, right, value } = tree;
    const member = new Uint8Array(feature.length * 256);
    tree.categories?.forEach((set, node) => set.forEach((b) => (member[node * 256 + b] = 1)));
    for (let row = 0; row < this.n; row++) {
      if (skip && skip[row]) continue;
      let node = 0;
      while (feature[node] >= 0) {
        const col = feature[node];
        const b = bins[row * f + col];
        const goLeft = splitBin[node] === -2 ? member[node * 256 + b] === 1 : b === missingBin[col] ? missingLeft[node] : b <= splitBin[node];
        node = goLeft ? left[node] : right[node];
      }
      scores[row * k + cls] += value[node];
    }
  }

  private acquire(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histSize);
  }

  private release(hist: Float64Array): void {
    this.pool.push(hist);
  }
}

/** Newton step for the leaf, shrunk by the learning rate, rounded to float32 because that is what ONNX stores. */
function leafValue(g: number, h: number, params: GbdtParams): number {
  const denom = h + params.l2;
  // `+ 0` turns -0 into 0: JSON drops the sign anyway, and a checkpointed model must equal the live one.
  return denom > 0 ? Math.fround((-g / denom) * params.learningRate) + 0 : 0;
}

function copyTree(t: GbdtTree): GbdtTree {
  return {
    feature: [...t.feature],
    threshold: [...t.threshold],
    missingLeft: [...t.missingLeft],
    left: [...t.left],
    right: [...t.right],
    value: [...t.value],
    gain: [...t.gain],
    count: [...t.count],
    ...(t.categories ? { categories: t.categories.map((s) => [...s]) } : {}),
  };
}

/** The early-stopping validation slice: a pure function of (row, seed), so a resumed run carves the same rows. */
function validationSplit(n: number, params: GbdtParams): { active: Uint32Array; validation: Uint32Array; isValidation: Uint8Array | null } {
  const all = () => {
    const rows = new Uint32Array(n);
    for (let i = 0; i < n; i++) rows[i] = i;
    return { active: rows, validation: new Uint32Array(0), isValidation: null };
  };
  if (params.earlyStoppingRounds === undefined) return all();
  const share = params.validationShare ?? DEFAULT_VALIDATION_SHARE;
  const isValidation = new Uint8Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (mix32(i, params.seed ^ 0x7a11d) / 4294967296 < share) {
      isValidation[i] = 1;
      v++;
    }
  }
  // Too few rows to carve from: train on all, and early stopping has nothing to watch.
  if (v === 0 || v === n) return all();
  const active = new Uint32Array(n - v);
  const validation = new Uint32Array(v);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (isValidation[i]) validation[b++] = i;
    else active[a++] = i;
  }
  return { active, validation, isValidation };
}

function checkFrame(frame: Frame, objective: Objective): void {
  if (frame.rows < 1) throw new ModelInputError('cannot train on an empty frame');
  if (frame.features.length < 1) throw new ModelInputError('cannot train without features');
  if (frame.label.length !== frame.rows) throw new ModelInputError(`label has ${frame.label.length} values for ${frame.rows} rows`);
  const seen = new Set<string>();
  for (const c of frame.features) {
    if (seen.has(c.name)) throw new ModelInputError(`feature ${c.name} appears twice`);
    seen.add(c.name);
    const len = c.kind === 'numeric' ? c.values.length : c.codes.length;
    if (len !== frame.rows) throw new ModelInputError(`feature ${c.name} has ${len} values for ${frame.rows} rows`);
  }
  if (objective.kind === 'binary') {
    for (let i = 0; i < frame.rows; i++) {
      if (frame.label[i] > 1) throw new ModelInputError(`label must be 0/1, row ${i} is ${frame.label[i]}`);
    }
  } else if (objective.kind === 'multiclass') {
    for (let i = 0; i < frame.rows; i++) {
      if (frame.label[i] >= objective.k) throw new ModelInputError(`label must be a class index below ${objective.k}, row ${i} is ${frame.label[i]}`);
    }
  } else {
    const target = frame.target;
    if (!target) throw new ModelInputError('a regression frame needs target values (frame.target)');
    if (target.length !== frame.rows) throw new ModelInputError(`target has ${target.length} values for ${frame.rows} rows`);
    for (let i = 0; i < frame.rows; i++) {
      if (!Number.isFinite(target[i])) throw new ModelInputError(`target must be finite, row ${i} is ${target[i]}`);
    }
  }
}

function labelSum(label: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < label.length; i++) sum += label[i];
  return sum;
}

function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}

function sumOf(values: Float64Array | undefined): number {
  let sum = 0;
  if (values) for (let i = 0; i < values.length; i++) sum += values[i];
  return sum;
}

/** Per feature: numeric values as they are, categorical as codes (category index, OTHER, MISSING). */
function encodeFrame(frame: Frame, features: ModelFeature[], encoders: CategoryEncoder[]): Float32Array[] {
  return features.map((f, j) => {
    const col = frame.features[j];
    if (col.name !== f.name || col.kind !== f.type) throw new GbdtCheckpointMismatch(`feature ${j} is ${col.name}, expected ${f.name}`);
    if (col.kind === 'numeric') return col.values;
    const enc = encoders.find((e) => e.feature === f.name);
    return encodeCategoryCodes(col, enc ? enc.categories : []);
  });
}

function prepare(frame: Frame, params: GbdtParams, objective: Objective): Prepared {
  const features: ModelFeature[] = frame.features.map((c) => ({ name: c.name, type: c.kind }));
  const encoders: CategoryEncoder[] = [];
  for (const c of frame.features) {
    if (c.kind === 'categorical') encoders.push({ feature: c.name, categories: chooseCategories(c) });
  }
  const edges = frame.features.map((c, j) => (c.kind === 'numeric' ? binEdges(c.values, params.maxBins, mix32(params.seed, 0x5eed0000 + j)) : new Float32Array(0)));
  const { active } = validationSplit(frame.rows, params);
  return { features, encoders, edges, baseScores: startScores(frame, active, objective) };
}

/**
 * The scores boosting starts from, computed on the rows it trains on (LightGBM's boost_from_average), float32:
 * binary the prior log-odds; regression the mean (l2) or the median (l1, huber); multiclass each class's log share.
 */
function startScores(frame: Frame, active: Uint32Array, objective: Objective): number[] {
  const a = active.length;
  if (objective.kind === 'regression') {
    const target = frame.target as Float64Array;
    if (objective.loss === 'l2') {
      let sum = 0;
      for (let i = 0; i < a; i++) sum += target[active[i]];
      return [Math.fround(sum / a)];
    }
    const values = new Float64Array(a);
    for (let i = 0; i < a; i++) values[i] = target[active[i]];
    values.sort();
    const mid = a >>> 1;
    return [Math.fround(a % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2)];
  }
  if (objective.kind === 'multiclass') {
    const counts = new Float64Array(objective.k);
    for (let i = 0; i < a; i++) counts[frame.label[active[i]]]++;
    // Clipped like LightGBM's kEpsilon: a class absent from training still gets a finite start.
    return Array.from(counts, (c) => Math.fround(Math.log(Math.max(c / a, 1e-15))));
  }
  let positives = 0;
  for (let i = 0; i < a; i++) positives += frame.label[active[i]];
  // Clipped prior log-odds: a one-class frame still gets a finite start.
  const prior = Math.min(Math.max(positives / a, 1e-6), 1 - 1e-6);
  return [Math.fround(Math.log(prior / (1 - prior)))];
}

/** Creates a trainer to drive round by round (the Temporal activity heartbeats and checkpoints between rounds). */
export function createTrainer(frame: Frame, params: GbdtParamsInput = {}, options: TrainerOptions = {}): GbdtTrainer {
  return GbdtTrainer.create(frame, params, options);
}

/** Trains all rounds in one go; `onRound` sees each round's stats. */
export function trainGbdt(frame: Frame, params: GbdtParamsInput = {}, onRound?: (stats: RoundStats) => void, options: TrainerOptions = {}): GbdtModel {
  const trainer = GbdtTrainer.create(frame, params, options);
  try {
    while (!trainer.done) {
      const stats = trainer.round();
      onRound?.(stats);
    }
    return trainer.model();
  } finally {
    trainer.close();
  }
}
