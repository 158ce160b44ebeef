// The trainer's hot loops as plain functions over typed arrays, so the training thread and its helper run the same code.

/** Which child's histogram a partition also accumulates. */
export const SIDE_NONE = 0;
export const SIDE_LEFT = 1;
export const SIDE_RIGHT = 2;

/** The per-layout loops: generated once per trainer so the feature loop is unrolled with constant slot offsets. */
export interface LayoutKernels {
  /** Adds rows rows[begin..end) into `out` ([g, h, count] per histogram slot). */
  histogram(out: Float64Array, bins: Uint8Array, gh: Float32Array, rows: Uint32Array, begin: number, end: number): void;
  /**
   * Splits rows src[begin..end) by goLeft[bin of column col] (0 or 1), scanning up: lefts to dst from `lpos` up,
   * rights from `rpos` up, both in order. Rows whose goLeft equals `sideLeft` are added to `out` on the way.
   * Returns the number of lefts.
   */
  splitUp(...args: SplitArgs): number;
  /** The same scanning down: lefts to dst below `lpos`, rights below `rpos`, so both keep the row order. */
  splitDown(...args: SplitArgs): number;
  /** addScore(rows[i], v, ev) for i in [begin, end). */
  leaf(rows: Uint32Array, begin: number, end: number, v: number, ev: number, scores: Float64Array, expNeg: Float64Array): void;
}

/** Scores past this size recompute exp(-score) instead of multiplying (the product would lose its range). */
const EXP_RANGE = 1e300;

/**
 * Adds leaf value v to a row's score and keeps expNeg[row] = exp(-score) by multiplying it with ev = exp(-v): the
 * gradients then need no exp per row (it was a third of their time). Every score update goes through this (or
 * the same code generated into the split loop), so a resumed run rebuilds bit-identical values.
 */
export function addScore(scores: Float64Array, expNeg: Float64Array, row: number, v: number, ev: number): void {
  const s = scores[row] + v;
  scores[row] = s;
  let e = expNeg[row] * ev;
  if (!(e > 1 / EXP_RANGE && e < EXP_RANGE)) e = Math.exp(-s);
  expNeg[row] = e;
}

const ADD_SCORE = (row: string, v: string, ev: string) =>
  `{ const s = scores[${row}] + ${v}; scores[${row}] = s; let e = expNeg[${row}] * ${ev}; if (!(e > ${1 / EXP_RANGE} && e < ${EXP_RANGE})) e = Math.exp(-s); expNeg[${row}] = e; }`;

type SplitArgs = [
  bins: Uint8Array,
  col: number,
  goLeft: Uint8Array,
  src: Uint32Array,
  begin: number,
  end: number,
  dst: Uint32Array,
  lpos: number,
  rpos: number,
  sideLeft: number,
  out: Float64Array,
  gh: Float32Array,
];

/** Names generated code in profiles and stack traces. */
const named = (name: string) => `\n//# sourceURL=gbdt-kernel-${name}.js`;

/**
 * Generates the loops for `f` features whose histogram slots start at slot3[j] / 3. `bins` is row-major (f bytes a
 * row), `gh` interleaves each row's float32 gradient and hessian (LightGBM keeps them in float32 too; sums are in
 * double). Generated code, because V8 does not unroll the inner feature loop itself: 1.4x faster on flights.
 */
