// The console in Chromium against a real stack: a dev server, a worker, a real training run, the API on loopback with
// traffic and labels, real drift and quality runs; then model -> version card and -> report, charts = stored numbers.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { TrainingResult } from '../../activities/training-types';
import { listDriftReports, readDriftReport } from '../../src/drift/report/store';
import type { DriftReport } from '../../src/drift/monitor/report-model';
import { binaryLive, listQualityReports, readQualityReport, type ModelQualityReport } from '../../src/model-quality/report';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { devKeyPath } from '../../src/serving/keys';
import { localStore } from '../../src/store';
import { delayedLabel, readFlightRows } from '../../src/traffic/flights';
import { sendLabels } from '../../src/traffic/labels';
import { replay } from '../../src/traffic/replay';
import type { ModelQualityResult } from '../../workflows/model-quality-monitor';
import { uniqueId } from '../alerts/helpers';
import { parquet } from '../drift/monitor-helpers';
import { projectRoot, tempVarDir, withWorker } from '../support/temporal';
import { chromiumOrReason, launchChromium, shots, watchErrors } from './chromium';

const MODEL = 'flights-small';
const LIVE = 1200;

describe('model console in Chromium against a real stack', function () {
  this.timeout(900_000);
  let browser: Browser | undefined;

  before(function () {
    const reason = chromiumOrReason();
    if (reason) {
      console.log(`    SKIPPED browser test: ${reason}`);
      this.skip();
    }
  });
  after(async () => {
    await browser?.close();
  });

  it('after a training run, traffic with labels, drift and quality runs: model -> card, model -> reports, the charts are the stored numbers', async () => {
    const varDir = tempVarDir('console-stack-');
    const store = localStore(varDir);
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as Record<string, unknown>;
    spec.model = { ...(spec.model as object), rounds: 30 };
    const specFile = path.join(varDir, 'flights-small.json');
    await writeFile(specFile, JSON.stringify(spec));

    let trained: TrainingResult | undefined;
    await withWorker(
      async ({ env, taskQueue }) => {
        trained = (await env.client.workflow.execute('trainingPipeline', { taskQueue, workflowId: uniqueId('console-train'), args: [{ spec: specFile }] })) as TrainingResult;
        assert.equal(trained.promoted, true, trained.promotionReason);

        // June rows through the real API on a real port, their true labels after; closing flushes capture and labels
        const app = await buildApp({ registry: new Registry(store), varDir, modelName: MODEL, config: { MODEL_POLL_MS: 100, CAPTURE_FLUSH_MS: 50 }, defaultMetrics: false });
        try {
          const url = await app.listen({ host: '127.0.0.1', port: 0 });
          const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
          const rows = await readFlightRows({ parquet, from: 'later', months: [6, 6], rows: LIVE, seed: 9 });
          const sent = await replay({ url, key, rows, batch: 100, rate: 0, concurrency: 2, collectIds: true });
          assert.equal(sent.okRows, LIVE, JSON.stringify(sent.statuses));
          const labels = (sent.ids ?? []).flatMap((id, i) => {
            const label = delayedLabel(rows[i]);
            return id !== undefined && label !== undefined ? [{ id, label }] : [];
          });
          const fed = await sendLabels({ url, key, model: MODEL, labels, chunk: 1000 });
          assert.equal(fed.accepted, labels.length);
        } finally {
          await app.close();
        }

        // two drift runs (two points per chart) and one quality run over the traffic's window
        for (const n of [1, 2])
          await env.client.workflow.execute('driftMonitor', { taskQueue, workflowId: uniqueId(`console-drift-${n}`), args: [{ model: MODEL, window: { lastMinutes: 30 }, lagSeconds: 0 }] });
        const q = (await env.client.workflow.execute('modelQualityMonitor', {
          taskQueue,
          workflowId: uniqueId('console-quality'),
          args: [{ model: MODEL, window: { lastMinutes: 30 }, lagSeconds: 0, settings: { minLabeledRows: 100 } }],
        })) as ModelQualityResult;
        assert.notEqual(q.verdict, 'insufficient labels', q.summary);
      },
      { varDir, context: { driftScheduleMinutes: 0, qualityScheduleMinutes: 0 } },
    );
    assert.ok(trained);
    const version = trained.version;

    // what the store holds, oldest first, as the console's charts order them
    const drift: DriftReport[] = [];
    for (const s of (await listDriftReports(store, { model: MODEL })).reverse()) drift.push((await readDriftReport(store, s.id)) as DriftReport);
    const quality: ModelQualityReport[] = [];
    for (const s of (await listQualityReports(store, { model: MODEL })).reverse()) quality.push((await readQualityReport(store, s.id)) as ModelQualityReport);
    assert.equal(drift.length, 2);
    assert.equal(quality.length, 1);

    // the API as `make up` runs it: a fresh process state over the same store, on a loopback port
    const api = await buildApp({ registry: new Registry(store), varDir, modelName: MODEL, config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
    try {
      const base = await api.listen({ host: '127.0.0.1', port: 0 });
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);

      await page.goto(`${base}/console`);
      const row = page.locator(`tr[data-model="${MODEL}"]`);
      assert.equal(await row.locator('[data-kind="drift"]').getAttribute('data-verdict'), drift[1].verdict);
      assert.equal(await row.locator('[data-kind="quality"]').getAttribute('data-verdict'), quality[0].verdict);
      assert.equal((await row.locator('td').first().textContent())?.trim(), String(version), 'the champion');
      await page.screenshot({ path: path.join(shots, 'console-stack-models.png') });

      await page.getByRole('link', { name: MODEL, exact: true }).click();
      await page.waitForURL(`**/console/models/${MODEL}`);
      assert.equal(await page.locator('h1').textContent(), `Model ${MODEL}`);
      // every chart: its points, oldest first, carry the stored reports' ids and numbers
      const charts = Object.fromEntries(
        await page
          .locator('figure')
          .evaluateAll((figs) =>
            figs.map((f) => [
              f.querySelector('figcaption')?.textContent ?? '',
              [...f.querySelectorAll('circle.point')].map((c) => [c.getAttribute('data-report'), Number(c.getAttribute('data-value'))]),
            ]),
          ),
      ) as Record<string, [string, number][]>;
      const features = drift[0].features;
      assert.ok(features.length >= 3, 'the flights features were compared');
      for (const f of features) {
        assert.deepEqual(
          charts[`${f.feature} (${f.method})`],
          drift.map((r) => [r.id, r.features.find((x) => x.feature === f.feature)?.statistic]),
          f.feature,
        );
      }
      const liveAuc = binaryLive(quality[0])?.auc;
      assert.equal(typeof liveAuc, 'number');
      assert.deepEqual(charts['live AUC'], [[quality[0].id, liveAuc]]);
      assert.deepEqual(charts['label coverage'], [[quality[0].id, quality[0].counts.coverage]]);
      await page.screenshot({ path: path.join(shots, 'console-stack-model.png'), fullPage: true });

      // model -> version -> its card (the training run wrote it)
      await page.getByRole('link', { name: `card of version ${version}` }).click();
      await page.waitForURL(`**/v1/models/${MODEL}/versions/${version}/card.html`);
      assert.equal(await page.title(), `${MODEL} v${version}: model card`);
      await page.goBack();

      // model -> a drift point -> its report; -> the quality point -> its report
      await page.locator(`circle.point[data-report="${drift[0].id}"]`).first().click();
      await page.waitForURL(`**/v1/reports/${drift[0].id}.html`);
      assert.ok((await page.content()).includes(drift[0].verdict));
      await page.goBack();
      await page.locator('figure', { hasText: 'live AUC' }).locator(`circle.point[data-report="${quality[0].id}"]`).click();
      await page.waitForURL(`**/v1/reports/quality/${quality[0].id}.html`);
      assert.ok((await page.content()).includes(quality[0].verdict));
      await page.screenshot({ path: path.join(shots, 'console-stack-quality-report.png'), fullPage: true });
      assert.deepEqual(errors, [], 'no script or CSP errors, no failed request');
    } finally {
      await api.close();
    }
  });
});
