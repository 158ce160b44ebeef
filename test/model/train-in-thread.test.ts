// Training in a worker thread: the same model as in-process training, checkpoints in order, resume and cancellation.
import assert from 'node:assert/strict';
import { GbdtParams } from '../../src/spec/dataset';
import { GbdtTrainer, type GbdtCheckpoint } from '../../src/model/gbdt';
import { TrainingCancelled, trainInThread } from '../../src/model/train-in-thread';
import { syntheticFrame } from './synthetic';

describe('trainInThread', () => {
  const frame = syntheticFrame({ rows: 3000, seed: 11 });
  const params = GbdtParams.parse({ rounds: 12, maxDepth: 4, checkpointEvery: 5, seed: 3 });

  function inProcess(): unknown {
    const t = GbdtTrainer.create(frame, params);
    while (!t.done) t.round();
    return t.model();
  }

  it('makes exactly the model in-process training makes, reporting every round and each checkpoint in order', async () => {
    const rounds: number[] = [];
    const checkpoints: number[] = [];
    const result = await trainInThread(frame, params, undefined, {
      onRound: (s) => rounds.push(s.round),
      onCheckpoint: async (_c, done) => {
        await new Promise((r) => setTimeout(r, 20)); // a slow write must not reorder or lose checkpoints
        checkpoints.push(done);
      },
    });
    assert.deepEqual(result.model, inProcess());
    assert.deepEqual(rounds, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual(checkpoints, [5, 10, 12]);
    assert.equal(result.resumedFromRound, 0);
  });

  it('trains a multiclass or regression task, resuming its checkpoint, with no logistic baseline', async () => {
    const label = Uint8Array.from(frame.label, (y, i) => (y === 1 ? 2 : i % 2));
    const multi = { ...frame, label };
    const task = { task: 'multiclass' as const, classes: ['a', 'b', 'c'] };
    const whole = GbdtTrainer.create(multi, params, { task });
    while (!whole.done) whole.round();
    const partial = GbdtTrainer.create(multi, params, { task });
    for (let i = 0; i < 5; i++) partial.round();
    const checkpoints: number[] = [];
    // eslint-disable-next-line @typescript-eslint/require-await -- the callee expects a function returning a promise
    const result = await trainInThread(multi, params, partial.checkpoint(), { task, onCheckpoint: async (_c, done) => void checkpoints.push(done) });
    assert.equal(result.model.kind, 'gbdt-multiclass');
    assert.deepEqual(result.model, whole.model());
    assert.equal(result.baseline, undefined);
    assert.deepEqual(checkpoints, [10, 12]);
    const target = Float64Array.from(frame.label, (y, i) => y * 10 + (i % 7));
    const reg = await trainInThread({ ...frame, target }, params, undefined, { task: { task: 'regression' } });
    assert.equal(reg.model.kind, 'gbdt-regression');
    await assert.rejects(trainInThread({ ...frame, target }, params, partial.checkpoint(), { task: { task: 'regression' } }), /checkpoint is for a multiclass model/);
    whole.close();
    partial.close();
  });

  it('resumes from a checkpoint to the same final model', async () => {
    const partial = GbdtTrainer.create(frame, params);
    for (let i = 0; i < 5; i++) partial.round();
    const saved: GbdtCheckpoint = partial.checkpoint();
    const result = await trainInThread(frame, params, saved);
    assert.equal(result.resumedFromRound, 5);
    assert.deepEqual(result.model, inProcess());
  });

  it('stops the thread and rejects with TrainingCancelled when the signal aborts', async () => {
    const controller = new AbortController();
    const long = GbdtParams.parse({ ...params, rounds: 5000 });
    const run = trainInThread(frame, long, undefined, { signal: controller.signal, onRound: (s) => s.round === 3 && controller.abort() });
    await assert.rejects(run, TrainingCancelled);
  });
});