export function layoutKernels(f: number, slot3: Int32Array): LayoutKernels {
  if (!Number.isInteger(f) || f < 1) throw new RangeError(`bad feature count ${f}`);
  const addRow = (row: string) => {
    let code = `{ const g = gh[2 * ${row}]; const h = gh[2 * ${row} + 1]; const base = ${row} * ${f}; let k;\n`;
    for (let j = 0; j < f; j++) code += `k = ${slot3[j] | 0} + bins[base + ${j}] * 3; out[k] += g; out[k + 1] += h; out[k + 2] += 1;\n`;
    return `${code}}`;
  };
  const histogram = new Function('out', 'bins', 'gh', 'rows', 'begin', 'end', `for (let i = begin; i < end; i++) { const row = rows[i]; ${addRow('row')} }${named('histogram')}`);
  // One store per row at a position picked by arithmetic, not by an if: the split is a coin toss for the CPU's
  // branch predictor (moving rows with an if took twice as long).
  const split = (dir: 'up' | 'down') =>
    new Function(
      'bins', 'col', 'goLeft', 'src', 'begin', 'end', 'dst', 'lpos', 'rpos', 'sideLeft', 'out', 'gh',
      `let l = lpos; let r = rpos;
       ${dir === 'up' ? 'for (let i = begin; i < end; i++) {' : 'for (let i = end - 1; i >= begin; i--) {'}
         const row = src[i];
         const left = goLeft[bins[row * ${f} + col]];
         ${dir === 'up' ? 'dst[r + left * (l - r)] = row; l += left; r += 1 - left;' : 'l -= left; r -= 1 - left; dst[r + left * (l - r)] = row;'}
         if (left === sideLeft) ${addRow('row')}
       }
       return ${dir === 'up' ? 'l - lpos' : 'lpos - l'};${named(`split-${dir}`)}`,
    );
  const leaf = new Function('rows', 'begin', 'end', 'v', 'ev', 'scores', 'expNeg', `for (let i = begin; i < end; i++) { const row = rows[i]; ${ADD_SCORE('row', 'v', 'ev')} }${named('leaf')}`);
  return {
    histogram: histogram as LayoutKernels['histogram'],
    splitUp: split('up') as LayoutKernels['splitUp'],
    splitDown: split('down') as LayoutKernels['splitDown'],
    leaf: leaf as LayoutKernels['leaf'],
  };
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
export const TASK_WORDS = 9;

/** Shared memory of a task table: the trainer fills it, both threads run it. */
export interface TaskBuffers {
  capacity: number;
  tasks: Int32Array;
  /** Per split task [right leaf value, left leaf value, exp(-right), exp(-left)]; a leaf task's [v, -, exp(-v)]. */
  values: Float64Array;
  /** 256 bytes per task: 1 for the bins whose rows go left. */
  goLeft: Uint8Array;
  /** Per part, per task, one histogram of histSize doubles. */
  parts: Float64Array;
}

export function allocateTasks(capacity: number, histSize: number, memory: (bytes: number) => ArrayBufferLike): TaskBuffers {
  return {
    capacity,
    tasks: new Int32Array(memory(capacity * TASK_WORDS * 4)),
    values: new Float64Array(memory(capacity * 4 * 8)),
    goLeft: new Uint8Array(memory(capacity * 256)),
    parts: new Float64Array(memory(2 * capacity * histSize * 8)),
  };
}

/** The rows and arrays the tasks read and write. */
export interface TaskData {
  bins: Uint8Array;
  gh: Float32Array;
  scores: Float64Array;
  /** exp(-score) of each row, kept beside the scores (see addScore). */
  expNeg: Float64Array;
  /** The two row buffers: a level reads its nodes' rows from one and writes the children's rows to the other. */
  rows: [Uint32Array, Uint32Array];
}

/** Runs one part of every task in a table; the same code in both threads. */
export class TaskRunner {
  private readonly k: LayoutKernels;
  private readonly hists: Float64Array[][];
  private readonly goLefts: Uint8Array[];

  constructor(
    f: number,
    slot3: Int32Array,
    histSize: number,
    private readonly table: TaskBuffers,
    private readonly data: TaskData,
  ) {
    this.k = layoutKernels(f, slot3);
    const views = (part: number) => Array.from({ length: table.capacity }, (_, t) => table.parts.subarray((part * table.capacity + t) * histSize, (part * table.capacity + t + 1) * histSize));
    this.hists = [views(0), views(1)];
    this.goLefts = Array.from({ length: table.capacity }, (_, t) => table.goLeft.subarray(t * 256, (t + 1) * 256));
  }

  /** Part `part` of tasks [0, count): rows from buffer `src`, children's rows to the other, histograms to part slots. */
  run(part: number, count: number, src: number): void {
    const { tasks, values } = this.table;
    const { bins, gh, scores, expNeg } = this.data;
    const from = this.data.rows[src];
    const to = this.data.rows[1 - src];
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
        k.leaf(from, begin, end, values[4 * t], values[4 * t + 2], scores, expNeg);
      } else if (kind === TASK_HISTOGRAM) {
        const out = this.hists[part][t];
        out.fill(0);
        k.histogram(out, bins, gh, from, begin, end);
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
        const lefts =
          part === 0
            ? k.splitUp(bins, col, this.goLefts[t], from, begin, end, to, b0, split, sideLeft, out, gh)
            : k.splitDown(bins, col, this.goLefts[t], from, begin, end, to, split, e0, sideLeft, out, gh);
        tasks[w + LEFTS + part] = lefts;
        // A leaf child's rows take its value in a pass of their own: inside the split loop it would cost a branch
        // per row that the CPU cannot predict.
        const rights = end - begin - lefts;
        const clamp = (x: number) => Math.min(Math.max(x, b0), e0);
        if ((leaves & 1) !== 0) {
          const at = part === 0 ? b0 : split - lefts;
          k.leaf(to, clamp(at), clamp(at + lefts), values[4 * t + 1], values[4 * t + 3], scores, expNeg);
        }
        if ((leaves & 2) !== 0) {
          const at = part === 0 ? split : e0 - rights;
          k.leaf(to, clamp(at), clamp(at + rights), values[4 * t], values[4 * t + 2], scores, expNeg);
        }
      }
    }
  }
}

