// The console's three pages rendered from plain data (see data.ts); every value from the store is escaped.
import { modelCardPath } from '../model-card/card';
import { lineChart, type ChartPoint } from './charts';
import { candidateMetrics, KEY_METRIC, taskOf, type ModelDetail, type ModelRow, type ReportPageQuery, type ReportRow } from './data';
import { badge, esc, fmt } from './html';

export interface Links {
  temporalUiUrl: string;
  namespace: string;
}

export const driftHref = (id: string) => `/v1/reports/${id}.html`;
export const qualityHref = (id: string) => `/v1/reports/quality/${id}.html`;
const modelHref = (name: string) => `/console/models/${encodeURIComponent(name)}`;

export function runsHref(links: Links, model: string): string {
  return `${links.temporalUiUrl}/namespaces/${encodeURIComponent(links.namespace)}/workflows?query=${encodeURIComponent(`ModelName="${model}"`)}`;
}

export function modelsBody(rows: ModelRow[], links: Links): string {
  if (rows.length === 0) return '<h1>Models</h1><p>No models registered yet.</p>';
  const trs = rows
    .map(
      (m) => `<tr data-model="${esc(m.name)}"><th scope="row"><a href="${esc(modelHref(m.name))}">${esc(m.name)}</a></th>
<td class="num">${m.champion === null ? '–' : esc(m.champion)}</td><td>${esc(m.task)}</td><td class="num">${esc(m.keyMetric.label)} ${esc(fmt(m.keyMetric.value))}</td>
<td>${esc(m.lastTrainedAt ?? '–')}</td><td>${badge('drift', m.drift?.verdict ?? null, m.drift ? driftHref(m.drift.id) : undefined)}</td>
<td>${badge('quality', m.quality?.verdict ?? null, m.quality ? qualityHref(m.quality.id) : undefined)}</td>
<td><a href="${esc(runsHref(links, m.name))}">runs</a>${m.champion === null ? '' : m.championCard ? ` · <a href="${esc(modelCardPath(m.name, m.champion))}">card</a>` : ' · <span class="no-card">no card</span>'}</td></tr>`,
    )
    .join('\n');
  return `<h1>Models</h1><table><caption>Registered models, their champion and latest health</caption>
<thead><tr><th scope="col">Model</th><th scope="col">Champion</th><th scope="col">Task</th><th scope="col">Key metric (holdout)</th><th scope="col">Last training</th><th scope="col">Drift</th><th scope="col">Quality</th><th scope="col">Links</th></tr></thead>
<tbody>${trs}</tbody></table>`;
}

function liveKeyMetric(r: ModelDetail['quality'][number]): { label: string; value: number | null } {
  const live = r.live as Record<string, unknown> | null;
  const task = r.task ?? 'binary';
  const km = KEY_METRIC[task];
  const v = live?.[km.field];
  return { label: km.label, value: typeof v === 'number' ? v : null };
}

