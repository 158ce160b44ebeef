// Histogram gradient-boosted trees for binary log loss; hand-written because no maintained JS GBDT exports ONNX.
import { z } from 'zod';
import type { Frame } from '../data/frame';
import { GbdtParams } from '../spec/dataset';
import { assignBins, binEdges, encodeCategorical, FLOAT32_MAX, orderCategories } from './binning';
import { CategoryEncoder, GbdtModel, GbdtTree, ModelFeature, ModelInputError } from './gbdt-model';
import { mix32, mulberry32 } from './prng';

export {
  CategoryEncoder,
  GbdtModel,
  GbdtTree,
  ModelFeature,
  ModelInputError,
  featureImportance,
  predictProba,
  predictRaw,
  sigmoid,
} from './gbdt-model';
export type { FeatureImportance } from './gbdt-model';

/** LightGBM's min_sum_hessian_in_leaf: keeps leaf values finite where the model is already sure. */
const MIN_CHILD_HESSIAN = 1e-3;
/** A split must reduce the loss by more than rounding noise. */
const MIN_SPLIT_GAIN = 1e-12;

/** What callers pass: any subset of the params, defaults from the spec schema fill the rest. */
export type GbdtParamsInput = z.input<typeof GbdtParams>;

export const GbdtCheckpoint = z
  .object({
    kind: z.literal('gbdt-checkpoint'),
    formatVersion: z.literal(1),
    params: GbdtParams,
    roundsDone: z.number().int().min(0),
    /** Fingerprint of the training frame, so a resume on different data fails loudly instead of drifting. */
    rows: z.number().int().min(1),
    positives: z.number().int().min(0),
    features: z.array(ModelFeature),
    baseScore: z.number(),
    encoders: z.array(CategoryEncoder),
    /** Bin edges per feature; stored so a resume bins exactly as the interrupted run did. */
    binEdges: z.array(z.array(z.number())),
    trees: z.array(GbdtTree),
    /** Per tree and node, the split bin (-1 on leaves); training scores are rebuilt from these on resume. */
    splitBins: z.array(z.array(z.number().int().min(-1))),
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
  /** Mean log loss of all training rows before this round's tree. */
  trainLogLoss: number;
  leaves: number;
}

/** A checkpoint that does not belong to this frame or these params. */
export class GbdtCheckpointMismatch extends Error {
  override name = 'GbdtCheckpointMismatch';
}

interface Split {
  feature: number;
  bin: number;
  missingLeft: boolean;
  gain: number;
  leftCount: number;
  leftG: number;
  leftH: number;
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
    };
  }
}

interface Prepared {
  features: ModelFeature[];
  encoders: CategoryEncoder[];
  edges: Float32Array[];
  baseScore: number;
}

export class GbdtTrainer {
  private readonly n: number;
  private readonly f: number;
  /** Row-major bins: bins[row * f + feature]. One byte per cell since maxBins <= 255 (+1 missing bin). */
  private readonly bins: Uint8Array;
  /** First histogram slot of each feature; the feature's missing bin is its last slot. */
  private readonly offsets: Int32Array;
  private readonly missingBin: Int32Array;
  private readonly histSize: number;
  private readonly label: Uint8Array;
  private readonly scores: Float64Array;
  private readonly grad: Float64Array;
  private readonly hess: Float64Array;
  /** Rows of the current round, partitioned in place so every tree node owns a contiguous range. */
  private readonly idx: Uint32Array;
  private readonly tmp: Uint32Array;
  private readonly inSample: Uint8Array;
  private readonly pool: Float64Array[] = [];
  private readonly trees: GbdtTree[] = [];
  private readonly splitBins: number[][] = [];

