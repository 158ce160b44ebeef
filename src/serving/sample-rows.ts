// Sample rows a new model must score sensibly before it may serve: all missing, plain values, and the training profile's typical values.
import { DatasetProfile } from '../profile/schema';
import type { FeatureRecord } from './capture';
import type { FeatureSpecLike } from './schemas';

const UNSEEN = '__serving_check_unseen__';

/**
 * Rows: every feature missing; numbers 0 and an unseen category; and, when the version has a valid
 * profile.json, each numeric feature at its training median (p50) and each categorical one at its most
 * frequent value. Any version must answer all with probabilities.
 */
export function sampleRows(features: readonly FeatureSpecLike[], profile?: unknown): FeatureRecord[] {
  const parsed = profile === undefined ? undefined : DatasetProfile.safeParse(profile);
  const byName = new Map((parsed?.success ? parsed.data.features : []).map((f) => [f.name, f]));
  const missing: Record<string, string | number | null> = {};
  const plain: Record<string, string | number | null> = {};
  const typical: Record<string, string | number | null> = {};
  for (const f of features) {
    missing[f.name] = null;
    plain[f.name] = f.type === 'numeric' ? 0 : UNSEEN;
    const p = byName.get(f.name);
    if (f.type === 'numeric') typical[f.name] = p?.kind === 'numeric' ? (p.quantiles.p50 ?? p.mean ?? 0) : 0;
    else typical[f.name] = p?.kind === 'categorical' ? (p.top[0]?.value ?? UNSEEN) : UNSEEN;
  }
  return [missing, plain, typical];
}
