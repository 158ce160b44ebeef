// The model card as one self-contained HTML page: metrics beside baselines and champion, curves, calibration,
// importance, the training profile's per-feature summaries and every gate. No script, no external asset.
import { esc, num, pct } from '../drift/report/escape';
import type { BinaryMetrics } from '../model/metrics';
import type { FeatureProfile } from '../profile/schema';
import type { BinaryModelCard, ModelCard } from './card';
import { multiclassSections, regressionSections } from './html-tasks';
import { barsSvg, COLORS, legend, unitSquareSvg, type Series } from './charts';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#555;margin:4px 0}.meta b{color:#222}.badge{display:inline-block;color:#fff;border-radius:4px;padding:2px 10px;font-weight:600;font-size:13px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e3e3;padding:5px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.l,th.l{text-align:left}th{background:#f0f0f0;font-weight:600}td.wrap{white-space:normal;text-align:left}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:16px}.box{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px}
.key{margin-right:12px;font-size:12px;color:#444}.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}.small{font-size:12px;color:#666}
`;

type Row = [string, (m: BinaryMetrics) => string];
const METRIC_ROWS: Row[] = [
  ['ROC AUC', (m) => num(m.auc)],
  ['PR AUC (average precision)', (m) => num(m.prAuc)],
  ['log loss', (m) => num(m.logLoss)],
  ['Brier score', (m) => num(m.brier)],
  ['accuracy (p >= 0.5)', (m) => pct(m.accuracy)],
  ['F1 (p >= 0.5)', (m) => num(m.f1)],
  ['calibration error (ECE)', (m) => num(m.ece)],
];

function metricsTable(card: BinaryModelCard): string {
  const cols: [string, BinaryMetrics][] = [
    [`this version (v${card.model.version})`, card.metrics.candidate],
    ['logistic baseline', card.metrics.logistic],
    ['majority class', card.metrics.majority],
  ];
  if (card.metrics.champion) cols.push([`champion v${card.metrics.champion.version}`, card.metrics.champion]);
  const head = `<tr><th>holdout (${card.model.holdoutRows.toLocaleString('en-US')} rows)</th>${cols.map(([n]) => `<th>${esc(n)}</th>`).join('')}</tr>`;
  const body = METRIC_ROWS.map(([name, f]) => `<tr><td>${esc(name)}</td>${cols.map(([, m]) => `<td>${f(m)}</td>`).join('')}</tr>`).join('');
  return `<table>${head}${body}</table>`;
}

function curveCharts(card: BinaryModelCard): string {
  const c = card.curves;
  const roc: Series[] = [
    { name: 'logistic baseline', color: COLORS.logistic, points: c.logistic.roc },
    ...(c.champion ? [{ name: 'champion', color: COLORS.champion, points: c.champion.roc }] : []),
    { name: 'this version', color: COLORS.candidate, points: c.candidate.roc },
  ];
  const pr: Series[] = [
    { name: 'logistic baseline', color: COLORS.logistic, points: c.logistic.pr },
    ...(c.champion ? [{ name: 'champion', color: COLORS.champion, points: c.champion.pr }] : []),
    { name: 'this version', color: COLORS.candidate, points: c.candidate.pr },
  ];
  const prevalence = card.metrics.candidate.prevalence;
  pr.push({
    name: `no skill (prevalence ${pct(prevalence)})`,
    color: COLORS.majority,
    points: [
      [0, prevalence],
      [1, prevalence],
    ],
  });
  const calib = (m: BinaryMetrics) => m.calibration.map((b): [number, number] => [b.meanPredicted, b.fractionPositive]);
  const calibration: Series[] = [
    { name: 'logistic baseline', color: COLORS.logistic, points: calib(card.metrics.logistic), dots: true },
    { name: 'this version', color: COLORS.candidate, points: calib(card.metrics.candidate), dots: true },
  ];
  const keys: [string, string][] = [
    ['this version', COLORS.candidate],
    ['logistic baseline', COLORS.logistic],
  ];
  if (c.champion) keys.push(['champion', COLORS.champion]);
  return (
    `<p>${legend(keys)}</p><div class="grid">` +
    `<div class="box"><b>ROC curve</b>${unitSquareSvg('ROC curve', 'false positive rate', 'true positive rate', roc, true)}</div>` +
    `<div class="box"><b>Precision-recall curve</b>${unitSquareSvg('Precision-recall curve', 'recall', 'precision', pr, false)}</div>` +
    `<div class="box"><b>Calibration</b> <span class="small">(mean predicted vs observed rate, ${card.metrics.candidate.calibration.length} bins)</span>${unitSquareSvg('Calibration plot', 'mean predicted probability', 'fraction positive', calibration, true)}</div>` +
    `</div>`
  );
}

function importanceCharts(card: ModelCard): string {
  if (card.importance.length === 0) return `<p class="meta">not available: the model was not trained by this project's GBDT trainer</p>`;
  const byGain = [...card.importance].sort((a, b) => b.gain - a.gain);
  const bySplits = [...card.importance].sort((a, b) => b.splits - a.splits);
  return (
    `<div class="grid"><div class="box"><b>Total gain (share)</b>${barsSvg(
      'importance by gain',
      byGain.map((f) => ({ label: f.feature, value: f.gain, text: pct(f.gain) })),
      COLORS.candidate,
    )}</div>` +
    `<div class="box"><b>Split count</b>${barsSvg(
      'importance by split count',
      bySplits.map((f) => ({ label: f.feature, value: f.splits, text: String(f.splits) })),
      '#72b7b2',
    )}</div></div>`
  );
}