  private constructor(
    frame: Frame,
    private readonly params: GbdtParams,
    private readonly prep: Prepared,
  ) {
    this.n = frame.rows;
    this.f = prep.features.length;
    this.label = frame.label;
    this.bins = new Uint8Array(this.n * this.f);
    this.offsets = new Int32Array(this.f + 1);
    this.missingBin = new Int32Array(this.f);
    const cols = encodeFrame(frame, prep.features, prep.encoders);
    for (let j = 0; j < this.f; j++) {
      const edges = prep.edges[j];
      this.missingBin[j] = edges.length + 1;
      this.offsets[j + 1] = this.offsets[j] + edges.length + 2;
      assignBins(cols[j], edges, this.bins, this.f, j);
    }
    this.histSize = this.offsets[this.f] * 3;
    this.scores = new Float64Array(this.n).fill(prep.baseScore);
    this.grad = new Float64Array(this.n);
    this.hess = new Float64Array(this.n);
    this.idx = new Uint32Array(this.n);
    this.tmp = new Uint32Array(this.n);
    this.inSample = new Uint8Array(this.n);
  }

  /** A fresh trainer: encodes categories, finds bin edges and the base score on `frame`. */
  static create(frame: Frame, params: GbdtParamsInput = {}): GbdtTrainer {
    const p = GbdtParams.parse(params);
    checkFrame(frame);
    return new GbdtTrainer(frame, p, prepare(frame, p));
  }

  /**
   * Continues from a checkpoint on the same frame. The result is identical to a run that was never interrupted:
   * binning comes from the checkpoint, training scores are rebuilt from its trees in the same order, and each
   * round's random sample depends only on (seed, round). `params.rounds` may be raised to train further.
   */
  static resume(frame: Frame, params: GbdtParamsInput, checkpoint: GbdtCheckpoint): GbdtTrainer {
    const p = GbdtParams.parse(params);
    const cp = GbdtCheckpoint.parse(checkpoint);
    checkFrame(frame);
    const { rounds: _r1, checkpointEvery: _c1, ...want } = p;
    const { rounds: _r2, checkpointEvery: _c2, ...had } = cp.params;
    if (JSON.stringify(want) !== JSON.stringify(had)) {
      throw new GbdtCheckpointMismatch(`checkpoint was trained with ${JSON.stringify(had)}, resume asks for ${JSON.stringify(want)}`);
    }
    let positives = 0;
    for (let i = 0; i < frame.rows; i++) positives += frame.label[i];
    const names = frame.features.map((c) => `${c.name}:${c.kind}`).join(',');
    const cpNames = cp.features.map((c) => `${c.name}:${c.type}`).join(',');
    if (cp.rows !== frame.rows || cp.positives !== positives || names !== cpNames) {
      throw new GbdtCheckpointMismatch(
        `checkpoint is for ${cp.rows} rows / ${cp.positives} positives / [${cpNames}], frame has ${frame.rows} / ${positives} / [${names}]`,
      );
    }
    if (cp.trees.length !== cp.roundsDone || cp.splitBins.length !== cp.roundsDone) {
      throw new GbdtCheckpointMismatch(`checkpoint says ${cp.roundsDone} rounds but holds ${cp.trees.length} trees`);
    }
    const trainer = new GbdtTrainer(frame, p, {
      features: cp.features,
      encoders: cp.encoders,
      edges: cp.binEdges.map((e) => Float32Array.from(e)),
      baseScore: cp.baseScore,
    });
    for (let t = 0; t < cp.trees.length; t++) {
      trainer.trees.push(cp.trees[t]);
      trainer.splitBins.push(cp.splitBins[t]);
      trainer.addTreeToScores(cp.trees[t], cp.splitBins[t], null);
    }
    return trainer;
  }

  /** Releases helper threads (none yet); the trainer is unusable afterwards. */
  close(): void {}

  get roundsDone(): number {
    return this.trees.length;
  }

  get totalRounds(): number {
    return this.params.rounds;
  }

  get done(): boolean {
    return this.trees.length >= this.params.rounds;
  }

