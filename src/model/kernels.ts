// The trainer's per-level work as a task table that the training thread and its helper run the same way, and the
// row loops that are not in WebAssembly (scores and gradients).
import { WASM_EXP_RANGE, wasmKernels, type WasmKernels } from './wasm-kernels';

/** Which child's histogram a partition also accumulates. */
export const SIDE_NONE = 0;
export const SIDE_LEFT = 1;
export const SIDE_RIGHT = 2;

/** Scores past this size recompute exp(-score) instead of multiplying (the product would lose its range). */
const EXP_RANGE = WASM_EXP_RANGE;

/**
 * Adds leaf value v to a row's score and keeps expNeg[row] = exp(-score) by multiplying it with ev = exp(-v): the
 * gradients then need no exp per row (it was a third of their time). Every score update goes through this or its
 * WebAssembly twin in the gradient pass (the same operations), so a resumed run rebuilds bit-identical values.
 */
export function addScore(scores: Float64Array, expNeg: Float64Array, row: number, v: number, ev: number): void {
  const s = scores[row] + v;
  scores[row] = s;
  let e = expNeg[row] * ev;
  if (!(e > 1 / EXP_RANGE && e < EXP_RANGE)) e = Math.exp(-s);
  expNeg[row] = e;
}

// A level's work is a table of tasks, each over one node's row range; every task is cut at its midpoint into part 0
// (done by the training thread) and part 1 (by the helper, or after part 0 without one). The cut never depends on the
// thread count, and part histograms are added in part order, so any thread count makes the same model.
export const TASK_HISTOGRAM = 1;
export const TASK_SPLIT = 2;
export const TASK_LEAF = 3;
const KIND = 0;
const BEGIN = 1;
const END = 2;
const COL = 3;
const LEFT_COUNT = 4;
const SIDE = 5;
const LEAVES = 6;
/** Lefts found by part 0 and part 1. */
const LEFTS = 7;
/** Node ids of the leaf (leaf task) or of the children that are leaves (split task). */
const LEFT_ID = 9;
const RIGHT_ID = 10;
export const TASK_WORDS = 11;

/** Tasks per job at most; a level with more nodes takes several jobs. */
const MAX_TASKS = 128;
/** Doubles of part histograms per part at most (a wide frame gets fewer tasks per job). */
const PART_BUDGET = 1 << 19;

/** A task table's arrays, in the training memory: the trainer fills it, both threads run it. */
export interface TaskBuffers {
  capacity: number;
  tasks: Int32Array;
  /** 256 bytes per task: 1 for the bins whose rows go left. */
  goLeft: Uint8Array;
  /** Per part, per task, one histogram of histSize doubles. */
  parts: Float64Array;
}

/**
 * The big arrays of a trainer in one shared WebAssembly memory, so the generated loops (wasm-kernels.ts) and both
 * threads see them: bins, gradients, the two row buffers and the task table.
 */
export interface TrainingMemory {
  memory: WebAssembly.Memory;
  pages: number;
  /** Row-major bins: bins[row * f + feature]. One byte per cell (<= 255 bins; missing is the last). */
  bins: Uint8Array;
  /** Gradient and hessian of each row, interleaved, so the histogram loop reads them together. */
  gh: Float32Array;
  /** The two row buffers: a level reads its nodes' rows from one and writes the children's rows to the other. */
  rows: [Uint32Array, Uint32Array];
  /**
   * The leaf of the latest tree each row landed in, -1 when its score is up to date. Growing a tree only marks
   * rows (a scattered 4-byte write); the next gradient pass adds the leaf values in row order (see addScore).
   */
  leafOf: Int32Array;
  /** [value, exp(-value)] per node id of the latest tree. */
  leafValues: Float64Array;
  scores: Float64Array;
  /** exp(-score) of each row, kept beside the scores (see addScore). */
  expNeg: Float64Array;
  label: Uint8Array;
  table: TaskBuffers;
}

const WASM_PAGE = 65536;
const WASM_MAX_PAGES = 65536;

export function allocateTrainingMemory(n: number, f: number, histSize: number, maxNodes: number): TrainingMemory {
  const capacity = Math.max(1, Math.min(MAX_TASKS, Math.floor(PART_BUDGET / histSize)));
  let bytes = 0;
  const take = (size: number) => {
    const at = bytes;
    bytes += Math.ceil(size / 16) * 16;
    return at;
  };
  const at = {
    scores: take(n * 8),
    expNeg: take(n * 8),
    gh: take(n * 8),
    label: take(n),
    bins: take(n * f),
    rows0: take(n * 4),
    rows1: take(n * 4),
    leafOf: take(n * 4),
    leafValues: take(maxNodes * 16),
    tasks: take(capacity * TASK_WORDS * 4),
    goLeft: take(capacity * 256),
    parts: take(2 * capacity * histSize * 8),
  };
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE));
  if (pages > WASM_MAX_PAGES) throw new RangeError(`${n} rows x ${f} features need ${Math.ceil(bytes / 2 ** 20)} MiB of training memory, more than the 4 GiB a WebAssembly memory holds`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const buf = memory.buffer;
  return {
    memory,
    pages,
    bins: new Uint8Array(buf, at.bins, n * f),
    gh: new Float32Array(buf, at.gh, n * 2),
    rows: [new Uint32Array(buf, at.rows0, n), new Uint32Array(buf, at.rows1, n)],
    leafOf: new Int32Array(buf, at.leafOf, n).fill(-1),
    leafValues: new Float64Array(buf, at.leafValues, maxNodes * 2),
    scores: new Float64Array(buf, at.scores, n),
    expNeg: new Float64Array(buf, at.expNeg, n),
    label: new Uint8Array(buf, at.label, n),
    table: {
      capacity,
      tasks: new Int32Array(buf, at.tasks, capacity * TASK_WORDS),
      goLeft: new Uint8Array(buf, at.goLeft, capacity * 256),
      parts: new Float64Array(buf, at.parts, 2 * capacity * histSize),
    },
  };
}

