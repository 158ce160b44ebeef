// Promotion is atomic with its monitors: the run's result and the champion alias agree even when the schedules fail.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { TrainingResult } from '../../activities/training-types';
import { driftScheduleId } from '../../src/drift/schedule';
import { qualityScheduleId } from '../../src/model-quality/schedule';
import { Registry } from '../../src/registry/registry';
import { CLEANUP_SCHEDULE_ID } from '../../src/retention/schedule';
import { localStore } from '../../src/store';
import { projectRoot, tempVarDir, withWorker } from '../support/temporal';

let counter = 0;
async function quickSpec(): Promise<Record<string, unknown>> {
  const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/penguins.json'), 'utf8')) as Record<string, unknown>;
  spec.name = `promotion-${process.pid}-${++counter}`;
  return spec;
}

describe('promotion and monitor schedules agree with the run', function () {
  this.timeout(300_000);

  it('creates drift and quality schedules for a promoted champion, and the store-cleanup schedule', async () => {
    const varDir = tempVarDir();
    const spec = await quickSpec();
    await withWorker(
      async ({ env, taskQueue }) => {
        const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `promo-ok-${Date.now()}`, args: [{ spec }] });
        const result = (await handle.result()) as TrainingResult;
        assert.equal(result.promoted, true, result.promotionReason);
        assert.equal(await new Registry(localStore(varDir)).alias(result.model), result.version);
        for (const id of [driftScheduleId(result.model), qualityScheduleId(result.model), CLEANUP_SCHEDULE_ID]) {
          const description = await env.client.schedule.getHandle(id).describe();
          assert.equal(description.scheduleId, id);
          await env.client.schedule.getHandle(id).delete();
        }
      },
      { varDir, context: { driftScheduleMinutes: 60, qualityScheduleMinutes: 60, cleanupScheduleMinutes: 60 } },
    );
  });

  it('a schedule that cannot be created fails the run before the champion moves: no live model behind a failed run', async () => {
    const varDir = tempVarDir();
    const spec = await quickSpec();
    await withWorker(
      async ({ env, taskQueue }) => {
        const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `promo-broken-${Date.now()}`, args: [{ spec }] });
        const err = await handle.result().then(
          (r: unknown) => assert.fail(`the run reported ${JSON.stringify((r as TrainingResult).promotionReason)} although its schedules could not be made`),
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError, String(err));
        const history = await handle.fetchHistory();
        const failed = (history.events ?? []).find((e) => e.activityTaskFailedEventAttributes);
        const scheduled = (history.events ?? []).find((e) => e.eventId?.toString() === failed?.activityTaskFailedEventAttributes?.scheduledEventId?.toString());
        assert.equal(scheduled?.activityTaskScheduledEventAttributes?.activityType?.name, 'promoteModel', 'the promote step is what failed');
        const registry = new Registry(localStore(varDir));
        assert.deepEqual(await registry.versions(spec.name as string), [1], 'the version is registered');
        assert.equal(await registry.alias(spec.name as string), undefined, 'but not live: the run failed, so nothing was promoted');
      },
      // the activities' own Temporal client cannot connect, so schedule creation fails on every attempt
      { varDir, context: { temporalAddress: '127.0.0.1:1', driftScheduleMinutes: 60, qualityScheduleMinutes: 60 } },
    );
  });
});
