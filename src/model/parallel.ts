// Runs the trainer's row loops on both cores: a helper thread takes the second half of each row range over shared memory.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { layoutKernels, logLossGradients } from './kernels';

/** Ranges shorter than this are one chunk: each cut is a sync point, and on a busy machine a sync waits for the other thread to be scheduled. */
export const PARALLEL_MIN_ROWS = 65_536;

/** The arrays the row loops read and write; the big ones live in SharedArrayBuffers so a helper sees them. */
export interface KernelData {
  bins: Uint8Array;
  f: number;
  slot3: Int32Array;
  histSize: number;
  gh: Float32Array;
  idx: Uint32Array;
  /** Scratch rows for partitions (shared too: the helper writes its half). */
  tmp: Uint32Array;
  scores: Float64Array;
  label: Uint8Array;
  /** 1 for rows left out of the training loss (the early-stopping slice). */
  lossMask: Uint8Array | null;
}

export interface RowKernels {
  /** out = histogram of rows idx[begin..end). */
  histogram(out: Float64Array, begin: number, end: number): void;
  /** Gradients of rows [0, n); returns the mean training loss over the rows it sampled (see logLossGradients). */
  gradients(n: number): number;
  /**
   * Stable partition of idx[begin..end) by goLeft[bin of column col] (lefts first, both sides in their old order);
   * out = the histogram of the `side` child (SIDE_NONE: none). Returns the number of lefts.
   */
  partition(begin: number, end: number, col: number, goLeft: Uint8Array, side: number, out: Float64Array | null): number;
  close(): void;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(2, os.availableParallelism()));
}

// Control words shared with the helper (kernel-thread.ts has the same numbers).
export const SEQ = 0;
export const OP = 1;
export const BEGIN = 2;
export const END = 3;
export const DONE = 4;
export const COL = 5;
export const SIDE = 6;
export const RESULT = 7;
export const OP_HISTOGRAM = 1;
export const OP_GRADIENTS = 2;
export const OP_STOP = 3;
export const OP_PARTITION = 4;

/**
 * Every range of at least PARALLEL_MIN_ROWS rows is cut at its midpoint, and the two halves' sums are added in
 * that order, whatever the thread count: one thread or two, the model is the same to the last bit.
 */
export function createKernels(data: KernelData, threads: number): RowKernels {
  const shared = [data.bins, data.gh, data.idx, data.tmp, data.scores].every((a) => a.buffer instanceof SharedArrayBuffer);
  // A frame smaller than one parallel range never uses a helper: do not start one.
  const helper = threads > 1 && shared && data.scores.length >= PARALLEL_MIN_ROWS ? startHelper(data) : null;
  const k = layoutKernels(data.f, data.slot3);
  const scratch = helper ? helper.scratch : new Float64Array(data.histSize);
  const sums = helper ? helper.sums : new Float64Array(2);
  const front = new Float64Array(2);
  const none = new Float64Array(0);
  const { bins, gh, idx, tmp } = data;

  const histHalf = (out: Float64Array, begin: number, end: number) => {
    out.fill(0);
    k.histogram(out, bins, gh, idx, begin, end);
  };

  return {
    histogram(out, begin, end) {
      if (end - begin < PARALLEL_MIN_ROWS) return histHalf(out, begin, end);
      const mid = begin + ((end - begin) >>> 1);
      if (helper) {
        const ticket = helper.start(OP_HISTOGRAM, mid, end);
        histHalf(out, begin, mid);
        helper.wait(ticket);
      } else {
        histHalf(out, begin, mid);
        histHalf(scratch, mid, end);
      }
      for (let i = 0; i < data.histSize; i++) out[i] += scratch[i];
    },

    gradients(n) {
      const mid = n < PARALLEL_MIN_ROWS ? n : n >>> 1;
      sums[0] = 0;
      sums[1] = 0;
      if (helper && mid < n) {
        const ticket = helper.start(OP_GRADIENTS, mid, n);
        logLossGradients(data.scores, data.label, gh, 0, mid, data.lossMask, front);
        helper.wait(ticket);
      } else {
        logLossGradients(data.scores, data.label, gh, 0, mid, data.lossMask, front);
        if (mid < n) logLossGradients(data.scores, data.label, gh, mid, n, data.lossMask, sums);
      }
      const counted = front[1] + sums[1];
      return counted > 0 ? (front[0] + sums[0]) / counted : 0;
    },

    partition(begin, end, col, goLeft, side, out) {
      const target = out ?? none;
      if (out) out.fill(0);
      if (end - begin < PARALLEL_MIN_ROWS) {
        const lefts = k.partitionFront(bins, col, goLeft, idx, tmp, begin, end, side, target, gh);
        idx.set(tmp.subarray(begin, end - lefts), begin + lefts);
        return lefts;
      }
      const mid = begin + ((end - begin) >>> 1);
      let lefts0: number;
      let lefts1: number;
      if (out) scratch.fill(0);
      if (helper) {
        helper.goLeft.set(goLeft);
        const ticket = helper.start(OP_PARTITION, mid, end, col, side);
        lefts0 = k.partitionFront(bins, col, goLeft, idx, tmp, begin, mid, side, target, gh);
        helper.wait(ticket);
        lefts1 = helper.control[RESULT];
      } else {
        lefts0 = k.partitionFront(bins, col, goLeft, idx, tmp, begin, mid, side, target, gh);
        lefts1 = k.partitionBack(bins, col, goLeft, idx, tmp, mid, end, side, scratch, gh);
      }
      if (out) for (let i = 0; i < data.histSize; i++) out[i] += scratch[i];
      // Now idx = [L0 | free | R1] (L0 from begin, R1 ending at end) and tmp holds R0 from begin, L1 ending at end.
      const rights0 = mid - begin - lefts0;
      idx.set(tmp.subarray(end - lefts1, end), begin + lefts0);
      idx.set(tmp.subarray(begin, begin + rights0), begin + lefts0 + lefts1);
      return lefts0 + lefts1;
    },

    close() {
      helper?.stop();
    },
  };
}

