// Regression and multiclass end to end on the dev server: each shipped spec (sampled) trains (a regression and a multiclass
// run started by the `temporal` CLI as the README shows), is promoted, served (v1 and OIP), scores a request, and its
// card opens; bad targets fail typed and non-retryably.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { EvaluationOutcome, TrainingResult } from '../../activities/training-types';
import type { TaskEvaluation } from '../../src/training/types';
import { modelCardPath } from '../../src/model-card';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { createKey } from '../../src/serving/keys';
import { localStore } from '../../src/store';
import { recordHistory } from '../support/histories';
import { projectRoot, temporalCli, tempVarDir, withWorker } from '../support/temporal';

const run = promisify(execFile);

// RECORD_HISTORIES=1 also refreshes the committed multiclass history that test/pipeline/replay.test.ts replays.
const recording = process.env.RECORD_HISTORIES === '1';

type Spec = Record<string, unknown> & { name: string; source: Record<string, unknown>; target: Record<string, unknown>; model: Record<string, unknown>; features: { name: string; type: string }[] };

async function shipped(file: string, change: (s: Spec) => void = () => undefined): Promise<Spec> {
  const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets', file), 'utf8')) as Spec;
  change(spec);
  return spec;
}

/** The failure type of a failed workflow, whether the workflow or one of its activities threw it. */
function failureType(err: unknown): string | undefined {
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  let cause: unknown = err.cause;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

interface Case {
  file: string;
  /** Keeps the run small: a sample of rows and fewer rounds. */
  change: (s: Spec) => void;
  /** One row to score, keyed by feature name. */
  row: Record<string, string | number>;
  check: (result: TrainingResult<EvaluationOutcome>, v1: Record<string, unknown>, oip: { name: string; datatype: string; shape: number[]; data: unknown[] }[]) => void;
  cardParts: string[];
  /** Train a second time on the same data: the first version is then the champion compared on the same holdout. */
  again?: boolean;
  /**
   * The first run is started by the `temporal` CLI, as the README shows: the spec by its path in datasets/ (as
   * shipped) or inline in --input (the sampled spec). Otherwise through the SDK.
   */
  cli?: 'path' | 'inline';
}

const FLIGHT = { hour: 17, day_of_week: 5, distance: 740, origin: 'ORD', destination: 'LGA' };
const PENGUIN = { 'Beak Length (mm)': 46.5, 'Beak Depth (mm)': 14.8, 'Flipper Length (mm)': 217, 'Body Mass (g)': 5200, Island: 'Biscoe', Sex: 'FEMALE' };

const CASES: Case[] = [
  {
    file: 'flights-delay.json',
    change: (s) => {
      s.source.sampleRows = 20000;
      s.model.rounds = 30;
    },
    row: FLIGHT,
    check: (result, v1, oip) => {
      assert.equal(result.task, 'regression');
      const m = (result as TrainingResult<TaskEvaluation<'regression'>>).metrics;
      assert.ok(m.candidate.rmse < m.baselines[0].metrics.rmse, `RMSE ${m.candidate.rmse} beats the mean's ${m.baselines[0].metrics.rmse}`);
      assert.equal(typeof v1.prediction, 'number');
      assert.ok(Number.isFinite(v1.prediction));
      assert.deepEqual(
        oip.map((o) => [o.name, o.datatype, o.shape]),
        [['prediction', 'FP32', [1]]],
      );
      assert.ok(Math.abs((oip[0].data[0] as number) - (v1.prediction as number)) < 1e-4, 'v1 and OIP agree');
    },
    cardParts: ['RMSE', 'Predicted against actual', 'Residuals', 'ridge', 'mean'],
    cli: 'inline',
  },
  {
    file: 'penguins-species.json',
    change: () => undefined,
    row: PENGUIN,
    check: (result, v1, oip) => {
      assert.equal(result.task, 'multiclass');
      assert.deepEqual(result.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
      const m = (result as TrainingResult<TaskEvaluation<'multiclass'>>).metrics;
      assert.ok(m.candidate.accuracy >= 0.9, `accuracy ${m.candidate.accuracy}`);
      assert.equal(v1.label, 'Gentoo', `a 5200 g Biscoe bird with a 217 mm flipper is a Gentoo (${JSON.stringify(v1)})`);
      const probs = v1.probabilities as Record<string, number>;
      assert.deepEqual(Object.keys(probs).sort(), ['Adelie', 'Chinstrap', 'Gentoo']);
      assert.ok(Math.abs(Object.values(probs).reduce((a, b) => a + b, 0) - 1) < 1e-4);
      const p = oip.find((o) => o.name === 'probabilities');
      assert.deepEqual(p?.shape, [1, 3]);
      assert.ok(oip.some((o) => o.name === 'label'));
    },
    cardParts: ['Confusion matrix', 'Per-class metrics', 'multinomial logistic', 'Chinstrap', 'champion v1'],
    again: true,
    cli: 'path',
  },
  {
    file: 'seattle-weather.json',
    change: (s) => void (s.model.rounds = 40),
    row: { precipitation: 12.5, temp_max: 9, temp_min: 4, wind: 5.5, month: 11 },
    check: (result, v1) => {
      assert.equal(result.task, 'multiclass');
      assert.equal(result.classes?.length, 5);
      assert.ok(result.classes?.includes(v1.label as string), `label ${String(v1.label)}`);
    },
    cardParts: ['Confusion matrix', 'drizzle', 'snow'],
  },
];

/** `temporal workflow start --type trainingPipeline ...`, the README's line, with the project's CLI binary. */
async function startWithCli(address: string, namespace: string, taskQueue: string, workflowId: string, input: { spec: unknown }): Promise<void> {
  const args = [
    'workflow',
    'start',
    '--type',
    'trainingPipeline',
    '--task-queue',
    taskQueue,
    '--workflow-id',
    workflowId,
    '--input',
    JSON.stringify(input),
    '--address',
    address,
    '--namespace',
    namespace,
  ];
  const { stdout } = await run(temporalCli(), args);
  assert.match(stdout, new RegExp(workflowId), 'the CLI names the run it started');
}

describe('trainingPipeline per task, end to end', function () {
  this.timeout(600_000);

  for (const c of CASES) {
    it(`${c.file}: trains, is promoted, served (v1 and OIP), scores a request, and its card opens`, async () => {
      const varDir = tempVarDir();
      const spec = await shipped(c.file, c.change);
      const result = await withWorker(
        async ({ env, taskQueue }) => {
          const train = async (n: number) => {
            const workflowId = `task-${spec.name}-${n}-${Date.now()}`;
            const handle =
              c.cli && n === 1
                ? await startWithCli(env.address, env.namespace ?? 'default', taskQueue, workflowId, { spec: c.cli === 'path' ? `datasets/${c.file}` : spec }).then(() =>
                    env.client.workflow.getHandle(workflowId),
                  )
                : await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId, args: [{ spec }] });
            const out = (await handle.result()) as TrainingResult<EvaluationOutcome>;
            if (recording && c.again && n === 2) {
              await recordHistory('trainingPipeline-multiclass-vs-champion', { address: env.address, namespace: env.namespace ?? 'default', workflowId: handle.workflowId }, varDir);
            }
            return out;
          };
          const first = await train(1);
          if (!c.again) return first;
          assert.equal(first.promoted, true, first.promotionReason);
          const second = await train(2);
          // the same data and seed make the same model: it ties the champion, which "not worse" lets through
          const champion = (second.metrics as TaskEvaluation['metrics']).champion;
          assert.equal(champion?.version, first.version, 'the second run was compared with the first version on the same holdout');
          assert.ok(
            second.gates.reasons.some((r) => r.startsWith(`no regression: log loss`)),
            second.gates.reasons.join('; '),
          );
          return second;
        },
        { varDir, context: { driftScheduleMinutes: 0, qualityScheduleMinutes: 0 } },
      );
      console.log(`      ${spec.name}: ${result.rows} rows; ${result.gates.reasons.join('; ')}`);
      assert.equal(result.promoted, true, result.promotionReason);
      assert.ok(result.parity.ok, `parity ${result.parity.maxAbsDiff}`);

      const registry = new Registry(localStore(varDir));
      assert.equal(await registry.alias(spec.name), result.version);
      const meta = await registry.metadata(spec.name, result.version);
      assert.equal(meta.extra.task, result.task);
      if (result.classes) assert.deepEqual(meta.extra.classes, result.classes);

      const app = await buildApp({ registry, varDir, modelName: spec.name, config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
      try {
        await app.ready();
        const key = (await createKey(localStore(varDir), 'tester', 'user')).key;
        await app.serving.reloadKeys();
        const headers = { authorization: `Bearer ${key}` };
        const v1 = await app.inject({ method: 'POST', url: '/v1/predict', headers, payload: { instances: [c.row] } });
        assert.equal(v1.statusCode, 200, v1.body);
        const inputs = spec.features.map((f) => ({ name: f.name, datatype: f.type === 'numeric' ? 'FP32' : 'BYTES', shape: [1, 1], data: [c.row[f.name]] }));
        const oip = await app.inject({ method: 'POST', url: `/v2/models/${spec.name}/infer`, headers, payload: { inputs } });
        assert.equal(oip.statusCode, 200, oip.body);
        c.check(result, v1.json<{ predictions: Record<string, unknown>[] }>().predictions[0], oip.json().outputs);

        const card = await app.inject({ method: 'GET', url: modelCardPath(spec.name, result.version) });
        assert.equal(card.statusCode, 200, card.body);
        assert.doesNotMatch(card.body, /(https?:)?\/\/[a-z0-9]|<script/i, 'self-contained');
        for (const part of c.cardParts) assert.ok(card.body.includes(part), `the card shows ${part}`);
        for (const f of spec.features) assert.ok(card.body.includes(`<td>${f.name.replace('&', '&amp;')}</td>`), `the card names ${f.name}`);
      } finally {
        await app.close();
      }
    });
  }

  const bad: [string, string, string, (s: Spec) => void][] = [
    [
      'a non-numeric regression target',
      'penguins-species.json',
      'DataColumnWrongType',
      (s) => {
        s.target = { column: 'Species', task: 'regression' };
        delete s.gates;
      },
    ],
    [
      'a multiclass target with one class',
      'penguins-species.json',
      'DataSingleClass',
      (s) => {
        s.target = { column: 'Species', task: 'multiclass' };
        s.source.where = `"Species" = 'Adelie'`;
      },
    ],
    ['a class in target.classes that never occurs', 'penguins-species.json', 'DataClassMissing', (s) => void (s.target.classes = ['Adelie', 'Chinstrap', 'Gentoo', 'Emperor'])],
    ['a row whose class is not in target.classes', 'penguins-species.json', 'DataUnknownClass', (s) => void (s.target.classes = ['Adelie', 'Gentoo'])],
  ];
  for (const [what, file, type, change] of bad) {
    it(`fails non-retryably with ${type} on ${what}, leaving no version`, async () => {
      const varDir = tempVarDir();
      const spec = await shipped(file, change);
      await withWorker(
        async ({ env, taskQueue }) => {
          const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `bad-task-${type}-${Date.now()}`, args: [{ spec }] });
          const err = await handle.result().then(
            () => assert.fail('must fail'),
            (e: unknown) => e,
          );
          assert.equal(failureType(err), type, String((err as WorkflowFailedError).cause));
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
