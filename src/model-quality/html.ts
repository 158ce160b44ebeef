// The model-quality report as one self-contained HTML page: verdict, metric table (live beside holdout), calibration plot, score histograms.
import { esc, num, pct } from '../drift/report/escape';
import type { CalibrationBin } from '../model/metrics';
import { binaryHoldout, binaryLive, type ModelQualityReport, type ScoreHistogram } from './report';

const COLORS = { ok: '#2e7d32', degraded: '#c62828', 'insufficient labels': '#616161' } as const;
const LIVE = '#f58518';
const HOLDOUT = '#4c78a8';
const POS = '#c62828';
const NEG = '#4c78a8';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1080px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:2px 10px;font-weight:600;font-size:13px;vertical-align:middle}
.meta{color:#555;margin:6px 0}.meta b{color:#222}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e3e3;padding:6px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f0f0f0;font-weight:600}tr.flag td{background:#fdecea}
.bad{color:#c62828;font-weight:600}.good{color:#2e7d32}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:12px}.small{font-size:12px;color:#666}
.key{margin-right:14px;font-size:12px;color:#444}.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}a{color:#1565c0}
`;

type Row = [name: string, live: number | null | undefined, holdout: number | null | undefined, limit: string, flagged: boolean | null];

function metricRows(r: ModelQualityReport): Row[] {
  const flagged = (m: string) => (r.live ? r.violations.some((v) => v.metric === m) : null);
  const s = r.settings;
  const h = r.holdout;
  if ('task' in h && h.task === 'regression') {
    const l = r.live && 'task' in r.live && r.live.task === 'regression' ? r.live : null;
    return [
      ['RMSE', l?.rmse, h.rmse, `rise ≤ ${pct(s.maxRmseRise)}`, flagged('rmse')],
      ['MAE', l?.mae, h.mae, '', null],
      ['R²', l?.r2, h.r2, '', null],
      ['mean target', l?.meanTarget, h.meanTarget, '', null],
      ['mean prediction', l?.meanPrediction, null, '', null],
      ['mean residual (target − prediction)', l?.meanResidual, null, '', null],
    ];
  }
  if ('task' in h && h.task === 'multiclass') {
    const l = r.live && 'task' in r.live && r.live.task === 'multiclass' ? r.live : null;
    return [
      ['accuracy', l?.accuracy, h.accuracy, `drop ≤ ${s.maxAccuracyDrop}`, flagged('accuracy')],
      ['log loss', l?.logLoss, h.logLoss, `rise ≤ ${s.maxLogLossRise}`, flagged('logLoss')],
      ['macro-F1', l?.macroF1, h.macroF1, '', null],
      ['largest class-share shift', r.classMix?.maxShift, null, `≤ ${s.classMixMargin} or p ≥ ${s.significance}`, flagged('classMix')],
    ];
  }
  const l = binaryLive(r);
  return [
    ['ROC AUC', l?.auc, h.auc, `drop ≤ ${s.maxAucDrop}`, flagged('auc')],
    ['log loss', l?.logLoss, h.logLoss, `rise ≤ ${s.maxLogLossRise}`, flagged('logLoss')],
    ['PR AUC (average precision)', l?.prAuc, h.prAuc, '', null],
    ['Brier score', l?.brier, h.brier, '', null],
    [`accuracy (live at ${num(l?.threshold ?? h.threshold)}, holdout at ${num(h.threshold)})`, l?.accuracy, h.accuracy, '', null],
    ['precision', l?.precision, h.precision, '', null],
    ['recall', l?.recall, h.recall, '', null],
    ['observed positive rate', l?.observedRate, h.observedRate, '', null],
    ['mean predicted probability', l?.meanPredicted, h.meanPredicted, `gap moves ≤ ${s.positiveRateMargin} or p ≥ ${s.significance}`, flagged('positiveRate')],
    ['expected calibration error', l?.ece, null, '', null],
  ];
}

/** Multiclass: the class mix (labels, holdout or predicted, mean predicted) and the confusion matrix of the live rows. */
function classTablesHtml(r: ModelQualityReport): string {
  const l = r.live && 'task' in r.live && r.live.task === 'multiclass' ? r.live : null;
  if (!l) return '';
  const mix = r.classMix;
  const mixRows = l.classes
    .map((c, i) => `<tr><td>${esc(String(c))}</td><td>${pct(l.observedShares[i])}</td><td>${mix ? pct(mix.expected[i]) : '–'}</td><td>${pct(l.predictedShares[i])}</td></tr>`)
    .join('');
  const test = mix
    ? `<p class="meta">Chi-square goodness of fit of the labels' class counts to the ${mix.basis === 'holdout' ? "holdout's class shares" : 'mean predicted probabilities'}: ${num(mix.chiSquare)} with ${mix.degreesOfFreedom} df, p = ${num(mix.pValue)}; a violation needs p &lt; ${num(r.settings.significance)} and a share to move by more than ${num(r.settings.classMixMargin)}.</p>`
    : '';
  const head = l.classes.map((c) => `<th>${esc(String(c))}</th>`).join('');
  const conf = l.confusion.map((row, i) => `<tr><td>${esc(String(l.classes[i]))}</td>${row.map((v) => `<td>${v}</td>`).join('')}</tr>`).join('');
  return (
    `<h2>Class mix</h2><table><tr><th>class</th><th>live labels</th><th>expected</th><th>mean predicted</th></tr>${mixRows}</table>${test}` +
    `<h2>Confusion matrix (rows: true class, columns: predicted)</h2><table><tr><th></th>${head}</tr>${conf}</table>`
  );
}

function tableHtml(r: ModelQualityReport): string {
  const rows = metricRows(r)
    .map(([name, live, hold, limit, flag]) => {
      const change = live !== null && live !== undefined && hold !== null && hold !== undefined ? live - hold : null;
      const status = flag === null ? '' : flag ? '<span class="bad">violation</span>' : '<span class="good">ok</span>';
      return `<tr class="${flag ? 'flag' : ''}"><td>${esc(name)}</td><td>${num(live)}</td><td>${num(hold)}</td><td>${change === null ? '–' : `${change >= 0 ? '+' : ''}${num(change)}`}</td><td>${esc(limit)}</td><td>${status}</td></tr>`;
    })
    .join('');
  return `<table><tr><th>metric</th><th>live</th><th>holdout</th><th>change</th><th>limit</th><th></th></tr>${rows}</table>`;
}

const W = 420;
const H = 300;
const PAD = { l: 44, r: 12, t: 12, b: 36 };
const x = (v: number) => PAD.l + v * (W - PAD.l - PAD.r);
const y = (v: number) => H - PAD.b - v * (H - PAD.t - PAD.b);

function axes(xLabel: string, yLabel: string, yMax = 1): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const tx = ticks
    .map((t) => `<line x1="${x(t)}" x2="${x(t)}" y1="${y(0)}" y2="${y(0) + 4}" stroke="#888"/><text x="${x(t)}" y="${y(0) + 16}" font-size="11" text-anchor="middle">${t}</text>`)
    .join('');
  const ty = ticks
    .map((t) => `<line x1="${x(0) - 4}" x2="${x(0)}" y1="${y(t)}" y2="${y(t)}" stroke="#888"/><text x="${x(0) - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${num(t * yMax, 2)}</text>`)
    .join('');
  return (
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(0)}" stroke="#888"/><line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(1)}" stroke="#888"/>${tx}${ty}` +
    `<text x="${(x(0) + x(1)) / 2}" y="${H - 4}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="12" y="${(y(0) + y(1)) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 ${(y(0) + y(1)) / 2})">${esc(yLabel)}</text>`
  );
}

