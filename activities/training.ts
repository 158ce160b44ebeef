// trainingPipeline's activities: thin wrappers over src/ that key every write on the run and type every bad input.
import { Context, ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ingestSnapshot, SnapshotManifest, snapshotSpecHash } from '../src/data/ingest';
import { loadSplitFrames } from '../src/data/load-frame';
import { DataError } from '../src/data/source';
import { GbdtCheckpoint, GbdtModel } from '../src/model/gbdt';
import { exportOnnx } from '../src/model/onnx-export';
import { checkParity } from '../src/model/parity';
import { modelCardPath } from '../src/model-card';
import { TrainingCancelled, trainInThread } from '../src/model/train-in-thread';
import { DatasetProfile, profileSnapshot, suggestConstraints } from '../src/profile';
import { DataQualityReport, runQualitySuite } from '../src/quality';
import { Registry } from '../src/registry/registry';
import { SpecError } from '../src/spec/dataset';
import { CorruptObject, ObjectMissing } from '../src/store';
import { localizeSource, resolveSpecInput, type SpecInput } from '../src/spec/dataset-input';
import { ensureMonitorSchedules } from '../src/training/monitor-schedules';
import { writeRunCard } from '../src/training/card';
import { evaluateCandidate } from '../src/training/evaluate';
import { promoteVersion, type PromoteInput, type PromoteOutcome } from '../src/training/promotion';
import { qualityOutcome } from '../src/training/quality-gate';
import { registerRun } from '../src/training/register';
import { runDirName, runKeys, runPrefix } from '../src/store/layout';
import { runTask } from '../src/training/run-task';
import type { EvaluationOutcome, ParityOutcome, QualityOutcome, RegisterInput, RunRef, TrainingOutcome } from '../src/training/types';
import type { ActivityContext } from './context';
import { heartbeating } from './heartbeat';
import { monitorEnv } from './monitor-env';
import { temporalClient } from './temporal-client';

// The rules live in src/training; these re-exports keep older imports working.
export { baselineGate, decideGates } from '../src/training/gates';

/** Bad input becomes a non-retryable failure with a stable type; anything else stays retryable. */
function typed(err: unknown): unknown {
  if (err instanceof SpecError) return ApplicationFailure.nonRetryable(err.message, 'InvalidSpec', { issues: err.issues });
  if (err instanceof DataError) return ApplicationFailure.nonRetryable(err.message, err.type, err.details);
  // an object an earlier step wrote is gone: retrying this step cannot bring it back
  if (err instanceof ObjectMissing) return ApplicationFailure.nonRetryable(err.message, 'RunFileMissing', { key: err.key });
  return err;
}

/**
 * Runs a step with its failures typed. The data steps have a heartbeat timeout, so they beat with `stage` meanwhile;
 * training passes null because it beats each round with its progress.
 */
async function guarded<T>(fn: () => Promise<T>, stage: string | null): Promise<T> {
  try {
    return await (stage === null ? fn() : heartbeating(stage, fn));
  } catch (err) {
    throw typed(err);
  }
}

export const TRAINING_PROGRESS_SIGNAL = 'trainingProgress';

export interface TrainingActivityOptions {
  /** How often a silent phase of trainModel (download, frame load, uploads) heartbeats; tests shorten it. */
  heartbeatEveryMs?: number;
}

