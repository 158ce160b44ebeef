// The trainer's helper thread: waits on shared control words and runs the second half of a row range (see parallel.ts).
import { workerData } from 'node:worker_threads';
import { accumulateHistogram, logLossGradients } from './kernels';

interface Shared {
  control: Int32Array;
  scratch: Float64Array;
  loss: Float64Array;
  bins: Uint8Array;
  f: number;
  slot3: Int32Array;
  gh: Float64Array;
  idx: Uint32Array;
  scores: Float64Array;
  label: Uint8Array;
  lossMask: Uint8Array | null;
}

// Same numbers as parallel.ts (not imported: that module would pull worker_threads' Worker into this thread for nothing).
const SEQ = 0;
const OP = 1;
const BEGIN = 2;
const END = 3;
const DONE = 4;
const OP_HISTOGRAM = 1;
const OP_GRADIENTS = 2;
const OP_STOP = 3;

const s = workerData as Shared;
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
    accumulateHistogram(s.scratch, s.bins, s.f, s.slot3, s.gh, s.idx, begin, end);
  } else if (op === OP_GRADIENTS) {
    s.loss[0] = logLossGradients(s.scores, s.label, s.gh, begin, end, s.lossMask);
  }
  Atomics.store(s.control, DONE, seq);
  Atomics.notify(s.control, DONE);
}
