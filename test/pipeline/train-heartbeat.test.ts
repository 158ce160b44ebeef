// trainModel heartbeats through every phase: a store that answers only while the step keeps beating still trains.
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { trainingActivities } from '../../activities/training';
import type { ActivityContext } from '../../activities';
import type { RunRef, TrainingOutcome } from '../../activities/training-types';
import { ArtifactStore, LocalFolderBackend } from '../../src/store';
import type { ObjectBackend } from '../../src/store/types';
import { projectRoot, tempVarDir } from '../support/temporal';

/** How many heartbeats an object operation waits for before it answers (the timer's beats, not only a phase's first). */
const BEATS_PER_CALL = 3;

describe('trainModel heartbeats through every phase', function () {
  this.timeout(120_000);

  it('keeps beating while the snapshot downloads, the frames load, the checkpoints and the model upload', async () => {
    const varDir = tempVarDir();
    const beats: unknown[] = [];
    let gating = false;
    const stalls: string[] = [];
    // A store that stalls every download and upload until the activity has heartbeated a few times meanwhile: a
    // silent phase never gets its answer and fails the test (as it would burn an attempt under a heartbeat timeout).
    const stall = async (what: string) => {
      if (!gating) return;
      stalls.push(what);
      const from = beats.length;
      const deadline = Date.now() + 20_000;
      while (beats.length - from < BEATS_PER_CALL) {
        if (Date.now() > deadline) throw new Error(`no heartbeat while ${what}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const local = new LocalFolderBackend(varDir);
    const backend: ObjectBackend = {
      url: local.url,
      get: (key) => local.get(key),
      head: (key) => local.head(key),
      exists: (key) => local.exists(key),
      put: async (key, data, opts) => (await stall(`putting ${key}`), local.put(key, data, opts)),
      putFile: async (key, file, opts) => (await stall(`uploading ${key}`), local.putFile(key, file, opts)),
      localFile: async (key) => (await stall(`downloading ${key}`), local.localFile(key)),
      list: (prefix) => local.list(prefix),
      delete: (key) => local.delete(key),
      close: () => local.close(),
    };
    const ctx: ActivityContext = {
      projectRoot,
      varDir,
      store: new ArtifactStore(backend),
      namespace: 'default',
      taskQueue: 'heartbeat-test',
      temporalUiUrl: 'http://127.0.0.1:8233',
      // nothing listens here: the progress signal is best effort and must not matter
      temporalAddress: '127.0.0.1:1',
    };
    const activities = trainingActivities(ctx, { heartbeatEveryMs: 10 });
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/penguins.json'), 'utf8')) as { model: Record<string, number> };
    spec.model.rounds = 6;
    spec.model.checkpointEvery = 2;

    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 });
    env.on('heartbeat', (d: unknown) => beats.push(d));
    // eslint-disable-next-line @typescript-eslint/unbound-method -- activities are closures over their dependencies, never using `this`
    const run = await env.run<[Parameters<typeof activities.ingest>[0]], RunRef, typeof activities.ingest>(activities.ingest, { spec: spec, workflowId: 'heartbeat', runId: 'run-1' });
    gating = true;
    beats.length = 0;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- activities are closures over their dependencies, never using `this`
    const outcome = await env.run<[{ run: RunRef }], TrainingOutcome, typeof activities.trainModel>(activities.trainModel, { run });

    assert.equal(outcome.rounds, 6);
    for (const key of ['snapshot.parquet', 'checkpoint.json', 'model.json', 'baseline.json']) {
      assert.ok(
        stalls.some((s) => s.endsWith(key)),
        `the store saw ${key} (${stalls.join(', ')})`,
      );
    }
    const stages = new Set(beats.filter((b): b is string => typeof b === 'string'));
    for (const stage of ['downloading the snapshot', 'loading the frames', 'reading the checkpoint', 'binning the training rows', 'uploading the model']) {
      assert.ok(stages.has(stage), `a heartbeat names "${stage}" (saw ${[...stages].join(', ')})`);
    }
    assert.ok(
      beats.some((b) => typeof b === 'object' && b !== null && (b as { round?: number }).round === 6),
      'the rounds beat with their progress',
    );
  });
});
