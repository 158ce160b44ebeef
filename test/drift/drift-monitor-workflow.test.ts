// driftMonitor end to end on a real dev server: train, serve, replay shifted traffic, schedule trigger, report, alert, resolve.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { TrainingResult } from '../../activities/training-types';
import { defaultRouterConfig } from '../../src/alerts/model';
import type { AlertSettings } from '../../src/alerts/settings';
import { DriftReport, readMonitorState } from '../../src/drift/monitor';
import { ensureDriftSchedule } from '../../src/drift/schedule';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { devKeyPath } from '../../src/serving/keys';
import { PipelineStage } from '../../src/temporal/search-attributes';
import { readFlightRows } from '../../src/traffic/flights';
import { replay } from '../../src/traffic/replay';
import type { DriftMonitorResult, DriftMonitorStatus } from '../../workflows/drift-monitor';
import { maybeRecord } from '../support/histories';
import { tempVarDir, withWorker, workflowBundle } from '../support/temporal';
import { appendLines, captureLine, flightsSmallTraining, parquet, projectRoot, ROW } from './monitor-helpers';
import { localStore } from '../../src/store';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function alertSettings(): AlertSettings {
  return {
    routerWorkflowId: unique('alert-router-drift'),
    router: { ...defaultRouterConfig(60 * 60_000), delivery: { initialIntervalMs: 100, maximumIntervalMs: 500, maximumAttempts: 5, startToCloseMs: 10_000 } },
  };
}

interface AlertLine {
  kind: 'firing' | 'resolved';
  key: string;
  severity: string;
  title: string;
  details?: { kind: string; driftedFeatures?: { feature: string; method: string; statistic: number; threshold: number }[]; model?: string };
  links: { run?: string; report?: string };
}