  /** Grows one tree. Throws once `params.rounds` trees exist. */
  round(): RoundStats {
    if (this.done) throw new Error(`all ${this.params.rounds} rounds are done`);
    const started = process.hrtime.bigint();
    const round = this.trees.length;
    const trainLogLoss = this.computeGradients();
    const m = this.sampleRows(round);

    let g = 0;
    let h = 0;
    for (let i = 0; i < m; i++) {
      g += this.grad[this.idx[i]];
      h += this.hess[this.idx[i]];
    }
    const tree = new TreeBuilder();
    const root = tree.add(m);
    const rootHist = this.acquire();
    this.buildHist(rootHist, 0, m);
    this.grow(tree, root, 0, m, rootHist, g, h, 0);

    const json = tree.toJson();
    this.trees.push(json);
    this.splitBins.push(tree.bin);
    // Sampled rows got their leaf value while the tree grew; the rest walk the new tree by bins.
    if (m < this.n) this.addTreeToScores(json, tree.bin, this.inSample);

    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const leaves = json.feature.reduce((acc, f) => acc + (f < 0 ? 1 : 0), 0);
    return { round: round + 1, seconds, rows: m, rowsPerSecond: seconds > 0 ? m / seconds : 0, trainLogLoss, leaves };
  }

  /** Everything needed to continue later, as plain JSON (a few KB per tree). */
  checkpoint(): GbdtCheckpoint {
    let positives = 0;
    for (let i = 0; i < this.n; i++) positives += this.label[i];
    return {
      kind: 'gbdt-checkpoint',
      formatVersion: 1,
      params: { ...this.params },
      roundsDone: this.trees.length,
      rows: this.n,
      positives,
      features: this.prep.features.map((f) => ({ ...f })),
      baseScore: this.prep.baseScore,
      encoders: this.prep.encoders.map((e) => ({ feature: e.feature, categories: [...e.categories] })),
      binEdges: this.prep.edges.map((e) => Array.from(e)),
      trees: this.trees.map(copyTree),
      splitBins: this.splitBins.map((b) => [...b]),
    };
  }

  /** The model so far (valid after any number of rounds, including zero). */
  model(): GbdtModel {
    return {
      kind: 'gbdt-binary',
      formatVersion: 1,
      features: this.prep.features.map((f) => ({ ...f })),
      baseScore: this.prep.baseScore,
      params: { ...this.params },
      encoders: this.prep.encoders.map((e) => ({ feature: e.feature, categories: [...e.categories] })),
      trees: this.trees.map(copyTree),
    };
  }

  /** Log-loss gradients at the current scores; returns the mean loss as a by-product. */
  private computeGradients(): number {
    const { scores, grad, hess, label } = this;
    let loss = 0;
    for (let i = 0; i < this.n; i++) {
      const s = scores[i];
      const e = Math.exp(-Math.abs(s));
      const p = s >= 0 ? 1 / (1 + e) : e / (1 + e);
      const y = label[i];
      grad[i] = p - y;
      hess[i] = Math.max(p * (1 - p), 1e-16);
      // softplus(s) - y*s, written to stay finite for large |s|.
      loss += Math.max(s, 0) + Math.log1p(e) - y * s;
    }
    return loss / this.n;
  }

  /** Fills idx[0..m) with the round's rows in ascending order; the sample depends only on (seed, round). */
  private sampleRows(round: number): number {
    const { idx, inSample } = this;
    if (this.params.subsample >= 1) {
      for (let i = 0; i < this.n; i++) idx[i] = i;
      return this.n;
    }
    const rand = mulberry32(mix32(this.params.seed, round + 1));
    let m = 0;
    for (let i = 0; i < this.n; i++) {
      const take = rand() < this.params.subsample;
      inSample[i] = take ? 1 : 0;
      if (take) idx[m++] = i;
    }
    if (m === 0) {
      // A tiny frame with a tiny subsample can draw nothing; grow on all rows rather than an empty tree.
      for (let i = 0; i < this.n; i++) {
        idx[i] = i;
        inSample[i] = 1;
      }
      m = this.n;
    }
    return m;
  }

