// Runs boosting and the logistic baseline inside a worker thread, so the Temporal worker's event loop stays free.
import { parentPort, workerData } from 'node:worker_threads';
import type { Frame } from '../data/frame';
import type { GbdtParams } from '../spec/dataset';
import { GbdtCheckpoint, GbdtTrainer } from './gbdt';
import { trainLogistic } from './logistic';
import type { ThreadMessage } from './train-in-thread';

interface Job {
  frame: Frame;
  params: GbdtParams;
  checkpoint?: GbdtCheckpoint;
}

function post(message: ThreadMessage): void {
  parentPort?.postMessage(message);
}

const job = workerData as Job;
const trainer = job.checkpoint
  ? GbdtTrainer.resume(job.frame, job.params, GbdtCheckpoint.parse(job.checkpoint))
  : GbdtTrainer.create(job.frame, job.params);
post({ kind: 'start', roundsDone: trainer.roundsDone, totalRounds: trainer.totalRounds });
while (!trainer.done) {
  const stats = trainer.round();
  post({ kind: 'round', stats });
  if (trainer.roundsDone % job.params.checkpointEvery === 0 || trainer.done) {
    post({ kind: 'checkpoint', roundsDone: trainer.roundsDone, checkpoint: trainer.checkpoint() });
  }
}
const model = trainer.model();
trainer.close();
post({ kind: 'done', model, baseline: trainLogistic(job.frame) });
