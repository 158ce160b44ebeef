// The trainer's helper thread: waits on shared control words and runs the second half of a row range (see parallel.ts).
import { workerData } from 'node:worker_threads';
import { layoutKernels, logLossGradients } from './kernels';
import { BEGIN, COL, DONE, END, OP, OP_GRADIENTS, OP_HISTOGRAM, OP_PARTITION, OP_STOP, RESULT, SEQ, SIDE } from './parallel';

interface Shared {
  control: Int32Array;
  scratch: Float64Array;
  sums: Float64Array;
  goLeft: Uint8Array;
  bins: Uint8Array;
  f: number;
  slot3: Int32Array;
  gh: Float32Array;
  idx: Uint32Array;
  tmp: Uint32Array;
  scores: Float64Array;
  label: Uint8Array;
  lossMask: Uint8Array | null;
}

const s = workerData as Shared;
const k = layoutKernels(s.f, s.slot3);
let seen = 0;
for (;;) {
  Atomics.wait(s.control, SEQ, seen);
  const seq = Atomics.load(s.control, SEQ);
  if (seq === seen) continue;
  seen = seq;
  const op = s.control[OP];
  if (op === OP_STOP) break;
  const begin = s.control[BEGIN];
  const end = s.control[END];
  if (op === OP_HISTOGRAM) {
    s.scratch.fill(0);
    k.histogram(s.scratch, s.bins, s.gh, s.idx, begin, end);
  } else if (op === OP_PARTITION) {
    // the main thread zeroed scratch before starting us
    s.control[RESULT] = k.partitionBack(s.bins, s.control[COL], s.goLeft, s.idx, s.tmp, begin, end, s.control[SIDE], s.scratch, s.gh);
  } else if (op === OP_GRADIENTS) {
    logLossGradients(s.scores, s.label, s.gh, begin, end, s.lossMask, s.sums);
  }
  Atomics.store(s.control, DONE, seq);
  Atomics.notify(s.control, DONE);
}
