// modelQualityMonitor on a real dev server: verdicts on committed scenarios, one Slack alert, resolve, insufficient labels, reports served.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { buildApp } from '../../src/serving/app';
import { binaryHoldout, binaryLive, ModelQualityReport, readQualityState } from '../../src/model-quality';
import { ensureQualitySchedule } from '../../src/model-quality/schedule';
import { PipelineStage } from '../../src/temporal/search-attributes';
import type { ModelQualityResult } from '../../workflows/model-quality-monitor';
import { idle, testAlertSettings, uniqueId, waitForRouter } from '../alerts/helpers';
import { FakeSlack } from '../support/fake-slack';
import { maybeRecord } from '../support/histories';
import { tempVarDir, withWorker, workflowBundle } from '../support/temporal';
import { HOLDOUT, registerQm } from './helpers';
import { close, scenario, writeScenario } from './vectors';

describe('modelQualityMonitor workflow', function () {
  this.timeout(600_000);

  it('degraded window: one Slack alert (a repeat is deduplicated), report = scikit-learn figures; clean window resolves it; sparse labels: no verdict, no alert', async () => {
    const varDir = tempVarDir('quality-e2e-');
    await registerQm(varDir);
    for (const name of ['degraded', 'clean', 'sparse']) await writeScenario(varDir, 'qm', scenario(name));
    const token = `xoxb-${Date.now()}-quality`;
    const fake = await FakeSlack.start({ validToken: token });
    const alerts = testAlertSettings({ fake, token });
    try {
      await withWorker(
        async ({ env, taskQueue }) => {
          const run = async (name: string) => {
            const s = scenario(name);
            const workflowId = uniqueId(`quality-${name}`);
            const result = (await env.client.workflow.execute('modelQualityMonitor', {
              taskQueue,
              workflowId,
              args: [{ model: 'qm', window: { start: s.window.start, end: s.window.end } }],
            })) as ModelQualityResult;
            return { result, workflowId };
          };

          // 1. Degraded: labels show far more delays than predicted.
          const { result: bad, workflowId: badId } = await run('degraded');
          const e = scenario('degraded').expected;
          assert.equal(bad.verdict, 'degraded', bad.summary);
          assert.deepEqual(bad.violations.map((v) => v.metric).sort(), ['logLoss', 'positiveRate'], 'AUC holds (ranking is intact), calibration does not');
          assert.equal(bad.predictions, e.counts.predictions);
          assert.equal(bad.labeled, e.counts.labeled);
          // label counts cover every label file of the model (all three scenarios), window counts only the window
          const all = ['degraded', 'clean', 'sparse'].map((n) => scenario(n).expected.counts);
          const total = (k: 'labelIds' | 'unmatchedLabels' | 'relabeledIds') => all.reduce((a, c) => a + c[k], 0);
          assert.equal(bad.unmatchedLabels, total('unmatchedLabels'));
          assert.equal(bad.alerted, true);
          const report = ModelQualityReport.parse(JSON.parse(await readFile(path.join(varDir, bad.reportKey ?? ''), 'utf8')));
          assert.deepEqual(
            { ...report.counts, coverage: undefined },
            { ...e.counts, labelIds: total('labelIds'), unmatchedLabels: total('unmatchedLabels'), relabeledIds: total('relabeledIds'), coverage: undefined },
          );
          close(report.counts.coverage, e.counts.labeled / e.counts.predictions, 'coverage');
          for (const k of ['auc', 'prAuc', 'logLoss', 'brier', 'accuracy', 'precision', 'recall', 'observedRate', 'meanPredicted'] as const) close(binaryLive(report)?.[k], e.metrics[k], k);
          close(report.positiveRate?.z, e.metrics.positiveRate.z, 'z');
          assert.equal(binaryHoldout(report)?.auc, HOLDOUT.auc);
          assert.equal(binaryHoldout(report)?.logLoss, HOLDOUT.logLoss);
          assert.equal(report.run?.workflowId, badId);
          const html = await readFile(path.join(varDir, bad.reportKey?.replace(/\.json$/, '.html') ?? ''), 'utf8');
          assert.match(html, /degraded/);
          assert.match(html, /aria-label="calibration plot"/);
          assert.match(html, /aria-label="score histograms by label"/);
          assert.doesNotMatch(html, /<script/i);

          await waitForRouter(env, alerts.routerWorkflowId, (st) => idle(st) && st.counters.delivered === 1);
          assert.equal(fake.messages.length, 1);
          const text = FakeSlack.readableText(fake.messages[0]);
          assert.match(text, /Model quality degraded: qm v3/);
          assert.match(text, /logLoss/);
          assert.ok(text.includes(`/v1/reports/quality/${bad.reportId}.html`), text);

          // The same degradation seen again: the router keeps it to one message within the cooldown.
          const { result: again } = await run('degraded');
          assert.equal(again.verdict, 'degraded');
          await waitForRouter(env, alerts.routerWorkflowId, (st) => idle(st) && st.counters.received === 2);
          assert.equal(fake.messages.length, 1, 'exactly one Slack message for the violation');
          assert.equal((await readQualityState(localStore(varDir), 'qm'))?.alertOpen, true);

          // 2. Sparse labels: "insufficient labels", never an alert, and the open alert stays open.
          const { result: sparse, workflowId: sparseId } = await run('sparse');
          assert.equal(sparse.verdict, 'insufficient labels');
          assert.match(sparse.summary ?? '', /50 labeled predictions, at least 100 needed/);
          assert.equal(sparse.alerted, false);
          assert.equal(sparse.resolved, false);
          assert.equal((await readQualityState(localStore(varDir), 'qm'))?.alertOpen, true);
          assert.equal((await env.client.workflow.getHandle(sparseId).describe()).typedSearchAttributes.get(PipelineStage), 'quality-insufficient-labels');

          // 3. Clean window: ok, and the open alert is resolved.
          const { result: ok, workflowId: okId } = await run('clean');
          assert.equal(ok.verdict, 'ok', ok.summary);
          assert.deepEqual(ok.violations, []);
          assert.equal(ok.resolved, true);
          await waitForRouter(env, alerts.routerWorkflowId, (st) => idle(st) && st.counters.resolved === 1 && st.counters.delivered === 2);
          assert.equal(fake.messages.length, 2);
          assert.match(FakeSlack.readableText(fake.messages[1]), /Resolved: Model quality degraded/);
          assert.equal((await readQualityState(localStore(varDir), 'qm'))?.alertOpen, false);

          // The recorded history replays against the current code: the workflow is deterministic.
          await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await env.client.workflow.getHandle(okId).fetchHistory(), okId);
          await maybeRecord('modelQualityMonitor-degraded-alerted', env, { workflowId: badId }, varDir);
          await maybeRecord('modelQualityMonitor-insufficient-labels', env, { workflowId: sparseId }, varDir);
          await maybeRecord('modelQualityMonitor-ok-resolved', env, { workflowId: okId }, varDir);

          // The schedule: created paused, triggered once; the default window (the last 24 h) holds no predictions.
          const scheduleId = uniqueId('quality-qm');
          assert.deepEqual(await ensureQualitySchedule(env.client, { model: 'qm', taskQueue, everyMinutes: 60, scheduleId, paused: true }), { scheduleId, created: true });
          assert.deepEqual(await ensureQualitySchedule(env.client, { model: 'qm', taskQueue, everyMinutes: 30, scheduleId }), { scheduleId, created: false });
          const handle = env.client.schedule.getHandle(scheduleId);
          const described = await handle.describe();
          assert.equal(described.spec.intervals?.[0]?.every, 30 * 60_000);
          assert.equal(described.policies.overlap, 'SKIP');
          assert.equal(described.state.paused, true);
          await handle.trigger();
          let scheduled: ModelQualityResult | undefined;
          for (let i = 0; i < 150 && !scheduled; i++) {
            const d = await handle.describe();
            if (d.info.recentActions.length > 0) scheduled = (await env.client.workflow.getHandle(d.info.recentActions[0].action.workflow.workflowId).result()) as ModelQualityResult;
            else await new Promise((r) => setTimeout(r, 200));
          }
          assert.equal(scheduled?.verdict, 'insufficient labels');
          assert.equal(scheduled?.predictions, 0);
          await handle.delete();
        },
        { varDir, alerts },
      );

      // The API serves the reports beside the drift reports, open like them so alert links work in a browser.
      const app = await buildApp({ registry: new Registry(localStore(varDir)), varDir, modelName: 'qm', config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
      try {
        const list = await app.inject({ method: 'GET', url: '/v1/reports/quality?model=qm' });
        assert.equal(list.statusCode, 200);
        const reports = list.json().reports as { id: string; verdict: string; links: { html: string } }[];
        assert.equal(reports.length, 5);
        assert.deepEqual([...new Set(reports.map((r) => r.verdict))].sort(), ['degraded', 'insufficient labels', 'ok']);
        const page = await app.inject({ method: 'GET', url: reports.find((r) => r.verdict === 'ok')?.links.html ?? '' });
        assert.equal(page.statusCode, 200);
        assert.match(String(page.headers['content-type']), /text\/html/);
        assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
        assert.equal((await app.inject({ method: 'GET', url: '/v1/reports/quality/nope' })).statusCode, 404);
        assert.equal((await app.inject({ method: 'GET', url: '/v1/reports/quality/..%2Fx' })).statusCode, 400);
        assert.equal((await app.inject({ method: 'GET', url: '/v1/reports' })).statusCode, 200, 'the drift list still answers');
      } finally {
        await app.close();
      }
    } finally {
      await fake.close();
    }
  });

  it('bad input fails non-retryably with InvalidQualityInput naming the field; no champion: skipped', async () => {
    const varDir = tempVarDir('quality-bad-');
    await withWorker(
      async ({ env, taskQueue }) => {
        const skipped = (await env.client.workflow.execute('modelQualityMonitor', { taskQueue, workflowId: uniqueId('quality-none'), args: [{ model: 'nothing' }] })) as ModelQualityResult;
        assert.match(skipped.skipped ?? '', /no champion/);
        await registerQm(varDir);
        await assert.rejects(
          env.client.workflow.execute('modelQualityMonitor', { taskQueue, workflowId: uniqueId('quality-bad'), args: [{ model: 'qm', settings: { maxAucDrop: 3 } }] }),
          (err: Error & { cause?: { cause?: { type?: string; message?: string } } }) => {
            const cause = err.cause?.cause;
            return cause?.type === 'InvalidQualityInput' && /settings\.maxAucDrop/.test(cause.message ?? '');
          },
        );
      },
      { varDir },
    );
  });
});