function series(bins: CalibrationBin[], color: string, name: string): string {
  if (bins.length === 0) return '';
  const max = Math.max(...bins.map((b) => b.count));
  const line = bins.map((b) => `${x(b.meanPredicted).toFixed(1)},${y(b.fractionPositive).toFixed(1)}`).join(' ');
  const dots = bins
    .map(
      (b) =>
        `<circle cx="${x(b.meanPredicted).toFixed(1)}" cy="${y(b.fractionPositive).toFixed(1)}" r="${(2.5 + 4 * Math.sqrt(b.count / max)).toFixed(1)}" fill="${color}" fill-opacity="0.8"><title>${esc(name)} ${num(b.lower)}–${num(b.upper)}: ${b.count} rows, mean predicted ${num(b.meanPredicted)}, observed ${num(b.fractionPositive)}</title></circle>`,
    )
    .join('');
  return `<polyline points="${line}" fill="none" stroke="${color}" stroke-width="1.5"/>${dots}`;
}

export function calibrationSvg(live: CalibrationBin[], holdout: CalibrationBin[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="calibration plot">` +
    axes('mean predicted probability', 'observed positive rate') +
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#bbb" stroke-dasharray="4 3"/>` +
    series(holdout, HOLDOUT, 'holdout') +
    series(live, LIVE, 'live') +
    `</svg>`
  );
}

