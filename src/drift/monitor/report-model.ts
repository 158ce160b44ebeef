// The drift report as a zod schema: what a check returns, what is stored as JSON, and what the API serves back.
import { z } from 'zod';
import { driftMethodSchema } from '../stats';
import { DriftWindow, SkippedSpan } from './window';
import { ReportId } from '../../util/report-id';

export const Verdict = z.enum(['no drift', 'feature drift', 'dataset drift', 'insufficient data']);
export type Verdict = z.infer<typeof Verdict>;

const count = z.number().nonnegative();
const tail = z.object({ count, sum: z.number() });

/** What the HTML overlays: both sides on the same buckets (numeric: tails + bins; categorical: top values + other). */
export const FeaturePlot = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('numeric'),
    edges: z.array(z.number()),
    reference: z.object({ counts: z.array(count), below: count, above: count }),
    current: z.object({ counts: z.array(count), below: tail, above: tail }),
  }),
  z.object({
    kind: z.literal('categorical'),
    categories: z.array(z.string()),
    reference: z.object({ counts: z.array(count), other: count }),
    current: z.object({ counts: z.array(count), other: count }),
  }),
]);
export type FeaturePlot = z.infer<typeof FeaturePlot>;

/** Fine: statistics from the fine distributions (profile version 2); coarse: from the 20-bin / top-100 summaries (version 1). */
export const Resolution = z.enum(['fine', 'coarse']);

/** Every statistic computed from the fine distributions, whichever one decided (see src/drift/stats/fine.ts). */
export const FineStatisticsReport = z.object({
  ks: z.object({ statistic: z.number(), pValue: z.number() }).optional(),
  wassersteinNormed: z.number().optional(),
  psi: z.number(),
  /** Natural log (base e), as SciPy's default and Evidently. */
  jensenShannon: z.number(),
  chiSquare: z.object({ statistic: z.number(), pValue: z.number() }).optional(),
  unseenShare: z.number().optional(),
  referenceMissingRate: z.number(),
  currentMissingRate: z.number(),
  distinct: z.number(),
  buckets: z.enum(['values', 'sturges']),
});

/** One feature's statistics (the fields of the stats module's FeatureDriftResult) plus the missing-rate check and a plot. */
export const FeatureVerdict = z.object({
  /** Absent in reports written before fine profiles (they were all coarse). */
  resolution: Resolution.optional(),
  statistics: FineStatisticsReport.optional(),
  /** Jensen-Shannon / PSI on fine profiles: the value sampling alone gives; the decision is on the statistic less it. */
  noiseFloor: z.number().optional(),
  feature: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  method: driftMethodSchema,
  statistic: z.number(),
  threshold: z.number(),
  pValue: z.number().optional(),
  /** The distribution test's decision. */
  drifted: z.boolean(),
  psi: z.number(),
  missingRateDelta: z.number(),
  /** The missing-rate check: |live - training missing share| >= missingRateThreshold. */
  missingRateDrifted: z.boolean(),
  unseenShare: z.number().optional(),
  referenceCount: count,
  currentCount: count,
  note: z.string().optional(),
  /** drifted or missingRateDrifted: what the verdict counts. */
  flagged: z.boolean(),
  plot: FeaturePlot,
});
export type FeatureVerdict = z.infer<typeof FeatureVerdict>;

/**
 * The prediction distribution. Fine profiles keep the model's holdout scores: the live probabilities are compared
 * with them as a numeric feature (Evidently's method choice). Coarse profiles keep only the training label rate, so
 * the comparison is of the expected outcome: Bernoulli(training positive rate) against Bernoulli(mean live
 * probability), by Jensen-Shannon distance. The live probability histogram is kept for the page.
 */
