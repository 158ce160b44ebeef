// Replays committed trainingPipeline histories against today's workflow code: a non-deterministic change fails here first.
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { recordedHistories } from '../support/histories';
import { workflowBundle } from '../support/temporal';

describe('recorded workflow histories replay on the current code', function () {
  this.timeout(120_000);

  it('replays every committed history without a non-determinism error', async () => {
    const histories = await recordedHistories();
    assert.ok(histories.length >= 2, 'the promoted and the gate-failed training histories are committed');
    const bundle = await workflowBundle();
    for (const { name, history } of histories) {
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, name);
    }
  });
});
