// Drift settings as zod schemas (the one source of truth for config shape), with Evidently's defaults.

import { z } from 'zod';

export const numericMethodSchema = z.enum(['ks', 'wasserstein', 'psi', 'jensenshannon']);
export const categoricalMethodSchema = z.enum(['chisquare', 'jensenshannon', 'psi']);
export const driftMethodSchema = z.enum(['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare']);

/** Per-feature override: the method (must suit the feature's kind) and/or its threshold. */
export const featureDriftOverrideSchema = z
  .object({
    method: driftMethodSchema.optional(),
    /** p-value methods (ks, chisquare): drift when p < threshold; distances: drift when value >= threshold. */
    threshold: z.number().positive().optional(),
  })
  .strict();
export type FeatureDriftOverride = z.infer<typeof featureDriftOverrideSchema>;

export const driftSettingsSchema = z
  .object({
    /** Reference sizes up to this use the p-value tests (KS / chi-square), larger ones distances. */
    smallReferenceLimit: z.number().int().positive().default(1000),
    /** Dataset drift when the share of drifted features is at least this. */
    driftShare: z.number().gt(0).max(1).default(0.5),
    /** How KS p-values are computed (SciPy's ks_2samp `method`). */
    ksMode: z.enum(['auto', 'exact', 'asymp']).default('auto'),
    /** Share given to empty buckets in PSI and to unseen buckets in chi-square. */
    epsilon: z.number().positive().max(0.01).default(1e-4),
    /** Overrides by feature name. */
    features: z.record(z.string(), featureDriftOverrideSchema).default({}),
  })
  .strict();
/** Settings after defaults are applied. */
export type DriftSettings = z.infer<typeof driftSettingsSchema>;
/** Settings as a person writes them (every field optional). */
export type DriftSettingsInput = z.input<typeof driftSettingsSchema>;

/** Evidently's default thresholds: p-value 0.05 for the tests, 0.1 for the distances and PSI. */
export const DEFAULT_THRESHOLDS = {
  ks: 0.05,
  chisquare: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
} as const satisfies Record<z.infer<typeof driftMethodSchema>, number>;
