// The console in a real browser (Debian's Chromium via playwright-core) against a real API on loopback: click through, read the charts, promote.
import * as assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { CARD_FILES } from '../../src/model-card/card';
import { registerSynthetic } from '../support/synthetic-model';
import { localStore } from '../../src/store';
import { auth, eventually, harness, MODEL, modelB, type Harness } from '../serving/helpers';
import { chromiumOrReason, launchChromium, shots, watchErrors } from './chromium';
import { storeReports } from './fixtures';

describe('model console in Chromium', function () {
  let h: Harness;
  let browser: Browser;
  let base: string;
  const stats = [0.03, 0.12, 0.07];
  const aucs = [0.8, 0.66];

  before(async function () {
    const reason = chromiumOrReason();
    if (reason) {
      console.log(`    SKIPPED browser test: ${reason}`);
      this.skip();
    }
    h = await harness();
    await registerSynthetic(h.registry, MODEL, modelB(), { promote: false, runKey: 'model-b' });
    // synthetic versions have no card: store a page where the training pipeline stores it, served by the card route
    await h.registry.attach(MODEL, 2, CARD_FILES.html, `<!doctype html><title>card</title><h1>Model card: ${MODEL} version 2</h1>`);
    await storeReports(localStore(h.varDir), MODEL, stats, aucs);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = h.app.server.address();
    assert.ok(addr && typeof addr === 'object');
    base = `http://127.0.0.1:${addr.port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('clicks model → version card → report, reads the stored numbers off the chart, promotes with an admin key', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${base}/console`);
    assert.equal(await page.locator('h1').textContent(), 'Models');
    assert.equal(await page.locator(`tr[data-model="${MODEL}"] [data-kind="drift"]`).getAttribute('data-verdict'), 'no drift');
    assert.equal(await page.locator(`tr[data-model="${MODEL}"] [data-kind="quality"]`).getAttribute('data-verdict'), 'degraded');
    await page.screenshot({ path: path.join(shots, 'console-models.png') });

    await page.getByRole('link', { name: MODEL, exact: true }).click();
    await page.waitForURL(`**/console/models/${MODEL}`);
    assert.equal(await page.locator('h1').textContent(), `Model ${MODEL}`);
    const drift = await page.locator('circle.point[data-report*="-d"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-report'), Number(e.getAttribute('data-value'))]));
    assert.deepEqual(
      drift.map((d) => d[1]),
      stats,
      'one point per stored drift report, its statistic',
    );
    const auc = await page
      .locator('figure', { hasText: 'live AUC' })
      .locator('circle.point')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    assert.deepEqual(auc, aucs);
    await page.screenshot({ path: path.join(shots, 'console-model.png'), fullPage: true });
    // the first screen alone, small enough for the README (docs/console.png is a copy of it)
    await page.screenshot({ path: path.join(shots, 'console-readme.png'), clip: { x: 0, y: 0, width: 900, height: 760 } });

    // version 1 was registered without a card: the page says so instead of linking to a 404
    assert.equal(await page.locator('tr[data-version="1"] a[href$="card.html"]').count(), 0);
    assert.equal(await page.locator('tr[data-version="1"] .no-card').textContent(), 'no card');
    await page.getByRole('link', { name: 'card of version 2' }).click();
    await page.waitForURL('**/versions/2/card.html');
    assert.equal(await page.locator('h1').textContent(), `Model card: ${MODEL} version 2`);
    await page.goBack();

    // the middle drift point (0.12) opens its report
    await page.locator('circle.point[data-report*="-d0001"]').click();
    await page.waitForURL('**/v1/reports/*.html');
    assert.ok(page.url().includes(`${drift[1][0]}.html`));
    assert.match(await page.content(), /feature drift/);
    await page.goBack();

    // promote version 2: without a key the page says so; with the admin key, confirm → /v1/models shows it
    page.on('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Promote version 2' }).first().click();
    assert.match((await page.locator('#admin-status').textContent()) ?? '', /admin API key/);
    await page.getByLabel('Admin API key').fill(h.adminKey);
    await page.getByRole('button', { name: 'Promote version 2' }).first().click();
    await page.waitForSelector('tr[data-version="2"].champion');
    assert.equal(await h.registry.alias(MODEL), 2);
    const served = async () =>
      ((await (await fetch(`${base}/v1/models`, { headers: auth(h.userKey) })).json()) as { models: { name: string; champion: number | null; version: number | null }[] }).models.find(
        (m) => m.name === MODEL,
      );
    await eventually(async () => (await served())?.champion === 2 && (await served())?.version === 2);
    await page.screenshot({ path: path.join(shots, 'console-promoted.png'), fullPage: true });

    // the reports page's time filter: window end from 02:00 to before 03:00 UTC holds one drift and one quality report
    await page.goto(`${base}/console/reports`);
    await page.getByLabel('Window end from (UTC)').fill('2025-01-06T02:00');
    await page.getByLabel('before (UTC)').fill('2025-01-06T03:00');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL('**/console/reports?*since=*');
    const ids = await page.locator('tr[data-report]').evaluateAll((els) => els.map((e) => e.getAttribute('data-report')));
    assert.deepEqual(ids, [`20250106T020000Z-${MODEL}-q0001`, `20250106T020000Z-${MODEL}-d0001`]);
    assert.equal(await page.getByLabel('Window end from (UTC)').inputValue(), '2025-01-06T02:00', 'the form keeps the filter');
    await page.screenshot({ path: path.join(shots, 'console-reports-filtered.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no script or CSP errors');
  });
});
