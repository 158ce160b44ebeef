// Change in the share of missing values between reference and live data.

/** nulls / (nulls + present), 0 for no rows at all. */
export function missingRate(nulls: number, present: number): number {
  const rows = nulls + present;
  return rows > 0 ? nulls / rows : 0;
}

/** |live missing share - reference missing share|, in [0, 1]. */
export function missingRateDelta(referenceNulls: number, referencePresent: number, currentNulls: number, currentPresent: number): number {
  return Math.abs(missingRate(currentNulls, currentPresent) - missingRate(referenceNulls, referencePresent));
}
