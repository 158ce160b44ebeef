// Store retention through the real storeCleanup workflow: old run folders go unless a champion needs them, recent ones
// (runs in flight) stay, reports past the per-model count go; bad input is a non-retryable failure.
import * as assert from 'node:assert/strict';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { DRIFT_REPORTS_PREFIX } from '../../src/drift/report/store';
import { Registry } from '../../src/registry/registry';
import type { StoreCleanupResult } from '../../src/retention/cleanup';
import { localStore } from '../../src/store';
import { runKeys, runPrefix } from '../../src/store/layout';
import { maybeRecord } from '../support/histories';
import { tempVarDir, withWorker } from '../support/temporal';

const DAY = 86_400_000;

describe('store retention (storeCleanup)', function () {
  this.timeout(120_000);

  it("deletes old run folders except the champions' and runs in flight, and prunes reports per model", async () => {
    const varDir = tempVarDir();
    const store = localStore(varDir);
    const registry = new Registry(store);
    /** A run folder whose objects were last written `ageDays` ago. */
    const run = async (workflowId: string, runId: string, ageDays: number) => {
      const keys = runKeys(runPrefix(workflowId, runId));
      for (const key of [keys.snapshot, keys.manifest, keys.profile, keys.holdoutScores]) {
        await store.put(key, `${key}\n`);
        const when = new Date(Date.now() - ageDays * DAY);
        await utimes(path.join(varDir, ...key.split('/')), when, when);
      }
      return keys.prefix;
    };
    const register = async (name: string, workflowId: string, runId: string, spec?: unknown) =>
      (
        await registry.register({
          name,
          runKey: `${workflowId}/${runId}`,
          files: { 'model.onnx': 'x' },
          metadata: { workflowId, runId, features: [], metrics: {}, extra: {}, ...(spec ? { spec } : {}) },
        })
      ).version;

    const championRun = await run('train-m', 'r1', 90);
    const replaced = await run('train-m', 'r2', 60);
    const inFlight = await run('train-m', 'r3', 0.1);
    const otherChampion = await run('train-x', 'r5', 45);
    const readBySpec = await run('import-x', 'r4', 45);
    const stray = await run('train-gone', 'r6', 31);
    await register('m', 'train-m', 'r1');
    await register('m', 'train-m', 'r2');
    await registry.setAlias('m', 1, 'rolled back to v1: v2 was worse');
    await register('x', 'train-x', 'r5', { source: { path: `store:${readBySpec}/snapshot.parquet` } });
    await registry.setAlias('x', 1, 'test');
    // seven drift reports of m, three of x (ids: window end stamp, model, run tail)
    for (let i = 0; i < 7; i++) await store.put(`${DRIFT_REPORTS_PREFIX}2026010${i}T000000000Z-m-run${i}.json`, '{}');
    for (let i = 0; i < 3; i++) await store.put(`${DRIFT_REPORTS_PREFIX}2026010${i}T000000000Z-x-run${i}.json`, '{}');

    await withWorker(
      async ({ env, taskQueue }) => {
        const workflowId = `cleanup-${Date.now()}`;
        const result = (await env.client.workflow.execute('storeCleanup', { taskQueue, workflowId, args: [{ reportsKeepPerModel: 3 }] })) as StoreCleanupResult;
        await maybeRecord('storeCleanup-pass', env, { workflowId }, varDir);
        const dir = (prefix: string) => prefix.slice('runs/'.length);
        assert.deepEqual([...result.runsDeleted].sort(), [dir(replaced), dir(stray)].sort());
        assert.deepEqual([...result.runsKeptForChampions].sort(), [dir(championRun), dir(otherChampion), dir(readBySpec)].sort());
        assert.equal(result.runsRecent, 1);
        assert.equal(result.objectsDeleted, 8);
        assert.equal(result.reportsDeleted, 4);
        const left = new Set((await store.list('runs/')).map((o) => o.key.split('/')[1]));
        assert.deepEqual([...left].sort(), [championRun, inFlight, otherChampion, readBySpec].map(dir).sort());
        const reports = (await store.list(DRIFT_REPORTS_PREFIX)).map((o) => path.posix.basename(o.key)).sort();
        assert.deepEqual(
          reports,
          ['20260104T000000000Z-m-run4.json', '20260105T000000000Z-m-run5.json', '20260106T000000000Z-m-run6.json', ...[0, 1, 2].map((i) => `2026010${i}T000000000Z-x-run${i}.json`)].sort(),
        );

        // the registry moves on: once v2 is champion again, v1's folder is no longer needed
        await registry.setAlias('m', 2, 'test');
        const again = (await env.client.workflow.execute('storeCleanup', { taskQueue, workflowId: `cleanup-again-${Date.now()}`, args: [{}] })) as StoreCleanupResult;
        assert.deepEqual(again.runsDeleted, [dir(championRun)]);

        const bad = await env.client.workflow.execute('storeCleanup', { taskQueue, workflowId: `cleanup-bad-${Date.now()}`, args: [{ runsKeepDays: -1 }] }).then(
          () => assert.fail('a negative retention was accepted'),
          (e: unknown) => e,
        );
        assert.ok(bad instanceof WorkflowFailedError, String(bad));
        const cause = bad.cause?.cause;
        assert.ok(cause instanceof ApplicationFailure && cause.nonRetryable && cause.type === 'InvalidCleanupInput', String(cause));
        assert.match(cause.message, /runsKeepDays/);
      },
      { varDir, store },
    );
  });
});
