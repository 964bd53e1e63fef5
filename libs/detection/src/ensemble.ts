import type { Severity } from '@sentinel/contracts';

/**
 * How the four detectors become one score.
 *
 * Each statistic is normalised by its threshold (r = statistic / threshold, so r = 1 is "exactly at the
 * threshold" whatever the detector). The three point detectors (Z-score, IQR, MAD) look at the same
 * deviation through different lenses (mean/σ, quartiles, median/MAD); averaging their r rewards agreement
 * and damps the heavy-tail false alarms of any one of them. CUSUM measures something else, evidence of a
 * sustained shift, so it competes with that average instead of joining it: R = max(mean(r_point), r_cusum).
 * Finally score = R² / (1 + R²): 0.5 at R = 1, 0.8 at R = 2, 0.9 at R = 3, → 1, monotone and bounded.
 */

export function squash(r: number): number {
  const r2 = r * r;
  return r2 === Infinity ? 1 : r2 / (1 + r2);
}

/** Strength in one direction: the part of a signed statistic pointing that way, over its threshold. */
export function upward(statistic: number, threshold: number): number {
  return statistic > 0 ? statistic / threshold : 0;
}

export function downward(statistic: number, threshold: number): number {
  return statistic < 0 ? -statistic / threshold : 0;
}

export function combineStrengths(rz: number, riqr: number, rmad: number, rcusum: number): number {
  const point = (rz + riqr + rmad) / 3;
  return point > rcusum ? point : rcusum;
}

export interface SeverityCuts {
  medium: number;
  high: number;
  critical: number;
}

export function severityFor(score: number, cuts: SeverityCuts): Severity {
  if (score >= cuts.critical) return 'critical';
  if (score >= cuts.high) return 'high';
  if (score >= cuts.medium) return 'medium';
  return 'low';
}
