// The drift report as one self-contained HTML page: headline verdict, a verdict table, and per-feature overlays.
import type { DriftReport, FeatureVerdict, PredictionVerdict } from '../monitor/report-model';
import { esc, num, pct } from './escape';
import { legendHtml, overlaySvg, plotBuckets } from './svg';

const VERDICT_COLORS: Record<DriftReport['verdict'], string> = {
  'no drift': '#2e7d32',
  'feature drift': '#ef6c00',
  'dataset drift': '#c62828',
  'insufficient data': '#616161',
};

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:15px;margin:0 0 6px}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:2px 10px;font-weight:600;font-size:13px;vertical-align:middle}
.meta{color:#555;margin:6px 0}.meta b{color:#222}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e3e3;padding:6px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.l,th.l{text-align:left}th{background:#f0f0f0;font-weight:600}
tr.flag td{background:#fff4e5}.yes{color:#c62828;font-weight:600}.no{color:#2e7d32}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:12px}.card.flag{border-color:#ef6c00}
.key{margin-right:14px;font-size:12px;color:#444}.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
.small{font-size:12px;color:#666}a{color:#1565c0}
`;

function yesNo(flag: boolean): string {
  return flag ? '<span class="yes">drift</span>' : '<span class="no">ok</span>';
}

function featureRow(f: FeatureVerdict): string {
  return (
    `<tr class="${f.flagged ? 'flag' : ''}"><td>${esc(f.feature)}</td><td class="l">${esc(f.kind)}</td><td class="l">${esc(f.method)}</td>` +
    `<td>${num(f.statistic)}</td><td>${f.pValue !== undefined ? num(f.pValue) : '–'}</td><td>${num(f.threshold)}</td><td>${num(f.psi)}</td>` +
    `<td>${pct(f.missingRateDelta)}${f.missingRateDrifted ? ' <span class="yes">!</span>' : ''}</td><td>${f.unseenShare !== undefined ? pct(f.unseenShare) : '–'}</td>` +
    `<td>${f.currentCount.toLocaleString('en-US')}</td><td>${yesNo(f.flagged)}</td></tr>`
  );
}

function predictionRow(p: PredictionVerdict): string {
  return (
    `<tr class="${p.drifted ? 'flag' : ''}"><td>prediction</td><td class="l">probability</td><td class="l">${esc(p.method)}</td>` +
    `<td>${num(p.statistic)}</td><td>${p.pValue !== undefined ? num(p.pValue) : '–'}</td><td>${num(p.threshold)}</td><td>–</td><td>–</td><td>–</td><td>${p.count.toLocaleString('en-US')}</td><td>${yesNo(p.drifted)}</td></tr>`
  );
}

function featureCard(f: FeatureVerdict): string {
  const how = f.pValue !== undefined ? `p = ${num(f.pValue)} (drift when &lt; ${num(f.threshold)})` : `${esc(f.method)} = ${num(f.statistic)} (drift when ≥ ${num(f.threshold)})`;
  const extra = [`PSI ${num(f.psi)}`, `missing Δ ${pct(f.missingRateDelta)}`];
  if (f.noiseFloor !== undefined) extra.push(`no-drift level at these sizes ${num(f.noiseFloor)} (decided on the excess over it)`);
  if (f.statistics?.ks && f.method !== 'ks') extra.push(`KS ${num(f.statistics.ks.statistic)} (p ${num(f.statistics.ks.pValue)})`);
  if (f.unseenShare !== undefined && f.resolution === 'fine') extra.push(`live values never seen in training ${pct(f.unseenShare)}`);
  else if (f.unseenShare !== undefined && f.plot.kind === 'categorical') {
    const ref = f.plot.reference;
    const total = ref.counts.reduce((a, b) => a + b, 0) + ref.other;
    extra.push(`outside training's top ${f.plot.categories.length} values: live ${pct(f.unseenShare)}, training ${pct(total > 0 ? ref.other / total : null)}`);
  }
  return (
    `<div class="card${f.flagged ? ' flag' : ''}"><h3>${esc(f.feature)} ${yesNo(f.flagged)}</h3>` +
    `<div class="small">${how}; ${extra.join(', ')}${f.note ? `; ${esc(f.note)}` : ''}</div>` +
    overlaySvg(plotBuckets(f.plot), `${f.feature}: training vs live`) +
    `</div>`
  );
}

function predictionCard(p: PredictionVerdict): string {
  if (p.classes) {
    // multiclass: the share of rows predicted as each class, holdout against live
    const how = p.pValue !== undefined ? `p = ${num(p.pValue)} (drift when &lt; ${num(p.threshold)})` : `${esc(p.method)} = ${num(p.statistic)} (drift when ≥ ${num(p.threshold)})`;
    const bars = p.classes.map((label, i) => ({ label, reference: p.referenceShares?.[i] ?? 0, current: p.shares?.[i] ?? 0 }));
    return (
      `<div class="card${p.drifted ? ' flag' : ''}"><h3>predicted class ${yesNo(p.drifted)}</h3>` +
      `<div class="small">live predicted classes vs the model's holdout predictions: ${how}${p.note ? `; ${esc(p.note)}` : ''}.</div>` +
      overlaySvg(bars, 'predicted class shares: holdout vs live') +
      `</div>`
    );
  }
  const buckets = p.histogram.counts.map((c, i) => ({ label: `${num(p.histogram.edges[i])}–${num(p.histogram.edges[i + 1])}`, reference: 0, current: 0, c }));
  const total = p.histogram.counts.reduce((a, b) => a + b, 0);
  for (const b of buckets) b.current = total > 0 ? b.c / total : 0;
  if (p.resolution === 'fine') {
    const how = p.pValue !== undefined ? `p = ${num(p.pValue)} (drift when &lt; ${num(p.threshold)})` : `${esc(p.method)} = ${num(p.statistic)} (drift when ≥ ${num(p.threshold)})`;
    return (
      `<div class="card${p.drifted ? ' flag' : ''}"><h3>prediction ${yesNo(p.drifted)}</h3>` +
      `<div class="small">live probabilities vs the model's holdout scores: ${how}; mean holdout score ${pct(p.referenceMeanProbability ?? null)} vs mean live probability ${pct(p.meanProbability)}; ` +
      `live positive labels ${pct(p.positiveLabelShare)}.</div>` +
      overlaySvg(buckets, 'live predicted probabilities') +
      `</div>`
    );
  }
  return (
    `<div class="card${p.drifted ? ' flag' : ''}"><h3>prediction ${yesNo(p.drifted)}</h3>` +
    `<div class="small">training positive rate ${pct(p.referencePositiveRate)} vs mean live probability ${pct(p.meanProbability)} ` +
    `(Jensen-Shannon ${num(p.statistic)}, drift when ≥ ${num(p.threshold)}); live positive labels ${pct(p.positiveLabelShare)}. ` +
    `The profile keeps no training predictions, so only the live histogram is drawn.${p.note ? ` ${esc(p.note)}` : ''}</div>` +
    overlaySvg(buckets, 'live predicted probabilities') +
    `</div>`
  );
}

/** Says how exact the statistics are: fine profiles give SciPy's values on the raw rows, coarse ones approximations. */
function resolutionNote(r: DriftReport): string {
  if (r.reference.resolution === 'fine') {
    return `<p class="meta">Profile version ${r.reference.profileVersion ?? 2} (fine): statistics from exact value counts (equal-frequency bins with exact edges past 10,000 distinct values) and every category; Jensen-Shannon in natural log.</p>`;
  }
  return `<p class="meta"><b>Coarse profile</b> (version ${r.reference.profileVersion ?? 1}, registered before fine profiles): statistics come from 20-bin histograms and the top 100 categories, so they approximate the same statistics on the raw rows. Retrain to get a fine profile.</p>`;
}

/** The whole page; every value from the report is escaped. */
export function renderReportHtml(r: DriftReport): string {
  const color = VERDICT_COLORS[r.verdict];
  const run = r.run ? (r.run.url ? `<a href="${esc(r.run.url)}">${esc(r.run.workflowId)}</a>` : esc(r.run.workflowId)) : 'run by hand';
  const versions = r.versionsSeen.map((v) => `v${v.version}: ${v.rows.toLocaleString('en-US')}`).join(', ') || '–';
  const table =
    r.features.length || r.prediction
      ? `<h2>Verdicts</h2><table><thead><tr><th>feature</th><th class="l">kind</th><th class="l">method</th><th>statistic</th><th>p-value</th><th>threshold</th><th>PSI</th><th>missing Δ</th><th title="share of live values in no training category (coarse profiles: outside the training profile's top categories)">unseen</th><th>live rows</th><th>verdict</th></tr></thead><tbody>` +
        r.features.map(featureRow).join('') +
        (r.prediction ? predictionRow(r.prediction) : '') +
        `</tbody></table><p class="small">Dataset drift when at least ${pct(r.dataset.driftShare)} of features are flagged (now ${r.dataset.numberOfDriftedFeatures} of ${r.dataset.numberOfFeatures}, ${pct(r.dataset.shareOfDriftedFeatures)}). ` +
        `A feature is flagged when its distribution test fires or its missing share moves by at least ${pct(r.settings.missingRateThreshold)}. ` +
        `References of at most ${r.settings.smallReferenceLimit.toLocaleString('en-US')} values use KS / chi-square (p &lt; threshold), larger ones normed Wasserstein / Jensen-Shannon (distance ≥ threshold).</p>`
      : '';
  const uncompared = r.uncompared.length ? `<p class="small">Not compared (no training values): ${r.uncompared.map(esc).join(', ')}.</p>` : '';
  const charts =
    r.features.length || r.prediction
      ? `<h2>Training vs live</h2><p>${legendHtml()}</p><div class="cards">${r.features.map(featureCard).join('')}${r.prediction ? predictionCard(r.prediction) : ''}</div>`
      : `<p>Nothing was compared: ${r.rows.toLocaleString('en-US')} captured rows is below the minimum of ${r.minRows.toLocaleString('en-US')}. The next run keeps this window's start, so rows add up until there are enough.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(`Drift report (${r.verdict}): ${r.model} v${r.modelVersion}`)}</title><style>${CSS}</style></head>
<body><main>
<h1>Drift report: ${esc(r.model)} v${r.modelVersion} <span class="badge" style="background:${color}">${esc(r.verdict)}</span></h1>
<p><b>${esc(r.summary)}</b></p>
<p class="meta">Window <b>${esc(r.window.start)}</b> to <b>${esc(r.window.end)}</b> · ${r.rows.toLocaleString('en-US')} rows from ${r.files} file(s) · scored by ${esc(versions)}</p>
<p class="meta">Reference: training profile of ${r.reference.rows.toLocaleString('en-US')} rows (${esc(r.reference.createdAt)}) · run ${run} · report ${esc(r.id)}, ${esc(r.createdAt)}</p>
${resolutionNote(r)}
${table}${uncompared}${charts}
</main></body></html>
`;
}
