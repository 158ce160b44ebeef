// Fixtures for the model-quality workflow tests: a registered model "qm" with known holdout figures.
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { syntheticModelBytes } from '../support/synthetic-model';

/** Holdout figures of the registered version (what trainingPipeline stores as metrics.candidate). */
export const HOLDOUT = {
  rows: 10_000,
  positives: 2_800,
  prevalence: 0.28,
  auc: 0.78,
  prAuc: 0.55,
  logLoss: 0.5,
  brier: 0.17,
  accuracy: 0.76,
  precision: 0.6,
  recall: 0.35,
  f1: 0.44,
  ece: 0.01,
  calibration: [],
};

/** Versions 1-3 of model "qm" with v3 champion; the spec asks for at least 100 labeled rows. */
export async function registerQm(varDir: string): Promise<void> {
  const registry = new Registry(localStore(varDir));
  const bytes = syntheticModelBytes({ seed: 1, rounds: 5 });
  for (const v of [1, 2, 3]) {
    await registry.register({
      name: 'qm',
      runKey: `run-${v}`,
      files: { 'model.onnx': bytes },
      metadata: {
        metrics: { candidate: HOLDOUT, holdoutRows: 10_000 },
        spec: { name: 'qm', monitoring: { quality: { minLabeledRows: 100 } } },
        features: [{ name: 'x', type: 'numeric' }],
        extra: {},
      },
    });
  }
  await registry.setAlias('qm', 3, 'test');
}