/** Lines of <varDir>/alerts.jsonl once `done` holds (the router delivers asynchronously). */
async function alertsWhen(file: string, done: (lines: AlertLine[]) => boolean, ms = 60_000): Promise<AlertLine[]> {
  const end = Date.now() + ms;
  let lines: AlertLine[] = [];
  while (Date.now() < end) {
    if (existsSync(file)) {
      lines = (await readFile(file, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AlertLine);
      if (done(lines)) return lines;
    }
    await sleep(200);
  }
  throw new Error(`alerts file never reached the expected state; it holds ${JSON.stringify(lines)}`);
}

/** Triggers the schedule and returns the run it started (the n-th action). */
async function triggerAndWait(client: Client, scheduleId: string, n: number): Promise<{ workflowId: string; result: DriftMonitorResult }> {
  const handle = client.schedule.getHandle(scheduleId);
  await handle.trigger();
  const end = Date.now() + 30_000;
  for (;;) {
    const d = await handle.describe();
    if (d.info.recentActions.length >= n) {
      const workflowId = d.info.recentActions[n - 1].action.workflow.workflowId;
      const result = (await client.workflow.getHandle(workflowId).result()) as DriftMonitorResult;
      return { workflowId, result };
    }
    if (Date.now() > end) throw new Error(`schedule ${scheduleId} took no action after trigger`);
    await sleep(200);
  }
}

function failureType(err: unknown): string | undefined {
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  let cause: unknown = err.cause;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

describe('driftMonitor workflow', function () {
  this.timeout(600_000);

  it('schedule trigger after shifted live traffic: report written, alert with the drifted features, retrain started; clean traffic resolves it', async () => {
    const varDir = tempVarDir('drift-e2e-');
    // flights-small with retraining on drift switched on (the shipped spec leaves it off).
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as Record<string, unknown>;
    spec.drift = { retrainOnDrift: true };
    const specFile = path.join(varDir, 'flights-small-retrain.json');
    await writeFile(specFile, JSON.stringify(spec));
    const alerts = alertSettings();
    const alertsFile = path.join(varDir, 'alerts.jsonl');

    await withWorker(
      async ({ env, taskQueue }) => {
        const trained = (await env.client.workflow.execute('trainingPipeline', { taskQueue, workflowId: unique('train'), args: [{ spec: specFile }] })) as TrainingResult;
        assert.equal(trained.promoted, true, trained.promotionReason);

        // The real prediction service on a real port; the traffic command's replay sends May-Jun rows with three features shifted.
        const registry = new Registry(localStore(varDir));
        const app = await buildApp({ registry, varDir, modelName: 'flights-small', config: { MODEL_POLL_MS: 100, API_KEYS_POLL_MS: 100, CAPTURE_FLUSH_MS: 50 }, defaultMetrics: false });
        let sent: Awaited<ReturnType<typeof replay>>;
        try {
          const url = await app.listen({ host: '127.0.0.1', port: 0 });
          const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
          const shifts = [
            { feature: 'distance', delta: 300 },
            { feature: 'hour', delta: 3 },
            { feature: 'day_of_week', delta: 1 },
          ];
          const rows = await readFlightRows({ parquet, from: 'later', rows: 1500, seed: 3, shifts });
          sent = await replay({ url, key, rows, batch: 100, rate: 0, concurrency: 2 });
        } finally {
          await app.close(); // flushes the capture buffer
        }
        assert.equal(sent.okRows, 1500, JSON.stringify(sent.statuses));

        const scheduleId = unique('drift-flights-small');
        // Paused, so only the triggers below run it; lag 0 because the capture is already flushed.
        const made = await ensureDriftSchedule(env.client, { model: 'flights-small', taskQueue, everyMinutes: 60, scheduleId, paused: true, input: { lagSeconds: 0 } });
        assert.deepEqual(made, { scheduleId, created: true });
        const again = await ensureDriftSchedule(env.client, { model: 'flights-small', taskQueue, everyMinutes: 30, scheduleId, input: { lagSeconds: 0 } });
        assert.deepEqual(again, { scheduleId, created: false });
        const described = await env.client.schedule.getHandle(scheduleId).describe();
        assert.equal(described.spec.intervals?.[0]?.every, 30 * 60_000, 'an update changes the interval');
        assert.equal(described.policies.overlap, 'SKIP');
        assert.equal(described.policies.catchupWindow, 30 * 60_000);
        assert.equal(described.policies.pauseOnFailure, false);
        assert.equal(described.state.paused, true, 'an update without `paused` keeps the state');

        try {
          const first = await triggerAndWait(env.client, scheduleId, 1);
          const r = first.result;
          assert.equal(r.verdict, 'dataset drift', r.summary);
          assert.equal(r.rows, 1500);
          // The three shifted features, and the model's scores, which moved with them (against its holdout scores).
          assert.deepEqual(r.drifted.map((d) => d.feature).sort(), ['day_of_week', 'distance', 'hour', 'prediction']);
          assert.equal(r.alerted, true);

          // The report: JSON (validated) and its HTML page, in the store under reports/drift/ (a key, not a machine path).
          assert.ok(r.reportKey && r.reportKey.startsWith('reports/drift/'), r.reportKey);
          const reportFile = path.join(varDir, r.reportKey);
          const report = DriftReport.parse(JSON.parse(await readFile(reportFile, 'utf8')));
          assert.equal(report.verdict, 'dataset drift');
          assert.deepEqual(report.versionsSeen, [{ version: 1, rows: 1500 }]);
          assert.equal(report.run?.workflowId, first.workflowId);
          assert.match(await readFile(reportFile.replace(/\.json$/, '.html'), 'utf8'), /dataset drift/);

          const wf = env.client.workflow.getHandle(first.workflowId);
          assert.equal((await wf.query<DriftMonitorStatus>('status')).stage, 'done');
          // The recorded history replays against the current code (alert, child start and all): the workflow is deterministic.
          await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await wf.fetchHistory(), first.workflowId);
          assert.equal((await wf.describe()).typedSearchAttributes.get(PipelineStage), 'dataset-drift');
          await maybeRecord('driftMonitor-dataset-drift-retrain', env, { workflowId: first.workflowId }, varDir);

          // The alert went through the router to alerts.jsonl (no Slack settings), with the drifted features and both links.
          const lines = await alertsWhen(alertsFile, (ls) => ls.some((l) => l.kind === 'firing'));
          const alert = lines.find((l) => l.kind === 'firing');
          assert.ok(alert);
          assert.equal(alert.key, 'drift:flights-small');
          assert.equal(alert.severity, 'error');
          assert.equal(alert.details?.kind, 'drift');
          assert.deepEqual(alert.details?.driftedFeatures?.map((d) => d.feature).sort(), ['day_of_week', 'distance', 'hour', 'prediction']);
          for (const d of alert.details?.driftedFeatures ?? []) assert.ok(d.statistic >= d.threshold, `${d.feature} ${d.statistic} >= ${d.threshold}`);
          assert.match(alert.links.report ?? '', new RegExp(`/v1/reports/${report.id}\\.html$`));
          assert.match(alert.links.run ?? '', new RegExp(encodeURIComponent(first.workflowId)));

          // retrainOnDrift: a trainingPipeline child under the fixed id, left running when the monitor finished.
          assert.equal(r.retrain?.workflowId, 'retrain-flights-small', r.retrain?.note);
          const child = env.client.workflow.getHandle('retrain-flights-small');
          const childInfo = await child.describe();
          assert.equal(childInfo.type, 'trainingPipeline');
          if (childInfo.status.name === 'RUNNING') await child.terminate('test: the retrain start is what is checked');

          // Clean traffic after the first window, scored by the real service (the profile holds the model's holdout
          // scores, so the captured probabilities must be the model's): no drift, and the open alert is resolved.
          const t0 = Date.now();
          const clean = await buildApp({ registry, varDir, modelName: 'flights-small', config: { MODEL_POLL_MS: 100, API_KEYS_POLL_MS: 100, CAPTURE_FLUSH_MS: 50 }, defaultMetrics: false });
          try {
            const url = await clean.listen({ host: '127.0.0.1', port: 0 });
            const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
            const rows = await readFlightRows({ parquet, from: 'training', rows: 2000, seed: 12 });
            const cleanSent = await replay({ url, key, rows, batch: 100, rate: 0, concurrency: 2 });
            assert.equal(cleanSent.okRows, 2000);
          } finally {
            await clean.close();
          }
          while (Date.now() < t0 + 100) await sleep(50);
          const second = await triggerAndWait(env.client, scheduleId, 2);
          assert.equal(second.result.verdict, 'no drift', second.result.summary);
          assert.equal(second.result.rows, 2000, 'the window starts where the first run ended');
          assert.equal(second.result.resolved, true);
          await alertsWhen(alertsFile, (ls) => ls.some((l) => l.kind === 'resolved' && l.key === 'drift:flights-small'));
          const state = await readMonitorState(localStore(varDir), 'flights-small');
          assert.equal(state?.alertOpen, false);
          assert.equal(state?.lastWindowEnd, second.result.window?.end);
          await maybeRecord('driftMonitor-no-drift-resolved', env, { workflowId: second.workflowId }, varDir);
        } finally {
          await env.client.schedule.getHandle(scheduleId).delete();
        }
      },
      { varDir, alerts },
    );
  });

  describe('without training (a profile registered by hand)', () => {
    let varDir: string;
    const alerts = alertSettings();

    before(async () => {
      varDir = tempVarDir('drift-wf-');
      const t = await flightsSmallTraining();
      const registry = new Registry(localStore(varDir));
      await registry.register({
        name: 'flights-small',
        runKey: 'by-hand',
        files: { 'profile.json': JSON.stringify(t.profile) },
        metadata: { spec: t.spec, features: t.features, metrics: {}, extra: {} },
      });
      await registry.setAlias('flights-small', 1, 'test');
    });

    it('too few captured rows: "insufficient data", a report, no alert activity at all, and the window start is kept', async () => {
      // Stamped after the registration: the first window starts when the champion was registered.
      const now = Date.now();
      const lines = Array.from({ length: 40 }, (_, i) => captureLine(now + i, { ...ROW, distance: 4000 + i }));
      await appendLines(path.join(varDir, 'capture', 'flights-small', 'manual-few.jsonl'), lines);
      while (Date.now() < now + 100) await sleep(20);
      await withWorker(
        async ({ env, taskQueue }) => {
          const handle = await env.client.workflow.start('driftMonitor', { taskQueue, workflowId: unique('drift-few'), args: [{ model: 'flights-small', lagSeconds: 0 }] });
          const r = (await handle.result()) as DriftMonitorResult;
          assert.equal(r.verdict, 'insufficient data');
          assert.equal(r.rows, 40);
          assert.deepEqual(r.drifted, []);
          assert.equal(r.alerted, false);
          const history = await handle.fetchHistory();
          const activities = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
          assert.deepEqual(activities, ['planDriftCheck', 'checkDrift', 'recordDriftRun'], 'no routeAlert');
          assert.ok(r.reportKey && existsSync(path.join(varDir, r.reportKey)));
          assert.equal((await readMonitorState(localStore(varDir), 'flights-small'))?.lastWindowEnd, undefined, 'rows keep adding up from the same start');
          assert.equal(existsSync(path.join(varDir, 'alerts.jsonl')), false);
          await maybeRecord('driftMonitor-insufficient-data', env, { workflowId: handle.workflowId }, varDir);
        },
        { varDir, alerts },
      );
    });

    it('a model without a champion is skipped; bad input fails at once with InvalidDriftInput', async () => {
      await withWorker(
        async ({ env, taskQueue }) => {
          const skippedId = unique('drift-none');
          const skipped = (await env.client.workflow.execute('driftMonitor', { taskQueue, workflowId: skippedId, args: [{ model: 'no-such-model' }] })) as DriftMonitorResult;
          assert.match(skipped.skipped ?? '', /no champion/);
          await maybeRecord('driftMonitor-skipped', env, { workflowId: skippedId }, varDir);
          for (const args of [[{ window: { start: '2030-01-01T00:00:00Z', end: '2029-01-01T00:00:00Z' } }], [{ model: 'Bad Name!' }], [{ colour: 'red' }]]) {
            const handle = await env.client.workflow.start('driftMonitor', { taskQueue, workflowId: unique('drift-bad'), args });
            const err = await handle.result().then(
              () => assert.fail('must fail'),
              (e: unknown) => e,
            );
            assert.equal(failureType(err), 'InvalidDriftInput', JSON.stringify(args));
            const attempts = ((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 1);
            assert.ok(
              attempts.every((a) => a === 1),
              'bad input is not retried',
            );
          }
        },
        { varDir, alerts },
      );
    });
  });
});
