// Model cards: built from a trained model, stored beside the version, served self-contained by the API naming every feature.
import assert from 'node:assert/strict';
import { predictProba, trainGbdt } from '../../src/model/gbdt';
import { predictLogistic, trainLogistic } from '../../src/model/logistic';
import { evaluateBinary, majorityBaseline } from '../../src/model/metrics';
import { binaryCurves, buildModelCard, ModelCard, modelCardPath, storeModelCard } from '../../src/model-card';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { buildApp } from '../../src/serving/app';
import { parseSpec } from '../../src/spec/dataset';
import { TEST_CONFIG, tempVarDir } from '../serving/helpers';
import { syntheticFrame } from '../model/synthetic';

describe('model card', function () {
  this.timeout(60_000);

  it('curves run from (0,0) to (1,1) (ROC) and end at full recall (PR), thinned to about 100 points', () => {
    const label = Uint8Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const proba = Float64Array.from(label, (y, i) => (y ? 0.6 : 0.4) + ((i * 7919) % 100) / 500);
    const c = binaryCurves(label, proba);
    assert.deepEqual(c.roc[0], [0, 0]);
    assert.deepEqual(c.roc.at(-1), [1, 1]);
    assert.equal(c.pr.at(-1)?.[0], 1);
    assert.ok(c.roc.length <= 103 && c.roc.length > 20, `${c.roc.length} points`);
    for (let i = 1; i < c.roc.length; i++) assert.ok(c.roc[i][0] >= c.roc[i - 1][0] && c.roc[i][1] >= c.roc[i - 1][1], 'ROC is monotone');
  });

  it('is served at /v1/models/{name}/versions/{v}/card.html: a self-contained page that names every feature, and its JSON', async () => {
    const train = syntheticFrame({ rows: 4000, seed: 51 });
    const holdout = syntheticFrame({ rows: 2000, seed: 52 });
    const model = trainGbdt(train, { rounds: 15, maxDepth: 4, minDataInLeaf: 20 });
    const logistic = trainLogistic(train);
    const pc = predictProba(model, holdout);
    const pl = predictLogistic(logistic, holdout);
    const spec = parseSpec({
      name: 'cards',
      description: 'synthetic <data> & "quotes"',
      source: { path: 'x.parquet' },
      target: { column: 'y', positive: { op: '=', value: 1 } },
      features: train.features.map((f) => ({ name: f.name, type: f.kind, description: `the ${f.name} column` })),
    });
    const varDir = await tempVarDir();
    const registry = new Registry(localStore(varDir));
    const meta = await registry.register({ name: 'cards', runKey: 'card-test', files: { 'model.onnx': new Uint8Array([1]) }, metadata: { features: model.features, metrics: {}, extra: {} } });
    const card = buildModelCard({
      name: 'cards',
      version: meta.version,
      createdAt: meta.createdAt,
      runKey: 'card-test',
      spec,
      trainRows: train.rows,
      holdoutRows: holdout.rows,
      metrics: { candidate: evaluateBinary(holdout.label, pc), logistic: evaluateBinary(holdout.label, pl), majority: majorityBaseline(holdout.label, train.label) },
      curves: { candidate: binaryCurves(holdout.label, pc), logistic: binaryCurves(holdout.label, pl) },
      promotion: { passed: true, reasons: ['beats logistic baseline'] },
      quality: { success: true, total: 3, passes: 3, failed: [] },
      parity: { rows: 2002, maxAbsDiff: 3e-8, ok: true },
      training: { rounds: 15, trees: 15, msPerRound: 3, resumedFromRound: 0 },
      model,
      profile: null,
    });
    await storeModelCard(registry, card);

    const app = await buildApp({ registry, varDir, modelName: 'cards', config: TEST_CONFIG, defaultMetrics: false });
    try {
      await app.ready();
      // open like the drift reports: no key needed
      const page = await app.inject({ method: 'GET', url: modelCardPath('cards', meta.version) });
      assert.equal(page.statusCode, 200, page.body);
      assert.match(String(page.headers['content-type']), /text\/html/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      const html = page.body;
      assert.doesNotMatch(html, /(https?:)?\/\/[a-z0-9]/i, 'no external URL');
      assert.doesNotMatch(html, /<script|<link|<img|@import|url\(/i, 'no script, stylesheet, image or CSS fetch');
      for (const f of train.features) assert.ok(html.includes(`<td>${f.name}</td>`), `names feature ${f.name}`);
      for (const part of ['ROC curve', 'Precision-recall curve', 'Calibration', 'Total gain', 'Split count', 'logistic baseline', 'promotion gates', 'data-quality gate', 'ONNX parity']) {
        assert.ok(html.includes(part), `shows ${part}`);
      }
      assert.ok(html.includes('synthetic &lt;data&gt; &amp; &quot;quotes&quot;'), 'data text is escaped');
      assert.ok((html.match(/<svg /g) ?? []).length >= 5, 'curves, calibration and importance are drawn');

      const json = await app.inject({ method: 'GET', url: modelCardPath('cards', meta.version, 'json') });
      assert.equal(json.statusCode, 200);
      assert.deepEqual(ModelCard.parse(json.json()), card);

      assert.equal((await app.inject({ method: 'GET', url: modelCardPath('cards', meta.version + 1) })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/v1/models/cards/versions/zero/card.html' })).statusCode, 400);
      assert.equal((await app.inject({ method: 'GET', url: '/v1/models/cards/versions/1/model.onnx' })).statusCode, 404);
    } finally {
      await app.close();
    }
  });
});
