// The trainer's helper thread: waits on shared control words and runs part 1 of each job (see parallel.ts).
import { workerData } from 'node:worker_threads';
import { TaskRunner } from './kernels';
import { runPass } from './objectives';
import { ARG, COUNT, DONE, OP, OP_GRADIENTS, OP_PASS, OP_STOP, OP_TASKS, SEQ, SRC, type HelperData } from './parallel';

const s = workerData as HelperData;
const runner = new TaskRunner(s);
/** Spins before sleeping: the next job usually follows within microseconds (the split search between levels). */
const SPINS = 20_000;
let seen = 0;
for (;;) {
  for (let i = 0; i < SPINS && Atomics.load(s.control, SEQ) === seen; i++);
  Atomics.wait(s.control, SEQ, seen);
  const seq = Atomics.load(s.control, SEQ);
  if (seq === seen) continue;
  seen = seq;
  const op = s.control[OP];
  if (op === OP_STOP) break;
  const count = s.control[COUNT];
  if (op === OP_TASKS) runner.run(1, count, s.control[SRC]);
  else if (op === OP_GRADIENTS) runner.gradients(count >>> 1, count, s.lossMask, s.sums);
  else if (op === OP_PASS) runPass(s.mem, s.objective, s.lossMask, s.control[SRC], s.control[ARG], count >>> 1, count, s.sums);
  Atomics.store(s.control, DONE, seq);
  Atomics.notify(s.control, DONE);
}