interface Helper {
  scratch: Float64Array;
  sums: Float64Array;
  goLeft: Uint8Array;
  control: Int32Array;
  start(op: number, begin: number, end: number, col?: number, side?: number): number;
  wait(ticket: number): void;
  stop(): void;
}

function startHelper(data: KernelData): Helper {
  const control = new Int32Array(new SharedArrayBuffer(8 * 4));
  const scratch = new Float64Array(new SharedArrayBuffer(data.histSize * 8));
  const sums = new Float64Array(new SharedArrayBuffer(16));
  const goLeft = new Uint8Array(new SharedArrayBuffer(256));
  // The label and loss mask are copied once into shared memory (they never change while training).
  const label = new Uint8Array(new SharedArrayBuffer(data.label.length));
  label.set(data.label);
  let lossMask: Uint8Array | null = null;
  if (data.lossMask) {
    lossMask = new Uint8Array(new SharedArrayBuffer(data.lossMask.length));
    lossMask.set(data.lossMask);
  }
  const worker = new Worker(path.join(__dirname, 'kernel-thread.js'), {
    workerData: { control, scratch, sums, goLeft, bins: data.bins, f: data.f, slot3: data.slot3, gh: data.gh, idx: data.idx, tmp: data.tmp, scores: data.scores, label, lossMask },
  });
  // The helper must never keep a process alive; if it dies, the next wait notices and training fails (and is retried).
  worker.unref();
  let failed = false;
  worker.on('error', () => (failed = true));
  let seq = 0;
  return {
    scratch,
    sums,
    goLeft,
    control,
    start(op, begin, end, col = 0, side = 0) {
      if (failed) throw new Error('the training helper thread failed');
      seq++;
      control[OP] = op;
      control[BEGIN] = begin;
      control[END] = end;
      control[COL] = col;
      control[SIDE] = side;
      Atomics.store(control, SEQ, seq);
      Atomics.notify(control, SEQ);
      return seq;
    },
    wait(ticket) {
      for (;;) {
        const done = Atomics.load(control, DONE);
        if (done === ticket) return;
        // A bounded wait so a helper that died is noticed instead of blocking forever.
        if (Atomics.wait(control, DONE, done, 30_000) === 'timed-out' && Atomics.load(control, DONE) !== ticket) {
          throw new Error('the training helper thread stopped answering');
        }
      }
    },
    stop() {
      seq++;
      control[OP] = OP_STOP;
      Atomics.store(control, SEQ, seq);
      Atomics.notify(control, SEQ);
      void worker.terminate();
    },
  };
}