/** What a thread needs to run tasks: the training memory and the layout of a row's features. */
export interface TaskData {
  mem: TrainingMemory;
  f: number;
  /** First histogram slot ([g, h, count]) of each feature. */
  slots: Int32Array;
  histSize: number;
}

/** Runs one part of every task in a table; the same code in both threads. */
export class TaskRunner {
  private readonly k: WasmKernels;
  private readonly hists: Float64Array[][];

  constructor(private readonly data: TaskData) {
    const { mem, f, slots, histSize } = data;
    this.k = wasmKernels(
      {
        bins: mem.bins.byteOffset,
        gh: mem.gh.byteOffset,
        leafOf: mem.leafOf.byteOffset,
        leafValues: mem.leafValues.byteOffset,
        scores: mem.scores.byteOffset,
        expNeg: mem.expNeg.byteOffset,
        label: mem.label.byteOffset,
        f,
        slots,
      },
      mem.memory,
      mem.pages,
    );
    const table = mem.table;
    const views = (part: number) => Array.from({ length: table.capacity }, (_, t) => table.parts.subarray((part * table.capacity + t) * histSize, (part * table.capacity + t + 1) * histSize));
    this.hists = [views(0), views(1)];
  }

  /** Gradients of rows [begin, end) and their loss sums (see logLossGradients). */
  gradients(begin: number, end: number, lossMask: Uint8Array | null, sums: Float64Array): void {
    logLossGradients(this.k, this.data.mem, begin, end, lossMask, sums);
  }

  /** Part `part` of tasks [0, count): rows from buffer `src`, children's rows to the other, histograms to part slots. */
  run(part: number, count: number, src: number): void {
    const { tasks, goLeft } = this.data.mem.table;
    const from = this.data.mem.rows[src];
    const to = this.data.mem.rows[1 - src];
    const k = this.k;
    for (let t = 0; t < count; t++) {
      const w = t * TASK_WORDS;
      const b0 = tasks[w + BEGIN];
      const e0 = tasks[w + END];
      const mid = b0 + ((e0 - b0) >>> 1);
      const begin = part === 0 ? b0 : mid;
      const end = part === 0 ? mid : e0;
      const kind = tasks[w + KIND];
      if (kind === TASK_LEAF) {
        k.mark(from.byteOffset, begin, end, tasks[w + LEFT_ID]);
      } else if (kind === TASK_HISTOGRAM) {
        const out = this.hists[part][t];
        out.fill(0);
        k.histogram(out.byteOffset, from.byteOffset, begin, end);
      } else {
        const side = tasks[w + SIDE];
        const out = this.hists[part][t];
        if (side !== SIDE_NONE) out.fill(0);
        const leaves = tasks[w + LEAVES];
        // The children's rows: [lefts of part 0 | lefts of part 1 | rights of part 0 | rights of part 1]. Part 0
        // fills its sides from their starts, part 1 from their ends, so neither needs the other's counts (the node's
        // left count is known from its histogram; a wrong one is caught after the job).
        const col = tasks[w + COL];
        const sideLeft = side === SIDE_LEFT ? 1 : side === SIDE_RIGHT ? 0 : -1;
        const split = b0 + tasks[w + LEFT_COUNT];
        const go = goLeft.byteOffset + t * 256;
        const lefts =
          leaves === 3
            ? k.markSplit(col, go, from.byteOffset, begin, end, tasks[w + LEFT_ID], tasks[w + RIGHT_ID])
            : part === 0
              ? k.splitUp(col, go, from.byteOffset, begin, end, to.byteOffset, b0, split, sideLeft, out.byteOffset)
              : k.splitDown(col, go, from.byteOffset, begin, end, to.byteOffset, split, e0, sideLeft, out.byteOffset);
        tasks[w + LEFTS + part] = lefts;
        // When one child is a leaf, its rows are marked in a pass of their own (moved like the other side's): inside
        // the split loop it would cost a branch per row that the CPU cannot predict.
        if (leaves === 3) continue;
        const rights = end - begin - lefts;
        const clamp = (x: number) => Math.min(Math.max(x, b0), e0);
        if (leaves === 1) {
          const at = part === 0 ? b0 : split - lefts;
          k.mark(to.byteOffset, clamp(at), clamp(at + lefts), tasks[w + LEFT_ID]);
        }
        if (leaves === 2) {
          const at = part === 0 ? split : e0 - rights;
          k.mark(to.byteOffset, clamp(at), clamp(at + rights), tasks[w + RIGHT_ID]);
        }
      }
    }
  }
}

