// trainingPipeline's activities: thin wrappers over src/ that key every write on the run and type every bad input.
import { Context, ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ingestSnapshot, SnapshotManifest, snapshotSpecHash } from '../src/data/ingest';
import { loadFrame, loadSplitFrames } from '../src/data/load-frame';
import { DataError } from '../src/data/source';
import { GbdtCheckpoint, GbdtModel, predictProba } from '../src/model/gbdt';
import { LogisticModel, predictLogistic } from '../src/model/logistic';
import { evaluateBinary, majorityBaseline } from '../src/model/metrics';
import { exportOnnx } from '../src/model/onnx-export';
import { frameToModelInput, OnnxModel } from '../src/model/onnx-model';
import { checkParity } from '../src/model/parity';
import { binaryCurves, buildModelCard, modelCardPath, storeModelCard } from '../src/model-card';
import { TrainingCancelled, trainInThread } from '../src/model/train-in-thread';
import { DatasetProfile, profileSnapshot, ScoreProfile, scoreProfile, suggestConstraints, withScores } from '../src/profile';
import { describeExpectation, failureLines, QualityReport, runQualitySuite } from '../src/quality';
import { Registry, RegistryError } from '../src/registry/registry';
import { SpecError, type DatasetSpec } from '../src/spec/dataset';
import { CorruptObject, ObjectMissing, type ArtifactStore } from '../src/store';
import { localizeSource, resolveSpecInput, type SpecInput } from '../src/store/dataset-input';
import { ensureMonitorSchedules } from '../src/temporal/monitor-schedules';
import { candidateScorer, runBaseline } from './candidate';
import type { ActivityContext } from './context';
import { monitorEnv } from './monitor-env';
import type {
  EvaluationOutcome,
  FailedExpectation,
  ParityOutcome,
  QualityOutcome,
  RunRef,
  TrainingOutcome,
} from './training-types';
import { heartbeating } from './heartbeat';
import { temporalClient } from './temporal-client';

/** Folder-safe name of a run: the workflow id plus the run id, so a reset or a rerun never reuses a snapshot. */
function runDirName(workflowId: string, runId: string): string {
  return `${workflowId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}__${runId}`;
}

/** The run's folder in the store: where the GBDT model sits, else the run prefix (both are the same folder). */
function runFolder(run: RunRef, modelKey: string | undefined): string {
  return modelKey !== undefined ? path.posix.dirname(modelKey) : run.runPrefix;
}

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

interface RegisterInput {
  run: RunRef;
  /** The GBDT's JSON model; absent for a model another trainer made (then `training.trainer` says who). */
  modelKey?: string;
  onnxKey: string;
  profileKey: string;
  evaluation: EvaluationOutcome;
  parity: ParityOutcome;
  training: TrainingOutcome;
  reason: string;
  /** The data-quality gate's outcome, for the model card (absent in histories recorded before cards). */
  quality?: QualityOutcome;
}

