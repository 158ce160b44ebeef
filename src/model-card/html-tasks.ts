// The model card's holdout sections for regression (metrics, predicted against actual, residuals) and multiclass
// (metrics, confusion matrix, per-class metrics); binary keeps its own in html.ts.
import { esc, num, pct } from '../drift/report/escape';
import { className } from '../task/task';
import type { CardMulticlassMetrics, CardRegressionMetrics, MulticlassModelCard, RegressionModelCard } from './card';
import { barsSvg, COLORS, legend, unitSquareSvg } from './charts';

type Column<M> = [string, M];

function columns<M>(card: { model: { version: number }; metrics: { candidate: M; baselines: { name: string; metrics: M }[]; champion?: { version: number; metrics: M } } }): Column<M>[] {
  const cols: Column<M>[] = [[`this version (v${card.model.version})`, card.metrics.candidate]];
  for (const b of card.metrics.baselines) cols.push([b.name, b.metrics]);
  if (card.metrics.champion) cols.push([`champion v${card.metrics.champion.version}`, card.metrics.champion.metrics]);
  return cols;
}

function table<M>(holdoutRows: number, cols: Column<M>[], rows: [string, (m: M) => string][]): string {
  const head = `<tr><th>holdout (${holdoutRows.toLocaleString('en-US')} rows)</th>${cols.map(([n]) => `<th>${esc(n)}</th>`).join('')}</tr>`;
  const body = rows.map(([name, f]) => `<tr><td>${esc(name)}</td>${cols.map(([, m]) => `<td>${f(m)}</td>`).join('')}</tr>`).join('');
  return `<table>${head}${body}</table>`;
}

const REGRESSION_ROWS: [string, (m: CardRegressionMetrics) => string][] = [
  ['RMSE', (m) => num(m.rmse)],
  ['MAE', (m) => num(m.mae)],
  ['R²', (m) => num(m.r2)],
  ['mean target', (m) => num(m.meanTarget)],
  ['mean prediction', (m) => num(m.meanPrediction)],
  ['residual mean (actual − predicted)', (m) => num(m.residuals.mean)],
  ['residual standard deviation', (m) => num(m.residuals.std)],
  ['residual p5 · p25 · p50 · p75 · p95', (m) => (['p5', 'p25', 'p50', 'p75', 'p95'] as const).map((q) => num(m.residuals.quantiles[q])).join(' · ')],
];

export function regressionSections(card: RegressionModelCard): string {
  const bins = card.metrics.candidate.bins;
  const values = bins.flatMap((b) => [b.meanPredicted, b.meanActual]);
  const range: [number, number] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  const scatter = unitSquareSvg(
    'Predicted against actual',
    'mean predicted',
    'mean actual',
    [{ name: 'this version', color: COLORS.candidate, points: bins.map((b): [number, number] => [b.meanPredicted, b.meanActual]), dots: true }],
    true,
    range,
  );
  const residuals = barsSvg(
    'Residual histogram',
    card.charts.residuals.map((b) => ({ label: `${num(b.lower, 3)} to ${num(b.upper, 3)}`, value: b.count, text: b.count.toLocaleString('en-US') })),
    COLORS.candidate,
  );
  return (
    `<h2>Holdout metrics</h2>${table(card.model.holdoutRows, columns(card), REGRESSION_ROWS)}` +
    `<h2>Predicted against actual</h2><p>${legend([['this version', COLORS.candidate]])}</p><div class="grid">` +
    `<div class="box"><b>Predicted against actual</b> <span class="small">(${bins.length} equal-count bins of the holdout rows sorted by prediction; on the diagonal the mean prediction is right)</span>${scatter}</div>` +
    `<div class="box"><b>Residuals</b> <span class="small">(actual − predicted, rows per bin; the outer 1 % fold into the end bins)</span>${residuals}</div></div>`
  );
}

const MULTICLASS_ROWS: [string, (m: CardMulticlassMetrics) => string][] = [
  ['log loss', (m) => num(m.logLoss)],
  ['accuracy', (m) => pct(m.accuracy)],
  ['macro F1', (m) => num(m.macroF1)],
  ['macro ROC AUC (one-vs-rest)', (m) => num(m.macroAuc)],
];

function confusionTable(m: CardMulticlassMetrics): string {
  const names = m.classes.map(className);
  const max = Math.max(1, ...m.confusion.flat());
  const head = `<tr><th>actual ↓ · predicted →</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>rows</th></tr>`;
  const body = m.confusion
    .map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      const cells = row.map((v, j) => {
        const shade = (0.08 + 0.6 * (v / max)).toFixed(2);
        const color = i === j ? `rgba(46,125,50,${shade})` : v > 0 ? `rgba(198,40,40,${shade})` : 'transparent';
        return `<td style="background:${color}">${v.toLocaleString('en-US')}</td>`;
      });
      return `<tr><td>${esc(names[i] ?? String(i))}</td>${cells.join('')}<td>${total.toLocaleString('en-US')}</td></tr>`;
    })
    .join('');
  return `<table>${head}${body}</table>`;
}

function perClassTable(m: CardMulticlassMetrics): string {
  const rows = m.perClass.map(
    (c) => `<tr><td>${esc(className(c.class))}</td><td>${c.support.toLocaleString('en-US')}</td><td>${num(c.precision)}</td><td>${num(c.recall)}</td><td>${num(c.f1)}</td></tr>`,
  );
  return `<table><tr><th>class</th><th>holdout rows</th><th>precision</th><th>recall</th><th>F1</th></tr>${rows.join('')}</table>`;
}

export function multiclassSections(card: MulticlassModelCard): string {
  const m = card.metrics.candidate;
  return (
    `<h2>Holdout metrics</h2>${table(card.model.holdoutRows, columns(card), MULTICLASS_ROWS)}` +
    `<h2>Confusion matrix</h2><p class="small">holdout rows by actual class (rows) and most probable class (columns)</p>${confusionTable(m)}` +
    `<h2>Per-class metrics</h2>${perClassTable(m)}`
  );
}