function profileCells(p: FeatureProfile | null): string {
  if (!p) return '<td class="wrap" colspan="3">no profile</td>';
  const missing = p.count > 0 ? p.nulls / p.count : 0;
  if (p.kind === 'numeric') {
    const q = p.quantiles;
    return `<td>${pct(missing)}</td><td class="wrap">min ${num(p.min)} · p05 ${num(q.p05)} · median ${num(q.p50)} · p95 ${num(q.p95)} · max ${num(p.max)}</td><td class="wrap">mean ${num(p.mean)} · sd ${num(p.stddev)}</td>`;
  }
  const present = p.count - p.nulls;
  const top = p.top
    .slice(0, 6)
    .map((t) => `${esc(t.value)} ${pct(present > 0 ? t.count / present : 0)}`)
    .join(' · ');
  return `<td>${pct(missing)}</td><td class="wrap">${p.distinct.toLocaleString('en-US')} distinct${p.distinctExact ? '' : '+'}</td><td class="wrap">top: ${top}</td>`;
}

function featureTable(card: ModelCard): string {
  const importance = new Map(card.importance.map((f) => [f.feature, f]));
  const rows = card.features.map((f) => {
    const imp = importance.get(f.name);
    return `<tr><td>${esc(f.name)}</td><td class="l">${esc(f.type)}</td><td class="wrap">${esc(f.description ?? '')}</td><td>${pct(imp?.gain ?? 0)}</td><td>${imp?.splits ?? 0}</td>${profileCells(f.profile)}</tr>`;
  });
  return `<table><tr><th>feature</th><th class="l">type</th><th class="l">description</th><th>gain</th><th>splits</th><th>missing</th><th class="l">distribution (training profile)</th><th class="l"></th></tr>${rows.join('')}</table>`;
}