/** Writes tasks into a table (the training thread's side). */
export class TaskWriter {
  private readonly table: TaskBuffers;

  constructor(
    private readonly mem: TrainingMemory,
    private readonly histSize: number,
  ) {
    this.table = mem.table;
  }

  get capacity(): number {
    return this.table.capacity;
  }

  histogram(t: number, begin: number, end: number): void {
    this.set(t, TASK_HISTOGRAM, begin, end);
  }

  /** Rows [begin, end) are leaf `node`, whose value is `value`. */
  leaf(t: number, begin: number, end: number, node: number, value: number): void {
    const w = this.set(t, TASK_LEAF, begin, end);
    this.table.tasks[w + LEFT_ID] = node;
    this.leafValue(node, value);
  }

  /**
   * A split of rows [begin, end) into children leftId and rightId; a child with a value (not null) is a leaf: its
   * rows are marked with it, not moved.
   */
  split(
    t: number,
    begin: number,
    end: number,
    col: number,
    goLeft: Uint8Array,
    leftCount: number,
    side: number,
    leftId: number,
    leftLeaf: number | null,
    rightId: number,
    rightLeaf: number | null,
  ): void {
    const w = this.set(t, TASK_SPLIT, begin, end);
    const { tasks } = this.table;
    tasks[w + COL] = col;
    tasks[w + LEFT_COUNT] = leftCount;
    tasks[w + SIDE] = side;
    tasks[w + LEAVES] = (leftLeaf === null ? 0 : 1) | (rightLeaf === null ? 0 : 2);
    tasks[w + LEFT_ID] = leftId;
    tasks[w + RIGHT_ID] = rightId;
    if (leftLeaf !== null) this.leafValue(leftId, leftLeaf);
    if (rightLeaf !== null) this.leafValue(rightId, rightLeaf);
    this.table.goLeft.set(goLeft, t * 256);
  }

  /** Lefts a split task found, both parts added. */
  lefts(t: number): number {
    return this.table.tasks[t * TASK_WORDS + LEFTS] + this.table.tasks[t * TASK_WORDS + LEFTS + 1];
  }

  /** out = part 0's histogram of task t + part 1's. */
  sumParts(t: number, out: Float64Array): void {
    const { parts, capacity } = this.table;
    const a = t * this.histSize;
    const b = (capacity + t) * this.histSize;
    for (let i = 0; i < this.histSize; i++) out[i] = parts[a + i] + parts[b + i];
  }

  private leafValue(node: number, value: number): void {
    this.mem.leafValues[2 * node] = value;
    this.mem.leafValues[2 * node + 1] = Math.exp(-value);
  }

  private set(t: number, kind: number, begin: number, end: number): number {
    if (t >= this.table.capacity) throw new RangeError(`task ${t} beyond the table's ${this.table.capacity}`);
    const w = t * TASK_WORDS;
    const tasks = this.table.tasks;
    tasks[w + KIND] = kind;
    tasks[w + BEGIN] = begin;
    tasks[w + END] = end;
    tasks[w + LEFTS] = 0;
    tasks[w + LEFTS + 1] = 0;
    return w;
  }
}

/** Rows whose loss the progress figure adds up: every LOSS_STRIDE-th (the loss is a progress figure, log1p is not free). */
export const LOSS_STRIDE = 64;

/**
 * Adds the latest tree's leaf values to the marked rows of [begin, end), then computes their log-loss gradient and
 * hessian (float32, like LightGBM's) from exp(-score), in WebAssembly. Returns in `sums` [summed loss, rows summed]
 * over the rows i % LOSS_STRIDE === 0 that `lossMask` does not exclude.
 */
export function logLossGradients(k: WasmKernels, mem: TrainingMemory, begin: number, end: number, lossMask: Uint8Array | null, sums: Float64Array): void {
  k.gradients(begin, end);
  const { scores, expNeg, label } = mem;
  let loss = 0;
  let counted = 0;
  for (let i = Math.ceil(begin / LOSS_STRIDE) * LOSS_STRIDE; i < end; i += LOSS_STRIDE) {
    if (lossMask !== null && lossMask[i] !== 0) continue;
    // softplus(s) - y*s, written to stay finite for large |s|.
    const s = scores[i];
    const e = expNeg[i];
    loss += Math.max(s, 0) + Math.log1p(s >= 0 ? e : 1 / e) - label[i] * s;
    counted++;
  }
  sums[0] = loss;
  sums[1] = counted;
}

/** Mean log loss of `rows` at `scores`. */
export function meanLogLoss(scores: Float64Array, label: Uint8Array, rows: Uint32Array): number {
  let loss = 0;
  for (let i = 0; i < rows.length; i++) {
    const s = scores[rows[i]];
    loss += Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - label[rows[i]] * s;
  }
  return rows.length ? loss / rows.length : 0;
}
