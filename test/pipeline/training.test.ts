// trainingPipeline end to end on a real dev server: promotion, the data gate, typed bad input, no partial versions.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { ModelName, ModelVersion, PipelineStage } from '../../src/temporal/search-attributes';
import { maybeRecord } from '../support/histories';
import { projectRoot, tempVarDir, withWorker } from '../support/temporal';
import { localStore } from '../../src/store';

/** The failure type of a failed workflow, whether the workflow or one of its activities threw it. */
function failureType(err: unknown): string | undefined {
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  let cause: unknown = err.cause;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

async function variantSpec(dir: string, name: string, change: (spec: Record<string, unknown>) => void): Promise<string> {
  const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as Record<string, unknown>;
  change(spec);
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(spec));
  return file;
}

describe('trainingPipeline', function () {
  this.timeout(300_000);

  it('trains the flights sample end to end: registered, promoted, beats both baselines, ONNX parity holds', async () => {
    const varDir = tempVarDir();
    await withWorker(
      async ({ env, taskQueue }) => {
        const workflowId = `train-small-${Date.now()}`;
        const handle = await env.client.workflow.start('trainingPipeline', {
          taskQueue,
          workflowId,
          args: [{ spec: 'datasets/flights-small.json' }],
          staticSummary: 'train flights-small (test)',
        });
        const result = (await handle.result()) as TrainingResult;
        assert.equal(result.model, 'flights-small');
        assert.equal(result.version, 1);
        assert.equal(result.promoted, true, result.promotionReason);
        const { candidate, logistic, majority } = result.metrics;
        assert.ok(candidate.auc !== null && logistic.auc !== null);
        assert.ok(candidate.auc > logistic.auc, `GBDT AUC ${candidate.auc} must beat logistic ${logistic.auc}`);
        assert.ok(candidate.auc > (majority.auc ?? 0.5));
        assert.ok(result.parity.ok && result.parity.maxAbsDiff <= 1e-5, `parity ${result.parity.maxAbsDiff}`);

        const registry = new Registry(localStore(varDir));
        assert.deepEqual(await registry.versions('flights-small'), [1]);
        assert.equal(await registry.alias('flights-small'), 1);
        const meta = await registry.metadata('flights-small', 1);
        assert.equal(meta.workflowId, workflowId);
        assert.equal(meta.dataHash, result.dataHash);
        assert.ok(existsSync(path.join(varDir, registry.fileKey('flights-small', 1, 'model.onnx'))));
        assert.ok(existsSync(path.join(varDir, registry.fileKey('flights-small', 1, 'profile.json'))));

        // The version's model card: linked from the result, stored beside the model, served self-contained by the API.
        assert.ok(result.modelCard?.endsWith('/v1/models/flights-small/versions/1/card.html'), `card link ${result.modelCard}`);
        const app = await buildApp({ registry, varDir, modelName: 'flights-small', config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
        try {
          const page = await app.inject({ method: 'GET', url: '/v1/models/flights-small/versions/1/card.html' });
          assert.equal(page.statusCode, 200);
          assert.doesNotMatch(page.body, /(https?:)?\/\/[a-z0-9]|<script/i, 'self-contained');
          for (const f of ['hour', 'day_of_week', 'distance', 'origin', 'destination']) assert.ok(page.body.includes(`<td>${f}</td>`), `names ${f}`);
          assert.ok(page.body.includes('data-quality gate'));
        } finally {
          await app.close();
        }

        const status = await handle.query<{ stage: string; version: number }>('status');
        assert.equal(status.stage, 'promoted');
        assert.equal(status.version, 1);
        const description = await handle.describe();
        assert.deepEqual(description.typedSearchAttributes.get(ModelName), 'flights-small');
        assert.deepEqual(description.typedSearchAttributes.get(ModelVersion), 1);
        assert.deepEqual(description.typedSearchAttributes.get(PipelineStage), 'promoted');
        assert.equal(await description.staticSummary(), 'train flights-small (test)');
        // RECORD_HISTORIES=1 refreshes the committed histories that test/pipeline/replay.test.ts replays.
        await maybeRecord('trainingPipeline-promoted', env, { workflowId }, varDir);
      },
      { varDir },
    );
  });

  it('stops the broken flights variant at the gate with DataQualityGateFailed, naming expectations and rows, and registers nothing', async () => {
    const varDir = tempVarDir();
    await withWorker(
      async ({ env, taskQueue }) => {
        const handle = await env.client.workflow.start('trainingPipeline', {
          taskQueue,
          workflowId: `train-broken-${Date.now()}`,
          args: [{ spec: 'datasets/flights-broken.json' }],
        });
        const err = await handle.result().then(
          () => assert.fail('the broken data must not train'),
          (e: unknown) => e,
        );
        assert.equal(failureType(err), 'DataQualityGateFailed');
        const message = (err as WorkflowFailedError).cause?.message ?? '';
        assert.match(message, /not_null\(origin\)/);
        assert.match(message, /between\(hour/);
        assert.match(message, /rows? \d+/);
        const status = await handle.query<{ stage: string; quality: { reportKey: string; failed: string[] } }>('status');
        assert.equal(status.stage, 'rejected');
        const report = JSON.parse(await readFile(path.join(varDir, status.quality.reportKey), 'utf8')) as {
          success: boolean;
          results: { success: boolean; failingRows: { row: number }[] }[];
        };
        assert.equal(report.success, false);
        assert.ok(report.results.some((r) => !r.success && r.failingRows.length > 0));
        assert.deepEqual(await new Registry(localStore(varDir)).models(), []);
        await maybeRecord('trainingPipeline-gate-failed', env, { workflowId: handle.workflowId }, varDir);
      },
      { varDir },
    );
  });

  const badInputs: [string, string, (s: Record<string, unknown>) => void][] = [
    ['a missing data file', 'DataFileNotFound', (s) => void ((s.source as Record<string, unknown>).path = 'no/such/file.parquet')],
    ['a column the data lacks', 'DataColumnMissing', (s) => void (s.features as unknown[]).push({ name: 'tail_number', type: 'categorical' })],
    ['a categorical column declared numeric', 'DataColumnWrongType', (s) => void ((s.features as { name: string; type: string }[])[3].type = 'numeric')],
    ['an empty dataset', 'DataEmpty', (s) => void ((s.source as Record<string, unknown>).where = 'month > 12')],
    ['a target with one class', 'DataSingleClass', (s) => void ((s.target as { positive: { value: number } }).positive.value = 100000)],
    ['a malformed spec', 'InvalidSpec', (s) => void ((s.model as Record<string, unknown>).rounds = -3)],
  ];
  for (const [what, type, change] of badInputs) {
    it(`fails non-retryably with ${type} on ${what}, leaving no version`, async () => {
      const varDir = tempVarDir();
      const spec = await variantSpec(varDir, type, change);
      await withWorker(
        async ({ env, taskQueue }) => {
          const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `bad-${type}-${Date.now()}`, args: [{ spec }] });
          const err = await handle.result().then(
            () => assert.fail('must fail'),
            (e: unknown) => e,
          );
          assert.equal(failureType(err), type);
          const history = await handle.fetchHistory();
          const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 1);
          assert.ok(
            attempts.every((a) => a === 1),
            'bad input is not retried',
          );
          assert.deepEqual(await new Registry(localStore(varDir)).models(), []);
        },
        { varDir },
      );
    });
  }
});
