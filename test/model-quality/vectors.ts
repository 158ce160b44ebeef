// The committed scikit-learn/SciPy reference vectors (scripts/quality-vectors.py) and helpers to lay a scenario out as files.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readFileSync } from 'node:fs';

export interface ExpectedMetrics {
  rows: number;
  positives: number;
  observedRate: number;
  meanPredicted: number;
  auc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  calibration: { lower: number; upper: number; count: number; meanPredicted: number; fractionPositive: number }[];
  positiveRate: { z: number; pValue: number };
}

export interface Scenario {
  name: string;
  window: { start: string; end: string };
  version: number;
  captures: Record<string, unknown>[];
  labels: Record<string, unknown>[];
  expected: {
    counts: { predictions: number; labeled: number; otherVersions: { version: number; rows: number }[]; labelIds: number; unmatchedLabels: number; relabeledIds: number; repeatedIds: number };
    probability: number[];
    label: number[];
    metrics: ExpectedMetrics;
  };
}

export interface Vectors {
  generator: string;
  metricCases: { name: string; label: number[]; probability: number[]; expected: ExpectedMetrics }[];
  scenarios: Scenario[];
}

export const vectors = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'test', 'model-quality', 'vectors.json'), 'utf8')) as Vectors;

export function scenario(name: string): Scenario {
  const s = vectors.scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

const lines = (records: Record<string, unknown>[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Writes a scenario's capture and label lines where the API would (<varDir>/capture/<model>, <varDir>/labels/<model>), split over two files each. */
export async function writeScenario(varDir: string, model: string, s: Scenario): Promise<void> {
  const cap = path.join(varDir, 'capture', model);
  const lab = path.join(varDir, 'labels', model);
  await mkdir(cap, { recursive: true });
  await mkdir(lab, { recursive: true });
  const half = Math.floor(s.captures.length / 2);
  await writeFile(path.join(cap, `${s.name}-a.jsonl`), lines(s.captures.slice(0, half)));
  await writeFile(path.join(cap, `${s.name}-b.jsonl`), lines(s.captures.slice(half)));
  const lh = Math.floor(s.labels.length / 2);
  await writeFile(path.join(lab, `${s.name}-a.jsonl`), lines(s.labels.slice(0, lh)));
  await writeFile(path.join(lab, `${s.name}-b.jsonl`), lines(s.labels.slice(lh)));
}

/** Asserts |a - b| <= tol * max(1, |b|). */
export function close(actual: number | null | undefined, expected: number, what: string, tol = 1e-9): void {
  if (actual === null || actual === undefined || !(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)))) {
    throw new Error(`${what}: got ${actual}, scikit-learn/SciPy say ${expected}`);
  }
}
