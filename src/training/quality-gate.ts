// The data-quality gate's outcome as the pipeline carries it: counts, and each failed expectation in one readable line.
import { describeExpectation, failureLines, type DataQualityReport } from '../quality';
import type { FailedExpectation, QualityOutcome } from './types';

export function qualityOutcome(report: DataQualityReport, reportKey: string): QualityOutcome {
  const lines = failureLines(report);
  const failed: FailedExpectation[] = report.results
    .filter((r) => !r.success)
    .map((r, i) => ({
      name: describeExpectation(r.expectation),
      column: 'column' in r.expectation ? r.expectation.column : null,
      summary: lines[i]?.split(': ').slice(1).join(': ') ?? '',
      observedValue: r.observedValue,
      unexpectedPercent: r.unexpectedPercent,
      failingRows: r.failingRows.slice(0, 5),
    }));
  return { success: report.success, total: report.results.length, passes: report.passes, failed, reportKey };
}
