// The dataset spec: one JSON file that says what to read, what to predict, how to check, train and promote.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { caseClashes, ModelColumnName, showColumn } from './columns';
import { ExpectationSuite } from './expectations';
import { MODEL_NAME, MODEL_NAME_RULE } from '../registry/model-name';
import { ClassValue, className, MAX_CLASSES, REGRESSION_LOSSES, TaskKind } from '../task/task';

/** csv, parquet, json (one JSON array of records) or jsonl (one JSON record per line); the data folder reads each. */
export const SOURCE_FORMATS = ['csv', 'parquet', 'json', 'jsonl'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** Feature, target and split columns: named exactly as in the source (see columns.ts for what cannot be used). */
const identifier = ModelColumnName;

export const SourceSpec = z
  .object({
    /** A file path or glob, relative to the spec file's folder, `npm:<package>/<path>` for a file an installed package ships, or absolute. */
    path: z.string().min(1),
    /** csv, parquet, json (one array of records) or jsonl (a record per line); by default the file's first bytes and extension decide. */
    format: z.enum(SOURCE_FORMATS).optional(),
    /** Optional SQL select list over the raw source, to derive columns (e.g. `*, hour(date) AS hour`, `*, "size"."Body Mass (g)" AS mass`). */
    select: z.string().min(1).optional(),
    /** Optional SQL filter over the projected rows. */
    where: z.string().min(1).optional(),
    /** Optional deterministic sample of this many rows (for quick runs and tests). */
    sampleRows: z.number().int().positive().optional(),
  })
  .strict();

const PositiveRule = z
  .object({
    op: z.enum(['>', '>=', '<', '<=', '=', '!=']),
    value: z.union([z.number().finite(), z.string(), z.boolean()]),
  })
  .strict();

/**
 * What to predict. `task` is binary (a row is positive when `column <op> value` holds; the default when `positive` is
 * given), multiclass (the column's values are the classes; `classes` fixes their order and rejects others) or
 * regression (a numeric column). After parsing, `task` is always set.
 */
export const TargetSpec = z
  .object({
    column: identifier,
    task: TaskKind.optional(),
    /** binary only: the row is positive when `column <op> value` holds. */
    positive: PositiveRule.optional(),
    /** multiclass only: the classes in the order the model outputs them; rows with another value are an error. */
    classes: z.array(ClassValue).min(2, 'a multiclass target needs at least 2 classes').max(MAX_CLASSES, `at most ${MAX_CLASSES} classes`).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const task = t.task ?? (t.positive ? 'binary' : undefined);
    const at = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (task === undefined) {
      at('task', 'say what to predict: "binary" (with "positive": {"op", "value"}), "multiclass" or "regression"');
      return;
    }
    if (task === 'binary' && !t.positive) at('positive', 'a binary target needs the rule that makes a row positive, e.g. {"op": ">", "value": 15}');
    if (task !== 'binary' && t.positive) at('positive', `"positive" is for binary targets only; a ${task} target takes the column's values as they are`);
    if (task !== 'multiclass' && t.classes) at('classes', `"classes" is for multiclass targets only, not ${task}`);
    if (t.classes) {
      const seen = new Set<string>();
      for (const c of t.classes) {
        if (seen.has(className(c))) at('classes', `class ${JSON.stringify(c)} is listed twice`);
        seen.add(className(c));
      }
    }
  })
  .transform((t) => ({ ...t, task: t.task ?? 'binary' }));
export type TargetSpec = z.infer<typeof TargetSpec>;

export const DriftFeatureSettings = z
  .object({
    /** Override the statistic Evidently-style defaults would pick. */
    method: z.enum(['ks', 'wasserstein', 'psi', 'chisquare', 'jensenshannon']).optional(),
    /** p-value threshold for tests, distance threshold for distances. */
    threshold: z.number().positive().optional(),
  })
  .strict();

export const FeatureSpec = z
  .object({
    name: identifier,
    type: z.enum(['numeric', 'categorical']),
    description: z.string().optional(),
    drift: DriftFeatureSettings.optional(),
  })
  .strict();
export type FeatureSpec = z.infer<typeof FeatureSpec>;

export const SplitSpec = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('random'),
      holdout: z.number().gt(0).lt(1).default(0.2),
      seed: z.number().int().default(42),
    })
    .strict(),
  z
    .object({
      kind: z.literal('time'),
      column: identifier,
      /** Rows at or after this instant (ISO 8601) form the holdout. */
      holdoutFrom: z.iso.datetime({ offset: true, local: true }).or(z.iso.date()),
    })
    .strict(),
]);

