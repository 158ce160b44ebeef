// Runs the trainer's row loops on both cores: a helper thread takes part 1 of every task over shared memory, one sync per job.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { TaskRunner, TaskWriter, type TaskData } from './kernels';
import { runPass, type ObjectiveRows, type RowPass } from './objectives';

/** Frames smaller than this train on one thread by default: starting a helper costs more than it saves. */
export const PARALLEL_MIN_ROWS = 20_000;

/** The arrays the row loops read and write; all in shared memory so a helper sees them. */
export interface KernelData extends TaskData {
  /** 1 for rows left out of the training loss (the early-stopping slice). */
  lossMask: Uint8Array | null;
  /** Regression's and multiclass's own rows (targets; class scores and probabilities), null for binary. */
  objective: ObjectiveRows | null;
}

export interface RowKernels {
  /** Where the trainer writes a job's tasks, and reads their results after `run`. */
  readonly tasks: TaskWriter;
  /** Runs tasks [0, count): both parts of each, reading rows from buffer `src`. */
  run(count: number, src: number): void;
  /** Gradients of rows [0, n); returns the mean training loss over the rows it sampled (see logLossGradients). */
  gradients(n: number): number;
  /** An objective's row pass (objectives.ts) over rows [0, n) for class `cls`, cut like gradients; its mean loss, or 0. */
  pass(pass: RowPass, n: number, cls: number): number;
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
export const ARG = 5;
export const CONTROL_WORDS = 8;
export const OP_TASKS = 1;
export const OP_GRADIENTS = 2;
export const OP_STOP = 3;
export const OP_PASS = 4;

/** Everything the helper thread needs, as structured-clonable shared memory. */
export interface HelperData extends KernelData {
  control: Int32Array;
  sums: Float64Array;
}

/**
 * The trainer's row work on `threads` threads (1 or 2): each job's part 0 runs on the calling thread and part 1 on
 * the helper, or after part 0 without one. Parts are cut the same way for any thread count, so the model is too.
 */
export function createKernels(data: KernelData, threads: number): RowKernels {
  const runner = new TaskRunner(data);
  const sums = new Float64Array(new SharedArrayBuffer(16));
  const helper = threads > 1 ? startHelper({ ...data, control: new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4)), sums, lossMask: data.lossMask && sharedCopy(data.lossMask) }) : null;
  const front = new Float64Array(2);
  const { lossMask, objective, mem } = data;

  return {
    tasks: new TaskWriter(data.mem, data.histSize),

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
        runner.gradients(0, mid, lossMask, front);
        helper.wait(ticket);
      } else {
        runner.gradients(0, mid, lossMask, front);
        runner.gradients(mid, n, lossMask, sums);
      }
      const counted = front[1] + sums[1];
      return counted > 0 ? (front[0] + sums[0]) / counted : 0;
    },

    pass(pass, n, cls) {
      const mid = n >>> 1;
      if (helper) {
        const ticket = helper.start(OP_PASS, n, pass, cls);
        runPass(mem, objective, lossMask, pass, cls, 0, mid, front);
        helper.wait(ticket);
      } else {
        runPass(mem, objective, lossMask, pass, cls, 0, mid, front);
        runPass(mem, objective, lossMask, pass, cls, mid, n, sums);
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
  start(op: number, count: number, src: number, arg?: number): number;
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
    start(op, count, src, arg = 0) {
      if (failed) throw new Error('the training helper thread failed');
      seq++;
      control[OP] = op;
      control[COUNT] = count;
      control[SRC] = src;
      control[ARG] = arg;
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
