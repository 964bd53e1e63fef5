import type { Severity } from '@sentinel/contracts';

/**
 * How the four detectors become one score.
 *
 * Each statistic is normalised by its threshold (r = statistic / threshold, so r = 1 is "exactly at the
 * threshold" whatever the detector). The three point detectors (Z-score, IQR, MAD) look at the same
 * deviation through different lenses (mean/σ, quartiles, median/MAD), and each has its own way of being
 * fooled: σ by the outliers it should find, quartiles and MAD by ties and discrete values. The point
 * strength is the weakest of the three, so a point is only as anomalous as all three agree it is (on
 * normal data: past 3.5σ, where MAD's 3.5 binds). That unanimity is what keeps defaults quiet, and it
 * also ranks better on NAB than their mean did. CUSUM measures something else, evidence of a sustained
 * shift, so it competes with the point strength instead of joining it: R = max(min(r_point), r_cusum).
 * Finally score = R² / (1 + R²): 0.5 at R = 1 (the thresholds), 0.8 at R = 2, 0.9 at R = 3, → 1.
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
  const point = rz < riqr ? (rz < rmad ? rz : rmad) : riqr < rmad ? riqr : rmad;
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

/** The lowest cut above the severity of `score`: a later score reaching it is an escalation (Infinity past critical). */
export function nextSeverityCut(score: number, cuts: SeverityCuts): number {
  if (score < cuts.medium) return cuts.medium;
  if (score < cuts.high) return cuts.high;
  if (score < cuts.critical) return cuts.critical;
  return Infinity;
}