/** A user's Python training function, `module.path:function`, run by the Python worker on its own task queue. */
export const PythonTrainer = z
  .object({
    python: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$/, 'must be "package.module:function", e.g. "examples.trainers.sklearn_hgb:fit"'),
    /** Passed to the function as keyword arguments. */
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type PythonTrainer = z.infer<typeof PythonTrainer>;

export const GbdtParams = z
  .object({
    /** Who trains: "gbdt" (the default, this project's trainer) or a Python entry point. */
    trainer: z.union([z.literal('gbdt'), PythonTrainer]).optional(),
    rounds: z.number().int().min(1).max(5000).default(100),
    learningRate: z.number().gt(0).lte(1).default(0.1),
    maxDepth: z.number().int().min(1).max(16).default(6),
    maxBins: z.number().int().min(4).max(255).default(64),
    minDataInLeaf: z.number().int().min(1).default(50),
    l2: z.number().min(0).default(1),
    /** Row subsample per round (1 = all rows). */
    subsample: z.number().gt(0).lte(1).default(1),
    seed: z.number().int().default(7),
    /** Save a resumable checkpoint every this many rounds. */
    checkpointEvery: z.number().int().min(1).default(10),
    /** Stop when the validation log loss has not improved for this many rounds (unset: always run `rounds`). */
    earlyStoppingRounds: z.number().int().min(1).optional(),
    /** Share of the training rows held out as the early-stopping validation slice (only with earlyStoppingRounds). */
    validationShare: z.number().gt(0).lt(0.5).optional(),
    /** Regression only: the loss boosted (default l2, squared error); huber is l2 near 0 and l1 past `huberDelta`. */
    loss: z.enum(REGRESSION_LOSSES).optional(),
    /** Regression with loss huber: where the loss turns from squared to absolute (default 1). */
    huberDelta: z.number().positive().optional(),
  })
  .strict();
export type GbdtParams = z.infer<typeof GbdtParams>;

export const GateSpec = z
  .object({
    /** binary: the holdout ROC AUC must be at least this. */
    minAuc: z.number().min(0).max(1).optional(),
    /** binary and multiclass: the holdout log loss must be at most this. */
    maxLogLoss: z.number().positive().optional(),
    /** multiclass: the holdout accuracy (share of rows whose most probable class is right) must be at least this. */
    minAccuracy: z.number().min(0).max(1).optional(),
    /** regression: the holdout RMSE (target units) must be at most this. */
    maxRmse: z.number().positive().optional(),
    /** regression: the holdout R^2 must be at least this. */
    minR2: z.number().max(1).optional(),
    /** regression: the candidate's holdout RMSE may be at most this share above the champion's (0.02: 2 %); default 0. */
    maxRmseRiseVsChampion: z.number().min(0).optional(),
    /** multiclass: the candidate's holdout log loss may be at most this much above the champion's; default 0. */
    maxLogLossRiseVsChampion: z.number().min(0).optional(),
    /**
     * multiclass: the candidate's holdout log loss may be at most this much above the multinomial logistic baseline's
     * (default 0: not worse). On nearly separable data the linear model's log loss approaches 0, where trees cannot follow.
     */
    maxLogLossOverBaseline: z.number().min(0).optional(),
    /** regression: the candidate's holdout RMSE may be at most this share above the ridge baseline's (default 0: not worse). */
    maxRmseOverBaseline: z.number().min(0).optional(),
    /**
     * The candidate's holdout AUC minus the logistic baseline's must be at least this. 0 (the default) means "not worse
     * than the baseline", so a tie (both 1.0 on separable data) passes; a positive value asks for a strict margin.
     */
    minAucOverBaseline: z.number().default(0),
    /** The candidate may be at most this much worse in AUC than the champion on the same holdout. */
    maxAucDropVsChampion: z.number().min(0).default(0),
  })
  .strict();

export const DriftSpec = z
  .object({
    /** Captured rows below this are "insufficient data", never an alert. */
    minRows: z.number().int().positive().default(100),
    /** Share of drifted features from which the whole dataset counts as drifted. */
    datasetShare: z.number().gt(0).lte(1).default(0.5),
    /** Start a child trainingPipeline when the dataset drifts. */
    retrainOnDrift: z.boolean().default(false),
  })
  .strict();

/** Model-quality monitoring (live predictions joined with ground truth); every field has a default. */
export const QualityMonitorSpec = z
  .object({
    /** Fewer labeled predictions than this in a window is "insufficient labels", never an alert. */
    minLabeledRows: z.number().int().positive().default(200),
    /** The default window: predictions of the last this many hours (labels may arrive any time later). */
    windowHours: z
      .number()
      .positive()
      .max(24 * 366)
      .default(24),
    /** Violation: live ROC AUC below the holdout's by more than this. */
    maxAucDrop: z.number().min(0).max(1).default(0.05),
    /** Violation: live log loss above the holdout's by more than this. */
    maxLogLossRise: z.number().min(0).default(0.05),
    /** Violation (with significance): |observed - mean predicted positive rate| larger than this... */
    positiveRateMargin: z.number().min(0).max(1).default(0.02),
    /** ...and a two-sided z test (variance sum p(1-p): labels drawn from the predictions) below this p-value. */
    significance: z.number().gt(0).lt(0.5).default(0.01),
    /**
     * What gap is expected: `holdout` (default) the model's own observed-minus-predicted gap on its holdout, so
     * only a change from what was known at promotion counts; `zero`: any miscalibration counts.
     */
    positiveRateBaseline: z.enum(['holdout', 'zero']).default('holdout'),
    /** Regression violation: live RMSE above the holdout's by more than this share of it (0.2: 20 % higher). */
    maxRmseRise: z.number().min(0).default(0.2),
    /** Multiclass violation: live accuracy below the holdout's by more than this (log loss uses maxLogLossRise). */
    maxAccuracyDrop: z.number().min(0).max(1).default(0.05),
    /**
     * Multiclass violation (with `significance`, chi-square goodness of fit): a class's share among the live labels
     * moved from the holdout's by more than this.
     */
    classMixMargin: z.number().min(0).max(1).default(0.05),
  })
  .strict();
export type QualityMonitorSpec = z.infer<typeof QualityMonitorSpec>;

/** How a degradation-triggered retrain uses the labeled live rows. */
export const RetrainDataSpec = z
  .object({
    /** Labeled predictions of the last this many days join the training data. */
    windowDays: z.number().positive().max(366).default(30),
    /**
     * append: the spec's source rows plus the labeled live rows (all for training, the holdout stays the
     * spec's); weighted: the same, with the live rows repeated `liveWeight` times so recent behaviour counts more.
     */
    combine: z.enum(['append', 'weighted']).default('append'),
    liveWeight: z.number().int().min(1).max(100).default(1),
    /** At most this many of the newest labeled rows (the rest are left out). */
    maxRows: z.number().int().positive().default(1_000_000),
    /**
     * The newest this share of the labeled live rows is kept out of training: promotion compares candidate
     * and champion on it (rows the candidate has not seen), the rest train.
     */
    compareShare: z.number().gt(0).lt(1).default(0.2),
  })
  .strict();

export const MonitoringSpec = z
  .object({
    quality: QualityMonitorSpec.default(QualityMonitorSpec.parse({})),
    /** Start a child trainingPipeline on labeled live data when model quality degrades. */
    retrainOnDegradation: z.boolean().default(false),
    retrainData: RetrainDataSpec.default(RetrainDataSpec.parse({})),
  })
  .strict();
export type MonitoringSpec = z.infer<typeof MonitoringSpec>;

export const DatasetSpec = z
  .object({
    /** The model's name in the registry. */
    name: z.string().regex(MODEL_NAME, MODEL_NAME_RULE),
    description: z.string().optional(),
    source: SourceSpec,
    target: TargetSpec,
    features: z
      .array(FeatureSpec)
      .min(1)
      .superRefine((fs, ctx) => {
        for (const [a, b] of caseClashes(fs.map((f) => f.name))) {
          ctx.addIssue({
            code: 'custom',
            message:
              a === b
                ? `feature ${showColumn(a)} is listed twice`
                : `features ${showColumn(a)} and ${showColumn(b)} differ only in case, which the data engine (DuckDB) does not tell apart; rename one in source.select`,
          });
        }
      }),
    split: SplitSpec.default({ kind: 'random', holdout: 0.2, seed: 42 }),
    expectations: ExpectationSuite.default([]),
    model: GbdtParams.default(GbdtParams.parse({})),
    gates: GateSpec.default(GateSpec.parse({})),
    drift: DriftSpec.default(DriftSpec.parse({})),
    monitoring: MonitoringSpec.default(MonitoringSpec.parse({})),
  })
  .strict();
export type DatasetSpec = z.infer<typeof DatasetSpec>;

/** A spec-shaped error that names every bad field, so a person can fix the file in one go. */
export class SpecError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
    this.name = 'SpecError';
  }
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

