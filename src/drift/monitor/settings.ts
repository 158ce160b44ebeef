// Monitor settings from a registered version's dataset spec: its drift section and per-feature method/threshold overrides.
import { z } from 'zod';
import { DriftSpec, FeatureSpec } from '../../spec/dataset';
import { driftSettingsSchema, type FeatureDriftOverride } from '../stats';

/** Default for the missing-rate check: a feature whose missing share moves by 10 points is flagged. */
export const DEFAULT_MISSING_RATE_THRESHOLD = 0.1;

export const MonitorSettings = z.object({
  /** Fewer captured rows than this: "insufficient data", never an alert. */
  minRows: z.number().int().positive(),
  /** Share of flagged features from which the dataset counts as drifted. */
  datasetShare: z.number().gt(0).lte(1),
  retrainOnDrift: z.boolean(),
  missingRateThreshold: z.number().gt(0).lte(1),
  /** Reference sizes up to this use KS / chi-square, larger ones distances (Evidently's switch). */
  smallReferenceLimit: z.number().int().positive(),
  overrides: z.record(z.string(), z.object({ method: z.enum(['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare']).optional(), threshold: z.number().positive().optional() })),
});
export type MonitorSettings = z.infer<typeof MonitorSettings>;

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

// Only the parts of the spec the monitor reads; the rest was validated when the version was trained.
const SpecDriftPart = z.looseObject({
  drift: DriftSpec.optional(),
  features: z.array(FeatureSpec).optional(),
});

const NUMERIC = new Set(['ks', 'wasserstein', 'psi', 'jensenshannon']);
const CATEGORICAL = new Set(['chisquare', 'jensenshannon', 'psi']);

/**
 * Settings for a version whose metadata carries `spec` (absent or unreadable: the defaults, so a model
 * registered without a spec is still monitored). An override whose method does not suit the feature's
 * kind is a SettingsError naming it.
 */
export function monitorSettingsFromSpec(spec: unknown, extra: { missingRateThreshold?: number } = {}): MonitorSettings {
  const parsed = SpecDriftPart.safeParse(spec ?? {});
  const part = parsed.success ? parsed.data : {};
  const drift = DriftSpec.parse(part.drift ?? {});
  const overrides: Record<string, FeatureDriftOverride> = {};
  for (const f of part.features ?? []) {
    if (!f.drift) continue;
    const m = f.drift.method;
    if (m !== undefined && !(f.type === 'numeric' ? NUMERIC : CATEGORICAL).has(m)) {
      throw new SettingsError(`feature ${f.name}: drift method ${m} does not apply to ${f.type} data (use ${[...(f.type === 'numeric' ? NUMERIC : CATEGORICAL)].join(', ')})`);
    }
    overrides[f.name] = { ...(m !== undefined ? { method: m } : {}), ...(f.drift.threshold !== undefined ? { threshold: f.drift.threshold } : {}) };
  }
  return MonitorSettings.parse({
    minRows: drift.minRows,
    datasetShare: drift.datasetShare,
    retrainOnDrift: drift.retrainOnDrift,
    missingRateThreshold: extra.missingRateThreshold ?? DEFAULT_MISSING_RATE_THRESHOLD,
    smallReferenceLimit: driftSettingsSchema.parse({}).smallReferenceLimit,
    overrides,
  });
}
