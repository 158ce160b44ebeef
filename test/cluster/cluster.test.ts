// `make cluster` for real: PostgreSQL, a Temporal server on it, MinIO, two workers and two API replicas, and the faults
// a deployment meets (a worker host dies or is stopped mid-step, the Temporal server or PostgreSQL dies, the object store
// goes away for 30 s). Each scenario sets up what it needs, so any one of them passes alone (`--grep`).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TrainingResult } from '../../activities/training-types';
import { startCluster, type Cluster } from '../../src/cluster/topology';
import { captureFileName } from '../../src/drift/monitor';
import { projectRoot } from '../support/temporal';
import {
  activityRuns,
  activitySpans,
  completedActivity,
  flightRow,
  heldStep,
  historyOf,
  lastProgressRound,
  metric,
  pendingActivityWorker,
  predict,
  servedVersion,
  stepOutcome,
  temporalCliRun,
  testClusterSettings,
  waitFor,
  type HeldStep,
  type Replica,
} from './helpers';
import { openStoreView, type StoreView } from './store-view';

const MODEL = 'flights-small';
const MODEL_POLL_MS = 500;
const SPEC = 'datasets/flights-small.json';
/** trainingPipeline's data steps: they scan and write files with DuckDB and heartbeat while they do. */
const DATA_STEPS = ['ingest', 'validateData', 'profileData', 'evaluateModel'] as const;

/** A dataset spec from datasets/ under another model name, so a scenario has a registry entry of its own. */
async function specNamed(file: string, name: string): Promise<Record<string, unknown>> {
  return { ...(JSON.parse(await readFile(path.join(projectRoot, file), 'utf8')) as Record<string, unknown>), name };
}

/** What became of a step whose worker was SIGTERMed while it held it. */
interface Handover {
  step: HeldStep;
  /** The worker whose attempt completed the step. */
  finishedBy: string;
  attempt: number;
  /** How the server recorded the end of each failed attempt: an application failure type, or `timeout:<TYPE>`. */
  failures: string[];
  /** From the SIGTERM to the worker process's exit. */
  exitedAfterMs: number;
  result: unknown;
}

const drained = (h: Handover) => h.finishedBy === h.step.identity;
const describeHandover = (h: Handover) =>
  `${h.step.type} held by ${h.step.identity}: ${drained(h) ? 'finished by it while draining' : `handed back (${h.failures.join(', ')}) and finished by ${h.finishedBy} (attempt ${h.attempt})`}; ${h.step.identity} exited ${(h.exitedAfterMs / 1000).toFixed(1)} s after SIGTERM`;

/**
 * The step went on: finished by the draining worker within its grace time, or finished by the other worker after the
 * SIGTERMed one handed it back (WorkerShutdown) or, at worst, after its heartbeat timeout. A heartbeat timeout is the
 * bound for a task lost in transit: the SDK interrupts the worker's outstanding poll on shutdown, so a task the server
 * matched to that poll at that moment is recorded as started by the stopping worker and never reaches its code.
 * Never the start-to-close timeout (30 minutes for a data step): that was the old "never handed back" hang.
 */
function assertHandedOver(h: Handover): void {
  if (drained(h)) return;
  assert.ok(h.attempt > h.step.attempt, `a later attempt finished it: ${describeHandover(h)}`);
  assert.ok(h.failures.length > 0, `the server recorded how the SIGTERMed worker's attempt ended: ${describeHandover(h)}`);
  const allowed = ['WorkerShutdown', 'timeout:TIMEOUT_TYPE_HEARTBEAT'];
  assert.deepEqual(
    h.failures.filter((f) => !allowed.includes(f)),
    [],
    `handed back as WorkerShutdown or retried after the heartbeat timeout: ${describeHandover(h)}`,
  );
}