export function parseSpec(raw: unknown, origin = 'spec'): DatasetSpec {
  const parsed = DatasetSpec.safeParse(raw);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    throw new SpecError(`${origin} is invalid: ${issues.join('; ')}`, issues);
  }
  const { task } = parsed.data.target;
  const lossIssue =
    task !== 'regression' && (parsed.data.model.loss !== undefined || parsed.data.model.huberDelta !== undefined)
      ? `model.${parsed.data.model.loss !== undefined ? 'loss' : 'huberDelta'}: is for regression targets only, this target is ${task}`
      : parsed.data.model.huberDelta !== undefined && parsed.data.model.loss !== 'huber'
        ? 'model.huberDelta: only applies with model.loss "huber"'
        : null;
  if (lossIssue) throw new SpecError(`${origin} is invalid: ${lossIssue}`, [lossIssue]);
  const gateIssues = gateTaskIssues(parsed.data.gates, task);
  if (gateIssues.length) throw new SpecError(`${origin} is invalid: ${gateIssues.join('; ')}`, gateIssues);
  const target = parsed.data.target.column;
  const clash = parsed.data.features.find((f) => f.name.toLowerCase() === target.toLowerCase());
  if (clash) {
    const issue =
      clash.name === target
        ? `target.column: ${showColumn(target)} is also listed in features`
        : `target.column: ${showColumn(target)} and feature ${showColumn(clash.name)} differ only in case, which the data engine (DuckDB) does not tell apart`;
    throw new SpecError(`${origin} is invalid: ${issue}`, [issue]);
  }
  return parsed.data;
}