/** Writes tasks into a table (the training thread's side). */
export class TaskWriter {
  constructor(
    private readonly table: TaskBuffers,
    private readonly histSize: number,
  ) {}

  get capacity(): number {
    return this.table.capacity;
  }

  histogram(t: number, begin: number, end: number): void {
    this.set(t, TASK_HISTOGRAM, begin, end);
  }

  leaf(t: number, begin: number, end: number, value: number): void {
    this.set(t, TASK_LEAF, begin, end);
    this.table.values[4 * t] = value;
    this.table.values[4 * t + 2] = Math.exp(-value);
  }

  /** A split of rows [begin, end); a child with a value (not null) is a leaf: its rows get the value, not moved. */
  split(t: number, begin: number, end: number, col: number, goLeft: Uint8Array, leftCount: number, side: number, leftLeaf: number | null, rightLeaf: number | null): void {
    const w = this.set(t, TASK_SPLIT, begin, end);
    const { tasks, values } = this.table;
    tasks[w + COL] = col;
    tasks[w + LEFT_COUNT] = leftCount;
    tasks[w + SIDE] = side;
    tasks[w + LEAVES] = (leftLeaf === null ? 0 : 1) | (rightLeaf === null ? 0 : 2);
    // Indexed by "goes left" (0 or 1); a child that is not a leaf adds 0.
    values[4 * t] = rightLeaf ?? 0;
    values[4 * t + 1] = leftLeaf ?? 0;
    values[4 * t + 2] = Math.exp(-(rightLeaf ?? 0));
    values[4 * t + 3] = Math.exp(-(leftLeaf ?? 0));
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
export const LOSS_STRIDE = 16;

/**
 * Log-loss gradient and hessian of rows [begin, end) (float32, like LightGBM's) from expNeg = exp(-score); returns
 * [summed loss, rows summed] over the rows i % LOSS_STRIDE === 0 that `lossMask` does not exclude.
 */
export function logLossGradients(scores: Float64Array, expNeg: Float64Array, label: Uint8Array, gh: Float32Array, begin: number, end: number, lossMask: Uint8Array | null, sums: Float64Array): void {
  let loss = 0;
  let counted = 0;
  for (let i = begin; i < end; i++) {
    const e = expNeg[i];
    const p = 1 / (1 + e);
    const y = label[i];
    gh[2 * i] = p - y;
    // e * p * p = p * (1 - p) without the cancellation near p = 1; NaN (e infinite) fails the test too.
    const h = e * p * p;
    gh[2 * i + 1] = h > 1e-16 ? h : 1e-16;
    if (i % LOSS_STRIDE === 0 && (lossMask === null || lossMask[i] === 0)) {
      // softplus(s) - y*s, written to stay finite for large |s|.
      const s = scores[i];
      loss += Math.max(s, 0) + Math.log1p(s >= 0 ? e : 1 / e) - y * s;
      counted++;
    }
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
