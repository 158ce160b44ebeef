// Merges profiles of disjoint data (e.g. daily live batches): exact for counts, moments and same-edge histograms.
import { DataError } from '../data/source';
import { mergeCategoryDistributions, mergeNumericDistributions } from './fine';
import { quantileFromHistogram } from './histogram';
import { CategoricalProfile, DatasetProfile, FeatureProfile, FineSettings, NumericProfile, QUANTILE_FRACTIONS, QUANTILE_KEYS } from './schema';

/**
 * Combines profiles of disjoint row sets. Features must match by name and kind, and numeric histograms must share
 * edges (profile later batches with `reference` to get that). Mean and stddev combine exactly (Chan et al.); quantiles
 * are re-estimated from the merged histogram and flagged `quantilesExact: false`; categorical top lists add counts by
 * value and `distinct` becomes a lower bound. Fine distributions merge too (exact counts add; past the caps they
 * become bins, see mergeNumericDistributions) when both sides have them; a merge with a coarse (version 1) profile
 * is coarse. The holdout scores are a property of one training run and are not merged.
 */
export function mergeProfiles(profiles: readonly DatasetProfile[]): DatasetProfile {
  if (profiles.length === 0) throw new Error('mergeProfiles needs at least one profile');
  return profiles.slice(1).reduce(mergeTwo, profiles[0]);
}

function mergeTwo(a: DatasetProfile, b: DatasetProfile): DatasetProfile {
  const names = (p: DatasetProfile): string => p.features.map((f) => `${f.name}:${f.kind}`).join(',');
  if (names(a) !== names(b)) {
    throw new DataError('SnapshotInvalid', `cannot merge profiles with different features: [${names(a)}] vs [${names(b)}]`);
  }
  const rows = a.rows + b.rows;
  let label: DatasetProfile['label'] = null;
  if (a.label && b.label) {
    const positives = a.label.positives + b.label.positives;
    label = { positives, positiveRate: rows > 0 ? positives / rows : null };
  }
  // The coarser of the two resolutions: a cap only ever shrinks in a merge.
  const fine: FineSettings | null =
    a.fine && b.fine
      ? {
          numericCap: Math.min(a.fine.numericCap, b.fine.numericCap),
          categoricalCap: Math.min(a.fine.categoricalCap, b.fine.categoricalCap),
          bins: Math.min(a.fine.bins, b.fine.bins),
        }
      : null;
  const features = a.features.map((fa, i): FeatureProfile => {
    const fb = b.features[i];
    if (fa.kind === 'numeric' && fb.kind === 'numeric') {
      const { distribution: _da, ...m } = mergeNumeric(fa, fb);
      if (!fine || !fa.distribution || !fb.distribution) return m;
      return { ...m, distribution: mergeNumericDistributions(fa.distribution, fb.distribution, fine.numericCap, fine.bins) };
    }
    if (fa.kind === 'categorical' && fb.kind === 'categorical') {
      const m = mergeCategorical(fa, fb);
      if (!fine || !fa.distribution || !fb.distribution) return m;
      return { ...m, distribution: mergeCategoryDistributions(fa.distribution, fb.distribution, fine.categoricalCap) };
    }
    throw new Error('unreachable: kinds checked above');
  });
  return DatasetProfile.parse({
    version: fine ? 2 : 1,
    ...(fine ? { fine } : {}),
    rows,
    label,
    features,
    passes: a.passes + b.passes,
    createdAt: new Date().toISOString(),
  });
}

function mergeNumeric(a: NumericProfile, b: NumericProfile): NumericProfile {
  const na = a.count - a.nulls;
  const nb = b.count - b.nulls;
  const n = na + nb;
  if (na === 0) return { ...b, count: a.count + b.count, nulls: a.nulls + b.nulls };
  if (nb === 0) return { ...a, count: a.count + b.count, nulls: a.nulls + b.nulls };
  const ha = a.histogram;
  const hb = b.histogram;
  if (!ha || !hb || ha.edges.length !== hb.edges.length || ha.edges.some((e, i) => e !== hb.edges[i])) {
    throw new DataError('SnapshotInvalid', `cannot merge histograms of ${a.name}: bin edges differ (profile later data with the first profile as reference)`);
  }
  const ma = a.mean ?? 0;
  const mb = b.mean ?? 0;
  const mean = (na * ma + nb * mb) / n;
  // Sum of squared deviations per side from the sample stddev, then Chan's combination.
  const m2a = na > 1 ? (a.stddev ?? 0) ** 2 * (na - 1) : 0;
  const m2b = nb > 1 ? (b.stddev ?? 0) ** 2 * (nb - 1) : 0;
  const m2 = m2a + m2b + (mb - ma) ** 2 * ((na * nb) / n);
  const histogram = {
    edges: ha.edges,
    counts: ha.counts.map((c, i) => c + hb.counts[i]),
    underflow: ha.underflow + hb.underflow,
    overflow: ha.overflow + hb.overflow,
  };
  const min = Math.min(a.min ?? Infinity, b.min ?? Infinity);
  const max = Math.max(a.max ?? -Infinity, b.max ?? -Infinity);
  const quantiles = Object.fromEntries(QUANTILE_KEYS.map((k) => [k, quantileFromHistogram(histogram, QUANTILE_FRACTIONS[k], min, max)])) as NumericProfile['quantiles'];
  return {
    name: a.name,
    kind: 'numeric',
    count: a.count + b.count,
    nulls: a.nulls + b.nulls,
    min,
    max,
    mean,
    stddev: n > 1 ? Math.sqrt(m2 / (n - 1)) : null,
    quantiles,
    quantilesExact: false,
    histogram,
  };
}

function mergeCategorical(a: CategoricalProfile, b: CategoricalProfile): CategoricalProfile {
  const counts = new Map<string, number>();
  for (const t of [...a.top, ...b.top]) counts.set(t.value, (counts.get(t.value) ?? 0) + t.count);
  const topK = Math.max(a.topK, b.topK);
  const top = [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
    .slice(0, topK);
  const nonNull = a.count - a.nulls + (b.count - b.nulls);
  return {
    name: a.name,
    kind: 'categorical',
    count: a.count + b.count,
    nulls: a.nulls + b.nulls,
    distinct: Math.max(a.distinct, b.distinct, counts.size),
    distinctExact: false,
    topK,
    top,
    otherCount: nonNull - top.reduce((s, t) => s + t.count, 0),
  };
}
