// Small inline SVG line charts of a number over time, one point per stored report, each point a link to its report.
import { esc, fmt } from './html';

export interface ChartPoint {
  /** Report id: the point's link and its data-report attribute. */
  id: string;
  href: string;
  /** The window's end, shown in the tooltip. */
  at: string;
  value: number;
}

const W = 260;
const H = 110;
const PAD = 22;

/** Oldest point on the left; `threshold` draws a dashed line; points keep their exact value in data-value. */
export function lineChart(o: { title: string; points: ChartPoint[]; threshold?: number; label: string }): string {
  const pts = o.points.filter((p) => Number.isFinite(p.value));
  if (pts.length === 0) return `<figure><figcaption>${esc(o.title)}</figcaption><p>no values yet</p></figure>`;
  const values = pts.map((p) => p.value).concat(o.threshold !== undefined ? [o.threshold] : []);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const x = (i: number) => PAD + (pts.length === 1 ? (W - 2 * PAD) / 2 : (i * (W - 2 * PAD)) / (pts.length - 1));
  const y = (v: number) => H - PAD + 6 - ((v - lo) / (hi - lo)) * (H - 2 * PAD);
  const line = pts.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const thr = o.threshold !== undefined ? `<line x1="${PAD}" x2="${W - PAD}" y1="${y(o.threshold).toFixed(1)}" y2="${y(o.threshold).toFixed(1)}" stroke="#cf222e" stroke-dasharray="4 3"/>` : '';
  const dots = pts
    .map(
      (p, i) =>
        `<a href="${esc(p.href)}" aria-label="${esc(`${o.label} ${fmt(p.value)} at ${p.at}: open report`)}"><circle class="point" cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="4.5" fill="#0969da" data-report="${esc(p.id)}" data-value="${esc(String(p.value))}"><title>${esc(`${p.at}: ${fmt(p.value)}`)}</title></circle></a>`,
    )
    .join('');
  return `<figure><figcaption>${esc(o.title)}</figcaption><svg class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${o.title}, ${pts.length} reports`)}">
<text x="2" y="12" font-size="10" fill="#57606a">${esc(fmt(hi))}</text><text x="2" y="${H - 4}" font-size="10" fill="#57606a">${esc(fmt(lo))}</text>${thr}
<polyline points="${line}" fill="none" stroke="#0969da" stroke-width="1.5"/>${dots}</svg></figure>`;
}
