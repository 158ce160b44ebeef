// The console in Chromium against `make up` itself (its process: dev server, worker, watchdog, API, first training run),
// with traffic and labels, real drift and quality runs; then model -> version card and -> report, charts = stored numbers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { Client, Connection } from '@temporalio/client';
import { listDriftReports, readDriftReport } from '../../src/drift/report/store';
import type { DriftReport } from '../../src/drift/monitor/report-model';
import { binaryLive, listQualityReports, readQualityReport, type ModelQualityReport } from '../../src/model-quality/report';
import { Registry } from '../../src/registry/registry';
import { devKeyPath } from '../../src/serving/keys';
import { localStore } from '../../src/store';
import { capturePrefix } from '../../src/store/layout';
import { delayedLabel, readFlightRows } from '../../src/traffic/flights';
import { sendLabels } from '../../src/traffic/labels';
import { replay } from '../../src/traffic/replay';
import type { ModelQualityResult } from '../../workflows/model-quality-monitor';
import { uniqueId } from '../alerts/helpers';
import { parquet } from '../drift/monitor-helpers';
import { waitFor } from '../cluster/helpers';
import { projectRoot } from '../support/temporal';
import { upEnv } from '../support/up';
import { chromiumOrReason, launchChromium, shots, watchErrors } from './chromium';

const MODEL = 'flights-small';
const LIVE = 1200;

/** Rows in the model's capture files of a local store (one JSON line each). */
async function capturedRows(varDir: string, model: string): Promise<number> {
  const folder = path.join(varDir, capturePrefix(model));
  let rows = 0;
  for (const name of await readdir(folder).catch(() => [] as string[]))
    if (name.endsWith('.jsonl')) rows += (await readFile(path.join(folder, name), 'utf8')).split('\n').filter((l) => l.trim()).length;
  return rows;
}

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

  it('after `make up` trains, traffic with labels, drift and quality runs: model -> card, model -> reports, the charts are the stored numbers', async () => {
    // the monitors' schedules are set a week apart so none fires during the test: the runs below are the only ones,
    // started as a user would
    const { env, temporalPort, apiPort, varDir } = await upEnv('console-stack-', {
      MODEL_NAME: MODEL,
      CAPTURE_FLUSH_MS: '50',
      MODEL_POLL_MS: '200',
      DRIFT_SCHEDULE_MINUTES: '10080',
      QUALITY_SCHEDULE_MINUTES: '10080',
    });
    const store = localStore(varDir);
    // `make up` is `node dist/src/up/main.js` after the build
    const up = spawn(process.execPath, [path.join(projectRoot, 'dist/src/up/main.js')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    up.stdout.on('data', (d: Buffer) => (log += d.toString()));
    up.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
    const base = `http://127.0.0.1:${apiPort}`;
    let connection: Connection | undefined;
    try {
      // the first start trains datasets/flights-small.json and the API turns ready with its champion
      await waitFor('make up to train and serve a champion', 600_000, async () => {
        if (up.exitCode !== null) throw new Error(`make up exited with ${up.exitCode}:\n${log.slice(-3000)}`);
        return (
          (await fetch(`${base}/readyz`).then(
            (r) => r.status,
            () => 0,
          )) === 200
        );
      });
      const version = await new Registry(store).alias(MODEL);
      assert.ok(version, 'a champion');

      // June rows through the API as users send them, their true labels after
      const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
      const rows = await readFlightRows({ parquet, from: 'later', months: [6, 6], rows: LIVE, seed: 9 });
      const sent = await replay({ url: base, key, rows, batch: 100, rate: 0, concurrency: 2, collectIds: true });
      assert.equal(sent.okRows, LIVE, JSON.stringify(sent.statuses));
      const labels = (sent.ids ?? []).flatMap((id, i) => {
        const label = delayedLabel(rows[i]);
        return id !== undefined && label !== undefined ? [{ id, label }] : [];
      });
      const fed = await sendLabels({ url: base, key, model: MODEL, labels, chunk: 1000 });
      assert.equal(fed.accepted, labels.length);
      // every acknowledged row is on disk within CAPTURE_FLUSH_MS; wait for the capture files to hold them all
      await waitFor('the capture to reach the store', 30_000, async () => (await capturedRows(varDir, MODEL)) >= LIVE);

      // two drift runs (two points per chart) and one quality run over the traffic's window, on make up's worker
      connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
      const client = new Client({ connection });
      const taskQueue = 'ml-pipeline';
      for (const n of [1, 2])
        await client.workflow.execute('driftMonitor', { taskQueue, workflowId: uniqueId(`console-drift-${n}`), args: [{ model: MODEL, window: { lastMinutes: 30 }, lagSeconds: 0 }] });
      const q = (await client.workflow.execute('modelQualityMonitor', {
        taskQueue,
        workflowId: uniqueId('console-quality'),
        args: [{ model: MODEL, window: { lastMinutes: 30 }, lagSeconds: 0, settings: { minLabeledRows: 100 } }],
      })) as ModelQualityResult;
      assert.notEqual(q.verdict, 'insufficient labels', q.summary);

      // what the store holds, oldest first, as the console's charts order them
      const drift: DriftReport[] = [];
      for (const s of (await listDriftReports(store, { model: MODEL })).reverse()) drift.push((await readDriftReport(store, s.id)) as DriftReport);
      const quality: ModelQualityReport[] = [];
      for (const s of (await listQualityReports(store, { model: MODEL })).reverse()) quality.push((await readQualityReport(store, s.id)) as ModelQualityReport);
      assert.equal(drift.length, 2);
      assert.equal(quality.length, 1);

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
      await connection?.close();
      // Ctrl-C, as a user stops make up: everything it started stops with it
      up.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
      if (code === 'timeout') up.kill('SIGKILL');
    }
  });
});
