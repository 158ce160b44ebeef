// Runs boosting (and for binary the logistic baseline) inside a worker thread, so the Temporal worker's event loop stays free.
import { parentPort, workerData } from 'node:worker_threads';
import type { Frame } from '../data/frame';
import type { GbdtParams } from '../spec/dataset';
import { GbdtCheckpoint, GbdtTrainer, type GbdtTask } from './gbdt';
import { trainLogistic } from './logistic';
import type { ThreadMessage } from './train-in-thread';

interface Job {
  frame: Frame;
  params: GbdtParams;
  checkpoint?: GbdtCheckpoint;
  task?: GbdtTask;
}

function post(message: ThreadMessage): void {
  parentPort?.postMessage(message);
}

const job = workerData as Job;
const options = job.task ? { task: job.task } : {};
const trainer = job.checkpoint ? GbdtTrainer.resume(job.frame, job.params, GbdtCheckpoint.parse(job.checkpoint), options) : GbdtTrainer.create(job.frame, job.params, options);
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
post({ kind: 'done', model, ...(model.kind === 'gbdt-binary' ? { baseline: trainLogistic(job.frame) } : {}) });
