// Continuous training on a real dev server: traffic with labels, a degraded verdict, a child trainingPipeline on source + labeled captures.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { buildApp } from '../../src/serving/app';
import { devKeyPath } from '../../src/serving/keys';
import { readFlightRows, delayedLabel } from '../../src/traffic/flights';
import { sendLabels } from '../../src/traffic/labels';
import { replay } from '../../src/traffic/replay';
import type { ModelQualityResult } from '../../workflows/model-quality-monitor';
import { uniqueId } from '../alerts/helpers';
import { parquet, projectRoot } from '../drift/monitor-helpers';
import { maybeRecord } from '../support/histories';
import { tempVarDir, withWorker } from '../support/temporal';

const LIVE = 1500;

describe('modelQualityMonitor: retraining on labeled live data', function () {
  this.timeout(900_000);

  it('June traffic with labels -> degraded -> a child trainingPipeline whose training rows include the labeled captures, compared with the champion on them', async () => {
    const varDir = tempVarDir('quality-retrain-');
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as Record<string, unknown>;
    spec.model = { ...(spec.model as object), rounds: 30 };
    spec.monitoring = { retrainOnDegradation: true, retrainData: { windowDays: 1, combine: 'append' } };
    const specFile = path.join(varDir, 'flights-small-quality.json');
    await writeFile(specFile, JSON.stringify(spec));

    await withWorker(
      async ({ env, taskQueue }) => {
        const first = (await env.client.workflow.execute('trainingPipeline', { taskQueue, workflowId: uniqueId('train'), args: [{ spec: specFile }] })) as TrainingResult;
        assert.equal(first.promoted, true, first.promotionReason);

        // The real API on a real port: June rows replayed by the traffic command's code, their true labels sent after.
        const app = await buildApp({ registry: new Registry(localStore(varDir)), varDir, modelName: 'flights-small', config: { MODEL_POLL_MS: 100, CAPTURE_FLUSH_MS: 50 }, defaultMetrics: false });
        let labeled: number;
        try {
          const url = await app.listen({ host: '127.0.0.1', port: 0 });
          const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
          const rows = await readFlightRows({ parquet, from: 'later', months: [6, 6], rows: LIVE, seed: 5 });
          const sent = await replay({ url, key, rows, batch: 100, rate: 0, concurrency: 2, collectIds: true });
          assert.equal(sent.okRows, LIVE);
          const labels = (sent.ids ?? []).flatMap((id, i) => {
            const label = delayedLabel(rows[i]);
            return id !== undefined && label !== undefined ? [{ id, label }] : [];
          });
          labeled = labels.length;
          const result = await sendLabels({ url, key, model: 'flights-small', labels, chunk: 1000 });
          assert.deepEqual(
            { accepted: result.accepted, duplicates: result.duplicates, malformed: result.malformed, calls: result.calls },
            { accepted: labeled, duplicates: 0, malformed: 0, calls: Math.ceil(labeled / 1000) },
          );
        } finally {
          await app.close(); // flushes capture and labels
        }

        // Strict limits so the June window is judged degraded whatever this small model's figures are.
        const monitorId = uniqueId('quality-retrain');
        const r = (await env.client.workflow.execute('modelQualityMonitor', {
          taskQueue,
          workflowId: monitorId,
          args: [{ model: 'flights-small', window: { lastMinutes: 30 }, lagSeconds: 0, settings: { maxAucDrop: 0, maxLogLossRise: 0, minLabeledRows: 100 } }],
        })) as ModelQualityResult;
        assert.equal(r.verdict, 'degraded', r.summary);
        assert.equal(r.labeled, labeled);
        assert.ok(r.retrain?.workflowId, JSON.stringify(r.retrain));
        const compare = Math.ceil(labeled * 0.2);
        assert.equal(r.retrain?.compareRows, compare);
        assert.equal(r.retrain?.trainRows, labeled - compare);

        const child = (await env.client.workflow.getHandle(r.retrain.workflowId).result()) as TrainingResult;
        // The retrain's data: the spec's 100,000 source rows plus the labeled live rows but the newest 20 %, all on the training side.
        assert.equal(child.rows, first.rows + labeled - compare);
        assert.equal(child.training.trainRows, first.training.trainRows + labeled - compare);
        assert.equal(child.training.holdoutRows, first.training.holdoutRows, "the holdout stays the spec's");
        // Promotion compared candidate and champion on the newest labeled rows too.
        assert.equal(child.metrics.recent?.rows, compare, 'compared on the newest rows, which it did not train on');
        assert.equal(child.metrics.recent?.champion?.version, first.version);
        const recentDrop = (child.metrics.recent?.champion?.auc ?? 0) - (child.metrics.recent?.candidate.auc ?? 0);
        if (recentDrop > 0) {
          assert.equal(child.promoted, false, 'behind the champion on live rows: not promoted');
          assert.ok(
            child.gates.reasons.some((line) => /newest labeled live rows/.test(line)),
            child.gates.reasons.join('; '),
          );
        } else if (child.gates.passed)
          assert.ok(
            child.gates.reasons.some((line) => /no regression on live data/.test(line)),
            child.gates.reasons.join('; '),
          );
        const meta = await new Registry(localStore(varDir)).metadata('flights-small', child.version);
        assert.match(String(meta.extra.reason), /model quality degraded/);
        await maybeRecord('modelQualityMonitor-degraded-quality-retrain', env, { workflowId: monitorId }, varDir);
        await maybeRecord('trainingPipeline-quality-retrain-child', env, { workflowId: r.retrain.workflowId }, varDir);
      },
      { varDir },
    );
  });
});