  private grow(tree: TreeBuilder, node: number, begin: number, end: number, hist: Float64Array | null, g: number, h: number, depth: number): void {
    const count = end - begin;
    const split = hist && this.canSplit(count, depth) ? this.bestSplit(hist, g, h, count) : null;
    if (!split || !hist) {
      if (hist) this.release(hist);
      this.makeLeaf(tree, node, begin, end, g, h);
      return;
    }
    this.partition(begin, end, split);
    const mid = begin + split.leftCount;
    const rightCount = count - split.leftCount;
    const leftId = tree.add(split.leftCount);
    const rightId = tree.add(rightCount);
    const edges = this.prep.edges[split.feature];
    tree.feature[node] = split.feature;
    tree.bin[node] = split.bin;
    // The bin past the last edge is "every present value": float32 max keeps that a finite, JSON-safe threshold.
    tree.threshold[node] = split.bin < edges.length ? edges[split.bin] : FLOAT32_MAX;
    tree.missingLeft[node] = split.missingLeft;
    tree.left[node] = leftId;
    tree.right[node] = rightId;
    tree.gain[node] = split.gain;

    // Children that will not split need no histogram. When both will, build the smaller child's histogram
    // from its rows and get the larger one by subtracting from the parent's (LightGBM's subtraction trick).
    const needLeft = this.canSplit(split.leftCount, depth + 1);
    const needRight = this.canSplit(rightCount, depth + 1);
    let leftHist: Float64Array | null = null;
    let rightHist: Float64Array | null = null;
    if (needLeft && needRight) {
      const small = this.acquire();
      const leftIsSmall = split.leftCount <= rightCount;
      this.buildHist(small, leftIsSmall ? begin : mid, leftIsSmall ? mid : end);
      for (let k = 0; k < this.histSize; k++) hist[k] -= small[k];
      leftHist = leftIsSmall ? small : hist;
      rightHist = leftIsSmall ? hist : small;
    } else {
      if (needLeft) {
        leftHist = hist;
        this.buildHist(leftHist, begin, mid);
      } else if (needRight) {
        rightHist = hist;
        this.buildHist(rightHist, mid, end);
      } else this.release(hist);
    }
    this.grow(tree, leftId, begin, mid, leftHist, split.leftG, split.leftH, depth + 1);
    this.grow(tree, rightId, mid, end, rightHist, g - split.leftG, h - split.leftH, depth + 1);
  }

  private canSplit(count: number, depth: number): boolean {
    return depth < this.params.maxDepth && count >= 2 * this.params.minDataInLeaf;
  }

  private makeLeaf(tree: TreeBuilder, node: number, begin: number, end: number, g: number, h: number): void {
    const value = leafValue(g, h, this.params);
    tree.value[node] = value;
    const { idx, scores } = this;
    for (let i = begin; i < end; i++) scores[idx[i]] += value;
  }

