// Runs the trainer's row loops on both cores: a helper thread takes part 1 of every task over shared memory, one sync per job.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { allocateTasks, logLossGradients, TaskRunner, TaskWriter, type TaskBuffers } from './kernels';

/** Frames smaller than this train on one thread by default: starting a helper costs more than it saves. */
export const PARALLEL_MIN_ROWS = 20_000;
/** Tasks per job at most; a level with more nodes takes several jobs. */
const MAX_TASKS = 128;
/** Doubles of part histograms per part at most (a wide frame gets fewer tasks per job). */
const PART_BUDGET = 1 << 19;

/** The arrays the row loops read and write; the big ones live in SharedArrayBuffers so a helper sees them. */
export interface KernelData {
  bins: Uint8Array;
  f: number;
  slot3: Int32Array;
  histSize: number;
  gh: Float32Array;
  /** The two row buffers a level reads from and writes to (see TaskData). */
  rows: [Uint32Array, Uint32Array];
  scores: Float64Array;
  /** exp(-score) per row (see addScore in kernels.ts). */
  expNeg: Float64Array;
  label: Uint8Array;
  /** 1 for rows left out of the training loss (the early-stopping slice). */
  lossMask: Uint8Array | null;
}

export interface RowKernels {
  /** Where the trainer writes a job's tasks, and reads their results after `run`. */
  readonly tasks: TaskWriter;
  /** Runs tasks [0, count): both parts of each, reading rows from buffer `src`. */
  run(count: number, src: number): void;
  /** Gradients of rows [0, n); returns the mean training loss over the rows it sampled (see logLossGradients). */
  gradients(n: number): number;
  close(): void;
}

/** Threads for a frame of `rows` rows when the caller does not say: min(2, cores), one for small frames. */
export function defaultThreads(rows: number): number {
  return rows < PARALLEL_MIN_ROWS ? 1 : Math.max(1, Math.min(2, os.availableParallelism()));
}

// Control words shared with the helper (kernel-thread.ts reads them by these names).
export const SEQ = 0;
export const OP = 1;
export const COUNT = 2;
export const SRC = 3;
export const DONE = 4;
export const CONTROL_WORDS = 8;
export const OP_TASKS = 1;
export const OP_GRADIENTS = 2;
export const OP_STOP = 3;

/** Everything the helper thread needs, as structured-clonable shared arrays. */
export interface HelperData {
  control: Int32Array;
  sums: Float64Array;
  table: TaskBuffers;
  f: number;
  slot3: Int32Array;
  histSize: number;
  bins: Uint8Array;
  gh: Float32Array;
  rows: [Uint32Array, Uint32Array];
  scores: Float64Array;
  expNeg: Float64Array;
  label: Uint8Array;
  lossMask: Uint8Array | null;
}

export function createKernels(data: KernelData, threads: number): RowKernels {
  const shared = [data.bins, data.gh, data.rows[0], data.rows[1], data.scores, data.expNeg].every((a) => a.buffer instanceof SharedArrayBuffer);
  const two = threads > 1 && shared;
  const memory = (bytes: number) => (two ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const capacity = Math.max(1, Math.min(MAX_TASKS, Math.floor(PART_BUDGET / data.histSize)));
  const table = allocateTasks(capacity, data.histSize, memory);
  const runner = new TaskRunner(data.f, data.slot3, data.histSize, table, data);
  const sums = new Float64Array(memory(16));
  const helper = two ? startHelper({ ...data, control: new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4)), sums, table, label: sharedCopy(data.label), lossMask: data.lossMask && sharedCopy(data.lossMask) }) : null;
  const front = new Float64Array(2);

  return {
    tasks: new TaskWriter(table, data.histSize),

    run(count, src) {
      if (count === 0) return;
      if (helper) {
        const ticket = helper.start(OP_TASKS, count, src);
        runner.run(0, count, src);
        helper.wait(ticket);
      } else {
        runner.run(0, count, src);
        runner.run(1, count, src);
      }
    },

    gradients(n) {
      const mid = n >>> 1;
      if (helper) {
        const ticket = helper.start(OP_GRADIENTS, n, 0);
        logLossGradients(data.scores, data.expNeg, data.label, data.gh, 0, mid, data.lossMask, front);
        helper.wait(ticket);
      } else {
        logLossGradients(data.scores, data.expNeg, data.label, data.gh, 0, mid, data.lossMask, front);
        logLossGradients(data.scores, data.expNeg, data.label, data.gh, mid, n, data.lossMask, sums);
      }
      const counted = front[1] + sums[1];
      return counted > 0 ? (front[0] + sums[0]) / counted : 0;
    },

    close() {
      helper?.stop();
    },
  };
}

function sharedCopy(a: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(a.length));
  copy.set(a);
  return copy;
}

interface Helper {
  start(op: number, count: number, src: number): number;
  wait(ticket: number): void;
  stop(): void;
}

/** Spins before sleeping: a job's two parts take about as long, so the other thread is usually almost done. */
const SPINS = 20_000;

function startHelper(workerData: HelperData): Helper {
  const { control } = workerData;
  const worker = new Worker(path.join(__dirname, 'kernel-thread.js'), { workerData });
  // The helper must never keep a process alive; if it dies, the next wait notices and training fails (and is retried).
  worker.unref();
  let failed = false;
  worker.on('error', () => (failed = true));
  let seq = 0;
  return {
    start(op, count, src) {
      if (failed) throw new Error('the training helper thread failed');
      seq++;
      control[OP] = op;
      control[COUNT] = count;
      control[SRC] = src;
      Atomics.store(control, SEQ, seq);
      Atomics.notify(control, SEQ);
      return seq;
    },
    wait(ticket) {
      for (let i = 0; i < SPINS; i++) if (Atomics.load(control, DONE) === ticket) return;
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