export function trainingActivities(ctx: ActivityContext, options: TrainingActivityOptions = {}) {
  const { store } = ctx;
  const beatEveryMs = options.heartbeatEveryMs ?? 5_000;
  /**
   * One silent phase of trainModel: it beats once as it starts and then on a timer, so a store stall or a long frame
   * load under the step's 20 s heartbeat timeout never costs an attempt, and the beat names the phase in the Web UI.
   */
  const phase = <T>(stage: string, fn: () => Promise<T>): Promise<T> => {
    Context.current().heartbeat(stage);
    return heartbeating(stage, fn, beatEveryMs);
  };
  const registry = new Registry(store);
  // a local file for DuckDB: the store's own file (local folder) or a cached download (object storage)
  const snapshotFile = (run: RunRef) => store.fetchFile(run.snapshotKey);

  return {
    /**
     * Snapshots the spec's data into the store (`runs/<run>/snapshot.parquet` + manifest). The spec may be a path, a
     * `store:` key or inline JSON, its data a local path or a `store:` key; a retry on any worker reuses the snapshot.
     */
    async ingest(input: { spec: SpecInput; workflowId: string; runId: string }): Promise<RunRef> {
      return guarded(async () => {
        const resolved = await resolveSpecInput(input.spec, { projectRoot: ctx.projectRoot, store });
        const { spec } = resolved;
        const dirName = runDirName(input.workflowId, input.runId);
        const keys = runKeys(runPrefix(input.workflowId, input.runId));
        const specHash = snapshotSpecHash(spec);
        let manifest = await store.getJson(keys.manifest, SnapshotManifest).catch((err: unknown) => {
          if (err instanceof CorruptObject) return undefined; // redo an unreadable snapshot
          throw err;
        });
        if (!manifest || manifest.specHash !== specHash || !(await store.exists(keys.snapshot))) {
          const scratch = path.join(ctx.varDir, 'scratch', 'ingest');
          const links = path.join(ctx.varDir, 'scratch', 'sources', dirName);
          try {
            const local = await ingestSnapshot({
              spec: await localizeSource(spec, store, links),
              specFile: resolved.specFile,
              outDir: scratch,
              runKey: dirName,
              onProgress: (stage) => Context.current().heartbeat(stage),
            });
            Context.current().heartbeat('uploading');
            await store.putFile(keys.snapshot, local.path);
            // the manifest names store keys and the spec's own source path, not this worker's files
            manifest = { ...local, path: keys.snapshot, specHash, source: { ...local.source, path: spec.source.path, files: [] } };
            await store.putJson(keys.manifest, manifest);
          } finally {
            await rm(path.join(scratch, dirName), { recursive: true, force: true });
            await rm(links, { recursive: true, force: true });
          }
        }
        return {
          runKey: `${input.workflowId}/${input.runId}`,
          runPrefix: keys.prefix,
          specSource: resolved.source,
          spec,
          modelName: spec.name,
          snapshotKey: keys.snapshot,
          rows: manifest.rows,
          contentHash: manifest.contentHash,
          expectationCount: spec.expectations.length,
          rounds: spec.model.rounds,
          task: manifest.task ?? 'binary',
          ...(manifest.classes ? { classes: manifest.classes } : {}),
        };
      }, 'ingest');
    },

    async validateData({ run }: { run: RunRef }): Promise<QualityOutcome> {
      return guarded(async () => {
        const report = DataQualityReport.parse(await runQualitySuite({ parquetFile: await snapshotFile(run) }, run.spec.expectations));
        const reportKey = runKeys(run.runPrefix).qualityReport;
        await store.putJson(reportKey, report);
        return qualityOutcome(report, reportKey);
      }, 'validating data');
    },

    async profileData({ run }: { run: RunRef }): Promise<{ profileKey: string; suggestedKey: string }> {
      return guarded(async () => {
        const profile = await profileSnapshot(await snapshotFile(run), run.spec.features);
        const keys = runKeys(run.runPrefix);
        await store.putJson(keys.profile, DatasetProfile.parse(profile));
        await store.putJson(keys.suggestedExpectations, suggestConstraints(profile));
        return { profileKey: keys.profile, suggestedKey: keys.suggestedExpectations };
      }, 'profiling');
    },

    /**
     * Trains round by round in a worker thread, heartbeating each round and checkpointing every `checkpointEvery`
     * rounds into the store; a retry after a lost worker, on any worker, resumes from the last checkpoint and ends
     * with the same model an uninterrupted run makes.
     */
    async trainModel({ run }: { run: RunRef }): Promise<TrainingOutcome> {
      return guarded(async () => {
        const context = Context.current();
        const keys = runKeys(run.runPrefix);
        const local = await phase('downloading the snapshot', () => snapshotFile(run));
        const { train, holdout } = await phase('loading the frames', () => loadSplitFrames(local, run.spec));
        const params = run.spec.model;
        // A checkpoint this code cannot resume (another format, a torn object) means starting over, never a stuck run;
        // an unreachable store fails the attempt instead, so a retry still resumes rather than silently redoing every round
        const saved = await phase('reading the checkpoint', () =>
          store.getJson(keys.checkpoint, GbdtCheckpoint).catch((err: unknown) => {
            if (err instanceof CorruptObject) return undefined;
            throw err;
          }),
        );
        const execution = context.info.workflowExecution;
        const report = async (round: number, of: number) => {
          if (!execution) return;
          try {
            const client = await temporalClient(ctx);
            await client.workflow.getHandle(execution.workflowId, execution.runId).signal(TRAINING_PROGRESS_SIGNAL, { round, of, attempt: context.info.attempt });
          } catch {
            // progress display is best effort; training must not fail for it
          }
        };
        // Boosting runs in a worker thread so this process keeps heartbeating and polling while a round computes. Each
        // round beats with its progress; the timer repeats the last progress through the thread's silent stretches
        // (binning before round 1, the baseline after the last round).
        let progress: string | { round: number; of: number } = 'binning the training rows';
        context.heartbeat(progress);
        const timer = setInterval(() => context.heartbeat(progress), beatEveryMs);
        const trained = await trainInThread(train, params, saved, {
          task: runTask(run),
          signal: context.cancellationSignal,
          onRound: (stats, of) => {
            progress = { round: stats.round, of };
            context.heartbeat(progress);
          },
          onCheckpoint: async (checkpoint, round, of) => {
            await store.putJson(keys.checkpoint, checkpoint);
            void report(round, of);
          },
        })
          .catch((err: unknown) => {
            if (err instanceof TrainingCancelled) throw new CancelledFailure('training cancelled');
            throw err;
          })
          .finally(() => clearInterval(timer));
        await phase('uploading the model', async () => {
          await store.putJson(keys.model, trained.model);
          // binary's logistic baseline is trained with the model; the other tasks' baselines are fitted by evaluation
          if (trained.baseline) await store.putJson(keys.baseline, trained.baseline);
        });
        const es = trained.model.earlyStopping;
        const roundsRun = (es ? es.roundsRun : trained.totalRounds) - trained.resumedFromRound;
        return {
          modelKey: keys.model,
          rounds: es ? es.roundsRun : trained.totalRounds,
          trees: trained.model.trees.length,
          ...(es ? { earlyStopping: es } : {}),
          trainRows: train.rows,
          holdoutRows: holdout.rows,
          msPerRound: roundsRun ? (trained.seconds * 1000) / roundsRun : 0,
          rowsPerSecond: trained.seconds ? trained.rows / trained.seconds : 0,
          resumedFromRound: trained.resumedFromRound,
          attempt: context.info.attempt,
        };
      }, null);
    },

    /**
     * Scores the candidate on the holdout: the GBDT's JSON model (`modelKey`), or with `onnxKey` alone an ONNX model
     * trained elsewhere (Python worker, import), run by onnxruntime-node. Everything after the scores is the same code.
     */
    async evaluateModel({ run, modelKey, onnxKey, recentRowsKey }: { run: RunRef; modelKey?: string; onnxKey?: string; recentRowsKey?: string }): Promise<EvaluationOutcome> {
      return guarded(
        async () =>
          evaluateCandidate({
            store,
            registry,
            run,
            snapshotFile: await snapshotFile(run),
            ...(modelKey !== undefined ? { modelKey } : {}),
            ...(onnxKey !== undefined ? { onnxKey } : {}),
            ...(recentRowsKey ? { recentRowsKey } : {}),
          }),
        'evaluating',
      );
    },

    async exportModel({ run, modelKey }: { run: RunRef; modelKey: string }): Promise<{ onnxKey: string; parity: ParityOutcome }> {
      return guarded(async () => {
        const model = await store.getJsonRequired(modelKey, GbdtModel);
        const bytes = exportOnnx(model, { modelName: run.modelName, docString: `trained by ${run.runKey}` });
        const onnxKey = runKeys(run.runPrefix).onnx;
        await store.put(onnxKey, bytes);
        const { holdout } = await loadSplitFrames(await snapshotFile(run), run.spec);
        const parity = await checkParity(model, bytes, holdout, 2000);
        if (!parity.ok) {
          throw ApplicationFailure.nonRetryable(
            `ONNX export does not match the trainer: max |difference| ${parity.maxAbsDiff} over ${parity.rows} holdout rows (limit 1e-5)`,
            'OnnxParityFailed',
            parity,
          );
        }
        return { onnxKey, parity: { rows: parity.rows, maxAbsDiff: parity.maxAbsDiff, ok: parity.ok } };
      }, 'exporting');
    },

    async registerModel(input: RegisterInput): Promise<{ version: number; created: boolean; modelCard?: string }> {
      return guarded(async () => {
        const { meta, created } = await registerRun(store, registry, input);
        // A card that cannot be built must not cost the run its model: the version stands, the card is logged missing.
        const card = await writeRunCard(store, registry, input, meta.version, meta.createdAt).catch((err: unknown) => {
          Context.current().log.warn('model card not written', { version: meta.version, error: err instanceof Error ? err.message : String(err) });
          return undefined;
        });
        const modelCard = card ? `${monitorEnv().reportBaseUrl}${modelCardPath(input.run.modelName, meta.version)}` : undefined;
        return { version: meta.version, created, ...(modelCard ? { modelCard } : {}) };
      }, 'registering');
    },

    /** Moves the champion alias if it is still where evaluation saw it, and makes sure the model is monitored. */
    async promoteModel(input: PromoteInput): Promise<PromoteOutcome> {
      return promoteVersion(
        {
          registry,
          // Every model with a champion is monitored: drift-<model> and quality-<model> read capture/<model> in the store.
          ensureMonitoring: async (model) => {
            const driftMinutes = ctx.driftScheduleMinutes ?? 15;
            const qualityMinutes = ctx.qualityScheduleMinutes ?? 60;
            if (driftMinutes > 0 || qualityMinutes > 0) {
              await ensureMonitorSchedules(await temporalClient(ctx), {
                model,
                taskQueue: ctx.taskQueue,
                driftMinutes,
                qualityMinutes,
                ...(ctx.cleanupScheduleMinutes ? { cleanupMinutes: ctx.cleanupScheduleMinutes } : {}),
              });
            }
          },
        },
        input,
      );
    },
  };
}