/** Rows (JSON lines) in a replica's local capture spool. */
async function spoolRows(folder: string): Promise<number> {
  let rows = 0;
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    if (name.endsWith('.jsonl')) rows += (await readFile(path.join(folder, name), 'utf8')).split('\n').filter((l) => l.trim()).length;
  }
  return rows;
}

/** Figures for the README, printed at the end of the run. */
const figures: string[] = [];
const note = (line: string) => {
  figures.push(line);
};

describe('make cluster: the production topology on one machine', function () {
  this.timeout(15 * 60_000);
  let cluster: Cluster;
  let client: Client;
  let store: StoreView;
  let replicas: Replica[];
  const log: string[] = [];
  const apiKey = `cluster-test-${randomBytes(12).toString('hex')}`;
  /** Prediction rows the replicas acknowledged (200) and so must have captured, unless they counted a drop. */
  let acknowledgedRows = 0;
  /** A finished trainingPipeline of SPEC whose version became MODEL's champion: the first scenario's run, or one started by whichever scenario needs it first. */
  let reference: Promise<TrainingResult> | undefined;
  const bootStarted = Date.now();

  // A runner that stops mocha with a signal must not leave the cluster's processes behind.
  const onSignal = () => {
    for (const c of cluster?.supervisor.all ?? []) c.signal('SIGKILL');
    process.exit(130);
  };

  before(async function () {
    this.timeout(10 * 60_000);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    const settings = await testClusterSettings({
      MODEL_POLL_MS: String(MODEL_POLL_MS),
      CAPTURE_FLUSH_MS: '200',
      CAPTURE_UPLOAD_MS: '300',
      API_KEYS: apiKey,
      SERVING_DEV_KEY: 'false',
      TRAIN_ON_FIRST_START: 'false',
      LOG_LEVEL: 'warn',
    });
    try {
      cluster = await startCluster(settings, {
        say: (line) => log.push(`[cluster] ${line}`),
        write: (line) => log.push(line),
        // restart quickly: the tests kill components on purpose
        restartPolicy: { initialDelayMs: 500, maxDelayMs: 5000, stableAfterMs: 30_000 },
      });
    } catch (err) {
      const serverLog = await readFile(path.join(settings.dir, 'logs', 'temporal.log'), 'utf8').catch(() => '');
      process.stdout.write(
        `--- cluster log ---\n${log.join('\n')}\n--- temporal.log (last 30 lines) ---\n${serverLog
          .split('\n')
          .slice(-30)
          .map((l) => l.slice(0, 400))
          .join('\n')}\n`,
      );
      throw err;
    }
    client = new Client({ connection: cluster.connection, namespace: settings.namespace });
    store = openStoreView(cluster.appEnv, path.join(settings.dir, 'test-client'));
    replicas = cluster.apis.map((a) => ({ url: a.url, key: apiKey }));
    note(`boot (PostgreSQL, schema, Temporal server, UI, MinIO, 2 workers, 2 API replicas): ${((Date.now() - bootStarted) / 1000).toFixed(1)} s`);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stdout.write(`--- cluster log (last 80 lines) ---\n${log.slice(-80).join('\n')}\n`);
    // a scenario that failed half-way must not leave a worker or the store held down for the next one
    for (const c of cluster?.supervisor.all ?? []) if (c.name.startsWith('worker-') || c.name === 'minio') c.release();
  });

  after(async function () {
    this.timeout(120_000);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await cluster?.stop();
    if (cluster) await rm(cluster.settings.dir, { recursive: true, force: true });
    if (figures.length) process.stdout.write(`\n  cluster figures (this run):\n${figures.map((f) => `    - ${f}`).join('\n')}\n`);
  });

  const startTraining = async (workflowId: string, extra: Record<string, unknown> = {}, spec: string | Record<string, unknown> = SPEC) => {
    await temporalCliRun(cluster.temporalAddress, [
      'workflow',
      'start',
      '--type',
      'trainingPipeline',
      '--task-queue',
      cluster.settings.taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify({ spec, ...extra }),
    ]);
    return client.workflow.getHandle(workflowId);
  };

  const championRun = (): Promise<TrainingResult> =>
    (reference ??= (async () => {
      const result = (await (await startTraining(`cluster-reference-${Date.now()}`)).result()) as TrainingResult;
      assert.equal(result.promoted, true, result.promotionReason);
      return result;
    })().catch((err: unknown) => {
      reference = undefined;
      throw err;
    }));

  /** MODEL has a champion and both replicas serve it; its version. */
  const servingChampion = async (): Promise<number> => {
    await championRun();
    const champion = await store.champion(MODEL);
    assert.ok(champion !== undefined, `${MODEL} has a champion`);
    for (const r of replicas) await waitFor(`${r.url} to serve ${MODEL} v${champion}`, 60_000, async () => (await servedVersion(r.url)) === champion, 20);
    return champion;
  };

  /**
   * Waits until a cluster worker holds a step of one of these types in the run, SIGTERMs that worker and keeps it down,
   * then follows the step to its end: how the server recorded each failed attempt, the worker process's exit, the result.
   */
  const sigtermDuring = async (workflowId: string, types: readonly string[]): Promise<Handover> => {
    const step = await waitFor(
      `a cluster worker to hold ${types.join(' or ')}`,
      600_000,
      async () => {
        const held = await heldStep(client, workflowId, types);
        return held === 'closed' || (held && cluster.workers.some((w) => w.identity === held.identity)) ? held : undefined;
      },
      100,
    );
    assert.ok(step !== 'closed', `the run ended before a worker was seen holding ${types.join(' or ')}`);
    const victim = cluster.component(cluster.workers.find((w) => w.identity === step.identity)?.name ?? step.identity);
    victim.hold();
    victim.signal('SIGTERM');
    const signalledAt = Date.now();
    const failures = new Set<string>();
    let done = false;
    const watch = (async () => {
      while (!done) {
        const d = await client.workflow
          .getHandle(workflowId)
          .describe()
          .catch(() => undefined);
        for (const p of d?.raw.pendingActivities ?? []) {
          if (p.activityId !== step.activityId || !p.lastFailure) continue;
          const timeout = p.lastFailure.timeoutFailureInfo;
          failures.add(p.lastFailure.applicationFailureInfo?.type ?? (timeout ? `timeout:${temporal.api.enums.v1.TimeoutType[timeout.timeoutType ?? 0]}` : (p.lastFailure.message ?? '?')));
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      // grace time 10 s, then the step is handed back; the force time (30 s) bounds a step that does not let go
      // eslint-disable-next-line @typescript-eslint/require-await -- the callee expects a function returning a promise
      await waitFor(`${victim.name} to exit after SIGTERM`, 120_000, async () => !victim.running);
      const exitedAfterMs = Date.now() - signalledAt;
      const result = await client.workflow.getHandle(workflowId).result();
      const outcome = stepOutcome(await historyOf(client, workflowId), step.activityId);
      assert.ok(outcome?.completed, `${step.type} completed: ${JSON.stringify(outcome)}`);
      return { step, finishedBy: outcome.identity, attempt: outcome.attempt, failures: [...failures], exitedAfterMs, result };
    } finally {
      done = true;
      await watch;
      victim.release();
    }
  };

  /** Capture objects for a busy hour: many small uploads (replicas upload every few hundred ms), stamped 30 s ago. */
  const writeBusyHour = async (model: string, version: number, objects: number, rowsPerObject: number): Promise<number> => {
    const at = Date.now() - 30_000;
    const ts = new Date(at).toISOString();
    let next = 0;
    const writer = async () => {
      for (let i = next++; i < objects; i = next++) {
        let text = '';
        for (let r = 0; r < rowsPerObject; r++) {
          const n = i * rowsPerObject + r;
          const probability = (n % 97) / 100;
          text += `${JSON.stringify({ ts, model, version, api: 'predict', request_id: `busy-${i}`, key_id: 'busy', row: r, id: `busy-${i}.${r}`, probability, label: probability >= 0.5 ? 1 : 0, features: flightRow(n) })}\n`;
        }
        await store.putCapture(model, captureFileName(at, `busy${i % 8}`, i), text);
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    return objects * rowsPerObject;
  };

  it('runs a trainingPipeline started with `temporal workflow start` on both workers, a scratch folder deleted between steps, and registers exactly one version', async () => {
    const [a, b] = cluster.workers;
    // Worker b's host is down when the run starts, worker a's goes down after the first step (and its disk is wiped):
    // the rest of the run can only continue from what the first step put in the store.
    const workerB = cluster.component(b.name);
    workerB.hold();
    workerB.signal('SIGTERM');
    // eslint-disable-next-line @typescript-eslint/require-await -- the callee expects a function returning a promise
    await waitFor('worker b to stop', 30_000, async () => !workerB.running);

    const versionsBefore = await store.versions(MODEL);
    const started = Date.now();
    const handle = await startTraining('cluster-train-1');
    await waitFor('ingest to complete on worker a', 120_000, async () => completedActivity(await historyOf(client, handle.workflowId), 'ingest'));
    const workerA = cluster.component(a.name);
    workerA.hold();
    workerA.signal('SIGTERM');
    // eslint-disable-next-line @typescript-eslint/require-await -- the callee expects a function returning a promise
    await waitFor('worker a to stop', 30_000, async () => !workerA.running);
    await rm(a.scratch, { recursive: true, force: true });
    workerB.release();

    const result = (await handle.result()) as TrainingResult;
    workerA.release();
    reference ??= Promise.resolve(result);
    note(`trainingPipeline on ${SPEC} across two workers: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const runs = activityRuns(await historyOf(client, handle.workflowId));
    const byWorker = new Map<string, string[]>();
    for (const r of runs) byWorker.set(r.identity, [...(byWorker.get(r.identity) ?? []), r.type]);
    assert.deepEqual([...byWorker.keys()].sort(), [a.identity, b.identity], `activities ran on both workers: ${JSON.stringify(Object.fromEntries(byWorker))}`);
    // worker a ran ingest, and may have finished the step it held while draining on SIGTERM; everything after is b's
    assert.equal(byWorker.get(a.identity)?.[0], 'ingest');
    // (how many steps a finished before its SIGTERM landed depends on the machine's load; that they all came before b's does not)
    const order = runs.map((r) => r.identity);
    assert.ok(order.lastIndexOf(a.identity) < order.indexOf(b.identity), `worker a's steps all came before worker b's: ${runs.map((r) => `${r.type}@${r.identity}`).join(', ')}`);
    // which step a was holding when its SIGTERM landed depends on the load; the run's last steps are always b's
    assert.ok(byWorker.get(b.identity)?.includes('registerModel'), `worker b registered the version: ${runs.map((r) => `${r.type}@${r.identity}`).join(', ')}`);
    assert.equal(result.promoted, true, result.promotionReason);
    assert.deepEqual(await store.versions(MODEL), [...versionsBefore, result.version], 'exactly one registry version added');
    assert.equal(await store.champion(MODEL), result.version);
  });

  it('serves the new champion from both API replicas within MODEL_POLL_MS of promotion', async () => {
    await championRun();
    const promotedAt = Date.now();
    const champion = await store.champion(MODEL);
    const seen = await Promise.all(
      replicas.map(async (r) => {
        await waitFor(`${r.url} to serve version ${champion}`, 30_000, async () => (await servedVersion(r.url)) === champion, 20);
        return Date.now() - promotedAt;
      }),
    );
    note(`both replicas serving the new champion ${Math.max(...seen)} ms after the run returned (MODEL_POLL_MS=${MODEL_POLL_MS})`);
    for (const r of replicas) {
      const answer = await predict(r, 5);
      assert.equal(answer.status, 200);
      assert.equal(answer.version, champion);
      acknowledgedRows += 5;
    }
  });

  it('runs driftMonitor over the captures of both replicas', async () => {
    await servingChampion();
    const [first, second] = replicas;
    for (let i = 0; i < 3; i++) {
      assert.equal((await predict(first, 40, i * 40)).status, 200);
      acknowledgedRows += 40;
    }
    assert.equal((await predict(second, 70)).status, 200);
    acknowledgedRows += 70;
    // each replica spools capture locally and uploads its own objects every CAPTURE_UPLOAD_MS
    const objects = await waitFor('both replicas to upload every captured row', 60_000, async () => {
      const rows = await store.captureRows(MODEL);
      const total = [...rows.values()].reduce((s, n) => s + n, 0);
      return total === acknowledgedRows ? rows : undefined;
    });
    // object names are <hour>-<writer tag>-<sequence>.jsonl: one tag per replica, each writing only its own objects
    const writers = new Set([...objects.keys()].map((name) => name.split('-')[1]));
    assert.equal(writers.size, cluster.apis.length, `each replica wrote its own capture objects: ${[...objects.keys()].join(', ')}`);
    const out = await temporalCliRun(cluster.temporalAddress, [
      'workflow',
      'execute',
      '--type',
      'driftMonitor',
      '--task-queue',
      cluster.settings.taskQueue,
      '--workflow-id',
      'cluster-drift-1',
      '--input',
      JSON.stringify({ model: MODEL, window: { lastMinutes: 60 }, lagSeconds: 0, retrainOnDrift: false }),
      '--output',
      'json',
    ]);
    const result = (JSON.parse(out) as { result: { rows?: number } }).result;
    assert.equal(result.rows, acknowledgedRows, 'driftMonitor read every row both replicas captured');
  });

  it('resumes trainModel on the other worker from the checkpoint in the store after SIGKILL, and trains the same model', async () => {
    // the same spec trained without a kill, to compare bytes with
    const uninterrupted = await championRun();
    const versionsBefore = await store.versions(MODEL);
    const started = Date.now();
    const handle = await startTraining('cluster-train-2', { promote: false });
    await waitFor('a training checkpoint', 180_000, async () => lastProgressRound(await historyOf(client, handle.workflowId)) > 0);
    const victimIdentity = await waitFor('the worker running trainModel', 30_000, () => pendingActivityWorker(client, handle.workflowId, 'trainModel'));
    const victim = cluster.workers.find((w) => w.identity === victimIdentity);
    assert.ok(victim, `trainModel runs on a cluster worker (${victimIdentity})`);
    const checkpointRound = lastProgressRound(await historyOf(client, handle.workflowId));
    const component = cluster.component(victim.name);
    component.hold();
    component.signal('SIGKILL');
    const killedAt = Date.now();

    const result = (await handle.result()) as TrainingResult;
    component.release();
    note(
      `trainModel SIGKILLed at checkpoint round ${checkpointRound}: run finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s later on the other worker (heartbeat timeout 20 s), ${((Date.now() - started) / 1000).toFixed(1)} s in all`,
    );

    const train = activityRuns(await historyOf(client, handle.workflowId)).find((r) => r.type === 'trainModel');
    assert.ok(train && train.identity !== victimIdentity, `the retry ran on the other worker (${train?.identity})`);
    assert.ok(result.training.attempt >= 2, `training ran again (attempt ${result.training.attempt})`);
    assert.ok(result.training.resumedFromRound >= checkpointRound, `resumed from round ${result.training.resumedFromRound}, checkpoint at ${checkpointRound}`);
    assert.deepEqual(await store.trainedModel(result), await store.trainedModel(uninterrupted), 'the resumed model is byte for byte the uninterrupted one');
    assert.deepEqual(await store.versions(MODEL), [...versionsBefore, result.version], 'exactly one registry version added');
  });

  it('finishes a run across a SIGKILL of the Temporal server, and schedules keep firing', async () => {
    const schedule = await client.schedule.create({
      scheduleId: 'cluster-ticks',
      spec: { intervals: [{ every: '5 seconds' }] },
      action: { type: 'startWorkflow', workflowType: 'systemCheck', taskQueue: cluster.settings.taskQueue, args: [{ note: 'tick' }] },
      policies: { overlap: 'SKIP', catchupWindow: '1 minute', pauseOnFailure: false },
    });
    try {
      const fired = async () => (await schedule.describe()).info.recentActions.length;
      await waitFor('the schedule to fire', 30_000, async () => (await fired()) >= 1);
      const versionsBefore = await store.versions(MODEL);
      const handle = await startTraining('cluster-train-3', { promote: false });
      await waitFor('training to start', 180_000, async () => lastProgressRound(await historyOf(client, handle.workflowId)) > 0);

      const server = cluster.component('temporal');
      const restarted = server.nextStart();
      server.signal('SIGKILL');
      const killedAt = Date.now();
      // while the server is down (and restarting), the API keeps serving its loaded model
      const during = await Promise.all(replicas.map((r) => predict(r, 1)));
      acknowledgedRows += during.filter((d) => d.status === 200).length;
      assert.deepEqual(
        during.map((d) => d.status),
        [200, 200],
        'the API answers while Temporal is down',
      );
      assert.deepEqual(
        (await Promise.all(replicas.map((r) => fetch(`${r.url}/readyz`)))).map((r) => r.status),
        [200, 200],
        '/readyz does not depend on Temporal',
      );
      await restarted;

      const result = (await handle.result()) as TrainingResult;
      note(`Temporal server SIGKILLed mid-training: restarted by the supervisor, run finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
      assert.deepEqual(await store.versions(MODEL), [...versionsBefore, result.version], 'exactly one registry version added');
      const before = (await schedule.describe()).info.recentActions.at(-1)?.takenAt.getTime() ?? 0;
      await waitFor('the schedule to fire after the restart', 60_000, async () => (await schedule.describe()).info.recentActions.some((a) => a.takenAt.getTime() > Math.max(before, killedAt)));
    } finally {
      await schedule.delete();
    }
  });

  // SIGTERM (a rolling restart, a scale-down) of the worker holding each kind of step: the step goes on (finished by the
  // draining worker, or handed back and finished by the other one), the run succeeds, and the worker process exits.
  it('a SIGTERMed worker holding a data step (the 2M-row flights spec) drains or hands it back: the run registers exactly one version', async () => {
    const model = 'flights-sigterm-data';
    // the full Jan-Apr flights rather than the 100k sample: each data step scans 2M rows, long enough to be caught on a worker
    const spec = await specNamed('datasets/flights.json', model);
    const versionsBefore = await store.versions(model);
    const workflowId = `cluster-sigterm-data-${Date.now()}`;
    await startTraining(workflowId, { promote: false }, spec);
    const h = await sigtermDuring(workflowId, DATA_STEPS);
    const result = h.result as TrainingResult;
    note(`data step under SIGTERM: ${describeHandover(h)}`);
    assertHandedOver(h);
    assert.deepEqual(await store.versions(model), [...versionsBefore, result.version], 'exactly one registry version added');
  });

  it('a SIGTERMed worker holding trainModel (the 2M-row flights spec) drains or hands it back: the run registers exactly one version', async () => {
    const model = 'flights-sigterm-train';
    // the 100k sample trains in seconds and is usually finished within the grace time; 2M rows keep the step running
    const spec = await specNamed('datasets/flights.json', model);
    const versionsBefore = await store.versions(model);
    const workflowId = `cluster-sigterm-train-${Date.now()}`;
    await startTraining(workflowId, { promote: false }, spec);
    const h = await sigtermDuring(workflowId, ['trainModel']);
    const result = h.result as TrainingResult;
    note(`train step under SIGTERM: ${describeHandover(h)}; resumed from round ${result.training.resumedFromRound}`);
    assertHandedOver(h);
    assert.deepEqual(await store.versions(model), [...versionsBefore, result.version], 'exactly one registry version added');
  });

  it('a SIGTERMed worker holding a monitor step (checkDrift over a busy hour of capture) drains or hands it back: the run reads every row and adds no version', async () => {
    const model = 'flights-sigterm-drift';
    const trained = (await (await startTraining(`cluster-sigterm-drift-train-${Date.now()}`, {}, await specNamed(SPEC, model))).result()) as TrainingResult;
    assert.equal(trained.promoted, true, trained.promotionReason);
    // 600 objects of 400 rows: the scan fetches each object from the store before DuckDB reads them all
    const rows = await writeBusyHour(model, trained.version, 600, 400);
    const versionsBefore = await store.versions(model);
    const workflowId = `cluster-sigterm-drift-${Date.now()}`;
    await client.workflow.start('driftMonitor', {
      taskQueue: cluster.settings.taskQueue,
      workflowId,
      args: [{ model, window: { lastMinutes: 60 }, lagSeconds: 0, retrainOnDrift: false }],
    });
    const h = await sigtermDuring(workflowId, ['checkDrift']);
    const result = h.result as { rows?: number; reportId?: string };
    note(`monitor step under SIGTERM: ${describeHandover(h)}`);
    assertHandedOver(h);
    assert.equal(result.rows, rows, 'the drift report counts every captured row once');
    assert.ok(result.reportId, 'a report was written');
    assert.deepEqual(await store.versions(model), versionsBefore, 'a monitor run adds no registry version');
  });

  it('finishes a run across a SIGKILL of PostgreSQL mid-training: the supervisor restarts it, the server reconnects', async () => {
    // its own run and version check: this scenario does not depend on the ones before it
    const handle = await startTraining(`cluster-train-pg-${Date.now()}`, { promote: false });
    await waitFor('training to start', 180_000, async () => lastProgressRound(await historyOf(client, handle.workflowId)) > 0);
    const postgres = cluster.component('postgres');
    const restarted = postgres.nextStart();
    const before = postgres.restarts;
    postgres.signal('SIGKILL');
    const killedAt = Date.now();
    await restarted;
    const result = (await handle.result()) as TrainingResult;
    note(`PostgreSQL SIGKILLed mid-training: restarted by the supervisor, run finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    assert.equal(postgres.restarts, before + 1);
    assert.ok((await store.versions(MODEL)).includes(result.version), `version ${result.version} is registered`);
    // the supervisor and its watchdog saw it all as one cluster: no workers-down alert for a database restart
    assert.ok(!log.some((l) => /Workers down/.test(l)), 'no workers-down alert');
  });

  it('rides out 30 s without the object store: activities retry and finish, the API serves and buffers capture, nothing acknowledged is lost', async () => {
    await servingChampion();
    const handle = await startTraining('cluster-train-4', { promote: false });
    await waitFor('ingest to complete', 120_000, async () => completedActivity(await historyOf(client, handle.workflowId), 'ingest'));
    const minio = cluster.component('minio');
    minio.hold();
    minio.signal('SIGTERM');
    // eslint-disable-next-line @typescript-eslint/require-await -- the callee expects a function returning a promise
    await waitFor('MinIO to stop', 30_000, async () => !minio.running);
    const stoppedAt = Date.now();
    const dropsBefore = await Promise.all(replicas.map((r) => metric(r.url, 'capture_records_dropped_total')));
    const writtenBefore = await Promise.all(replicas.map((r) => metric(r.url, 'capture_records_written_total')));
    let answered = 0;
    let tries = 0;
    while (Date.now() - stoppedAt < 30_000) {
      for (const r of replicas) {
        tries++;
        const res = await predict(r, 10, tries);
        if (res.status === 200) {
          answered++;
          acknowledgedRows += 10;
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const dropped = (await Promise.all(replicas.map((r) => metric(r.url, 'capture_records_dropped_total')))).reduce((s, d, i) => s + d - dropsBefore[i], 0);
    await new Promise((r) => setTimeout(r, 500)); // one more capture flush (CAPTURE_FLUSH_MS=200)
    const written = (await Promise.all(replicas.map((r) => metric(r.url, 'capture_records_written_total')))).reduce((s, w, i) => s + w - writtenBefore[i], 0);
    const spooled = await Promise.all(cluster.apis.map(async (api) => spoolRows(path.join(api.scratch, 'capture-spool', MODEL))));
    minio.release();
    const releasedAt = Date.now();
    note(`MinIO stopped 30 s: ${answered}/${tries} predictions answered during the outage; capture waiting in the replicas' local spools: ${spooled.join(' + ')} rows; ${dropped} dropped (counted)`);
    assert.equal(answered, tries, 'every prediction was answered from the loaded model');
    assert.equal(written + dropped, answered * 10, 'capture kept every answered row: written to the local spool, or dropped and counted');
    acknowledgedRows -= dropped;

    const result = (await handle.result()) as TrainingResult;
    // the scenarios before this one may have trained other versions: this run registered exactly one more
    const versions = await store.versions(MODEL);
    assert.equal(result.version, Math.max(...versions), `version ${result.version} is the newest of ${versions.join(', ')}`);
    assert.equal(new Set(versions).size, versions.length);
    // The step in flight when the store went away kept retrying its requests (STORE_RETRY_SECONDS, in the same
    // attempt) or spent a Temporal retry, and finished only after the store came back.
    const across = activitySpans(await historyOf(client, handle.workflowId)).filter((a) => a.scheduledMs < releasedAt && a.closedMs > releasedAt);
    assert.ok(across.length > 0, 'a step was in flight across the outage and finished after it');
    note(
      `run across the outage completed; in flight across it and finished afterwards: ${across.map((a) => `${a.type} (attempt ${a.attempt}, ${((a.closedMs - a.scheduledMs) / 1000).toFixed(1)} s)`).join(', ')}`,
    );

    await waitFor('every acknowledged capture row to reach the store', 120_000, async () => {
      const rows = await store.captureRows(MODEL);
      return [...rows.values()].reduce((s, n) => s + n, 0) === acknowledgedRows;
    });
    const out = await temporalCliRun(cluster.temporalAddress, [
      'workflow',
      'execute',
      '--type',
      'driftMonitor',
      '--task-queue',
      cluster.settings.taskQueue,
      '--workflow-id',
      'cluster-drift-2',
      '--input',
      JSON.stringify({ model: MODEL, window: { lastMinutes: 60 }, lagSeconds: 0, retrainOnDrift: false }),
      '--output',
      'json',
    ]);
    assert.equal((JSON.parse(out) as { result: { rows?: number } }).result.rows, acknowledgedRows, 'every acknowledged, undropped capture record reached the store');
  });

  it('keeps machine paths out of every workflow history: no scratch folder, no var/', async () => {
    // at least one full training's history, when this scenario runs alone
    await championRun();
    const forbidden = [cluster.settings.dir, ...cluster.workers.map((w) => w.scratch), path.join(projectRoot, 'var')];
    let checked = 0;
    for await (const wf of client.workflow.list()) {
      // payloads (inputs, results, heartbeat details, failures) are bytes: read them as text
      const decoded = JSON.stringify((await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events, (_k, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
      );
      for (const p of forbidden) assert.ok(!decoded.includes(p), `${wf.workflowId} mentions ${p}`);
      checked++;
    }
    assert.ok(checked >= 1, `checked ${checked} histories`);
  });
});
