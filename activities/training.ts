// trainingPipeline's activities: thin wrappers over src/ that key every write on the run and type every bad input.
import { Context, ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ingestSnapshot } from '../src/data/ingest';
import { loadSplitFrames } from '../src/data/load-frame';
import { DataError } from '../src/data/source';
import { GbdtCheckpoint, GbdtModel, predictProba } from '../src/model/gbdt';
import { LogisticModel, predictLogistic } from '../src/model/logistic';
import { evaluateBinary, majorityBaseline } from '../src/model/metrics';
import { exportOnnx } from '../src/model/onnx-export';
import { frameToModelInput, OnnxModel } from '../src/model/onnx-model';
import { checkParity } from '../src/model/parity';
import { binaryCurves, buildModelCard, modelCardPath, storeModelCard } from '../src/model-card';
import { parseEnv } from '../src/config/env';
import { DatasetProfile } from '../src/profile/schema';
import { TrainingCancelled, trainInThread } from '../src/model/train-in-thread';
import { profileSnapshot, writeProfile, writeSuggestedConstraints } from '../src/profile';
import { describeExpectation, failureLines, runQualitySuite, writeQualityReport } from '../src/quality';
import { Registry } from '../src/registry/registry';
import { loadSpec, SpecError, type DatasetSpec } from '../src/spec/dataset';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/fs-atomic';
import type { ActivityContext } from './context';
import type {
  EvaluationOutcome,
  FailedExpectation,
  ParityOutcome,
  QualityOutcome,
  RunRef,
  TrainingOutcome,
} from './training-types';
import { temporalClient } from './temporal-client';

/** Folder-safe name of a run: the workflow id plus the run id, so a reset or a rerun never reuses a snapshot. */
function runDirName(workflowId: string, runId: string): string {
  return `${workflowId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}__${runId}`;
}

/** Bad input becomes a non-retryable failure with a stable type; anything else stays retryable. */
function typed(err: unknown): unknown {
  if (err instanceof SpecError) return ApplicationFailure.nonRetryable(err.message, 'InvalidSpec', { issues: err.issues });
  if (err instanceof DataError) return ApplicationFailure.nonRetryable(err.message, err.type, err.details);
  return err;
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw typed(err);
  }
}

export const TRAINING_PROGRESS_SIGNAL = 'trainingProgress';

interface RegisterInput {
  run: RunRef;
  modelPath: string;
  onnxPath: string;
  profilePath: string;
  evaluation: EvaluationOutcome;
  parity: ParityOutcome;
  training: TrainingOutcome;
  reason: string;
  /** The data-quality gate's outcome, for the model card (absent in histories recorded before cards). */
  quality?: QualityOutcome;
}

/** The API's base URL for links (REPORTS_BASE_URL, else http://API_HOST:API_PORT), as the drift reports use. */
function apiBaseUrl(): string {
  try {
    const env = parseEnv(process.env);
    return env.REPORTS_BASE_URL ?? `http://${env.API_HOST}:${env.API_PORT}`;
  } catch {
    return 'http://127.0.0.1:8080';
  }
}

