// Inline SVG bar charts: training vs live shares on the same buckets (no script, no external assets).
import type { FeaturePlot } from '../monitor/report-model';
import { esc, num, pct } from './escape';

export const TRAINING_COLOR = '#4c78a8';
export const LIVE_COLOR = '#f58518';

interface Bucket {
  label: string;
  reference: number;
  current: number;
}

function shares(values: number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  return values.map((v) => (total > 0 ? v / total : 0));
}

/** Buckets of a plot as shares of each side's total: numeric tails + bins; categorical top values + other. */
export function plotBuckets(plot: FeaturePlot, maxCategories = 20): Bucket[] {
  if (plot.kind === 'numeric') {
    const e = plot.edges;
    const ref = [plot.reference.below, ...plot.reference.counts, plot.reference.above];
    const cur = [plot.current.below.count, ...plot.current.counts, plot.current.above.count];
    const labels = [`< ${num(e[0])}`, ...plot.reference.counts.map((_, i) => `${num(e[i])}–${num(e[i + 1])}`), `> ${num(e[e.length - 1])}`];
    const rs = shares(ref);
    const cs = shares(cur);
    const out = labels.map((label, i) => ({ label, reference: rs[i], current: cs[i] }));
    // Tails are shown only when either side has values there.
    return out.filter((b, i) => (i !== 0 && i !== out.length - 1) || b.reference > 0 || b.current > 0);
  }
  const rs = shares([...plot.reference.counts, plot.reference.other]);
  const cs = shares([...plot.current.counts, plot.current.other]);
  const all = plot.categories.map((label, i) => ({ label, reference: rs[i], current: cs[i] }));
  // The categories that matter most on either side; the rest are folded into "other".
  const order = all.map((b, i) => [Math.max(b.reference, b.current), i] as const).sort((a, b) => b[0] - a[0]);
  const keep = new Set(order.slice(0, maxCategories).map(([, i]) => i));
  const shown = all.filter((_, i) => keep.has(i));
  const rest = all.filter((_, i) => !keep.has(i));
  const other = {
    label: rest.length ? `other (${rest.length} more + unseen)` : 'other / unseen',
    reference: rs[rs.length - 1] + rest.reduce((a, b) => a + b.reference, 0),
    current: cs[cs.length - 1] + rest.reduce((a, b) => a + b.current, 0),
  };
  return [...shown, other];
}

/**
 * Vertical bars, one slot per bucket: training as a wide light bar, live as a narrow dark bar in front
 * of it, so a shift shows as orange bars standing out of or short of the blue ones.
 */
export function overlaySvg(buckets: Bucket[], title: string): string {
  const width = 640;
  const height = 220;
  const left = 44;
  const bottom = 64;
  const top = 12;
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const max = Math.max(1e-9, ...buckets.map((b) => Math.max(b.reference, b.current)));
  const slot = plotW / Math.max(1, buckets.length);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    parts.push(`<line x1="${left}" x2="${width - 8}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 4}" y="${(y(v) + 3).toFixed(1)}" font-size="9" text-anchor="end" fill="#666">${pct(v)}</text>`);
  }
  buckets.forEach((b, i) => {
    const x0 = left + i * slot;
    const wRef = slot * 0.85;
    const wCur = slot * 0.45;
    parts.push(
      `<rect x="${(x0 + (slot - wRef) / 2).toFixed(1)}" y="${y(b.reference).toFixed(1)}" width="${wRef.toFixed(1)}" height="${(top + plotH - y(b.reference)).toFixed(1)}" fill="${TRAINING_COLOR}" fill-opacity="0.45"><title>${esc(b.label)}: training ${pct(b.reference)}</title></rect>`,
      `<rect x="${(x0 + (slot - wCur) / 2).toFixed(1)}" y="${y(b.current).toFixed(1)}" width="${wCur.toFixed(1)}" height="${(top + plotH - y(b.current)).toFixed(1)}" fill="${LIVE_COLOR}"><title>${esc(b.label)}: live ${pct(b.current)}</title></rect>`,
    );
    const cx = x0 + slot / 2;
    const ly = top + plotH + 8;
    parts.push(
      `<text x="${cx.toFixed(1)}" y="${ly}" font-size="9" fill="#333" text-anchor="end" transform="rotate(-45 ${cx.toFixed(1)} ${ly})">${esc(b.label.length > 18 ? `${b.label.slice(0, 17)}…` : b.label)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${width - 8}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

/** The legend shared by every chart. */
export function legendHtml(): string {
  return `<span class="key"><i style="background:${TRAINING_COLOR};opacity:.45"></i>training profile</span><span class="key"><i style="background:${LIVE_COLOR}"></i>live window</span>`;
}
