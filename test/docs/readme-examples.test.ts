// The README's own examples, run as written: its three specs train from `mlp train`, its Temporal CLI lines start a
// run, and its curl bodies get the response shapes it documents, on a real dev server and the real API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { createKey } from '../../src/serving/keys';
import { localStore } from '../../src/store';
import { projectRoot, temporalCli, tempVarDir, withWorker } from '../support/temporal';

const run = promisify(execFile);
const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');

/** The fenced blocks of one README section, with their language. */
function blocks(section: string): { lang: string; text: string }[] {
  const start = readme.indexOf(`## ${section}\n`);
  assert.ok(start >= 0, `README has a "${section}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const body = readme.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
}

/** The JSON body of the README's curl line that posts to `urlPart`. */
function curlBody(urlPart: string): unknown {
  const predict = blocks('Predict')[0].text;
  const call = predict.split(/\n(?=curl)/).find((c) => c.includes(urlPart));
  assert.ok(call, `README posts to ${urlPart}`);
  return JSON.parse(/-d '([^']+)'/.exec(call)?.[1] ?? 'null') as unknown;
}

describe('README examples', function () {
  this.timeout(900_000);

  it('each "Train your own data" spec trains from npx mlp, is promoted, and answers the README\'s requests in the documented shape', async () => {
    const specs = blocks('Train your own data')
      .filter((b) => b.lang === 'json')
      .map((b) => JSON.parse(b.text) as { name: string; target: { task?: string } });
    assert.deepEqual(
      specs.map((s) => s.target.task ?? 'binary'),
      ['binary', 'multiclass', 'regression'],
    );
    const varDir = tempVarDir('readme-');
    await withWorker(
      async ({ env, taskQueue }) => {
        const server = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default', TASK_QUEUE: taskQueue, VAR_DIR: varDir };
        for (const spec of specs) {
          const file = path.join(varDir, `${spec.name}.json`);
          writeFileSync(file, JSON.stringify(spec));
          await run(path.join(projectRoot, 'bin', 'mlp'), ['spec', 'validate', file], { env: { ...process.env, ...server } });
          const out = await run(path.join(projectRoot, 'bin', 'mlp'), ['train', file, '--wait', '-o', 'json'], { env: { ...process.env, ...server }, maxBuffer: 16 << 20 });
          const result = (JSON.parse(out.stdout) as { result: { model: string; promoted: boolean; promotionReason: string } }).result;
          assert.equal(result.model, spec.name);
          assert.equal(result.promoted, true, `${spec.name}: ${result.promotionReason}`);
        }
      },
      { varDir, context: { driftScheduleMinutes: 0, qualityScheduleMinutes: 0 } },
    );

    const registry = new Registry(localStore(varDir));
    const app = await buildApp({ registry, varDir, modelName: 'seattle-rain', config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
    try {
      await app.ready();
      const key = (await createKey(localStore(varDir), 'readme', 'user')).key;
      await app.serving.reloadKeys();
      const headers = { authorization: `Bearer ${key}` };
      const post = async (url: string, payload: unknown) => {
        const r = await app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
        assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
        return r.json<{ predictions: Record<string, unknown>[] }>();
      };
      // multiclass, with the README's own request body
      const species = (await post('/v1/models/species/predict', curlBody('/v1/models/species/predict'))).predictions[0];
      assert.equal(species.label, 'Adelie', JSON.stringify(species));
      assert.deepEqual(Object.keys(species.probabilities as object).sort(), ['Adelie', 'Chinstrap', 'Gentoo']);
      // regression, with the README's flights request body
      const flight = curlBody('/v1/predict') as { instances: Record<string, unknown>[] };
      const delay = (await post('/v1/models/delay-minutes/predict', flight)).predictions[0];
      assert.equal(typeof delay.prediction, 'number', JSON.stringify(delay));
      assert.equal(typeof delay.id, 'string');
      // binary: label and probability
      const rain = (await post('/v1/predict', { instances: [{ temp_max: 9, temp_min: 4, wind: 5.5, month: 11 }] })).predictions[0];
      assert.ok(rain.label === 0 || rain.label === 1, JSON.stringify(rain));
      assert.ok(typeof rain.probability === 'number' && rain.probability >= 0 && rain.probability <= 1);
      // feedback in the README's shape, for the binary prediction
      const fb = await app.inject({ method: 'POST', url: '/v1/feedback', headers, payload: { labels: [{ id: rain.id, label: 0 }] } });
      assert.equal(fb.statusCode, 200, fb.body);
      assert.equal(fb.json<{ accepted: number }>().accepted, 1);
    } finally {
      await app.close();
    }
  });

  it('the Temporal CLI lines of "Start training" start a run that completes, and find it by model name', async () => {
    const lines = blocks('Start training')[1].text;
    assert.match(lines, /^T=\$\(\.\/scripts\/temporal-cli\.sh\)$/m);
    const start = /\$T (workflow start[\s\S]*?--input '([^']+)')/.exec(lines);
    assert.ok(start, 'README has a workflow start line');
    const input = start[2];
    const varDir = tempVarDir('readme-cli-');
    await withWorker(
      async ({ env }) => {
        const id = `readme-${Date.now()}`;
        await run(temporalCli(), ['workflow', 'start', '--type', 'trainingPipeline', '--task-queue', 'ml-pipeline', '--workflow-id', id, '--input', input, '--address', env.address]);
        await env.client.workflow.getHandle(id).result();
        const listed = await run(temporalCli(), ['workflow', 'list', '--query', 'ModelName="flights-small"', '--address', env.address]);
        assert.match(listed.stdout, new RegExp(id));
        const status = await run(temporalCli(), ['workflow', 'query', '--workflow-id', id, '--type', 'status', '--address', env.address]);
        assert.match(status.stdout, /promoted|registered/);
      },
      { varDir, taskQueue: 'ml-pipeline', context: { driftScheduleMinutes: 0, qualityScheduleMinutes: 0 } },
    );
  });
});
