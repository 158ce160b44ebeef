// Drives the trainer in a worker thread: progress and checkpoints come back as messages, cancellation ends the thread.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Frame } from '../data/frame';
import type { GbdtParams } from '../spec/dataset';
import type { GbdtCheckpoint, GbdtModel, GbdtTask, RoundStats } from './gbdt';
import type { LogisticModel } from './logistic';

export type ThreadMessage =
  | { kind: 'start'; roundsDone: number; totalRounds: number }
  | { kind: 'round'; stats: RoundStats }
  | { kind: 'checkpoint'; roundsDone: number; checkpoint: GbdtCheckpoint }
  | { kind: 'done'; model: GbdtModel; baseline?: LogisticModel };

export interface ThreadTrainingHooks {
  /** What to learn (default binary); a checkpoint must be of the same task. */
  task?: GbdtTask;
  onRound?: (stats: RoundStats, totalRounds: number) => void;
  /** Awaited in order; the thread keeps training meanwhile. */
  onCheckpoint?: (checkpoint: GbdtCheckpoint, roundsDone: number, totalRounds: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface ThreadTrainingResult {
  model: GbdtModel;
  /** Binary only: the logistic baseline, trained in the same thread (other tasks' baselines are the pipeline's). */
  baseline?: LogisticModel;
  resumedFromRound: number;
  totalRounds: number;
  seconds: number;
  rows: number;
}

export class TrainingCancelled extends Error {
  override name = 'TrainingCancelled';
}

export function trainInThread(frame: Frame, params: GbdtParams, checkpoint: GbdtCheckpoint | undefined, hooks: ThreadTrainingHooks = {}): Promise<ThreadTrainingResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'train-thread.js'), { workerData: { frame, params, checkpoint, task: hooks.task } });
    let resumedFromRound = 0;
    let totalRounds = params.rounds;
    let seconds = 0;
    let rows = 0;
    let writes: Promise<void> = Promise.resolve();
    let settled = false;
    let doneReceived = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      void worker.terminate();
      finish(() => reject(new TrainingCancelled('training cancelled')));
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    if (hooks.signal?.aborted) onAbort();

    worker.on('message', (message: ThreadMessage) => {
      switch (message.kind) {
        case 'start':
          resumedFromRound = message.roundsDone;
          totalRounds = message.totalRounds;
          break;
        case 'round':
          seconds += message.stats.seconds;
          rows += message.stats.rows;
          hooks.onRound?.(message.stats, totalRounds);
          break;
        case 'checkpoint':
          if (hooks.onCheckpoint) {
            const save = hooks.onCheckpoint;
            writes = writes.then(() => save(message.checkpoint, message.roundsDone, totalRounds));
            writes.catch((err: unknown) => {
              void worker.terminate();
              // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what the save threw, unchanged
              finish(() => reject(err));
            });
          }
          break;
        case 'done':
          doneReceived = true;
          writes.then(
            () => finish(() => resolve({ model: message.model, ...(message.baseline ? { baseline: message.baseline } : {}), resumedFromRound, totalRounds, seconds, rows })),
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what the save threw, unchanged
            (err: unknown) => finish(() => reject(err)),
          );
          break;
      }
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => {
      // after 'done' the thread exits by itself while the last checkpoint may still be writing
      if (!doneReceived) finish(() => reject(new Error(`the training thread exited with code ${code} before finishing`)));
    });
  });
}
