// Promotion gates for regression and multiclass: absolute limits, the task's baselines and the champion, all on the
// task's primary metric (RMSE; log loss), lower is better; binary keeps its AUC gates in gates.ts.
import type { MulticlassMetrics } from '../model/metrics-multiclass';
import type { RegressionMetrics } from '../model/metrics-regression';
import type { DatasetSpec } from '../spec/dataset';
import type { GateOutcome } from './gates';

/** Slack for float noise when two models score the same rows (far below any difference that matters). */
const EPSILON = 1e-9;
/**
 * The champion is scored by its ONNX graph (float32), the candidate by the trainer (float64); the two agree to the
 * parity tolerance per row, so the same model can differ in the 6th digit of its log loss or RMSE. A tie is a tie.
 */
const championSlack = (limit: number) => 1e-5 * (1 + Math.abs(limit));

/** What the gates need of a task: its primary metric and its absolute limits from the spec. */
export interface TaskGateRules<M> {
  /** e.g. "RMSE", "log loss". */
  metric: string;
  primary: (m: M) => number;
  /** Failures of the spec's absolute gates, each naming the field. */
  absolute: (spec: DatasetSpec, m: M) => string[];
  /** The most the candidate's primary metric may be, given the champion's. */
  championAllowance: (spec: DatasetSpec, champion: number) => { limit: number; rule: string };
  /** The most the candidate's primary metric may be, given the linear baseline's. */
  baselineAllowance: (spec: DatasetSpec, baseline: number) => { limit: number; rule: string };
}

export const REGRESSION_GATES: TaskGateRules<RegressionMetrics> = {
  metric: 'RMSE',
  primary: (m) => m.rmse,
  absolute: (spec, m) => {
    const g = spec.gates;
    const out: string[] = [];
    if (g.maxRmse !== undefined && m.rmse > g.maxRmse) out.push(`RMSE ${fmt(m.rmse)} > gates.maxRmse ${g.maxRmse}`);
    if (g.minR2 !== undefined && (m.r2 ?? -Infinity) < g.minR2) out.push(`R² ${m.r2 === null ? 'undefined' : fmt(m.r2)} < gates.minR2 ${g.minR2}`);
    return out;
  },
  championAllowance: (spec, champion) => {
    const rise = spec.gates.maxRmseRiseVsChampion ?? 0;
    return { limit: champion * (1 + rise), rule: rise > 0 ? `gates.maxRmseRiseVsChampion allows ${rise * 100}% above it` : 'not worse than it' };
  },
  baselineAllowance: (spec, baseline) => {
    const over = spec.gates.maxRmseOverBaseline ?? 0;
    return { limit: baseline * (1 + over), rule: over > 0 ? `gates.maxRmseOverBaseline ${over} allows ${over * 100}% above it` : 'gates ask for not worse than it' };
  },
};

export const MULTICLASS_GATES: TaskGateRules<MulticlassMetrics> = {
  metric: 'log loss',
  primary: (m) => m.logLoss,
  absolute: (spec, m) => {
    const g = spec.gates;
    const out: string[] = [];
    if (g.maxLogLoss !== undefined && m.logLoss > g.maxLogLoss) out.push(`log loss ${fmt(m.logLoss)} > gates.maxLogLoss ${g.maxLogLoss}`);
    if (g.minAccuracy !== undefined && m.accuracy < g.minAccuracy) out.push(`accuracy ${fmt(m.accuracy)} < gates.minAccuracy ${g.minAccuracy}`);
    return out;
  },
  championAllowance: (spec, champion) => {
    const rise = spec.gates.maxLogLossRiseVsChampion ?? 0;
    return { limit: champion + rise, rule: rise > 0 ? `gates.maxLogLossRiseVsChampion allows ${rise} above it` : 'not worse than it' };
  },
  baselineAllowance: (spec, baseline) => {
    const over = spec.gates.maxLogLossOverBaseline ?? 0;
    return { limit: baseline + over, rule: over > 0 ? `gates.maxLogLossOverBaseline ${over} allows that much above it` : 'gates ask for not worse than it' };
  },
};

export interface TaskGateInput<M> {
  spec: DatasetSpec;
  candidate: M;
  /** The no-skill prior (must be beaten strictly) and the linear baseline (must not be beaten by). */
  prior: { name: string; metrics: M };
  linear: { name: string; metrics: M };
  champion?: { version: number; metrics: M };
  recent?: { rows: number; candidate: M; champion?: { version: number; metrics: M } };
  /** Lines for the report whatever the outcome (e.g. classes too rare to be in both training and holdout rows). */
  notes?: string[];
}

export function decideTaskGates<M>(rules: TaskGateRules<M>, input: TaskGateInput<M>): GateOutcome {
  const { spec, candidate } = input;
  const failures = rules.absolute(spec, candidate);
  const notes: string[] = [];
  const name = rules.metric;
  const c = rules.primary(candidate);
  const linear = rules.primary(input.linear.metrics);
  const allowed = rules.baselineAllowance(spec, linear);
  const line = `holdout ${name} ${fmt(c)} ${relation(c, linear)} the ${input.linear.name} baseline's ${fmt(linear)}; ${allowed.rule}`;
  if (c <= allowed.limit + EPSILON) notes.push(line);
  else failures.push(`${line} (failed)`);
  // Strict on purpose: a model no better than the prior has learned nothing.
  const prior = rules.primary(input.prior.metrics);
  if (!(c < prior - EPSILON)) failures.push(`holdout ${name} ${fmt(c)} does not beat the ${input.prior.name} baseline's ${fmt(prior)}`);
  const versus = (where: string, cand: number, champion: { version: number; metrics: M }) => {
    const ch = rules.primary(champion.metrics);
    const { limit, rule } = rules.championAllowance(spec, ch);
    const line = `${name} ${fmt(cand)} against champion v${champion.version}'s ${fmt(ch)} ${where}`;
    if (cand > limit + championSlack(limit)) failures.push(`${line}: ${rule} (failed)`);
    else notes.push(`no regression: ${line}`);
  };
  if (input.champion) versus('on the same holdout', c, input.champion);
  else notes.push('no champion yet');
  if (input.recent?.champion) versus(`on the ${input.recent.rows} newest labeled live rows (kept out of its training)`, rules.primary(input.recent.candidate), input.recent.champion);
  const always = input.notes ?? [];
  return failures.length ? { passed: false, reasons: [...failures, ...always] } : { passed: true, reasons: [...notes, ...always] };
}

function relation(a: number, b: number): string {
  const d = a - b;
  return Math.abs(d) < EPSILON ? 'ties' : d < 0 ? `is ${fmt(-d)} below` : `is ${fmt(d)} above`;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(2) : x.toFixed(4);
}
