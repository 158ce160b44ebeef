// Inline SVG charts for the model card: curves on the unit square, and horizontal bars (no script, no external asset).
import { esc, num } from '../drift/report/escape';

export const COLORS = { candidate: '#4c78a8', logistic: '#f58518', champion: '#54a24b', majority: '#9d9d9d' };

/** A colour key: one swatch and name per series. */
export function legend(entries: [string, string][]): string {
  return entries.map(([name, color]) => `<span class="key"><i style="background:${color}"></i>${esc(name)}</span>`).join('');
}

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  /** Draw markers instead of a line (calibration). */
  dots?: boolean;
}

const W = 360;
const H = 300;
const L = 44;
const B = 40;
const T = 10;
const R = 10;

/**
 * A square plot of [0,1] x [0,1] with axis labels, an optional diagonal, and one polyline (or dots) per series. With
 * `range` the points are scaled from [lo, hi] on both axes (tick labels in data units), e.g. predicted against actual.
 */
export function unitSquareSvg(title: string, xLabel: string, yLabel: string, series: Series[], diagonal: boolean, range?: [number, number]): string {
  if (range) {
    const [lo, hi] = range;
    const span = hi > lo ? hi - lo : 1;
    const scale = (v: number) => Math.min(1, Math.max(0, (v - lo) / span));
    series = series.map((s) => ({ ...s, points: s.points.map(([a, b]): [number, number] => [scale(a), scale(b)]) }));
  }
  const tick = (v: number) => (range ? num(range[0] + v * (range[1] - range[0]), 3) : String(v));
  const pw = W - L - R;
  const ph = H - T - B;
  const x = (v: number) => (L + v * pw).toFixed(1);
  const y = (v: number) => (T + (1 - v) * ph).toFixed(1);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = i / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><line x1="${x(v)}" x2="${x(v)}" y1="${T}" y2="${T + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${L - 4}" y="${(Number(y(v)) + 3).toFixed(1)}" font-size="9" text-anchor="end" fill="#666">${tick(v)}</text>`);
    parts.push(`<text x="${x(v)}" y="${T + ph + 12}" font-size="9" text-anchor="middle" fill="#666">${tick(v)}</text>`);
  }
  if (diagonal) parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#bbb" stroke-dasharray="4 3"/>`);
  for (const s of series) {
    if (s.dots) {
      for (const [a, b] of s.points) parts.push(`<circle cx="${x(a)}" cy="${y(b)}" r="3.5" fill="${s.color}"><title>${esc(s.name)}: ${num(a)}, ${num(b)}</title></circle>`);
    } else if (s.points.length > 0) {
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map(([a, b]) => `${x(a)},${y(b)}`).join(' ')}"><title>${esc(s.name)}</title></polyline>`);
    }
  }
  parts.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${L + pw / 2}" y="${H - 8}" font-size="11" text-anchor="middle" fill="#333">${esc(xLabel)}</text>`);
  parts.push(`<text x="12" y="${T + ph / 2}" font-size="11" text-anchor="middle" fill="#333" transform="rotate(-90 12 ${T + ph / 2})">${esc(yLabel)}</text>`);
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

/** Horizontal bars, one row per label, scaled to the largest value. */
export function barsSvg(title: string, rows: { label: string; value: number; text: string }[], color: string): string {
  const rowH = 20;
  const labelW = 150;
  const width = 460;
  const height = Math.max(rowH, rows.length * rowH) + 4;
  const max = Math.max(1e-12, ...rows.map((r) => r.value));
  const parts = rows.map((r, i) => {
    const w = ((width - labelW - 70) * r.value) / max;
    const yy = i * rowH + 2;
    return (
      `<text x="${labelW - 6}" y="${yy + 13}" font-size="11" text-anchor="end" fill="#333">${esc(r.label.length > 22 ? `${r.label.slice(0, 21)}…` : r.label)}</text>` +
      `<rect x="${labelW}" y="${yy + 2}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${color}"><title>${esc(r.label)}: ${esc(r.text)}</title></rect>` +
      `<text x="${(labelW + w + 4).toFixed(1)}" y="${yy + 13}" font-size="10" fill="#555">${esc(r.text)}</text>`
    );
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}