export function trainingActivities(ctx: ActivityContext) {
  const registry = new Registry(path.join(ctx.varDir, 'registry'));
  const runsDir = path.join(ctx.varDir, 'runs');

  /** Builds a version's model card from the run's files and the pipeline's outcomes, and stores it beside the model. */
  async function writeCard(input: RegisterInput, version: number, createdAt: string): Promise<string> {
    const { run } = input;
    const model = await readRequired(input.modelPath, GbdtModel);
    const profile = await readJson(input.profilePath, DatasetProfile).catch(() => undefined);
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
        trees: input.training.trees ?? model.trees.length,
        msPerRound: input.training.msPerRound,
        resumedFromRound: input.training.resumedFromRound,
        ...(input.training.earlyStopping ? { earlyStopping: input.training.earlyStopping } : {}),
      },
      model,
      profile: profile ?? null,
    });
    await storeModelCard(registry, card);
    return `${apiBaseUrl()}${modelCardPath(run.modelName, version)}`;
  }

  return {
    async ingest(input: { spec: string; workflowId: string; runId: string }): Promise<RunRef> {
      return guarded(async () => {
        const { spec, file } = await loadSpec(input.spec, ctx.projectRoot);
        const dirName = runDirName(input.workflowId, input.runId);
        const manifest = await ingestSnapshot({
          spec,
          specFile: file,
          outDir: runsDir,
          runKey: dirName,
          onProgress: (stage) => Context.current().heartbeat(stage),
        });
        return {
          runKey: `${input.workflowId}/${input.runId}`,
          runDir: path.join(runsDir, dirName),
          specFile: file,
          spec,
          modelName: spec.name,
          snapshotPath: manifest.path,
          rows: manifest.rows,
          contentHash: manifest.contentHash,
          expectationCount: spec.expectations.length,
          rounds: spec.model.rounds,
        };
      });
    },

    async validateData({ run }: { run: RunRef }): Promise<QualityOutcome> {
      return guarded(async () => {
        const report = await runQualitySuite({ snapshotPath: run.snapshotPath }, run.spec.expectations);
        const reportPath = path.join(ctx.varDir, 'reports', 'quality', `${path.basename(run.runDir)}.json`);
        await writeQualityReport(report, reportPath);
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
        return { success: report.success, total: report.results.length, passes: report.passes, failed, reportPath };
      });
    },

    async profileData({ run }: { run: RunRef }): Promise<{ profilePath: string; suggestedPath: string }> {
      return guarded(async () => {
        const profile = await profileSnapshot(run.snapshotPath, run.spec.features);
        const profilePath = path.join(run.runDir, 'profile.json');
        const suggestedPath = path.join(run.runDir, 'suggested-expectations.json');
        await writeProfile(profile, profilePath);
        await writeSuggestedConstraints(profile, suggestedPath);
        return { profilePath, suggestedPath };
      });
    },

    /**
     * Trains round by round in a worker thread, heartbeating each round and checkpointing every `checkpointEvery`
     * rounds; a retry after a lost worker resumes from the last checkpoint and ends with the same model an
     * uninterrupted run makes.
     */
    async trainModel({ run }: { run: RunRef }): Promise<TrainingOutcome> {
      return guarded(async () => {
        const context = Context.current();
        const { train, holdout } = await loadSplitFrames(run.snapshotPath, run.spec);
        const checkpointPath = path.join(run.runDir, 'checkpoint.json');
        const modelPath = path.join(run.runDir, 'model.json');
        const baselinePath = path.join(run.runDir, 'baseline.json');
        const params = run.spec.model;
        // A checkpoint this code cannot resume (another format, a torn file) means starting over, never a stuck run.
        const saved = await readJson(checkpointPath, GbdtCheckpoint).catch(() => undefined);
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
            await writeJsonAtomic(checkpointPath, checkpoint);
            void report(round, of);
          },
        }).catch((err: unknown) => {
          if (err instanceof TrainingCancelled) throw new CancelledFailure('training cancelled');
          throw err;
        });
        await writeJsonAtomic(modelPath, trained.model);
        await writeJsonAtomic(baselinePath, trained.baseline);
        const es = trained.model.earlyStopping;
        const roundsRun = (es ? es.roundsRun : trained.totalRounds) - trained.resumedFromRound;
        return {
          modelPath,
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
      });
    },

    async evaluateModel({ run, modelPath }: { run: RunRef; modelPath: string }): Promise<EvaluationOutcome> {
      return guarded(async () => {
        const { train, holdout } = await loadSplitFrames(run.snapshotPath, run.spec);
        const model = await readRequired(modelPath, GbdtModel);
        const baseline = await readRequired(path.join(path.dirname(modelPath), 'baseline.json'), LogisticModel);
        const candidateProba = predictProba(model, holdout);
        const logisticProba = predictLogistic(baseline, holdout);
        const candidate = evaluateBinary(holdout.label, candidateProba);
        const logistic = evaluateBinary(holdout.label, logisticProba);
        const majority = majorityBaseline(holdout.label, train.label);
        const championVersion = await registry.alias(run.modelName);
        let champion: EvaluationOutcome['metrics']['champion'];
        let championCurves: ReturnType<typeof binaryCurves> | undefined;
        if (championVersion !== undefined) {
          const meta = await registry.metadata(run.modelName, championVersion);
          if (sameFeatures(meta.features, run.spec)) {
            const onnx = await OnnxModel.load(await registry.readFile(run.modelName, championVersion, 'model.onnx'), meta.features);
            try {
              const proba = await onnx.predict(frameToModelInput(holdout), holdout.rows);
              champion = { ...evaluateBinary(holdout.label, proba), version: championVersion };
              championCurves = binaryCurves(holdout.label, proba);
            } finally {
              await onnx.release();
            }
          }
        }
        const curves = { candidate: binaryCurves(holdout.label, candidateProba), logistic: binaryCurves(holdout.label, logisticProba), ...(championCurves ? { champion: championCurves } : {}) };
        return { holdoutRows: holdout.rows, metrics: { candidate, logistic, majority, champion }, gates: decideGates(run.spec, candidate, logistic, majority, champion), curves };
      });
    },

    async exportModel({ run, modelPath }: { run: RunRef; modelPath: string }): Promise<{ onnxPath: string; parity: ParityOutcome }> {
      return guarded(async () => {
        const model = await readRequired(modelPath, GbdtModel);
        const bytes = exportOnnx(model, { modelName: run.modelName, docString: `trained by ${run.runKey}` });
        const onnxPath = path.join(run.runDir, 'model.onnx');
        await writeFileAtomic(onnxPath, bytes);
        const { holdout } = await loadSplitFrames(run.snapshotPath, run.spec);
        const parity = await checkParity(model, bytes, holdout, 2000);
        if (!parity.ok) {
          throw ApplicationFailure.nonRetryable(
            `ONNX export does not match the trainer: max |difference| ${parity.maxAbsDiff} over ${parity.rows} holdout rows (limit 1e-5)`,
            'OnnxParityFailed',
            parity,
          );
        }
        return { onnxPath, parity: { rows: parity.rows, maxAbsDiff: parity.maxAbsDiff, ok: parity.ok } };
      });
    },

    async registerModel(input: RegisterInput): Promise<{ version: number; created: boolean; modelCard?: string }> {
      const { run } = input;
      const before = await registry.findByRunKey(run.modelName, run.runKey);
      const files: Record<string, Buffer> = {
        'model.onnx': await readFile(input.onnxPath),
        'profile.json': await readFile(input.profilePath),
        'gbdt.json': await readFile(input.modelPath),
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
          extra: { gates: input.evaluation.gates, parity: input.parity, training: input.training, reason: input.reason, rows: run.rows },
        },
      });
      // A card that cannot be built must not cost the run its model: the version stands, the card is logged missing.
      const modelCard = await writeCard(input, meta.version, meta.createdAt).catch((err: unknown) => {
        Context.current().log.warn('model card not written', { version: meta.version, error: err instanceof Error ? err.message : String(err) });
        return undefined;
      });
      return { version: meta.version, created: before === undefined, ...(modelCard ? { modelCard } : {}) };
    },

    async promoteModel(input: { name: string; version: number; reason: string }): Promise<{ promoted: boolean; reason: string }> {
      await registry.setAlias(input.name, input.version, input.reason);
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
  const base = logistic.auc ?? 0.5;
  if (auc - base < g.minAucOverBaseline || auc <= base) failures.push(`AUC ${auc.toFixed(4)} does not beat the logistic baseline ${base.toFixed(4)} by ${g.minAucOverBaseline}`);
  else notes.push(`beats logistic baseline (${base.toFixed(4)})`);
  if (auc <= (majority.auc ?? 0.5)) failures.push(`AUC ${auc.toFixed(4)} does not beat the majority-class baseline`);
  if (champion) {
    const drop = (champion.auc ?? 0) - auc;
    if (drop > g.maxAucDropVsChampion) failures.push(`AUC ${auc.toFixed(4)} is ${drop.toFixed(4)} below champion v${champion.version} (${(champion.auc ?? 0).toFixed(4)}), allowed ${g.maxAucDropVsChampion}`);
    else notes.push(`no regression against champion v${champion.version} (${(champion.auc ?? 0).toFixed(4)})`);
  } else notes.push('no champion yet');
  return failures.length ? { passed: false, reasons: failures } : { passed: true, reasons: notes };
}

async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | undefined> {
  try {
    await stat(file);
  } catch {
    return undefined;
  }
  return schema.parse(JSON.parse(await readFile(file, 'utf8')));
}

async function readRequired<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  const value = await readJson(file, schema);
  if (value === undefined) throw ApplicationFailure.nonRetryable(`missing run file ${file}`, 'RunFileMissing');
  return value;
}
