// The promotion decision, TFX "blessing" style: absolute gates, baselines, and no regression against the champion.
import type { DatasetSpec } from '../spec/dataset';
import type { BinaryEvaluation } from './types';

type Metrics = BinaryEvaluation['metrics'];
export type GateOutcome = BinaryEvaluation['gates'];

/** The binary gates on the holdout: minAuc, maxLogLoss, the logistic and majority baselines, the champion. */
export function decideGates(spec: DatasetSpec, candidate: Metrics['candidate'], logistic: Metrics['logistic'], majority: Metrics['majority'], champion: Metrics['champion']): GateOutcome {
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
    if (drop > g.maxAucDropVsChampion)
      failures.push(`AUC ${auc.toFixed(4)} is ${drop.toFixed(4)} below champion v${champion.version} (${(champion.auc ?? 0).toFixed(4)}), allowed ${g.maxAucDropVsChampion}`);
    else notes.push(`no regression against champion v${champion.version} (${(champion.auc ?? 0).toFixed(4)})`);
  } else notes.push('no champion yet');
  return failures.length ? { passed: false, reasons: failures } : { passed: true, reasons: notes };
}

/**
 * Not behind the champion on the newest labeled live rows either (same allowance as on the holdout): a failure here
 * fails the whole decision, a pass adds a note to a passing one.
 */
export function withRecentGate(spec: DatasetSpec, gates: GateOutcome, recent: Metrics['recent']): GateOutcome {
  if (!recent?.champion) return gates;
  const drop = (recent.champion.auc ?? 0) - (recent.candidate.auc ?? 0);
  const line = `AUC ${(recent.candidate.auc ?? 0).toFixed(4)} vs champion v${recent.champion.version} ${(recent.champion.auc ?? 0).toFixed(4)} on the ${recent.rows} newest labeled live rows (kept out of its training)`;
  if (drop > spec.gates.maxAucDropVsChampion) {
    return { passed: false, reasons: [...(gates.passed ? [] : gates.reasons), `${line}: ${drop.toFixed(4)} below, allowed ${spec.gates.maxAucDropVsChampion}`] };
  }
  return gates.passed ? { passed: true, reasons: [...gates.reasons, `no regression on live data: ${line}`] } : gates;
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
