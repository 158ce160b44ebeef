// Suggests an expectation suite from a profile (in the spirit of SageMaker's suggest_baseline) that the profiled data passes.
import { writeJsonAtomic } from '../util/fs-atomic';
import { Expectation, ExpectationSuite } from '../spec/expectations';
import type { DatasetProfile } from './schema';

export interface SuggestOptions {
  /** Widen numeric [min, max] by this share of the range on each side (default 0.1). A non-negative column stays >= 0. */
  rangeMargin?: number;
  /** Categoricals with at most this many values, all seen in `top`, get a closed `in_set` (default 20). */
  inSetMaxValues?: number;
  /** Extra share of unseen categories allowed beyond the profile's own "other" share (default 0.01). */
  unseenSlack?: number;
  /** Row count bounds as factors of the profiled rows (default [0.5, 2]); null to skip the rule. */
  rowCountFactors?: [number, number] | null;
}

/** Rounds outward to 4 significant digits so bounds read well and still contain the observed values. */
function roundOut(v: number, direction: 'down' | 'up'): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 3);
  const r = (direction === 'down' ? Math.floor(v / scale) : Math.ceil(v / scale)) * scale;
  // Undo float noise (e.g. 0.30000000000000004) without crossing the bound.
  const clean = Number(r.toPrecision(12));
  return direction === 'down' ? Math.min(clean, v) : Math.max(clean, v);
}

/**
 * Rules the profiled data satisfies by construction: completeness as `not_null.mostly` (floored), widened value
 * ranges, closed sets for small categoricals, a bound on unseen categories for the rest, and a row-count range.
 */
export function suggestConstraints(profile: DatasetProfile, options: SuggestOptions = {}): ExpectationSuite {
  const margin = options.rangeMargin ?? 0.1;
  const inSetMax = options.inSetMaxValues ?? 20;
  const slack = options.unseenSlack ?? 0.01;
  const factors = options.rowCountFactors === undefined ? ([0.5, 2] as [number, number]) : options.rowCountFactors;
  const suite: Expectation[] = [];
  if (factors && profile.rows > 0) {
    suite.push({ type: 'row_count_between', min: Math.floor(profile.rows * factors[0]), max: Math.max(1, Math.ceil(profile.rows * factors[1])) });
  }
  for (const f of profile.features) {
    const nonNull = f.count - f.nulls;
    if (f.count > 0 && nonNull > 0) {
      // Floor to 4 decimals so the same data passes; 1 stays 1 (a column never missing should stay complete).
      const completeness = nonNull / f.count;
      suite.push({ type: 'not_null', column: f.name, mostly: completeness === 1 ? 1 : Math.max(0.0001, Math.floor(completeness * 10000) / 10000) });
    }
    if (nonNull === 0) continue;
    if (f.kind === 'numeric') {
      if (f.min === null || f.max === null) continue;
      const pad = (f.max - f.min) * margin || Math.abs(f.min) * margin || margin;
      let min = roundOut(f.min - pad, 'down');
      if (f.min >= 0) min = Math.max(0, min);
      suite.push({ type: 'between', column: f.name, min, max: roundOut(f.max + pad, 'up'), mostly: 1 });
    } else if (f.top.length > 0) {
      const otherShare = f.otherCount / nonNull;
      if (f.otherCount === 0 && f.top.length <= inSetMax) {
        suite.push({ type: 'in_set', column: f.name, values: f.top.map((t) => t.value), mostly: 1 });
      } else {
        suite.push({
          type: 'unseen_categories_at_most',
          column: f.name,
          known: f.top.map((t) => t.value),
          maxShare: Math.min(1, Math.ceil((otherShare + slack) * 10000) / 10000),
        });
      }
    }
  }
  return ExpectationSuite.parse(suite);
}

/** Writes the suggested suite as a JSON array (paste-able as a spec's `expectations`), temp name then rename. */
export async function writeSuggestedConstraints(profile: DatasetProfile, file: string, options: SuggestOptions = {}): Promise<ExpectationSuite> {
  const suite = suggestConstraints(profile, options);
  await writeJsonAtomic(file, suite);
  return suite;
}