function gates(card: ModelCard): string {
  const g = card.gates;
  const status = (ok: boolean, yes: string, no: string) => (ok ? `<span class="ok">${yes}</span>` : `<span class="bad">${no}</span>`);
  const quality = g.quality
    ? `<tr><td>data-quality gate</td><td class="l">${status(g.quality.success, 'passed', 'failed')}</td><td class="wrap">${g.quality.passes} of ${g.quality.total} expectations passed${g.quality.failed.map((f) => `<br>${esc(f.name)}: ${esc(f.summary)}`).join('')}</td></tr>`
    : '';
  return (
    `<table><tr><th>gate</th><th class="l">result</th><th class="l">details</th></tr>${quality}` +
    `<tr><td>promotion gates</td><td class="l">${status(g.promotion.passed, 'passed', 'not passed')}</td><td class="wrap">${g.promotion.reasons.map(esc).join('<br>')}</td></tr>` +
    (g.parity.rows === 0
      ? `<tr><td>ONNX parity</td><td class="l">not applicable</td><td class="wrap">an imported model: no trainer to compare the graph with</td></tr></table>`
      : `<tr><td>ONNX parity</td><td class="l">${status(g.parity.ok, 'passed', 'failed')}</td><td class="wrap">max |ONNX − trainer| ${num(g.parity.maxAbsDiff)} over ${g.parity.rows} rows (limit 1e-5)</td></tr></table>`)
  );
}

function training(card: ModelCard): string {
  const t = card.training;
  if (t.trainer?.kind === 'python') {
    const libs = Object.entries(t.trainer.libraries)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · ');
    return `<p class="meta">trained by the Python trainer <b>${esc(t.trainer.entry)}</b> (${esc(t.trainer.estimator)}) in ${num(t.trainer.seconds)} s on the Python worker, converted to ONNX</p><p class="meta small">${esc(libs)}</p>`;
  }
  if (t.trainer?.kind === 'imported') return `<p class="meta">imported ONNX model from <b>${esc(t.trainer.source)}</b> (trained elsewhere)</p>`;
  const p = t.params;
  const es = t.earlyStopping
    ? ` · early stopping: best round ${t.earlyStopping.bestRound} of ${t.earlyStopping.roundsRun} on ${t.earlyStopping.validationRows.toLocaleString('en-US')} validation rows`
    : '';
  return (
    `<p class="meta">${t.trees} trees (${t.rounds} rounds, ${num(t.msPerRound)} ms a round${t.resumedFromRound ? `, resumed from round ${t.resumedFromRound}` : ''})${es}</p>` +
    `<p class="meta">learning rate ${p.learningRate} · depth ${p.maxDepth} · ${p.maxBins} bins · ${p.minDataInLeaf} rows per leaf · L2 ${p.l2} · subsample ${p.subsample} · seed ${p.seed}</p>`
  );
}

/** The holdout metrics and charts, per task; everything else on the page is the same for every task. */
function taskSections(card: ModelCard): string {
  if (!('task' in card)) return `<h2>Holdout metrics</h2>${metricsTable(card)}<h2>Curves</h2>${curveCharts(card)}`;
  return card.task === 'regression' ? regressionSections(card) : multiclassSections(card);
}

export function renderModelCardHtml(card: ModelCard): string {
  const m = card.model;
  const passed = card.gates.promotion.passed;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(m.name)} v${m.version}: model card</title><style>${CSS}</style></head><body><main>` +
    `<h1>${esc(m.name)} · version ${m.version} <span class="badge" style="background:${passed ? '#2e7d32' : '#c62828'}">${passed ? 'gates passed' : 'gates not passed'}</span></h1>` +
    (m.description ? `<p class="meta">${esc(m.description)}</p>` : '') +
    `<p class="meta">target <b>${esc(m.target)}</b> · ${m.trainRows.toLocaleString('en-US')} training rows, ${m.holdoutRows.toLocaleString('en-US')} holdout rows (${esc(m.split)}) · registered ${esc(m.createdAt)}</p>` +
    `<p class="meta small">run ${esc(m.runKey)}${m.dataHash ? ` · data ${esc(m.dataHash)}` : ''}</p>` +
    taskSections(card) +
    `<h2>Feature importance</h2>${importanceCharts(card)}<h2>Features</h2>${featureTable(card)}` +
    `<h2>Gates</h2>${gates(card)}<h2>Training</h2>${training(card)}</main></body></html>\n`
  );
}
