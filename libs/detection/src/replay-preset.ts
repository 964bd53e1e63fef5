import type { DetectionConfigInput } from './config.js';
import type { SeriesOptions } from './series-detector.js';

/**
 * Settings for replaying plain numeric series (`sentinel replay` on CSV files), chosen on the developer
 * half of NAB with one parameter set for every file, no labels and no look-ahead. Same detectors and
 * ensemble as production, plus the seasonal view and smoothing of SeriesDetector.
 */
export const REPLAY_SERIES_CONFIG: DetectionConfigInput = {
  // NAB credits only the earliest detection in a window and charges every detection outside one, so after
  // a score past 0.7 (strength ≈ 1.4) the series stays quiet for 100 samples (8 h at a 5-minute cadence).
  cooldown: 100,
  minScore: 0.7,
  // A regular series is one sample per period, not a stream of calls: the textbook h = 5 false-alarm rate
  // is affordable, and a large step may count fully (clip 8σ) towards a shift. On NAB dev any h of 4-6
  // with a clip of 6σ or more scores within a point of this.
  thresholds: { cusumH: 5, cusumClip: 8 },
};

export const REPLAY_SERIES_OPTIONS: SeriesOptions = {
  // Traffic, sensor and usage series repeat daily or weekly: judge the residual from earlier cycles too.
  seasonal: true,
  // One-sample blips are the commonest false alarm in real metrics (tweet counts, CPU); a lasting change
  // keeps its strength.
  smoothing: 2,
};