export function modelBody(d: ModelDetail, links: Links): string {
  const metricNames = [
    ...new Set(
      d.versions.flatMap((v) =>
        Object.entries(candidateMetrics(v))
          .filter(([, x]) => typeof x === 'number')
          .map(([k]) => k),
      ),
    ),
  ].slice(0, 10);
  const head = `<tr><th scope="col">Version</th><th scope="col">Created</th><th scope="col">Task</th>${metricNames.map((m) => `<th scope="col">${esc(m)}</th>`).join('')}<th scope="col">Card</th></tr>`;
  const rows = d.versions
    .map((v) => {
      const c = candidateMetrics(v);
      const champ = v.version === d.champion;
      return `<tr data-version="${esc(v.version)}"${champ ? ' class="champion"' : ''}><th scope="row">${esc(v.version)}${champ ? ' <span class="badge good">champion</span>' : ''}</th><td>${esc(v.createdAt)}</td><td>${esc(taskOf(v))}</td>
${metricNames.map((m) => `<td class="num">${esc(fmt(c[m]))}</td>`).join('')}<td>${d.cards.has(v.version) ? `<a href="${esc(modelCardPath(d.name, v.version))}">card of version ${esc(v.version)}</a>` : `<span class="no-card" title="imported or registered before model cards">no card</span>`}</td></tr>`;
    })
    .join('\n');
  const history = d.history.length
    ? `<table><caption>Promotion and rollback history</caption><thead><tr><th scope="col">When</th><th scope="col">Alias</th><th scope="col">Version</th><th scope="col">Reason</th></tr></thead><tbody>${d.history
        .slice()
        .reverse()
        .map((e) => `<tr><td>${esc(e.at)}</td><td>${esc(e.alias)}</td><td class="num">${esc(e.version)}</td><td>${esc(e.reason)}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p>No promotions yet.</p>';

  const features = [...new Set(d.drift.flatMap((r) => r.features.map((f) => f.feature)))];
  const driftCharts = features.map((f) => {
    const points: ChartPoint[] = [];
    let threshold: number | undefined;
    let method = '';
    for (const r of d.drift) {
      const fv = r.features.find((x) => x.feature === f);
      if (!fv) continue;
      threshold = fv.threshold;
      method = fv.method;
      points.push({ id: r.id, href: driftHref(r.id), at: r.window.end, value: fv.statistic });
    }
    return lineChart({ title: `${f} (${method})`, label: `${f} ${method}`, points, ...(threshold !== undefined ? { threshold } : {}) });
  });
  const predPoints = d.drift.flatMap((r) => (r.prediction && r.prediction.statistic !== null ? [{ id: r.id, href: driftHref(r.id), at: r.window.end, value: r.prediction.statistic }] : []));
  if (predPoints.length) driftCharts.push(lineChart({ title: 'prediction', label: 'prediction', points: predPoints }));
  const qLabel = d.quality.length ? liveKeyMetric(d.quality[d.quality.length - 1]).label : 'key metric';
  const qualityCharts = [
    lineChart({
      title: `live ${qLabel}`,
      label: `live ${qLabel}`,
      points: d.quality.flatMap((r) => {
        const v = liveKeyMetric(r).value;
        return v === null ? [] : [{ id: r.id, href: qualityHref(r.id), at: r.window.end, value: v }];
      }),
    }),
    lineChart({ title: 'label coverage', label: 'coverage', points: d.quality.map((r) => ({ id: r.id, href: qualityHref(r.id), at: r.window.end, value: r.counts.coverage })) }),
  ];
  const adminForm = `<section class="admin" aria-labelledby="admin-h"><h2 id="admin-h">Admin actions</h2>
<p>Read-only without a key. The key stays in this page: it is sent as a header with each action and never stored.</p>
<label for="admin-key">Admin API key</label> <input id="admin-key" type="password" autocomplete="off" size="40">
<button type="button" id="rollback">Roll back the champion</button> ${d.versions
    .filter((v) => v.version !== d.champion)
    .map((v) => `<button type="button" class="promote" data-version="${esc(v.version)}">Promote version ${esc(v.version)}</button>`)
    .join(' ')}
<p id="admin-status" role="status" aria-live="polite"></p></section>`;
  return `<h1>Model ${esc(d.name)}</h1>
<p>Champion: ${d.champion === null ? 'none' : `version ${esc(d.champion)}`} · <a href="${esc(runsHref(links, d.name))}">Temporal runs</a> · <a href="/console/reports?model=${esc(encodeURIComponent(d.name))}">all reports</a></p>
<h2>Versions</h2><table><caption>Holdout metrics of each version, side by side</caption><thead>${head}</thead><tbody>${rows}</tbody></table>
<h2>Champion history</h2>${history}
<h2>Drift statistics over time</h2><p>One point per drift report (newest ${d.drift.length}), the dashed line is the feature's threshold; each point opens its report.</p>
<div class="charts">${driftCharts.join('') || '<p>No drift reports yet.</p>'}</div>
<h2>Quality over time</h2><p>One point per model-quality report (newest ${d.quality.length}); each point opens its report.</p>
<div class="charts">${d.quality.length ? qualityCharts.join('') : '<p>No quality reports yet.</p>'}</div>
${adminForm}`;
}