  /** Best (feature, bin, missing side) by second-order gain; ties keep the first found, so results are deterministic. */
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
        best = { feature, bin, missingLeft, gain, leftCount: lc, leftG: lg, leftH: lh };
      }
    };
    for (let f = 0; f < this.f; f++) {
      const base = this.offsets[f] * 3;
      const last = this.missingBin[f];
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

  private buildHist(hist: Float64Array, begin: number, end: number): void {
    hist.fill(0);
    const { idx, bins, grad, hess, offsets } = this;
    const f = this.f;
    for (let i = begin; i < end; i++) {
      const row = idx[i];
      const gi = grad[row];
      const hi = hess[row];
      const base = row * f;
      for (let j = 0; j < f; j++) {
        const k = (offsets[j] + bins[base + j]) * 3;
        hist[k] += gi;
        hist[k + 1] += hi;
        hist[k + 2] += 1;
      }
    }
  }

  /** Stable partition of idx[begin..end): rows going left first, each side keeping ascending row order. */
  private partition(begin: number, end: number, split: Split): void {
    const { idx, tmp, bins } = this;
    const f = this.f;
    const col = split.feature;
    const missing = this.missingBin[col];
    let l = begin;
    let r = begin + split.leftCount;
    for (let i = begin; i < end; i++) {
      const row = idx[i];
      const b = bins[row * f + col];
      if (b === missing ? split.missingLeft : b <= split.bin) tmp[l++] = row;
      else tmp[r++] = row;
    }
    if (l !== begin + split.leftCount || r !== end) throw new Error('internal: histogram counts disagree with the partition');
    idx.set(tmp.subarray(begin, end), begin);
  }

  /** Adds a tree's leaf values to the scores of every row not marked in `skip`, walking the tree by bins. */
  private addTreeToScores(tree: GbdtTree, splitBin: number[], skip: Uint8Array | null): void {
    const { bins, scores } = this;
    const f = this.f;
    const { feature, missingLeft, left, right, value } = tree;
    for (let row = 0; row < this.n; row++) {
      if (skip && skip[row]) continue;
      let node = 0;
      while (feature[node] >= 0) {
        const col = feature[node];
        const b = bins[row * f + col];
        const goLeft = b === this.missingBin[col] ? missingLeft[node] : b <= splitBin[node];
        node = goLeft ? left[node] : right[node];
      }
      scores[row] += value[node];
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
  };
}

function checkFrame(frame: Frame): void {
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
  for (let i = 0; i < frame.rows; i++) {
    if (frame.label[i] > 1) throw new ModelInputError(`label must be 0/1, row ${i} is ${frame.label[i]}`);
  }
}

function encodeFrame(frame: Frame, features: ModelFeature[], encoders: CategoryEncoder[]): Float32Array[] {
  return features.map((f, j) => {
    const col = frame.features[j];
    if (col.name !== f.name || col.kind !== f.type) throw new GbdtCheckpointMismatch(`feature ${j} is ${col.name}, expected ${f.name}`);
    if (col.kind === 'numeric') return col.values;
    const enc = encoders.find((e) => e.feature === f.name);
    return encodeCategorical(col, enc ? enc.categories : []);
  });
}

function prepare(frame: Frame, params: GbdtParams): Prepared {
  const features: ModelFeature[] = frame.features.map((c) => ({ name: c.name, type: c.kind }));
  const encoders: CategoryEncoder[] = [];
  for (const c of frame.features) {
    if (c.kind === 'categorical') encoders.push({ feature: c.name, categories: orderCategories(c, frame.label) });
  }
  const cols = encodeFrame(frame, features, encoders);
  const edges = cols.map((values, j) => binEdges(values, params.maxBins, mix32(params.seed, 0x5eed0000 + j)));
  let positives = 0;
  for (let i = 0; i < frame.rows; i++) positives += frame.label[i];
  // Clipped prior log-odds: a one-class frame still gets a finite start.
  const prior = Math.min(Math.max(positives / frame.rows, 1e-6), 1 - 1e-6);
  return { features, encoders, edges, baseScore: Math.fround(Math.log(prior / (1 - prior))) };
}

/** Creates a trainer to drive round by round (the Temporal activity heartbeats and checkpoints between rounds). */
export function createTrainer(frame: Frame, params: GbdtParamsInput = {}): GbdtTrainer {
  return GbdtTrainer.create(frame, params);
}

/** Trains all rounds in one go; `onRound` sees each round's stats. */
export function trainGbdt(frame: Frame, params: GbdtParamsInput = {}, onRound?: (stats: RoundStats) => void): GbdtModel {
  const trainer = GbdtTrainer.create(frame, params);
  while (!trainer.done) {
    const stats = trainer.round();
    onRound?.(stats);
  }
  return trainer.model();
}