export const PredictionVerdict = z.object({
  method: driftMethodSchema,
  threshold: z.number(),
  statistic: z.number().nullable(),
  pValue: z.number().optional(),
  resolution: Resolution.optional(),
  /** Fine profiles: the mean holdout score. */
  referenceMeanProbability: z.number().nullable().optional(),
  drifted: z.boolean(),
  referencePositiveRate: z.number().nullable(),
  meanProbability: z.number().nullable(),
  positiveLabelShare: z.number().nullable(),
  count,
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(count) }),
  note: z.string().optional(),
  /** Multiclass: the classes, the holdout's share of rows predicted as each and the live share. */
  classes: z.array(z.string()).optional(),
  referenceShares: z.array(z.number()).optional(),
  shares: z.array(z.number()).optional(),
});
export type PredictionVerdict = z.infer<typeof PredictionVerdict>;

export const DatasetDriftSummary = z.object({
  datasetDrift: z.boolean(),
  /** The share of flagged features at which the dataset counts as drifted (spec drift.datasetShare). */
  driftShare: z.number(),
  numberOfFeatures: z.number().int().nonnegative(),
  numberOfDriftedFeatures: z.number().int().nonnegative(),
  shareOfDriftedFeatures: z.number(),
});
export type DatasetDriftSummary = z.infer<typeof DatasetDriftSummary>;

/** A drifted column as the alert carries it (src/alerts/model DriftedFeature's fields). */
export const DriftedColumn = z.object({
  feature: z.string(),
  method: z.string(),
  statistic: z.number(),
  threshold: z.number(),
  pValue: z.number().optional(),
  psi: z.number().optional(),
});
export type DriftedColumn = z.infer<typeof DriftedColumn>;

export { REPORT_ID, ReportId } from '../../util/report-id';

export const DriftReport = z.object({
  kind: z.literal('drift'),
  schemaVersion: z.literal(1),
  id: ReportId,
  createdAt: z.string(),
  model: z.string(),
  modelVersion: z.number().int().positive(),
  window: DriftWindow,
  /** Rows stamped before the window that a bounded catch-up did not check (absent: nothing was skipped). */
  skipped: SkippedSpan.optional(),
  /** Captured rows in the window. */
  rows: z.number().int().nonnegative(),
  minRows: z.number().int().positive(),
  verdict: Verdict,
  /** One sentence for people (the alert's message, the page's headline). */
  summary: z.string(),
  dataset: DatasetDriftSummary,
  features: z.array(FeatureVerdict),
  /** Features that could not be compared (no training values), by name. */
  uncompared: z.array(z.string()),
  prediction: PredictionVerdict.nullable(),
  /** Drifted columns (features, and `prediction` when it drifted), as the alert lists them. */
  drifted: z.array(DriftedColumn),
  versionsSeen: z.array(z.object({ version: z.number().int(), rows: z.number().int().nonnegative() })),
  files: z.number().int().nonnegative(),
  firstRowAt: z.string().nullable(),
  lastRowAt: z.string().nullable(),
  reference: z.object({
    rows: z.number().int().nonnegative(),
    createdAt: z.string(),
    positiveRate: z.number().nullable(),
    /** The training profile's version and resolution: coarse (version 1) profiles give approximate statistics. */
    profileVersion: z.number().int().positive().optional(),
    resolution: Resolution.optional(),
  }),
  settings: z.object({
    datasetShare: z.number(),
    missingRateThreshold: z.number(),
    smallReferenceLimit: z.number(),
    overrides: z.record(z.string(), z.object({ method: driftMethodSchema.optional(), threshold: z.number().optional() })),
  }),
  run: z.object({ workflowId: z.string(), runId: z.string(), url: z.string().optional() }).nullable(),
});
export type DriftReport = z.infer<typeof DriftReport>;

/** The list entry GET /v1/reports shows: enough to pick a report without opening it. */
export const DriftReportSummary = DriftReport.pick({ id: true, createdAt: true, model: true, modelVersion: true, window: true, rows: true, verdict: true, summary: true }).extend({
  drifted: z.array(z.string()),
});
export type DriftReportSummary = z.infer<typeof DriftReportSummary>;
