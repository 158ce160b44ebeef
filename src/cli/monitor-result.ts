// A monitor run's result as the CLI reads it back from Temporal: checked, with the report's store key under one name.
import { z } from 'zod';

/**
 * Runs that completed before the rename (and workers still on the old code) return the report's store key as
 * `reportPath`; the CLI prints it as `reportKey` either way, so scripts reading `-o json` see one name.
 */
function renameReportPath(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const { reportPath, ...rest } = value as Record<string, unknown>;
  return reportPath !== undefined && rest.reportKey === undefined ? { ...rest, reportKey: reportPath } : rest;
}

/** The fields the drift and quality commands print; any others (drifted features, violations, ...) pass through to `-o json`. */
export const MonitorResult = z.preprocess(
  renameReportPath,
  z.looseObject({
    model: z.string().optional(),
    skipped: z.string().optional(),
    verdict: z.string().optional(),
    summary: z.string().optional(),
    reportId: z.string().optional(),
    reportKey: z.string().optional(),
    reportUrl: z.string().optional(),
    predictions: z.number().optional(),
    labeled: z.number().optional(),
    unmatchedLabels: z.number().optional(),
    alerted: z.boolean().optional(),
    resolved: z.boolean().optional(),
    retrain: z.looseObject({ note: z.string() }).optional(),
  }),
);
export type MonitorResult = z.infer<typeof MonitorResult>;