/** Promote and roll back through the admin API; the key is read from the field at click time only. */
export function adminScript(model: string): string {
  const m = JSON.stringify(model).replace(/</g, '\\u003c');
  return `(function(){var model=${m};var st=document.getElementById('admin-status');
function send(path,body,question){if(!window.confirm(question))return;var key=document.getElementById('admin-key').value;
if(!key){st.textContent='Enter the admin API key first.';document.getElementById('admin-key').focus();return;}
st.textContent='Working...';fetch('/console/api/models/'+encodeURIComponent(model)+'/'+path,{method:'POST',headers:{'content-type':'application/json','x-api-key':key},body:JSON.stringify(body)})
.then(function(r){return r.json().then(function(j){if(!r.ok)throw new Error(j.message||('HTTP '+r.status));var notes=(j.schedules||[]).map(function(x){return x.scheduleId+(x.created?' created':' already there');});if(j.schedulesNotChecked)notes.push(j.schedulesNotChecked);
st.textContent=model+': champion is now version '+j.champion+(notes.length?' ('+notes.join('; ')+')':'')+'. Reloading...';setTimeout(function(){location.reload();},notes.length?2500:600);});})
.catch(function(e){st.textContent='Failed: '+e.message;});}
document.querySelectorAll('button.promote').forEach(function(b){b.addEventListener('click',function(){var v=Number(b.getAttribute('data-version'));send('promote',{version:v},'Promote version '+v+' of '+model+' to champion?');});});
document.getElementById('rollback').addEventListener('click',function(){send('rollback',{},'Roll the champion of '+model+' back to its previous version?');});})();`;
}

/** A time as a datetime-local field holds it (UTC, no zone; the console reads a zone-less time as UTC). */
function timeField(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.000)?Z$/, '');
}

export function reportsBody(q: ReportPageQuery, rows: ReportRow[], hasNext: boolean, models: string[]): string {
  const opt = (value: string, label: string, current: string | undefined) => `<option value="${esc(value)}"${value === (current ?? '') ? ' selected' : ''}>${esc(label)}</option>`;
  const verdicts = ['no drift', 'feature drift', 'dataset drift', 'insufficient data', 'ok', 'degraded', 'insufficient labels'];
  const qs = (page: number) => {
    const p = new URLSearchParams();
    if (q.model) p.set('model', q.model);
    if (q.kind) p.set('kind', q.kind);
    if (q.verdict) p.set('verdict', q.verdict);
    if (q.since !== undefined) p.set('since', timeField(q.since));
    if (q.until !== undefined) p.set('until', timeField(q.until));
    p.set('page', String(page));
    return `/console/reports?${p.toString()}`;
  };
  const form = `<form method="get" action="/console/reports" aria-label="filter reports">
<label for="f-model">Model</label> <select id="f-model" name="model">${opt('', 'any', q.model)}${models.map((m) => opt(m, m, q.model)).join('')}</select>
<label for="f-kind">Kind</label> <select id="f-kind" name="kind">${opt('', 'any', q.kind)}${opt('drift', 'drift', q.kind)}${opt('quality', 'quality', q.kind)}</select>
<label for="f-verdict">Verdict</label> <select id="f-verdict" name="verdict">${opt('', 'any', q.verdict)}${verdicts.map((v) => opt(v, v, q.verdict)).join('')}</select>
<label for="f-since">Window end from (UTC)</label> <input id="f-since" name="since" type="datetime-local" step="1" value="${q.since === undefined ? '' : esc(timeField(q.since))}">
<label for="f-until">before (UTC)</label> <input id="f-until" name="until" type="datetime-local" step="1" value="${q.until === undefined ? '' : esc(timeField(q.until))}">
<button type="submit">Filter</button></form>`;
  const trs = rows
    .map(
      (
        r,
      ) => `<tr data-report="${esc(r.id)}"><td>${esc(r.windowEnd)}</td><td>${esc(r.kind)}</td><td><a href="${esc(`/console/models/${encodeURIComponent(r.model)}`)}">${esc(r.model)}</a></td><td class="num">${esc(r.modelVersion)}</td>
<td>${badge(r.kind, r.verdict)}</td><td><a href="${esc(r.href)}">${esc(r.summary)}</a></td></tr>`,
    )
    .join('\n');
  const nav = `<nav aria-label="pages">${q.page > 1 ? `<a href="${esc(qs(q.page - 1))}" rel="prev">previous page</a> ` : ''}page ${esc(q.page)}${hasNext ? ` <a href="${esc(qs(q.page + 1))}" rel="next">next page</a>` : ''}</nav>`;
  return `<h1>Reports</h1>${form}<table><caption>Drift and quality reports, newest window first (${esc(q.size)} a page; the verdict filter applies within a page)</caption>
<thead><tr><th scope="col">Window end</th><th scope="col">Kind</th><th scope="col">Model</th><th scope="col">Version</th><th scope="col">Verdict</th><th scope="col">Summary</th></tr></thead><tbody>${trs || '<tr><td colspan="6">No reports.</td></tr>'}</tbody></table>${nav}`;
}
