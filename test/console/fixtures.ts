// Stored drift and quality reports of known numbers for the console tests, valid per the report schemas and written by the report stores.
import { DriftReport } from '../../src/drift/monitor/report-model';
import { writeDriftReport } from '../../src/drift/report/store';
import { ModelQualityReport, writeQualityReport } from '../../src/model-quality/report';
import { QualityMonitorSpec } from '../../src/spec/dataset';
import type { ArtifactStore } from '../../src/store';

const stamp = (i: number) => new Date(Date.UTC(2025, 0, 6, i)).toISOString();
const idStamp = (i: number) =>
  stamp(i)
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** Drift report number `i` of `model`: feature "distance" has KS statistic `stat` (threshold 0.1). */
export function driftReport(model: string, i: number, stat: number, featureName = 'distance'): DriftReport {
  const drifted = stat >= 0.1;
  return DriftReport.parse({
    kind: 'drift',
    schemaVersion: 1,
    id: `${idStamp(i + 1)}-${model}-d${String(i).padStart(4, '0')}`,
    createdAt: stamp(i + 1),
    model,
    modelVersion: 1,
    window: { start: stamp(i), end: stamp(i + 1) },
    rows: 500,
    minRows: 100,
    verdict: drifted ? 'feature drift' : 'no drift',
    summary: drifted ? `${featureName} drifted` : 'no drift',
    dataset: { datasetDrift: false, driftShare: 0.5, numberOfFeatures: 1, numberOfDriftedFeatures: drifted ? 1 : 0, shareOfDriftedFeatures: drifted ? 1 : 0 },
    features: [
      {
        feature: featureName,
        kind: 'numeric',
        method: 'ks',
        statistic: stat,
        threshold: 0.1,
        drifted,
        psi: 0,
        missingRateDelta: 0,
        missingRateDrifted: false,
        referenceCount: 1000,
        currentCount: 500,
        flagged: drifted,
        plot: { kind: 'numeric', edges: [0, 1], reference: { counts: [1000], below: 0, above: 0 }, current: { counts: [500], below: { count: 0, sum: 0 }, above: { count: 0, sum: 0 } } },
      },
    ],
    uncompared: [],
    prediction: null,
    drifted: drifted ? [{ feature: featureName, method: 'ks', statistic: stat, threshold: 0.1 }] : [],
    versionsSeen: [{ version: 1, rows: 500 }],
    files: 1,
    firstRowAt: stamp(i),
    lastRowAt: stamp(i + 1),
    reference: { rows: 1000, createdAt: stamp(0), positiveRate: 0.2 },
    settings: { datasetShare: 0.5, missingRateThreshold: 0.1, smallReferenceLimit: 100, overrides: {} },
    run: null,
  });
}

const holdout = { rows: 1000, observedRate: 0.2, meanPredicted: 0.2, auc: 0.8, prAuc: 0.5, logLoss: 0.4, brier: 0.15, threshold: 0.5, accuracy: 0.8, precision: 0.6, recall: 0.4, calibration: [] };

/** Quality report number `i` of `model` with live AUC `auc` over 300 labeled of 400 predictions. */
export function qualityReport(model: string, i: number, auc: number): ModelQualityReport {
  return ModelQualityReport.parse({
    kind: 'model-quality',
    id: `${idStamp(i + 1)}-${model}-q${String(i).padStart(4, '0')}`,
    createdAt: stamp(i + 1),
    model,
    modelVersion: 1,
    window: { start: stamp(i), end: stamp(i + 1) },
    settings: QualityMonitorSpec.parse({}),
    run: null,
    counts: { predictions: 400, labeled: 300, coverage: 0.75, otherVersions: [], labelIds: 300, unmatchedLabels: 0, relabeledIds: 0, repeatedIds: 0 },
    live: { ...holdout, rows: 300, positives: 60, auc, logLoss: 0.45, ece: 0.01 },
    holdout,
    positiveRate: null,
    histogram: null,
    verdict: auc < 0.7 ? 'degraded' : 'ok',
    violations: [],
    notes: [],
    summary: auc < 0.7 ? 'AUC fell' : 'quality ok',
  });
}

export async function storeReports(store: ArtifactStore, model: string, driftStats: number[], aucs: number[]): Promise<{ drift: DriftReport[]; quality: ModelQualityReport[] }> {
  const drift = driftStats.map((s, i) => driftReport(model, i, s));
  const quality = aucs.map((a, i) => qualityReport(model, i, a));
  for (const r of drift) await writeDriftReport(store, r);
  for (const r of quality) await writeQualityReport(store, r);
  return { drift, quality };
}