/** The tasks each optional gate applies to; a gate given for another task would silently never be checked. */
const GATE_TASKS: Partial<Record<keyof z.infer<typeof GateSpec>, readonly TaskKind[]>> = {
  minAuc: ['binary'],
  maxLogLoss: ['binary', 'multiclass'],
  minAccuracy: ['multiclass'],
  maxRmse: ['regression'],
  minR2: ['regression'],
  maxRmseRiseVsChampion: ['regression'],
  maxLogLossRiseVsChampion: ['multiclass'],
  maxLogLossOverBaseline: ['multiclass'],
  maxRmseOverBaseline: ['regression'],
};

function gateTaskIssues(gates: z.infer<typeof GateSpec>, task: TaskKind): string[] {
  return Object.entries(GATE_TASKS)
    .filter(([field, tasks]) => gates[field as keyof typeof gates] !== undefined && !tasks.includes(task))
    .map(([field, tasks]) => `gates.${field}: is for ${tasks.join(' and ')} targets, this target is ${task}`);
}

/** Reads and validates a spec file; a relative `specPath` is taken from `root`. Returns the spec and its absolute path. */
export async function loadSpec(specPath: string, root: string): Promise<{ spec: DatasetSpec; file: string }> {
  const file = path.resolve(root, specPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SpecError(`cannot read spec ${file}: ${code ?? String(err)}`, [`spec: ${code === 'ENOENT' ? 'file not found' : 'unreadable'}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`spec ${file} is not valid JSON: ${(err as Error).message}`, ['spec: not JSON']);
  }
  return { spec: parseSpec(raw, `spec ${file}`), file };
}

/** Resolves the source path: absolute, `npm:pkg/path` through Node's resolver, or relative to the spec's folder. */
export function resolveSourcePath(sourcePath: string, specFile: string): string {
  if (sourcePath.startsWith('npm:')) {
    const rest = sourcePath.slice(4);
    const parts = rest.split('/');
    const pkgName = rest.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    const inner = rest.slice(pkgName.length + 1);
    return path.join(findPackageDir(pkgName, [path.dirname(specFile), process.cwd()]), inner);
  }
  return path.resolve(path.dirname(specFile), sourcePath);
}

/**
 * The folder of an installed package. Node's resolver refuses `pkg/package.json` when the package's
 * "exports" map hides it (vega-datasets does), so on that refusal walk up `node_modules` folders from each start.
 */
function findPackageDir(pkgName: string, starts: string[]): string {
  try {
    return path.dirname(require.resolve(`${pkgName}/package.json`, { paths: starts }));
  } catch {
    for (const start of starts) {
      for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, 'node_modules', pkgName);
        if (existsSync(path.join(candidate, 'package.json'))) return candidate;
        if (path.dirname(dir) === dir) break;
      }
    }
    throw new SpecError(`package ${pkgName} is not installed (looked in node_modules above ${starts.join(', ')})`, [`source.path: package ${pkgName} not found; run npm install`]);
  }
}

/** The positive rule of a binary target; code that only makes sense for binary models calls this instead of assuming. */
export function positiveRule(target: TargetSpec): NonNullable<TargetSpec['positive']> {
  if (!target.positive) {
    const issue = `target: this step needs a binary target with a "positive" rule, the spec's target is ${target.task}`;
    throw new SpecError(issue, [issue]);
  }
  return target.positive;
}