export function histogramSvg(h: ScoreHistogram): string {
  const totalPos = h.positives.reduce((a, b) => a + b, 0);
  const totalNeg = h.negatives.reduce((a, b) => a + b, 0);
  const share = (c: number, t: number) => (t > 0 ? c / t : 0);
  const top = Math.max(1e-9, ...h.positives.map((c) => share(c, totalPos)), ...h.negatives.map((c) => share(c, totalNeg)));
  const bins = h.positives.length;
  const bw = (x(1) - x(0)) / bins;
  const bars = h.positives
    .map((c, i) => {
      const p = share(c, totalPos) / top;
      const n = share(h.negatives[i], totalNeg) / top;
      const x0 = x(h.edges[i]);
      return (
        `<rect x="${(x0 + 1).toFixed(1)}" y="${y(n).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${(y(0) - y(n)).toFixed(1)}" fill="${NEG}"><title>label 0, ${num(h.edges[i])}–${num(h.edges[i + 1])}: ${h.negatives[i]}</title></rect>` +
        `<rect x="${(x0 + bw / 2).toFixed(1)}" y="${y(p).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${(y(0) - y(p)).toFixed(1)}" fill="${POS}"><title>label 1, ${num(h.edges[i])}–${num(h.edges[i + 1])}: ${c}</title></rect>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="score histograms by label">${axes('predicted probability', 'share of the label', top)}${bars}</svg>`;
}

const key = (color: string, name: string) => `<span class="key"><i style="background:${color}"></i>${esc(name)}</span>`;

export function renderQualityHtml(r: ModelQualityReport): string {
  const c = r.counts;
  const run = r.run ? (r.run.url ? `<a href="${esc(r.run.url)}">${esc(r.run.workflowId)}</a>` : esc(r.run.workflowId)) : 'manual';
  const others = c.otherVersions.length ? `; other versions in the window (not judged): ${c.otherVersions.map((o) => `v${o.version} ${o.rows}`).join(', ')}` : '';
  const rate = r.positiveRate
    ? `<p class="meta">Calibration in the large: observed ${pct(r.positiveRate.observed)} vs mean predicted ${pct(r.positiveRate.predicted)} (gap ${num(r.positiveRate.gap)}; expected ${num(r.positiveRate.expectedGap)}, ${r.settings.positiveRateBaseline === 'holdout' ? "the holdout's" : 'none'}), z = ${num(r.positiveRate.z)}, two-sided p = ${num(r.positiveRate.pValue)}; a violation needs p &lt; ${num(r.settings.significance)} and the gap to move by more than ${num(r.settings.positiveRateMargin)}.</p>`
    : '';
  const bl = binaryLive(r);
  const bh = binaryHoldout(r);
  const charts =
    bl && bh
      ? `<div class="cards"><div class="card"><h2 style="margin-top:0">Calibration</h2>${key(LIVE, 'live')}${key(HOLDOUT, 'holdout')}${calibrationSvg(bl.calibration, bh.calibration)}<div class="small">Equal-width bins; dot size grows with rows. On the dashed line, predicted = observed.</div></div>` +
        (r.histogram
          ? `<div class="card"><h2 style="margin-top:0">Scores by true label</h2>${key(NEG, 'label 0')}${key(POS, 'label 1')}${histogramSvg(r.histogram)}<div class="small">Each label's scores as shares of that label; the further apart, the better the ranking.</div></div>`
          : '') +
        `</div>`
      : '';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Model quality ${esc(r.model)} v${r.modelVersion}: ${esc(r.verdict)}</title><style>${CSS}</style></head><body><main>` +
    `<h1>Model quality: ${esc(r.model)} v${r.modelVersion} <span class="badge" style="background:${COLORS[r.verdict]}">${esc(r.verdict)}</span></h1>` +
    `<p class="meta">${esc(r.summary)}</p>` +
    `<p class="meta">Predictions stamped <b>${esc(r.window.start)}</b> to <b>${esc(r.window.end)}</b>: <b>${c.predictions.toLocaleString('en-US')}</b>, labeled <b>${c.labeled.toLocaleString('en-US')}</b> (coverage ${pct(c.coverage)})${others}. ` +
    `Labels received: ${c.labelIds.toLocaleString('en-US')} ids, ${c.unmatchedLabels.toLocaleString('en-US')} matching no captured prediction, ${c.relabeledIds} relabeled; ${c.repeatedIds} ids predicted more than once (latest counts).</p>` +
    `<p class="meta">Run ${run}; report ${esc(r.id)}, ${esc(r.createdAt)}. Holdout: the version's own evaluation at training (${r.holdout.rows ?? '–'} rows).</p>` +
    (r.notes.length ? `<p class="meta">${r.notes.map(esc).join('; ')}</p>` : '') +
    `<h2>Metrics</h2>${tableHtml(r)}${rate}${charts}${classTablesHtml(r)}</main></body></html>`
  );
}