export function trainingActivities(ctx: ActivityContext) {
  const { store } = ctx;
  const registry = new Registry(store);
  // a local file for DuckDB: the store's own file (local folder) or a cached download (object storage)
  const snapshotFile = (run: RunRef) => store.fetchFile(run.snapshotKey);

  /** Builds a version's model card from the run's files and the pipeline's outcomes, and stores it beside the model. */
  async function writeCard(input: RegisterInput, version: number, createdAt: string): Promise<string> {
    const { run } = input;
    const model = input.modelKey !== undefined ? await store.getJsonRequired(input.modelKey, GbdtModel) : null;
    const profile = await store.getJson(input.profileKey, DatasetProfile).catch(() => undefined);
    const evaluation = input.evaluation;
    const curves = evaluation.curves ?? { candidate: { roc: [], pr: [] }, logistic: { roc: [], pr: [] } };
    const card = buildModelCard({
      name: run.modelName,
      version,
      createdAt,
      runKey: run.runKey,
      dataHash: run.contentHash,
      spec: run.spec,
      trainRows: input.training.trainRows,
      holdoutRows: evaluation.holdoutRows,
      metrics: evaluation.metrics,
      curves,
      promotion: evaluation.gates,
      ...(input.quality
        ? { quality: { success: input.quality.success, total: input.quality.total, passes: input.quality.passes, failed: input.quality.failed.map((f) => ({ name: f.name, summary: f.summary })) } }
        : {}),
      parity: input.parity,
      training: {
        rounds: input.training.rounds,
        trees: input.training.trees ?? model?.trees.length ?? 0,
        ...(input.training.trainer ? { trainer: input.training.trainer } : {}),
        msPerRound: input.training.msPerRound,
        resumedFromRound: input.training.resumedFromRound,
        ...(input.training.earlyStopping ? { earlyStopping: input.training.earlyStopping } : {}),
      },
      model,
      profile: profile ?? null,
    });
    await storeModelCard(registry, card);
    return `${monitorEnv().reportBaseUrl}${modelCardPath(run.modelName, version)}`;
  }

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
        const runPrefix = `runs/${dirName}`;
        const snapshotKey = `${runPrefix}/snapshot.parquet`;
        const manifestKey = `${runPrefix}/manifest.json`;
        const specHash = snapshotSpecHash(spec);
        let manifest = await store.getJson(manifestKey, SnapshotManifest).catch((err: unknown) => {
          if (err instanceof CorruptObject) return undefined; // redo an unreadable snapshot
          throw err;
        });
        if (!manifest || manifest.specHash !== specHash || !(await store.exists(snapshotKey))) {
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
            await store.putFile(snapshotKey, local.path);
            // the manifest names store keys and the spec's own source path, not this worker's files
            manifest = { ...local, path: snapshotKey, specHash, source: { ...local.source, path: spec.source.path, files: [] } };
            await store.putJson(manifestKey, manifest);
          } finally {
            await rm(path.join(scratch, dirName), { recursive: true, force: true });
            await rm(links, { recursive: true, force: true });
          }
        }
        return {
          runKey: `${input.workflowId}/${input.runId}`,
          runPrefix,
          specSource: resolved.source,
          spec,
          modelName: spec.name,
          snapshotKey,
          rows: manifest.rows,
          contentHash: manifest.contentHash,
          expectationCount: spec.expectations.length,
          rounds: spec.model.rounds,
        };
      }, 'ingest');
    },

    async validateData({ run }: { run: RunRef }): Promise<QualityOutcome> {
      return guarded(async () => {
        const report = await runQualitySuite({ parquetFile: await snapshotFile(run) }, run.spec.expectations);
        const reportKey = `reports/quality/${path.posix.basename(run.runPrefix)}.json`;
        await store.putJson(reportKey, QualityReport.parse(report));
        const lines = failureLines(report);
        const failed: FailedExpectation[] = report.results
          .filter((r) => !r.success)
          .map((r, i) => ({
            name: describeExpectation(r.expectation),
            column: 'column' in r.expectation ? r.expectation.column : null,
            summary: lines[i]?.split(': ').slice(1).join(': ') ?? '',
            observedValue: r.observedValue,
            unexpectedPercent: r.unexpectedPercent,
            failingRows: r.failingRows.slice(0, 5),
          }));
        return { success: report.success, total: report.results.length, passes: report.passes, failed, reportKey };
      }, 'validating data');
    },

    async profileData({ run }: { run: RunRef }): Promise<{ profileKey: string; suggestedKey: string }> {
      return guarded(async () => {
        const profile = await profileSnapshot(await snapshotFile(run), run.spec.features);
        const profileKey = `${run.runPrefix}/profile.json`;
        const suggestedKey = `${run.runPrefix}/suggested-expectations.json`;
        await store.putJson(profileKey, DatasetProfile.parse(profile));
        await store.putJson(suggestedKey, suggestConstraints(profile));
        return { profileKey, suggestedKey };
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
        const { train, holdout } = await loadSplitFrames(await snapshotFile(run), run.spec);
        const checkpointKey = `${run.runPrefix}/checkpoint.json`;
        const modelKey = `${run.runPrefix}/model.json`;
        const baselineKey = `${run.runPrefix}/baseline.json`;
        const params = run.spec.model;
        // A checkpoint this code cannot resume (another format, a torn object) means starting over, never a stuck run;
        // an unreachable store fails the attempt instead, so a retry still resumes rather than silently redoing every round
        const saved = await store.getJson(checkpointKey, GbdtCheckpoint).catch((err: unknown) => {
          if (err instanceof CorruptObject) return undefined;
          throw err;
        });
        const execution = context.info.workflowExecution;
        const report = async (round: number, of: number) => {
          if (!execution) return;
          try {
            const client = await temporalClient(ctx);
            await client.workflow
              .getHandle(execution.workflowId, execution.runId)
              .signal(TRAINING_PROGRESS_SIGNAL, { round, of, attempt: context.info.attempt });
          } catch {
            // progress display is best effort; training must not fail for it
          }
        };
        // Boosting runs in a worker thread so this process keeps heartbeating and polling while a round computes.
        const trained = await trainInThread(train, params, saved, {
          signal: context.cancellationSignal,
          onRound: (stats, of) => context.heartbeat({ round: stats.round, of }),
          onCheckpoint: async (checkpoint, round, of) => {
            await store.putJson(checkpointKey, checkpoint);
            void report(round, of);
          },
        }).catch((err: unknown) => {
          if (err instanceof TrainingCancelled) throw new CancelledFailure('training cancelled');
          throw err;
        });
        await store.putJson(modelKey, trained.model);
        await store.putJson(baselineKey, trained.baseline);
        const es = trained.model.earlyStopping;
        const roundsRun = (es ? es.roundsRun : trained.totalRounds) - trained.resumedFromRound;
        return {
          modelKey,
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
      return guarded(async () => {
        const { train, holdout } = await loadSplitFrames(await snapshotFile(run), run.spec);
        const scorer = await candidateScorer(store, run, { ...(modelKey !== undefined ? { modelKey } : {}), ...(onnxKey !== undefined ? { onnxKey } : {}) });
        try {
        const baseline = await runBaseline(store, run, modelKey, train);
        const candidateProba = await scorer.score(holdout);
        const logisticProba = predictLogistic(baseline, holdout);
        const candidate = evaluateBinary(holdout.label, candidateProba);
        // The training side of the prediction distribution, stored with the profile at registration.
        await store.putJson(`${runFolder(run, modelKey)}/holdout-scores.json`, scoreProfile(candidateProba));
        const logistic = evaluateBinary(holdout.label, logisticProba);
        const majority = majorityBaseline(holdout.label, train.label);
        const championVersion = await registry.alias(run.modelName);
        let champion: EvaluationOutcome['metrics']['champion'];
        let recent: EvaluationOutcome['metrics']['recent'];
        // The newest labeled live rows (a store object), when a quality-triggered retrain passed them: judged like the holdout.
        const live = recentRowsKey ? (await loadFrame(await store.fetchFile(recentRowsKey), run.spec.features)).frame : undefined;
        if (live) recent = { rows: live.rows, candidate: evaluateBinary(live.label, await scorer.score(live)) };
        let championCurves: ReturnType<typeof binaryCurves> | undefined;
        if (championVersion !== undefined) {
          const meta = await registry.metadata(run.modelName, championVersion);
          if (sameFeatures(meta.features, run.spec)) {
            const onnx = await OnnxModel.load(await registry.readFile(run.modelName, championVersion, 'model.onnx'), meta.features);
            try {
              const proba = await onnx.predict(frameToModelInput(holdout), holdout.rows);
              champion = { ...evaluateBinary(holdout.label, proba), version: championVersion };
              if (live && recent) recent.champion = { ...evaluateBinary(live.label, await onnx.predict(frameToModelInput(live), live.rows)), version: championVersion };
              championCurves = binaryCurves(holdout.label, proba);
            } finally {
              await onnx.release();
            }
          }
        }
        const gates = decideGates(run.spec, candidate, logistic, majority, champion);
        if (recent?.champion) {
          // Not behind the champion on the newest labeled rows either (same allowance as on the holdout).
          const drop = (recent.champion.auc ?? 0) - (recent.candidate.auc ?? 0);
          const line = `AUC ${(recent.candidate.auc ?? 0).toFixed(4)} vs champion v${recent.champion.version} ${(recent.champion.auc ?? 0).toFixed(4)} on the ${recent.rows} newest labeled live rows (kept out of its training)`;
          if (drop > run.spec.gates.maxAucDropVsChampion) {
            gates.reasons = [...(gates.passed ? [] : gates.reasons), `${line}: ${drop.toFixed(4)} below, allowed ${run.spec.gates.maxAucDropVsChampion}`];
            gates.passed = false;
          } else if (gates.passed) gates.reasons.push(`no regression on live data: ${line}`);
        }
        const curves = { candidate: binaryCurves(holdout.label, candidateProba), logistic: binaryCurves(holdout.label, logisticProba), ...(championCurves ? { champion: championCurves } : {}) };
        return {
          holdoutRows: holdout.rows,
          metrics: { candidate, logistic, majority, champion, ...(recent ? { recent } : {}) },
          gates,
          championVersion: championVersion ?? null,
          curves,
        };
        } finally {
          await scorer.release();
        }
      }, 'evaluating');
    },

    async exportModel({ run, modelKey }: { run: RunRef; modelKey: string }): Promise<{ onnxKey: string; parity: ParityOutcome }> {
      return guarded(async () => {
        const model = await store.getJsonRequired(modelKey, GbdtModel);
        const bytes = exportOnnx(model, { modelName: run.modelName, docString: `trained by ${run.runKey}` });
        const onnxKey = `${run.runPrefix}/model.onnx`;
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
      const { run } = input;
      const before = await registry.findByRunKey(run.modelName, run.runKey);
      const files: Record<string, Buffer> = {
        'model.onnx': await store.getRequired(input.onnxKey),
        'profile.json': await profileWithScores(store, input.profileKey, `${runFolder(run, input.modelKey)}/holdout-scores.json`),
        // a model from another trainer has no GBDT JSON: its ONNX graph is the whole model
        ...(input.modelKey !== undefined ? { 'gbdt.json': await store.getRequired(input.modelKey) } : {}),
      };
      const meta = await registry.register({
        name: run.modelName,
        runKey: run.runKey,
        files,
        metadata: {
          workflowId: run.runKey.split('/')[0],
          runId: run.runKey.split('/')[1],
          dataHash: run.contentHash,
          metrics: { ...input.evaluation.metrics, holdoutRows: input.evaluation.holdoutRows },
          spec: run.spec,
          features: run.spec.features.map((f) => ({ name: f.name, type: f.type })),
          extra: { gates: input.evaluation.gates, parity: input.parity, training: input.training, reason: input.reason, rows: run.rows, ...(input.training.trainer ? { trainer: input.training.trainer } : {}) },
        },
      });
      // A card that cannot be built must not cost the run its model: the version stands, the card is logged missing.
      const modelCard = await writeCard(input, meta.version, meta.createdAt).catch((err: unknown) => {
        Context.current().log.warn('model card not written', { version: meta.version, error: err instanceof Error ? err.message : String(err) });
        return undefined;
      });
      return { version: meta.version, created: before === undefined, ...(modelCard ? { modelCard } : {}) };
      }, 'registering');
    },

    /**
     * Moves the champion alias (compare-and-swap in the store). With `expectedChampion` (what evaluation compared
     * against; null for none), a champion that moved meanwhile is not replaced: of two runs promoting against the
     * same champion, one wins and the other reports why it did not.
     */
    async promoteModel(input: { name: string; version: number; reason: string; expectedChampion?: number | null }): Promise<{ promoted: boolean; reason: string }> {
      try {
        await registry.setAlias(input.name, input.version, input.reason, 'champion', input.expectedChampion);
      } catch (err) {
        if (err instanceof RegistryError && err.type === 'AliasMoved') {
          // a retry of this very activity after its write landed finds the alias already on this version: that is success
          if ((await registry.alias(input.name)) === input.version) return { promoted: true, reason: `champion is now version ${input.version} (${input.reason})` };
          return { promoted: false, reason: err.message };
        }
        throw err;
      }
      // Every model with a champion is monitored: its first promotion creates drift-<model> and quality-<model>, which
      // read capture/<model> in the store. A retry after a failure here is safe (both steps are idempotent).
      const driftMinutes = ctx.driftScheduleMinutes ?? 15;
      const qualityMinutes = ctx.qualityScheduleMinutes ?? 60;
      if (driftMinutes > 0 || qualityMinutes > 0) {
        await ensureMonitorSchedules(await temporalClient(ctx), { model: input.name, taskQueue: ctx.taskQueue, driftMinutes, qualityMinutes });
      }
      return { promoted: true, reason: `champion is now version ${input.version} (${input.reason})` };
    },
  };
}

function sameFeatures(features: { name: string; type: string }[], spec: DatasetSpec): boolean {
  return features.length === spec.features.length && features.every((f, i) => f.name === spec.features[i].name && f.type === spec.features[i].type);
}

/** The promotion decision, TFX "blessing" style: absolute gates, baselines, and no regression against the champion. */
export function decideGates(
  spec: DatasetSpec,
  candidate: EvaluationOutcome['metrics']['candidate'],
  logistic: EvaluationOutcome['metrics']['logistic'],
  majority: EvaluationOutcome['metrics']['majority'],
  champion: EvaluationOutcome['metrics']['champion'],
): EvaluationOutcome['gates'] {
  const failures: string[] = [];
  const notes: string[] = [];
  const auc = candidate.auc ?? 0;
  const g = spec.gates;
  if (g.minAuc !== undefined && auc < g.minAuc) failures.push(`AUC ${auc.toFixed(4)} < minAuc ${g.minAuc}`);
  if (g.maxLogLoss !== undefined && candidate.logLoss > g.maxLogLoss) failures.push(`log loss ${candidate.logLoss.toFixed(4)} > maxLogLoss ${g.maxLogLoss}`);
  const baseline = baselineGate(auc, logistic.auc ?? 0.5, g.minAucOverBaseline);
  (baseline.passed ? notes : failures).push(baseline.reason);
  // Strict on purpose: a model no better than always predicting the majority class ranks nothing.
  if (auc <= (majority.auc ?? 0.5)) failures.push(`holdout AUC ${auc.toFixed(4)} does not beat the majority-class baseline's ${(majority.auc ?? 0.5).toFixed(4)}`);
  if (champion) {
    const drop = (champion.auc ?? 0) - auc;
    if (drop > g.maxAucDropVsChampion) failures.push(`AUC ${auc.toFixed(4)} is ${drop.toFixed(4)} below champion v${champion.version} (${(champion.auc ?? 0).toFixed(4)}), allowed ${g.maxAucDropVsChampion}`);
    else notes.push(`no regression against champion v${champion.version} (${(champion.auc ?? 0).toFixed(4)})`);
  } else notes.push('no champion yet');
  return failures.length ? { passed: false, reasons: failures } : { passed: true, reasons: notes };
}

/** Slack for float noise in `auc - baseline`, far below any AUC difference that matters (1 / holdout pairs). */
const AUC_EPSILON = 1e-9;

/**
 * The logistic-baseline gate on holdout AUC: the candidate passes when `auc - baseline >= minAucOverBaseline`. With the
 * default margin 0 that is "not worse than the baseline", so a tie passes (both models at 1.0 on separable data);
 * a positive margin asks for a strict improvement.
 */
export function baselineGate(auc: number, baseline: number, minAucOverBaseline: number): { passed: boolean; reason: string } {
  const a = auc.toFixed(4);
  const b = baseline.toFixed(4);
  const passed = auc - baseline >= minAucOverBaseline - AUC_EPSILON;
  const rule =
    minAucOverBaseline > 0
      ? `gates.minAucOverBaseline ${minAucOverBaseline} asks for at least that much above it`
      : minAucOverBaseline < 0
        ? `gates.minAucOverBaseline ${minAucOverBaseline} allows at most ${-minAucOverBaseline} below it`
        : 'gates.minAucOverBaseline 0 asks for not worse than it';
  const diff = auc - baseline;
  const relation = Math.abs(diff) < AUC_EPSILON ? 'ties' : diff > 0 ? `is ${diff.toFixed(4)} above` : `is ${(-diff).toFixed(4)} below`;
  return {
    passed,
    reason: `holdout AUC ${a} ${relation} the logistic baseline's ${b}; ${rule}${passed ? '' : ' (failed)'}`,
  };
}

/** profile.json as registered: the training profile plus the holdout scores evaluateModel wrote (when it did). */
async function profileWithScores(store: ArtifactStore, profileKey: string, scoresKey: string): Promise<Buffer> {
  const raw = await store.getRequired(profileKey);
  const scores = await store.getJson(scoresKey, ScoreProfile);
  if (!scores) return raw;
  return Buffer.from(JSON.stringify(withScores(DatasetProfile.parse(JSON.parse(raw.toString('utf8'))), scores)));
}
