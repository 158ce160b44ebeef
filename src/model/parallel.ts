// Runs the trainer's row loops on both cores: a helper thread takes the second half of each row range over shared memory.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { accumulateHistogram, logLossGradients } from './kernels';

/** Ranges shorter than this are one chunk: below it, waking a helper costs more than it saves. */
export const PARALLEL_MIN_ROWS = 20_000;

/** The arrays the row loops read and write; the big ones live in SharedArrayBuffers so a helper sees them. */
export interface KernelData {
  bins: Uint8Array;
  f: number;
  slot3: Int32Array;
  histSize: number;
  gh: Float64Array;
  idx: Uint32Array;
  scores: Float64Array;
  label: Uint8Array;
  /** 1 for rows left out of the training loss (the early-stopping slice). */
  lossMask: Uint8Array | null;
}

export interface RowKernels {
  /** out = histogram of rows idx[begin..end). */
  histogram(out: Float64Array, begin: number, end: number): void;
  /** Gradients of rows [0, n); returns the summed training loss. */
  gradients(n: number): number;
  close(): void;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(2, os.availableParallelism()));
}

// Control words shared with the helper.
const SEQ = 0;
const OP = 1;
const BEGIN = 2;
const END = 3;
const DONE = 4;
export const OP_HISTOGRAM = 1;
export const OP_GRADIENTS = 2;
export const OP_STOP = 3;

/**
 * Every range of at least PARALLEL_MIN_ROWS rows is cut at its midpoint, and the two halves' sums are added in
 * that order, whatever the thread count: one thread or two, the model is the same to the last bit.
 */
export function createKernels(data: KernelData, threads: number): RowKernels {
  const toShare = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;
  const canShare = toShare(data.bins) && toShare(data.gh) && toShare(data.idx) && toShare(data.scores);
  const helper = threads > 1 && canShare ? startHelper(data) : null;
  const scratch = helper ? helper.scratch : new Float64Array(data.histSize);

  const histHalf = (out: Float64Array, begin: number, end: number) => {
    out.fill(0);
    accumulateHistogram(out, data.bins, data.f, data.slot3, data.gh, data.idx, begin, end);
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
      for (let k = 0; k < data.histSize; k++) out[k] += scratch[k];
    },
    gradients(n) {
      if (n < PARALLEL_MIN_ROWS) return logLossGradients(data.scores, data.label, data.gh, 0, n, data.lossMask);
      const mid = n >>> 1;
      if (helper) {
        const ticket = helper.start(OP_GRADIENTS, mid, n);
        const first = logLossGradients(data.scores, data.label, data.gh, 0, mid, data.lossMask);
        helper.wait(ticket);
        return first + helper.loss[0];
      }
      return logLossGradients(data.scores, data.label, data.gh, 0, mid, data.lossMask) + logLossGradients(data.scores, data.label, data.gh, mid, n, data.lossMask);
    },
    close() {
      helper?.stop();
    },
  };
}

interface Helper {
  scratch: Float64Array;
  loss: Float64Array;
  start(op: number, begin: number, end: number): number;
  wait(ticket: number): void;
  stop(): void;
}

function startHelper(data: KernelData): Helper {
  const control = new Int32Array(new SharedArrayBuffer(8 * 4));
  const scratch = new Float64Array(new SharedArrayBuffer(data.histSize * 8));
  const loss = new Float64Array(new SharedArrayBuffer(8));
  // The label and loss mask are copied once into shared memory (they never change while training).
  const label = new Uint8Array(new SharedArrayBuffer(data.label.length));
  label.set(data.label);
  let lossMask: Uint8Array | null = null;
  if (data.lossMask) {
    lossMask = new Uint8Array(new SharedArrayBuffer(data.lossMask.length));
    lossMask.set(data.lossMask);
  }
  const worker = new Worker(path.join(__dirname, 'kernel-thread.js'), {
    workerData: { control, scratch, loss, bins: data.bins, f: data.f, slot3: data.slot3, gh: data.gh, idx: data.idx, scores: data.scores, label, lossMask },
  });
  // The helper must never keep a process alive, nor take it down: on error the trainer falls back to one thread.
  worker.unref();
  let failed = false;
  worker.on('error', () => (failed = true));
  let seq = 0;
  return {
    scratch,
    loss,
    start(op, begin, end) {
      if (failed) throw new Error('the training helper thread failed');
      seq++;
      control[OP] = op;
      control[BEGIN] = begin;
      control[END] = end;
      Atomics.store(control, SEQ, seq);
      Atomics.notify(control, SEQ);
      return seq;
    },
    wait(ticket) {
      for (;;) {
        const done = Atomics.load(control, DONE);
        if (done === ticket) return;
        // A bounded wait so a helper that died is noticed instead of blocking forever.
        if (Atomics.wait(control, DONE, done, 10_000) === 'timed-out' && Atomics.load(control, DONE) !== ticket) {
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
